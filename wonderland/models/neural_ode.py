"""Neural ODEs (Chen et al. 2018): a network f(t, y) defines dy/dt, and the model's output is the
solution y(t) at chosen times, by odeint (backpropagation through the solver) or odeint_adjoint
(the adjoint method, memory flat in the steps). CubicField is the field of torchdiffeq's spiral
demo: an MLP on y^3."""
from __future__ import annotations

from ..core.tensor import Tensor
from ..nn import Linear, Module, Sequential, Tanh, init
from ..ode import odeint, odeint_adjoint

__all__ = ["CubicField", "NeuralODE"]


class NeuralODE(Module):
    """forward(y0, t=None) -> the states at the times t (the buffer given at construction when
    None), batch first: y0 (B, ...) gives (B, len(t), ...). The field is any Module called as
    field(t, y); with adjoint=True its parameters get their gradients by the adjoint method."""

    def __init__(self, field: Module, t: Tensor, method: str = "dopri5", rtol: float = 1e-7,
                 atol: float = 1e-9, step_size: float | None = None,
                 adjoint: bool = True) -> None:
        super().__init__()
        self.field = field
        self.register_buffer("t", t)
        self.method, self.rtol, self.atol, self.step_size = method, rtol, atol, step_size
        self.adjoint = adjoint

    def forward(self, y0: Tensor, t: Tensor | None = None) -> Tensor:
        solve = odeint_adjoint if self.adjoint else odeint
        ys = solve(self.field, y0, self.t if t is None else t, method=self.method,
                   rtol=self.rtol, atol=self.atol, step_size=self.step_size)
        return ys.movedim(0, 1)

    def extra_repr(self) -> str:
        return (f"method={self.method!r}, rtol={self.rtol}, atol={self.atol}, "
                f"adjoint={self.adjoint}")


class CubicField(Module):
    """dy/dt = W2 tanh(W1 y^3 + b1) + b2, weights drawn N(0, 0.1^2) and zero biases (the
    spiral demo's ODEFunc: the cube lets a small MLP express the cubic true dynamics)."""

    def __init__(self, dim: int = 2, hidden: int = 50) -> None:
        super().__init__()
        self.net = Sequential(Linear(dim, hidden), Tanh(), Linear(hidden, dim))
        for layer in (self.net[0], self.net[2]):
            init.normal_(layer.weight, std=0.1)
            init.zeros_(layer.bias)

    def forward(self, t: Tensor, y: Tensor) -> Tensor:
        return self.net(y ** 3)
