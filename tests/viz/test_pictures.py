"""Image grids laid out as torchvision's make_grid, written as PNGs, and 2-D density plots."""
import matplotlib.image
import numpy as np
import pytest

import wonderland as wl
from wonderland.models import RealNVP
from wonderland.viz import density_plot, image_grid, save_image_grid


def test_grid_places_each_image_in_row_order_between_padding():
    images = np.arange(1, 4, dtype=np.float64)[:, None, None, None] * np.ones((3, 1, 2, 2))
    grid = image_grid(wl.tensor(images), nrow=2, padding=1, pad_value=-1.0)
    assert grid.shape == (1, 7, 7)
    want = np.full((7, 7), -1.0)
    want[1:3, 1:3], want[1:3, 4:6], want[4:6, 1:3] = 1.0, 2.0, 3.0
    np.testing.assert_array_equal(grid[0], want)


def test_grid_of_greyscale_rgb_and_normalised_images():
    assert image_grid(np.zeros((5, 4, 3)), nrow=8, padding=0).shape == (1, 4, 15)
    rgb = image_grid(np.ones((4, 3, 2, 2)), nrow=2, padding=1)
    assert rgb.shape == (3, 7, 7) and rgb[:, 1, 1].tolist() == [1.0, 1.0, 1.0]
    spread = image_grid(np.array([[[[2.0, 6.0]]]]), padding=0, normalize=True)
    assert spread[0, 0].tolist() == [0.0, 1.0]


@pytest.mark.parametrize("bad, message", [(np.zeros((2, 3)), "expected images"),
                                          (np.zeros((0, 1, 2, 2)), "expected images")])
def test_grid_rejects_what_is_no_batch_of_images(bad, message):
    with pytest.raises(ValueError, match=message):
        image_grid(bad)
    with pytest.raises(ValueError, match="nrow must be"):
        image_grid(np.zeros((1, 1, 2, 2)), nrow=0)


def test_a_saved_grid_reads_back_pixel_for_pixel(tmp_path):
    images = np.linspace(0, 1, 2 * 3 * 3).reshape(2, 1, 3, 3)
    path = save_image_grid(images, tmp_path / "grid.png", nrow=2, padding=1)
    back = matplotlib.image.imread(path)
    assert back.shape[:2] == (5, 9)
    np.testing.assert_allclose(back[1:4, 1:4, 0], images[0, 0], atol=1 / 255 + 1e-6)


def test_density_plot_of_a_flow(tmp_path):
    flow = RealNVP(2, couplings=2, hidden=8)
    path = density_plot(flow.sample(200, generator=wl.Generator(0)), flow.log_prob,
                        tmp_path / "density.png", points=40, title="an untrained flow")
    assert (tmp_path / "density.png").stat().st_size > 1000 and path.endswith("density.png")
    density_plot(np.random.default_rng(0).normal(size=(50, 2)), None, tmp_path / "dots.png")
    assert (tmp_path / "dots.png").exists()
    with pytest.raises(ValueError, match=r"expected samples \(N, 2\)"):
        density_plot(np.zeros((5, 3)), None, tmp_path / "bad.png")
