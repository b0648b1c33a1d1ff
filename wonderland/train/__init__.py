"""Training: recipes, a readable Trainer with checkpoints and exact resume, run directories with
metrics and curves."""
from .metrics import RunningMean, accuracy
from .recipe import TRAINER_DEFAULTS, Recipe
