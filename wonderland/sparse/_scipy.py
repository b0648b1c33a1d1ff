"""SciPy's sparse matrices, imported on first use: SciPy is an optional dependency."""
from __future__ import annotations


def scipy_sparse():
    """The scipy.sparse module, or an ImportError that says how to install it."""
    try:
        import scipy.sparse
    except ImportError as error:
        raise ImportError("wonderland.sparse multiplies sparse matrices with SciPy, which is "
                          "not installed: pip install scipy") from error
    return scipy.sparse
