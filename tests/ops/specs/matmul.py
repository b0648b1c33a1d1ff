"""Op-spec rows: matrix products (@, matmul, mm, bmm, dot, outer), einsum, and moving between
devices (the NumPy-backed 'fakedev' device is registered by tests/conftest.py)."""
import numpy as np
import torch

import wonderland as wl

from ..spec import real, spec

MM = "MatMul"


def _einsum(eq):
    """One einsum row's three functions: wonderland, NumPy, PyTorch."""
    return (lambda *xs: wl.einsum(eq, *xs), lambda *xs: np.einsum(eq, *xs),
            lambda *xs: torch.einsum(eq, *xs))


_EINSUM = [
    ("matrix", "ij,jk->ik", [(3, 4), (4, 2)]),
    ("diagonal", "ii->i", [(3, 3)]),
    ("trace", "ii->", [(4, 4)]),
    ("batched", "bij,bjk->bik", [(2, 3, 4), (2, 4, 2)]),
    ("implicit", "ij,jk", [(2, 3), (3, 4)]),
    ("transpose", "ij->ji", [(3, 4)]),
    ("outer", "i,j->ij", [(3,), (4,)]),
    ("diag_keep", "iij->ij", [(3, 3, 2)]),
    ("bilinear", "bn,anm,bm->ba", [(2, 3), (2, 3, 4), (2, 4)]),
    ("ellipsis_broadcast", "...ij,...jk->...ik", [(2, 1, 3, 4), (5, 4, 2)]),
    ("attention", "bhqd,bhkd->bhqk", [(1, 2, 3, 2), (1, 2, 4, 2)]),
    ("own_letter", "iij,k->k", [(2, 2, 3), (4,)]),
    ("size_one_broadcast", "ij,kj->ikj", [(3, 1), (2, 4)]),
]

SPECS = [
    # matrix products
    spec("matmul_2d", MM, lambda a, b: a @ b, [real(3, 4), real(4, 2)], np.matmul,
         torch.matmul),
    spec("matmul_batched", MM, wl.matmul, [real(2, 3, 4), real(2, 4, 2)], np.matmul,
         torch.matmul),
    spec("matmul_broadcast_batch", MM, lambda a, b: a @ b, [real(2, 1, 3, 4), real(5, 4, 2)],
         np.matmul, torch.matmul),
    spec("matmul_vector_matrix", MM, lambda v, b: v @ b, [real(4), real(2, 4, 3)], np.matmul,
         torch.matmul),
    spec("matmul_matrix_vector", MM, lambda a, v: wl.matmul(a, v), [real(2, 3, 4), real(4)],
         np.matmul, torch.matmul),
    spec("matmul_vector_vector", MM, lambda u, v: u @ v, [real(5), real(5)], np.matmul,
         torch.matmul),
    spec("matmul_twice", MM, lambda a, b: (a @ b) @ (a @ b).mT, [real(3, 4), real(4, 2)],
         lambda a, b: (a @ b) @ (a @ b).T, lambda a, b: (a @ b) @ (a @ b).mT),
    spec("mm", MM, wl.mm, [real(3, 4), real(4, 2)], np.matmul, torch.mm),
    spec("mm_method", MM, lambda a, b: a.mm(b), [real(2, 5), real(5, 3)], np.matmul,
         lambda a, b: a.mm(b)),
    spec("bmm", MM, wl.bmm, [real(2, 3, 4), real(2, 4, 2)], np.matmul, torch.bmm),
    spec("dot", MM, wl.dot, [real(6), real(6)], np.dot, torch.dot),
    spec("dot_method", MM, lambda u, v: u.dot(v), [real(4), real(4)], np.dot,
         lambda u, v: u.dot(v)),
    spec("outer", "Mul", wl.outer, [real(3), real(4)], np.outer, torch.outer),
    # einsum
    *[spec(f"einsum_{name}", "Einsum", *_einsum(eq)[:1], [real(*s) for s in shapes],
           *_einsum(eq)[1:]) for name, eq, shapes in _EINSUM],
    spec("einsum_operand_twice", "Einsum", lambda x: wl.einsum("ij,ij->", x, x), [real(3, 4)],
         lambda x: np.einsum("ij,ij->", x, x), lambda x: torch.einsum("ij,ij->", x, x)),
    spec("einsum_list_operands", "Einsum", lambda a, b: wl.einsum("ij,j->i", [a, b]),
         [real(3, 4), real(4)], lambda a, b: a @ b, lambda a, b: torch.einsum("ij,j->i", a, b)),
    # devices
    spec("to_device", ("ToDevice", "Mul"), lambda x: (x.to("fakedev") * 2).to("cpu"),
         [real(3, 4)], lambda x: x * 2, lambda x: x * 2),
    spec("to_device_square", ("ToDevice", "Mul"),
         lambda x: (x.to("fakedev") * x.to("fakedev")).to("cpu") * x, [real(2, 3)],
         lambda x: x ** 3, lambda x: x ** 3),
]
