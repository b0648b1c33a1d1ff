"""wl.linalg's errors: a singular or not positive definite matrix raises LinAlgError (a
RuntimeError, as torch.linalg.LinAlgError), a wrong shape or dtype a ValueError or TypeError;
each names the function and the shape."""
import math

import numpy as np
import pytest

import wonderland as wl

L = wl.linalg
SQUARE_ONLY = {"solve": lambda a: L.solve(a, a), "inv": L.inv, "det": L.det,
               "slogdet": L.slogdet, "cholesky": L.cholesky, "eigh": L.eigh,
               "eigvalsh": L.eigvalsh, "matrix_exp": L.matrix_exp}
LAPACK = {**SQUARE_ONLY, "qr": L.qr, "svd": L.svd, "svdvals": L.svdvals, "pinv": L.pinv,
          "lstsq": lambda a: L.lstsq(a, a)}
LAPACK.pop("matrix_exp")  # not LAPACK: it takes float16, as PyTorch's


def test_linalg_error_is_a_runtime_error():
    assert issubclass(L.LinAlgError, RuntimeError)


@pytest.mark.parametrize("name, fn", [("solve", lambda a: L.solve(a, a[..., 0])),
                                      ("inv", L.inv)])
def test_singular_matrix_raises_linalg_error(name, fn):
    a = wl.tensor([[1.0, 2.0], [2.0, 4.0]], dtype=wl.float64)
    with pytest.raises(L.LinAlgError, match=rf"linalg\.{name}: .*\(2, 2\) is singular"):
        fn(a)


def test_cholesky_of_a_matrix_not_positive_definite_raises_linalg_error():
    with pytest.raises(L.LinAlgError, match=r"linalg\.cholesky: .*\(3, 3\) is not positive def"):
        L.cholesky(-wl.eye(3))


@pytest.mark.parametrize("name", sorted(SQUARE_ONLY))
def test_non_square_input_names_function_and_shape(name):
    with pytest.raises(ValueError, match=rf"linalg\.{name}: .*square.*\(2, 3\)"):
        SQUARE_ONLY[name](wl.ones(2, 3))


@pytest.mark.parametrize("name", sorted(LAPACK))
@pytest.mark.parametrize("dtype", ["float16", "int64"])
def test_float16_and_integers_are_refused(name, dtype):
    """LAPACK has float32 and float64 only; PyTorch's CPU functions refuse float16 too."""
    with pytest.raises(TypeError, match=rf"linalg\.{name}: expected a float32 or float64.*"
                                        rf"{dtype}"):
        LAPACK[name](wl.ones(3, 3).to(dtype=getattr(wl, dtype)))


@pytest.mark.parametrize("name", sorted(LAPACK))
def test_vectors_are_refused(name):
    with pytest.raises(ValueError, match=rf"linalg\.{name}: expected a matrix.*\(3,\)"):
        LAPACK[name](wl.ones(3))


def test_solve_shapes_that_do_not_match():
    with pytest.raises(ValueError, match=r"linalg\.solve: A of shape \(3, 3\) and B of shape "
                                         r"\(2, 1\)"):
        L.solve(wl.eye(3), wl.ones(2, 1))


def test_norm_arguments():
    with pytest.raises(TypeError, match="linalg.vector_norm: expected a floating point"):
        L.vector_norm(wl.tensor([1, 2]))
    with pytest.raises(ValueError, match="linalg.matrix_norm: ord must be one of"):
        L.matrix_norm(wl.ones(3, 3), 3)
    with pytest.raises(ValueError, match=r"linalg.norm: .* 1-D or 2-D, got shape \(2, 2, 2\)"):
        L.norm(wl.ones(2, 2, 2), 2)
    with pytest.raises(ValueError, match=r"linalg.vector_norm: the inf norm of shape \(0,\)"):
        L.vector_norm(wl.ones(0), math.inf)


def test_cross_arguments():
    with pytest.raises(ValueError, match=r"linalg.cross: dim -1 must have size 3.*\(2,\)"):
        L.cross(wl.ones(2), wl.ones(2))
    with pytest.raises(ValueError, match="linalg.cross: the inputs need one number of dim"):
        L.cross(wl.ones(3), wl.ones(2, 3))


def test_complete_qr_of_a_tall_matrix_has_no_derivative_and_says_so():
    a = wl.tensor(np.arange(6.0).reshape(3, 2) + np.eye(3, 2), requires_grad=True)
    with pytest.raises(NotImplementedError, match=r"linalg\.qr: mode='complete' .*\(3, 2\)"):
        L.qr(a, mode="complete")[0].sum().backward()


def test_product_arguments():
    with pytest.raises(TypeError, match="linalg.matrix_power: n must be an integer"):
        L.matrix_power(wl.eye(2), 1.5)
    with pytest.raises(ValueError, match=r"linalg.multi_dot: tensor 1 must be 2-D.*\(2, 2, 2\)"):
        L.multi_dot([wl.ones(2, 2), wl.ones(2, 2, 2), wl.ones(2, 2)])
    with pytest.raises(ValueError, match="linalg.multi_dot: expected at least 2 tensors"):
        L.multi_dot([wl.ones(2, 2)])
