"""RNN, GRU, LSTM and their cells, with torch's arguments, parameter names and initialisation."""
# ruff: noqa: A002  (PyTorch's argument name `input`)
from __future__ import annotations

import math
import numbers
import warnings

from ...core.tensor import Tensor
from ...functional.recurrent import gru_cell, lstm_cell, recurrent, rnn_relu_cell, rnn_tanh_cell
from ...ops import cat, empty, pad, zeros
from .. import init
from ..module import Module
from ..parameter import Parameter
from ..utils.rnn import PackedSequence, pack_rows, pad_packed_sequence

__all__ = ["RNN", "GRU", "LSTM", "RNNCell", "GRUCell", "LSTMCell"]

GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "GRU": 3, "LSTM": 4}


def _check_input(layer: Module, x: Tensor, ranks: tuple[int, int], size: int) -> bool:
    """Whether x is batched; errors name the layer and the expected and actual shapes."""
    name = type(layer).__name__
    if x.ndim not in ranks:
        raise ValueError(f"{name}: expected input of {ranks[1]} dims (batched) or {ranks[0]} "
                         f"(unbatched), got shape {x.shape}")
    if x.shape[-1] != size:
        raise ValueError(f"{name}: expected input with last dim input_size={size}, got shape "
                         f"{x.shape}")
    return x.ndim == ranks[1]


def _check_state(layer: Module, what: str, state: Tensor, want: tuple) -> None:
    if state.shape != want:
        raise ValueError(f"{type(layer).__name__}: expected {what} of shape {want}, got "
                         f"{state.shape}")


class _RNNBase(Module):
    """Shared by RNN, GRU and LSTM: parameters per layer and direction, input checks, states."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device=None, dtype=None):
        super().__init__()
        name = type(self).__name__
        if not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1 \
                or isinstance(dropout, bool):
            raise ValueError(f"{name}: dropout should be a number in [0, 1], got {dropout!r}")
        if hidden_size <= 0 or num_layers <= 0:
            raise ValueError(f"{name}: hidden_size and num_layers must be positive, got "
                             f"{hidden_size} and {num_layers}")
        if proj_size < 0 or (proj_size and (mode != "LSTM" or proj_size >= hidden_size)):
            raise ValueError(f"{name}: proj_size must be 0, or (LSTM only) in [1, hidden_size), "
                             f"got {proj_size}")
        if dropout > 0 and num_layers == 1:
            warnings.warn(f"{name}: dropout acts between layers, so dropout={dropout} does "
                          f"nothing with num_layers=1", stacklevel=2)
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional, self.proj_size = float(dropout), bidirectional, proj_size
        out_size = proj_size or hidden_size
        gate_size = GATES[mode] * hidden_size
        self._weight_names: list[tuple[str, ...]] = []
        for layer in range(num_layers):
            for suffix in ("", "_reverse")[: 2 if bidirectional else 1]:
                n_in = input_size if layer == 0 else out_size * (2 if bidirectional else 1)
                shapes = {"weight_ih": (gate_size, n_in), "weight_hh": (gate_size, out_size)}
                if bias:
                    shapes.update(bias_ih=(gate_size,), bias_hh=(gate_size,))
                if proj_size:
                    shapes["weight_hr"] = (proj_size, hidden_size)
                names = []
                for base, shape in shapes.items():
                    names.append(f"{base}_l{layer}{suffix}")
                    setattr(self, names[-1], Parameter(empty(*shape, device=device, dtype=dtype)))
                self._weight_names.append(tuple(names))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias uniform on +-1/sqrt(hidden_size), as torch."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def _weights(self) -> list[tuple]:
        """Per layer and direction: (w_ih, w_hh, b_ih, b_hh[, w_hr]), biases None if absent."""
        out = []
        for names in self._weight_names:
            ws = [getattr(self, n) for n in names]
            if not self.bias:
                ws[2:2] = [None, None]
            out.append(tuple(ws))
        return out

    def flatten_parameters(self) -> None:
        """A no-op: torch packs the weights into one cuDNN buffer; here they stay apart."""

    def forward(self, input: Tensor | PackedSequence, hx=None):
        """input (L, N, H_in) ((N, L, H_in) if batch_first, or unbatched (L, H_in)) or a
        PackedSequence (then the output is one too); hx the initial state(s)
        (D * num_layers, N, H_out), zeros if not given."""
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx)
        x = input
        batched = _check_input(self, x, (2, 3), self.input_size)
        if not batched:
            x = x.unsqueeze(1)
        batch = x.shape[0 if self.batch_first and batched else 1]
        if batched and self.batch_first:
            x = x.transpose(0, 1)
        states = self._initial_states(hx, self._state_shapes(batch), x, batched)
        output, h_n = recurrent(self.mode, x, states if self.mode == "LSTM" else states[0],
                                self._weights(), self.num_layers, self.dropout, self.training,
                                self.bidirectional)
        if batched and self.batch_first:
            output = output.transpose(0, 1)
        if not batched:
            output = output.squeeze(1)
            h_n = tuple(h.squeeze(1) for h in h_n) if self.mode == "LSTM" else h_n.squeeze(1)
        return output, h_n

    def _state_shapes(self, batch: int) -> list[tuple]:
        dirs = 2 if self.bidirectional else 1
        shapes = [(dirs * self.num_layers, batch, self.proj_size or self.hidden_size)]
        if self.mode == "LSTM":
            shapes.append((dirs * self.num_layers, batch, self.hidden_size))
        return shapes

    def _forward_packed(self, packed: PackedSequence, hx):
        """Each run of equally long sequences goes through the stack on its own, so every
        sequence ends at its own length, as torch's packed recurrence (batch_first is ignored,
        as in torch). hx and h_n are in the batch order given to the packing."""
        if packed.data.ndim != 2 or packed.data.shape[1] != self.input_size:
            raise ValueError(f"{type(self).__name__}: expected PackedSequence data of shape "
                             f"(total steps, input_size={self.input_size}), got "
                             f"{packed.data.shape}")
        sizes = packed.batch_sizes.tolist()
        x, lengths = pad_packed_sequence(PackedSequence(packed.data, packed.batch_sizes))
        states = self._initial_states(hx, self._state_shapes(sizes[0]), x, True)
        if packed.sorted_indices is not None:
            states = [s.index_select(1, packed.sorted_indices) for s in states]
        lengths, outs, finals, start = lengths.tolist(), [], [], 0
        while start < len(lengths):
            stop = start + lengths.count(lengths[start])  # lengths decrease: one run
            n = lengths[start]
            group = [s[:, start:stop] for s in states]
            out, h_n = recurrent(self.mode, x[:n, start:stop],
                                 group if self.mode == "LSTM" else group[0], self._weights(),
                                 self.num_layers, self.dropout, self.training,
                                 self.bidirectional)
            outs.append(pad(out, (0, 0, 0, 0, 0, len(sizes) - n)))
            finals.append(h_n if self.mode == "LSTM" else (h_n,))
            start = stop
        h_n = [cat([f[i] for f in finals], 1) for i in range(len(finals[0]))]
        if packed.unsorted_indices is not None:
            h_n = [h.index_select(1, packed.unsorted_indices) for h in h_n]
        output = PackedSequence(pack_rows(cat(outs, 1), sizes), packed.batch_sizes,
                                packed.sorted_indices, packed.unsorted_indices)
        return output, (tuple(h_n) if self.mode == "LSTM" else h_n[0])

    def _initial_states(self, hx, shapes: list[tuple], x: Tensor, batched: bool) -> list:
        if hx is None:
            return [zeros(*s, dtype=x.dtype, device=x.device) for s in shapes]
        given = list(hx) if self.mode == "LSTM" else [hx]
        if self.mode == "LSTM" and len(given) != 2:
            raise ValueError("LSTM: hx must be a pair (h_0, c_0)")
        states = []
        for what, s, shape in zip(("h_0", "c_0"), given, shapes):
            want = shape if batched else shape[:1] + shape[2:]
            _check_state(self, what, s, want)
            states.append(s if batched else s.unsqueeze(1))
        return states

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        defaults = {"proj_size": 0, "num_layers": 1, "bias": True, "batch_first": False,
                    "dropout": 0.0, "bidirectional": False}
        for key, default in defaults.items():
            if getattr(self, key) != default:
                s += f", {key}={getattr(self, key)}"
        if self.mode == "RNN_RELU":
            s += ", nonlinearity='relu'"
        return s


class RNN(_RNNBase):
    """Elman RNN, h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh), act tanh or relu; returns
    (output, h_n) as torch.nn.RNN."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False, device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: unknown nonlinearity {nonlinearity!r}; use 'tanh' or 'relu'")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size,
                         hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype)
        self.nonlinearity = nonlinearity


class GRU(_RNNBase):
    """Gated recurrent unit layers (gates r, z, n as torch); returns (output, h_n)."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, device=device, dtype=dtype)


class LSTM(_RNNBase):
    """Long short-term memory layers (gates i, f, g, o as torch, optional proj_size); returns
    (output, (h_n, c_n))."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 proj_size: int = 0, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, proj_size, device=device, dtype=dtype)


class _CellBase(Module):
    """weight_ih (G*H, H_in), weight_hh (G*H, H), bias_ih, bias_hh; uniform +-1/sqrt(H)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, gates: int,
                 device=None, dtype=None):
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        self.weight_ih = Parameter(empty(gates * hidden_size, input_size, device=device,
                                         dtype=dtype))
        self.weight_hh = Parameter(empty(gates * hidden_size, hidden_size, device=device,
                                         dtype=dtype))
        for name in ("bias_ih", "bias_hh"):
            if bias:
                setattr(self, name, Parameter(empty(gates * hidden_size, device=device,
                                                    dtype=dtype)))
            else:
                self.register_parameter(name, None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def _prepare(self, x: Tensor, hx: Tensor | None, what: str = "hx"):
        batched = _check_input(self, x, (1, 2), self.input_size)
        want = (x.shape[0], self.hidden_size) if batched else (self.hidden_size,)
        if hx is None:
            hx = zeros(*want, dtype=x.dtype, device=x.device)
        _check_state(self, what, hx, want)
        return batched, (x, hx) if batched else (x.unsqueeze(0), hx.unsqueeze(0))

    def _args(self) -> tuple:
        return self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        return s if self.bias else s + ", bias=False"


class RNNCell(_CellBase):
    """One Elman RNN step: h' = act(W_ih x + b_ih + W_hh h + b_hh), act tanh or relu."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: unknown nonlinearity {nonlinearity!r}; use 'tanh' or "
                             f"'relu'")
        super().__init__(input_size, hidden_size, bias, 1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        batched, (x, h) = self._prepare(input, hx)
        cell = rnn_tanh_cell if self.nonlinearity == "tanh" else rnn_relu_cell
        h = cell(x, h, *self._args())
        return h if batched else h.squeeze(0)


class GRUCell(_CellBase):
    """One GRU step (torch's gates r, z, n)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None):
        super().__init__(input_size, hidden_size, bias, 3, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        batched, (x, h) = self._prepare(input, hx)
        h = gru_cell(x, h, *self._args())
        return h if batched else h.squeeze(0)


class LSTMCell(_CellBase):
    """One LSTM step (torch's gates i, f, g, o); hx = (h, c); returns (h', c')."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None):
        super().__init__(input_size, hidden_size, bias, 4, device=device, dtype=dtype)

    def forward(self, input: Tensor,
                hx: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor]:
        h0, c0 = (None, None) if hx is None else hx
        batched, (x, h) = self._prepare(input, h0, "h_0")
        _, (_, c) = self._prepare(input, c0, "c_0")
        h, c = lstm_cell(x, (h, c), *self._args())
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))
