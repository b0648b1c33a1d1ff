"""Pictures of what generative models make: a grid of images (samples, reconstructions) as an
array or a PNG, and 2-D samples drawn over a model's log-density. matplotlib, imported on first
use, writes the files."""
from __future__ import annotations

import os
from collections.abc import Callable

import numpy as np

from ..core.tensor import Tensor


def image_grid(images, nrow: int = 8, padding: int = 2, normalize: bool = False,
               pad_value: float = 0.0) -> np.ndarray:
    """images (N, C, H, W) or (N, H, W), a tensor or an array, laid out `nrow` to a row with
    `padding` pixels of pad_value between and around them, as torchvision's make_grid: an
    array (C, rows*(H+p)+p, nrow*(W+p)+p). normalize=True maps the images' range to [0, 1]."""
    a = np.asarray(images.detach().numpy() if isinstance(images, Tensor) else images,
                   dtype=np.float64)
    if a.ndim == 3:
        a = a[:, None]
    if a.ndim != 4 or not len(a):
        raise ValueError(f"image_grid: expected images (N, C, H, W) or (N, H, W), got shape "
                         f"{a.shape}")
    if nrow < 1 or padding < 0:
        raise ValueError(f"image_grid: nrow must be >= 1 and padding >= 0, got {nrow}, "
                         f"{padding}")
    if normalize:
        low, high = a.min(), a.max()
        a = (a - low) / max(high - low, 1e-12)
    n, c, h, w = a.shape
    cols, rows = min(nrow, n), -(-n // nrow)
    grid = np.full((c, rows * (h + padding) + padding, cols * (w + padding) + padding),
                   pad_value, dtype=np.float64)
    for i in range(n):
        top, left = padding + (i // cols) * (h + padding), padding + (i % cols) * (w + padding)
        grid[:, top:top + h, left:left + w] = a[i]
    return grid


def save_image_grid(images, path: str | os.PathLike, nrow: int = 8, padding: int = 2,
                    normalize: bool = False) -> str:
    """image_grid(images) written to `path` as a PNG (grey for one channel, else RGB); values are
    clipped to [0, 1]. Returns the path."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    grid = np.clip(image_grid(images, nrow, padding, normalize), 0.0, 1.0)
    picture = grid[0] if grid.shape[0] == 1 else grid.transpose(1, 2, 0)
    plt.imsave(os.fspath(path), picture, cmap="gray" if grid.shape[0] == 1 else None,
               vmin=0.0, vmax=1.0)
    return os.fspath(path)


def density_plot(samples, log_density: Callable | None, path: str | os.PathLike,
                 extent: tuple[float, float, float, float] | None = None, points: int = 200,
                 title: str | None = None, style: str = "density", reference=None) -> str:
    """2-D samples (N, 2) as dots over the density exp(log_density(xy)) shaded on a
    points x points grid (log_density takes a float32 tensor (M, 2) and returns (M,)); extent
    (xmin, xmax, ymin, ymax) defaults to the samples' range with a margin. style='critic' draws
    the function's own values as filled contours instead (a GAN critic's map). `reference`
    points (M, 2), such as real data, are drawn in orange under the samples. Returns the path."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    s = np.asarray(samples.detach().numpy() if isinstance(samples, Tensor) else samples)
    if s.ndim != 2 or s.shape[1] != 2:
        raise ValueError(f"density_plot: expected samples (N, 2), got shape {s.shape}")
    if style not in ("density", "critic"):
        raise ValueError(f"density_plot: style must be 'density' or 'critic', got {style!r}")
    if extent is None:
        low, high = s.min(0), s.max(0)
        margin = 0.1 * (high - low)
        extent = (low[0] - margin[0], high[0] + margin[0], low[1] - margin[1], high[1] + margin[1])
    fig, ax = plt.subplots(figsize=(5, 5))
    if log_density is not None:
        xs, ys = np.linspace(*extent[:2], points), np.linspace(*extent[2:], points)
        xy = np.stack(np.meshgrid(xs, ys), -1).reshape(-1, 2).astype(np.float32)
        from ..core.grad_mode import no_grad

        with no_grad():
            values = np.asarray(log_density(Tensor(xy)).numpy(), dtype=np.float64)
        if style == "critic":
            ax.contourf(xs, ys, values.reshape(points, points), levels=20, cmap="viridis")
        else:
            ax.imshow(np.exp(values).reshape(points, points), origin="lower", extent=extent,
                      cmap="viridis", aspect="auto")
    if reference is not None:
        r = np.asarray(reference.detach().numpy() if isinstance(reference, Tensor) else reference)
        ax.scatter(r[:, 0], r[:, 1], s=2, c="orange", alpha=0.5)
    ax.scatter(s[:, 0], s[:, 1], s=2, c="white" if log_density is not None else "black",
               alpha=0.5)
    ax.set_xlim(extent[:2])
    ax.set_ylim(extent[2:])
    if title:
        ax.set_title(title)
    fig.savefig(os.fspath(path), dpi=100, bbox_inches="tight")
    plt.close(fig)
    return os.fspath(path)


__all__ = ["density_plot", "image_grid", "save_image_grid"]


def phase_portrait(true, predicted, field: Callable | None, path: str | os.PathLike,
                   points: int = 25) -> str:
    """Two trajectories of a 2-D system, the true one and a model's (arrays (T, 2)), in the phase
    plane beside their coordinates against the step, over the arrows of field (a function from a
    float32 tensor (M, 2) of states to their derivatives (M, 2)) on a points x points grid.
    Returns the path."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    true, pred = np.asarray(true), np.asarray(predicted)
    for name, a in (("true", true), ("predicted", pred)):
        if a.ndim != 2 or a.shape[1] != 2:
            raise ValueError(f"phase_portrait: expected the {name} trajectory as (T, 2), got "
                             f"shape {a.shape}")
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.2))
    for i, name in enumerate(("y1", "y2")):
        left.plot(true[:, i], lw=1.5, label=f"{name} true")
        left.plot(pred[:, i], "--", lw=1.2, label=f"{name} model")
    left.set_xlabel("time step")
    left.legend(fontsize=8)
    low, high = np.minimum(true.min(0), pred.min(0)), np.maximum(true.max(0), pred.max(0))
    margin = 0.1 * (high - low)
    low, high = low - margin, high + margin
    if field is not None:
        xs, ys = np.meshgrid(np.linspace(low[0], high[0], points),
                             np.linspace(low[1], high[1], points))
        grid = np.stack([xs.ravel(), ys.ravel()], 1).astype(np.float32)
        d = field(Tensor(grid))
        d = np.asarray(d.detach().numpy() if isinstance(d, Tensor) else d).reshape(points,
                                                                                   points, 2)
        norm = np.linalg.norm(d, axis=-1, keepdims=True) + 1e-12
        right.quiver(xs, ys, *(d / norm).transpose(2, 0, 1), color="0.75", width=0.002)
    right.plot(true[:, 0], true[:, 1], lw=1.5, label="true")
    right.plot(pred[:, 0], pred[:, 1], "--", lw=1.2, label="model")
    right.set_xlim(low[0], high[0])
    right.set_ylim(low[1], high[1])
    right.set_xlabel("y1")
    right.set_ylabel("y2")
    right.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return str(path)
