"""wl.func.pmap in one process without a process group (a world of one replica): the same
linear maps as on N ranks run locally, so values, grad, jvp, second order and the compositions
with vmap are checked here against vmap of the function; and pmap's errors. The N-rank checks
are tests/distributed/scripts/pmap.py."""
import subprocess
import sys

import numpy as np
import pytest

import wonderland as wl
from wonderland.func import (
    all_gather,
    axis_index,
    grad,
    hessian,
    jvp,
    pmap,
    pmean,
    psum,
    vmap,
)

from .helpers import assert_tree_close


def data(*shape, seed=0):
    return wl.tensor(np.random.default_rng([seed, *shape]).standard_normal(shape))


def f(x):
    """Every collective at once; with one replica each is the identity (or a new axis of 1)."""
    g = all_gather(x, "i", axis=1)[:, 0] + all_gather(x, "i", tiled=True)
    return x * psum(x, "i") + pmean(x.sin(), "i") * g * (axis_index("i") + 2)


def f_alone(x):  # f for one replica, as vmap runs it
    return x * x + x.sin() * 2 * x * 2


def test_values_grad_jvp_and_second_order_match_vmap():
    x, w, t = data(1, 3), data(1, 3, seed=1), data(1, 3, seed=2)
    assert_tree_close(pmap(f, "i")(x), vmap(f_alone)(x))
    lp, lv = (lambda x: (pmap(f, "i")(x) * w).sum()), (lambda x: (vmap(f_alone)(x) * w).sum())
    assert_tree_close(grad(lp)(x), grad(lv)(x))
    assert_tree_close(jvp(pmap(f, "i"), (x,), (t,)), jvp(vmap(f_alone), (x,), (t,)))
    assert_tree_close(hessian(lp)(x), hessian(lv)(x))
    leaf = x.detach().requires_grad_()
    lp(leaf).backward()
    assert_tree_close(leaf.grad, grad(lv)(x))


def test_in_axes_none_pytrees_and_out_axes():
    d, w = {"a": data(1, 3), "b": data(4, 1)}, data(3)

    def g(d, w):
        return (d["a"] * w).tanh() + psum(d["b"], "i").sum() * w, psum((w ** 2).sum(), "i")

    def ref(d, w):
        return (d["a"] * w).tanh() + d["b"].sum() * w, (w ** 2).sum()

    mapped = pmap(g, "i", in_axes=({"a": 0, "b": 1}, None), out_axes=(1, None))
    out = mapped(d, w)
    assert out[0].shape == (3, 1) and out[1].shape == ()
    assert_tree_close(out, (ref(d, w)[0].T, ref(d, w)[1]))
    v = data(3, 1, seed=3)

    def loss(fn):
        return lambda d, w: (fn(d, w)[0] * v).sum() + fn(d, w)[1]

    assert_tree_close(grad(loss(mapped), (0, 1))(d, w),
                      grad(loss(lambda d, w: (ref(d, w)[0].T, ref(d, w)[1])), (0, 1))(d, w))


def test_compositions_with_vmap():
    xb = data(1, 4, 3)

    def h(x):
        return x * psum(x, "i").exp()

    def ref(x):
        return x * x.exp()

    assert_tree_close(pmap(vmap(h), "i")(xb), ref(xb))
    assert_tree_close(vmap(pmap(h, "i"), in_axes=1)(xb), ref(xb).movedim(1, 0))
    assert_tree_close(grad(lambda x: vmap(pmap(h, "i"), in_axes=1)(x).sum())(xb),
                      grad(lambda x: ref(x).sum())(xb))
    per_example = vmap(grad(lambda x: pmap(h, "i")(x).sum()), in_axes=1)(xb)
    assert_tree_close(per_example, grad(lambda x: ref(x).sum())(xb).movedim(1, 0))


def test_psum_of_a_number_is_the_axis_size_and_integers_pass():
    out = pmap(lambda k: k * psum(2, "i") + axis_index("i"), "i")(wl.arange(1))
    assert out.dtype == wl.int64 and out.tolist() == [0]


def test_wrong_axis_size_names_pmap_shapes_and_world_size():
    with pytest.raises(ValueError, match=r"pmap: input leaf 0 of shape \(2, 3\) has size 2 "
                                         r"along its mapped axis 0.*must be 1.*init_process_group"):
        pmap(f, "i")(data(2, 3))


def test_unbound_axis_names():
    with pytest.raises(NameError, match="psum: unbound axis name 'i' .no pmap is running"):
        psum(data(3), "i")
    with pytest.raises(NameError, match="all_gather: unbound axis name 'j'.*axis_name is 'i'"):
        pmap(lambda x: all_gather(x, "j"), "i")(data(1, 3))
    with pytest.raises(NameError, match="axis_index: unbound axis name 'i'"):
        pmap(lambda x: x * axis_index("i"))(data(1, 3))  # axis_name None binds no name


def test_other_errors():
    with pytest.raises(NotImplementedError, match="nested pmap"):
        pmap(lambda x: pmap(lambda y: y, "j")(x[None]), "i")(data(1, 3))
    with pytest.raises(ValueError, match="pmap: in_axes marks no input as mapped"):
        pmap(f, "i", in_axes=None)(data(1, 3))
    with pytest.raises(TypeError, match="pmap: in_axes gives axis 0 for input leaf 1, a float"):
        pmap(lambda x, s: x * s, "i")(data(1, 3), 2.0)
    with pytest.raises(ValueError, match="pmap: in_axes has 1 entries for 2 arguments"):
        pmap(lambda x, s: x * s, "i", in_axes=(0,))(data(1, 3), data(1, 3))
    with pytest.raises(ValueError, match="pmap: out_axes 3 is out of range.*\\(3,\\)"):
        pmap(lambda x: x, "i", out_axes=3)(data(1, 3))
    with pytest.raises(TypeError, match="pmap: the function returned a str"):
        pmap(lambda x: "x", "i")(data(1, 3))
    with pytest.raises(ValueError, match="all_gather: axis 2 is out of range"):
        pmap(lambda x: all_gather(x, "i", axis=2), "i")(data(1, 3))


def test_import_is_lazy_and_the_names_are_public():
    code = ("import sys, wonderland as wl; assert 'wonderland.distributed' not in sys.modules; "
            "from wonderland.func import pmap, psum; import wonderland.distributed.pmap as m; "
            "assert pmap is m.pmap and wl.func.all_gather is m.all_gather; "
            "assert {'pmap', 'psum', 'pmean', 'all_gather', 'axis_index'} <= set(dir(wl.func)); "
            "assert 'mpi4py' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
