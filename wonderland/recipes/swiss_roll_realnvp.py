"""Swiss roll, RealNVP: moons_realnvp's flow and training (8 affine couplings x 64 with batch
norm, Adam 1e-3 cosine to 1e-5, clipping at 5, 16,000 steps of 256) on 4,000 standardised points
of the WGAN-GP toy swiss roll (scikit-learn, noise 0.25, the x-z plane); scored by the test NLL
in nats on 1,000 fresh points, with density.png of samples over the learned density."""
from ..data.datasets import SwissRoll2D
from ._flow import FLOW_CONFIG, assess_density, flow_recipe, standardised_splits

recipe = flow_recipe(
    name="swiss_roll_realnvp",
    description="swiss roll (scikit-learn, noise 0.25, x-z plane), RealNVP 8 couplings x 64 "
                "with batch norm (36,940 parameters) on 4,000 standardised points, Adam 1e-3 "
                "cosine to 1e-5, 16,000 steps of 256",
    config={**FLOW_CONFIG, "samples": 2000},
    data=lambda cfg: standardised_splits(lambda n, seed: SwissRoll2D(n, seed=seed), cfg),
    assess=assess_density,
)
