"""Moving a tensor between devices: explicit, differentiable, never silent."""
from __future__ import annotations

from dataclasses import dataclass

from ..core.device import Device
from ..core.primitive import Primitive
from ..core.tensor import Tensor
from .batching import batch_unary


@dataclass(frozen=True)
class ToDevice(Primitive):
    """y = x copied to `device`;  dx = dy copied back"""

    batch = batch_unary
    moves_data = True

    device: Device
    source: Device

    def output_device(self, device):
        return self.device

    def forward(self, xp, x):
        host = self.source.backend.to_numpy(x)
        return self.device.backend.from_numpy(host)

    def vjp(self, g, y, x):
        return (to_device(g, x.device),)

    def jvp(self, t, y, x):
        return to_device(t[0], self.device)


def to_device(x: Tensor, device: Device) -> Tensor:
    return x if x.device == device else ToDevice(device, x.device)(x)
