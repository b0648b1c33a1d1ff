"""The op-spec table's row type and input makers: one Spec per tested call of a primitive.

A row names the primitive(s) it proves, a wonderland function, how to draw its inputs, and
references: a NumPy function and/or a PyTorch function. tests/ops/test_specs.py runs every row
through every check (forward, finite differences in both modes, the dot-product test, second
order, PyTorch); test_registry_covered fails when a primitive has no row. A row's float16 twin
(float16_twin) draws the same inputs rounded to float16 and runs the checks that need no finite
differences (forward against NumPy in float64, forward and vjp against PyTorch in float16, the
dot-product test, batching) at float16's tolerance; finite differences and second order stay
with the float64 row. half() makes a float16 row of its own, for float16's extremes."""
from __future__ import annotations

import dataclasses
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Spec:
    name: str
    prims: tuple[str, ...]
    fn: Callable  # wonderland tensors -> tensor
    inputs: tuple[Callable, ...]  # each: rng -> np.ndarray
    np_fn: Callable | None = None  # numpy arrays -> array
    torch_fn: Callable | None = None  # torch tensors -> tensor
    grad: bool = True  # whether derivatives are checked at all
    wrt: tuple[int, ...] | None = None  # inputs differentiated (default: every float input)
    second_order: bool = True
    finite_differences: bool = True  # off only where the output's precision makes FD noise
    rtol: float = 1e-5
    atol: float = 1e-6
    tags: dict = field(default_factory=dict)
    dtype: type = np.float64  # the float inputs' dtype (the makers draw float64)
    float16: bool = True  # whether float16_twin makes a float16 copy of the row

    def arrays(self, seed: int = 0) -> list[np.ndarray]:
        rng = np.random.default_rng(zlib.crc32(self.seed_name.encode()) + seed)
        arrays = [make(rng) for make in self.inputs]
        with np.errstate(over="ignore"):  # beyond float16's range rounds to inf (1e308 does)
            return [a.astype(self.dtype) if a.dtype.kind == "f" else a for a in arrays]

    @property
    def seed_name(self) -> str:
        """A twin draws its inputs from the same seed as the row it was made from."""
        return self.tags.get("twin_of", self.name)

    def diff_indices(self, arrays) -> tuple[int, ...]:
        if not self.grad:
            return ()
        if self.wrt is not None:
            return self.wrt
        return tuple(i for i, a in enumerate(arrays) if a.dtype.kind == "f")


def spec(name, prims, fn, inputs, np_fn=None, torch_fn=None, **kw) -> Spec:
    prims = (prims,) if isinstance(prims, str) else tuple(prims)
    return Spec(name, prims, fn, tuple(inputs), np_fn, torch_fn, **kw)


# float16 steps by 2^-10 relative (its eps): three steps, for values rounded once from float32
# (as PyTorch's) and for gradients whose rules round at each op. A row's own magnitudes set the
# absolute part: a twin's O(1) inputs cancel in sums to about one step at 1; a float16 row at
# the extremes holds small values to three steps too.
FLOAT16 = {"dtype": np.float16, "rtol": 3e-3, "finite_differences": False, "second_order": False}


def half(name, prims, fn, inputs, np_fn=None, torch_fn=None, **kw) -> Spec:
    """A float16 row (for inputs that only float16 makes extreme: near its overflow, say)."""
    return spec(name, prims, fn, inputs, np_fn, torch_fn, **(FLOAT16 | {"atol": 1e-5} | kw))


def float16_twin(row: Spec) -> Spec | None:
    """The row again with its float inputs rounded to float16, or None when it has none (or
    opted out with float16=False)."""
    if not row.float16 or row.dtype != np.float64:
        return None
    if not any(a.dtype.kind == "f" for a in row.arrays()):
        return None
    return dataclasses.replace(row, name=f"{row.name}_f16", atol=2.0 ** -10,
                               tags=row.tags | {"twin_of": row.name}, **FLOAT16)


# --- input makers: each returns a function of a NumPy Generator -------------------------------
def real(*shape, low=-2.0, high=2.0):
    """Uniform floats (float64)."""
    return lambda rng: rng.uniform(low, high, shape)


def including(values, *shape, low=-2.0, high=2.0):
    """Uniform floats with `values` (extremes, say) in the first places, in C order."""
    values = np.ravel(values)

    def make(rng):
        x = rng.uniform(low, high, shape)
        x.flat[:values.size] = values
        return x

    return make


def positive(*shape, low=0.5, high=2.0):
    return real(*shape, low=low, high=high)


def away_from(points, *shape, low=-2.0, high=2.0, gap=0.1):
    """Uniform floats at least `gap` from each of `points` (for kinks and discontinuities)."""
    points = np.atleast_1d(points)

    def make(rng):
        x = rng.uniform(low, high, shape)
        for _ in range(100):
            bad = np.min(np.abs(x[..., None] - points), axis=-1) < gap
            if not bad.any():
                break
            x = np.where(bad, rng.uniform(low, high, shape), x)
        return x

    return make


def distinct(*shape, low=-2.0, high=2.0, gap=0.05):
    """Floats whose pairwise gaps are at least `gap` (no ties for max, sort, ...)."""

    def make(rng):
        n = int(np.prod(shape)) if shape else 1
        grid = np.linspace(low, high, max(n, 2))[:n]
        assert n < 2 or grid[1] - grid[0] >= gap, "range too small for distinct values"
        return rng.permutation(grid).reshape(shape) + rng.uniform(0, gap / 4, shape)

    return make


def ints(*shape, low=0, high=5):
    return lambda rng: rng.integers(low, high, shape).astype(np.int64)


def bools(*shape, p=0.5):
    return lambda rng: rng.random(shape) < p


def const(value):
    """A fixed array (for index arrays, masks and the like)."""
    return lambda rng: np.array(value)
