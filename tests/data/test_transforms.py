"""Transforms against NumPy formulas (torchvision's conventions), and their determinism."""
import numpy as np
import pytest

import wonderland as wl
from wonderland.data.transforms import (
    Compose,
    Lambda,
    Normalize,
    RandomCrop,
    RandomHorizontalFlip,
    ToTensor,
)


def _img(h=6, w=5, c=3, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (h, w, c), dtype=np.uint8)


def test_to_tensor_uint8_hwc_to_chw_in_unit_range():
    img = _img()
    t = ToTensor()(img)
    assert isinstance(t, wl.Tensor) and t.dtype == wl.float32 and t.shape == (3, 6, 5)
    np.testing.assert_allclose(t.numpy(), img.transpose(2, 0, 1) / 255.0, rtol=1e-6)


def test_to_tensor_grey_and_float_inputs():
    grey = _img(c=1)[:, :, 0]
    assert ToTensor()(grey).shape == (1, 6, 5)
    f = np.random.default_rng(1).random((4, 4, 2))
    np.testing.assert_allclose(ToTensor()(f).numpy(), f.transpose(2, 0, 1), rtol=1e-6)
    with pytest.raises(ValueError, match="HW or HWC"):
        ToTensor()(np.zeros(3))


def test_normalize_per_channel_on_tensor_and_array():
    x = np.random.default_rng(2).random((3, 4, 4)).astype(np.float32)
    mean, std = [0.1, 0.2, 0.3], [0.5, 0.25, 2.0]
    want = (x - np.array(mean)[:, None, None]) / np.array(std)[:, None, None]
    out = Normalize(mean, std)(wl.tensor(x))
    assert isinstance(out, wl.Tensor) and out.dtype == wl.float32
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-5)
    np.testing.assert_allclose(Normalize(mean, std)(x), want, rtol=1e-5)
    with pytest.raises(ValueError, match="3 channels"):
        Normalize([0.0, 0.0], [1.0, 1.0])(x)
    with pytest.raises(ValueError, match="non-zero"):
        Normalize([0.0], [0.0])


def test_random_crop_is_a_window_of_the_padded_image():
    x = np.arange(2 * 5 * 5, dtype=np.float32).reshape(2, 5, 5)
    padded = np.pad(x, [(0, 0), (2, 2), (2, 2)])
    out = RandomCrop(4, padding=2, generator=wl.Generator(3))(x)
    assert out.shape == (2, 4, 4)
    windows = [padded[:, i:i + 4, j:j + 4] for i in range(6) for j in range(6)]
    assert any(np.array_equal(out, w) for w in windows)
    with pytest.raises(ValueError, match="larger"):
        RandomCrop(6)(x)


def test_random_crop_deterministic_with_seeded_generator():
    x = wl.tensor(np.random.default_rng(4).random((3, 8, 8)).astype(np.float32))
    a = [RandomCrop((5, 6), 1, wl.Generator(7))(x).numpy() for _ in range(2)]
    np.testing.assert_array_equal(a[0], a[1])
    crop = RandomCrop(5, 1, wl.Generator(7))
    outs = {crop(x).numpy().tobytes() for _ in range(20)}
    assert len(outs) > 1  # the same generator moves on: different windows


def test_random_horizontal_flip_probabilities_and_determinism():
    x = np.arange(12, dtype=np.float32).reshape(1, 3, 4)
    np.testing.assert_array_equal(RandomHorizontalFlip(1.0)(x), x[..., ::-1])
    np.testing.assert_array_equal(RandomHorizontalFlip(0.0)(x), x)
    flip = RandomHorizontalFlip(0.5, wl.Generator(5))
    seq = [np.array_equal(flip(x), x[..., ::-1]) for _ in range(200)]
    flip2 = RandomHorizontalFlip(0.5, wl.Generator(5))
    assert seq == [np.array_equal(flip2(x), x[..., ::-1]) for _ in range(200)]
    assert 60 < sum(seq) < 140
    out = RandomHorizontalFlip(1.0)(wl.tensor(x))
    assert isinstance(out, wl.Tensor)
    np.testing.assert_array_equal(out.numpy(), x[..., ::-1])


def test_compose_and_lambda():
    img = _img()
    pipe = Compose([ToTensor(), Normalize([0.5] * 3, [0.5] * 3), Lambda(lambda t: t * 2)])
    want = (img.transpose(2, 0, 1) / 255.0 - 0.5) / 0.5 * 2
    np.testing.assert_allclose(pipe(img).numpy(), want, rtol=1e-5, atol=1e-6)
    assert "Normalize" in repr(pipe)
    with pytest.raises(TypeError, match="callable"):
        Lambda(3)
