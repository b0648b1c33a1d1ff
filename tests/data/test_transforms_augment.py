"""The augmentations RandomResizedCrop, ColorJitter and RandomErasing against their definitions:
the parameters replayed from an identically seeded generator, the expected image computed here
(bilinear resizing by torch's F.interpolate, HSV by Python's colorsys); and their errors."""
import colorsys
import math

import numpy as np
import pytest
import torch

import wonderland as wl
from wonderland.core.random import Generator, get_generator
from wonderland.data import _image
from wonderland.data.transforms import ColorJitter, RandomErasing, RandomResizedCrop


def _chw(c=3, h=9, w=7, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    if dtype == np.uint8:
        return rng.integers(0, 256, (c, h, w), dtype=np.uint8)
    return rng.random((c, h, w)).astype(dtype)


def _torch_resize(a, h, w):
    t = torch.from_numpy(a.astype(np.float64))[None]
    return torch.nn.functional.interpolate(t, size=(h, w), mode="bilinear",
                                           align_corners=False)[0].numpy()


@pytest.mark.parametrize("size", [(4, 3), (13, 11), (9, 2), (1, 1)])
def test_bilinear_resize_is_torchs_interpolate(size):
    a = _chw()
    np.testing.assert_allclose(_image.resize_bilinear(a, *size), _torch_resize(a, *size),
                               rtol=1e-12, atol=1e-12)
    u = _chw(dtype=np.uint8)
    out = _image.resize_bilinear(u, *size)
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out, np.round(_torch_resize(u, *size)))


def _crop_params(rng, height, width, scale, ratio):
    """torchvision's RandomResizedCrop.get_params, written out again."""
    for _ in range(10):
        target = height * width * rng.uniform(*scale)
        aspect = math.exp(rng.uniform(math.log(ratio[0]), math.log(ratio[1])))
        w, h = round(math.sqrt(target * aspect)), round(math.sqrt(target / aspect))
        if 0 < w <= width and 0 < h <= height:
            return rng.integers(0, height - h + 1), rng.integers(0, width - w + 1), h, w
    if width / height < ratio[0]:
        w, h = width, round(width / ratio[0])
    elif width / height > ratio[1]:
        h, w = height, round(height * ratio[1])
    else:
        h, w = height, width
    return (height - h) // 2, (width - w) // 2, h, w


@pytest.mark.parametrize("scale, ratio", [((0.08, 1.0), (3 / 4, 4 / 3)), ((0.5, 0.9), (0.2, 5.0)),
                                          ((3.0, 4.0), (2.0, 3.0)),    # never fits: fallback
                                          ((3.0, 4.0), (0.1, 0.2)), ((3.0, 4.0), (0.5, 2.0))])
def test_random_resized_crop_against_its_definition(scale, ratio):
    a = _chw(h=12, w=10)
    t = RandomResizedCrop((6, 5), scale, ratio, generator=Generator(7))
    replay = get_generator(Generator(7))
    for _ in range(5):
        i, j, h, w = _crop_params(replay, 12, 10, scale, ratio)
        want = _torch_resize(a[:, i:i + h, j:j + w], 6, 5)
        np.testing.assert_allclose(t(a), want, rtol=1e-12, atol=1e-12)


def test_random_resized_crop_fallbacks_are_centred():
    t = RandomResizedCrop(4, scale=(3.0, 4.0), ratio=(2.0, 3.0), generator=Generator(0))
    assert t.params(12, 10) == (3, 0, 5, 10)    # as wide as allowed: h = round(10 / 2)
    t = RandomResizedCrop(4, scale=(3.0, 4.0), ratio=(0.1, 0.2), generator=Generator(0))
    assert t.params(12, 10) == (0, 4, 12, 2)    # w = round(12 * 0.2)


def test_random_resized_crop_keeps_tensors_uint8_and_hw():
    out = RandomResizedCrop(5, generator=Generator(1))(wl.tensor(_chw().astype(np.float32)))
    assert isinstance(out, wl.Tensor) and out.shape == (3, 5, 5) and out.dtype == wl.float32
    assert RandomResizedCrop(5)(_chw(dtype=np.uint8)).dtype == np.uint8
    assert RandomResizedCrop((3, 4))(_chw()[0]).shape == (3, 4)
    with pytest.raises(ValueError, match="RandomResizedCrop: scale must satisfy"):
        RandomResizedCrop(5, scale=(0.9, 0.1))
    with pytest.raises(ValueError, match="RandomResizedCrop: size must be"):
        RandomResizedCrop(0)
    with pytest.raises(ValueError, match="expected an HW or CHW image"):
        RandomResizedCrop(5)(np.zeros(4))


def test_hsv_round_trip_is_colorsys():
    rgb = _chw(h=6, w=6)
    rgb[:, 0, 0] = 0.5          # grey: hue and saturation 0
    rgb[:, 0, 1] = 0.0          # black
    rgb[:, 0, 2] = (1, 0, 0)    # pure red, green, blue
    rgb[:, 0, 3] = (0, 1, 0)
    rgb[:, 0, 4] = (0, 0, 1)
    hsv = _image.rgb_to_hsv(rgb)
    for y in range(6):
        for x in range(6):
            np.testing.assert_allclose(hsv[:, y, x], colorsys.rgb_to_hsv(*rgb[:, y, x]),
                                       atol=1e-12)
    np.testing.assert_allclose(_image.hsv_to_rgb(hsv), rgb, atol=1e-12)


def _jitter_reference(a, order, b, c, s, h):
    """ColorJitter on a float CHW image in [0, 1], written out from torchvision's definitions."""
    for k in order:
        if k == 0 and b is not None:
            a = np.clip(b * a, 0, 1)
        elif k == 1 and c is not None:
            grey = a[0] if a.shape[0] == 1 else 0.2989 * a[0] + 0.587 * a[1] + 0.114 * a[2]
            a = np.clip(c * a + (1 - c) * grey.mean(), 0, 1)
        elif k == 2 and s is not None:
            grey = 0.2989 * a[0] + 0.587 * a[1] + 0.114 * a[2]
            a = np.clip(s * a + (1 - s) * grey, 0, 1)
        elif k == 3 and h is not None:
            out = np.empty_like(a)
            for y in range(a.shape[1]):
                for x in range(a.shape[2]):
                    hh, ss, vv = colorsys.rgb_to_hsv(*a[:, y, x])
                    out[:, y, x] = colorsys.hsv_to_rgb((hh + h) % 1.0, ss, vv)
            a = out
    return a


def _replay_jitter(seed, ranges):
    rng = get_generator(Generator(seed))
    order = list(rng.permutation(4))
    return order, *(None if r is None else rng.uniform(*r) for r in ranges)


@pytest.mark.parametrize("kwargs, ranges", [
    (dict(brightness=0.4, contrast=0.4, saturation=0.4, hue=0.1),
     [(0.6, 1.4), (0.6, 1.4), (0.6, 1.4), (-0.1, 0.1)]),
    (dict(brightness=(0.2, 0.3), hue=(0.3, 0.5)), [(0.2, 0.3), None, None, (0.3, 0.5)]),
    (dict(contrast=1.5, saturation=(2.0, 3.0)), [None, (0.0, 2.5), (2.0, 3.0), None]),
])
def test_color_jitter_against_its_definition(kwargs, ranges):
    assert ColorJitter(**kwargs, generator=Generator(3)).params() == _replay_jitter(3, ranges)
    t = ColorJitter(**kwargs, generator=Generator(3))
    replay = get_generator(Generator(3))
    for step in range(4):
        a = _chw(seed=step)
        order = list(replay.permutation(4))
        factors = [None if r is None else replay.uniform(*r) for r in ranges]
        np.testing.assert_allclose(t(a), _jitter_reference(a, order, *factors), atol=1e-12)


def test_color_jitter_on_one_channel_and_uint8():
    grey = _chw(c=1)
    t = ColorJitter(brightness=0.5, contrast=0.5, generator=Generator(4))
    order, b, c, _, _ = _replay_jitter(4, [(0.5, 1.5), (0.5, 1.5), None, None])
    np.testing.assert_allclose(t(grey), _jitter_reference(grey, order, b, c, None, None),
                               atol=1e-12)
    t = ColorJitter(brightness=0.5, contrast=0.5, generator=Generator(4))
    np.testing.assert_allclose(t(grey[0]), _jitter_reference(grey, order, b, c, None, None)[0],
                               atol=1e-12)  # an HW image is one channel
    u = _chw(dtype=np.uint8)
    out = ColorJitter(brightness=(1.5, 1.5), generator=Generator(0))(u)
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out, np.clip(1.5 * u.astype(np.float64), 0, 255).astype(np.uint8))
    out = ColorJitter(hue=(0.25, 0.25))(wl.tensor(u.astype(np.float32) / 255))
    assert isinstance(out, wl.Tensor) and out.dtype == wl.float32


def test_color_jitter_errors():
    with pytest.raises(ValueError, match=r"ColorJitter: saturation and hue need an RGB image "
                                         r"\(3 channels\), got shape \(1, 9, 7\); a 1-channel "
                                         r"image takes only brightness and contrast"):
        ColorJitter(saturation=0.2, hue=0.1)(_chw(c=1))
    with pytest.raises(ValueError, match="hue need an RGB image"):
        ColorJitter(hue=0.1)(_chw(c=1)[0])
    with pytest.raises(ValueError, match=r"hue must be in \[0, 0.5\]"):
        ColorJitter(hue=0.6)
    with pytest.raises(ValueError, match=r"hue must lie in \[-0.5, 0.5\]"):
        ColorJitter(hue=(0.1, 0.7))
    with pytest.raises(ValueError, match="brightness must be in"):
        ColorJitter(brightness=-0.1)
    with pytest.raises(ValueError, match="contrast must be a pair"):
        ColorJitter(contrast="much")
    with pytest.raises(ValueError, match="float or uint8"):
        ColorJitter(brightness=0.1)(np.zeros((3, 4, 4), dtype=np.int32))
    assert ColorJitter().params()[1:] == (None, None, None, None)


def _erase_reference(rng, a, p, scale, ratio, value):
    if rng.random() >= p:
        return a
    c, height, width = a.shape
    for _ in range(10):
        target = height * width * rng.uniform(*scale)
        aspect = math.exp(rng.uniform(math.log(ratio[0]), math.log(ratio[1])))
        h, w = round(math.sqrt(target * aspect)), round(math.sqrt(target / aspect))
        if h < height and w < width:
            fill = rng.standard_normal((c, h, w)) if value == "random" else value
            i, j = rng.integers(0, height - h + 1), rng.integers(0, width - w + 1)
            out = a.copy()
            if value != "random":
                fill = np.reshape(fill, (-1, 1, 1))
            out[:, i:i + h, j:j + w] = fill
            return out
    return a


@pytest.mark.parametrize("p, scale, ratio, value", [
    (1.0, (0.02, 0.33), (0.3, 3.3), 0.0), (0.5, (0.1, 0.5), (0.5, 2.0), [0.1, 0.2, 0.3]),
    (1.0, (0.2, 0.4), (0.3, 3.3), "random"), (1.0, (0.95, 1.0), (1.0, 1.0), 1.0)])  # never fits
def test_random_erasing_against_its_definition(p, scale, ratio, value):
    t = RandomErasing(p, scale, ratio, value, generator=Generator(5))
    replay = get_generator(Generator(5))
    changed = 0
    for step in range(6):
        a = _chw(h=12, w=10, seed=step)
        out = t(a)
        want = _erase_reference(replay, a, p, scale, ratio, value)
        np.testing.assert_array_equal(out, want)
        changed += not np.array_equal(out, a)
    assert changed == 0 if scale[0] > 0.9 else changed > 0


def test_random_erasing_errors_and_types():
    out = RandomErasing(p=1.0, generator=Generator(0))(wl.tensor(_chw().astype(np.float32)))
    assert isinstance(out, wl.Tensor) and out.shape == (3, 9, 7)
    with pytest.raises(ValueError, match="RandomErasing: 3 channels but value has 2 numbers"):
        RandomErasing(value=[0.0, 1.0])(_chw())
    with pytest.raises(ValueError, match="needs a float image, got uint8"):
        RandomErasing(value="random")(_chw(dtype=np.uint8))
    with pytest.raises(ValueError, match="value must be a number"):
        RandomErasing(value="noise")
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\]"):
        RandomErasing(p=1.5)
    with pytest.raises(ValueError, match="expected a CHW image"):
        RandomErasing()(np.zeros((4, 4)))
