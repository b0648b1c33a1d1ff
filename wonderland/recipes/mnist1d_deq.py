"""MNIST-1D, a deep equilibrium classifier (Bai et al. 2019): input injection 40 -> 100, the
fixed point of z = tanh(W z + x) (W kept to spectral norm 0.9 by power iteration, so that the
iteration contracts) found to 1e-5 with gradients by the implicit function theorem, a linear
head; trained as the benchmark's other models (Adam 1e-2, 6000 steps of 100). No published
figure: the benchmark's MLP (68%) is its neighbour in the table."""
from ..models.deq import DEQClassifier
from ..train.recipe import Recipe
from ._common import MNIST1D_CONFIG, adam, mnist1d_splits

recipe = Recipe(
    name="mnist1d_deq",
    description="MNIST-1D, deep equilibrium model (one 100-unit tanh cell at its fixed point, "
                "implicit gradients; 15,110 parameters), Adam 1e-2, 6000 steps of 100",
    config={**MNIST1D_CONFIG, "hidden": 100, "tol": 1e-5, "contraction": 0.9},
    data=mnist1d_splits,
    model=lambda cfg: DEQClassifier(40, cfg["hidden"], 10, cfg["contraction"], cfg["tol"]),
    optimizer=adam,
)
