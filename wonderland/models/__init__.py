"""Reference models, one family per module: logistic regression, MLP, CNNs (1-D and 2-D), GRU."""
from .cnn import ConvNet1d, ConvNet2d
from .gru import GRUClassifier
from .linear import LogisticRegression
from .mlp import MLP

__all__ = ["ConvNet1d", "ConvNet2d", "GRUClassifier", "LogisticRegression", "MLP"]
