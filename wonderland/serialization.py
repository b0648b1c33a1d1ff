"""Saving and loading as safetensors files: plain arrays and a JSON header, never pickle, written
atomically (a crash mid-write never destroys the previous file) and checked on load: a file that
is empty, truncated, not safetensors, ill-formed or whose bytes changed since it was saved (a
SHA-256 of each tensor and of the metadata is kept in the header) raises CorruptFileError.

`save`/`load` take a flat {name: tensor} dict (a state_dict). `save_state`/`load_state` take any
nesting of dicts, lists and tuples holding tensors, arrays, numbers, strings, booleans and None
(a checkpoint: model, optimizer, scheduler and RNG states together): the arrays go into the
safetensors body and the structure, with the plain values, into one JSON metadata entry."""
from __future__ import annotations

import hashlib
import json
import math
import os
from collections import OrderedDict
from typing import Any

import numpy as np
from safetensors import SafetensorError
from safetensors import numpy as st

from .atomic import write_atomic
from .core.tensor import Tensor

_STATE_KEY = "wonderland.state"
_CHECKSUM_KEY = "wonderland.checksums"
_HASH = "sha256"  # hashlib's, about as fast as a memory copy where the CPU has SHA instructions
# the safetensors dtypes NumPy holds
_DTYPES = {"F64": np.float64, "F32": np.float32, "F16": np.float16, "C64": np.complex64,
           "I64": np.int64, "I32": np.int32, "I16": np.int16, "I8": np.int8, "U64": np.uint64,
           "U32": np.uint32, "U16": np.uint16, "U8": np.uint8, "BOOL": np.bool_}


class CorruptFileError(ValueError):
    """A file wl.load / wl.load_state cannot read: empty, truncated, not a safetensors file,
    ill-formed, or with bytes that no longer match the checksums written by wl.save."""


def _as_array(t) -> np.ndarray:
    # np.asarray(order="C") rather than ascontiguousarray, which would make 0-d arrays 1-d
    return np.asarray(t.detach() if isinstance(t, Tensor) else t, order="C")


def _digest(data) -> str:
    return hashlib.new(_HASH, data).hexdigest()


def _metadata_digest(metadata: dict) -> str:
    return _digest(json.dumps(metadata, sort_keys=True).encode())


def _write(arrays: dict, metadata: dict | None, path: str | os.PathLike, fn: str) -> None:
    """Write arrays and string metadata as safetensors, with the checksums load verifies."""
    metadata = dict(metadata or {})
    bad = [k for k, v in metadata.items() if not isinstance(k, str) or not isinstance(v, str)]
    if bad:
        raise TypeError(f"{fn}: metadata maps strings to strings; {bad[0]!r} does not")
    if _CHECKSUM_KEY in metadata:
        raise ValueError(f"{fn}: the metadata key {_CHECKSUM_KEY!r} is wonderland's own")
    # safetensors stores little-endian bytes: hash those (a view, no copy, on little-endian CPUs)
    tensors = {name: _digest(np.asarray(a, dtype=a.dtype.newbyteorder("<")))
               for name, a in arrays.items()}
    metadata[_CHECKSUM_KEY] = json.dumps({"hash": _HASH, "tensors": tensors,
                                          "metadata": _metadata_digest(metadata)})
    write_atomic(path, st.save(arrays, metadata=metadata))


def _header(raw: bytes, bad) -> tuple[dict, dict, int]:
    """(tensor entries, metadata, where the data begins) of a safetensors file's bytes, each part
    checked; `bad(problem)` makes the error that names the file."""
    if len(raw) < 8:
        raise bad("the file is empty" if not raw else f"the file is only {len(raw)} bytes, too "
                  f"short for a safetensors header")
    size = int.from_bytes(raw[:8], "little")
    if size > len(raw) - 8:
        raise bad(f"its first 8 bytes announce a {size}-byte header but only {len(raw) - 8} "
                  f"bytes follow: the file is truncated or not a safetensors file")
    try:
        header = json.loads(raw[8:8 + size].decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        header = None
    if not isinstance(header, dict):
        raise bad("its header is not a JSON object: the file is corrupt or not a safetensors "
                  "file")
    metadata = header.pop("__metadata__", None)
    metadata = {} if metadata is None else metadata
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise bad("its header's __metadata__ is not a map of strings to strings")
    data = len(raw) - 8 - size
    for name, entry in header.items():
        problem = _entry_problem(entry, data)
        if problem:
            raise bad(f"the header's entry for tensor {name!r} {problem}")
    return header, metadata, 8 + size


def _entry_problem(entry, data: int) -> str | None:
    """What is wrong with one tensor's header entry in a file holding `data` bytes of data."""
    if not isinstance(entry, dict) or not {"dtype", "shape", "data_offsets"} <= entry.keys():
        return f"is {json.dumps(entry)[:80]}, not {{dtype, shape, data_offsets}}"
    dtype, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
    if dtype not in _DTYPES:
        return f"has dtype {dtype!r}, not one of {', '.join(_DTYPES)}"
    if not isinstance(shape, list) or not all(type(d) is int and d >= 0 for d in shape):
        return f"has shape {shape!r}, not a list of sizes"
    if not (isinstance(offsets, list) and len(offsets) == 2
            and all(type(o) is int for o in offsets) and 0 <= offsets[0] <= offsets[1]):
        return f"has data_offsets {offsets!r}, not [begin, end]"
    if offsets[1] > data:
        return (f"ends at byte {offsets[1]} of the data but the file holds only {data}: the "
                f"file is truncated")
    nbytes = math.prod(shape) * np.dtype(_DTYPES[dtype]).itemsize
    if offsets[1] - offsets[0] != nbytes:
        return f"spans {offsets[1] - offsets[0]} bytes, but {dtype} of shape {shape} is {nbytes}"
    return None


def _verify(raw: bytes, header: dict, metadata: dict, start: int, bad) -> None:
    """Check the bytes against the checksums save wrote; files without them (written before
    wonderland kept checksums, or by another program) are taken as they are."""
    if _CHECKSUM_KEY not in metadata:
        return
    try:
        sums = json.loads(metadata[_CHECKSUM_KEY])
        hash_name, tensors, meta = sums["hash"], sums["tensors"], sums["metadata"]
        if not isinstance(tensors, dict):
            raise TypeError
    except (ValueError, TypeError, KeyError):
        raise bad(f"its {_CHECKSUM_KEY!r} metadata entry is ill-formed") from None
    if hash_name != _HASH:
        raise bad(f"its checksums are {hash_name!r}, which this version does not compute "
                  f"(verify=False loads it unchecked)")
    if tensors.keys() != header.keys():
        odd = sorted(tensors.keys() ^ header.keys())
        raise bad(f"its tensors and its checksums do not name the same tensors ({odd[:5]}): the "
                  f"header was altered after saving")
    view = memoryview(raw)
    for name, (begin, end) in ((n, e["data_offsets"]) for n, e in header.items()):
        if _digest(view[start + begin:start + end]) != tensors[name]:
            raise bad(f"tensor {name!r} does not match its checksum: its bytes changed after "
                      f"it was saved (verify=False loads it anyway)")
    rest = {k: v for k, v in metadata.items() if k != _CHECKSUM_KEY}
    if _metadata_digest(rest) != meta:
        raise bad("its metadata (for wl.save_state, the nested state's structure and plain "
                  "values) does not match its checksum: it changed after it was saved")


def _read(path: str | os.PathLike, fn: str, verify: bool) -> tuple[dict, dict]:
    """(arrays, metadata) of a safetensors file, checked (and its checksums verified)."""
    path = os.fspath(path)

    def bad(problem: str) -> CorruptFileError:
        return CorruptFileError(f"{fn}: cannot read {path}: {problem}")

    with open(path, "rb") as f:
        raw = f.read()
    header, metadata, start = _header(raw, bad)
    if verify:
        _verify(raw, header, metadata, start, bad)
    try:
        arrays = st.load(raw)
    except SafetensorError as e:  # what the checks above leave to the library: gaps, overlaps
        raise bad(f"not a valid safetensors file ({e})") from None
    metadata.pop(_CHECKSUM_KEY, None)
    return arrays, metadata


def save(state_dict: dict, path: str | os.PathLike, metadata: dict | None = None) -> None:
    """Write a {name: tensor} dict to `path` as safetensors, atomically, with a checksum of each
    tensor that load verifies; `metadata` is extra {str: str} for the header."""
    arrays = {}
    for name, t in state_dict.items():
        if not isinstance(t, Tensor):
            raise TypeError(f"save: '{name}' is a {type(t).__name__}; only tensors are saved "
                            f"(wl.save_state takes nested states with plain values)")
        arrays[name] = _as_array(t)
    _write(arrays, metadata, path, "save")


def load(path: str | os.PathLike, device=None, *, verify: bool = True) -> OrderedDict:
    """Read a safetensors file into a {name: tensor} dict. Raises CorruptFileError (a ValueError)
    naming the file and the fault if it is not a sound safetensors file or, unless verify=False,
    if a tensor no longer matches the checksum written by save."""
    arrays, _ = _read(path, "load", verify)
    return OrderedDict((name, Tensor(a, device=device)) for name, a in arrays.items())


def _encode(obj: Any, arrays: dict, where: str) -> Any:
    """obj as JSON-able data, with each tensor or array moved into `arrays` under a fresh key."""
    if isinstance(obj, (Tensor, np.ndarray)):
        key = f"a{len(arrays)}"
        arrays[key] = _as_array(obj)
        return {"__tensor__" if isinstance(obj, Tensor) else "__array__": key}
    if isinstance(obj, np.generic):
        return obj.item()
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, (list, tuple)):
        items = [_encode(v, arrays, f"{where}[{i}]") for i, v in enumerate(obj)]
        return items if isinstance(obj, list) else {"__tuple__": items}
    if isinstance(obj, dict):
        # JSON keys are strings: keep the pairs so int keys (optimizer state) come back as ints
        return {"__dict__": [[_encode(k, arrays, f"{where} key"), _encode(v, arrays, f"{where}"
                                                                          f"[{k!r}]")]
                             for k, v in obj.items()]}
    raise TypeError(f"save_state: {where} is a {type(obj).__name__}; only tensors, arrays, "
                    f"numbers, strings, booleans, None, lists, tuples and dicts are saved")


class _IllFormedError(Exception):
    """Raised while decoding a nested state that no save_state wrote; load_state names the file."""


def _decode(obj: Any, arrays: dict, device) -> Any:
    if isinstance(obj, list):
        return [_decode(v, arrays, device) for v in obj]
    if not isinstance(obj, dict):
        return obj
    tag, value = next(iter(obj.items())) if len(obj) == 1 else (None, None)
    if tag in ("__tensor__", "__array__"):
        if not isinstance(value, str) or value not in arrays:
            raise _IllFormedError(f"its state refers to array {value!r}, which the file does "
                                  f"not hold")
        return Tensor(arrays[value], device=device) if tag == "__tensor__" else arrays[value]
    if tag == "__tuple__" and isinstance(value, list):
        return tuple(_decode(v, arrays, device) for v in value)
    if tag == "__dict__" and isinstance(value, list) and all(
            isinstance(p, list) and len(p) == 2 for p in value):
        pairs = [(_decode(k, arrays, device), _decode(v, arrays, device)) for k, v in value]
        try:
            return dict(pairs)
        except TypeError:  # a list or dict as a key: no save_state writes one
            raise _IllFormedError("its state has a dict key that is not hashable") from None
    raise _IllFormedError(f"its state holds {json.dumps(obj)[:80]}, which no save_state writes")


def save_state(state: Any, path: str | os.PathLike) -> None:
    """Write a nested state (dicts, lists, tuples of tensors, arrays and plain values) to `path`
    as safetensors, atomically and with checksums; load_state gives back an equal structure."""
    arrays: dict = {}
    tree = json.dumps(_encode(state, arrays, "state"), allow_nan=True)
    _write(arrays, {_STATE_KEY: tree}, path, "save_state")


def load_state(path: str | os.PathLike, device=None, *, verify: bool = True) -> Any:
    """Read a file written by save_state: the same nesting, tensors as Tensors on `device`.
    Raises CorruptFileError naming the file and the fault as wl.load does (verify likewise)."""
    arrays, metadata = _read(path, "load_state", verify)
    where = f"load_state: cannot read {os.fspath(path)}"
    if _STATE_KEY not in metadata:
        raise CorruptFileError(f"{where}: it holds no nested state (it was not written by "
                               f"wl.save_state; wl.load reads plain tensor files)")
    try:
        tree = json.loads(metadata[_STATE_KEY])
    except ValueError:
        raise CorruptFileError(f"{where}: its {_STATE_KEY!r} entry is not JSON") from None
    try:
        return _decode(tree, arrays, device)
    except _IllFormedError as e:
        raise CorruptFileError(f"{where}: {e}") from None
