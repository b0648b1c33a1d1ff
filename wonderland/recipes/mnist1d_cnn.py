"""MNIST-1D CNN (three stride-2 Conv1d of 25 channels and a Linear) trained as the benchmark
does; published 94%."""
from ..models import ConvNet1d
from ..train.recipe import Recipe
from ._common import MNIST1D_CONFIG, MNIST1D_SOURCE, adam, mnist1d_space, mnist1d_splits


def _space(trial) -> dict:
    return {**mnist1d_space(trial),
            "channels": trial.suggest_categorical("channels", [16, 25, 32, 64])}


recipe = Recipe(
    name="mnist1d_cnn",
    description="MNIST-1D, 1-D CNN (5,210 parameters), Adam 1e-2, 6000 steps of 100",
    config={**MNIST1D_CONFIG, "channels": 25},
    data=mnist1d_splits,
    model=lambda cfg: ConvNet1d(40, cfg["channels"], 10),
    optimizer=adam,
    published={"test_accuracy": 0.94, "source": MNIST1D_SOURCE},
    search_space=_space,
)
