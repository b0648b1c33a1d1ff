"""Per-operation overhead on 16 floats: an add (plain, and recorded on the autograd tape) and a
tiny forward + backward, (a * b + c).sum().backward()."""
from __future__ import annotations

import numpy as np

from .base import Case, Target, Workload

N = 16


def _arrays(k: int) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [rng.standard_normal(N).astype(np.float32) for _ in range(k)]


def _clear(*tensors) -> None:
    for t in tensors:
        t.grad = None


# --- add of 16 floats; tape=True gives the inputs requires_grad so the add is recorded -------

def _add_wonderland(tape: bool) -> Case:
    import wonderland as wl

    a, b = (wl.tensor(x, requires_grad=tape) for x in _arrays(2))
    return Case(lambda: a + b)


def _add_torch(tape: bool) -> Case:
    import torch

    a, b = (torch.tensor(x, requires_grad=tape) for x in _arrays(2))
    return Case(lambda: a + b)


def _add_tinygrad(tape: bool) -> Case:
    from tinygrad import Tensor

    a, b = (Tensor(x, requires_grad=tape).realize() for x in _arrays(2))
    return Case(lambda: (a + b).realize())


def _add_mygrad(tape: bool) -> Case:
    import mygrad as mg

    a, b = (mg.tensor(x, constant=not tape) for x in _arrays(2))
    return Case(lambda: a + b)


def _add_numpy(quick: bool) -> Case:
    a, b = _arrays(2)
    return Case(lambda: a + b)


# --- (a * b + c).sum().backward() ------------------------------------------------------------

def _fwd_bwd_autograd(module):
    """Builder for a PyTorch-like library (wonderland, torch): leaf tensors, grads set to None
    before each call, as zero_grad(set_to_none=True) does."""
    def build(quick: bool) -> Case:
        lib = __import__(module)
        a, b, c = (lib.tensor(x, requires_grad=True) for x in _arrays(3))

        def run():
            _clear(a, b, c)
            (a * b + c).sum().backward()
        return Case(run)
    return build


def _fwd_bwd_tinygrad(quick: bool) -> Case:
    from tinygrad import Tensor

    a, b, c = (Tensor(x, requires_grad=True).realize() for x in _arrays(3))

    def run():
        _clear(a, b, c)
        (a * b + c).sum().backward()
        for t in (a, b, c):
            t.grad.realize()
    return Case(run)


def _fwd_bwd_mygrad(quick: bool) -> Case:
    import mygrad as mg

    a, b, c = (mg.tensor(x) for x in _arrays(3))
    return Case(lambda: (a * b + c).sum().backward())


def _tape(builder, tape: bool):
    return lambda quick: builder(tape)


WORKLOADS = [
    Workload("add16", "overhead", "add, 16 floats", {
        "wonderland": _tape(_add_wonderland, False), "torch": _tape(_add_torch, False),
        "numpy": _add_numpy, "tinygrad": _tape(_add_tinygrad, False),
        "mygrad": _tape(_add_mygrad, False)}),
    Workload("add16_tape", "overhead", "add, 16 floats, on the tape (requires_grad)", {
        "wonderland": _tape(_add_wonderland, True), "torch": _tape(_add_torch, True),
        "tinygrad": _tape(_add_tinygrad, True), "mygrad": _tape(_add_mygrad, True)},
        target=Target(10e-6, versus=None)),
    Workload("fwd_bwd16", "overhead", "(a*b+c).sum().backward(), 16 floats", {
        "wonderland": _fwd_bwd_autograd("wonderland"), "torch": _fwd_bwd_autograd("torch"),
        "tinygrad": _fwd_bwd_tinygrad, "mygrad": _fwd_bwd_mygrad},
        target=Target(1.0)),
]
