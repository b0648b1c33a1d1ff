"""Every collective on every rank against NumPy on all ranks' data (each rank makes every
rank's data from the same seeds), plus the errors that name the op. Prints one line at the end."""
import numpy as np

import wonderland as wl
import wonderland.distributed as dist
from wonderland.core.inplace import version
from wonderland.distributed import ReduceOp

try:
    dist.get_rank()
    raise AssertionError("get_rank worked before init_process_group")
except RuntimeError as e:
    assert "init_process_group" in str(e), e

dist.init_process_group("mpi")
rank, n = dist.get_rank(), dist.get_world_size()
assert dist.is_initialized() and dist.get_backend() == "mpi"


def data(r, shape=(3, 4), dtype=np.float64, seed=0):
    rng = np.random.default_rng([seed, r])
    if np.dtype(dtype).kind in "iu":
        return rng.integers(-5, 6, shape).astype(dtype)
    if np.dtype(dtype).kind == "b":
        return rng.random(shape) < 0.5
    return (rng.random(shape) + 0.5).astype(dtype)


def every(shape=(3, 4), dtype=np.float64, seed=0):
    return np.stack([data(r, shape, dtype, seed) for r in range(n)])


def close(got, want, tol=1e-12):
    got = np.asarray(got, dtype=np.float64)
    assert got.shape == np.shape(want), (got.shape, np.shape(want))
    assert np.allclose(got, np.asarray(want, dtype=np.float64), rtol=tol, atol=tol), (got, want)


# all_reduce: every op, in place (the same tensor, its version bumped)
reducers = {ReduceOp.SUM: np.sum, ReduceOp.AVG: np.mean, ReduceOp.PRODUCT: np.prod,
            ReduceOp.MIN: np.min, ReduceOp.MAX: np.max}
for dtype in (np.float64, np.float32):
    for op, f in reducers.items():
        t = wl.tensor(data(rank, dtype=dtype))
        v = version(t)
        assert dist.all_reduce(t, op=op) is None
        assert t.numpy().dtype == dtype
        close(t.numpy(), f(every(dtype=dtype), axis=0), 1e-12 if dtype == np.float64 else 1e-5)
        assert version(t) == v + 1
for op, f in ((ReduceOp.SUM, np.sum), (ReduceOp.MAX, np.max), (ReduceOp.BXOR, None)):
    t = wl.tensor(data(rank, dtype=np.int64))
    dist.all_reduce(t, op)
    want = (np.bitwise_xor.reduce(every(dtype=np.int64), axis=0) if f is None
            else f(every(dtype=np.int64), axis=0))
    assert t.dtype == wl.int64 and (t.numpy() == want).all()
b = wl.tensor(data(rank, dtype=bool))
dist.all_reduce(b, ReduceOp.BOR)
assert (b.numpy() == every(dtype=bool).any(axis=0)).all()
dist.all_reduce(t := wl.tensor(data(rank)), "mean")  # names work too
close(t.numpy(), every().mean(axis=0))
# bfloat16 and float16: computed in float32 (bfloat16) and rounded once
h = wl.tensor(data(rank, dtype=np.float32)).to(wl.bfloat16)
dist.all_reduce(h)
want = np.stack([wl.tensor(data(r, dtype=np.float32)).to(wl.bfloat16).float().numpy()
                 for r in range(n)]).sum(0)
assert h.dtype == wl.bfloat16
close(h.float().numpy(), wl.tensor(want).to(wl.bfloat16).float().numpy())
h16 = wl.tensor(data(rank, dtype=np.float16))
dist.all_reduce(h16)
close(h16.numpy(), every(dtype=np.float16).astype(np.float32).sum(0), 1e-2)
# a strided view: the result lands in its base, as PyTorch's in-place ops do
base = wl.tensor(data(rank, (3, 8)))
view = base[:, ::2]
dist.all_reduce(view)
close(base.numpy()[:, ::2], every((3, 8))[:, :, ::2].sum(0))
close(base.numpy()[:, 1::2], data(rank, (3, 8))[:, 1::2])
# async_op: a Work whose wait() writes the result
t = wl.tensor(data(rank))
work = dist.all_reduce(t, async_op=True)
assert work.wait() and work.is_completed()
close(t.numpy(), every().sum(0))

# broadcast from every rank
for src in range(n):
    t = wl.tensor(data(rank, seed=src + 7))
    dist.broadcast(t, src=src)
    close(t.numpy(), data(src, seed=src + 7))
t = wl.tensor(data(rank, dtype=np.float32)).to(wl.bfloat16)
dist.broadcast(t, 0)
assert (t.float().numpy() == wl.tensor(data(0, dtype=np.float32)).to(wl.bfloat16).float()
        .numpy()).all()

# all_gather, all_gather_into_tensor (concatenated and stacked)
outs = [wl.zeros(3, 4, dtype=wl.float64) for _ in range(n)]
dist.all_gather(outs, wl.tensor(data(rank)))
for r in range(n):
    close(outs[r].numpy(), data(r))
cat = wl.zeros(n * 3, 4, dtype=wl.float64)
dist.all_gather_into_tensor(cat, wl.tensor(data(rank)))
close(cat.numpy(), every().reshape(n * 3, 4))
stacked = wl.zeros(n, 3, 4, dtype=wl.float64)
dist.all_gather_into_tensor(stacked, wl.tensor(data(rank)))
close(stacked.numpy(), every())

# reduce_scatter: rank r gets slot r summed (averaged) over the ranks
mine = [wl.tensor(data(rank, seed=10 + j)) for j in range(n)]
out = wl.zeros(3, 4, dtype=wl.float64)
dist.reduce_scatter(out, mine)
close(out.numpy(), sum(data(r, seed=10 + rank) for r in range(n)))
dist.reduce_scatter(out, mine, op=ReduceOp.AVG)
close(out.numpy(), sum(data(r, seed=10 + rank) for r in range(n)) / n)
flat = wl.tensor(data(rank, (n * 6,)))
out = wl.zeros(2, 3, dtype=wl.float64)
dist.reduce_scatter_tensor(out, flat)
close(out.numpy(), every((n * 6,)).sum(0)[rank * 6:(rank + 1) * 6].reshape(2, 3))

# reduce to the last rank; the others keep their values
t = wl.tensor(data(rank))
dist.reduce(t, dst=n - 1, op=ReduceOp.MAX)
close(t.numpy(), every().max(0) if rank == n - 1 else data(rank))

# gather to rank 0, scatter from the last rank
got = [wl.zeros(3, 4, dtype=wl.float64) for _ in range(n)] if rank == 0 else None
dist.gather(wl.tensor(data(rank)), got, dst=0)
if rank == 0:
    for r in range(n):
        close(got[r].numpy(), data(r))
src = n - 1
parts = [wl.tensor(data(j, seed=20)) for j in range(n)] if rank == src else None
t = wl.zeros(3, 4, dtype=wl.float64)
dist.scatter(t, parts, src=src)
close(t.numpy(), data(rank, seed=20))

# send / recv around a ring; recv says who sent
nxt, prev = (rank + 1) % n, (rank - 1) % n
work = dist.isend(wl.tensor(data(rank, seed=30)), dst=nxt)
t = wl.zeros(3, 4, dtype=wl.float64)
assert dist.recv(t, src=prev) == prev
work.wait()
close(t.numpy(), data(prev, seed=30))
if rank == 0:
    dist.send(wl.tensor([1.0, 2.0]), dst=1, tag=5)
elif rank == 1:
    t = wl.zeros(2)
    assert dist.recv(t, tag=5) == 0 and t.tolist() == [1.0, 2.0]
dist.barrier()


# errors name the op and what was expected (raised before any communication, on every rank)
def raises(kind, words, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except kind as e:
        for w in words:
            assert w in str(e), (w, str(e))
        return
    raise AssertionError(f"{fn.__name__} did not raise {kind.__name__}")


raises(ValueError, ["broadcast", "src=" + str(n)], dist.broadcast, wl.zeros(2), n)
raises(ValueError, ["all_gather", "one tensor per rank"], dist.all_gather, [wl.zeros(2)] * (n + 1),
       wl.zeros(2))
raises(ValueError, ["all_gather", "tensor_list[0]", "shape [3]"], dist.all_gather,
       [wl.zeros(3) for _ in range(n)], wl.zeros(2))
raises(ValueError, ["all_gather_into_tensor", "output_tensor"], dist.all_gather_into_tensor,
       wl.zeros(n * 2 + 1), wl.zeros(2))
raises(ValueError, ["reduce_scatter_tensor"], dist.reduce_scatter_tensor, wl.zeros(2),
       wl.zeros(3 * n))
raises(TypeError, ["all_reduce", "AVG"], dist.all_reduce, wl.tensor([1, 2]), ReduceOp.AVG)
raises(TypeError, ["all_reduce", "BAND"], dist.all_reduce, wl.zeros(2), ReduceOp.BAND)
raises(ValueError, ["all_reduce", "unknown reduce op"], dist.all_reduce, wl.zeros(2), "median")
raises(TypeError, ["all_reduce", "Tensor"], dist.all_reduce, np.zeros(2))
raises(RuntimeError, ["all_reduce", "read-only"], dist.all_reduce, wl.zeros(1).expand(3))
raises(ValueError, ["send", "itself"], dist.send, wl.zeros(2), rank)
dist.barrier()
print(f"collectives ok on rank {rank} of {n}", flush=True)
