"""The safetensors container of wl.save: arrays and a string header, with a SHA-256 of each array
and of the metadata kept in the header, and every part checked on load, so that a file that is
empty, truncated, ill-formed or changed since it was saved raises CorruptFileError."""
from __future__ import annotations

import hashlib
import json
import math

import ml_dtypes
import numpy as np
from safetensors import numpy as st

CHECKSUM_KEY = "wonderland.checksums"
_HASH = "sha256"  # hashlib's, about as fast as a memory copy where the CPU has SHA instructions
# the safetensors dtypes NumPy holds
_DTYPES = {"F64": np.float64, "F32": np.float32, "F16": np.float16, "C64": np.complex64,
           "I64": np.int64, "I32": np.int32, "I16": np.int16, "I8": np.int8, "U64": np.uint64,
           "U32": np.uint32, "U16": np.uint16, "U8": np.uint8, "BOOL": np.bool_,
           "BF16": ml_dtypes.bfloat16}


def _digest(data) -> str:
    return hashlib.new(_HASH, data).hexdigest()


def _metadata_digest(metadata: dict) -> str:
    return _digest(json.dumps(metadata, sort_keys=True).encode())


def to_bytes(arrays: dict, metadata: dict | None, fn: str) -> bytes:
    """A safetensors file of arrays and {str: str} metadata, with the checksums load verifies."""
    metadata = dict(metadata or {})
    bad = [k for k, v in metadata.items() if not isinstance(k, str) or not isinstance(v, str)]
    if bad:
        raise TypeError(f"{fn}: metadata maps strings to strings; {bad[0]!r} does not")
    if CHECKSUM_KEY in metadata:
        raise ValueError(f"{fn}: the metadata key {CHECKSUM_KEY!r} is wonderland's own")
    # safetensors stores little-endian bytes: hash those (a view, no copy, on little-endian CPUs)
    tensors = {name: _digest(np.asarray(a, dtype=a.dtype.newbyteorder("<")))
               for name, a in arrays.items()}
    metadata[CHECKSUM_KEY] = json.dumps({"hash": _HASH, "tensors": tensors,
                                         "metadata": _metadata_digest(metadata)})
    return st.save(arrays, metadata=metadata)


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
    end = 0  # the tensors tile the data, in some order, with neither gaps nor overlaps
    for name, entry in sorted(header.items(), key=lambda item: item[1]["data_offsets"]):
        if entry["data_offsets"][0] != end:
            raise bad(f"not a valid safetensors file (tensor {name!r} has data_offsets "
                      f"{entry['data_offsets']}, where byte {end} was next: a gap or overlap)")
        end = entry["data_offsets"][1]
    if end != data:
        raise bad(f"not a valid safetensors file (its tensors end at byte {end} of the data, "
                  f"but {data} bytes follow the header)")
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
    if CHECKSUM_KEY not in metadata:
        return
    try:
        sums = json.loads(metadata[CHECKSUM_KEY])
        hash_name, tensors, meta = sums["hash"], sums["tensors"], sums["metadata"]
        if not isinstance(tensors, dict):
            raise TypeError
    except (ValueError, TypeError, KeyError):
        raise bad(f"its {CHECKSUM_KEY!r} metadata entry is ill-formed") from None
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
    rest = {k: v for k, v in metadata.items() if k != CHECKSUM_KEY}
    if _metadata_digest(rest) != meta:
        raise bad("its metadata (the nested structure and plain values wl.save keeps there) "
                  "does not match its checksum: it changed after it was saved")


def from_bytes(raw: bytes, bad, verify: bool) -> tuple[dict, dict]:
    """(arrays, metadata) of a safetensors file's bytes, checked (and, if verify, its
    checksums); `bad(problem)` makes the CorruptFileError that names the file."""
    header, metadata, start = _header(raw, bad)
    if verify:
        _verify(raw, header, metadata, start, bad)
    arrays = {}
    for name, entry in header.items():
        dtype = np.dtype(_DTYPES[entry["dtype"]])
        flat = np.frombuffer(raw, dtype.newbyteorder("<"), math.prod(entry["shape"]),
                             start + entry["data_offsets"][0])
        arrays[name] = flat.reshape(entry["shape"]).astype(dtype)  # a copy, native byte order
    metadata.pop(CHECKSUM_KEY, None)
    return arrays, metadata
