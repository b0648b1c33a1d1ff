"""Fashion-MNIST, a convolutional VAE: two stride-2 4x4 convolutions (32, 64 channels) to a
20-dimensional Gaussian posterior and two transposed ones back to Bernoulli pixels, trained as
the MLP VAE is (Adam 1e-3, 10 epochs of 128); scored by the test negative ELBO and the IWAE
bound, the latter on the first 1,000 test images (its decoder costs five times the MLP's)."""
from ..models import ConvVAE
from ._vae import vae_recipe

recipe = vae_recipe(
    "fashion_conv_vae",
    "Fashion-MNIST, ConvVAE 32-64 channels, latent 20 (258,025 parameters), Bernoulli "
    "pixels, Adam 1e-3, 10 epochs of 128; test negative ELBO and IWAE (k = 100, 1,000 images)",
    lambda cfg: ConvVAE(1, 28, cfg["latent"]),
    iwae_images=1000,
)
