"""Shared by the layer tests: the same values as a wonderland and a torch tensor, comparing
them, and loading a torch module's weights into its wonderland twin."""
import numpy as np
import torch

import wonderland as wl

TOL = dict(rtol=1e-9, atol=1e-10)


def pair(a, grad=True):
    """The same values as a wonderland and a torch float64 tensor."""
    return (wl.tensor(a, dtype=wl.float64, requires_grad=grad),
            torch.tensor(a, dtype=torch.float64, requires_grad=grad))


def close(w, t, **tol):
    np.testing.assert_allclose(w.detach().numpy(), t.detach().numpy(), **(tol or TOL))


def load_from(module, torch_module):
    """module (made float64) with torch_module's state dict loaded into it."""
    module.double()
    module.load_state_dict({k: wl.tensor(v.detach().numpy())
                            for k, v in torch_module.state_dict().items()})
    return module
