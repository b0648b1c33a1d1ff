"""Tuning: k-fold cross-validation, ensembles of models, and hyperparameter search with Optuna
(imported only when a search runs)."""
from .ensemble import Ensemble, combine_scores, ensemble_predict
from .kfold import CVResult, cross_validate, kfold_indices
from .study import (
    best_config,
    gp_available,
    make_pruner,
    make_sampler,
    make_storage,
    report_and_prune,
    search,
    storage_url,
)
