"""Einstein summation. The public function rewrites any subscripts (implicit output, ellipsis,
broadcast size-1 dims) into explicit letters; the Einsum primitive then derives each operand's
vjp as another einsum by permuting the subscripts: the cotangent takes the output's letters and
the operand's letters become the output. A letter repeated in that operand (a diagonal or trace)
is renamed and tied back with an identity matrix; a letter only that operand has is restored
with a vector of ones."""
from __future__ import annotations

import string
from dataclasses import dataclass

from ..core.primitive import Primitive
from ..core.tensor import Tensor
from ._convert import promote_args
from .autocast import lower_precision
from .batching import batch_size, to_front
from .precision import float32_inside

LETTERS = string.ascii_letters


@dataclass(frozen=True)
class Einsum(Primitive):
    """y = einsum('inputs->output', *xs);  dx_i = einsum of g with the other operands -> x_i"""

    inputs: tuple[str, ...]
    output: str

    @float32_inside  # half widths in float32: NumPy multiplies bfloat16 into float32
    def forward(self, xp, *xs):
        return xp.einsum(",".join(self.inputs) + "->" + self.output, *xs, optimize=True)

    def vjp(self, g, y, *xs):
        return tuple(self._cotangent(i, g, xs) if x.requires_grad else None
                     for i, x in enumerate(xs))

    def _cotangent(self, i: int, g: Tensor, xs) -> Tensor:
        from .creation import eye, ones

        target = list(self.inputs[i])
        subs = [self.output] + [s for j, s in enumerate(self.inputs) if j != i]
        operands = [g] + [x for j, x in enumerate(xs) if j != i]
        free = iter(c for c in LETTERS if c not in "".join(self.inputs) + self.output)
        seen: dict[str, int] = {}
        for pos, c in enumerate(target):
            n = xs[i].shape[pos]
            if c in seen:  # repeated letter: new name, tied to the first by the identity
                fresh = next(free)
                target[pos] = fresh
                subs.append(c + fresh)
                operands.append(eye(n, dtype=g.dtype, device=g.device))
            else:
                seen[c] = n
        known = set("".join(subs))
        for pos, c in enumerate(target):
            if c not in known:  # summed away inside x_i alone: its cotangent is constant along c
                subs.append(c)
                operands.append(ones(xs[i].shape[pos], dtype=g.dtype, device=g.device))
                known.add(c)
        return Einsum(tuple(subs), "".join(target))(*operands)

    def jvp(self, t, y, *xs):
        out = None
        for i in range(len(xs)):
            term = self(*xs[:i], t[i], *xs[i + 1:])
            out = term if out is None else out + term
        return out

    def batch(self, xs, bdims):
        n = batch_size(xs, bdims)
        b = next(c for c in LETTERS if c not in "".join(self.inputs) + self.output)
        inputs = tuple(s if d is None else b + s for s, d in zip(self.inputs, bdims))
        operands = [x if d is None else to_front(x, d, n) for x, d in zip(xs, bdims)]
        return Einsum(inputs, b + self.output)(*operands), 0


def parse(equation: str, shapes: list[tuple[int, ...]]) -> tuple[list[str], str]:
    """Explicit letters for each operand and the output, ellipses expanded (right-aligned)."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"einsum: '{equation}' names {len(terms)} operands, got {len(shapes)}")
    used = set(c for c in eq if c in LETTERS)
    bad = set(eq) - set(LETTERS) - set(",->.")
    if bad:
        raise ValueError(f"einsum: invalid subscript characters {sorted(bad)} in '{equation}'")
    spare = [c for c in LETTERS if c not in used]
    n_ell = 0
    for term, shape in zip(terms, shapes):
        if "..." in term:
            n_ell = max(n_ell, len(shape) - (len(term) - 3))
    ell = "".join(spare[:n_ell])
    inputs = []
    for k, (term, shape) in enumerate(zip(terms, shapes)):
        if "..." in term:
            k_dims = len(shape) - (len(term) - 3)
            if k_dims < 0:
                raise ValueError(f"einsum: operand {k} has shape {shape}, too few dimensions "
                                 f"for '{term}'")
            term = term.replace("...", ell[n_ell - k_dims:])
        if "." in term:
            raise ValueError(f"einsum: malformed ellipsis in '{equation}'")
        if len(term) != len(shape):
            raise ValueError(f"einsum: operand {k} has {len(shape)} dimensions {shape} but "
                             f"subscripts '{terms[k]}' name {len(term)}")
        inputs.append(term)
    if arrow:
        output = rhs.replace("...", ell)
        if "." in output:
            raise ValueError(f"einsum: malformed ellipsis in '{equation}'")
    else:
        counts = "".join(inputs)
        output = ell + "".join(sorted(c for c in set(counts) if counts.count(c) == 1
                                      and c not in ell))
    if len(set(output)) != len(output):
        raise ValueError(f"einsum: output subscript repeated in '{equation}'")
    missing = set(output) - set("".join(inputs))
    if missing:
        raise ValueError(f"einsum: output subscripts {sorted(missing)} appear in no operand")
    return inputs, output


@lower_precision  # under autocast, in its dtype
def einsum(equation: str, *operands: Tensor) -> Tensor:
    """Einstein summation as in NumPy and PyTorch (implicit output, '...', traces, diagonals)."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands:
        raise ValueError("einsum: expected at least one operand")
    operands = promote_args("einsum", *operands)
    inputs, output = parse(equation, [x.shape for x in operands])
    for k, (term, x) in enumerate(zip(inputs, operands)):
        for c in set(term):  # a repeated letter (diagonal) needs equal sizes, no broadcasting
            dims = {x.shape[p] for p, d in enumerate(term) if d == c}
            if len(dims) > 1:
                raise ValueError(f"einsum: subscript '{c}' repeats in operand {k} with "
                                 f"different sizes {sorted(dims)}")
    size: dict[str, int] = {}
    first: dict[str, int] = {}  # the operand that set each letter's size
    for k, (term, x) in enumerate(zip(inputs, operands)):
        for c, n in zip(term, x.shape):
            old = size.get(c, 1)
            if n != 1 and old != 1 and n != old:
                raise ValueError(f"einsum: subscript '{c}' has size {old} in operand "
                                 f"{first[c]} and {n} in operand {k} (shape {x.shape}) of "
                                 f"'{equation}'; sizes must match or be 1")
            if old == 1:
                size[c], first[c] = n, k
    shaped = []
    for term, x in zip(inputs, operands):
        want = tuple(size[c] for c in term)
        shaped.append(x if want == x.shape else x.broadcast_to(want))
    return Einsum(tuple(inputs), output)(*shaped)
