"""NeuralODE and CubicField against a PyTorch twin (the same weights, RK4 written in torch):
the trajectory and the gradients, by backpropagation and by the adjoint; a short run of the
spiral recipe learns."""
import numpy as np
import torch

import wonderland as wl
from wonderland.models import CubicField, NeuralODE
from wonderland.recipes import get
from wonderland.train.run import build


def torch_rk4(field, y0, times, steps_per_interval):
    ys, y = [y0], y0
    for a, b in zip(times[:-1], times[1:]):
        h = (b - a) / steps_per_interval
        for j in range(steps_per_interval):
            s = a + j * h
            k1 = field(s, y)
            k2 = field(s + h / 2, y + h / 2 * k1)
            k3 = field(s + h / 2, y + h / 2 * k2)
            k4 = field(s + h, y + h * k3)
            y = y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        ys.append(y)
    return torch.stack(ys, 1)


def twin(field: CubicField):
    lin = [field.net[0], field.net[2]]
    ws = [torch.tensor(m.weight.detach().numpy(), requires_grad=True) for m in lin]
    bs = [torch.tensor(m.bias.detach().numpy(), requires_grad=True) for m in lin]

    def f(s, y):
        return torch.tanh(y ** 3 @ ws[0].T + bs[0]) @ ws[1].T + bs[1]
    return f, [ws[0], bs[0], ws[1], bs[1]]


def test_trajectory_and_gradients_match_a_torch_twin():
    wl.manual_seed(0)
    field = CubicField(2, 16).to(wl.float64)
    times = [0.0, 0.25, 0.5, 1.0]
    y0 = np.random.default_rng(0).normal(size=(5, 2))
    f, tparams = twin(field)
    ty0 = torch.tensor(y0, requires_grad=True)
    want = torch_rk4(f, ty0, times, 10)
    want.abs().mean().backward()
    for adjoint, tol in ((False, 1e-10), (True, 1e-6)):
        model = NeuralODE(field, wl.tensor(times, dtype=wl.float64), method="rk4",
                          step_size=0.025, adjoint=adjoint)
        wy0 = wl.tensor(y0).requires_grad_(True)
        out = model(wy0)
        np.testing.assert_allclose(out.detach().numpy(), want.detach().numpy(), atol=1e-12)
        ps = [field.net[0].weight, field.net[0].bias, field.net[2].weight, field.net[2].bias]
        grads = wl.autograd.grad(out.abs().mean(), [wy0, *ps])
        for g, t in zip(grads, [ty0, *tparams]):
            np.testing.assert_allclose(g.numpy(), t.grad.numpy(), rtol=tol, atol=tol)


def test_spiral_recipe_learns():
    recipe = get("spiral_ode")
    cfg = recipe.configure({"data_size": 100, "t_end": 2.5, "method": "rk4", "lr": 3e-3})
    model, (train, _, _) = build(recipe, cfg)
    model.step_size = None  # rk4, one step per interval of the window's times
    opt = recipe.optimizer(cfg, model.parameters())
    x, y = train[np.arange(0, len(train), 4)]
    losses = []
    for _ in range(20):
        loss = (model(x) - y).abs().mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.item()))
    assert losses[-1] < 0.5 * losses[0], losses
