"""Op-spec rows: the special functions (lgamma, digamma, polygamma, erfinv)."""
import torch
from scipy import special

import wonderland as wl

from ..spec import positive, real, spec

S = (3, 4)

SPECS = [
    spec("lgamma", "Lgamma", wl.lgamma, [real(*S, low=0.2, high=6.0)], special.gammaln,
         torch.lgamma),
    spec("lgamma_negative", "Lgamma", wl.lgamma, [real(*S, low=-2.8, high=-2.2)],
         special.gammaln, torch.lgamma),
    spec("digamma", "Polygamma", wl.digamma, [positive(*S, low=0.3, high=8.0)], special.digamma,
         torch.digamma),
    spec("polygamma_1", "Polygamma", lambda x: wl.polygamma(1, x),
         [positive(*S, low=0.3, high=8.0)], lambda x: special.polygamma(1, x),
         lambda x: torch.polygamma(1, x)),
    spec("erfinv", "Erfinv", wl.erfinv, [real(*S, low=-0.95, high=0.95)], special.erfinv,
         torch.erfinv),
]
