"""The deep equilibrium model against a PyTorch twin that unrolls the same contraction until it
has converged and backpropagates through every iteration (the limit the implicit gradient
gives without storing them); the cell contracts; gradients against finite differences; a short
run of the recipe learns."""
import numpy as np
import pytest
import torch

import wonderland as wl
from wonderland.data import DataLoader
from wonderland.models.deq import ContractiveCell, DEQClassifier
from wonderland.recipes import get
from wonderland.train.run import build


def torch_twin(model: DEQClassifier, x: np.ndarray, iterations: int = 400):
    names = ("inject.weight", "inject.bias", "deq.cell.weight", "head.weight", "head.bias")
    ps = {n: torch.tensor(p.detach().numpy(), requires_grad=True)
          for n, p in model.named_parameters() if n in names}
    assert set(ps) == set(names)
    inj = torch.tensor(x) @ ps["inject.weight"].T + ps["inject.bias"]
    cell = model.deq.cell  # its power iteration's vectors, as the forward pass left them
    u, v = (torch.tensor(b.numpy()) for b in (cell.u, cell.v))
    sigma = u @ ps["deq.cell.weight"] @ v
    w = ps["deq.cell.weight"] / torch.clamp(sigma / cell.contraction, min=1.0)
    z = torch.zeros_like(inj)
    for _ in range(iterations):
        z = torch.tanh(z @ w.T + inj)
    return z @ ps["head.weight"].T + ps["head.bias"], ps


def test_outputs_and_gradients_match_an_unrolled_torch_twin():
    wl.manual_seed(0)
    model = DEQClassifier(12, 16, 5, tol=1e-13).to(wl.float64)
    with wl.no_grad():
        model.deq.cell.weight.mul_(5.0)  # large enough that the norm cap is active
    x = np.random.default_rng(0).normal(size=(6, 12))
    labels = np.array([0, 1, 2, 3, 4, 0])
    out = model(wl.tensor(x))
    loss = wl.nn.functional.cross_entropy(out, wl.tensor(labels))
    grads = dict(zip([n for n, _ in model.named_parameters()],
                     wl.autograd.grad(loss, list(model.parameters()))))
    t_out, t_ps = torch_twin(model, x)
    torch.nn.functional.cross_entropy(t_out, torch.tensor(labels)).backward()
    np.testing.assert_allclose(out.detach().numpy(), t_out.detach().numpy(), atol=1e-12)
    for name, p in t_ps.items():
        np.testing.assert_allclose(grads[name].numpy(), p.grad.numpy(), rtol=1e-8, atol=1e-11,
                                   err_msg=name)


def test_the_cell_contracts():
    wl.manual_seed(1)
    cell = ContractiveCell(8, contraction=0.5, power_iterations=50).to(wl.float64)
    with wl.no_grad():
        cell.weight.mul_(10.0)
    sigma = np.linalg.norm(cell.weight.detach().numpy(), 2)
    cell.refresh()
    assert abs(float(cell.sigma()) / sigma - 1) < 1e-6  # power iteration found the norm
    x = wl.randn(3, 8, dtype=wl.float64)
    a, b = wl.randn(3, 8, dtype=wl.float64), wl.randn(3, 8, dtype=wl.float64)
    ratio = (cell(a, x) - cell(b, x)).norm(dim=1) / (a - b).norm(dim=1)
    assert float(ratio.max()) <= 0.5 + 1e-12
    with pytest.raises(ValueError, match="contraction must lie in"):
        ContractiveCell(4, contraction=1.0)


def test_mnist1d_deq_learns(mnist1d_root):
    recipe = get("mnist1d_deq")
    cfg = recipe.configure({"data_root": mnist1d_root, "tol": 1e-4})
    model, (train, _, _) = build(recipe, cfg)
    opt = recipe.optimizer(cfg, model.parameters())
    x, y = next(iter(DataLoader(train, batch_size=100)))
    losses = []
    for _ in range(30):
        loss = wl.nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.item()))
    assert losses[-1] < 0.5 * losses[0], losses
