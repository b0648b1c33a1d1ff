"""Deep equilibrium models (Bai, Kolter & Koltun 2019): a layer whose output is the fixed point
z* = f(z*, x) of a cell, found by iteration, with gradients from the implicit function theorem
(autodiff.implicit.fixed_point): memory and backward cost do not depend on how many iterations
the forward pass took, as if the cell were applied infinitely many times with shared weights.
ContractiveCell keeps the iteration convergent: tanh(W z + x) with W scaled to a spectral norm of
at most `contraction` < 1 is a contraction in z (tanh is 1-Lipschitz); the norm is estimated by
power iteration, as spectral normalisation does (Miyato et al. 2018)."""
from __future__ import annotations

from ..autodiff.functional_call import functional_call
from ..autodiff.implicit import fixed_point
from ..core.grad_mode import no_grad
from ..core.tensor import Tensor
from ..functional.pairwise import normalize
from ..nn import Linear, Module, init
from ..nn.parameter import Parameter
from ..ops import empty, randn, zeros

__all__ = ["ContractiveCell", "DEQ", "DEQClassifier"]


class ContractiveCell(Module):
    """f(z, x) = tanh(W z + x), W = V min(1, contraction / sigma(V)): sigma(V), V's largest
    singular value, estimated as u^T V v (differentiated so) from vectors kept as buffers, which
    refresh() improves by `power_iterations` steps of power iteration (DEQ calls it once per
    training forward pass, so that the map stays the same while it is iterated). The estimate
    approaches sigma from below, so the bound holds up to its convergence."""

    def __init__(self, features: int, contraction: float = 0.9,
                 power_iterations: int = 3) -> None:
        super().__init__()
        if not 0 < contraction < 1:
            raise ValueError(f"ContractiveCell: contraction must lie in (0, 1), got {contraction}")
        self.features, self.contraction = features, contraction
        self.power_iterations = power_iterations
        self.weight = Parameter(empty(features, features))
        init.kaiming_uniform_(self.weight, a=5 ** 0.5)
        self.register_buffer("u", normalize(randn(features), dim=0))
        self.register_buffer("v", normalize(randn(features), dim=0))

    def refresh(self) -> None:
        """Power iteration on the current weight, in training mode (the estimate is kept)."""
        if not self.training:
            return
        with no_grad():
            w, u, v = self.weight.detach(), self.u, self.v
            for _ in range(self.power_iterations):
                v = normalize(w.T @ u, dim=0)
                u = normalize(w @ v, dim=0)
            self.u.copy_(u)
            self.v.copy_(v)

    def sigma(self) -> Tensor:
        """The estimate of the weight's spectral norm, u^T V v."""
        return self.u @ (self.weight @ self.v)

    def forward(self, z: Tensor, x: Tensor) -> Tensor:
        scale = (self.sigma() / self.contraction).clamp(min=1.0)
        return (z @ (self.weight / scale).T + x).tanh()

    def extra_repr(self) -> str:
        return f"features={self.features}, contraction={self.contraction}"


class DEQ(Module):
    """forward(x) -> z* with z* = cell(z*, x), iterated from zero to tol (max_iter at most); x
    and the cell's parameters get gradients by the implicit function theorem."""

    def __init__(self, cell: Module, features: int, tol: float = 1e-5,
                 max_iter: int = 200) -> None:
        super().__init__()
        self.cell, self.features, self.tol, self.max_iter = cell, features, tol, max_iter

    def forward(self, x: Tensor) -> Tensor:
        if hasattr(self.cell, "refresh"):  # a cell's once-per-pass update (ContractiveCell's)
            self.cell.refresh()
        names = [name for name, _ in self.cell.named_parameters()]
        params = tuple(p for _, p in self.cell.named_parameters())

        def step(z: Tensor, given: tuple) -> Tensor:  # given = (x, *the cell's parameters)
            return functional_call(self.cell, dict(zip(names, given[1:])), (z, given[0]))

        z0 = zeros(*x.shape[:-1], self.features, dtype=x.dtype, device=x.device)
        return fixed_point(step, z0, (x, *params), tol=self.tol, max_iter=self.max_iter)

    def extra_repr(self) -> str:
        return f"tol={self.tol}, max_iter={self.max_iter}"


class DEQClassifier(Module):
    """Linear input injection -> DEQ(ContractiveCell) -> linear head: logits (N, classes)."""

    def __init__(self, inputs: int, hidden: int, classes: int, contraction: float = 0.9,
                 tol: float = 1e-5, max_iter: int = 200) -> None:
        super().__init__()
        self.inject = Linear(inputs, hidden)
        self.deq = DEQ(ContractiveCell(hidden, contraction), hidden, tol, max_iter)
        self.head = Linear(hidden, classes)

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.deq(self.inject(x.reshape(x.shape[0], -1))))
