"""wl.linalg, as torch.linalg: norms, solves, determinants and the decompositions (Cholesky,
QR, eigh, SVD), each decomposition a primitive whose derivatives are written with ops (so they
run to any order, batched over leading dims), the rest composites of them. float32 and float64
only, as LAPACK (a float16 input raises TypeError); a singular or not positive definite input
raises LinAlgError. strassen_matmul multiplies by Strassen's recursion."""
from .cholesky import cholesky
from .cross import cross
from .determinant import det, logdet, slogdet
from .eigh import eigh, eigvalsh
from .errors import LinAlgError
from .matrix_exp import matrix_exp
from .matrix_norm import matrix_norm
from .norm import norm
from .pinv import LstsqResult, lstsq, matrix_rank, pinv
from .products import matrix_power, multi_dot, vecdot
from .qr import qr
from .solve import inv, solve
from .strassen import strassen_matmul
from .svd import svd, svdvals
from .vector_norm import vector_norm

__all__ = [
    "LinAlgError", "LstsqResult", "cholesky", "cross", "det", "eigh", "eigvalsh", "inv", "lstsq",
    "logdet", "matrix_exp", "matrix_norm", "matrix_power", "matrix_rank", "multi_dot", "norm",
    "pinv", "qr", "slogdet", "solve", "strassen_matmul", "svd", "svdvals", "vecdot",
    "vector_norm",
]
