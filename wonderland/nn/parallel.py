"""nn.parallel.DataParallel as a single-device pass-through: programs written for several GPUs
run unchanged on one device; DistributedDataParallel, one process per replica over
wonderland.distributed (MPI), averaging gradients across the processes during backward."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence

from ..core.grad_mode import is_grad_enabled, no_grad
from .module import Module

__all__ = ["DataParallel", "DistributedDataParallel"]


class DataParallel(Module):
    """Wraps `module` and calls it as is. device_ids, output_device and dim are kept for
    compatibility; the state_dict keys carry the `module.` prefix, as torch's do."""

    def __init__(self, module: Module, device_ids: Sequence | None = None,
                 output_device=None, dim: int = 0):
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DataParallel: expected a Module to wrap, got "
                            f"{type(module).__name__}")
        self.module = module
        self.device_ids = list(device_ids) if device_ids is not None else []
        self.output_device, self.dim = output_device, dim

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)


class DistributedDataParallel(Module):
    """Wraps `module` for data-parallel training, one process per replica (torch's DDP).

    At wrap time rank 0's parameters and buffers are broadcast to every rank. Each backward
    then averages the gradients over the ranks, in buckets of about bucket_cap_mb (25 MB by
    default) flattened into one all-reduce each, started from the parameters' gradient hooks
    as buckets fill. Under no_sync() gradients accumulate locally; the next backward outside
    it averages the accumulated sum. With broadcast_buffers (the default) rank 0's buffers are
    copied to every rank at each training forward. find_unused_parameters=True lets a forward
    leave parameters out of the graph (they count as zero gradients). The state_dict keys carry
    the `module.` prefix, as torch's do. device_ids, output_device, gradient_as_bucket_view and
    static_graph are accepted for compatibility and have no effect (CPU processes)."""

    def __init__(self, module: Module, device_ids: Sequence | None = None, output_device=None,
                 dim: int = 0, broadcast_buffers: bool = True, process_group=None,
                 bucket_cap_mb: float | None = None, find_unused_parameters: bool = False,
                 gradient_as_bucket_view: bool = False, static_graph: bool = False):
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel: expected a Module to wrap, got "
                            f"{type(module).__name__}")
        # Imported here: nn sits below distributed in the layers, and MPI is optional.
        from ..distributed import broadcast, group
        from ..distributed.reducer import Reducer

        group._require("DistributedDataParallel")
        cap = 25.0 if bucket_cap_mb is None else float(bucket_cap_mb)
        if cap <= 0:
            raise ValueError(f"DistributedDataParallel: bucket_cap_mb must be > 0, got {cap}")
        self.module = module
        self.device_ids = list(device_ids) if device_ids is not None else []
        self.output_device, self.dim = output_device, dim
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.bucket_cap_mb = cap
        self.require_backward_grad_sync = True
        with no_grad():
            for t in [*module.parameters(), *module.buffers()]:
                broadcast(t, 0)
        named = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
        object.__setattr__(self, "_params", [p for _, p in named])
        object.__setattr__(self, "reducer", Reducer([p for _, p in named],
                                                    {id(p): n for n, p in named}, cap))

    def forward(self, *inputs, **kwargs):
        if self.broadcast_buffers and self.training:
            from ..distributed import broadcast

            with no_grad():
                for b in self.module.buffers():
                    broadcast(b, 0)
        out = self.module(*inputs, **kwargs)
        if is_grad_enabled():
            unused = ()
            if self.find_unused_parameters and self.require_backward_grad_sync:
                from ..distributed.reducer import reachable_leaves

                used = reachable_leaves(out)
                unused = [p for p in self._params if id(p) not in used]
            self.reducer.prepare(self.require_backward_grad_sync, unused)
        return out

    @contextlib.contextmanager
    def no_sync(self) -> Iterator[None]:
        """Backward passes of forwards run inside keep their gradients local (accumulating in
        .grad); the first backward after it averages the accumulated gradients."""
        before = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = before
