"""detect_anomaly: NaN / Inf in a forward, a vjp or a jvp raises an error naming the primitive and
the user's line; off by default and free when off; context manager, decorator and nesting."""
import inspect
import os
from dataclasses import dataclass

import numpy as np
import pytest

import wonderland as wl
from wonderland.autodiff import anomaly
from wonderland.autodiff import forward_ad as fwd
from wonderland.autodiff.anomaly import AnomalyError, detect_anomaly, set_detect_anomaly
from wonderland.core import Primitive

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy's nan/inf warnings

THIS_FILE = os.path.basename(__file__)


def next_line() -> int:
    """The line number just after the caller's line."""
    return inspect.currentframe().f_back.f_lineno + 1


def f64(values, requires_grad=False):
    return wl.tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)


def assert_points_at(msg: str, line: int, code: str):
    assert f'{THIS_FILE}", line {line}' in msg, msg
    assert code in msg, msg


def test_off_by_default_values_just_nan():
    assert not wl.autograd.is_anomaly_enabled()
    y = wl.log(f64([-1.0, 1.0]))
    assert np.isnan(y.numpy()[0]) and y.numpy()[1] == 0
    x = f64([0.0], requires_grad=True)
    wl.sqrt(x).sum().backward()
    assert np.isinf(x.grad.numpy()[0])


def test_off_costs_no_stack_walk(monkeypatch):
    def refuse():
        raise AssertionError("the stack was walked while anomaly mode was off")

    monkeypatch.setattr(anomaly, "_user_frames", refuse)
    x = f64([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward()
    assert getattr(y._node, "where", None) is None


def test_forward_nan_names_primitive_and_line():
    x = f64([2.0, -1.0])
    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        line = next_line()
        wl.log(x)  # the offending line
    msg = str(info.value)
    assert msg.startswith("Log produced nan values in its forward output")
    assert_points_at(msg, line, "wl.log(x)  # the offending line")


def test_forward_inf_names_primitive():
    with detect_anomaly(), pytest.raises(AnomalyError, match=r"^Div produced inf values"):
        f64([1.0]) / f64([0.0])


def test_intended_inf_passes_but_nan_from_it_does_not():
    masked = wl.where(f64([1.0, 0.0]) > 0.5, f64([0.3, 0.2]), f64(-np.inf))
    with detect_anomaly():
        y = wl.exp(masked + 1.0)  # -inf came in (an attention mask): not produced here
        assert y.numpy()[1] == 0
        with pytest.raises(AnomalyError, match=r"^Sub produced nan"):
            masked - masked  # -inf - -inf: a nan made here


def test_nan_coming_in_is_reported_as_such():
    x = f64([np.nan, 1.0])  # made without an op: the data held nan already
    with detect_anomaly(), pytest.raises(AnomalyError, match="an input already held nan"):
        x * 2


def test_backward_inf_names_node_and_its_forward_line():
    x = f64([0.0, 1.0], requires_grad=True)
    with detect_anomaly():
        line = next_line()
        y = wl.sqrt(x)
        loss = (y * 3).sum()
        with pytest.raises(AnomalyError) as info:
            loss.backward()
    msg = str(info.value)
    assert msg.startswith("Function 'SqrtBackward' returned inf values in its 0th output")
    assert "for input 0" in msg
    assert_points_at(msg, line, "y = wl.sqrt(x)")
    assert "Div" not in msg  # the vjp's own ops are checked as one rule, not one by one


def test_backward_nan_zero_times_inf():
    x = f64([0.0, 4.0], requires_grad=True)
    w = f64([2.0, 3.0], requires_grad=True)
    with detect_anomaly():
        line = next_line()
        root = wl.sqrt(x)
        z = root * w
        with pytest.raises(AnomalyError, match="'SqrtBackward' returned nan") as info:
            (z * 0).sum().backward()  # Sqrt's vjp divides a zero cotangent by 2 * sqrt(0)
    assert_points_at(str(info.value), line, "root = wl.sqrt(x)")


@dataclass(frozen=True)
class _BadSecond(Primitive):
    """y = x + z whose vjp sends inf to its second input."""

    def forward(self, xp, x, z):
        return x + z

    def vjp(self, g, y, x, z):
        return g, g / 0.0

    def jvp(self, t, y, x, z):
        return t[0] + t[1]


def test_second_input_reported_by_index():
    x, z = f64([1.0], requires_grad=True), f64([2.0], requires_grad=True)
    with detect_anomaly():
        y = _BadSecond()(x, z)
        with pytest.raises(AnomalyError, match="returned inf values in its 1st output") as info:
            y.sum().backward()
    assert "for input 1" in str(info.value)
    assert x.grad is None and z.grad is None  # raised before anything was accumulated


def test_error_inside_a_vjp_warns_with_the_forward_line():
    @dataclass(frozen=True)
    class _Broken(Primitive):
        def forward(self, xp, x):
            return x * 2

        def vjp(self, g, y, x):
            raise ValueError("broken rule")

    x = f64([1.0], requires_grad=True)
    with detect_anomaly():
        line = next_line()
        y = _Broken()(x)
        with pytest.warns(UserWarning, match="vjp of _Broken") as record, \
                pytest.raises(ValueError, match="broken rule"):
            y.sum().backward()
    assert_points_at(str(record[0].message), line, "y = _Broken()(x)")


def test_forward_mode_tangent_inf():
    with detect_anomaly(), fwd.dual_level():
        x = fwd.make_dual(f64([0.0, 1.0]), f64([1.0, 1.0]))
        with pytest.raises(AnomalyError) as info:
            line = next_line()
            wl.sqrt(x)
    msg = str(info.value)
    assert msg.startswith("Sqrt produced inf values in its forward-mode tangent"), msg
    assert_points_at(msg, line, "wl.sqrt(x)")


def test_clean_computation_unchanged():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((3, 4)), rng.standard_normal(4)

    def run():
        x, w = f64(a, requires_grad=True), f64(b, requires_grad=True)
        loss = (wl.tanh(x * w).exp() / (1 + w * w)).sum()
        loss.backward()
        _, t = wl.autograd.jvp(lambda x: wl.sin(x) * x, (f64(a),), (f64(np.ones((3, 4))),))
        return loss.item(), x.grad.numpy(), w.grad.numpy(), t.numpy()

    plain = run()
    with detect_anomaly():
        checked = run()
    for p, c in zip(plain, checked):
        np.testing.assert_array_equal(p, c)


def test_nodes_remember_where_only_when_on():
    x = f64([1.0], requires_grad=True)
    assert getattr(x.exp()._node, "where", None) is None
    with detect_anomaly():
        line = next_line()
        y = x.exp()
    file, lineno, function = y._node.where[0]
    assert (os.path.basename(file), lineno) == (THIS_FILE, line)
    assert function == "test_nodes_remember_where_only_when_on"


def test_decorator_forms():
    @detect_anomaly()
    def called():
        assert wl.autograd.is_anomaly_enabled()
        return wl.log(f64([-1.0]))

    @detect_anomaly
    def bare():
        return wl.autograd.is_anomaly_enabled()

    with pytest.raises(AnomalyError, match="^Log"):
        called()
    assert bare() is True
    assert not wl.autograd.is_anomaly_enabled()


def test_nesting_and_set_detect_anomaly_restore():
    with detect_anomaly():
        with set_detect_anomaly(False):
            assert not wl.autograd.is_anomaly_enabled()
            assert np.isnan(wl.log(f64([-1.0])).numpy()[0])
            with detect_anomaly(check_nan=False):
                assert wl.autograd.is_anomaly_enabled()
                assert not wl.autograd.is_anomaly_check_nan_enabled()
                wl.log(f64([-1.0]))  # only recording, no checks
        assert wl.autograd.is_anomaly_check_nan_enabled()
    assert not wl.autograd.is_anomaly_enabled()
    set_detect_anomaly(True)  # a plain call takes effect at once, as in PyTorch
    try:
        assert wl.autograd.is_anomaly_enabled()
    finally:
        set_detect_anomaly(False)
    assert not wl.autograd.is_anomaly_enabled()


def test_state_restored_after_an_error():
    with pytest.raises(AnomalyError), detect_anomaly():
        wl.log(f64([-1.0]))
    assert not wl.autograd.is_anomaly_enabled()
    assert np.isnan(wl.log(f64([-1.0])).numpy()[0])
