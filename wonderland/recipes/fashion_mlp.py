"""Fashion-MNIST MLP: 784 -> 256 (ReLU, dropout 0.2) -> 10, Adam 1e-3, 10 epochs of 128. The
dataset's own benchmark lists about 0.88 for scikit-learn MLPs of one or two hidden layers."""
from ..models import MLP
from ..train.recipe import Recipe
from ._common import FASHION_CONFIG, adam, fashion_splits, optimizer_space


def _space(trial) -> dict:
    return {**optimizer_space(trial, (1e-4, 1e-2)),
            "hidden": trial.suggest_categorical("hidden", [128, 256, 512]),
            "dropout": trial.suggest_float("dropout", 0.0, 0.5)}


recipe = Recipe(
    name="fashion_mlp",
    description="Fashion-MNIST, MLP 784-256-10 with dropout (203,530 parameters), Adam 1e-3, "
                "10 epochs",
    config={**FASHION_CONFIG, "hidden": 256, "dropout": 0.2},
    data=fashion_splits,
    model=lambda cfg: MLP(28 * 28, (cfg["hidden"],), 10, residual=False,
                          dropout=cfg["dropout"]),
    optimizer=adam,
    published={"test_accuracy": 0.88, "source": "Zalando fashion-mnist benchmark "
               "(github.com/zalandoresearch/fashion-mnist), MLPClassifier rows"},
    search_space=_space,
)
