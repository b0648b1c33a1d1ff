"""The differentiable collectives: each rank's gradient equals that of the sum of every rank's
loss computed in one process (float64), for all_reduce (SUM, AVG), all_gather, reduce_scatter,
broadcast and reduce; and a second derivative through all_reduce."""
import numpy as np

import wonderland as wl
import wonderland.distributed as dist
import wonderland.distributed.nn.functional as D

dist.init_process_group("mpi")
rank, n = dist.get_rank(), dist.get_world_size()


def value(*key, shape=(3,)):
    return wl.tensor(np.random.default_rng(list(key)).standard_normal(shape))


def check(name, local_loss, make_inputs, global_loss):
    """local_loss(inputs of this rank) on the ranks vs global_loss(inputs of every rank)."""
    mine = [x.requires_grad_() for x in make_inputs(rank)]
    grads = wl.autograd.grad(local_loss(mine), mine)
    every = [[x.requires_grad_() for x in make_inputs(r)] for r in range(n)]
    flat = [x for xs in every for x in xs]
    want = wl.autograd.grad(global_loss(every), flat, allow_unused=True,
                            materialize_grads=True)[rank * len(mine):(rank + 1) * len(mine)]
    for g, w in zip(grads, want):
        assert np.allclose(g.numpy(), w.numpy(), rtol=1e-12, atol=1e-12), (name, g, w)


def w(r, k=0):
    return value(99, r, k)


check("all_reduce sum", lambda xs: (w(rank) * D.all_reduce(xs[0]) ** 2).sum(),
      lambda r: [value(r)],
      lambda every: sum((w(r) * sum(xs[0] for xs in every) ** 2).sum() for r in range(n)))
check("all_reduce avg", lambda xs: (w(rank) * D.all_reduce(xs[0], "avg").sin()).sum(),
      lambda r: [value(r)],
      lambda every: sum((w(r) * (sum(xs[0] for xs in every) / n).sin()).sum()
                        for r in range(n)))
check("all_gather", lambda xs: sum((w(rank, j) * y ** 3).sum()
                                   for j, y in enumerate(D.all_gather(xs[0]))),
      lambda r: [value(r)],
      lambda every: sum((w(r, j) * every[j][0] ** 3).sum() for r in range(n) for j in range(n)))
check("reduce_scatter", lambda xs: (w(rank) * D.reduce_scatter(xs) ** 2).sum(),
      lambda r: [value(r, j) for j in range(n)],
      lambda every: sum((w(r) * sum(xs[r] for xs in every) ** 2).sum() for r in range(n)))
src = n - 1
check("broadcast", lambda xs: (w(rank) * D.broadcast(xs[0], src).exp()).sum(),
      lambda r: [value(r)],
      lambda every: sum((w(r) * every[src][0].exp()).sum() for r in range(n)))
check("reduce", lambda xs: (w(rank) * D.reduce(xs[0], 0) ** 2).sum(),
      lambda r: [value(r)],
      lambda every: (w(0) * sum(xs[0] for xs in every) ** 2).sum())

# values: the functional forms return new tensors and leave their inputs alone
x = value(rank)
y = D.all_reduce(x)
assert np.allclose(y.numpy(), sum(value(r).numpy() for r in range(n)))
assert np.allclose(x.numpy(), value(rank).numpy())
assert len(D.all_gather(x)) == n

# second order: d/dx of the gradient of sum_r (w_r * (sum_j x_j)^3) through all_reduce
x = value(rank).requires_grad_()
(g,) = wl.autograd.grad((w(rank) * D.all_reduce(x) ** 3).sum(), x, create_graph=True)
(h,) = wl.autograd.grad((g * w(rank, 5)).sum(), x)
s = sum(value(r).numpy() for r in range(n))
ws = sum(w(r).numpy() for r in range(n))
w5 = sum(w(r, 5).numpy() for r in range(n))
assert np.allclose(g.detach().numpy(), 3 * ws * s ** 2, rtol=1e-12)
assert np.allclose(h.numpy(), 6 * ws * s * w5, rtol=1e-12), (h, 6 * ws * s * w5)
dist.barrier()
print(f"functional ok on rank {rank} of {n}", flush=True)
