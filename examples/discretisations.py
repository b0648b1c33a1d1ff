"""Three discretisations, drawn: a residual network with shared weights against the neural ODE
it approximates (its gap at t = 1 against the depth), a GRU cell's steps against the GRU-ODE
they are unit Euler steps of, and gradient descent against the gradient flow on a quadratic, as
the learning rate shrinks. docs/differential_equations.md measures each; this draws them into
docs/pictures/discretisations.png.

    python examples/discretisations.py [--out docs/pictures/discretisations.png]
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import wonderland as wl
from wonderland.ode import odeint

ROOT = Path(__file__).resolve().parents[1]
T = wl.float64


def resnet_gaps(depths: tuple[int, ...]) -> list[float]:
    """max |ResNet(x) - ODE(x)| for residual networks of each depth, step 1 / depth."""
    wl.manual_seed(0)
    block = wl.nn.Sequential(wl.nn.Linear(2, 16), wl.nn.Tanh(), wl.nn.Linear(16, 2)).to(T)
    x = wl.randn(8, 2, dtype=T)
    with wl.no_grad():
        limit = odeint(lambda s, y: block(y), x, wl.tensor([0.0, 1.0], dtype=T), rtol=1e-10,
                       atol=1e-10)[-1]
        gaps = []
        for depth in depths:
            y = x
            for _ in range(depth):
                y = y + block(y) / depth
            gaps.append(float((y - limit).abs().max()))
    return gaps


def gru_paths(steps: int = 8) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(times, the GRU cell applied step after step to one input, the GRU-ODE's solution on
    the same times): the first hidden unit of one sequence."""
    wl.manual_seed(1)
    cell = wl.nn.GRUCell(3, 4).to(T)
    u, h0 = wl.randn(1, 3, dtype=T), wl.zeros(1, 4, dtype=T)

    def field(s, h):
        gi, gh = u @ cell.weight_ih.T + cell.bias_ih, h @ cell.weight_hh.T + cell.bias_hh
        r, z = (gi[:, :4] + gh[:, :4]).sigmoid(), (gi[:, 4:8] + gh[:, 4:8]).sigmoid()
        return (1 - z) * ((gi[:, 8:] + r * gh[:, 8:]).tanh() - h)

    times = np.arange(steps + 1, dtype=np.float64)
    with wl.no_grad():
        cells, h = [h0], h0
        for _ in range(steps):
            h = cell(u, h)
            cells.append(h)
        flow = odeint(field, h0, wl.tensor(times, dtype=T))
    return times, np.array([float(c[0, 0]) for c in cells]), flow[:, 0, 0].numpy()


def descent_paths(lrs: tuple[float, ...]) -> tuple[np.ndarray, list[np.ndarray]]:
    """The gradient flow's path on a quadratic over t in [0, 2], and gradient descent's
    iterates for each learning rate (k steps land at t = k lr)."""
    h = np.array([[3.0, 1.0], [1.0, 2.0]])
    b, theta0 = np.array([1.0, -1.0]), np.array([2.0, 2.0])
    star = np.linalg.solve(h, b)
    w, v = np.linalg.eigh(h)
    ts = np.linspace(0.0, 2.0, 200)
    flow = np.array([star + v @ (np.exp(-w * t) * (v.T @ (theta0 - star))) for t in ts])
    paths = []
    for lr in lrs:
        theta, path = theta0.copy(), [theta0.copy()]
        for _ in range(round(2.0 / lr)):
            theta = theta - lr * (h @ theta - b)
            path.append(theta.copy())
        paths.append(np.array(path))
    return flow, paths


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default=str(ROOT / "docs" / "pictures" / "discretisations.png"))
    args = p.parse_args()
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    depths = (2, 4, 8, 16, 32, 64, 128)
    axes[0].loglog(depths, resnet_gaps(depths), "o-", label="ResNet, step 1/depth")
    axes[0].loglog(depths, [0.06 / d for d in depths], "k--", lw=0.8, label="1 / depth")
    axes[0].set(xlabel="depth", ylabel="max |ResNet - neural ODE| at t = 1",
                title="a residual network is Euler's method")
    axes[0].legend()
    times, cells, flow = gru_paths()
    axes[1].plot(times, flow, label="GRU-ODE, dh/dt = (1 - z)(n - h)")
    axes[1].plot(times, cells, "o", label="GRU cell, step after step")
    axes[1].set(xlabel="step (time)", ylabel="hidden unit 1",
                title="a GRU is a unit Euler step")
    axes[1].legend()
    lrs = (0.3, 0.1, 0.02)
    flow_path, paths = descent_paths(lrs)
    axes[2].plot(flow_path[:, 0], flow_path[:, 1], "k", lw=2, label="gradient flow")
    for lr, path in zip(lrs, paths):
        axes[2].plot(path[:, 0], path[:, 1], ".-", ms=4, lw=0.8, label=f"gradient descent, lr {lr}")
    axes[2].set(xlabel="theta 1", ylabel="theta 2", title="gradient descent is Euler's method")
    axes[2].legend(fontsize=8)
    fig.tight_layout()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=100)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
