"""The swiss roll (scikit-learn's make_swiss_roll): points on a rolled-up 2-D sheet in 3-D."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._arrays import ArrayDataset


class SwissRoll(ArrayDataset):
    """n points: x is float32 of shape (3,) (or (2,) with dims=2, the (x, z) plane used in
    diffusion and flow demos), y the float32 position t along the roll; the same seed gives the
    same points."""

    def __init__(self, n: int = 1000, noise: float = 0.0, seed: int = 0, dims: int = 3,
                 transform: Callable | None = None, target_transform: Callable | None = None):
        from sklearn.datasets import make_swiss_roll

        if n <= 0:
            raise ValueError(f"SwissRoll: n must be positive, got {n}")
        if dims not in (2, 3):
            raise ValueError(f"SwissRoll: dims must be 2 or 3, got {dims}")
        x, t = make_swiss_roll(n_samples=n, noise=noise, random_state=seed)
        if dims == 2:
            x = x[:, [0, 2]]
        super().__init__(x.astype(np.float32), t.astype(np.float32), transform, target_transform)
