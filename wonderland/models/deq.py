"""Deep equilibrium models (Bai, Kolter & Koltun 2019): a layer whose output is the fixed point
z* = f(z*, x) of a cell, found by iteration, with gradients from the implicit function theorem
(autodiff.implicit.fixed_point): memory and backward cost do not depend on how many iterations
the forward pass took, as if the cell were applied infinitely many times with shared weights.
ContractiveCell keeps the iteration convergent by construction: tanh(W z + x) with W scaled to a
Frobenius (hence spectral) norm of at most `contraction` < 1 is a contraction in z."""
from __future__ import annotations

from ..autodiff.functional_call import functional_call
from ..autodiff.implicit import fixed_point
from ..core.tensor import Tensor
from ..nn import Linear, Module, init
from ..nn.parameter import Parameter
from ..ops import empty, zeros

__all__ = ["ContractiveCell", "DEQ", "DEQClassifier"]


class ContractiveCell(Module):
    """f(z, x) = tanh(W z + x), W = V min(1, contraction / |V|_F): a contraction of z with
    Lipschitz constant at most `contraction` for every input x (tanh is 1-Lipschitz)."""

    def __init__(self, features: int, contraction: float = 0.9) -> None:
        super().__init__()
        if not 0 < contraction < 1:
            raise ValueError(f"ContractiveCell: contraction must lie in (0, 1), got {contraction}")
        self.features, self.contraction = features, contraction
        self.weight = Parameter(empty(features, features))
        init.kaiming_uniform_(self.weight, a=5 ** 0.5)

    def forward(self, z: Tensor, x: Tensor) -> Tensor:
        norm = (self.weight * self.weight).sum().sqrt()
        scale = (norm / self.contraction).clamp(min=1.0)
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
