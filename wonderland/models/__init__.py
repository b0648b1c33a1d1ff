"""Reference models, one family per module: logistic regression, MLP, CNNs (1-D and 2-D), GRU,
the char-rnn language model, GPT (a decoder-only Transformer language model), the variational
autoencoders VAE and ConvVAE."""
from .char_rnn import CharRNN
from .cnn import ConvNet1d, ConvNet2d
from .gpt import GPT, GPTConfig
from .gru import GRUClassifier
from .linear import LogisticRegression
from .mlp import MLP
from .vae import VAE, ConvVAE

__all__ = ["CharRNN", "ConvNet1d", "ConvNet2d", "GPT", "GPTConfig", "GRUClassifier",
           "LogisticRegression", "MLP", "VAE", "ConvVAE"]
