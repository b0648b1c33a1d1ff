"""Swiss roll, WGAN-GP: the toy experiment of Gulrajani et al. 2017 (gan_toy.py), the script's
networks and settings (see _wgan.py) for 3,000 generator steps instead of 100,000; scored by MMD
and sliced Wasserstein-1 of 10,000 samples against fresh data."""
from ._wgan import toy_recipe

recipe = toy_recipe(
    "swiss_roll_wgan", "swissroll",
    "swiss roll (scikit-learn, noise 0.25, x-z plane / 7.5), WGAN-GP with the toy script's MLPs "
    "(noise 2 -> 512 x 3 -> 2, critic 2 -> 512 x 3 -> 1), penalty 0.1, 5 critic steps of 256 "
    "per generator step, Adam 1e-4 (0.5, 0.9), 3,000 generator steps (the script runs 100,000)")
