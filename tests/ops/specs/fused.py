"""Op-spec rows: fused primitives of layers and losses (the affine map of a linear layer,
softmax cross-entropy and its gradient), against NumPy and PyTorch."""
import numpy as np
import torch

from wonderland.nn import functional as F
from wonderland.ops.cross_entropy import CrossEntropyGrad
from wonderland.ops.unary import ReluGrad

from ..spec import away_from, ints, real, spec


def _np_cross_entropy(x, t, ignore_index=-100, reduction="mean"):
    z = x - x.max(-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(-1, keepdims=True))
    keep = t != ignore_index
    loss = np.where(keep, -np.take_along_axis(logp, np.where(keep, t, 0)[..., None], -1)[..., 0],
                    0)
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.sum() / keep.sum()


def _np_cross_entropy_grad(c, x, t, ignore_index=-100):
    p = np.exp(x - x.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    keep = t != ignore_index
    onehot = np.eye(x.shape[-1])[np.where(keep, t, 0)]
    return (p - onehot) * np.where(keep, c, 0)[..., None]


def _ce(reduction, ignore_index=-100):
    return (lambda x, t: F.cross_entropy(x, t, reduction=reduction, ignore_index=ignore_index),
            lambda x, t: _np_cross_entropy(x, t, ignore_index, reduction),
            lambda x, t: torch.nn.functional.cross_entropy(x, t, reduction=reduction,
                                                           ignore_index=ignore_index))


SCE = "SoftmaxCrossEntropy"

SPECS = [
    spec("relu_grad", "ReluGrad", lambda g, x: ReluGrad()(g, x), [real(3, 4), away_from(0, 3, 4)],
         lambda g, x: np.where(x > 0, g, 0)),
    spec("affine", "Affine", F.linear, [real(2, 3, 4), real(5, 4), real(5)],
         lambda x, w, b: x @ w.T + b, torch.nn.functional.linear),
    spec("affine_no_bias", "Affine", F.linear, [real(6, 4), real(3, 4)],
         lambda x, w: x @ w.T, torch.nn.functional.linear),
    spec("affine_vector_input", "Affine", F.linear, [real(4), real(3, 4), real(3)],
         lambda x, w, b: w @ x + b, torch.nn.functional.linear),
    spec("affine_twice", "Affine", lambda x, w: F.linear(F.linear(x, w).tanh(), w.mT),
         [real(3, 4), real(5, 4)], lambda x, w: np.tanh(x @ w.T) @ w,
         lambda x, w: torch.nn.functional.linear(torch.nn.functional.linear(x, w).tanh(), w.mT)),
    spec("softmax_cross_entropy_mean", SCE, *_ce("mean")[:1], [real(4, 5), ints(4)],
         *_ce("mean")[1:]),
    spec("softmax_cross_entropy_sum", SCE, *_ce("sum")[:1], [real(4, 5), ints(4)],
         *_ce("sum")[1:]),
    spec("softmax_cross_entropy_none", SCE, *_ce("none")[:1], [real(4, 5), ints(4)],
         *_ce("none")[1:]),
    spec("softmax_cross_entropy_ignored", SCE, *_ce("mean", 2)[:1], [real(6, 5), ints(6)],
         *_ce("mean", 2)[1:]),
    spec("softmax_cross_entropy_unbatched", SCE, *_ce("mean")[:1], [real(5), ints()],
         *_ce("mean")[1:]),
    # probabilities kept off 0 and 1, where the clamps (tested in tests/ops/test_pytorch_edges.py)
    # make the finite differences meaningless
    spec("binary_cross_entropy", "BinaryCrossEntropy",
         lambda p, t: F.binary_cross_entropy(p, t, reduction="none"),
         [real(3, 4, low=0.05, high=0.95), real(3, 4, low=0.0, high=1.0)],
         lambda p, t: -(t * np.log(p) + (1 - t) * np.log(1 - p)),
         lambda p, t: torch.nn.functional.binary_cross_entropy(p, t, reduction="none")),
    spec("cross_entropy_grad", "CrossEntropyGrad",
         lambda c, x, t: CrossEntropyGrad(-100)(c, x, t), [real(4), real(4, 5), ints(4)],
         _np_cross_entropy_grad),
    spec("cross_entropy_grad_ignored", "CrossEntropyGrad",
         lambda c, x, t: CrossEntropyGrad(1)(c, x, t), [real(6), real(6, 3), ints(6, high=3)],
         lambda c, x, t: _np_cross_entropy_grad(c, x, t, 1)),
]
