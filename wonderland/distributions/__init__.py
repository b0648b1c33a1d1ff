"""wl.distributions: probability distributions with PyTorch's interface (sample, rsample,
log_prob, entropy, moments, cdf/icdf), transforms, and kl_divergence with its registry."""
from . import constraints
from .bernoulli import Bernoulli
from .categorical import Categorical
from .distribution import Distribution
from .independent import Independent
from .normal import Normal
from .uniform import Uniform

__all__ = ["constraints", "Bernoulli", "Categorical", "Distribution", "Independent", "Normal",
           "Uniform"]
