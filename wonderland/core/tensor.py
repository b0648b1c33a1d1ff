"""The Tensor: an array on a device, plus what autodiff needs (its tape node, tangents, grad).

Math methods and operators (x.exp(), x @ y, x[idx] ...) are attached by wonderland.ops, which
defines them; this file holds only what a tensor is."""
from __future__ import annotations

import numpy as np

from . import dtype as dt
from .device import Device, as_device, cpu
from .grad_mode import is_grad_enabled


class Node:
    """A tape entry: the primitive that made a tensor and the tensors it read.

    `inputs` is set to None once backward has consumed the node without retain_graph, which both
    frees the saved tensors and lets a second backward say clearly what went wrong. `where` (the
    user code that ran the op) is set only in anomaly mode: read it as getattr(n, "where", None).
    `versions` (the storage versions of the inputs, then the output, when the node was made) is
    set only once some in-place op has run (core/inplace.py): getattr(n, "versions", None)."""

    __slots__ = ("prim", "inputs", "where", "versions")

    def __init__(self, prim, inputs):
        self.prim = prim
        self.inputs = inputs


class Tensor:
    """An n-dimensional array with reverse- and forward-mode automatic differentiation."""

    __slots__ = ("_data", "_device", "_requires_grad", "grad", "_node", "_tangents",
                 "_retains_grad", "_hooks", "__weakref__")
    __array_priority__ = 1000  # so numpy_array * tensor calls Tensor.__rmul__
    _vlevel = None  # the vmap level of a BatchedTensor (core/batching.py); None for the rest

    def __init__(self, *args, dtype=None, device=None, requires_grad: bool = False):
        """Tensor(data) holds a copy of data (as wl.tensor); PyTorch's legacy Tensor(d0, d1, ...)
        with integer sizes, and Tensor(), make zeros of that shape (PyTorch leaves them
        uninitialised) in the default float dtype: Tensor(5) has shape (5,), as in PyTorch
        (`nn.Parameter(torch.Tensor(out_features))` is a common way to make a bias)."""
        if all(_is_size(a) for a in args):
            float_dtype = dt.as_dtype(dt.get_default_dtype() if dtype is None else dtype)
            array = np.zeros(args or (0,), dtype=float_dtype.np_dtype)
        else:
            given = [dtype, device, requires_grad]
            given[:len(args) - 1] = args[1:]  # the older positional dtype, device, requires_grad
            dtype, device, requires_grad = given
            array = _to_array(args[0], dtype)
        Tensor._init(self, array, as_device(device))
        if requires_grad:
            self.requires_grad = True

    def _init(self, data, device: Device):
        self._data = data
        self._device = device
        self._requires_grad = False
        self.grad = None
        self._node = None
        self._tangents = None
        self._retains_grad = False
        self._hooks = None

    @staticmethod
    def _make(data, device: Device = cpu) -> Tensor:
        """Wrap a backend array without copying or checking (the fast path for op outputs)."""
        t = object.__new__(Tensor)
        Tensor._init(t, data, device)
        return t

    # --- what it is ---------------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self._data.shape  # a tuple already (NumPy and CuPy)

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def dtype(self) -> dt.DType:
        return dt.from_numpy(self._data.dtype)

    @property
    def device(self) -> Device:
        return self._device

    @property
    def is_floating_point(self) -> bool:
        return dt.is_floating_np(self._data.dtype)

    def size(self, dim: int | None = None):
        return self.shape if dim is None else self.shape[dim]

    def dim(self) -> int:
        return self.ndim

    def numel(self) -> int:
        return int(self._data.size)

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    # --- leaving the framework ----------------------------------------------------------------
    def numpy(self) -> np.ndarray:
        """The values as a NumPy array (shares memory on the CPU; refuses if grad is recorded)."""
        if self.requires_grad:
            raise RuntimeError("numpy(): tensor requires grad; call .detach().numpy() instead")
        return self._device.backend.to_numpy(self._data)

    def __array__(self, dtype=None, copy=None):
        a = self._device.backend.to_numpy(self._data)
        return a if dtype is None else a.astype(dtype)

    def item(self):
        if self.numel() != 1:
            raise ValueError(f"item(): expected a tensor with one element, got shape {self.shape}")
        return self._device.backend.to_numpy(self._data).reshape(()).item()

    def tolist(self):
        return self._device.backend.to_numpy(self._data).tolist()

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __format__(self, spec: str) -> str:
        """A 0-d tensor formats as its number (f"{loss:.3f}"); any other tensor takes only an
        empty spec (f"{t}"), as in PyTorch, whose message this is."""
        if self.ndim == 0:
            return format(self.item(), spec)
        if spec:
            raise TypeError("unsupported format string passed to Tensor.__format__")
        return str(self)

    def __bool__(self) -> bool:
        if self.numel() != 1:
            raise RuntimeError(f"the truth value of a tensor of shape {self.shape} is ambiguous")
        return bool(self.item())

    def __index__(self) -> int:
        if self.dtype.kind != 1 or self.numel() != 1:
            raise TypeError("only one-element integer tensors can be used as an index")
        return int(self.item())

    __hash__ = object.__hash__

    # --- autodiff state -----------------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        if self._node is not None:
            raise RuntimeError("requires_grad can only be changed on leaf tensors; "
                               "use .detach() to get a new leaf")
        if flag and not self.is_floating_point:
            raise RuntimeError(f"only floating point tensors can require gradients, "
                               f"got dtype {self.dtype.name}")
        self._requires_grad = bool(flag)

    def requires_grad_(self, flag: bool = True) -> Tensor:
        self.requires_grad = flag
        return self

    @property
    def is_leaf(self) -> bool:
        return self._node is None

    @property
    def grad_fn(self):
        return None if self._node is None else self._node.prim

    def detach(self) -> Tensor:
        """The same values (shared memory), cut from the tape and from forward-mode tangents."""
        return self._shallow()

    def _values(self) -> np.ndarray:
        """Every value this tensor stands for (all examples, inside vmap): for argument checks
        and branches that must hold for the whole batch, never for results."""
        return self._device.backend.to_numpy(self._data)

    @property
    def data(self) -> Tensor:
        """The values without the tape (as detach()); assigning replaces them in place."""
        return self.detach()

    @data.setter
    def data(self, value: Tensor) -> None:
        # In place, for optimizers and load_state_dict: whoever holds this tensor (an optimizer, a
        # module) sees the new values. Shape, dtype and device must stay as they are.
        if not isinstance(value, Tensor):
            raise TypeError(f"data: expected a tensor, got {type(value).__name__}")
        if value._vlevel is not None or self._vlevel is not None:
            raise RuntimeError("data: cannot assign values in place inside vmap (a batched "
                               "tensor has one value per example)")
        if (value.shape, value.dtype, value.device) != (self.shape, self.dtype, self.device):
            raise ValueError(f"data: cannot replace a {self.dtype.name} tensor of shape "
                             f"{self.shape} on {self.device} with a {value.dtype.name} tensor "
                             f"of shape {value.shape} on {value.device}")
        self._data = value._data

    def _shallow(self) -> Tensor:
        """A new tensor over the same memory, with no autodiff state."""
        return Tensor._make(self._data, self._device)

    def retain_grad(self) -> None:
        """Keep .grad on this non-leaf tensor after backward."""
        if not self._requires_grad:
            raise RuntimeError("retain_grad() on a tensor that does not require grad")
        self._retains_grad = True

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def register_hook(self, hook):
        """Call hook(grad) when this tensor's gradient is computed; a returned tensor replaces it.

        Returns a handle whose remove() unregisters the hook."""
        if not self._requires_grad:
            raise RuntimeError("register_hook() on a tensor that does not require grad")
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        return _HookHandle(self._hooks, hook)

    def backward(self, gradient=None, retain_graph: bool | None = None,
                 create_graph: bool = False, inputs=None) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's .grad (see wonderland.autodiff.reverse)."""
        from ..autodiff.reverse import backward

        backward(self, gradient, retain_graph=retain_graph, create_graph=create_graph,
                 inputs=inputs)

    # --- devices ------------------------------------------------------------------------------
    def to(self, device=None, dtype=None, non_blocking: bool = False,
           copy: bool = False) -> Tensor:
        """Move to a device and/or cast to a dtype (x.to(other) takes other's); returns self
        when nothing changes unless copy=True. non_blocking has no effect: copies here are
        synchronous."""
        if isinstance(device, Tensor):
            device, dtype = device.device, device.dtype
        if isinstance(device, (dt.DType, type)) and dtype is None:
            device, dtype = None, device
        out = self
        if dtype is not None and dt.as_dtype(dtype) is not self.dtype:
            out = out.type(dtype)
        if device is not None and as_device(device) != self._device:
            from ..ops.device import to_device

            out = to_device(out, as_device(device))
        return out.clone() if copy and out is self else out

    def cpu(self) -> Tensor:
        return self.to("cpu")

    # --- printing -----------------------------------------------------------------------------
    def __repr__(self) -> str:
        a = self._device.backend.to_numpy(self._data)
        body = np.array2string(a, separator=", ", precision=4, prefix="tensor(",
                               threshold=1000, edgeitems=3)
        extras = []
        if self._device.type != "cpu":
            extras.append(f"device='{self._device}'")
        default = {dt.get_default_dtype().name, "int64", "bool"}
        if self.dtype.name not in default or a.size == 0:
            extras.append(f"dtype={self.dtype.name}")
        if self._node is not None:
            extras.append(f"grad_fn=<{self._node.prim.name}>")
        elif self._requires_grad:
            extras.append("requires_grad=True")
        if self._tangents:
            extras.append("dual")
        return "tensor(" + ", ".join([body] + extras) + ")"


class _HookHandle:
    def __init__(self, hooks, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


def _to_array(data, dtype=None) -> np.ndarray:
    """Turn Python data or arrays into a NumPy array with wonderland's dtype defaults."""
    typed = isinstance(data, (Tensor, np.ndarray, np.generic))  # these keep their own dtype
    if isinstance(data, Tensor):
        arr = data._device.backend.to_numpy(data._data)
    else:
        try:
            arr = np.asarray(_untensor(data) if isinstance(data, (list, tuple))
                             and _has_tensors(data) else data)
        except ValueError as e:  # NumPy's words for a ragged list are about its own internals
            raise ValueError(f"cannot make a tensor from a ragged nested sequence: every "
                             f"list at one depth must have the same length ({e})") from None
    if dtype is not None:
        return np.array(arr, dtype=dt.as_dtype(dtype).np_dtype)  # always a copy, as torch.tensor
    if dt.is_floating_np(arr.dtype):
        want = arr.dtype if typed else dt.get_default_dtype().np_dtype
    elif arr.dtype.kind in "iu":
        want = arr.dtype if typed else np.dtype(np.int64)
    elif arr.dtype.kind == "b":
        want = arr.dtype
    else:
        raise TypeError(f"cannot make a tensor from data of type {arr.dtype} "
                        f"({type(data).__name__}); expected numbers")
    dt.from_numpy(want)  # rejects NumPy dtypes with no wonderland equivalent (e.g. uint32)
    return np.array(arr, dtype=want)


def _is_size(a) -> bool:
    return isinstance(a, (int, np.integer)) and not isinstance(a, (bool, np.bool_))


def _has_tensors(seq) -> bool:
    return any(isinstance(x, Tensor) or (isinstance(x, (list, tuple)) and _has_tensors(x))
               for x in seq)


def _untensor(seq):
    return [x.item() if isinstance(x, Tensor) and x.ndim == 0
            else (x.tolist() if isinstance(x, Tensor) else
                  (_untensor(x) if isinstance(x, (list, tuple)) else x)) for x in seq]


def is_tensor(x) -> bool:
    return isinstance(x, Tensor)


__all__ = ["Tensor", "Node", "is_tensor", "is_grad_enabled"]
