"""Anomaly mode: a NaN or Inf made by an op's forward, its vjp or its jvp raises an error naming
the primitive and the line of user code that ran the op (detect_anomaly, set_detect_anomaly).

While on, bind() hands every result to the monitor installed in core.primitive._anomaly and the
reverse walk runs every vjp through it; while off, bind pays one `is None` test and nothing else."""
from __future__ import annotations

import functools
import linecache
import os
import sys
import threading
import warnings

from ..core import primitive
from ..core.tensor import Tensor

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_DEPTH = 8  # user frames kept per tape node: the op's line and the calls that led to it


class AnomalyError(RuntimeError):
    """A NaN or Inf found by anomaly mode."""


def _user_frames() -> tuple[tuple[str, int, str], ...]:
    """(file, line, function) of the innermost frames outside the wonderland package (the
    user's line first, then the user code that called it, skipping wonderland's own frames)."""
    f, frames = sys._getframe(1), []
    while f is not None and len(frames) < _DEPTH:
        code = f.f_code
        if not code.co_filename.startswith(_PACKAGE):
            frames.append((code.co_filename, f.f_lineno, code.co_name))
        f = f.f_back
    return tuple(frames)


def _format(frames) -> str:
    """Frames as a Python traceback (most recent call last), with their source lines."""
    if not frames:
        return "  (not recorded: the op ran before anomaly mode was turned on)"
    lines = []
    for file, line, name in reversed(frames):
        lines.append(f'  File "{file}", line {line}, in {name}')
        code = linecache.getline(file, line).strip()
        if code:
            lines.append(f"    {code}")
    return "\n".join(lines)


def _arrays(t: Tensor, what: str):
    """(label, array) for t's values and every tangent it carries, batched views unwrapped."""
    stack = [(t, what)]
    while stack:
        t, what = stack.pop()
        for level, tangent in (t._tangents or {}).items():
            stack.append((tangent, f"forward-mode tangent (jvp, level {level})"))
        if t._vlevel is not None:  # a BatchedTensor: its values are its physical tensor's
            stack.append((t._physical, what))
        elif t._data is not None:
            yield what, t._data


def _kinds(a, xp) -> set[str]:
    """Which of 'nan' and 'inf' occur in a float array."""
    if a.dtype.kind not in "fc" or bool(xp.isfinite(a).all()):
        return set()
    return {w for w, f in (("nan", xp.isnan), ("inf", xp.isinf)) if bool(f(a).any())}


def _anomalies(out: Tensor, what: str, xs=None):
    """(label, kinds, note) for the first part of out (values, tangents) holding NaN or Inf.

    With the op's inputs xs, Inf counts only when no input held one (an op may pass on an
    intended -inf, as in attention masks), while NaN always counts."""
    xp = out._device.backend.xp
    for label, a in _arrays(out, what):
        kinds = _kinds(a, xp)
        if kinds and xs is not None:
            before = set().union(*(_kinds(b, xp) for x in xs for _, b in _arrays(x, "")))
            kinds = {k for k in kinds if k == "nan" or k not in before}
            note = (" (an input already held nan: it came from earlier, e.g. the data or a "
                    "tensor made before anomaly mode was on)" if "nan" in before else "")
        else:
            note = ""
        if kinds:
            return label, " and ".join(sorted(kinds, reverse=True)), note
    return None


def _ordinal(i: int) -> str:
    return f"{i}{'th' if 10 <= i % 100 < 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(i % 10, 'th')}"


class _Monitor:
    """What bind() and the reverse walk call while anomaly mode is on."""

    def __init__(self, check_nan: bool):
        self.check_nan = check_nan
        self._local = threading.local()  # depth > 0 inside a rule: its ops are checked as one

    def _checking(self) -> bool:
        return self.check_nan and not getattr(self._local, "depth", 0)

    def _run_rule(self, fn, *args):
        local = self._local
        local.depth = getattr(local, "depth", 0) + 1
        try:
            return fn(*args)
        finally:
            local.depth -= 1

    def after(self, prim, xs, out: Tensor) -> None:
        """A plain bind's result: note the user line on its node and check its values."""
        if out._node is not None:
            out._node.where = _user_frames()
        if self._checking():
            self._check_forward(prim, xs, out)

    def at_level(self, prim, xs, level: int, run) -> Tensor:
        """A bind at a forward-mode or vmap level: run it whole, then check values and tangents."""
        out = self._run_rule(run, prim, xs, level)
        if out._node is not None:
            out._node.where = _user_frames()
        if self._checking():
            self._check_forward(prim, xs, out)
        return out

    def _check_forward(self, prim, xs, out: Tensor) -> None:
        bad = _anomalies(out, "forward output", xs)
        if bad is not None:
            label, kinds, note = bad
            raise AnomalyError(f"{prim.name} produced {kinds} values in its {label}{note} "
                               f"(anomaly mode), in this code (most recent call last):\n"
                               f"{_format(_user_frames())}")

    def vjp(self, node, g: Tensor, y: Tensor) -> tuple:
        """node.prim.vjp(g, y, *inputs), its cotangents checked; errors show the forward's line."""
        name, where = node.prim.name, getattr(node, "where", None)
        try:
            cots = self._run_rule(node.prim.vjp, g, y, *node.inputs)
        except Exception:
            warnings.warn(f"Error detected in the vjp of {name} ({name}Backward). Its forward "
                          f"ran here (most recent call last):\n{_format(where)}",
                          stacklevel=2)
            raise
        if not self._checking():
            return cots
        for i, (x, gx) in enumerate(zip(node.inputs, cots)):
            bad = None if gx is None or not x._requires_grad else _anomalies(gx, "cotangent")
            if bad is not None:
                label, kind, _ = bad
                raise AnomalyError(
                    f"Function '{name}Backward' returned {kind} values in its {_ordinal(i)} "
                    f"output: the vjp of {name} gave a {label} with {kind} for input {i} "
                    f"(anomaly mode). The forward {name} that made this node ran here (most "
                    f"recent call last):\n{_format(where)}")
        return cots


def is_anomaly_enabled() -> bool:
    """Whether anomaly mode is on."""
    return primitive._anomaly is not None


def is_anomaly_check_nan_enabled() -> bool:
    """Whether anomaly mode is on and checks values for NaN and Inf."""
    return primitive._anomaly is not None and primitive._anomaly.check_nan


def _set(monitor) -> None:
    primitive._anomaly = monitor


class detect_anomaly:  # noqa: N801  (a context manager named as in PyTorch)
    """Turn anomaly mode on inside a `with` block or a decorated function; restore on exit.

    Every op's forward result, every vjp's cotangents and every jvp's tangents are checked for
    NaN and Inf (unless check_nan=False), and each tape node remembers the user code that made
    it, so that an error names the primitive and that line. Slow: for debugging only."""

    def __new__(cls, check_nan: bool = True):  # also the bare @detect_anomaly form
        self = super().__new__(cls)
        self.check_nan = True if callable(check_nan) else bool(check_nan)
        return self(check_nan) if callable(check_nan) else self

    def __enter__(self):
        self.prev = primitive._anomaly
        _set(_Monitor(self.check_nan))
        return self

    def __exit__(self, *exc) -> bool:
        _set(self.prev)
        return False

    def __call__(self, fn):
        check_nan = self.check_nan

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with detect_anomaly(check_nan=check_nan):
                return fn(*args, **kwargs)

        return wrapper


class set_detect_anomaly:  # noqa: N801  (as torch.autograd.set_detect_anomaly)
    """Turn anomaly mode on or off at once; as a context manager, restore the previous state."""

    def __init__(self, mode: bool, check_nan: bool = True):
        self.prev = primitive._anomaly
        _set(_Monitor(check_nan) if mode else None)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> bool:
        _set(self.prev)
        return False
