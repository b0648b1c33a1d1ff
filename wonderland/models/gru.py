"""MNIST-1D's GRU classifier (Greydanus & Kobak 2020, notebooks/models.py of
github.com/greydanus/mnist1d): the 40 numbers of an example are read as a sequence of 40 scalar
time steps by a bidirectional GRU with 6 hidden units per direction; the outputs of every step,
concatenated (40 * 2 * 6 = 480), feed one Linear. 5,134 parameters."""
from __future__ import annotations

from ..core.tensor import Tensor
from ..nn import GRU, Linear, Module

__all__ = ["GRUClassifier"]


class GRUClassifier(Module):
    """x (N, L) is read as L steps of one feature (or x (N, L, input_size) as is), starting from
    a zero state; scores = Linear(all L outputs flattened). seq_len must match L because the
    head sees every step, not only the last."""

    def __init__(self, seq_len: int = 40, hidden_size: int = 6, num_classes: int = 10,
                 bidirectional: bool = True, input_size: int = 1) -> None:
        super().__init__()
        self.seq_len = seq_len
        self.gru = GRU(input_size, hidden_size, batch_first=True, bidirectional=bidirectional)
        directions = 2 if bidirectional else 1
        self.linear = Linear(seq_len * directions * hidden_size, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim == 2:
            x = x.unsqueeze(-1)
        if x.shape[1] != self.seq_len:
            raise ValueError(f"GRUClassifier: built for sequences of {self.seq_len} steps, got "
                             f"input of shape {x.shape}")
        out, _ = self.gru(x)  # (N, L, directions * hidden); no state given means zeros
        return self.linear(out.flatten(1))
