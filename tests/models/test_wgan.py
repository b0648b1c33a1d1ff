"""WGAN-GP: the gradient penalty and the critic's loss against a PyTorch twin with the same
weights and inputs (values and every critic gradient, through the double backward), the
one-optimizer update touching only the player it steps, short training reducing MMD on eight
Gaussians, the toy datasets, and the recipes' assessment."""
import math

import numpy as np
import pytest
import torch
from torch import nn

import wonderland as wl
from wonderland.data.datasets import EightGaussians, SwissRoll2D, TwentyFiveGaussians, toy_points
from wonderland.models import WGANGP
from wonderland.models.wgan import gradient_penalty
from wonderland.optim import Adam
from wonderland.recipes import get
from wonderland.recipes._wgan import _blocked_mmd, train_step


def torch_mlp(n_in, hidden, layers, n_out):
    widths = [n_in] + [hidden] * layers
    blocks = []
    for a, b in zip(widths[:-1], widths[1:]):
        blocks += [nn.Linear(a, b), nn.ReLU()]
    return nn.Sequential(*blocks, nn.Linear(widths[-1], n_out))


class TorchWGAN(nn.Module):
    """The twin of WGANGP's two networks under the same parameter names."""

    def __init__(self, hidden, layers):
        super().__init__()
        self.generator = nn.Module()
        self.generator.net = torch_mlp(2, hidden, layers, 2)
        self.critic = nn.Module()
        self.critic.net = torch_mlp(2, hidden, layers, 1)


def twins(hidden=16, layers=2):
    model = WGANGP(hidden=hidden, layers=layers)
    twin = TorchWGAN(hidden, layers)
    state = model.state_dict()
    assert list(state) == list(twin.state_dict())
    twin.load_state_dict({k: torch.tensor(v.numpy()) for k, v in state.items()})
    return model, twin


def torch_penalty(critic, real, fake, alpha):
    x_hat = (alpha * real + (1 - alpha) * fake).requires_grad_()
    (g,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    return ((g.norm(dim=1) - 1) ** 2).mean()


def test_gradient_penalty_and_critic_loss_match_torch_with_their_gradients():
    model, twin = twins()
    rng = np.random.default_rng(1)
    real, fake = rng.normal(size=(32, 2)).astype(np.float32), rng.normal(size=(32, 2))
    fake, alpha = fake.astype(np.float32), rng.random((32, 1)).astype(np.float32)
    gp = gradient_penalty(model.critic, wl.tensor(real), wl.tensor(fake), alpha=wl.tensor(alpha))
    loss = (model.critic(wl.tensor(fake)).mean() - model.critic(wl.tensor(real)).mean()
            + 0.1 * gp)
    loss.backward()
    critic = lambda x: twin.critic.net(x).squeeze(1)  # noqa: E731
    t_real, t_fake = torch.tensor(real), torch.tensor(fake)
    t_gp = torch_penalty(critic, t_real, t_fake, torch.tensor(alpha))
    t_loss = critic(t_fake).mean() - critic(t_real).mean() + 0.1 * t_gp
    t_loss.backward()
    assert gp.item() > 1e-3  # a penalty that is not trivially zero
    np.testing.assert_allclose(gp.item(), t_gp.item(), rtol=1e-5)
    np.testing.assert_allclose(loss.item(), t_loss.item(), rtol=1e-5, atol=1e-6)
    t_params = dict(twin.named_parameters())
    for name, p in model.named_parameters():
        if name.startswith("critic."):
            np.testing.assert_allclose(p.grad.numpy(), t_params[name].grad.numpy(), rtol=1e-4,
                                       atol=1e-6, err_msg=name)
        else:
            assert p.grad is None, name  # the fake points are held fixed


def test_penalty_alone_reaches_the_critic_weights_by_double_backward():
    model, twin = twins(hidden=8)
    rng = np.random.default_rng(2)
    real, fake, alpha = (rng.normal(size=s).astype(np.float32) for s in ((16, 2), (16, 2),
                                                                          (16, 1)))
    gp = gradient_penalty(model.critic, wl.tensor(real), wl.tensor(fake), alpha=wl.tensor(alpha))
    grads = wl.autograd.grad(gp, list(model.critic.parameters()), allow_unused=True)
    critic = lambda x: twin.critic.net(x).squeeze(1)  # noqa: E731
    t_gp = torch_penalty(critic, torch.tensor(real), torch.tensor(fake), torch.tensor(alpha))
    t_grads = torch.autograd.grad(t_gp, list(twin.critic.parameters()), allow_unused=True)
    assert grads[-1] is None and t_grads[-1] is None  # the output bias leaves grad_x alone
    for g, tg in zip(grads[:-1], t_grads[:-1]):
        # ReLU's second derivative is zero: grad_x is piecewise constant in the biases
        # (wonderland sees no path at all to some biases and says None, PyTorch gives zeros)
        assert (np.abs(tg.numpy()).max() > 0) == (tg.ndim == 2)
        ours = np.zeros(tuple(tg.shape), np.float32) if g is None else g.numpy()
        np.testing.assert_allclose(ours, tg.numpy(), rtol=1e-4, atol=1e-6)


def test_gradient_penalty_rejects_mismatched_shapes():
    model = WGANGP(hidden=4, layers=1)
    with pytest.raises(ValueError, match=r"gradient_penalty: expected real and fake of one "
                                         r"shape \(N, D\), got \(4, 2\) and \(3, 2\)"):
        gradient_penalty(model.critic, wl.randn(4, 2), wl.randn(3, 2))


def test_update_steps_each_player_only_with_its_own_loss():
    model = WGANGP(hidden=8, layers=1)
    opt = Adam(model.parameters(), lr=1e-2, betas=(0.5, 0.9))
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    loss = model.update(opt, [wl.randn(8, 2) for _ in range(3)])
    assert math.isfinite(loss)
    after = model.state_dict()
    moved = {k for k in before if not np.array_equal(before[k], after[k].numpy())}
    assert moved == set(before) - {"critic.net.2.bias"}  # it cancels in the critic's loss
    steps = {opt.state[id(p)]["step"] for p in model.critic.parameters()}
    assert steps == {3}  # three critic steps; the generator step left the critic alone
    assert {opt.state[id(p)]["step"] for p in model.generator.parameters()} == {1}
    with pytest.raises(ValueError, match="WGANGP.update: needs at least one real batch"):
        model.update(opt, [])


def test_train_step_splits_the_batch_into_critic_batches():
    class FakeTrainer:
        config = {"critic_iters": 5}
        model = WGANGP(hidden=4, layers=1)
        optimizer = Adam(model.parameters())

    assert math.isfinite(train_step(FakeTrainer, wl.randn(10, 2), None))
    with pytest.raises(ValueError, match="a batch of 4 cannot feed 5 critic steps"):
        train_step(FakeTrainer, wl.randn(4, 2), None)


def test_short_training_moves_the_generator_towards_eight_gaussians():
    model = WGANGP(hidden=32, layers=2)
    opt = Adam(model.parameters(), lr=1e-3, betas=(0.5, 0.9))
    data = toy_points("8gaussians", 1000, 1)
    rng = np.random.default_rng(0)

    def distance():
        with wl.no_grad():
            return _blocked_mmd(model.generator.sample(1000).numpy(), data, 1000, (0.2, 1.0))

    start = distance()
    for _ in range(100):
        x = wl.tensor(toy_points("8gaussians", 5 * 64, rng))
        model.update(opt, [x[i * 64:(i + 1) * 64] for i in range(5)])
    assert distance() < 0.3 * start


@pytest.mark.parametrize("cls, radius", [(EightGaussians, 2 / 1.414), (TwentyFiveGaussians, None),
                                         (SwissRoll2D, None)])
def test_toy_datasets(cls, radius):
    ds = cls(500, seed=3)
    x, y = ds[0]
    assert len(ds) == 500 and ds.data.shape == (500, 2) and ds.data.dtype == np.float32
    np.testing.assert_array_equal(ds.data, cls(500, seed=3).data)
    assert not np.array_equal(ds.data, cls(500, seed=4).data)
    assert np.abs(ds.data).max() < 2.0
    if radius is not None:  # on the circle, within a few standard deviations
        np.testing.assert_allclose(np.linalg.norm(ds.data, axis=1), radius, atol=0.1)
        assert set(ds.targets) == set(range(8))
    if cls is TwentyFiveGaussians:  # each point near its grid centre; every centre as often
        centres = np.stack(np.meshgrid(*[np.arange(-4, 5, 2)] * 2, indexing="ij"), -1)
        centres = centres.reshape(-1, 2)[ds.targets] / 2.828
        assert np.abs(ds.data - centres).max() < 0.3 / 2.828
        assert np.bincount(ds.targets).tolist() == [20] * 25


def test_toy_points_is_the_dataset_and_checks_its_name():
    np.testing.assert_array_equal(toy_points("swissroll", 50, 7), SwissRoll2D(50, seed=7).data)
    with pytest.raises(ValueError, match="unknown toy 'moons'; known: 8gaussians, 25gaussians"):
        toy_points("moons", 10)
    with pytest.raises(ValueError, match="8gaussians: n must be positive, got 0"):
        EightGaussians(0)


@pytest.mark.parametrize("name", ["eight_gaussians_wgan", "swiss_roll_wgan"])
def test_assess_gives_finite_figures_and_the_picture(name, tmp_path):
    recipe = get(name)
    cfg = recipe.configure({"hidden": 16, "points": 100, "test_points": 100,
                            "assess_points": 400, "mmd_block": 200})
    model = recipe.model(cfg)
    figures = recipe.assess(model, cfg, recipe.data(cfg), tmp_path)
    assert set(figures) == {"mmd", "mmd_floor", "sliced_w1", "sliced_w1_floor"}
    assert all(math.isfinite(v) for v in figures.values())
    assert figures["mmd"] > figures["mmd_floor"]  # an untrained generator is far from the data
    assert (tmp_path / "samples_critic.png").read_bytes()[:4] == b"\x89PNG"


def test_the_recipe_checkpoints_both_players_and_resumes_exactly(tmp_path):
    from wonderland.serialization import load_state
    from wonderland.train.run import train_recipe

    recipe = get("eight_gaussians_wgan")
    small = {"hidden": 8, "points": 200, "test_points": 50, "assess_points": 100,
             "batch_size": 40, "eval_every": 2, "checkpoint_every": 2, "log_every": 1}
    whole = train_recipe(recipe, {**small, "steps": 4}, tmp_path / "whole", progress=False)
    train_recipe(recipe, {**small, "steps": 2}, tmp_path / "split", progress=False)
    split = train_recipe(recipe, {**small, "steps": 4}, tmp_path / "split", progress=False)
    assert whole["test"] == split["test"] and math.isfinite(whole["test"]["mmd"])
    state = load_state(tmp_path / "whole" / "checkpoint.safetensors")
    n_params = len(list(recipe.model(recipe.configure(small)).parameters()))
    steps = [s["step"] for s in state["optimizer"]["state"].values()]
    assert len(steps) == n_params and sorted(set(steps)) == [4, 20]  # generator, critic


def test_density_plot_names_its_styles(tmp_path):
    from wonderland.viz import density_plot

    with pytest.raises(ValueError, match="style must be 'density' or 'critic', got 'heat'"):
        density_plot(np.zeros((3, 2)), None, tmp_path / "x.png", style="heat")
