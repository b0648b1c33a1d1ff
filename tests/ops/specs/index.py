"""Op-spec rows: indexing (x[key] with every kind of key), gather / scatter_add / index_put and
the functions built on them (index_select, masked_fill, one_hot, take_along_dim)."""
import numpy as np
import torch
import torch.nn.functional as tF

import wonderland as wl

from ..spec import const, real, spec

S = (3, 4)
S3 = (2, 3, 4)
GET = ("Getitem", "IndexAdd")  # a getitem row runs backward, so it proves the vjp too

REPEATED = [0, 2, 0, 0]  # row indices with repeats: their gradients accumulate
ROWS, COLS = [0, 2, 1], [3, 0, 3]
MASK = [[True, False, True, False], [False, False, True, True], [True, True, False, False]]
GATHER0 = [[2, 0, 1, 2], [0, 0, 2, 1]]  # (2, 4) into (3, 4) along dim 0
GATHER1 = [[3, 0, 3], [1, 1, 2]]  # (2, 3) into (3, 4) along dim 1: smaller in both dims
SCATTER0 = [[0, 2, 0, 1], [0, 0, 2, 1]]  # (2, 4) along dim 0, repeats across rows
SCATTER1 = [[1, 1, 3], [0, 2, 0], [3, 3, 3]]  # (3, 3) along dim 1, repeats within rows


def _key_rows(key):
    """A getitem row with a fixed key, checked against NumPy and PyTorch (same key)."""
    return lambda x: x[key]


def _sq(f):
    """f(x) * f(x): a row whose second derivative runs the getitem rules again."""
    return lambda *xs: f(*xs) * f(*xs)


def _torch_index_put(x, rows, cols, v, accumulate=False):
    return x.index_put((torch.tensor(rows), torch.tensor(cols)), v, accumulate=accumulate)


def _np_index_put(x, rows, cols, v, accumulate=False):
    out = x.copy()
    if accumulate:
        np.add.at(out, (np.array(rows), np.array(cols)), v)
    else:
        out[np.array(rows), np.array(cols)] = v
    return out


def _np_put_int_slice_array(x, v):
    out = x.copy()
    out[0, :, [3, 1]] = v.T  # NumPy puts the array's dim first
    return out


def _torch_put_int_slice_array(x, v):
    out = x.clone()
    out[0, :, [3, 1]] = v
    return out


def _np_scatter_add(x, dim, index, src):
    out = x.copy()
    for pos in np.ndindex(index.shape):
        target = list(pos)
        target[dim] = index[pos]
        out[tuple(target)] += src[pos]
    return out


def _np_gather(x, dim, index):
    out = np.empty(index.shape, dtype=x.dtype)
    for pos in np.ndindex(index.shape):
        source = list(pos)
        source[dim] = index[pos]
        out[pos] = x[tuple(source)]
    return out


_BASIC_KEYS = [
    ("int", 1, S),
    ("neg_int", -1, S),
    ("slice", slice(1, 3), S),
    ("step", slice(None, None, 2), S),
    ("none", None, S),
    ("ellipsis_int", (Ellipsis, 1), S3),
    ("slice_none_slice", (slice(None), None, slice(1, None)), S3),
    ("int_int", (2, -3), S),
    ("step_slices", (slice(0, 2), slice(None, None, 3), slice(1, 4, 2)), S3),
]

SPECS = [
    *[spec(f"getitem_{name}", GET, _key_rows(key), [real(*shape)], _key_rows(key),
           _key_rows(key)) for name, key, shape in _BASIC_KEYS],
    # negative steps: PyTorch refuses them, so its oracle is flip
    spec("getitem_reverse", GET, lambda x: x[::-1], [real(*S)], lambda x: x[::-1],
         lambda x: x.flip(0)),
    spec("getitem_reverse_cols", GET, lambda x: x[:, ::-2], [real(*S)], lambda x: x[:, ::-2],
         lambda x: x.flip(1)[:, ::2]),
    # integer arrays
    spec("getitem_repeated", GET, lambda x: x[REPEATED], [real(*S)], lambda x: x[REPEATED],
         lambda x: x[REPEATED]),
    spec("getitem_two_arrays", GET, lambda x: x[ROWS, COLS], [real(*S)],
         lambda x: x[ROWS, COLS], lambda x: x[ROWS, COLS]),
    spec("getitem_array_slice", GET, lambda x: x[[2, 0, 2], 1:], [real(*S)],
         lambda x: x[[2, 0, 2], 1:], lambda x: x[[2, 0, 2], 1:]),
    spec("getitem_slice_array", GET, lambda x: x[:, [2, -1, 0]], [real(*S3)],
         lambda x: x[:, [2, -1, 0]], lambda x: x[:, [2, -1, 0]]),
    spec("getitem_2d_array", GET, lambda x: x[[[0, 1], [1, 1]], 2], [real(*S3)],
         lambda x: x[[[0, 1], [1, 1]], 2], lambda x: x[[[0, 1], [1, 1]], 2]),
    # an int apart from the arrays selects first, as in PyTorch (NumPy would move dims first)
    spec("getitem_int_slice_array", GET, lambda x: x[1, :, [0, 2, 0]], [real(*S3)],
         lambda x: x[1][:, [0, 2, 0]], lambda x: x[1, :, [0, 2, 0]]),
    spec("getitem_array_slice_int", GET, lambda x: x[[1, 0], 1:, -1], [real(*S3)],
         lambda x: x[:, 1:, -1][[1, 0]], lambda x: x[[1, 0], 1:, -1]),
    spec("getitem_none_int_slice_array", GET, lambda x: x[None, 0, :, [[3], [1]]], [real(*S3)],
         lambda x: x[None, 0][:, :, [[3], [1]]], lambda x: x[None, 0, :, [[3], [1]]]),
    spec("getitem_0d_index_tensor", GET, lambda x, i: x[i, :, [1, 3]], [real(*S3), const(-1)],
         lambda x, i: x[i][:, [1, 3]], lambda x, i: x[i, :, [1, 3]]),
    spec("getitem_repeated_squared", GET, _sq(lambda x: x[REPEATED]), [real(*S)],
         _sq(lambda x: x[REPEATED]), _sq(lambda x: x[REPEATED])),
    # boolean masks and index tensors (int64 / bool inputs, never differentiated)
    spec("getitem_mask", GET, lambda x, m: x[m], [real(*S), const(MASK)],
         lambda x, m: x[m], lambda x, m: x[m]),
    spec("getitem_row_mask", GET, lambda x, m: x[m], [real(*S3), const([True, False])],
         lambda x, m: x[m], lambda x, m: x[m]),
    spec("getitem_mask_squared", GET, _sq(lambda x, m: x[m]), [real(*S), const(MASK)],
         _sq(lambda x, m: x[m]), _sq(lambda x, m: x[m])),
    spec("getitem_index_tensor", GET, lambda x, i: x[i], [real(*S), const([2, 0, 2, -1])],
         lambda x, i: x[i], lambda x, i: x[i]),
    spec("getitem_two_index_tensors", GET, lambda x, i, j: x[i, j],
         [real(*S), const([[0, 2], [2, 2]]), const([[1, 1], [3, 0]])],
         lambda x, i, j: x[i, j], lambda x, i, j: x[i, j]),
    spec("getitem_index_tensor_dim1", GET, lambda x, i: x[:, i, 1:], [real(*S3), const([2, 2])],
         lambda x, i: x[:, i, 1:], lambda x, i: x[:, i, 1:]),
    # index_select
    spec("index_select_dim0", GET, lambda x, i: x.index_select(0, i), [real(*S), const([2, 0, 2])],
         lambda x, i: x[i], lambda x, i: x.index_select(0, i)),
    spec("index_select_dim1", GET, lambda x, i: wl.index_select(x, -1, i),
         [real(*S3), const([3, 3, 1])], lambda x, i: x[..., i],
         lambda x, i: torch.index_select(x, -1, i)),
    # gather and take_along_dim
    spec("gather_dim0", ("Gather", "ScatterAdd"), lambda x, i: wl.gather(x, 0, i),
         [real(*S), const(GATHER0)], lambda x, i: _np_gather(x, 0, i),
         lambda x, i: torch.gather(x, 0, i)),
    spec("gather_dim1_smaller", ("Gather", "ScatterAdd"), lambda x, i: x.gather(1, i),
         [real(*S), const(GATHER1)], lambda x, i: _np_gather(x, 1, i),
         lambda x, i: x.gather(1, i)),
    spec("gather_3d_squared", ("Gather", "ScatterAdd"), _sq(lambda x, i: x.gather(-1, i)),
         [real(*S3), const([[[0, 0], [3, 1], [2, 2]], [[1, 3], [0, 0], [3, 2]]])],
         _sq(lambda x, i: _np_gather(x, 2, i)), _sq(lambda x, i: x.gather(-1, i))),
    spec("take_along_dim", ("Gather", "ScatterAdd"), lambda x, i: wl.take_along_dim(x, i, 1),
         [real(*S), const([[0, 3], [2, 2], [1, 0]])],
         lambda x, i: np.take_along_axis(x, i, 1), lambda x, i: torch.take_along_dim(x, i, 1)),
    spec("take_along_dim_broadcast", ("Gather", "ScatterAdd"),
         lambda x, i: wl.take_along_dim(x, i, 0), [real(*S), const([[2, 0, 0, 1], [1, 1, 2, 0]])],
         lambda x, i: np.take_along_axis(x, i, 0), lambda x, i: torch.take_along_dim(x, i, 0)),
    spec("take_along_dim_flat", ("Gather", "ScatterAdd"), lambda x, i: wl.take_along_dim(x, i),
         [real(*S), const([11, 0, 5, 5])], lambda x, i: np.take_along_axis(x.ravel(), i, 0),
         lambda x, i: torch.take_along_dim(x, i)),
    # scatter_add: gradients for both the input and src; repeated targets accumulate
    spec("scatter_add_dim0", ("ScatterAdd", "Gather"), lambda x, i, s: wl.scatter_add(x, 0, i, s),
         [real(*S), const(SCATTER0), real(2, 4)], lambda x, i, s: _np_scatter_add(x, 0, i, s),
         lambda x, i, s: torch.scatter_add(x, 0, i, s)),
    spec("scatter_add_dim1_big_src", ("ScatterAdd", "Gather"),
         lambda x, i, s: x.scatter_add(1, i, s), [real(*S), const(SCATTER1), real(3, 5)],
         lambda x, i, s: _np_scatter_add(x, 1, i, s[:, :3]),
         lambda x, i, s: x.scatter_add(1, i, s[:, :3])),  # torch's backward fails on a big src
    spec("scatter_add_squared", ("ScatterAdd", "Gather"),
         _sq(lambda x, i, s: x.scatter_add(0, i, s)), [real(*S), const(SCATTER0), real(2, 4)],
         _sq(lambda x, i, s: _np_scatter_add(x, 0, i, s)),
         _sq(lambda x, i, s: x.scatter_add(0, i, s))),
    # index_put
    spec("index_put", "IndexPut",
         lambda x, v: wl.index_put(x, (wl.tensor([0, 2]), wl.tensor([1, 3])), v),
         [real(*S), real(2)], lambda x, v: _np_index_put(x, [0, 2], [1, 3], v),
         lambda x, v: _torch_index_put(x, [0, 2], [1, 3], v)),
    spec("index_put_broadcast_values", "IndexPut",
         lambda x, v: x.index_put((wl.tensor([2, 0]),), v), [real(*S), real(4)],
         lambda x, v: np.concatenate([v[None], x[1:2], v[None]]),
         lambda x, v: x.index_put((torch.tensor([2, 0]),), v)),
    spec("index_put_int_slice_array", "IndexPut",
         lambda x, v: wl.index_put(x, (0, slice(None), wl.tensor([3, 1])), v),
         [real(*S3), real(3, 2)], lambda x, v: _np_put_int_slice_array(x, v),
         lambda x, v: _torch_put_int_slice_array(x, v)),
    spec("index_put_squared", "IndexPut",
         _sq(lambda x, v: wl.index_put(x, (wl.tensor([1]), wl.tensor([2])), v)),
         [real(*S), real(1)], _sq(lambda x, v: _np_index_put(x, [1], [2], v)),
         _sq(lambda x, v: _torch_index_put(x, [1], [2], v))),
    spec("index_put_accumulate", GET,
         lambda x, v: wl.index_put(x, (wl.tensor([0, 2, 0]), wl.tensor([1, 3, 1])), v,
                                   accumulate=True),
         [real(*S), real(3)], lambda x, v: _np_index_put(x, [0, 2, 0], [1, 3, 1], v, True),
         lambda x, v: _torch_index_put(x, [0, 2, 0], [1, 3, 1], v, accumulate=True)),
    # masked_fill and one_hot, which reduce to where and a comparison
    spec("masked_fill", "Where", lambda x, m: x.masked_fill(m, 0.5), [real(*S), const(MASK)],
         lambda x, m: np.where(m, 0.5, x), lambda x, m: x.masked_fill(m, 0.5)),
    spec("masked_fill_broadcast", "Where", lambda x, m: wl.masked_fill(x, m, -1.0),
         [real(*S3), const([True, False, False, True])],
         lambda x, m: np.where(m, -1.0, x), lambda x, m: x.masked_fill(m, -1.0)),
    spec("one_hot", "Equal", lambda i: wl.one_hot(i, 5), [const([[0, 4, 2], [2, 2, 1]])],
         lambda i: np.eye(5, dtype=np.int64)[i], lambda i: tF.one_hot(i, 5), grad=False),
    spec("one_hot_inferred", "Equal", wl.one_hot, [const([3, 0, 1, 3])],
         lambda i: np.eye(4, dtype=np.int64)[i], tF.one_hot, grad=False),
]
