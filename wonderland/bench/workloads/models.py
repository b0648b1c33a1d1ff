"""The models of the training-step workloads, written once over a PyTorch-like namespace (nn, F)
so that wonderland and torch run the same architecture: MLP, CNN, a small GPT, a GRU."""
from __future__ import annotations

from types import SimpleNamespace


def library(system: str) -> SimpleNamespace:
    """nn, F, optim, from_numpy and arange of 'wonderland' or 'torch'."""
    if system == "torch":
        import torch

        return SimpleNamespace(nn=torch.nn, F=torch.nn.functional, optim=torch.optim,
                               from_numpy=torch.from_numpy, arange=torch.arange,
                               seed=torch.manual_seed)
    if system == "wonderland":
        import wonderland as wl

        return SimpleNamespace(nn=wl.nn, F=wl.nn.functional, optim=wl.optim,
                               from_numpy=wl.from_numpy, arange=wl.arange, seed=wl.manual_seed)
    raise ValueError(f"no PyTorch-like namespace for system {system!r}")


def mlp(lib: SimpleNamespace, sizes: tuple[int, ...]):
    """Linear layers with ReLU between them: sizes (784, 512, 512, 10)."""
    nn, layers = lib.nn, []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers += [nn.Linear(n_in, n_out)] + ([nn.ReLU()] if i < len(sizes) - 2 else [])
    return nn.Sequential(*layers)


def cnn(lib: SimpleNamespace, c1: int, c2: int, classes: int = 10):
    """conv(1->c1, 3x3) ReLU maxpool2 conv(c1->c2, 3x3) ReLU maxpool2 linear(c2*5*5 -> classes)
    on 1x28x28 images."""
    nn = lib.nn
    return nn.Sequential(nn.Conv2d(1, c1, 3), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(c1, c2, 3), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(c2 * 5 * 5, classes))


def gpt(lib: SimpleNamespace, vocab: int, d: int, heads: int, layers: int, seq: int):
    """A decoder-only transformer: token + position embeddings, pre-LayerNorm blocks (causal
    scaled-dot-product attention with `heads` heads, GELU MLP 4x), final LayerNorm, linear head."""
    nn, functional, arange = lib.nn, lib.F, lib.arange

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
            self.qkv, self.proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
            self.fc, self.out = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)

        def forward(self, x):
            b, t, _ = x.shape
            qkv = self.qkv(self.ln1(x)).reshape(b, t, 3, heads, d // heads)
            q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)  # each (b, heads, t, d / heads)
            a = functional.scaled_dot_product_attention(q, k, v, is_causal=True)
            x = x + self.proj(a.transpose(1, 2).reshape(b, t, d))
            return x + self.out(functional.gelu(self.fc(self.ln2(x))))

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.tok, self.pos = nn.Embedding(vocab, d), nn.Embedding(seq, d)
            self.blocks = nn.ModuleList([Block() for _ in range(layers)])
            self.ln, self.head = nn.LayerNorm(d), nn.Linear(d, vocab)

        def forward(self, idx):
            x = self.tok(idx) + self.pos(arange(idx.shape[1]))
            for block in self.blocks:
                x = block(x)
            return self.head(self.ln(x))

    return GPT()


def gru(lib: SimpleNamespace, input_size: int, hidden: int, classes: int = 10):
    """A one-layer GRU (batch first) read to the end; a linear head on the last output."""
    nn = lib.nn

    class GRUHead(nn.Module):
        def __init__(self):
            super().__init__()
            self.gru, self.head = nn.GRU(input_size, hidden, batch_first=True), \
                nn.Linear(hidden, classes)

        def forward(self, x):
            out, _ = self.gru(x)
            return self.head(out[:, -1])

    return GRUHead()
