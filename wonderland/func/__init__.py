"""Composable function transforms (JAX / torch.func names): wl.func.grad, jvp, vmap, hessian ...;
and trace estimators on products with a matrix (hutchinson, hutchpp) and the divergence of a
vector field, exact or estimated. pmap and its collectives (psum, pmean, all_gather, axis_index)
live with the process group in wonderland.distributed and are imported on first use."""
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
           "divergence", "hutchinson", "hutchpp",
           "pmap", "psum", "pmean", "all_gather", "axis_index"]

_PMAP_NAMES = ("pmap", "psum", "pmean", "all_gather", "axis_index")


def __getattr__(name: str):
    # wonderland.distributed sits above func; importing it on first use keeps `import wonderland`
    # free of it (it never imports mpi4py either way: init_process_group does)
    if name in _PMAP_NAMES:
        from ..distributed import pmap as module

        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
