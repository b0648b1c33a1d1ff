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

from .twins import TwinGPT, greedy_twin

TOL = {"float64": dict(rtol=1e-10, atol=1e-12), "float32": dict(rtol=1e-5, atol=1e-5)}
SMALL = dict(vocab_size=37, block_size=12, n_layer=2, n_head=4, n_embd=32)
CONFIGS = {
    "classic": dict(SMALL),
    "modern": dict(SMALL, norm="rmsnorm", positions="rotary", mlp="swiglu", n_kv_head=2,
                   bias=False),
    "modern_untied_mqa": dict(SMALL, norm="rmsnorm", positions="rotary", mlp="swiglu",
                              n_kv_head=1, tie_weights=False),
}


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
    for cached in (False, True):  # the twin's cache too (benchmarks time it)
        np.testing.assert_array_equal(greedy.numpy(), greedy_twin(
            twin, torch.from_numpy(idx.numpy()), steps, block, cached).numpy())
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
