"""Tuning: k-fold cross-validation, ensembles of models, and hyperparameter search with Optuna
(imported only when a search runs), of any objective or of a recipe's settings."""
from .ensemble import Ensemble, combine_scores, ensemble_predict
from .kfold import CVResult, cross_validate, kfold_indices
from .objective import recipe_objective, searched_keys, study_name, train_settings
from .study import (
    best_config,
    gp_available,
    make_pruner,
    make_sampler,
    make_storage,
    open_study,
    progress_callback,
    progress_line,
    quiet_optuna,
    report_and_prune,
    search,
    storage_url,
)

__all__ = ["Ensemble", "combine_scores", "ensemble_predict", "CVResult", "cross_validate",
           "kfold_indices", "recipe_objective", "searched_keys", "study_name", "train_settings",
           "search", "open_study",
           "best_config", "gp_available", "make_pruner", "make_sampler", "make_storage",
           "storage_url", "report_and_prune", "progress_callback", "progress_line", "quiet_optuna"]
