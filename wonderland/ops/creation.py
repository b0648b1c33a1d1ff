"""Making tensors: from data, filled, ranges, identity, random, and the *_like variants."""
from __future__ import annotations

import operator

import numpy as np

from ..core import dtype as dt
from ..core import levels
from ..core.batching import BatchedTensor
from ..core.device import as_device
from ..core.random import Generator, get_generator
from ..core.tensor import Tensor, _to_array


def _shape(size, keyword=None) -> tuple[int, ...]:
    """Sizes given as varargs, as one tuple/list, or as the keyword size= (`keyword`); each
    must be a non-negative integer."""
    if keyword is not None:
        if size:
            raise TypeError(f"sizes given twice: {tuple(size)} and size={keyword}")
        size = (keyword,)
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    try:
        shape = tuple(operator.index(s) for s in size)  # int() would truncate 2.5 silently
    except TypeError:
        raise TypeError(f"sizes must be integers, got {tuple(size)}") from None
    if any(s < 0 for s in shape):
        raise ValueError(f"negative dimension in shape {shape}")
    return shape


def _place(arr: np.ndarray, device, requires_grad: bool) -> Tensor:
    device = as_device(device)
    t = Tensor._make(device.backend.from_numpy(arr), device)
    if requires_grad:
        t.requires_grad = True
    return t


def _float(dtype) -> np.dtype:
    return (dt.get_default_dtype() if dtype is None else dt.as_dtype(dtype)).np_dtype


def _random(name: str, shape: tuple[int, ...], sample, device, requires_grad: bool) -> Tensor:
    """sample(shape) placed on the device; inside vmap, as its `randomness` asks: an error,
    one draw shared by every example ('same'), or one draw per example ('different')."""
    level = levels.innermost("batch")
    randomness = None if level is None else levels.info(level).randomness
    if randomness == "error":
        raise RuntimeError(f"vmap: {name}() inside vmap with randomness='error'; pass "
                           f"randomness='different' (a draw per example) or 'same'")
    if randomness != "different":
        return _place(sample(shape), device, requires_grad)
    t = BatchedTensor(_place(sample((levels.info(level).size,) + shape), device, False), 0, level)
    return t.requires_grad_() if requires_grad else t


def _random_float(dtype, name: str) -> np.dtype:
    d = _float(dtype)
    if not dt.is_floating_np(d):  # a cast would turn uniform samples into all zeros
        raise TypeError(f"{name}: expected a floating dtype, got {d}")
    return d


def tensor(data, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of `data` (floats default to float32, ints to int64)."""
    return _place(_to_array(data, dtype), device, requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """`data` if it already is a tensor of that dtype and device, else a tensor made from it
    (sharing memory with a NumPy array when no copy is needed, as in PyTorch)."""
    if isinstance(data, Tensor):
        return data.to(device=device, dtype=dtype)
    if (isinstance(data, np.ndarray) and as_device(device).type == "cpu"
            and (dtype is None or dt.as_dtype(dtype).np_dtype == data.dtype)):
        return from_numpy(data)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(a: np.ndarray) -> Tensor:
    """A CPU tensor sharing memory with a NumPy array (its dtype kept)."""
    dt.from_numpy(a.dtype)
    return Tensor._make(a)


def full(size, fill_value, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    d = dt.as_dtype(dtype) if dtype is not None else dt.scalar_dtype(fill_value)
    return _place(np.full(_shape((size,) if isinstance(size, int) else size), fill_value,
                          dtype=d.np_dtype), device, requires_grad)


def zeros(*sizes, size=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _place(np.zeros(_shape(sizes, size), dtype=_float(dtype)), device, requires_grad)


def ones(*sizes, size=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _place(np.ones(_shape(sizes, size), dtype=_float(dtype)), device, requires_grad)


def empty(*sizes, size=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _place(np.empty(_shape(sizes, size), dtype=_float(dtype)), device, requires_grad)


def eye(n: int, m: int | None = None, dtype=None, device=None,
        requires_grad: bool = False) -> Tensor:
    n, m = _shape((n, n if m is None else m))
    return _place(np.eye(n, m, dtype=_float(dtype)), device, requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None,
           requires_grad: bool = False) -> Tensor:
    """Values from start (inclusive) to end (exclusive); integer unless an argument is a float."""
    if end is None:
        start, end = 0, start
    start, end, step = (v.item() if isinstance(v, Tensor) else v for v in (start, end, step))
    if step == 0:
        raise ValueError("arange: step must be nonzero")
    if (end - start) * step < 0:
        raise ValueError(f"arange: end {end} cannot be reached from start {start} "
                         f"with step {step}")
    if dtype is None:
        is_float = any(isinstance(v, (float, np.floating)) for v in (start, end, step))
        d = dt.get_default_dtype() if is_float else dt.int64
    else:
        d = dt.as_dtype(dtype)
    # Computed in float64 (or int64) and then cast, so float32 values match PyTorch's.
    return _place(np.arange(start, end, step).astype(d.np_dtype), device, requires_grad)


def linspace(start: float, end: float, steps: int, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    if operator.index(steps) < 0:
        raise ValueError(f"linspace: steps must be non-negative, got {steps}")
    return _place(np.linspace(start, end, steps).astype(_float(dtype)), device, requires_grad)


def rand(*sizes, size=None, generator: Generator | None = None, dtype=None, device=None,
         requires_grad: bool = False) -> Tensor:
    """Uniform on [0, 1)."""
    d = _random_float(dtype, "rand")
    return _random("rand", _shape(sizes, size),
                   lambda s: get_generator(generator).random(s).astype(d), device, requires_grad)


def randn(*sizes, size=None, generator: Generator | None = None, dtype=None, device=None,
          requires_grad: bool = False) -> Tensor:
    """Standard normal."""
    d = _random_float(dtype, "randn")
    return _random("randn", _shape(sizes, size),
                   lambda s: get_generator(generator).standard_normal(s).astype(d),
                   device, requires_grad)


def randint(low: int, high: int | None = None, size=(), generator: Generator | None = None,
            dtype=None, device=None) -> Tensor:
    """Integers uniform on [low, high) (or [0, low) when high is omitted)."""
    if isinstance(high, (tuple, list)):  # randint(high, size), as PyTorch allows
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    if low >= high:
        raise ValueError(f"randint: empty range [{low}, {high})")
    d = dt.int64 if dtype is None else dt.as_dtype(dtype)
    shape = _shape((size,) if isinstance(size, int) else size)
    rng = get_generator(generator)
    return _random("randint", shape, lambda s: rng.integers(low, high, size=s).astype(d.np_dtype),
                   device, False)


def randperm(n: int, *, generator: Generator | None = None, dtype=None, device=None) -> Tensor:
    """A random permutation of 0 .. n-1."""
    (n,) = _shape((n,))
    d = dt.int64 if dtype is None else dt.as_dtype(dtype)
    rng = get_generator(generator)

    def sample(shape):  # one permutation per row (per example inside vmap)
        if len(shape) == 1:
            return rng.permutation(n).astype(d.np_dtype)
        return rng.permuted(np.broadcast_to(np.arange(n), shape), axis=-1).astype(d.np_dtype)

    return _random("randperm", (n,), sample, device, False)


def zeros_like(x: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Zeros with the shape, dtype and device of x."""
    return _place_like(x, np.zeros, dtype, device, requires_grad)


def ones_like(x: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Ones with the shape, dtype and device of x."""
    return _place_like(x, np.ones, dtype, device, requires_grad)


def empty_like(x: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _place_like(x, np.empty, dtype, device, requires_grad)


def full_like(x: Tensor, fill_value, dtype=None, device=None,
              requires_grad: bool = False) -> Tensor:
    return full(x.shape, fill_value, dtype=dtype or x.dtype, device=device or x.device,
                requires_grad=requires_grad)


def rand_like(x: Tensor, generator: Generator | None = None, dtype=None, device=None) -> Tensor:
    return rand(x.shape, generator=generator, dtype=dtype or x.dtype, device=device or x.device)


def randn_like(x: Tensor, generator: Generator | None = None, dtype=None, device=None) -> Tensor:
    return randn(x.shape, generator=generator, dtype=dtype or x.dtype, device=device or x.device)


def randint_like(x: Tensor, low: int, high: int | None = None,
                 generator: Generator | None = None, dtype=None) -> Tensor:
    return randint(low, high, x.shape, generator=generator, dtype=dtype or x.dtype,
                   device=x.device)


def _place_like(x: Tensor, make, dtype, device, requires_grad) -> Tensor:
    d = x.dtype if dtype is None else dt.as_dtype(dtype)
    device = x.device if device is None else as_device(device)
    t = Tensor._make(getattr(device.backend.xp, make.__name__)(x.shape, dtype=d.np_dtype), device)
    if requires_grad:
        t.requires_grad = True
    return t
