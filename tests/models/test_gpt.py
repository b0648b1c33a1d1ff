"""GPT against a PyTorch twin holding the same weights (float64 and float32): logits and the
gradient of the cross-entropy wrt every parameter, for the classic (GPT-2) and the modern
(RMSNorm, rotary, SwiGLU, grouped-query) configs; cached generation against uncached; the
initialisation, parameter counts, optimizer groups and errors."""
import math

import numpy as np
import pytest
import torch
from torch import nn

import wonderland as wl
from wonderland.models import GPT, GPTConfig
from wonderland.models.gpt import KVCache

TOL = {"float64": dict(rtol=1e-10, atol=1e-12), "float32": dict(rtol=1e-5, atol=1e-5)}
SMALL = dict(vocab_size=37, block_size=12, n_layer=2, n_head=4, n_embd=32)
CONFIGS = {
    "classic": dict(SMALL),
    "modern": dict(SMALL, norm="rmsnorm", positions="rotary", mlp="swiglu", n_kv_head=2,
                   bias=False),
    "modern_untied_mqa": dict(SMALL, norm="rmsnorm", positions="rotary", mlp="swiglu",
                              n_kv_head=1, tie_weights=False),
}


# --- the PyTorch twin: nanoGPT's layers under the same names ------------------------------------
def rotate(x, cos, sin):
    x1, x2 = x.chunk(2, -1)
    return x * cos + torch.cat([-x2, x1], -1) * sin


class TwinAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c, self.hd = c, c.n_embd // c.n_head
        self.c_attn = nn.Linear(c.n_embd, (c.n_head + 2 * c.n_kv_head) * self.hd, bias=c.bias)
        self.c_proj = nn.Linear(c.n_embd, c.n_embd, bias=c.bias)

    def forward(self, x, rope):
        b, t, e = x.shape
        kv = self.c.n_kv_head * self.hd
        q, k, v = self.c_attn(x).split([e, kv, kv], dim=2)
        q = q.view(b, t, self.c.n_head, self.hd).transpose(1, 2)
        k, v = (z.view(b, t, self.c.n_kv_head, self.hd).transpose(1, 2) for z in (k, v))
        if rope is not None:
            q, k = rotate(q, *rope), rotate(k, *rope)
        rep = self.c.n_head // self.c.n_kv_head  # grouped-query: each kv head serves rep queries
        k, v = k.repeat_interleave(rep, 1), v.repeat_interleave(rep, 1)
        y = nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.c_proj(y.transpose(1, 2).reshape(b, t, e))


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

    def forward(self, x, rope):
        x = x + self.attn(self.ln_1(x), rope)
        return x + self.mlp(self.ln_2(x))


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

    def forward(self, idx):
        pos = torch.arange(idx.shape[1])
        x, rope = self.transformer.wte(idx), None
        if "wpe" in self.transformer:
            x = x + self.transformer.wpe(pos)
        else:
            angles = pos[:, None].to(self.inv_freq.dtype) * self.inv_freq
            angles = torch.cat([angles, angles], -1)
            rope = angles.cos().to(x.dtype), angles.sin().to(x.dtype)
        for block in self.transformer.h:
            x = block(x, rope)
        return self.lm_head(self.transformer.ln_f(x))


def make_pair(name, dtype):
    """A wonderland GPT and its torch twin with the same weights, both in dtype."""
    config = GPTConfig(**CONFIGS[name])
    wl.manual_seed(0)
    model = GPT(config).to(dtype=getattr(wl, dtype))
    inv_freq = None if model.rotary is None else torch.from_numpy(model.rotary.inv_freq.numpy())
    twin = TwinGPT(config, inv_freq).to(getattr(torch, dtype))
    state = model.state_dict()
    assert list(state) == list(twin.state_dict()), "parameter names differ from the twin's"
    twin.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in state.items()})
    return model.eval(), twin.eval()


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", list(CONFIGS))
def test_matches_torch(name, dtype):
    model, twin = make_pair(name, dtype)
    rng = np.random.default_rng(1)
    idx = rng.integers(0, SMALL["vocab_size"], size=(3, SMALL["block_size"]))
    targets = rng.integers(0, SMALL["vocab_size"], size=idx.shape)
    logits, ref = model(wl.tensor(idx)), twin(torch.from_numpy(idx))
    assert logits.shape == (3, SMALL["block_size"], SMALL["vocab_size"])
    assert logits.dtype == getattr(wl, dtype)
    np.testing.assert_allclose(logits.detach().numpy(), ref.detach().numpy(), **TOL[dtype])
    loss = model.loss(wl.tensor(idx), wl.tensor(targets))
    ref_loss = nn.functional.cross_entropy(ref.flatten(0, 1), torch.from_numpy(targets).flatten())
    np.testing.assert_allclose(loss.item(), ref_loss.item(), **TOL[dtype])
    loss.backward()
    ref_loss.backward()
    ref_params = dict(twin.named_parameters())
    params = dict(model.named_parameters())
    assert list(params) == list(ref_params)
    for pname, p in params.items():
        np.testing.assert_allclose(p.grad.numpy(), ref_params[pname].grad.numpy(),
                                   err_msg=pname, **TOL[dtype])


@pytest.mark.parametrize("name", list(CONFIGS))
def test_cache_logits_match_full_forward(name):
    model, _ = make_pair(name, "float64")
    idx = wl.tensor(np.random.default_rng(2).integers(0, SMALL["vocab_size"], size=(2, 10)))
    full = model(idx)
    cache = KVCache(model.config.n_layer)
    model(idx[:, :4], cache)
    model(idx[:, 4:7], cache)  # several new positions after a cached prefix: the masked path
    for t in range(7, 10):     # then one position at a time, as generate does
        step = model(idx[:, t:t + 1], cache)
        np.testing.assert_allclose(step[:, -1].detach().numpy(), full[:, t].detach().numpy(),
                                   **TOL["float64"])
    assert cache.length == 10
    with pytest.raises(ValueError, match=r"GPT.forward: 3 positions \(after 10 cached\) exceed "
                                         r"block_size 12"):
        model(idx[:, :3], cache)


def greedy_twin(twin, idx, steps, block):
    """nanoGPT's uncached greedy loop, in torch."""
    with torch.no_grad():
        for _ in range(steps):
            nxt = twin(idx[:, -block:])[:, -1].argmax(-1, keepdim=True)
            idx = torch.cat([idx, nxt], 1)
    return idx


@pytest.mark.parametrize("name", list(CONFIGS))
@pytest.mark.parametrize("prompt, steps", [(3, 6), (5, 15)])  # the second runs past block_size
def test_generate_cached_equals_uncached(name, prompt, steps):
    model, twin = make_pair(name, "float64")
    block = model.config.block_size
    idx = wl.tensor(np.random.default_rng(3).integers(0, SMALL["vocab_size"], size=(2, prompt)))
    greedy = model.generate(idx, steps, temperature=0)
    assert greedy.shape == (2, prompt + steps) and greedy.dtype == wl.int64
    np.testing.assert_array_equal(greedy.numpy()[:, :prompt], idx.numpy())
    uncached = model.generate(idx, steps, temperature=0, use_cache=False)
    np.testing.assert_array_equal(greedy.numpy(), uncached.numpy())
    np.testing.assert_array_equal(
        greedy.numpy(), greedy_twin(twin, torch.from_numpy(idx.numpy()), steps, block).numpy())
    for kw in (dict(temperature=1.0), dict(temperature=0.8, top_k=5), dict(top_p=0.9)):
        runs = [model.generate(idx, steps, generator=wl.Generator(7), use_cache=c, **kw).numpy()
                for c in (True, False)]
        np.testing.assert_array_equal(runs[0], runs[1], err_msg=str(kw))


def test_initialisation():
    wl.manual_seed(0)
    config = GPTConfig(vocab_size=256, block_size=64, n_layer=4, n_head=4, n_embd=64)
    model = GPT(config)
    assert model.lm_head.weight is model.transformer.wte.weight
    for pname, p in model.named_parameters():
        x = p.detach().numpy()
        if pname.endswith("c_proj.weight"):  # residual projections: 0.02 / sqrt(2 n_layer)
            assert x.std() == pytest.approx(0.02 / math.sqrt(2 * config.n_layer), rel=0.1), pname
        elif pname.endswith("ln_1.weight") or pname.endswith("ln_2.weight") or "ln_f" in pname:
            np.testing.assert_array_equal(x, 1.0 if pname.endswith("weight") else 0.0)
        elif pname.endswith("bias"):
            np.testing.assert_array_equal(x, 0.0, err_msg=pname)
        else:                                 # wte, wpe, c_attn, c_fc
            assert abs(x.mean()) < 0.002 and x.std() == pytest.approx(0.02, rel=0.1), pname
    untied = GPT(GPTConfig(**dict(CONFIGS["modern"], tie_weights=False)))
    assert untied.lm_head.weight is not untied.transformer.wte.weight


@pytest.mark.parametrize("name", list(CONFIGS))
def test_num_parameters(name):
    model, twin = make_pair(name, "float64")
    count = sum(p.numel() for p in twin.parameters())  # a tied matrix once
    assert model.num_parameters() == count
    wpe = SMALL["block_size"] * SMALL["n_embd"] if "wpe" in model.transformer else 0
    assert model.num_parameters(non_embedding=True) == count - wpe


def test_swiglu_hidden_size():
    # int(2 * 4 * n_embd / 3) rounded up to a multiple of 64: LLaMA-7B's 4096 -> 11008 uses 256
    assert GPTConfig(n_embd=768).swiglu_hidden == 2048
    assert GPTConfig(n_embd=32, n_head=4).swiglu_hidden == 128   # int(85.3) = 85 -> 128
    assert GPTConfig(n_embd=96, n_head=4).swiglu_hidden == 256


@pytest.mark.parametrize("name", ["classic", "modern"])
def test_configure_optimizer_groups(name):
    model, _ = make_pair(name, "float64")
    opt = model.configure_optimizer(weight_decay=0.1, lr=3e-4, betas=(0.9, 0.95))
    assert isinstance(opt, wl.optim.AdamW)
    decay, no_decay = opt.param_groups
    assert (decay["weight_decay"], no_decay["weight_decay"]) == (0.1, 0.0)
    assert decay["lr"] == no_decay["lr"] == 3e-4 and decay["betas"] == (0.9, 0.95)
    ids = {id(p): n for n, p in model.named_parameters()}
    decayed = {ids[id(p)] for p in decay["params"]}
    kept = {ids[id(p)] for p in no_decay["params"]}
    assert decayed | kept == set(ids.values()) and not decayed & kept
    # matrices and embeddings decay; norm weights and biases do not
    assert all(n.endswith(("wte.weight", "wpe.weight", "c_attn.weight", "c_proj.weight",
                           "c_fc.weight")) for n in decayed)
    assert "transformer.wte.weight" in decayed and "lm_head.weight" not in ids  # tied: once
    assert all(".ln_" in n or n.endswith("bias") for n in kept)
    # per layer: ln_1, ln_2 weights (+ their biases and 4 Linear biases when classic); ln_f
    assert len(kept) == {"classic": 2 * 8 + 2, "modern": 2 * 2 + 1}[name]
    loss = model.loss(wl.tensor([[1, 2, 3]]), wl.tensor([[2, 3, 4]]))
    loss.backward()
    opt.step()  # the groups are usable


def test_errors():
    model, _ = make_pair("classic", "float64")
    with pytest.raises(ValueError, match=r"GPT.forward: 13 positions \(after 0 cached\) exceed "
                                         r"block_size 12"):
        model(wl.zeros(1, 13, dtype=wl.int64))
    with pytest.raises(ValueError, match="n_embd 30 must be divisible by n_head 4"):
        GPTConfig(**dict(SMALL, n_embd=30))
    with pytest.raises(ValueError, match="n_head 4 must be a multiple of n_kv_head 3"):
        GPTConfig(**dict(SMALL, n_kv_head=3))
    with pytest.raises(ValueError, match="norm must be one of"):
        GPTConfig(**dict(SMALL, norm="batchnorm"))
    with pytest.raises(ValueError, match="positions must be one of"):
        GPTConfig(**dict(SMALL, positions="alibi"))
    with pytest.raises(ValueError, match="mlp must be one of"):
        GPTConfig(**dict(SMALL, mlp="relu"))
    idx = wl.zeros(1, 2, dtype=wl.int64)
    with pytest.raises(ValueError, match="top_k must be a positive int, got 0"):
        model.generate(idx, 2, top_k=0)
    with pytest.raises(ValueError, match=r"top_p must be in \(0, 1\], got 1.5"):
        model.generate(idx, 2, top_p=1.5)
    with pytest.raises(ValueError, match="temperature must be >= 0"):
        model.generate(idx, 2, temperature=-1.0)
