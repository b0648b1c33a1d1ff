"""MNIST-1D GRU (the 40 numbers read as 40 time steps by a bidirectional GRU of 6 units, all
outputs to a Linear) trained as the benchmark does; published 91%."""
from ..models import GRUClassifier
from ..train.recipe import Recipe
from ._common import MNIST1D_CONFIG, MNIST1D_SOURCE, adam, mnist1d_space, mnist1d_splits


def _space(trial) -> dict:
    return {**mnist1d_space(trial), "hidden": trial.suggest_categorical("hidden", [6, 12, 24])}


recipe = Recipe(
    name="mnist1d_gru",
    description="MNIST-1D, bidirectional GRU (5,134 parameters), Adam 1e-2, 6000 steps of 100",
    config={**MNIST1D_CONFIG, "hidden": 6},
    data=mnist1d_splits,
    model=lambda cfg: GRUClassifier(40, cfg["hidden"], 10, bidirectional=True),
    optimizer=adam,
    published={"test_accuracy": 0.91, "source": MNIST1D_SOURCE},
    search_space=_space,
)
