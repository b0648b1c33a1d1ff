"""GPT: a decoder-only Transformer language model in nanoGPT's shape (pre-norm blocks, GPT-2
initialisation, tied embeddings, nanoGPT's parameter names), with the modern options RMSNorm,
rotary positions, SwiGLU and grouped-query attention, and a key/value cache for generation."""
from __future__ import annotations

import math
from dataclasses import dataclass

from .. import ops
from ..core import dtype as dt
from ..core.grad_mode import no_grad
from ..core.random import Generator
from ..core.tensor import Tensor
from ..functional import cross_entropy, gelu, silu
from ..functional.attention import apply_rotary, scaled_dot_product_attention
from ..nn import Dropout, Embedding, LayerNorm, Linear, Module, ModuleDict, ModuleList, init
from ..nn.layers.attention import RotaryEmbedding
from ..nn.layers.norm import RMSNorm
from ..optim import AdamW
from .sampling import sample_next

__all__ = ["GPTConfig", "GPT", "KVCache", "decay_groups"]


@dataclass
class GPTConfig:
    """GPT-2's hyperparameters (vocab_size, block_size = the longest context, n_layer, n_head,
    n_embd, dropout, bias in Linear and LayerNorm) and the modern options:

    - norm: "layernorm" (GPT-2) or "rmsnorm" (LLaMA): RMSNorm skips the mean and the bias,
      cheaper and as good in practice.
    - positions: "learned" (GPT-2's wpe table) or "rotary" (RoPE): queries and keys rotate by
      their position, so attention sees relative offsets and no table is learned.
    - mlp: "gelu" (4 n_embd hidden units) or "swiglu" (silu(gate) * up, LLaMA's; its hidden
      size int(2 * 4 n_embd / 3) rounded up to a multiple of 64 keeps the parameter count of
      the 4x MLP while staying friendly to matrix-multiply tiles; LLaMA rounds to 256).
    - n_kv_head: None means n_head; fewer is grouped-query attention (each key/value head is
      shared by n_head / n_kv_head query heads), which shrinks the generation cache.
    - tie_weights: lm_head shares the token embedding's matrix (GPT-2's; saves vocab * n_embd).
    """
    vocab_size: int = 50304
    block_size: int = 1024
    n_layer: int = 12
    n_head: int = 12
    n_embd: int = 768
    dropout: float = 0.0
    bias: bool = True
    norm: str = "layernorm"
    positions: str = "learned"
    mlp: str = "gelu"
    n_kv_head: int | None = None
    tie_weights: bool = True

    def __post_init__(self) -> None:
        for field, allowed in (("norm", ("layernorm", "rmsnorm")),
                               ("positions", ("learned", "rotary")), ("mlp", ("gelu", "swiglu"))):
            if getattr(self, field) not in allowed:
                raise ValueError(f"GPTConfig: {field} must be one of {allowed}, got "
                                 f"{getattr(self, field)!r}")
        if self.n_embd % self.n_head:
            raise ValueError(f"GPTConfig: n_embd {self.n_embd} must be divisible by n_head "
                             f"{self.n_head}")
        if self.n_kv_head is None:
            self.n_kv_head = self.n_head
        if self.n_kv_head < 1 or self.n_head % self.n_kv_head:
            raise ValueError(f"GPTConfig: n_head {self.n_head} must be a multiple of n_kv_head "
                             f"{self.n_kv_head}")

    @property
    def swiglu_hidden(self) -> int:
        return -(-int(2 * 4 * self.n_embd / 3) // 64) * 64


class KVCache:
    """Keys and values (batch, n_kv_head, length, head_dim) of every layer for the positions a
    forward has seen so far; GPT.forward(idx, cache=...) reads and extends it."""

    def __init__(self, n_layer: int) -> None:
        self.layers: list[tuple[Tensor, Tensor] | None] = [None] * n_layer

    @property
    def length(self) -> int:
        return 0 if self.layers[0] is None else self.layers[0][0].shape[-2]


def _norm(config: GPTConfig) -> Module:
    if config.norm == "rmsnorm":
        return RMSNorm(config.n_embd)
    return LayerNorm(config.n_embd, bias=config.bias)


class CausalSelfAttention(Module):
    """Multi-head causal self-attention. c_attn projects to the queries (n_head heads) and the
    keys and values (n_kv_head heads each) in one matrix, as nanoGPT's c_attn when n_kv_head ==
    n_head; c_proj is the residual output projection."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.n_head, self.n_kv_head = config.n_head, config.n_kv_head
        self.head_dim = config.n_embd // config.n_head
        width = (config.n_head + 2 * config.n_kv_head) * self.head_dim
        self.c_attn = Linear(config.n_embd, width, bias=config.bias)
        self.c_proj = Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.resid_dropout = Dropout(config.dropout)
        self.dropout = config.dropout

    def forward(self, x: Tensor, rotary: tuple[Tensor, Tensor] | None = None,
                past: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, tuple]:
        """x (B, T, C) -> (y (B, T, C), (keys, values) of the past and these T positions)."""
        b, t, c = x.shape
        hd, kv = self.head_dim, self.n_kv_head * self.head_dim
        q, k, v = self.c_attn(x).split([c, kv, kv], dim=2)
        q = q.reshape(b, t, self.n_head, hd).transpose(1, 2)  # (B, heads, T, head_dim)
        k = k.reshape(b, t, self.n_kv_head, hd).transpose(1, 2)
        v = v.reshape(b, t, self.n_kv_head, hd).transpose(1, 2)
        if rotary is not None:
            q, k = apply_rotary(q, *rotary), apply_rotary(k, *rotary)
        mask = None
        if past is not None:
            k, v = ops.cat([past[0], k], 2), ops.cat([past[1], v], 2)
            if t > 1:  # new query i sees the past and the new positions up to its own
                s = k.shape[2]
                mask = ops.tril(ops.ones(t, s, dtype=dt.bool_, device=x.device), diagonal=s - t)
        y = scaled_dot_product_attention(
            q, k, v, attn_mask=mask, is_causal=past is None and t > 1,
            dropout_p=self.dropout if self.training else 0.0, enable_gqa=kv != c)
        y = y.transpose(1, 2).reshape(b, t, c)
        return self.resid_dropout(self.c_proj(y)), (k, v)


class MLP(Module):
    """c_fc -> GELU -> c_proj (4 n_embd hidden), or SwiGLU: c_fc gives [gate, up] (one matrix,
    the gate's rows first), c_proj(silu(gate) * up)."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.swiglu = config.mlp == "swiglu"
        hidden = config.swiglu_hidden if self.swiglu else 4 * config.n_embd
        self.c_fc = Linear(config.n_embd, 2 * hidden if self.swiglu else hidden, bias=config.bias)
        self.c_proj = Linear(hidden, config.n_embd, bias=config.bias)
        self.dropout = Dropout(config.dropout)

    def forward(self, x: Tensor) -> Tensor:
        h = self.c_fc(x)
        if self.swiglu:
            gate, up = h.chunk(2, -1)
            h = silu(gate) * up
        else:
            h = gelu(h)
        return self.dropout(self.c_proj(h))


class Block(Module):
    """Pre-norm residual block: x + attn(ln_1(x)), then x + mlp(ln_2(x))."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.ln_1, self.attn = _norm(config), CausalSelfAttention(config)
        self.ln_2, self.mlp = _norm(config), MLP(config)

    def forward(self, x: Tensor, rotary=None, past=None) -> tuple[Tensor, tuple]:
        a, kv = self.attn(self.ln_1(x), rotary, past)
        x = x + a
        return x + self.mlp(self.ln_2(x)), kv


class GPT(Module):
    """idx (B, T) int64 token ids -> logits (B, T, vocab_size). Parameter names follow nanoGPT
    (transformer.wte/wpe/h.{i}/ln_f, lm_head), so a PyTorch twin's state_dict maps 1:1."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.config = config
        parts = dict(wte=Embedding(config.vocab_size, config.n_embd))
        if config.positions == "learned":
            parts["wpe"] = Embedding(config.block_size, config.n_embd)
        parts.update(drop=Dropout(config.dropout),
                     h=ModuleList(Block(config) for _ in range(config.n_layer)),
                     ln_f=_norm(config))
        self.transformer = ModuleDict(parts)
        self.lm_head = Linear(config.n_embd, config.vocab_size, bias=False)
        if config.tie_weights:
            self.lm_head.weight = self.transformer.wte.weight
        self.rotary = (RotaryEmbedding(config.n_embd // config.n_head)
                       if config.positions == "rotary" else None)
        self._init_weights()

    def _init_weights(self) -> None:
        """GPT-2's: N(0, 0.02) weights, zero biases, and the residual projections (c_proj)
        N(0, 0.02 / sqrt(2 n_layer)), so the residual stream's variance stays put with depth."""
        for m in self.modules():
            if isinstance(m, (Linear, Embedding)):
                init.normal_(m.weight, 0.0, 0.02)
            if isinstance(m, Linear) and m.bias is not None:
                init.zeros_(m.bias)
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):
                init.normal_(p, 0.0, 0.02 / math.sqrt(2 * self.config.n_layer))

    def num_parameters(self, non_embedding: bool = False, trainable_only: bool = False) -> int:
        """Parameter count (a tied matrix once); non_embedding leaves out the position table,
        as nanoGPT's get_num_params (the token table stays: it is also the output layer)."""
        n = super().num_parameters(trainable_only)
        if non_embedding and "wpe" in self.transformer:
            n -= self.transformer.wpe.weight.numel()
        return n

    def forward(self, idx: Tensor, cache: KVCache | None = None) -> Tensor:
        """idx (B, T) -> logits (B, T, vocab_size). With a cache, idx holds the positions that
        follow the cached ones; their keys and values are appended to it."""
        b, t = idx.shape
        past = 0 if cache is None else cache.length
        if past + t > self.config.block_size:
            raise ValueError(f"GPT.forward: {t} positions (after {past} cached) exceed "
                             f"block_size {self.config.block_size}")
        pos = ops.arange(past, past + t, device=idx.device)
        x = self.transformer.wte(idx)
        if self.rotary is None:
            x = x + self.transformer.wpe(pos)
        x = self.transformer.drop(x)
        rotary = None if self.rotary is None else [r.to(dtype=x.dtype) for r in self.rotary(pos)]
        for i, block in enumerate(self.transformer.h):
            x, kv = block(x, rotary, None if cache is None else cache.layers[i])
            if cache is not None:
                cache.layers[i] = kv
        return self.lm_head(self.transformer.ln_f(x))

    def loss(self, idx: Tensor, targets: Tensor) -> Tensor:
        """Mean cross-entropy of the next-token logits against targets (B, T); -1 is ignored."""
        logits = self(idx)
        return cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1),
                             ignore_index=-1)

    @no_grad()
    def generate(self, idx: Tensor, max_new_tokens: int, temperature: float = 1.0,
                 top_k: int | None = None, top_p: float | None = None,
                 generator: Generator | None = None, use_cache: bool = True) -> Tensor:
        """idx (B, T) extended by max_new_tokens tokens chosen by sampling.sample_next -> int64
        (B, T + max_new_tokens). Call eval() first to turn dropout off, as nanoGPT. With the
        cache each new token runs only its own position through the blocks; once the context
        outgrows block_size, each step crops it to the last block_size tokens and recomputes
        them all (nanoGPT's sliding window: positions shift, so cached keys no longer fit)."""
        idx = idx.to(dtype=dt.int64)
        block = self.config.block_size
        cache = None
        for _ in range(max_new_tokens):
            if not use_cache:
                logits = self(idx[:, -block:])
            elif cache is None or cache.length >= block:  # start, or restart on the window
                cache = KVCache(self.config.n_layer)
                logits = self(idx[:, -block:], cache)
            else:
                logits = self(idx[:, -1:], cache)
            token = sample_next(logits[:, -1, :], temperature, top_k, top_p, generator)
            idx = ops.cat([idx, token], 1)
        return idx

    def configure_optimizer(self, weight_decay: float, lr: float,
                            betas: tuple[float, float] = (0.9, 0.95)) -> AdamW:
        """AdamW with nanoGPT's two groups: matrices and embeddings (dim >= 2) decay; biases and
        norm weights (dim < 2) do not."""
        return AdamW(decay_groups(self.parameters(), weight_decay), lr=lr, betas=betas)


def decay_groups(params, weight_decay: float) -> list[dict]:
    """nanoGPT's parameter groups: weight decay on matrices and embeddings (dim >= 2), none on
    biases and norm gains; only parameters that require grad, no empty group."""
    params = [p for p in params if p.requires_grad]
    groups = [{"params": [p for p in params if p.ndim >= 2], "weight_decay": weight_decay},
              {"params": [p for p in params if p.ndim < 2], "weight_decay": 0.0}]
    return [g for g in groups if g["params"]]
