"""Op-spec rows: elementwise functions of one tensor, casts, clip and rounding."""
import numpy as np
import torch
from scipy import special

import wonderland as wl

from ..spec import away_from, positive, real, spec

S = (3, 4)

SPECS = [
    spec("neg", "Neg", lambda x: -x, [real(*S)], np.negative, torch.neg),
    spec("exp", "Exp", wl.exp, [real(*S)], np.exp, torch.exp),
    spec("log", "Log", wl.log, [positive(*S)], np.log, torch.log),
    spec("log1p", "Log1p", wl.log1p, [positive(*S, low=-0.5)], np.log1p, torch.log1p),
    spec("expm1", "Expm1", wl.expm1, [real(*S)], np.expm1, torch.expm1),
    spec("sqrt", "Sqrt", wl.sqrt, [positive(*S)], np.sqrt, torch.sqrt),
    spec("rsqrt", "Rsqrt", wl.rsqrt, [positive(*S)], lambda x: 1 / np.sqrt(x), torch.rsqrt),
    spec("sin", "Sin", wl.sin, [real(*S)], np.sin, torch.sin),
    spec("cos", "Cos", wl.cos, [real(*S)], np.cos, torch.cos),
    spec("tan", "Tan", wl.tan, [real(*S, low=-1.2, high=1.2)], np.tan, torch.tan),
    spec("tanh", "Tanh", wl.tanh, [real(*S)], np.tanh, torch.tanh),
    spec("sigmoid", "Sigmoid", wl.sigmoid, [real(*S, low=-6, high=6)],
         lambda x: 1 / (1 + np.exp(-x)), torch.sigmoid),
    spec("erf", "Erf", wl.erf, [real(*S)], special.erf, torch.erf),
    spec("abs", "Abs", wl.abs, [away_from(0, *S)], np.abs, torch.abs),
    spec("sign", "Sign", wl.sign, [away_from(0, *S)], np.sign, torch.sign),
    spec("relu", "Relu", wl.relu, [away_from(0, *S)], lambda x: np.maximum(x, 0), torch.relu),
    spec("clip", "Clip", lambda x: x.clip(-0.5, 1.0), [away_from([-0.5, 1.0], *S)],
         lambda x: np.clip(x, -0.5, 1.0), lambda x: x.clamp(-0.5, 1.0)),
    spec("clip_min_only", "Clip", lambda x: x.clip(min=0.3), [away_from(0.3, *S)],
         lambda x: np.maximum(x, 0.3), lambda x: x.clamp(min=0.3)),
    spec("cast_f64_f32", "Cast", lambda x: x.float(), [real(*S)],
         lambda x: x.astype(np.float32), lambda x: x.float(), rtol=1e-6, atol=1e-6,
         finite_differences=False),
    spec("cast_f64_int", "Cast", lambda x: x.long(), [real(*S, low=-5, high=5)],
         lambda x: x.astype(np.int64), lambda x: x.long(), grad=False),
    spec("clone", "Alias", lambda x: x.clone(), [real(*S)], lambda x: x.copy(),
         lambda x: x.clone()),
    spec("floor", "Floor", wl.floor, [away_from([-1, 0, 1], *S)], np.floor, torch.floor),
    spec("ceil", "Ceil", wl.ceil, [away_from([-1, 0, 1], *S)], np.ceil, torch.ceil),
    spec("round", "Round", wl.round, [away_from([-1.5, -0.5, 0.5, 1.5], *S)], np.round,
         torch.round),
    spec("trunc", "Trunc", wl.trunc, [away_from([-1, 0, 1], *S)], np.trunc, torch.trunc),
]
