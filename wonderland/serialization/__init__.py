"""wl.save / wl.load: checkpoints as safetensors files, never pickle. Any nesting of dicts, lists,
tuples and sets of tensors, arrays, numbers, strings, booleans and None round-trips with its exact
types (tuples stay tuples, int keys stay ints); the tensors go into the safetensors body and the
structure into a JSON entry of its header. A whole Module (or other plain object) is saved as its
class name and attributes, and loads back only where the program allows its class, as PyTorch's
weights_only loads do (safe_globals). Paths are written atomically; open binary files and
io.BytesIO work too. Loads are checked (CorruptFileError names the file and the fault), and
wl.load also reads PyTorch's own .pt/.pth files of tensors and containers without torch and
without running code from them (see torch_files)."""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np

from ..core.device import Device
from ..core.tensor import Tensor
from . import allowlist, files, safetensors_io, structure, torch_files
from .allowlist import add_safe_globals, clear_safe_globals, get_safe_globals, safe_globals
from .files import CorruptFileError, PathOrFile
from .torch_files import UnsafeFileError

__all__ = ["save", "load", "save_state", "load_state", "CorruptFileError", "UnsafeFileError",
           "safe_globals", "add_safe_globals", "get_safe_globals", "clear_safe_globals"]

_STATE_KEY = "wonderland.state"  # the JSON structure, in the safetensors header's metadata


def _save(obj: Any, f: PathOrFile, metadata: dict | None, fn: str, where: str) -> None:
    if metadata and _STATE_KEY in metadata:
        raise ValueError(f"{fn}: the metadata key {_STATE_KEY!r} is wonderland's own")
    tree, arrays = structure.encode(obj, fn, where)
    data = safetensors_io.to_bytes(arrays, {**(metadata or {}), _STATE_KEY: tree}, fn)
    files.write_bytes(f, data)


def save(obj: Any, f: PathOrFile, metadata: dict | None = None) -> None:
    """Write obj (a tensor, or dicts, lists and tuples of tensors and plain values: a state_dict,
    a whole checkpoint, even a whole Module) to a path, atomically, or into a binary file object,
    as safetensors with checksums; `metadata` is extra {str: str} for the header. Code (functions,
    classes) raises TypeError, and so does an Optimizer (its state is keyed by tensors): save its
    state_dict()."""
    _save(obj, f, metadata, "save", "obj")


def save_state(state: Any, f: PathOrFile) -> None:
    """wl.save under its older name (errors name the object `state`)."""
    _save(state, f, None, "save_state", "state")


def _placer(map_location: Any, fn: str, file: str) -> Callable:
    """place(array, requires_grad, location) -> Tensor, where map_location says (as torch.load's:
    None keeps each tensor where it was saved; a device or string moves all; a dict maps saved
    locations to new ones; a callable gets (tensor, saved location) and returns the tensor)."""
    def place(array: np.ndarray, requires_grad: bool = False, location: Any = "cpu") -> Tensor:
        target = location
        if isinstance(map_location, (str, Device)):
            target = map_location
        elif isinstance(map_location, dict):
            target = map_location.get(location, location)
        if callable(map_location):
            return map_location(Tensor(array, requires_grad=requires_grad), location)
        try:
            return Tensor(array, device=target, requires_grad=requires_grad)
        except RuntimeError as e:  # a device this machine has no backend for
            hint = (f"{file} holds tensors saved on {target}; pass map_location='cpu' to load "
                    f"them on the CPU" if map_location is None else f"map_location={target!r}")
            raise RuntimeError(f"{fn}: {hint}: {e}") from None
    return place


def _load(f: PathOrFile, map_location: Any, verify: bool, fn: str) -> Any:
    file = files.describe(f)
    raw = files.read_bytes(f)
    place = _placer(map_location, fn, file)
    if torch_files.is_torch_file(raw):
        return torch_files.load_torch(raw, file, place)

    def bad(problem: str) -> CorruptFileError:
        return CorruptFileError(f"{fn}: cannot read {file}: {problem}")

    arrays, metadata = safetensors_io.from_bytes(raw, bad, verify)
    if _STATE_KEY not in metadata:  # a plain {name: tensor} file, as other programs write them
        return OrderedDict((name, place(a)) for name, a in arrays.items())
    try:
        return structure.decode(metadata[_STATE_KEY], arrays, place)
    except structure.IllFormedError as e:
        raise bad(str(e)) from None
    except structure.DisallowedClassesError as e:
        names = e.names
        raise UnsafeFileError(
            f"{fn}: {file} holds {', '.join(names)}, which wonderland brings back only when "
            f"the program allows them (it never imports or runs what a file names): load inside "
            f"`with wl.serialization.safe_globals([...]):` or call "
            f"wl.serialization.add_safe_globals([...]) with those classes and functions, or "
            f"save and load the state_dict() instead") from None


def load(f: PathOrFile, map_location: Any = None, *, weights_only: bool | None = None,
         verify: bool = True) -> Any:
    """Read what wl.save wrote (the same structure and types), a plain safetensors file (a
    {name: tensor} dict) or a file of torch.save (tensors and containers; anything else in its
    pickle raises UnsafeFileError naming it, and nothing in the file is ever run, whatever
    weights_only says). A saved Module or other object comes back only when its class is allowed
    (safe_globals, add_safe_globals); otherwise UnsafeFileError names every class needed. A
    damaged file raises CorruptFileError (a ValueError) naming the file and the fault;
    verify=False skips the checksums written by wl.save."""
    del weights_only  # accepted as torch.load's; the allowlist holds whatever it says
    return _load(f, map_location, verify, "load")


def load_state(f: PathOrFile, map_location: Any = None, *, verify: bool = True) -> Any:
    """wl.load under its older name."""
    return _load(f, map_location, verify, "load_state")
