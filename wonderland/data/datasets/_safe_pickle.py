"""A restricted unpickler for the few Python pickles datasets ship as (Planetoid's SciPy CSR
matrices, NumPy arrays and dicts of lists), with serialization/torch_files.py's approach: globals
come only from an allow-list of stand-ins that rebuild data, never the classes the file names,
and any other global is refused by name. Object arrays are refused too (their items would be
arbitrary pickles)."""
from __future__ import annotations

import io
import pickle
from collections import defaultdict
from typing import Any

import numpy as np

__all__ = ["UnsafePickleError", "CSR", "safe_load"]


class UnsafePickleError(pickle.UnpicklingError):
    """A pickle that asks for something besides arrays, CSR matrices and plain containers."""


class _ArrayType:
    """Stands for numpy.ndarray, which the pickle passes to _reconstruct."""


class _Array:
    """A NumPy array being rebuilt: _reconstruct makes it empty, BUILD gives its state."""

    def __setstate__(self, state: tuple) -> None:
        _version, shape, dtype, fortran, raw = state
        if not isinstance(dtype, _DType):
            raise UnsafePickleError(f"an array whose dtype is {type(dtype).__name__}")
        if isinstance(raw, str):  # a Python 2 str, decoded as latin-1 by the unpickler
            raw = raw.encode("latin1")
        if not isinstance(raw, (bytes, bytearray)):
            raise UnsafePickleError("an array whose data is not raw bytes (an object array?)")
        shape = tuple(int(s) for s in shape)
        flat = np.frombuffer(bytes(raw), dtype=dtype.build()).copy()
        self.array = flat.reshape(shape, order="F" if fortran else "C")


class _DType:
    """numpy.dtype(spec, align, copy) of a plain (non-object) kind; BUILD sets its byte order."""

    def __init__(self, spec: Any, align: Any = False, copy: Any = True) -> None:
        if not isinstance(spec, str) or np.dtype(spec).kind not in "biuf":
            raise UnsafePickleError(f"the dtype {spec!r}: only numbers and booleans are read")
        self.spec, self.order = spec, "="

    def __setstate__(self, state: tuple) -> None:
        self.order = state[1] if isinstance(state[1], str) and state[1] in "<>=|" else "="

    def build(self) -> np.dtype:
        return np.dtype(self.spec).newbyteorder(self.order if self.order != "|" else "=")


class CSR:
    """A SciPy csr_matrix's state (data, indices, indptr, shape) without SciPy; dense() gives
    the matrix as a NumPy array."""

    def __setstate__(self, state: dict) -> None:
        if not isinstance(state, dict):
            raise UnsafePickleError("a csr_matrix whose state is not a dict")
        self.state = state

    def parts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[int, int]]:
        s = self.state
        shape = s.get("_shape", s.get("shape"))
        return (_plain(s["data"]), _plain(s["indices"]), _plain(s["indptr"]),
                tuple(int(v) for v in shape))

    def dense(self, dtype=np.float32) -> np.ndarray:
        data, indices, indptr, (rows, cols) = self.parts()
        out = np.zeros((rows, cols), dtype=dtype)
        row_of = np.repeat(np.arange(rows), np.diff(indptr))
        np.add.at(out, (row_of, indices), data)
        return out


def _reconstruct(kind: Any, shape: Any, code: Any) -> _Array:
    if kind is not _ArrayType:
        raise UnsafePickleError("numpy's _reconstruct called for another class than ndarray")
    return _Array()


def _latin1_bytes(text: Any, encoding: Any = "latin1") -> bytes:
    """_codecs.encode as Python 3's protocol-2 pickles use it for bytes: text to latin-1 only."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise UnsafePickleError("_codecs.encode asked for anything but latin-1 bytes")
    return text.encode("latin1")


_ALLOWED = {
    ("_codecs", "encode"): _latin1_bytes,
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy", "ndarray"): _ArrayType,
    ("numpy", "dtype"): _DType,
    ("scipy.sparse.csr", "csr_matrix"): CSR,
    ("scipy.sparse._csr", "csr_matrix"): CSR,
    ("collections", "defaultdict"): defaultdict,
    ("__builtin__", "list"): list,
    ("builtins", "list"): list,
}
_ALLOWED_NAMES = "NumPy arrays of numbers, SciPy CSR matrices, dicts and lists"


class _Unpickler(pickle.Unpickler):
    def __init__(self, file, name: str) -> None:
        super().__init__(file, encoding="latin1")  # Python 2 pickles, as numpy reads them
        self._name = name

    def find_class(self, module: str, name: str) -> Any:
        found = _ALLOWED.get((module, name))
        if found is None:
            raise UnsafePickleError(
                f"refused {self._name}: its pickle asks for the global {module}.{name}, which is "
                f"not one of the {_ALLOWED_NAMES} a dataset file holds; wonderland never runs "
                f"code from a file")
        return found


def _plain(obj: Any) -> Any:
    """The rebuilt object: stand-in arrays as ndarrays, defaultdicts as dicts."""
    if isinstance(obj, _Array):
        if not hasattr(obj, "array"):
            raise UnsafePickleError("an array without its data")
        return obj.array
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_plain(v) for v in obj]
    return obj


def safe_load(raw: bytes, name: str = "<bytes>") -> Any:
    """Unpickle `raw` (the bytes of file `name`) with only the allowed stand-ins: an ndarray,
    a CSR (see CSR.dense), or dicts and lists of them. UnsafePickleError names any other global."""
    try:
        return _plain(_Unpickler(io.BytesIO(raw), name).load())
    except UnsafePickleError:
        raise
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, KeyError,
            AttributeError) as e:
        raise UnsafePickleError(f"could not read {name} as a dataset pickle: {e}") from e
