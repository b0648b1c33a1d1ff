"""The 2-D toy distributions of Gulrajani et al.'s WGAN-GP toy experiments (gan_toy.py of
github.com/igul222/improved_wgan_training): eight Gaussians on a circle, a 5 x 5 grid of
Gaussians, and the swiss roll seen from above; toy_points draws fresh points of each."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._arrays import ArrayDataset

__all__ = ["EightGaussians", "SwissRoll2D", "TwentyFiveGaussians", "toy_points"]

_ANGLES = np.arange(8) * (np.pi / 4)  # (1, 0), (1/sqrt2, 1/sqrt2), (0, 1), ... as in the script
EIGHT_CENTRES = 2.0 * np.stack([np.cos(_ANGLES), np.sin(_ANGLES)], 1)
GRID_CENTRES = 2.0 * np.stack(np.meshgrid(np.arange(-2, 3), np.arange(-2, 3), indexing="ij"),
                              -1).reshape(-1, 2)


def _eight(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    # a centre drawn at random per point, radius 2, std 0.02, the whole divided by 1.414
    k = rng.integers(0, 8, n)
    return (EIGHT_CENTRES[k] + 0.02 * rng.standard_normal((n, 2))) / 1.414, k


def _twenty_five(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    # the script's dataset holds each centre equally often (4,000 times each), shuffled;
    # centres -4..4 in steps of 2, std 0.05, the whole divided by 2.828
    k = rng.permutation(np.arange(n) % 25)
    return (GRID_CENTRES[k] + 0.05 * rng.standard_normal((n, 2))) / 2.828, k


def _swiss_roll(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    # scikit-learn's roll with noise 0.25, its (x, z) plane, divided by 7.5; y: position t
    from sklearn.datasets import make_swiss_roll

    x, t = make_swiss_roll(n_samples=n, noise=0.25, random_state=int(rng.integers(2**31)))
    return x[:, [0, 2]] / 7.5, t.astype(np.float32)


_DRAW: dict[str, Callable] = {"8gaussians": _eight, "25gaussians": _twenty_five,
                              "swissroll": _swiss_roll}


def toy_points(name: str, n: int, seed: int | np.random.Generator = 0) -> np.ndarray:
    """n fresh float32 points (n, 2) of the toy distribution `name` ('8gaussians',
    '25gaussians' or 'swissroll'), from an integer seed or a NumPy Generator."""
    return _toy(name, n, seed)[0]


def _toy(name: str, n: int, seed) -> tuple[np.ndarray, np.ndarray]:
    if name not in _DRAW:
        raise ValueError(f"toy_points: unknown toy '{name}'; known: {', '.join(_DRAW)}")
    if n <= 0:
        raise ValueError(f"{name}: n must be positive, got {n}")
    x, y = _DRAW[name](n, np.random.default_rng(seed))
    return x.astype(np.float32), y


class _Toy(ArrayDataset):
    toy = ""

    def __init__(self, n: int = 100_000, seed: int = 0, transform: Callable | None = None,
                 target_transform: Callable | None = None):
        x, y = _toy(self.toy, n, seed)
        super().__init__(x, y, transform, target_transform)


class EightGaussians(_Toy):
    """n points: x float32 (2,) from eight Gaussians (std 0.02) evenly on a circle of radius 2,
    all divided by 1.414; y the int64 index of the Gaussian. The same seed gives the same
    points; use a different seed for a test set."""
    toy = "8gaussians"


class TwentyFiveGaussians(_Toy):
    """n points: x float32 (2,) from 25 Gaussians (std 0.05) on the grid {-4, -2, 0, 2, 4}^2,
    each used equally often (up to one), all divided by 2.828; y the int64 index of the
    Gaussian. The same seed gives the same points."""
    toy = "25gaussians"


class SwissRoll2D(_Toy):
    """n points: x float32 (2,), scikit-learn's swiss roll (noise 0.25) seen along its axis (the
    x and z coordinates), divided by 7.5; y the float32 position t along the roll. The same
    seed gives the same points."""
    toy = "swissroll"
