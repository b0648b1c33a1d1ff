"""Reference models, one family per module: logistic regression, MLP, CNNs (1-D and 2-D), GRU,
the char-rnn language model, GPT (a decoder-only Transformer language model), the variational
autoencoders VAE and ConvVAE, the RealNVP normalising flow, score-based diffusion (the VP SDE,
its samplers and ODE likelihoods) with a U-Net, the WGAN-GP generator and critic, neural ODEs,
continuous normalising flows, deep equilibrium models, ResNets (ImageNet and CIFAR)."""
from .char_rnn import CharRNN
from .cnf import CNF, TimeMLP
from .cnn import ConvNet1d, ConvNet2d
from .deq import DEQ, ContractiveCell, DEQClassifier
from .diffusion import (
    VPSDE,
    ScoreDiffusion,
    ScoreMLP,
    annealed_langevin,
    log_likelihood,
    probability_flow,
    reverse_sde,
)
from .flows import AffineCoupling, RealNVP
from .gpt import GPT, GPTConfig
from .gru import GRUClassifier
from .linear import LogisticRegression
from .mlp import MLP
from .neural_ode import CubicField, NeuralODE
from .resnet import (
    BasicBlock,
    Bottleneck,
    CifarResNet,
    ResNet,
    resnet18,
    resnet20,
    resnet32,
    resnet34,
    resnet50,
)
from .unet import UNet
from .vae import VAE, ConvVAE
from .wgan import WGANGP

__all__ = ["AffineCoupling", "CharRNN", "ConvNet1d", "ConvNet2d", "GPT", "GPTConfig",
           "GRUClassifier", "LogisticRegression", "MLP", "RealNVP", "UNet", "VAE", "ConvVAE",
           "WGANGP", "VPSDE", "ScoreDiffusion", "ScoreMLP", "annealed_langevin", "log_likelihood",
           "probability_flow", "reverse_sde", "CubicField", "NeuralODE", "ContractiveCell",
           "DEQ", "DEQClassifier", "CNF", "TimeMLP", "BasicBlock", "Bottleneck", "CifarResNet",
           "ResNet", "resnet18", "resnet20", "resnet32", "resnet34", "resnet50"]
