"""PyTorch twins of the reference models: the same layers under the same parameter names, so a
state dict moves between them unchanged."""
import torch
from torch import nn


class LogisticRegression(nn.Module):
    def __init__(self, in_features=40, num_classes=10):
        super().__init__()
        self.linear = nn.Linear(in_features, num_classes)

    def forward(self, x):
        return self.linear(x.flatten(1))


class MLP(nn.Module):
    def __init__(self, in_features=40, hidden=(100, 100), num_classes=10, residual=True,
                 dropout=0.0):
        super().__init__()
        widths = [in_features, *hidden]
        self.hidden = nn.ModuleList(nn.Linear(a, b) for a, b in zip(widths[:-1], widths[1:]))
        self.head = nn.Linear(widths[-1], num_classes)
        self.dropout = nn.Dropout(dropout)
        self.residual = residual

    def forward(self, x):
        h = x.flatten(1)
        for i, layer in enumerate(self.hidden):
            z = torch.relu(layer(h))
            h = self.dropout(h + z if self.residual and i > 0 and z.shape == h.shape else z)
        return self.head(h)


class ConvNet1d(nn.Module):
    def __init__(self, in_length=40, channels=25, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv1d(1, channels, 5, stride=2, padding=1)
        self.conv2 = nn.Conv1d(channels, channels, 3, stride=2, padding=1)
        self.conv3 = nn.Conv1d(channels, channels, 3, stride=2, padding=1)
        with torch.no_grad():  # the flattened size, found by running the convolutions once
            n = self._features(torch.zeros(1, 1, in_length)).shape[1]
        self.linear = nn.Linear(n, num_classes)

    def _features(self, x):
        for conv in (self.conv1, self.conv2, self.conv3):
            x = torch.relu(conv(x))
        return x.flatten(1)

    def forward(self, x):
        return self.linear(self._features(x.view(x.shape[0], 1, -1)))


class ConvNet2d(nn.Module):
    def __init__(self, in_channels=1, image_size=28, channels=(32, 64), hidden=None,
                 num_classes=10, dropout=0.5):
        super().__init__()
        widths = [in_channels, *channels]
        self.convs = nn.ModuleList(nn.Conv2d(a, b, 3) for a, b in zip(widths[:-1], widths[1:]))
        with torch.no_grad():
            n = self._features(torch.zeros(1, in_channels, image_size, image_size)).shape[1]
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(n, hidden) if hidden else None
        self.head = nn.Linear(hidden or n, num_classes)

    def _features(self, x):
        for conv in self.convs:
            x = nn.functional.max_pool2d(torch.relu(conv(x)), 2)
        return x.flatten(1)

    def forward(self, x):
        h = self.dropout(self._features(x))
        if self.fc is not None:
            h = self.dropout(torch.relu(self.fc(h)))
        return self.head(h)


class GRUClassifier(nn.Module):
    def __init__(self, seq_len=40, hidden_size=6, num_classes=10, bidirectional=True,
                 input_size=1):
        super().__init__()
        self.gru = nn.GRU(input_size, hidden_size, batch_first=True, bidirectional=bidirectional)
        self.linear = nn.Linear(seq_len * hidden_size * (2 if bidirectional else 1), num_classes)

    def forward(self, x):
        out, _ = self.gru(x.view(*x.shape[:2], -1))
        return self.linear(out.reshape(out.shape[0], -1))


# --- GPT: nanoGPT's layers under the same names, with a key/value cache for generation -----------
def rotate(x, cos, sin):
    x1, x2 = x.chunk(2, -1)
    return x * cos + torch.cat([-x2, x1], -1) * sin


class TwinAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c, self.hd = c, c.n_embd // c.n_head
        self.c_attn = nn.Linear(c.n_embd, (c.n_head + 2 * c.n_kv_head) * self.hd, bias=c.bias)
        self.c_proj = nn.Linear(c.n_embd, c.n_embd, bias=c.bias)

    def forward(self, x, rope, past=None):
        b, t, e = x.shape
        kv = self.c.n_kv_head * self.hd
        q, k, v = self.c_attn(x).split([e, kv, kv], dim=2)
        q = q.view(b, t, self.c.n_head, self.hd).transpose(1, 2)
        k, v = (z.view(b, t, self.c.n_kv_head, self.hd).transpose(1, 2) for z in (k, v))
        if rope is not None:
            q, k = rotate(q, *rope), rotate(k, *rope)
        if past is not None:  # generation, one new position at a time after the cached ones
            k, v = torch.cat([past[0], k], 2), torch.cat([past[1], v], 2)
        rep = self.c.n_head // self.c.n_kv_head  # grouped-query: each kv head serves rep queries
        kr, vr = k.repeat_interleave(rep, 1), v.repeat_interleave(rep, 1)
        y = nn.functional.scaled_dot_product_attention(q, kr, vr, is_causal=past is None)
        return self.c_proj(y.transpose(1, 2).reshape(b, t, e)), (k, v)


class TwinMLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.swiglu = c.mlp == "swiglu"
        hidden = c.swiglu_hidden if self.swiglu else 4 * c.n_embd
        self.c_fc = nn.Linear(c.n_embd, hidden * (2 if self.swiglu else 1), bias=c.bias)
        self.c_proj = nn.Linear(hidden, c.n_embd, bias=c.bias)

    def forward(self, x):
        h = self.c_fc(x)
        if self.swiglu:
            gate, up = h.chunk(2, -1)
            return self.c_proj(nn.functional.silu(gate) * up)
        return self.c_proj(nn.functional.gelu(h))


def twin_norm(c):
    return nn.RMSNorm(c.n_embd) if c.norm == "rmsnorm" else nn.LayerNorm(c.n_embd, bias=c.bias)


class TwinBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.ln_1, self.attn, self.ln_2, self.mlp = (twin_norm(c), TwinAttention(c),
                                                     twin_norm(c), TwinMLP(c))

    def forward(self, x, rope, past=None):
        a, kv = self.attn(self.ln_1(x), rope, past)
        x = x + a
        return x + self.mlp(self.ln_2(x)), kv


class TwinGPT(nn.Module):
    def __init__(self, c, inv_freq=None):
        super().__init__()
        parts = dict(wte=nn.Embedding(c.vocab_size, c.n_embd))
        if c.positions == "learned":
            parts["wpe"] = nn.Embedding(c.block_size, c.n_embd)
        parts.update(h=nn.ModuleList(TwinBlock(c) for _ in range(c.n_layer)), ln_f=twin_norm(c))
        self.transformer = nn.ModuleDict(parts)
        self.lm_head = nn.Linear(c.n_embd, c.vocab_size, bias=False)
        if c.tie_weights:
            self.lm_head.weight = self.transformer.wte.weight
        self.inv_freq = inv_freq

    def forward(self, idx, cache=None):
        """Logits; with `cache` (a list, empty at first) the positions follow the cached ones
        (one at a time after the first call) and each layer's keys and values are kept."""
        start = cache[0][0].shape[2] if cache else 0
        pos = torch.arange(start, start + idx.shape[1])
        x, rope = self.transformer.wte(idx), None
        if "wpe" in self.transformer:
            x = x + self.transformer.wpe(pos)
        else:
            angles = pos[:, None].to(self.inv_freq.dtype) * self.inv_freq
            angles = torch.cat([angles, angles], -1)
            rope = angles.cos().to(x.dtype), angles.sin().to(x.dtype)
        pasts = list(cache) if cache else [None] * len(self.transformer.h)
        for i, block in enumerate(self.transformer.h):
            x, pasts[i] = block(x, rope, pasts[i])
        if cache is not None:
            cache[:] = pasts
        return self.lm_head(self.transformer.ln_f(x))


def greedy_twin(twin, idx, steps, block, use_cache=False):
    """nanoGPT's greedy loop in torch: the last block of context each step, or with use_cache
    each new position alone after the prompt, recomputing the cropped context (as wonderland's
    GPT does) once the cache would pass block."""
    with torch.no_grad():
        cache = None
        for _ in range(steps):
            if use_cache and cache and idx.shape[1] <= block:
                logits = twin(idx[:, -1:], cache)
            else:
                cache = [] if use_cache and idx.shape[1] < block else None
                logits = twin(idx[:, -block:], cache)
            idx = torch.cat([idx, logits[:, -1].argmax(-1, keepdim=True)], 1)
    return idx
