"""wonderland.func.pmap on N ranks against the same function computed in one process (float64,
to 1e-12), on every rank: f with psum, pmean, all_gather (stacked and tiled) and axis_index;
in_axes with None and pytrees; out_axes 1 and None; grad, value_and_grad, backward, jvp,
second order (reverse over reverse, hvp, hessian); pmap(vmap(g)), vmap(pmap(f)) and
vmap(grad(pmap(f))); the errors for a wrong axis size and an unbound axis name.

The reference replaces each collective by its meaning over the stacked inputs (psum: a sum over
axis 0, broadcast back) with wonderland ops in one process, so its derivatives are the plain
tape's."""
import numpy as np

import wonderland as wl
import wonderland.distributed as dist
from wonderland.autodiff.pytree import tree_flatten, tree_map
from wonderland.func import (
    all_gather,
    axis_index,
    grad,
    hessian,
    hvp,
    jvp,
    pmap,
    pmean,
    psum,
    value_and_grad,
    vmap,
)

dist.init_process_group("mpi")
rank, n = dist.get_rank(), dist.get_world_size()
rng = np.random.default_rng(7)  # one seed on every rank: pmap's inputs are replicated


def data(*shape):
    return wl.tensor(rng.standard_normal(shape))


def close(got, want, what):
    got, want = tree_flatten(got)[0], tree_flatten(want)[0]
    assert len(got) == len(want) > 0, (what, len(got), len(want))
    for a, b in zip(got, want):
        assert tuple(a.shape) == tuple(b.shape), (what, a.shape, b.shape)
        assert np.allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-12, atol=1e-12), \
            (what, rank, a, b)


def weighted(fn, weights):
    """A scalar of fn's outputs whose cotangents differ from slot to slot."""
    return lambda *a: sum((o * w).sum() for o, w in zip(tree_flatten(fn(*a))[0], weights))


def check(name, mapped, reference, *args):
    """Value, grad and value_and_grad (every argument), and jvp of mapped against reference."""
    close(mapped(*args), reference(*args), f"{name}: value")
    weights = [data(*o.shape) for o in tree_flatten(reference(*args))[0]]
    nums = tuple(range(len(args)))
    lm, lr = weighted(mapped, weights), weighted(reference, weights)
    close(grad(lm, nums)(*args), grad(lr, nums)(*args), f"{name}: grad")
    close(value_and_grad(lm, nums)(*args), value_and_grad(lr, nums)(*args),
          f"{name}: value_and_grad")
    tangents = tree_map(lambda x: data(*x.shape), args)
    close(jvp(mapped, args, tangents), jvp(reference, args, tangents), f"{name}: jvp")


def f1(x):
    return x * psum(x, "i") + x.sin()


def ref1(xs):
    return xs * xs.sum(0) + xs.sin()


check("psum", pmap(f1, "i"), ref1, data(n, 3))
check("pmean", pmap(lambda x: pmean(x, "i").exp() * x, axis_name="i"),
      lambda xs: xs.mean(0).exp() * xs, data(n, 2, 2))
check("psum of a pytree, psum(1)",
      pmap(lambda d: psum(d, "i")["a"] * d["b"] * psum(1, "i"), "i"),
      lambda d: d["a"].sum(0) * d["b"] * n, {"a": data(n, 3), "b": data(n, 3)})
check("all_gather", pmap(lambda x: all_gather(x, "i", axis=1) * x[:, None] ** 2, "i"),
      lambda xs: xs.T[None] * (xs ** 2)[:, :, None], data(n, 3))
check("all_gather tiled", pmap(lambda x: all_gather(x, "i", tiled=True).cos() @ x.T, "i"),
      lambda xs: wl.stack([xs.reshape(2 * n, 3).cos() @ xs[r].T for r in range(n)]),
      data(n, 2, 3))
check("all_gather tiled axis 1, out_axes 1",
      pmap(lambda x: all_gather(x, "i", axis=1, tiled=True).sin() * x.sum(), "i", out_axes=1),
      lambda xs: wl.stack([wl.cat(list(xs), 1).sin() * xs[r].sum() for r in range(n)], 1),
      data(n, 2, 3))
check("axis_index", pmap(lambda x: x * (axis_index("i") + 1) ** 2, "i"),
      lambda xs: xs * (wl.arange(1, n + 1, dtype=wl.float64) ** 2)[:, None], data(n, 3))
check("in_axes None and pytrees",
      pmap(lambda d, w: (d["a"] * w).tanh() + psum(d["b"], "i").sum() * w, "i",
           in_axes=({"a": 0, "b": 1}, None)),
      lambda d, w: (d["a"] * w).tanh() + d["b"].sum() * w,
      {"a": data(n, 3), "b": data(4, n)}, data(3))
check("out_axes None and (None, 1)",
      pmap(lambda x: (psum((x ** 2).sum(), "i"), x.exp()), "i", out_axes=(None, 1)),
      lambda xs: ((xs ** 2).sum(), xs.exp().T), data(n, 3))
check("pmap(vmap(g))", pmap(wl.func.vmap(lambda xi: xi * psum(xi, "i").cos()), "i"),
      lambda xs: xs * xs.sum(0).cos(), data(n, 5, 3))
check("vmap(pmap(f))", vmap(pmap(f1, "i"), in_axes=1), vmap(ref1, in_axes=1), data(n, 4, 3))

# grad of a scalar that pmap returns whole (out_axes=None), and backward() on a leaf
x = data(n, 3)
close(grad(pmap(lambda x: psum((x ** 3).sum(), "i"), "i", out_axes=None))(x), 3 * x ** 2,
      "grad of an out_axes=None scalar")
w = data(n, 3)
leaf = x.detach().requires_grad_()
(pmap(f1, "i")(leaf) * w).sum().backward()
close(leaf.grad, grad(lambda x: (ref1(x) * w).sum())(x), "backward")

# second order: reverse over reverse, forward over reverse (hvp) and the Hessian
v = data(n, 3)
lm, lr = (lambda x: (pmap(f1, "i")(x) * w).sum()), (lambda x: (ref1(x) * w).sum())
close(grad(lambda x: (grad(lm)(x) * v).sum())(x), grad(lambda x: (grad(lr)(x) * v).sum())(x),
      "reverse over reverse")
close(hvp(lm, (x,), (v,)), hvp(lr, (x,), (v,)), "hvp")
close(hessian(lm)(x), hessian(lr)(x), "hessian")
lm, lr = ((lambda x: (pmap(lambda x: psum(x.sin() * x[0], "i"), "i", out_axes=None)(x) ** 2)
           .sum()), (lambda x: ((x.sin() * x[:, :1]).sum(0) ** 2).sum()))
close(grad(lambda x: (grad(lm)(x) * v).sum())(x), grad(lambda x: (grad(lr)(x) * v).sum())(x),
      "reverse over reverse, out_axes=None")
close(hessian(lm)(x), hessian(lr)(x), "hessian, out_axes=None")

# per-example gradients through pmap: vmap(grad(pmap(f)))
xb = data(n, 4, 3)
close(vmap(grad(lm), in_axes=1)(xb), vmap(grad(lr), in_axes=1)(xb), "vmap(grad(pmap(f)))")

# integers pass through (no gradient)
k = pmap(lambda k: k * 2 + axis_index("i"), "i")(wl.arange(n))
assert k.dtype == wl.int64 and k.tolist() == [3 * r for r in range(n)], k

# errors
try:
    pmap(f1, "i")(data(n + 1, 3))
    raise AssertionError("a wrong axis size must raise")
except ValueError as e:
    assert "pmap" in str(e) and f"({n + 1}, 3)" in str(e) and f"must be {n}" in str(e), e
for call in (lambda: psum(x, "i"), lambda: pmap(lambda x: pmean(x, "j"), "i")(x)):
    try:
        call()
        raise AssertionError("an unbound axis name must raise")
    except NameError as e:
        assert "unbound axis name" in str(e), e

dist.barrier()
print(f"pmap ok on rank {rank} of {n}", flush=True)
