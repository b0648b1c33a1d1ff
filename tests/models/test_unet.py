"""UNet against a PyTorch twin with the same weights (outputs, input and every parameter
gradient, float64 and float32, with and without attention), the sinusoidal time features by hand,
the nearest upsampling against torch's interpolate, and the errors for wrong shapes."""
import math

import numpy as np
import pytest
import torch
from torch import nn
from torch.nn import functional as F

import wonderland as wl
from wonderland.models import UNet
from wonderland.models.unet import timestep_embedding, upsample_nearest2x

TOL = {"float64": dict(rtol=1e-9, atol=1e-10), "float32": dict(rtol=2e-4, atol=2e-5)}


def torch_time_features(t, dim):
    half = dim // 2
    freqs = torch.exp(-math.log(10_000.0) * torch.arange(half, dtype=torch.float64) / half)
    args = t[:, None] * freqs.to(t.dtype)[None]
    return torch.cat([args.sin(), args.cos()], 1)


class TorchResBlock(nn.Module):
    def __init__(self, cin, cout, time_dim, groups):
        super().__init__()
        self.norm1 = nn.GroupNorm(min(groups, cin), cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.time = nn.Linear(time_dim, cout)
        self.norm2 = nn.GroupNorm(min(groups, cout), cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x, temb):
        h = self.conv1(F.silu(self.norm1(x))) + self.time(F.silu(temb))[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return h + (x if self.skip is None else self.skip(x))


class TorchAttention(nn.Module):
    def __init__(self, channels, groups, heads):
        super().__init__()
        self.heads = heads
        self.norm = nn.GroupNorm(min(groups, channels), channels)
        self.qkv = nn.Linear(channels, 3 * channels)
        self.proj = nn.Linear(channels, channels)

    def forward(self, x):
        n, c, h, w = x.shape
        q, k, v = (z.reshape(n, h * w, self.heads, -1).transpose(1, 2)
                   for z in self.qkv(self.norm(x).flatten(2).transpose(1, 2)).chunk(3, -1))
        out = F.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(n, h * w, c)
        return x + self.proj(out).transpose(1, 2).reshape(n, c, h, w)


class TorchUNet(nn.Module):
    def __init__(self, in_channels, channels, time_dim, attention_at, groups, heads,
                 time_scale=1000.0):
        super().__init__()
        self.channels, self.time_scale, last = channels, time_scale, len(channels) - 1
        self.time_mlp = nn.ModuleList([nn.Linear(channels[0], time_dim),
                                       nn.Linear(time_dim, time_dim)])
        self.conv_in = nn.Conv2d(in_channels, channels[0], 3, padding=1)
        self.attn = nn.ModuleDict({f"{w}{i}": TorchAttention(channels[i], groups, heads)
                                   for i in sorted(attention_at) for w in ("down", "up")})
        if last in attention_at:
            self.attn["mid"] = TorchAttention(channels[last], groups, heads)
        widths = [channels[0], *channels]
        self.down = nn.ModuleList(TorchResBlock(a, b, time_dim, groups)
                                  for a, b in zip(widths[:-1], widths[1:]))
        self.downsample = nn.ModuleList(nn.Conv2d(c, c, 3, stride=2, padding=1)
                                        for c in channels[:-1])
        self.mid1 = TorchResBlock(channels[-1], channels[-1], time_dim, groups)
        self.mid2 = TorchResBlock(channels[-1], channels[-1], time_dim, groups)
        # what comes up into each level (deepest first) has that level's width, as its skip
        self.up = nn.ModuleList(TorchResBlock(2 * c, c, time_dim, groups) for c in channels[::-1])
        self.upsample = nn.ModuleList(nn.Conv2d(channels[i], channels[i - 1], 3, padding=1)
                                      for i in range(last, 0, -1))
        self.norm_out = nn.GroupNorm(min(groups, channels[0]), channels[0])
        self.conv_out = nn.Conv2d(channels[0], in_channels, 3, padding=1)

    def attend(self, place, h):
        return self.attn[place](h) if place in self.attn else h

    def forward(self, x, t):
        temb = torch_time_features(t * self.time_scale, self.channels[0])
        temb = self.time_mlp[1](F.silu(self.time_mlp[0](temb)))
        h, skips = self.conv_in(x), []
        for i, block in enumerate(self.down):
            h = self.attend(f"down{i}", block(h, temb))
            skips.append(h)
            if i < len(self.downsample):
                h = self.downsample[i](h)
        h = self.mid2(self.attend("mid", self.mid1(h, temb)), temb)
        for j, block in enumerate(self.up):
            h = self.attend(f"up{len(self.channels) - 1 - j}",
                            block(torch.cat([h, skips.pop()], 1), temb))
            if j < len(self.upsample):
                h = self.upsample[j](F.interpolate(h, scale_factor=2, mode="nearest"))
        return self.conv_out(F.silu(self.norm_out(h)))


CASES = {  # name: UNet arguments, input shape
    "three levels, attention at the lowest": (dict(channels=(8, 16, 16), time_dim=16,
                                                   attention_at=(2,), groups=4, heads=2),
                                              (3, 1, 28, 28)),
    "two levels, attention everywhere, RGB": (dict(in_channels=3, channels=(8, 12), time_dim=8,
                                                   attention_at=(0, 1), groups=4),
                                              (2, 3, 8, 12)),
    "no attention, groups above channels": (dict(channels=(4, 8), time_dim=8, attention_at=(),
                                                 groups=8), (2, 1, 6, 6)),
}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", list(CASES))
def test_matches_torch(name, dtype):
    kwargs, shape = CASES[name]
    rng = np.random.default_rng(0)
    model = UNet(**kwargs).to(dtype=getattr(wl, dtype))
    full = {"in_channels": 1, "heads": 1, **kwargs}
    twin = TorchUNet(**full).to(getattr(torch, dtype))
    state = model.state_dict()
    assert list(state) == list(twin.state_dict()), "parameter names differ from the twin's"
    twin.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in state.items()})
    x = rng.standard_normal(shape).astype(dtype)
    t = rng.uniform(1e-3, 1.0, shape[0]).astype(dtype)
    target = rng.standard_normal(shape).astype(dtype)

    xw = wl.tensor(x, requires_grad=True)
    xt = torch.from_numpy(x).requires_grad_(True)
    out, ref = model(xw, wl.tensor(t)), twin(xt, torch.from_numpy(t))
    assert out.shape == xw.shape and out.dtype == getattr(wl, dtype)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), **TOL[dtype])
    ((out - wl.tensor(target)) ** 2).mean().backward()
    ((ref - torch.from_numpy(target)) ** 2).mean().backward()
    np.testing.assert_allclose(xw.grad.numpy(), xt.grad.numpy(), err_msg="x", **TOL[dtype])
    ref_params = dict(twin.named_parameters())
    for pname, p in model.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), ref_params[pname].grad.numpy(),
                                   err_msg=pname, **TOL[dtype])


def test_time_features_by_hand():
    t = np.array([0.0, 0.5, 250.0])
    got = timestep_embedding(wl.tensor(t), 6).numpy()
    freqs = np.array([1.0, 10_000.0 ** (-1 / 3), 10_000.0 ** (-2 / 3)])
    np.testing.assert_allclose(got, np.concatenate([np.sin(np.outer(t, freqs)),
                                                    np.cos(np.outer(t, freqs))], 1), rtol=1e-6)


def test_nearest_upsampling_is_torchs():
    x = np.random.default_rng(1).standard_normal((2, 3, 4, 5)).astype(np.float32)
    np.testing.assert_array_equal(upsample_nearest2x(wl.tensor(x)).numpy(),
                                  F.interpolate(torch.from_numpy(x), scale_factor=2).numpy())


def test_output_is_shaped_like_the_input_and_depends_on_time():
    model = UNet(channels=(8, 16, 16), time_dim=16, groups=4)
    x = wl.randn(2, 1, 28, 28)
    with wl.no_grad():
        a, b = model(x, wl.tensor([0.1, 0.1])), model(x, wl.tensor([0.1, 0.9]))
    assert a.shape == (2, 1, 28, 28)
    np.testing.assert_allclose(a[0].numpy(), b[0].numpy())
    assert np.abs(a[1].numpy() - b[1].numpy()).max() > 1e-4


def test_errors_name_the_shapes():
    model = UNet(channels=(8, 16, 16), time_dim=16, groups=4)
    t = wl.zeros(2)
    with pytest.raises(ValueError, match=r"UNet: expected x of shape \(N, 1, H, W\), got "
                                         r"\(2, 28, 28\)"):
        model(wl.zeros(2, 28, 28), t)
    with pytest.raises(ValueError, match=r"expected x of shape \(N, 1, H, W\), got "
                                         r"\(2, 3, 28, 28\)"):
        model(wl.zeros(2, 3, 28, 28), t)
    with pytest.raises(ValueError, match="H and W must be divisible by 4 for 3 levels, got "
                                         "30x28"):
        model(wl.zeros(2, 1, 30, 28), t)
    with pytest.raises(ValueError, match=r"expected t of shape \(2,\), one time per image, got "
                                         r"\(2, 1\)"):
        model(wl.zeros(2, 1, 28, 28), wl.zeros(2, 1))
    with pytest.raises(ValueError, match="divisible by groups=8"):
        UNet(channels=(12, 24))
    with pytest.raises(ValueError, match=r"attention_at \(3,\) must name levels 0..2"):
        UNet(attention_at=(3,))
    with pytest.raises(ValueError, match="must be even"):
        UNet(channels=(5, 10), attention_at=(), groups=5)
    with pytest.raises(ValueError, match="do not split into 3 heads"):
        UNet(channels=(8, 16), attention_at=(1,), groups=4, heads=3)
