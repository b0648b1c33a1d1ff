"""Fashion-MNIST small CNN: Keras' simple MNIST convnet (two Conv2d 3x3 + ReLU + MaxPool2d(2),
32 then 64 channels) with a 128-unit hidden layer and dropout 0.25 before and after it, Adam 1e-3,
10 epochs of 128; small CNNs reach 0.91-0.93. Keras' own head (dropout 0.5, Linear 1600 -> 10)
gave 0.894 after 5 epochs and 0.906 after 10 or 15."""
from ..models import ConvNet2d
from ..train.recipe import Recipe
from ._common import FASHION_CONFIG, adam, fashion_splits, optimizer_space


def _space(trial) -> dict:
    return {**optimizer_space(trial, (1e-4, 1e-2)),
            "hidden": trial.suggest_categorical("hidden", [64, 128, 256]),
            "dropout": trial.suggest_float("dropout", 0.0, 0.5)}


recipe = Recipe(
    name="fashion_cnn",
    description="Fashion-MNIST, CNN conv32-pool-conv64-pool-fc128 with dropout (225,034 "
                "parameters), Adam 1e-3, 10 epochs",
    config={**FASHION_CONFIG, "channels1": 32, "channels2": 64, "hidden": 128, "dropout": 0.25},
    data=fashion_splits,
    model=lambda cfg: ConvNet2d(1, 28, (cfg["channels1"], cfg["channels2"]), cfg["hidden"], 10,
                                dropout=cfg["dropout"]),
    optimizer=adam,
    published={"test_accuracy": 0.91, "source": "Zalando fashion-mnist benchmark "
               "(github.com/zalandoresearch/fashion-mnist), small 2-layer CNNs 0.91-0.93"},
    search_space=_space,
)
