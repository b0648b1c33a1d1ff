"""Saving and loading state dicts as safetensors files: plain arrays and a JSON header, never
pickle, and written atomically (a temporary file in the same folder, then a rename), so a crash
mid-write never destroys the previous checkpoint."""
from __future__ import annotations

import os
import tempfile
from collections import OrderedDict

import numpy as np

from .core.tensor import Tensor


def _safetensors():
    try:
        from safetensors import numpy as st
    except ImportError:  # pragma: no cover - depends on what is installed
        raise ImportError("wl.save / wl.load need the safetensors package: "
                          "pip install safetensors (or wonderland[io])") from None
    return st


def save(state_dict: dict, path: str | os.PathLike, metadata: dict | None = None) -> None:
    """Write a {name: tensor} dict to `path` as safetensors, atomically."""
    arrays = {}
    for name, t in state_dict.items():
        if not isinstance(t, Tensor):
            raise TypeError(f"save: '{name}' is a {type(t).__name__}; only tensors are saved")
        arrays[name] = np.asarray(t.detach(), order="C")  # (ascontiguousarray would make 0-d 1-d)
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".safetensors")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(_safetensors().save(arrays, metadata=metadata))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load(path: str | os.PathLike, device=None) -> OrderedDict:
    """Read a safetensors file into a {name: tensor} dict."""
    with open(os.fspath(path), "rb") as f:
        arrays = _safetensors().load(f.read())
    return OrderedDict((name, Tensor(a, device=device)) for name, a in arrays.items())
