"""The special functions' NumPy fallbacks (used without SciPy) agree with SciPy; the Tensor
methods of the special functions are the functions, as in PyTorch."""
import numpy as np
import pytest
from scipy import special

import wonderland as wl
from wonderland.ops.special import _fallback_erfinv, _fallback_polygamma


@pytest.mark.parametrize("n", [0, 1, 2, 3])
def test_polygamma_fallback_matches_scipy(n):
    x = np.concatenate([np.linspace(0.05, 30, 97), [1e-3, 0.5, 1.0, 2.5, 1e3]])
    np.testing.assert_allclose(_fallback_polygamma(n, x), special.polygamma(n, x), rtol=1e-12)


def test_digamma_fallback_reflects_negative_arguments():
    x = np.array([-0.5, -1.3, -2.7, 0.2])
    np.testing.assert_allclose(_fallback_polygamma(0, x), special.digamma(x), rtol=1e-12)


def test_polygamma_fallback_is_nan_where_it_is_not_defined_here():
    assert np.isnan(_fallback_polygamma(1, np.array([-0.5]))).all()


def test_erfinv_fallback_matches_scipy():
    x = np.concatenate([np.linspace(-0.999, 0.999, 101), [-1.0, 1.0, 1.5, 0.0]])
    np.testing.assert_allclose(_fallback_erfinv(x), special.erfinv(x), rtol=1e-12, atol=1e-15)


def test_tensor_methods_are_the_functions():
    x = wl.tensor([0.3, 1.7, 4.0], dtype=wl.float64)
    np.testing.assert_array_equal(x.lgamma().numpy(), wl.lgamma(x).numpy())
    np.testing.assert_array_equal(x.digamma().numpy(), special.digamma(x.numpy()))
    np.testing.assert_array_equal(x.polygamma(2).numpy(), special.polygamma(2, x.numpy()))
    np.testing.assert_array_equal((x / 5).erfinv().numpy(), special.erfinv(x.numpy() / 5))
    with pytest.raises(ValueError, match="non-negative integer"):
        wl.polygamma(-1, x)
    with pytest.raises(TypeError, match="floating point"):
        wl.lgamma(wl.tensor([1, 2]))
