"""gradcheck and gradgradcheck: pass on correct functions (several inputs, tuple outputs, inputs
passed through), and fail with a report naming the input, element, values, mode and order on
primitives whose rules are deliberately wrong."""
from dataclasses import dataclass

import numpy as np
import pytest

import wonderland as wl
from wonderland.autodiff import GradcheckError, gradcheck, gradgradcheck
from wonderland.core import REGISTRY, Primitive


def f64(a, requires_grad=True):
    return wl.tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


def rand(*shape, seed=0, low=-1.5, high=1.5):
    return np.random.default_rng(seed).uniform(low, high, shape)


def reported(msg, which):
    """The number a gradcheck report gives after 'analytic:' or 'numeric:'."""
    return float(msg.split(f"{which}:")[1].split()[0])


@dataclass(frozen=True)
class _WrongSin(Primitive):
    """y = sin(x) with a wrong vjp (sin instead of cos) and a right jvp."""

    def forward(self, xp, x):
        return xp.sin(x)

    def vjp(self, g, y, x):
        return (g * wl.sin(x),)

    def jvp(self, t, y, x):
        return t[0] * wl.cos(x)


@dataclass(frozen=True)
class _WrongJvpSin(Primitive):
    """y = sin(x) with a right vjp and a wrong jvp (sin instead of cos)."""

    def forward(self, xp, x):
        return xp.sin(x)

    def vjp(self, g, y, x):
        return (g * wl.cos(x),)

    def jvp(self, t, y, x):
        return t[0] * wl.sin(x)


@dataclass(frozen=True)
class _FlatSquare(Primitive):
    """y = x^2 whose rules are right to first order but constant in x (second order wrong)."""

    def forward(self, xp, x):
        return x * x

    def vjp(self, g, y, x):
        return (g * 2 * x.detach(),)

    def jvp(self, t, y, x):
        return t[0] * 2 * x.detach()


FUNCTIONS = {
    "elementwise": (lambda x: wl.sin(x) * wl.exp(x * 0.5), [(3, 2)]),
    "two_inputs": (lambda x, y: x / y + wl.cos(x * y), [(4,), (4,)]),
    "matmul_tanh": (lambda x, w: wl.tanh(x @ w).sum(dim=1), [(2, 3), (3, 4)]),
    "tuple_out": (lambda x, y: (wl.sigmoid(x) * y, (x * y).sum(), x ** 3), [(3,), (3,)]),
    "scalar_input": (lambda s, x: wl.log(1 + (s * x) ** 2), [(), (2, 2)]),
}


def test_test_primitives_stay_out_of_the_registry():
    assert not {"_WrongSin", "_WrongJvpSin", "_FlatSquare"} & set(REGISTRY)


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_passes_on_correct_functions(name):
    fn, shapes = FUNCTIONS[name]
    inputs = [f64(rand(*s, seed=i)) for i, s in enumerate(shapes)]
    assert gradcheck(fn, inputs) is True
    assert gradgradcheck(fn, inputs) is True


def test_inputs_not_requiring_grad_are_passed_through():
    x, c = f64(rand(3)), f64(rand(3, seed=1), requires_grad=False)
    seen = []

    def fn(x, c, power):
        seen.append(power)
        return (x * c) ** power

    assert gradcheck(fn, (x, c, 3))
    assert set(seen) == {3}
    assert c.grad is None and x.grad is None  # the check leaves the caller's tensors alone


def test_single_tensor_input_and_one_mode():
    x = f64(rand(5))
    assert gradcheck(wl.tanh, x, modes="fwd", order=1)
    assert gradcheck(wl.tanh, x, modes=("rev",))


def test_wrong_vjp_names_input_element_and_values():
    # At pi/4 sin == cos, so the wrong rule is right there: the first wrong entry is (0, 1).
    a = rand(2, 3)
    a[0, 0] = np.pi / 4
    x, y = f64(rand(4, seed=3)), f64(a)
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x, y: (x * 2, _WrongSin()(y)), (x, y), modes=("rev",))
    msg = str(info.value)
    assert "reverse mode (order 1)" in msg
    assert "output 1 element (0, 1)" in msg
    assert "input 1 element (0, 1)" in msg
    assert reported(msg, "analytic") == pytest.approx(np.sin(a[0, 1]), rel=1e-12)
    assert reported(msg, "numeric") == pytest.approx(np.cos(a[0, 1]), abs=1e-8)
    assert "5 of 36 entries" in msg  # the other 5 diagonal entries of the 6x6 block


def test_wrong_jvp_caught_by_forward_mode_only():
    x = f64(rand(3, seed=4))
    fn = lambda x: _WrongJvpSin()(x) * 3  # noqa: E731
    assert gradcheck(fn, x, modes=("rev",), order=1)
    with pytest.raises(GradcheckError, match=r"forward mode \(order 1\)") as info:
        gradcheck(fn, x, modes=("fwd",), order=1)
    value = x.detach().numpy()[0]
    assert reported(str(info.value), "analytic") == pytest.approx(3 * np.sin(value), rel=1e-12)
    assert reported(str(info.value), "numeric") == pytest.approx(3 * np.cos(value), abs=1e-7)
    assert "input 0 element (0,)" in str(info.value)


def test_wrong_rule_returns_false_without_raising():
    x = f64(rand(3))
    assert gradcheck(lambda x: _WrongSin()(x), x, raise_exception=False) is False
    assert gradgradcheck(lambda x: _FlatSquare()(x), x, raise_exception=False) is False


def test_wrong_second_derivative_found_only_at_order_two():
    x, y = f64(rand(3, seed=5)), f64(rand(3, seed=6))
    fn = lambda x, y: _FlatSquare()(x) * y  # noqa: E731
    assert gradcheck(fn, (x, y), order=1)
    with pytest.raises(GradcheckError, match=r"reverse over reverse \(order 2\)") as info:
        gradcheck(fn, (x, y), order=2)
    # d/dx of grad_x = 2 x g y is 2 g y on the diagonal; the flat rule says 0
    assert "grad_input 0" in str(info.value) and "analytic: 0.0" in str(info.value)
    with pytest.raises(GradcheckError, match=r"forward over reverse \(order 2\)"):
        gradgradcheck(fn, (x, y), modes=("fwd",))


def test_gradgradcheck_with_given_grad_outputs():
    x = f64(rand(2, 2))
    g = wl.tensor(np.ones((2, 2)))
    assert gradgradcheck(lambda x: x.exp() * x, x, grad_outputs=g)
    with pytest.raises(ValueError, match="grad_outputs"):
        gradgradcheck(lambda x: x.exp(), x, grad_outputs=wl.tensor(np.ones(3)))


def test_float32_inputs_warn():
    x = wl.tensor(rand(3), dtype=wl.float32, requires_grad=True)
    with pytest.warns(UserWarning, match="float64"):
        gradcheck(lambda x: x * 2, x, order=1, eps=1e-3, atol=1e-3)


def test_bad_arguments():
    with pytest.raises(ValueError, match="no input requires grad"):
        gradcheck(wl.sin, f64(rand(2), requires_grad=False))
    with pytest.raises(ValueError, match="modes"):
        gradcheck(wl.sin, f64(rand(2)), modes=("backward",))
    with pytest.raises(ValueError, match="order"):
        gradcheck(wl.sin, f64(rand(2)), order=3)
    with pytest.raises(TypeError, match="tensor or a tuple"):
        gradcheck(lambda x: 1.0, f64(rand(2)))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the nan is the point
def test_nan_derivative_is_a_failure():
    x = f64([0.0, 1.0])  # sqrt's derivative is inf at 0, its central difference is not
    with pytest.raises(GradcheckError, match="input 0 element \\(0,\\)"):
        gradcheck(wl.sqrt, x, order=1, modes=("rev",))
