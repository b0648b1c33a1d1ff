"""Composable function transforms (JAX / torch.func names): wl.func.grad, jvp, vmap, hessian ...;
and trace estimators on products with a matrix (hutchinson, hutchpp) and the divergence of a
vector field, exact or estimated."""
from ..autodiff.checkpoint import checkpoint
from ..autodiff.custom import custom_jvp, custom_vjp
from ..autodiff.functional_call import functional_call
from ..autodiff.implicit import fixed_point, root_find
from ..autodiff.jacobians import hessian, jacfwd, jacobian, jacrev
from ..autodiff.pytree import tree_flatten, tree_map, tree_unflatten
from ..autodiff.trace import divergence, hutchinson, hutchpp
from ..autodiff.transforms import grad, hvp, jvp, linearize, value_and_grad, vhp, vjp
from ..autodiff.vmap import vmap

__all__ = ["grad", "value_and_grad", "vjp", "jvp", "linearize", "jacrev", "jacfwd", "jacobian",
           "hessian", "hvp", "vhp", "vmap", "functional_call", "custom_vjp", "custom_jvp",
           "checkpoint", "fixed_point", "root_find", "tree_flatten", "tree_unflatten", "tree_map",
           "divergence", "hutchinson", "hutchpp"]
