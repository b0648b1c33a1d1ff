"""The IDX file format of MNIST and Fashion-MNIST: read (and write, for tests and caches) n-d
arrays with a magic-number header, plain or gzipped."""
from __future__ import annotations

import gzip
import os
import struct

import numpy as np

# type code in the magic number -> big-endian NumPy dtype
_DTYPES = {0x08: np.dtype(">u1"), 0x09: np.dtype(">i1"), 0x0B: np.dtype(">i2"),
           0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}
_CODES = {d.newbyteorder("=").str: c for c, d in _DTYPES.items()}


def _open(path: str | os.PathLike, mode: str):
    return gzip.open(path, mode) if os.fspath(path).endswith(".gz") else open(path, mode)


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (gzipped when its name ends in .gz) into an array in native byte order.
    Raises ValueError when the header is malformed or the data size does not match it."""
    with _open(path, "rb") as f:
        raw = f.read()
    name = os.path.basename(os.fspath(path))
    if len(raw) < 4:
        raise ValueError(f"read_idx: {name} is too short to be an IDX file ({len(raw)} bytes)")
    zero, code, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0 or code not in _DTYPES:
        raise ValueError(f"read_idx: {name} has a bad magic number 0x{raw[:4].hex()} "
                         f"(expected 0x0000 then a type code in {sorted(hex(c) for c in _DTYPES)})")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"read_idx: {name} ends inside its header ({ndim} dimensions)")
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    dtype = _DTYPES[code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) - header != expected:
        raise ValueError(f"read_idx: {name} holds {len(raw) - header} data bytes but its header "
                         f"{shape} of {dtype.newbyteorder('=').name} needs {expected}")
    data = np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="))


def write_idx(path: str | os.PathLike, array: np.ndarray) -> None:
    """Write an array as an IDX file (gzipped when the name ends in .gz)."""
    a = np.asarray(array)
    native = a.dtype.newbyteorder("=").str
    if native not in _CODES:
        raise TypeError(f"write_idx: IDX has no type for {a.dtype}; use uint8, int8, int16, "
                        f"int32, float32 or float64")
    if a.ndim > 255:
        raise ValueError(f"write_idx: at most 255 dimensions, got {a.ndim}")
    code = _CODES[native]
    header = struct.pack(">HBB", 0, code, a.ndim) + struct.pack(f">{a.ndim}I", *a.shape)
    with _open(path, "wb") as f:
        f.write(header + np.ascontiguousarray(a, dtype=_DTYPES[code]).tobytes())
