"""A character-level recurrent language model in the style of Karpathy's char-rnn (2015): characters
in, a multi-layer GRU or LSTM, the next character's logits out; generation carries the recurrent
state from one character to the next."""
from __future__ import annotations

from .. import ops
from ..core.grad_mode import no_grad
from ..core.random import Generator
from ..core.tensor import Tensor
from ..nn import GRU, LSTM, Dropout, Embedding, Linear, Module
from .sampling import sample_next

__all__ = ["CharRNN"]

_CELLS = {"gru": GRU, "lstm": LSTM}


class CharRNN(Module):
    """idx (B, T) int64 -> embedding -> num_layers-deep GRU/LSTM (batch_first) -> dropout ->
    Linear -> logits (B, T, vocab_size), with the final state (h, or (h, c) for an LSTM; each
    (num_layers, B, hidden_size)) to pass back in and continue the text.

    As in char-rnn, dropout acts between the recurrent layers and on the top layer's output.
    Differences from the original: a learned embedding (embedding_dim, default hidden_size)
    replaces the one-hot input, which is the same function when embedding_dim >= vocab_size and
    fewer parameters otherwise; GRU is offered beside LSTM and the plain RNN is not; the weights
    start at PyTorch's defaults, not char-rnn's uniform(-0.08, 0.08); and generation can be
    limited to the top-k or top-p tokens."""

    def __init__(self, vocab_size: int, hidden_size: int = 512, num_layers: int = 2,
                 cell: str = "gru", dropout: float = 0.0, embedding_dim: int | None = None):
        super().__init__()
        if cell not in _CELLS:
            raise ValueError(f"CharRNN: cell must be one of {sorted(_CELLS)}, got {cell!r}")
        embedding_dim = hidden_size if embedding_dim is None else embedding_dim
        self.vocab_size, self.hidden_size, self.num_layers, self.cell = (
            vocab_size, hidden_size, num_layers, cell)
        self.embedding = Embedding(vocab_size, embedding_dim)
        self.rnn = _CELLS[cell](embedding_dim, hidden_size, num_layers, batch_first=True,
                                dropout=dropout if num_layers > 1 else 0.0)
        self.dropout = Dropout(dropout)
        self.head = Linear(hidden_size, vocab_size)

    def forward(self, idx: Tensor, state=None) -> tuple[Tensor, Tensor | tuple[Tensor, Tensor]]:
        """The logits (B, T, vocab_size) of the character after each position of idx (B, T),
        starting from `state` (zeros when None), and the state after the last position."""
        if idx.ndim != 2:
            raise ValueError(f"CharRNN: expected idx of shape (batch, time), got {idx.shape}")
        out, state = self.rnn(self.embedding(idx), state)
        return self.head(self.dropout(out)), state

    def generate(self, idx: Tensor, max_new_tokens: int, temperature: float = 1.0,
                 top_k: int | None = None, top_p: float | None = None,
                 generator: Generator | None = None) -> Tensor:
        """idx (B, T) followed by max_new_tokens sampled characters, (B, T + max_new_tokens).
        The prompt runs once; then each new character alone advances the carried state.
        temperature 0 is greedy; see sampling.sample_next. Call eval() first to turn off
        dropout."""
        if max_new_tokens < 0:
            raise ValueError(f"CharRNN: max_new_tokens must be >= 0, got {max_new_tokens}")
        with no_grad():
            logits, state = self(idx)
            tokens = [idx]
            for step in range(max_new_tokens):
                nxt = sample_next(logits[:, -1], temperature, top_k, top_p, generator)
                tokens.append(nxt)
                if step + 1 < max_new_tokens:  # the last character's logits are never used
                    logits, state = self(nxt, state)
            return ops.cat(tokens, dim=1)
