"""MNIST-1D MLP (40 -> 100 -> 100 with a skip -> 10) trained as the benchmark does; published
68%."""
from ..models import MLP
from ..train.recipe import Recipe
from ._common import MNIST1D_CONFIG, MNIST1D_SOURCE, adam, mnist1d_space, mnist1d_splits


def _space(trial) -> dict:
    return {**mnist1d_space(trial), "hidden": trial.suggest_categorical("hidden", [50, 100, 200])}


recipe = Recipe(
    name="mnist1d_mlp",
    description="MNIST-1D, residual MLP (15,210 parameters), Adam 1e-2, 6000 steps of 100",
    config={**MNIST1D_CONFIG, "hidden": 100},
    data=mnist1d_splits,
    model=lambda cfg: MLP(40, (cfg["hidden"], cfg["hidden"]), 10, residual=True),
    optimizer=adam,
    published={"test_accuracy": 0.68, "source": MNIST1D_SOURCE},
    search_space=_space,
)
