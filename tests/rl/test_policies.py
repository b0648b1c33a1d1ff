"""The actor-critic's initialisation: orthogonal weights with CleanRL's gains (W W^T = gain^2 I
on the short side), zero biases, and a near-uniform first policy."""
import math

import numpy as np

import wonderland as wl
from wonderland.rl import ActorCritic, layer_init


def test_orthogonal_rows_scaled_by_the_gain():
    for shape, std in (((64, 4), math.sqrt(2)), ((2, 64), 0.01), ((1, 64), 1.0), ((64, 64), 2)):
        layer = layer_init(wl.nn.Linear(shape[1], shape[0]), std)
        w = layer.weight.detach().numpy().astype(np.float64)
        small = w @ w.T if shape[0] <= shape[1] else w.T @ w
        np.testing.assert_allclose(small, std ** 2 * np.eye(min(shape)), atol=1e-5)
        assert np.all(layer.bias.detach().numpy() == 0)


def test_cleanrl_gains_and_a_near_uniform_first_policy():
    wl.manual_seed(0)
    model = ActorCritic(4, 2)
    gains = {name: np.linalg.svd(p.detach().numpy(), compute_uv=False)
             for name, p in model.named_parameters() if name.endswith("weight")}
    assert set(gains) == {f"{net}.{i}.weight" for net in ("actor", "critic") for i in (0, 2, 4)}
    for name, s in gains.items():  # every singular value is the layer's gain
        want = {"actor.4.weight": 0.01, "critic.4.weight": 1.0}.get(name, math.sqrt(2))
        np.testing.assert_allclose(s, want, rtol=1e-5, err_msg=name)
    obs = wl.tensor(np.random.default_rng(0).normal(size=(100, 4)).astype(np.float32))
    probs = model.distribution(obs).probs.detach().numpy()
    assert np.abs(probs - 0.5).max() < 0.02
