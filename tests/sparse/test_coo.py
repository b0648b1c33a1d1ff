"""SparseCOO against torch's sparse_coo tensors in float64: building, to_dense, coalescing
(duplicates summed, coordinates sorted), indices/values/_nnz, to_sparse, and the errors."""
import numpy as np
import pytest
import torch

import wonderland as wl

from ._pairs import INDICES, SHAPE, close, pair, torch_sparse


def test_to_dense_sums_duplicates_and_its_gradient_reaches_each():
    s, t, wv, tv = pair()
    close(s.to_dense(), t.to_dense())
    g = np.random.default_rng(1).standard_normal(SHAPE)
    (s.to_dense() * wl.tensor(g)).sum().backward()
    (t.to_dense() * torch.tensor(g)).sum().backward()
    close(wv.grad, tv.grad)


def test_coalesce_sorts_and_sums_like_torch():
    s, t, wv, tv = pair()
    assert not s.is_coalesced() and s._nnz() == t._nnz() == 6
    cs, ct = s.coalesce(), t.coalesce()
    assert cs.is_coalesced() and cs._nnz() == ct._nnz() == 5
    close(cs.indices(), ct.indices())
    close(cs.values(), ct.values())
    cs.values().pow(2).sum().backward()
    ct.values().pow(2).sum().backward()
    close(wv.grad, tv.grad)


def test_uncoalesced_indices_and_values_raise_as_torch():
    s, t, _, _ = pair()
    for what in ("indices", "values"):
        with pytest.raises(RuntimeError, match="uncoalesced"):
            getattr(t, what)()
        with pytest.raises(RuntimeError, match=f"Cannot get {what} on an uncoalesced"):
            getattr(s, what)()
    close(s._indices(), t._indices())
    close(s._values(), t._values())


def test_to_sparse_keeps_the_nonzeros_coalesced_and_differentiable():
    a = np.array([[0.0, 1.5, 0.0], [-2.0, 0.0, 3.0]])
    x, tx = wl.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    s, t = x.to_sparse(), tx.to_sparse()
    assert s.is_sparse and not x.is_sparse and s.is_coalesced()
    close(s.indices(), t.indices())
    close(s.values(), t.values())
    (s.values() * wl.tensor([1.0, 2.0, 3.0])).sum().backward()
    (t.values() * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
    close(x.grad, tx.grad)


def test_size_is_inferred_from_the_largest_index():
    values = np.ones(INDICES.shape[1])
    s = wl.sparse_coo_tensor(INDICES, values)
    t = torch_sparse(INDICES, torch.tensor(values), None)
    assert s.shape == tuple(t.shape) == (4, 4)
    assert s.size(1) == t.size(1) and s.dim() == t.dim()


def test_dtype_and_devices_as_torch():
    s = wl.sparse_coo_tensor(INDICES.astype(np.int32), wl.ones(6), SHAPE, dtype=wl.int64)
    t = torch_sparse(INDICES.astype(np.int32), torch.ones(6), SHAPE).to(torch.int64)
    assert s.dtype == wl.int64 and s._indices().dtype == wl.int64
    close(s.to("cpu").to_dense(), t.to_dense())
    close(wl.eye(4, 5) + s, torch.eye(4, 5) + t)  # dense + sparse: dense, as in PyTorch
    close(s.double().to_dense(), t.double().to_dense())


def test_sparse_plus_sparse_and_times_a_number_stay_sparse():
    s, t, _, _ = pair()
    both, tboth = s + 2.0 * s, t + 2.0 * t
    assert both.is_sparse and tboth.is_sparse
    close(both.to_dense(), tboth.to_dense())
    close(s.t().to_dense(), t.t().to_dense())


@pytest.mark.parametrize("indices, values, size, match", [
    (np.array([0, 1]), [1.0, 2.0], (2,), "2-D integer array"),
    (INDICES, np.ones(5), SHAPE, "one value per column"),
    (INDICES, np.ones(6), (4, 3), "out of range"),
    (INDICES, np.ones(6), (4, 5, 2), "2 rows of indices"),
])
def test_construction_errors_name_the_op(indices, values, size, match):
    with pytest.raises(ValueError, match=f"sparse_coo_tensor: .*{match}"):
        wl.sparse_coo_tensor(indices, values, size)


@pytest.mark.parametrize("value", [2.5, 0.0])
def test_zero_dimensional_tensors_as_torch(value):
    s, t = wl.tensor(value).to_sparse(), torch.tensor(value).to_sparse()
    assert s._nnz() == t._nnz() and s._indices().shape == tuple(t._indices().shape)
    close(s.to_dense(), t.to_dense())
    s = wl.sparse_coo_tensor(np.zeros((0, 3), np.int64), [1.0, 2.0, 3.0], ())
    t = torch_sparse(np.zeros((0, 3), np.int64), [1.0, 2.0, 3.0], ())
    assert s.coalesce()._indices().shape == tuple(t.coalesce()._indices().shape) == (0, 1)
    close(s.coalesce().values(), t.coalesce().values())
