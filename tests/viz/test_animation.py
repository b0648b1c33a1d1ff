"""save_gif: a 2-D trajectory becomes scatter frames on fixed axes, image batches become grids
(the frames read back from the GIF equal image_grid's), frames are thinned keeping the last,
and bad input is refused."""
import numpy as np
import pytest
from PIL import Image

import wonderland as wl
from wonderland.viz import image_grid, save_gif


def frames_of(path):
    with Image.open(path) as im:
        out = []
        for i in range(im.n_frames):
            im.seek(i)
            out.append(np.asarray(im.convert("RGB")))
        return out, im.info.get("loop"), im.info.get("duration")


def test_points_trajectory_as_scatter_frames(tmp_path):
    rng = np.random.default_rng(0)
    path = [wl.tensor(rng.normal(size=(50, 2)).astype(np.float32) * s) for s in (3, 2, 1)]
    out = save_gif(path, tmp_path / "t.gif", fps=20, hold_last=2, titles=["a", "b", "c"])
    frames, loop, last = frames_of(out)
    assert len(frames) == 3 and loop == 0 and frames[0].shape == (320, 320, 3)
    assert not np.array_equal(frames[0], frames[2])  # the points moved
    assert last == 150  # the last frame is held three frames long (50 ms each)


def test_image_batches_as_grids(tmp_path):
    rng = np.random.default_rng(1)
    batches = [rng.uniform(size=(6, 1, 5, 5)) for _ in range(4)]
    frames, *_ = frames_of(save_gif(batches, tmp_path / "g.gif", nrow=3, hold_last=0))
    assert len(frames) == 4
    want = np.round(image_grid(batches[1], nrow=3)[0] * 255)
    assert frames[1].shape == want.shape + (3,)
    # GIF palettes quantise: grey levels come back within a few steps
    assert np.abs(frames[1][..., 0].astype(float) - want).max() <= 4


def test_long_trajectories_are_thinned_keeping_the_ends(tmp_path):
    path = [np.full((3, 8, 8), v / 99) for v in range(100)]
    frames, *_ = frames_of(save_gif(path, tmp_path / "l.gif", max_frames=10, hold_last=0,
                                   nrow=3))
    assert len(frames) == 10
    assert frames[-1].max() == 255 and frames[0][2:-2, 2:-2].max() == 0


def test_errors(tmp_path):
    with pytest.raises(ValueError, match="no frames"):
        save_gif([], tmp_path / "x.gif")
    with pytest.raises(ValueError, match="frames differ in shape"):
        save_gif([np.zeros((4, 2)), np.zeros((5, 2))], tmp_path / "x.gif")
    with pytest.raises(ValueError, match=r"expected frames of 2-D points \(N, 2\) or images"):
        save_gif([np.zeros((4, 3))], tmp_path / "x.gif")
