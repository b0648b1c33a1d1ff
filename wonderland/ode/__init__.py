"""wonderland.ode: odeint(f, y0, t) integrates dy/dt = f(t, y) and returns the states at the
times of t, by fixed-grid Euler, midpoint or RK4 or adaptive Dormand-Prince 5(4) (torchdiffeq's
signature), differentiable by backpropagation through the solver; odeint_adjoint gives the same
solution with gradients by the adjoint method (Chen et al. 2018), in memory that does not grow with
the number of steps. y may be a tensor or any pytree of tensors."""
from __future__ import annotations

from .adjoint import odeint_adjoint
from .integrate import METHODS, odeint

__all__ = ["METHODS", "odeint", "odeint_adjoint"]
