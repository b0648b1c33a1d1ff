"""PyTorch's own .pt/.pth files (torch.save's zip format and its legacy format), read without
torch and without running code from the file: a restricted unpickler takes its globals only from
an allow-list (the tensor rebuilders, storage types, dtypes, torch.Size, torch.device,
OrderedDict and a few builtins: what torch.load(weights_only=True) accepts for tensors and plain
containers) and refuses any other by name."""
from __future__ import annotations

import builtins
import io
import pickle
import zipfile
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from ..core import dtype as dt
from ..core.device import Device
from ..core.tensor import Tensor
from .files import CorruptFileError

ZIP_MAGIC = b"PK\x03\x04"
_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
_LEGACY_PREFIX = b"\x80\x02\x8a\x0a" + _LEGACY_MAGIC.to_bytes(10, "little")  # pickle of the magic
_STORAGES = {"DoubleStorage": "float64", "FloatStorage": "float32", "HalfStorage": "float16",
             "BFloat16Storage": "bfloat16", "LongStorage": "int64", "IntStorage": "int32",
             "ShortStorage": "int16", "CharStorage": "int8", "ByteStorage": "uint8",
             "BoolStorage": "bool", "ComplexFloatStorage": "complex64",
             "ComplexDoubleStorage": "complex128"}
_DTYPES = {*_STORAGES.values(), "uint16", "uint32", "uint64"}


class UnsafeFileError(pickle.UnpicklingError):
    """A torch file whose pickle asks for something besides tensors and plain containers."""


class _UnsupportedError(TypeError):
    """A tensor of a kind wonderland has not (a dtype, a lazy conj view)."""


def is_torch_file(raw: bytes) -> bool:
    return raw.startswith(ZIP_MAGIC) or raw.startswith(_LEGACY_PREFIX)


# The objects the pickle gets hash by identity (eq=False), as a dict key built from them needs
@dataclass(eq=False)
class _TorchDType:
    name: str  # torch's name: 'float32', 'bfloat16' ...


@dataclass(eq=False)
class _StorageKind:
    dtype: str | None  # None: an UntypedStorage (bytes), whose tensors name their dtype


@dataclass(eq=False)
class _Storage:
    """A storage the pickle refers to; its bytes stay with the reader (out of the pickle's reach:
    the pickle's BUILD opcode can reset the attributes of any object it made)."""
    key: Any
    dtype: str | None
    location: Any
    numel: Any
    view: Any = None  # a legacy view: (root key, first element)


@dataclass(eq=False)
class _Record:
    """A tensor the pickle asked for, made once the storages are read."""
    storage: Any
    offset: Any
    size: Any
    stride: Any
    requires_grad: Any = False
    dtype: Any = None


def _rebuild(storage, offset, size, stride, requires_grad=False, hooks=None, metadata=None):
    if metadata:  # conj / neg bits: lazy views wonderland has no equivalent of
        raise _UnsupportedError(f"a tensor with metadata {metadata!r} (a lazy conj or neg view)")
    return _Record(storage, offset, size, stride, requires_grad)


def _rebuild_v3(storage, offset, size, stride, requires_grad, hooks, dtype, metadata=None):
    record = _rebuild(storage, offset, size, stride, requires_grad, hooks, metadata)
    record.dtype = dtype
    return record


def _rebuild_parameter(data, requires_grad, hooks, state=None):
    if isinstance(data, _Record):
        data.requires_grad = requires_grad
    return data


def _bytes(text: str, encoding: str = "latin1") -> bytes:  # how protocol 2 pickles bytes
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise TypeError(f"_codecs.encode({type(text).__name__}, {encoding!r})")
    return text.encode("latin1")


_BUILTINS = {name: getattr(builtins, name) for name in ("set", "frozenset", "complex", "bytearray")}
# Each lookup gives a fresh object (a partial, a marker), so that whatever the pickle does to
# what it got (BUILD sets attributes) stays within this one load; builtin types are immutable.
_ALLOWED: dict[tuple[str, str], Callable[[], Any]] = {
    ("collections", "OrderedDict"): lambda: OrderedDict,
    ("torch", "Size"): lambda: tuple,
    **{("torch._utils", name): (lambda f=f: partial(f)) for name, f in (
        ("_rebuild_tensor", _rebuild), ("_rebuild_tensor_v2", _rebuild),
        ("_rebuild_tensor_v3", _rebuild_v3), ("_rebuild_parameter", _rebuild_parameter),
        ("_rebuild_parameter_with_state", _rebuild_parameter))},
    ("torch", "device"): lambda: partial(Device),
    ("_codecs", "encode"): lambda: partial(_bytes),
    **{(module, name): (lambda t=t: t) for module in ("builtins", "__builtin__")
       for name, t in _BUILTINS.items()},
    ("torch.storage", "UntypedStorage"): lambda: _StorageKind(None),
    **{("torch", name): (lambda d=dtype: _StorageKind(d)) for name, dtype in _STORAGES.items()},
    **{("torch", name): (lambda n=name: _TorchDType(n)) for name in _DTYPES},
}
_ALLOWED_NAMES = "torch tensors and storages, dtypes, torch.Size, torch.device, OrderedDict"


class _Unpickler(pickle.Unpickler):
    """Globals only from _ALLOWED; storages from `storage(key, dtype, location, numel, view)`."""

    def __init__(self, file, name: str, storage: Callable | None):
        super().__init__(file)
        self._name, self._storage = name, storage

    def find_class(self, module: str, name: str) -> Any:
        make = _ALLOWED.get((module, name))
        if make is None:
            raise UnsafeFileError(
                f"load: refused {self._name}: its pickle asks for the global {module}.{name}, "
                f"which is not one of the {_ALLOWED_NAMES} a checkpoint of tensors holds. "
                f"wonderland never runs code from a file; save plain state (state_dict()) "
                f"instead of objects")
        return make()

    def persistent_load(self, pid: Any) -> Any:
        if (self._storage is None or not isinstance(pid, tuple) or len(pid) not in (5, 6)
                or pid[0] != "storage" or not isinstance(pid[1], _StorageKind)):
            raise pickle.UnpicklingError(f"a persistent id {str(pid)[:80]} that is no storage")
        return self._storage(pid[2], pid[1].dtype, pid[3], pid[4], pid[5] if len(pid) == 6
                             else None)


def _dtype(name: Any) -> dt.DType:
    """wonderland's dtype of torch's name for it."""
    found = next((d for d in dt.ALL if d.name == name), None)
    if found is None:
        raise _UnsupportedError(f"it holds torch.{name}, a dtype wonderland does not "
                                f"have (it has {', '.join(d.name for d in dt.ALL)})")
    return found


def _array(record: _Record, data: dict, file: str, byteorder: str) -> tuple[np.ndarray, Any]:
    """(the tensor's values, the storage's location) of a record, checked against its storage
    (data: {key: its bytes})."""
    storage, offset, size, stride = record.storage, record.offset, record.size, record.stride
    if not (isinstance(storage, _Storage) and type(offset) is int and offset >= 0
            and isinstance(size, tuple) and isinstance(stride, tuple) and len(size) == len(stride)
            and all(type(n) is int and n >= 0 for n in size + stride)):
        raise CorruptFileError(f"load: cannot read {file}: a tensor record is ill-formed")
    name = storage.dtype or (record.dtype.name if isinstance(record.dtype, _TorchDType) else "?")
    dtype = _dtype(name).np_dtype.newbyteorder("<" if byteorder == "little" else ">")
    raw = data.get(storage.key if storage.view is None else storage.view[0])
    if not isinstance(raw, np.ndarray) or raw.size % dtype.itemsize:
        raise CorruptFileError(f"load: cannot read {file}: storage {storage.key!r} is missing "
                               f"or cut short")
    raw = raw.view(dtype)
    if storage.view is not None:  # a legacy view: numel elements of the root from start
        raw = raw[storage.view[1]:][:storage.numel]
    if all(size) and offset + sum((n - 1) * s for n, s in zip(size, stride)) >= raw.size:
        raise CorruptFileError(f"load: cannot read {file}: a tensor of size {size}, stride "
                               f"{stride} from offset {offset} overruns its storage of "
                               f"{raw.size} elements")
    strides = tuple(s * dtype.itemsize for s in stride)
    values = (np.lib.stride_tricks.as_strided(raw[offset:], size, strides, writeable=False)
              if all(size) else np.empty(size, dtype))
    return values.astype(dtype.newbyteorder("=")), storage.location


def _finish(obj: Any, make: Callable, file: str, made: dict) -> Any:
    """obj with each record made into a tensor (once: shared stays shared) and each dtype into
    wonderland's; anything but plain data left by the pickle is refused."""
    if isinstance(obj, _Record):
        if id(obj) not in made:
            made[id(obj)] = make(obj)
        return made[id(obj)]
    if type(obj) in (bool, int, float, complex, str, bytes, bytearray, type(None), Device):
        return obj
    if isinstance(obj, _TorchDType):
        return _dtype(obj.name)
    if id(obj) in made:  # a list or dict reached again (the pickle may build cycles)
        return made[id(obj)]
    made[id(obj)] = obj
    if type(obj) is list:
        obj[:] = [_finish(v, make, file, made) for v in obj]
        return obj
    if type(obj) in (dict, OrderedDict):  # keys too: a dtype or a tensor may be one
        items = [(_finish(k, make, file, made), _finish(v, make, file, made))
                 for k, v in obj.items()]
        obj.clear()
        obj.update(items)
        return obj
    if type(obj) in (tuple, set, frozenset):
        made[id(obj)] = type(obj)(_finish(v, make, file, made) for v in obj)
        return made[id(obj)]
    raise CorruptFileError(f"load: cannot read {file}: its pickle leaves a "
                           f"{type(obj).__name__}, which is not a tensor or plain data")


def _plain(f, file: str) -> Any:
    """One pickle with no storages (the legacy format's preamble and storage list)."""
    return _Unpickler(f, file, None).load()


def _unpickle_zip(raw: bytes, file: str) -> tuple[Any, dict, str]:
    """(the pickled object, {storage key: its bytes}, byte order) of torch.save's zip format."""
    archive = zipfile.ZipFile(io.BytesIO(raw))
    names = archive.namelist()
    pkl = [n for n in names if n.endswith("/data.pkl") and n.count("/") == 1]
    if not pkl:
        raise CorruptFileError(f"load: cannot read {file}: a zip archive without data.pkl, not "
                               f"a file of torch.save")
    prefix = pkl[0][:-len("data.pkl")]
    byteorder = (archive.read(prefix + "byteorder").decode() if prefix + "byteorder" in names
                 else "little")
    data: dict = {}

    def storage(key, dtype, location, numel, view):
        if key not in data:
            data[key] = np.frombuffer(archive.read(f"{prefix}data/{key}"), np.uint8)
        return _Storage(key, dtype, location, numel)

    return _Unpickler(io.BytesIO(archive.read(pkl[0])), file, storage).load(), data, byteorder


def _unpickle_legacy(raw: bytes, file: str) -> tuple[Any, dict, str]:
    """The same for the format before torch 1.6: pickles, then the storages' bytes in a row."""
    f = io.BytesIO(raw)
    _plain(f, file), _plain(f, file)  # the magic number and the protocol version
    info = _plain(f, file)
    byteorder = "little" if not isinstance(info, dict) or info.get("little_endian", True) else "big"
    dtypes: dict = {}

    def storage(key, dtype, location, numel, view):
        dtypes[key] = dtype
        if view is None:
            return _Storage(key, dtype, location, numel)
        view_key, start, view_numel = view  # an old torch's view: part of the root storage
        return _Storage(view_key, dtype, location, view_numel, (key, start))

    obj = _Unpickler(f, file, storage).load()
    data: dict = {}
    for key in _plain(f, file):  # then each storage: its element count (8 bytes), its bytes
        itemsize = _dtype(dtypes[key]).np_dtype.itemsize if dtypes.get(key) else 1
        count = int.from_bytes(f.read(8), byteorder)
        data[key] = np.frombuffer(f.read(count * itemsize), np.uint8)
    return obj, data, byteorder


def load_torch(raw: bytes, file: str, place: Callable) -> Any:
    """The tensors and containers of a torch.save file's bytes; place(array, requires_grad,
    location) makes each tensor."""
    unpickle = _unpickle_zip if raw.startswith(ZIP_MAGIC) else _unpickle_legacy
    try:
        obj, data, byteorder = unpickle(raw, file)

        def make(record: _Record) -> Tensor:
            values, location = _array(record, data, file, byteorder)
            return place(values, bool(record.requires_grad), location)

        return _finish(obj, make, file, {})
    except (UnsafeFileError, CorruptFileError):
        raise
    except _UnsupportedError as e:
        raise TypeError(f"load: cannot read {file}: {e}") from None
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, KeyError, IndexError,
            AttributeError, zipfile.BadZipFile) as e:  # what a damaged or forged file gives
        raise CorruptFileError(f"load: cannot read {file}: it is not a sound torch.save file "
                               f"({type(e).__name__}: {e})") from None
