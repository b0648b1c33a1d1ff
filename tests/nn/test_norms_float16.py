"""float16 norms whose batch variance passes 65504 (float16's largest): the running statistics
average in float32 and keep PyTorch's values, where rounding the variance first made them inf."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import wonderland as wl


@pytest.mark.parametrize("name,kw", [("batch_norm", {"training": True}),
                                     ("instance_norm", {})])
def test_float16_running_statistics_past_65504_keep_torchs_values(name, kw):
    x = (np.random.default_rng(0).standard_normal((16, 3, 4)) * 400).astype(np.float16)
    ours = [wl.zeros(3, dtype=wl.float16), wl.ones(3, dtype=wl.float16)]
    theirs = [torch.zeros(3, dtype=torch.float16), torch.ones(3, dtype=torch.float16)]
    y = getattr(wl.nn.functional, name)(wl.tensor(x), *ours, **kw)
    want = getattr(torch.nn.functional, name)(torch.tensor(x), *theirs, **kw)
    np.testing.assert_allclose(y.numpy(), want.numpy(), rtol=3e-3, atol=2.0 ** -10)
    for a, b in zip(ours, theirs):
        assert a.dtype is wl.float16
        assert np.isfinite(a.numpy()).all()
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=3e-3)
