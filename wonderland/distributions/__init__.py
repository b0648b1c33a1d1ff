"""wl.distributions: probability distributions with PyTorch's interface (sample, rsample,
log_prob, entropy, moments, cdf/icdf), transforms, and kl_divergence with its registry."""
from . import constraints, kl, transforms
from .bernoulli import Bernoulli
from .beta import Beta
from .categorical import Categorical
from .dirichlet import Dirichlet
from .distribution import Distribution
from .gamma import Gamma
from .independent import Independent
from .kl import kl_divergence, register_kl
from .log_normal import LogNormal
from .multivariate_normal import MultivariateNormal
from .normal import Normal
from .transformed_distribution import TransformedDistribution
from .transforms import (
    AffineTransform,
    ComposeTransform,
    ExpTransform,
    SigmoidTransform,
    TanhTransform,
    Transform,
)
from .uniform import Uniform

__all__ = [
    "constraints", "transforms", "Distribution", "Bernoulli", "Beta", "Categorical",
    "Dirichlet", "Gamma", "Independent",
    "LogNormal", "MultivariateNormal", "Normal", "TransformedDistribution", "Uniform",
    "AffineTransform", "ComposeTransform", "ExpTransform", "SigmoidTransform", "TanhTransform",
    "Transform", "kl", "kl_divergence", "register_kl",
]
