"""MNIST-1D logistic regression (40 -> 10) trained as the benchmark does; published 32%."""
from ..models import LogisticRegression
from ..train.recipe import Recipe
from ._common import MNIST1D_CONFIG, MNIST1D_SOURCE, adam, mnist1d_space, mnist1d_splits

recipe = Recipe(
    name="mnist1d_logreg",
    description="MNIST-1D, logistic regression (410 parameters), Adam 1e-2, 6000 steps of 100",
    config=dict(MNIST1D_CONFIG),
    data=mnist1d_splits,
    model=lambda cfg: LogisticRegression(40, 10),
    optimizer=adam,
    published={"test_accuracy": 0.32, "source": MNIST1D_SOURCE},
    search_space=mnist1d_space,
)
