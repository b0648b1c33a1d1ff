"""Animations of what samplers do: a trajectory of 2-D point clouds (scatter plots on fixed axes)
or of image batches (grids) written as a looping GIF by matplotlib and Pillow, imported on
first use."""
from __future__ import annotations

import os

import numpy as np

from ..core.tensor import Tensor
from .pictures import image_grid


def _array(frame) -> np.ndarray:
    return np.asarray(frame.detach().numpy() if isinstance(frame, Tensor) else frame,
                      dtype=np.float64)


def _pick(n: int, max_frames: int | None) -> list[int]:
    """Indices of at most max_frames frames spread evenly, the first and the last kept."""
    if max_frames is None or n <= max_frames:
        return list(range(n))
    return sorted(set(np.linspace(0, n - 1, max_frames).round().astype(int).tolist()))


def _scatter_frames(frames: list, extent, size: float, titles) -> list[np.ndarray]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if extent is None:
        low = np.min([f.min(0) for f in frames], 0)
        high = np.max([f.max(0) for f in frames], 0)
        pad = 0.05 * (high - low).max()
        extent = (low[0] - pad, high[0] + pad, low[1] - pad, high[1] + pad)
    out = []
    for i, f in enumerate(frames):
        fig = Figure(figsize=(size, size), dpi=80)
        ax = fig.add_subplot()
        ax.scatter(f[:, 0], f[:, 1], s=3, alpha=0.6, linewidths=0)
        ax.set_xlim(extent[0], extent[1])
        ax.set_ylim(extent[2], extent[3])
        ax.set_aspect("equal")
        if titles is not None:
            ax.set_title(titles[i])
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        out.append(np.asarray(canvas.buffer_rgba())[..., :3].copy())
    return out


def _grid_frames(frames: list, nrow: int, normalize: bool) -> list[np.ndarray]:
    out = []
    for f in frames:
        grid = np.clip(image_grid(f, nrow, normalize=normalize), 0.0, 1.0)
        rgb = np.repeat(grid, 3, 0) if grid.shape[0] == 1 else grid
        out.append((rgb.transpose(1, 2, 0) * 255).round().astype(np.uint8))
    return out


def save_gif(frames, path: str | os.PathLike, fps: float = 10.0, max_frames: int | None = 60,
             hold_last: int = 10, extent: tuple[float, float, float, float] | None = None,
             size: float = 4.0, titles: list[str] | None = None, nrow: int = 8,
             normalize: bool = False) -> str:
    """A looping GIF of a trajectory: a sequence of (N, 2) point clouds, drawn as scatter plots
    on axes fixed across frames (`extent`, else all frames' range), or of image batches
    (N, C, H, W) / (N, H, W) in [0, 1] (normalize=True maps each frame's range), drawn as grids
    `nrow` wide. At most max_frames frames, spread evenly and keeping the last, which is shown
    1 + hold_last frames long. Returns the path."""
    from PIL import Image

    arrays = [_array(f) for f in frames]
    if not arrays:
        raise ValueError("save_gif: no frames")
    shapes = {a.shape for a in arrays}
    if len(shapes) != 1:
        raise ValueError(f"save_gif: frames differ in shape: {sorted(shapes)}")
    keep = _pick(len(arrays), max_frames)
    arrays = [arrays[i] for i in keep]
    titles = None if titles is None else [titles[i] for i in keep]
    first = arrays[0]
    if first.ndim == 2 and first.shape[1] == 2:
        pictures = _scatter_frames(arrays, extent, size, titles)
    elif first.ndim in (3, 4):
        pictures = _grid_frames(arrays, nrow, normalize)
    else:
        raise ValueError(f"save_gif: expected frames of 2-D points (N, 2) or images "
                         f"(N, C, H, W) / (N, H, W), got shape {first.shape}")
    images = [Image.fromarray(p) for p in pictures]
    step = max(1, round(1000 / fps))
    durations = [step] * (len(images) - 1) + [step * (1 + max(0, hold_last))]
    images[0].save(os.fspath(path), save_all=True, append_images=images[1:],
                   duration=durations if len(images) > 1 else durations[0], loop=0)
    return os.fspath(path)
