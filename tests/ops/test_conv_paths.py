"""The stride-1 input gradient has two forms (ops/conv_kernels.py): dense col2im over the frame,
and a forward convolution of g with the flipped, transposed weight (for small frames). Both
must equal the direct adjoint, computed here from its definition, for every geometry: groups,
dilation, uneven and negative (cropping) pads, and padding beyond the kernel's reach."""
import itertools

import numpy as np
import pytest

from wonderland.ops import conv_kernels as K


def _adjoint(w, g, size, pads, dilation, groups):
    """dx[n, c, i + d k - lo] += w[o, c', k] g[n, o, i], looped over every index."""
    n, o = g.shape[:2]
    cg, kernel = w.shape[1], w.shape[2:]
    dx = np.zeros((n, cg * groups) + size)
    for idx in itertools.product(*map(range, g.shape[2:])):
        for tap in itertools.product(*map(range, kernel)):
            at = tuple(i + d * k - lo for i, k, d, (lo, _) in zip(idx, tap, dilation, pads))
            if not all(0 <= a < s for a, s in zip(at, size)):
                continue
            for oc in range(o):
                grp = oc // (o // groups)
                dx[(slice(None), slice(grp * cg, (grp + 1) * cg)) + at] += (
                    g[(slice(None), oc) + idx][:, None] * w[(oc, slice(None)) + tap])
    return dx


@pytest.mark.parametrize("size,kernel,pads,dilation,groups", [
    ((4, 4), (3, 3), ((1, 1), (1, 1)), (1, 1), 1),    # a padded 4x4 image: the small-frame form
    ((9, 8), (3, 3), ((1, 1), (1, 1)), (1, 1), 1),    # a larger one: the dense form
    ((6, 5), (3, 2), ((0, 1), (2, 0)), (2, 1), 2),    # uneven pads, dilation, groups
    ((5, 5), (3, 3), ((3, 3), (3, 3)), (1, 1), 1),    # padding beyond the kernel's reach
    ((7, 6), (3, 3), ((-1, 0), (0, -1)), (1, 1), 1),  # crops
    ((9,), (3,), ((2, 1),), (2,), 3),
])
@pytest.mark.parametrize("form", ["dense", "as_conv", "dispatched"])
def test_input_gradient_forms_equal_the_adjoint(size, kernel, pads, dilation, groups, form):
    rng = np.random.default_rng(0)
    c, o = 2 * groups, 3 * groups
    w = rng.standard_normal((o, c // groups) + kernel)
    out = K.out_size(K.frame_size(size, pads), kernel, (1,) * len(size), dilation)
    g = rng.standard_normal((2, o) + out)
    if form == "dense":
        got = K._input_grad_dense(np, w, g, size, pads, dilation, groups)
    elif form == "as_conv":
        got = K._input_grad_as_conv(np, w, g, pads, dilation, groups)
    else:
        got = K.conv_input_grad(np, w, g, size, (1,) * len(size), pads, dilation, groups)
    np.testing.assert_allclose(got, _adjoint(w, g, size, pads, dilation, groups), atol=1e-12)
