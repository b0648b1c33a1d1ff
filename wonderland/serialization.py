"""Saving and loading as safetensors files: plain arrays and a JSON header, never pickle, and
written atomically (a temporary file in the same folder, then a rename), so a crash mid-write
never destroys the previous file.

`save`/`load` take a flat {name: tensor} dict (a state_dict). `save_state`/`load_state` take any
nesting of dicts, lists and tuples holding tensors, arrays, numbers, strings, booleans and None
(a checkpoint: model, optimizer, scheduler and RNG states together): the arrays go into the
safetensors body and the structure, with the plain values, into one JSON metadata entry."""
from __future__ import annotations

import json
import os
from collections import OrderedDict
from typing import Any

import numpy as np

from .atomic import write_atomic
from .core.tensor import Tensor

_STATE_KEY = "wonderland.state"


def _safetensors():
    try:
        from safetensors import numpy as st
    except ImportError:  # pragma: no cover - depends on what is installed
        raise ImportError("wl.save / wl.load need the safetensors package: "
                          "pip install safetensors (or wonderland[io])") from None
    return st


def _as_array(t) -> np.ndarray:
    # np.asarray(order="C") rather than ascontiguousarray, which would make 0-d arrays 1-d
    return np.asarray(t.detach() if isinstance(t, Tensor) else t, order="C")


def _read(path: str | os.PathLike) -> tuple[dict, dict]:
    """(arrays, metadata) of a safetensors file."""
    with open(os.fspath(path), "rb") as f:
        raw = f.read()
    header_len = int.from_bytes(raw[:8], "little")
    metadata = json.loads(raw[8:8 + header_len]).get("__metadata__", {})
    return _safetensors().load(raw), metadata


def save(state_dict: dict, path: str | os.PathLike, metadata: dict | None = None) -> None:
    """Write a {name: tensor} dict to `path` as safetensors, atomically."""
    arrays = {}
    for name, t in state_dict.items():
        if not isinstance(t, Tensor):
            raise TypeError(f"save: '{name}' is a {type(t).__name__}; only tensors are saved "
                            f"(wl.save_state takes nested states with plain values)")
        arrays[name] = _as_array(t)
    write_atomic(path, _safetensors().save(arrays, metadata=metadata))


def load(path: str | os.PathLike, device=None) -> OrderedDict:
    """Read a safetensors file into a {name: tensor} dict."""
    arrays, _ = _read(path)
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


def _decode(obj: Any, arrays: dict, device) -> Any:
    if isinstance(obj, list):
        return [_decode(v, arrays, device) for v in obj]
    if isinstance(obj, dict):
        if "__tensor__" in obj:
            return Tensor(arrays[obj["__tensor__"]], device=device)
        if "__array__" in obj:
            return arrays[obj["__array__"]]
        if "__tuple__" in obj:
            return tuple(_decode(v, arrays, device) for v in obj["__tuple__"])
        return {_decode(k, arrays, device): _decode(v, arrays, device) for k, v in obj["__dict__"]}
    return obj


def save_state(state: Any, path: str | os.PathLike) -> None:
    """Write a nested state (dicts, lists, tuples of tensors, arrays and plain values) to `path`
    as safetensors, atomically; load_state gives back an equal structure."""
    arrays: dict = {}
    tree = json.dumps(_encode(state, arrays, "state"), allow_nan=True)
    write_atomic(path, _safetensors().save(arrays, metadata={_STATE_KEY: tree}))


def load_state(path: str | os.PathLike, device=None) -> Any:
    """Read a file written by save_state: the same nesting, tensors as Tensors on `device`."""
    arrays, metadata = _read(path)
    if _STATE_KEY not in metadata:
        raise ValueError(f"load_state: {os.fspath(path)} holds no nested state (it was not "
                         f"written by wl.save_state; wl.load reads plain tensor files)")
    return _decode(json.loads(metadata[_STATE_KEY]), arrays, device)
