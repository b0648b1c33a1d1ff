"""The words on a graph picture: a primitive's name and the parameters that matter, a tensor's
shape and dtype, a byte count. Plain strings; nothing here knows about graphviz."""
from __future__ import annotations

import dataclasses

import numpy as np

from ..core import dtype as dt
from ..core.tensor import Tensor

_SHORT_DTYPES = {"float16": "f16", "float32": "f32", "float64": "f64", "int8": "i8",
                 "int16": "i16", "int32": "i32", "int64": "i64", "uint8": "u8", "bool": "bool"}
_LONGEST = 40  # characters of one parameter's value before it is cut with "…"


def tensor_label(t: Tensor) -> str:
    """'3×4 f32' (and the device when it is not the CPU); 'scalar f64' for 0-d tensors."""
    shape = "×".join(str(n) for n in t.shape) if t.ndim else "scalar"
    text = f"{shape} {_SHORT_DTYPES.get(t.dtype.name, t.dtype.name)}"
    return text if t.device.type == "cpu" else f"{text} {t.device}"


def nbytes(n: int) -> str:
    """A byte count for people: '96 B', '1.5 KiB', '3.0 MiB'."""
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{int(size)} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def is_scalar_constant(t: Tensor) -> bool:
    """A constant (no grad, no tape) holding one value, maybe broadcast: `x * 2` makes one.
    Such inputs are written inside the operation's label instead of getting a node."""
    if t._requires_grad or t._node is not None:
        return False
    data = t._data
    return data.size == 1 or (data.size > 0 and all(s == 0 for s in data.strides))


def scalar_value(t: Tensor) -> str:
    v = t._device.backend.to_numpy(t._data).flat[0].item()
    return f"{v:g}" if isinstance(v, float) else str(v)


def frames(where) -> list[str]:
    """Anomaly mode's record of where an operation ran, (file, line, function) innermost first,
    as 'file:line in function' lines."""
    return [f"{file}:{line} in {name}" for file, line, name in where]


def op_title(prim, constants: dict[int, str], n_inputs: int) -> str:
    """'Mul' when every input is drawn as an edge; 'Sub(1, ·)' when some are written inline."""
    if not constants:
        return prim.name
    args = [constants.get(i, "·") for i in range(n_inputs)]
    return f"{prim.name}({', '.join(args)})"


def op_params(prim) -> list[str]:
    """The primitive's parameters (its dataclass fields), one 'name=value' per line; False and
    None are left out (they say 'not used'), True is written as the bare name."""
    special = _SPECIAL.get(prim.name)
    if special is not None:
        return [special(prim)]
    if not dataclasses.is_dataclass(prim):
        return []
    lines = []
    for f in dataclasses.fields(prim):
        v = getattr(prim, f.name)
        if v is None or v is False:
            continue
        lines.append(f.name if v is True else f"{f.name}={_cut(_value(v))}")
    return lines


def _value(v) -> str:
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, tuple):
        inner = ", ".join(_value(x) for x in v)
        return f"({inner},)" if len(v) == 1 else f"({inner})"
    if isinstance(v, (np.ndarray, Tensor)) or hasattr(v, "__array_interface__"):
        return _array(v)
    return v.name if isinstance(v, dt.DType) else str(v)


def _array(a) -> str:
    dtype = a.dtype.name if isinstance(a, Tensor) else str(a.dtype)
    return f"{dtype}[{'×'.join(str(n) for n in a.shape)}]"


def _cut(text: str) -> str:
    return text if len(text) <= _LONGEST else text[:_LONGEST - 1] + "…"


def _index(key) -> str:
    """An indexing key as it was written: [1:, None, int64[2]]."""
    parts = []
    for k in key if isinstance(key, tuple) else (key,):
        if isinstance(k, slice):
            parts.append(":".join("" if s is None else str(s)
                                  for s in ((k.start, k.stop) if k.step is None
                                            else (k.start, k.stop, k.step))))
        elif k is Ellipsis:
            parts.append("...")
        else:
            parts.append(_value(k))
    return _cut("[" + ", ".join(parts) + "]")


def _key_and_shape(prim) -> str:
    shape = getattr(prim, "shape", None)
    return _index(prim.key) + ("" if shape is None else f" into {_value(tuple(shape))}")


_SPECIAL = {
    "Einsum": lambda p: _cut(",".join(p.inputs) + "->" + p.output),
    "Getitem": lambda p: _index(p.key),
    "IndexPut": lambda p: _index(p.key),
    "IndexAdd": _key_and_shape,
    "ToDevice": lambda p: f"{p.source} → {p.device}",
}
