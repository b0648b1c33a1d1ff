"""gradcheck and gradgradcheck: a function's Jacobians by reverse mode (vjps of basis vectors) and
forward mode (jvps along basis vectors), first and second order, against central finite
differences; a failure names the input, the elements, both values, the mode and the order."""
from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

import numpy as np

from ..core.tensor import Tensor
from .forward import jvp
from .reverse import grad

_MODE_NAMES = {("rev", 1): "reverse mode", ("fwd", 1): "forward mode",
               ("rev", 2): "reverse over reverse", ("fwd", 2): "forward over reverse"}


class GradcheckError(RuntimeError):
    """An analytic derivative differs from its finite-difference estimate."""


def _outputs(y) -> tuple:
    if isinstance(y, Tensor):
        return (y,)
    if isinstance(y, (tuple, list)) and all(isinstance(t, Tensor) for t in y):
        return tuple(y)
    raise TypeError(f"gradcheck: the function must return a tensor or a tuple of tensors, "
                    f"got {type(y).__name__}")


def _new(like: Tensor, a) -> Tensor:
    """A fresh leaf with like's dtype and device holding the values a."""
    from ..ops.creation import tensor

    return tensor(np.asarray(a), dtype=like.dtype, device=like.device)


def _fresh(x: Tensor) -> Tensor:
    return _new(x, np.asarray(x.detach()))


def _basis(x: Tensor, k: int) -> Tensor:
    e = np.zeros(x.numel())
    e[k] = 1.0
    return _new(x, e.reshape(x.shape))


def _flat(t: Tensor) -> np.ndarray:
    return np.asarray(t.detach(), dtype=np.float64).ravel()


def _numeric(fn, xs: list[Tensor], eps: float) -> dict:
    """{(output, input): d output / d input} by central differences, one input entry at a time."""
    base = [np.asarray(x.detach(), dtype=np.float64) for x in xs]
    jac = {}
    for i, x in enumerate(xs):
        for k in range(x.numel()):
            ends = []
            for step in (eps, -eps):
                moved = base[i].copy()
                moved.flat[k] += step
                ends.append(fn([_new(xj, moved if j == i else base[j])
                                for j, xj in enumerate(xs)]))
            for o, (up, down) in enumerate(zip(*ends)):
                if up.is_floating_point:
                    block = jac.setdefault((o, i), np.zeros((up.numel(), x.numel())))
                    block[:, k] = (_flat(up) - _flat(down)) / (2 * eps)
    return jac


def _reverse(fn, xs: list[Tensor]) -> dict:
    """The Jacobian blocks row by row: one vjp per output element (a basis cotangent)."""
    leaves = [_fresh(x).requires_grad_() for x in xs]
    jac = {}
    for o, y in enumerate(fn(leaves)):
        if not y.is_floating_point:
            continue
        for i, x in enumerate(xs):
            jac[(o, i)] = np.zeros((y.numel(), x.numel()))
        if not y.requires_grad:  # no input reaches this output: its derivatives are zero
            continue
        for m in range(y.numel()):
            gs = grad(y, leaves, grad_outputs=_basis(y, m), retain_graph=True,
                      allow_unused=True)
            for i, g in enumerate(gs):
                if g is not None:
                    jac[(o, i)][m] = _flat(g)
    return jac


def _forward(fn, xs: list[Tensor]) -> dict:
    """The Jacobian blocks column by column: one jvp per input element (a basis tangent)."""
    from ..ops.creation import zeros_like

    jac = {}
    for i, x in enumerate(xs):
        for k in range(x.numel()):
            tangents = [_basis(xj, k) if j == i else zeros_like(xj) for j, xj in enumerate(xs)]
            _, touts = jvp(lambda *ds: fn(list(ds)), [_fresh(xj) for xj in xs], tangents)
            for o, t in enumerate(touts):
                if t.is_floating_point:
                    jac.setdefault((o, i), np.zeros((t.numel(), x.numel())))[:, k] = _flat(t)
    return jac


def _index(k: int, shape: tuple) -> str:
    if not shape:
        return "() (the only element)"
    return str(tuple(int(v) for v in np.unravel_index(k, shape)))


def _mismatch(analytic: dict, numeric: dict, how: str, names, shapes, atol, rtol) -> str | None:
    """The report for the first Jacobian entry where analytic and numeric differ, or None."""
    out_name, in_name = names
    out_shapes, in_shapes = shapes
    for (o, i), n in numeric.items():
        a = analytic[(o, i)]
        diff = np.abs(a - n)
        bad = ~(diff <= atol + rtol * np.abs(n))  # NaN in either counts as a difference
        if not bad.any():
            continue
        m, k = (int(v) for v in np.argwhere(bad)[0])
        largest = np.max(np.where(np.isnan(diff), np.inf, diff))
        return (f"{how}: the derivative of {out_name(o)} element {_index(m, out_shapes[o])} "
                f"with respect to {in_name(i)} element {_index(k, in_shapes[i])} is wrong:\n"
                f"    analytic: {float(a[m, k])!r}\n    numeric:  {float(n[m, k])!r}\n"
                f"  ({int(bad.sum())} of {bad.size} entries of d {out_name(o)} / d {in_name(i)} "
                f"differ by more than atol + rtol * |numeric| (atol={atol:g}, rtol={rtol:g}); "
                f"the largest difference is {largest:.3g})")
    return None


def _check(caller, fn, xs, diff, modes, order, eps, atol, rtol) -> str | None:
    numeric = _numeric(fn, xs, eps)
    out_shapes = [y.shape for y in fn([_fresh(x) for x in xs])]
    in_name = lambda i: f"input {diff[i]}"  # noqa: E731
    out_name = (lambda o: f"output {o}") if order == 1 else (lambda o: f"grad_input {diff[o]}")
    for mode in modes:
        analytic = _reverse(fn, xs) if mode == "rev" else _forward(fn, xs)
        how = f"{caller} failed in {_MODE_NAMES[mode, order]} (order {order})"
        if order == 2:
            how += " (grad_input j is the gradient of <g, f> with respect to input j, g fixed)"
        report = _mismatch(analytic, numeric, how, (out_name, in_name),
                           (out_shapes, [x.shape for x in xs]), atol, rtol)
        if report is not None:
            return report
    return None


def _prepare(f: Callable, inputs, modes) -> tuple:
    """(fn of the differentiated inputs -> outputs, those inputs, their positions, modes)."""
    args = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    diff = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]
    if not diff:
        raise ValueError("gradcheck: no input requires grad, so there is nothing to check")
    for i in diff:
        if args[i].dtype.name != "float64":
            warnings.warn(f"gradcheck: input {i} requires grad but is {args[i].dtype.name}, not "
                          f"float64: finite differences at this precision are unreliable and "
                          f"the check may fail; pass float64 inputs", UserWarning, stacklevel=3)
    modes = (modes,) if isinstance(modes, str) else tuple(modes)
    unknown = [m for m in modes if m not in ("rev", "fwd")]
    if unknown or not modes:
        raise ValueError(f"gradcheck: modes must be 'rev' and/or 'fwd', got {modes}")

    def fn(ds):
        full = list(args)
        for i, d in zip(diff, ds):
            full[i] = d
        return _outputs(f(*full))

    return fn, [args[i] for i in diff], diff, modes


def _gradient_fn(fn, xs: list[Tensor], grad_outputs):
    """h(xs) = grad_xs <g, fn(xs)> for fixed cotangents g, differentiable in both modes."""
    from ..ops.creation import zeros_like

    outs = fn([_fresh(x) for x in xs])
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        gs = [_new(y, rng.standard_normal(y.shape)) if y.is_floating_point else None
              for y in outs]
    else:
        gs = list(_outputs(grad_outputs))
        if len(gs) != len(outs) or any(g.shape != y.shape for g, y in zip(gs, outs)):
            raise ValueError(f"gradgradcheck: grad_outputs must match the outputs' shapes "
                             f"{[y.shape for y in outs]}, got {[g.shape for g in gs]}")

    def h(ds):
        ds = [d if d.requires_grad else d.requires_grad_() for d in ds]
        pairs = [(y, g) for y, g in zip(fn(ds), gs) if g is not None and y.requires_grad]
        if not pairs:
            return tuple(zeros_like(d) for d in ds)
        return grad([y for y, _ in pairs], ds, grad_outputs=[g for _, g in pairs],
                    create_graph=True, allow_unused=True, materialize_grads=True)

    return h


def _verdict(report: str | None, raise_exception: bool) -> bool:
    if report is None:
        return True
    if raise_exception:
        raise GradcheckError(report)
    return False


def gradcheck(f: Callable, inputs, modes: Sequence[str] = ("rev", "fwd"), order: int = 2,
              eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True) -> bool:
    """Check f's derivatives with respect to every input that requires grad against central
    finite differences: the full Jacobian by reverse mode ('rev', vjps of basis vectors) and by
    forward mode ('fwd', jvps of basis vectors); with order=2 also the derivatives of
    grad <g, f> for a random g (reverse over reverse, forward over reverse).

    f takes the inputs (a tensor or a tuple; those not requiring grad are passed through) and
    returns a tensor or a tuple of tensors. Inputs should be float64. An entry passes when
    |analytic - numeric| <= atol + rtol * |numeric|. Returns True, or on the first failure
    raises GradcheckError naming the entry (False instead with raise_exception=False)."""
    if order not in (1, 2):
        raise ValueError(f"gradcheck: order must be 1 or 2, got {order}")
    fn, xs, diff, modes = _prepare(f, inputs, modes)
    report = _check("gradcheck", fn, xs, diff, modes, 1, eps, atol, rtol)
    if report is None and order == 2:
        report = _check("gradcheck", _gradient_fn(fn, xs, None), xs, diff, modes, 2, eps,
                        atol, rtol)
    return _verdict(report, raise_exception)


def gradgradcheck(f: Callable, inputs, grad_outputs=None,
                  modes: Sequence[str] = ("rev", "fwd"), eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3, raise_exception: bool = True) -> bool:
    """Check f's second derivatives: the Jacobian of x -> grad_x <g, f(x)> by reverse over
    reverse and forward over reverse against finite differences of that gradient. g is
    `grad_outputs` (one tensor per output) or random. Reports and returns as gradcheck."""
    fn, xs, diff, modes = _prepare(f, inputs, modes)
    h = _gradient_fn(fn, xs, grad_outputs)
    return _verdict(_check("gradgradcheck", h, xs, diff, modes, 2, eps, atol, rtol),
                    raise_exception)
