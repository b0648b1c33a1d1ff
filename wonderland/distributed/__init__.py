"""wonderland.distributed: torch.distributed's API over MPI (mpi4py and Open MPI), one process
per rank started by `wonderland launch -n N script.py` (or mpiexec): the process group, the
collectives on tensors, the differentiable collectives (`.nn.functional`) and the launcher.
Importing it does not start MPI; init_process_group does."""
from . import nn
from .collectives import (
    all_gather,
    all_gather_into_tensor,
    all_reduce,
    broadcast,
    gather,
    irecv,
    isend,
    recv,
    reduce,
    reduce_scatter,
    reduce_scatter_tensor,
    scatter,
    send,
)
from .group import (
    DistBackendError,
    Work,
    barrier,
    destroy_process_group,
    get_backend,
    get_rank,
    get_world_size,
    init_process_group,
    is_available,
    is_initialized,
    is_mpi_available,
)
from .launcher import launch
from .reduce_op import ReduceOp

__all__ = ["init_process_group", "destroy_process_group", "is_initialized", "is_available",
           "is_mpi_available", "get_rank", "get_world_size", "get_backend", "barrier",
           "ReduceOp", "DistBackendError", "Work",
           "all_reduce", "reduce", "broadcast", "all_gather", "all_gather_into_tensor",
           "reduce_scatter", "reduce_scatter_tensor", "gather", "scatter", "send", "recv",
           "isend", "irecv", "launch", "nn"]
