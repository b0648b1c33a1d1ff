"""Trace estimators for a matrix known only by its products v -> A v, and the divergence of a
vector field (the trace of its Jacobian) built on them, so that no matrix is ever formed.

Hutchinson: E[z^T A z] = tr A for probes z with E[z z^T] = I (Rademacher signs or Gaussians);
its error falls as 1/sqrt(m) in the number m of products. Hutch++ (Meyer, Musco, Musco &
Woodruff 2021) spends a third of the products sketching A's dominant range (Q = orth(A S)), takes
that part's trace exactly (tr Q^T A Q), and Hutchinson's estimate on the rest; where the spectrum
decays the remainder is small and the error falls as 1/m.

The divergence of f at x is tr(df/dx): exactly by one vector-Jacobian product per coordinate (the
reason it is expensive with autodiff: d reverse passes for d dimensions), or by either estimator
with products J^T z, each one reverse pass."""
from __future__ import annotations

from collections.abc import Callable

from ..core.grad_mode import enable_grad
from ..core.random import Generator
from ..core.tensor import Tensor
from ..linalg.qr import qr
from ..ops import eye, randint, randn, stack, zeros
from .reverse import grad

PROBES = ("rademacher", "gaussian")
ESTIMATORS = ("exact", "hutchinson", "hutch++")


def draw_probes(shape: tuple, count: int, kind: str = "rademacher", dtype=None, device=None,
           generator: Generator | None = None) -> Tensor:
    """`count` random probes of `shape`, stacked (count, *shape): Rademacher signs or standard
    Gaussians, both with E[z z^T] = I."""
    if kind == "rademacher":
        signs = randint(0, 2, (count, *shape), generator=generator, device=device)
        return signs.to(dtype) * 2 - 1
    if kind == "gaussian":
        return randn(count, *shape, generator=generator, dtype=dtype, device=device)
    raise ValueError(f"probes: probe must be one of {PROBES}, got {kind!r}")


def _columns(matvec: Callable, like: Tensor, vectors: Tensor) -> Tensor:
    """A applied to each column of vectors (d, k), as a (d, k) matrix."""
    cols = [matvec(v.reshape(like.shape)).reshape(-1) for v in vectors.transpose(0, 1)]
    return stack(cols, 1)


def _check_count(who: str, m: int, least: int) -> None:
    if isinstance(m, bool) or not isinstance(m, int) or m < least:
        raise ValueError(f"{who}: num_matvecs must be an integer of at least {least}, got {m!r}")


def hutchinson(matvec: Callable, like: Tensor, num_matvecs: int, probe: str = "rademacher",
               generator: Generator | None = None) -> Tensor:
    """Hutchinson's estimate of tr A from num_matvecs products: the mean of z^T A z over
    probes z shaped like `like` (A acts on tensors of that shape, flattened)."""
    _check_count("hutchinson", num_matvecs, 1)
    z = draw_probes(tuple(like.shape), num_matvecs, probe, like.dtype, like.device, generator)
    z = z.reshape(num_matvecs, -1).transpose(0, 1)
    return (z * _columns(matvec, like, z)).sum() / num_matvecs


def hutchpp(matvec: Callable, like: Tensor, num_matvecs: int, probe: str = "rademacher",
            generator: Generator | None = None) -> Tensor:
    """Hutch++'s estimate of tr A from num_matvecs (at least 3) products: k = m // 3 of them
    sketch A S, whose orthonormal basis Q gives tr(Q^T A Q) exactly in k more; the remaining
    m - 2k estimate the trace of (I - QQ^T) A (I - QQ^T) by Hutchinson."""
    _check_count("hutchpp", num_matvecs, 3)
    d, k = like.numel(), num_matvecs // 3
    rest = num_matvecs - 2 * k
    draws = draw_probes((d,), k + rest, probe, like.dtype, like.device, generator).transpose(0, 1)
    s, g = draws[:, :k], draws[:, k:]
    q, _ = qr(_columns(matvec, like, s))
    top = (q * _columns(matvec, like, q)).sum()
    g = g - q @ (q.transpose(0, 1) @ g)  # the probes projected off the sketched range
    return top + (g * _columns(matvec, like, g)).sum() / rest


def divergence(f: Callable, x: Tensor, estimator: str = "exact", num_matvecs: int = 1,
               probe: str = "rademacher", batched: bool = False,
               generator: Generator | None = None, create_graph: bool = False,
               probes: Tensor | None = None):
    """(f(x), div f(x)): the field and the trace of its Jacobian at x, exactly (one
    vector-Jacobian product per coordinate) or estimated by 'hutchinson' or 'hutch++' from
    num_matvecs products. batched=True treats the first dimension as independent examples
    (f must not mix them) and returns each example's divergence (N,), the products then serving
    every example at once (Hutch++ needs the whole matrix and is not available batched).
    create_graph=True keeps the divergence differentiable (to train on it). `probes`
    (m, *x.shape), drawn once by draw_probes, replace fresh draws for a batched Hutchinson
    estimate (an ODE solve keeps the same probes along its whole path)."""
    if estimator not in ESTIMATORS:
        raise ValueError(f"divergence: estimator must be one of {ESTIMATORS}, got {estimator!r}")
    if batched and estimator == "hutch++":
        raise ValueError("divergence: hutch++ sketches one matrix; it cannot serve a batch of "
                         "independent examples (use hutchinson, or batched=False)")
    with enable_grad():
        xr = x if x._requires_grad else x.detach().requires_grad_(True)
        v = f(xr)
        if tuple(v.shape) != tuple(x.shape):
            raise ValueError(f"divergence: f must map x to a field of its own shape {x.shape}, "
                             f"got {v.shape}")

        def vjp(u: Tensor) -> Tensor:
            (g,) = grad(v, xr, grad_outputs=u, retain_graph=True, create_graph=create_graph)
            return g

        if batched:
            if probes is None and estimator == "hutchinson":
                _check_count("divergence", num_matvecs, 1)
                probes = draw_probes(tuple(x.shape), num_matvecs, probe, x.dtype, x.device,
                                     generator)
            return v, _batched(vjp, x, probes)
        if estimator == "exact":
            basis = eye(x.numel(), dtype=x.dtype, device=x.device)
            return v, (basis * _columns(vjp, x, basis)).sum()
        est = hutchinson if estimator == "hutchinson" else hutchpp
        return v, est(vjp, x, num_matvecs, probe, generator)


def _batched(vjp: Callable, x: Tensor, zs: Tensor | None) -> Tensor:
    """Each example's divergence: the Jacobian is block diagonal, so one product with a probe
    (or, exactly, a coordinate vector) in every example's block serves them all."""
    n = x.shape[0]
    flat = x.numel() // max(n, 1)
    if zs is None:
        total = zeros(n, dtype=x.dtype, device=x.device)
        for i in range(flat):
            e = zeros(n, flat, dtype=x.dtype, device=x.device)
            e[:, i] = 1.0
            total = total + vjp(e.reshape(x.shape)).reshape(n, flat)[:, i]
        return total
    if tuple(zs.shape[1:]) != tuple(x.shape):
        raise ValueError(f"divergence: probes must be (m, *x.shape) = (m, {tuple(x.shape)}), "
                         f"got {tuple(zs.shape)}")
    total = None
    for z in zs:
        term = (vjp(z) * z).reshape(n, flat).sum(1)
        total = term if total is None else total + term
    return total / zs.shape[0]


__all__ = ["ESTIMATORS", "PROBES", "divergence", "draw_probes", "hutchinson", "hutchpp"]
