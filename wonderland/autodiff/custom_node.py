"""One tape entry for a rule written in Python: how custom_vjp, custom_jvp, Function and
checkpoint put their outputs on the tape as if a single primitive had made them; and the
forward-mode helpers they share (tangents in, tangents attached to the outputs).

Several floating point outputs share one entry: they are views of one flat packed tensor, so the
reverse walk sums all their cotangents before the rule runs, and the rule runs once."""
from __future__ import annotations

from collections.abc import Callable, Sequence

from ..core import dual, levels, primitive
from ..core.batching import BatchedTensor
from ..core.grad_mode import is_grad_enabled, no_grad
from ..core.tensor import Node, Tensor


def is_float_tensor(x) -> bool:
    return isinstance(x, Tensor) and x.is_floating_point


def dual_level_of(xs) -> int | None:
    """The innermost open forward-mode level any tensor carries, also inside vmap's batched
    tensors (under jvp(vmap(f)) the tangent rides on the physical tensor), or None."""
    best = None
    for x in xs:
        while isinstance(x, Tensor):
            for lv in x._tangents or ():
                if levels.is_open(lv) and (best is None or lv > best):
                    best = lv
            x = x._physical if x._vlevel is not None else None
    return best


class _Custom(primitive.Primitive):
    """A primitive whose vjp is a Python rule: rule(gs, ys) -> one cotangent per input, where gs
    and ys hold one cotangent / recorded output per output (None where an output is no float)."""

    def __init__(self, name: str, rule: Callable, n_outputs: int, layout):
        self._name, self.rule, self.n_outputs, self.layout = name, rule, n_outputs, layout

    @property
    def name(self) -> str:
        return self._name

    def __repr__(self) -> str:
        return f"<{self._name}>"

    def forward(self, xp, *xs):
        raise RuntimeError(f"{self._name} runs through its Python rule, not bind()")

    def vjp(self, g, y, *xs):
        return tuple(self.rule(self._split(g), self._split(y)))

    def _split(self, flat: Tensor) -> list:
        """One tensor per output: the packed cotangent (or output) cut back into its pieces."""
        parts: list = [None] * self.n_outputs
        if isinstance(self.layout, int):  # a single float output, at this position
            parts[self.layout] = flat
            return parts
        for i, start, stop, shape, dtype in self.layout:
            parts[i] = _unpack(flat, start, stop, shape, dtype)
        return parts


def _unpack(flat: Tensor, start: int, stop: int, shape, dtype) -> Tensor:
    from ..ops.unary import cast

    return cast(flat[start:stop].reshape(shape), dtype)


def as_outputs(out, who: str) -> tuple[list, bool]:
    """(outputs as a list, whether it was a single tensor); tuples and lists are accepted."""
    if isinstance(out, Tensor):
        return [out], True
    if isinstance(out, (tuple, list)):
        return list(out), False
    raise TypeError(f"{who} must return a tensor or a tuple of tensors, "
                    f"got {type(out).__name__}")


def record(name: str, rule: Callable, inputs: Sequence[Tensor], out):
    """Put `out` (a tensor or a tuple/list) on the tape as made by `inputs` through `rule`.

    Returns `out` with its floating point tensors replaced by fresh recorded ones (their
    forward-mode tangents kept); `out` itself when grad is off or no input requires grad.
    rule(gs, ys) must return one cotangent (or None) per input."""
    if not (is_grad_enabled() and any(x._requires_grad for x in inputs)):
        return out
    outs, single = as_outputs(out, name)
    floats = [i for i, o in enumerate(outs) if is_float_tensor(o)]
    if not floats:
        return out
    if len(floats) == 1:
        i = floats[0]
        y = _fresh(outs[i])
        _attach(y, _Custom(name, rule, len(outs), i), inputs)
        outs[i] = y
    else:
        from ..ops.join import cat
        from ..ops.unary import cast

        common = _common_dtype([outs[i] for i in floats])
        layout, start = [], 0
        for i in floats:
            n = outs[i].numel()
            layout.append((i, start, start + n, outs[i].shape, outs[i].dtype))
            start += n
        with no_grad():
            packed = cat([cast(outs[i].reshape(-1), common) for i in floats])
        y = _fresh(packed)  # forward-mode tangents, if any, were packed along by cat
        _attach(y, _Custom(name, rule, len(outs), tuple(layout)), inputs)
        for i, a, b, shape, dtype in layout:
            outs[i] = _unpack(y, a, b, shape, dtype)
    return outs[0] if single else type(out)(outs)


def _fresh(x: Tensor) -> Tensor:
    """A new tensor with x's values and forward-mode tangents, without its tape (a rule may
    have returned an input itself, whose tape must stay as it is)."""
    y = x._shallow()
    y._tangents = x._tangents
    return y


def _attach(y: Tensor, prim: _Custom, inputs) -> None:
    y._requires_grad = True
    y._node = Node(prim, tuple(inputs))
    monitor = getattr(primitive, "_anomaly", None)
    if monitor is not None:  # anomaly mode: note where it ran, check its values
        monitor.after(prim, y._node.inputs, y)


def _common_dtype(ts):
    from ..core import dtype as dt

    widest = max(ts, key=lambda t: t.dtype.np_dtype.itemsize)
    return dt.from_numpy(widest.dtype.np_dtype)


def check_cotangents(who: str, cots, args: Sequence, positions: Sequence[int], per: str) -> list:
    """Validate a rule's cotangents (one per position of `args`) and return those for the float
    tensor arguments, in order: the cotangents of the tape entry's inputs."""
    if isinstance(cots, Tensor) or cots is None:
        cots = (cots,)
    if not isinstance(cots, (tuple, list)):
        raise TypeError(f"{who} must return a tuple of cotangents, got {type(cots).__name__}")
    if len(cots) != len(positions):
        raise ValueError(f"{who} returned {len(cots)} gradients; expected {len(positions)}, "
                         f"{per}")
    result = []
    for c, pos in zip(cots, positions):
        x = args[pos]
        if not isinstance(x, Tensor):
            if c is not None:
                raise TypeError(f"{who} returned a gradient for input {pos}, which is not a "
                                f"tensor ({type(x).__name__}); return None there")
            continue
        if c is not None:
            if not isinstance(c, Tensor):
                raise TypeError(f"{who} returned {type(c).__name__} for input {pos}; "
                                f"expected a tensor or None")
            if c.shape != x.shape:
                raise ValueError(f"{who} returned a gradient of shape {c.shape} for input "
                                 f"{pos} of shape {x.shape}")
        if x.is_floating_point:
            result.append(c)
    return result


def cut(x):
    """x's values and forward-mode tangents (inside batched tensors too), off the tape."""
    if not isinstance(x, Tensor):
        return x
    if x._vlevel is not None:
        return BatchedTensor(cut(x._physical), x._bdim, x._vlevel)
    y = x.detach()
    y._tangents = x._tangents
    return y


def peel(x, level: int):
    """(x without its tangent at `level`, that tangent or None), looking inside batched
    tensors of inner vmap levels: their primal and tangent come back as batched tensors."""
    if not isinstance(x, Tensor):
        return x, None
    if x._tangents and level in x._tangents:
        return dual.strip(x, level), x._tangents[level]
    if x._vlevel is None or x._vlevel < level:
        return x, None
    p, t = peel(x._physical, level)
    if t is None:
        return x, None
    return _on_tape(BatchedTensor(p, x._bdim, x._vlevel), x), BatchedTensor(t, x._bdim, x._vlevel)


def peel_all(args: tuple, level: int) -> tuple[list, list]:
    """(primals, tangents) of all args at level: zeros for float tensors that carry none."""
    from ..ops.creation import zeros_like

    primals, tangents = [], []
    for a in args:
        p, t = peel(a, level)
        if t is None and is_float_tensor(a):
            t = zeros_like(p)
        primals.append(p)
        tangents.append(t if is_float_tensor(a) else None)
    return primals, tangents


def embed(o: Tensor, level: int, t: Tensor) -> Tensor:
    """o carrying tangent t at `level`; where o or t is batched at an inner vmap level, the
    tangent goes onto the physical tensor, as bind's batching rules would have put it."""
    inner = [v for v in (o._vlevel, t._vlevel) if v is not None and v > level]
    if not inner:
        return dual.with_tangent(o, level, t)
    vlevel = max(inner)
    op, ob = _physical(o, vlevel)
    tp, tb = _physical(t, vlevel)
    return _on_tape(BatchedTensor(embed(op, level, tp.movedim(tb, ob)), ob, vlevel), o)


def _physical(x: Tensor, vlevel: int) -> tuple[Tensor, int]:
    """(physical tensor, batch dim) of x at vmap level vlevel, expanding x if it is unbatched."""
    if x._vlevel == vlevel:
        return x._physical, x._bdim
    size = levels.info(vlevel).size
    return x.unsqueeze(0).expand((size,) + x.shape), 0


def _on_tape(new: Tensor, old: Tensor) -> Tensor:
    """new, reading old on the tape (an alias), so gradients still reach old."""
    if old._requires_grad and is_grad_enabled():
        new._requires_grad = True
        new._node = Node(dual.Alias(), (old,))
    return new


def attach_tangents(who: str, out, t_out, level: int):
    """out with each float tensor carrying its tangent from t_out (same structure) at level."""
    outs, single = as_outputs(out, who)
    touts = [t_out] if single else t_out
    if not isinstance(touts, (tuple, list)) or len(touts) != len(outs):
        raise TypeError(f"{who}: the tangents must have the structure of the outputs "
                        f"({len(outs)} {'tensor' if single else 'outputs'})")
    result = []
    for o, t in zip(outs, touts):
        if is_float_tensor(o) and t is not None:
            if not isinstance(t, Tensor) or t.shape != o.shape:
                what = t.shape if isinstance(t, Tensor) else type(t).__name__
                raise ValueError(f"{who} gave a tangent of {what} for an output of shape "
                                 f"{o.shape}")
            o = embed(o, level, t)
        result.append(o)
    return result[0] if single else type(out)(result)
