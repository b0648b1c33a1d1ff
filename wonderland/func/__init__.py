"""Composable function transforms (JAX / torch.func names): wl.func.grad, jvp, vmap, hessian ..."""
from ..autodiff.functional_call import functional_call
from ..autodiff.jacobians import hessian, jacfwd, jacobian, jacrev
from ..autodiff.pytree import tree_flatten, tree_map, tree_unflatten
from ..autodiff.transforms import grad, hvp, jvp, linearize, value_and_grad, vhp, vjp
from ..autodiff.vmap import vmap

__all__ = ["grad", "value_and_grad", "vjp", "jvp", "linearize", "jacrev", "jacfwd", "jacobian",
           "hessian", "hvp", "vhp", "vmap", "functional_call", "tree_flatten", "tree_unflatten",
           "tree_map"]
