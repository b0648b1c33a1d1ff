"""Variable-length sequences, as torch.nn.utils.rnn: pad_sequence, and PackedSequence (the steps
of a batch sorted by decreasing length, stored time-major without padding) with
pack_padded_sequence, pad_packed_sequence, pack_sequence and their inverses. RNN, GRU and LSTM
take and return PackedSequence."""
from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from ...core import dtype as dt
from ...core.tensor import Tensor
from ...ops import argsort, cat, full, stack, tensor

__all__ = ["PackedSequence", "pad_sequence", "pack_padded_sequence", "pad_packed_sequence",
           "pack_sequence", "unpack_sequence", "unpad_sequence", "invert_permutation"]


class PackedSequence(NamedTuple):
    """data (sum of lengths, *): step 0 of every sequence, then step 1 of those that have one,
    ...; batch_sizes (int64, on the CPU): how many sequences have each step; sorted_indices:
    the batch order of the packing (None: as given), unsorted_indices its inverse."""

    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None = None
    unsorted_indices: Tensor | None = None

    def to(self, *args, **kwargs) -> PackedSequence:
        """data moved or cast as Tensor.to; the indices follow data's device."""
        data = self.data.to(*args, **kwargs)
        indices = (None if i is None else i.to(device=data.device)
                   for i in (self.sorted_indices, self.unsorted_indices))
        return PackedSequence(data, self.batch_sizes, *indices)

    def cpu(self) -> PackedSequence:
        return self.to(device="cpu")

    def double(self) -> PackedSequence:
        return self.to(dtype=dt.float64)

    def float(self) -> PackedSequence:
        return self.to(dtype=dt.float32)

    @property
    def is_cuda(self) -> bool:
        return self.data.device.type == "cuda"


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The indices that undo `permutation` (None stays None)."""
    if permutation is None:
        return None
    return argsort(permutation)


def pad_sequence(sequences: Sequence[Tensor], batch_first: bool = False,
                 padding_value: float = 0.0, padding_side: str = "right") -> Tensor:
    """Tensors of shapes (L_i, *) padded to the longest and stacked: (max L, B, *), or
    (B, max L, *) if batch_first; padding after each sequence (padding_side 'right') or
    before it ('left')."""
    if padding_side not in ("left", "right"):
        raise ValueError(f"pad_sequence: expected padding_side to be one of left or right, but "
                         f"got {padding_side!r}")
    sequences = list(sequences)
    if not sequences:
        raise ValueError("pad_sequence: received an empty list of sequences")
    longest = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        fill = full((longest - s.shape[0], *s.shape[1:]), padding_value, dtype=s.dtype,
                    device=s.device)
        padded.append(cat([s, fill] if padding_side == "right" else [fill, s]))
    return stack(padded, 0 if batch_first else 1)


def _lengths(lengths, batch: int) -> list[int]:
    values = lengths.tolist() if isinstance(lengths, Tensor) else [int(n) for n in lengths]
    if len(values) != batch:
        raise ValueError(f"pack_padded_sequence: expected len(lengths) to be equal to "
                         f"batch_size, but got {len(values)} (batch_size={batch})")
    if any(n <= 0 for n in values):
        raise RuntimeError("pack_padded_sequence: length of all samples has to be greater than "
                           f"0, but found an element in 'lengths' that is <= 0: {values}")
    return values


def pack_rows(padded: Tensor, batch_sizes: Sequence[int]) -> Tensor:
    """The packed data of a sequence-first (T, B, *) tensor whose batch is sorted by decreasing
    length: the first batch_sizes[t] rows of each step t, joined."""
    return cat([padded[t, :n] for t, n in enumerate(batch_sizes)])


def pack_padded_sequence(input: Tensor, lengths, batch_first: bool = False,  # noqa: A002
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch (T, B, *) ((B, T, *) if batch_first) of sequences of the given
    lengths. enforce_sorted: the lengths must already decrease; otherwise the batch is sorted
    here and the order is remembered (sorted_indices) to be undone on unpacking."""
    batch_dim = 0 if batch_first else 1
    values = _lengths(lengths, input.shape[batch_dim])
    if max(values) > input.shape[1 - batch_dim]:
        raise ValueError(f"pack_padded_sequence: a length of {max(values)} exceeds the "
                         f"{input.shape[1 - batch_dim]} steps of the input of shape "
                         f"{input.shape} (batch_first={batch_first})")
    x, sorted_indices = input, None
    if enforce_sorted:
        if any(a < b for a, b in zip(values, values[1:])):
            raise RuntimeError("pack_padded_sequence: `lengths` array must be sorted in "
                               "decreasing order when `enforce_sorted` is True. You can pass "
                               "`enforce_sorted=False` to pack_padded_sequence and/or "
                               "pack_sequence to sidestep this requirement if you do not need "
                               "ONNX exportability.")
    else:
        sorted_indices = argsort(tensor(values), descending=True, stable=True)
        values = [values[i] for i in sorted_indices.tolist()]
        sorted_indices = sorted_indices.to(device=input.device)
        x = x.index_select(batch_dim, sorted_indices)
    if batch_first:
        x = x.transpose(0, 1)
    batch_sizes = [sum(n > t for n in values) for t in range(values[0])]
    return PackedSequence(pack_rows(x, batch_sizes), tensor(batch_sizes, dtype=dt.int64),
                          sorted_indices, invert_permutation(sorted_indices))


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False,
                        padding_value: float = 0.0,
                        total_length: int | None = None) -> tuple[Tensor, Tensor]:
    """Undo pack_padded_sequence: (padded (T, B, *) or (B, T, *), lengths int64 (B,)), in the
    batch order given to the packing; T is total_length if given, else the longest length."""
    sizes = sequence.batch_sizes.tolist()
    steps = len(sizes)
    if total_length is not None and total_length < steps:
        raise ValueError(f"pad_packed_sequence: expected total_length to be at least the "
                         f"length of the longest sequence in input, but got "
                         f"total_length={total_length} and max sequence length being {steps}")
    data, batch = sequence.data, sizes[0]
    rest, kw = data.shape[1:], dict(dtype=data.dtype, device=data.device)
    rows, start = [], 0
    for n in sizes:
        rows.append(cat([data[start:start + n], full((batch - n, *rest), padding_value, **kw)]))
        start += n
    for _ in range(steps, total_length or steps):
        rows.append(full((batch, *rest), padding_value, **kw))
    padded = stack(rows, 1 if batch_first else 0)
    lengths = tensor([sum(n > b for n in sizes) for b in range(batch)], dtype=dt.int64)
    if sequence.unsorted_indices is not None:
        padded = padded.index_select(0 if batch_first else 1, sequence.unsorted_indices)
        lengths = lengths[sequence.unsorted_indices.to(device="cpu")]
    return padded, lengths


def pack_sequence(sequences: Sequence[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of tensors (L_i, *) (decreasing lengths unless enforce_sorted=False)."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpad_sequence(padded_sequences: Tensor, lengths: Tensor,
                   batch_first: bool = False) -> list[Tensor]:
    """The list of sequences (L_i, *) of a padded batch, each cut to its length."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [padded_sequences[i, :n] for i, n in enumerate(lengths.tolist())]


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """The list of sequences (L_i, *) a PackedSequence holds, in their original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
