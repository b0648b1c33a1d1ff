"""Training: recipes, a readable Trainer with checkpoints and exact resume, run directories with
metrics and curves."""
from .interrupt import TrainingInterrupted
from .metrics import RunningMean, accuracy
from .plot import plot_runs
from .recipe import TRAINER_DEFAULTS, Recipe
from .run_dir import RunDir, RunDirInUseError, read_metrics
from .trainer import StopTraining, Trainer, evaluate

__all__ = ["Trainer", "StopTraining", "TrainingInterrupted", "evaluate", "Recipe",
           "TRAINER_DEFAULTS", "RunDir", "RunDirInUseError", "read_metrics", "RunningMean",
           "accuracy", "plot_runs"]
