"""The 2-D RealNVP recipes beyond two moons: the swiss roll's standardised splits, and the
assessment's test NLL (equal to the model's test loss) and density picture."""
import math

import numpy as np

from wonderland.recipes import get
from wonderland.train.trainer import evaluate


def test_swiss_roll_realnvp_splits_and_assessment(tmp_path):
    from wonderland.data import DataLoader
    from wonderland.recipes._flow import nll

    recipe = get("swiss_roll_realnvp")
    cfg = recipe.configure({"points": 400, "test_points": 100, "samples": 200, "hidden": 8})
    train, val, test = recipe.data(cfg)
    assert val is None and len(train) == 400 and len(test) == 100
    np.testing.assert_allclose(train.data.mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(train.data.std(0), 1, atol=1e-4)
    model = recipe.model(cfg)
    model.eval()
    figures = recipe.assess(model, cfg, (train, val, test), tmp_path)
    loss = evaluate(model, DataLoader(test, batch_size=1000), nll, {})["loss"]
    assert set(figures) == {"nll"} and math.isfinite(figures["nll"])
    np.testing.assert_allclose(figures["nll"], loss, rtol=1e-5)
    assert (tmp_path / "density.png").read_bytes()[:4] == b"\x89PNG"
