"""Fashion-MNIST, the VAE of PyTorch's examples/vae: an MLP 784-400-(20, 20) encoder and
20-400-784 decoder with Bernoulli pixels, Adam 1e-3, 10 epochs of 128; scored by the test
negative ELBO and the IWAE bound (k = 100) in nats per image."""
from ..models import VAE
from ._vae import vae_recipe

recipe = vae_recipe(
    "fashion_vae",
    "Fashion-MNIST, VAE MLP 784-400-20 (652,824 parameters) with Bernoulli pixels, Adam 1e-3, "
    "10 epochs of 128; test negative ELBO and IWAE (k = 100)",
    lambda cfg: VAE(28 * 28, cfg["hidden"], cfg["latent"]),
    hidden=400,
)
