"""Bad shapes, dims and sizes give clear errors that name what was wrong (and the numbers)."""
import re

import pytest

import wonderland as wl


@pytest.fixture
def x():
    return wl.zeros(2, 3, 4)


def raises(kind, *fragments):
    """pytest.raises for `kind` whose message contains every fragment, verbatim."""
    return pytest.raises(kind, match="(?s)" + "".join(f"(?=.*{re.escape(f)})" for f in fragments))


def test_reshape_wrong_count_names_both(x):
    with raises(ValueError, "(5, 5)", "24"):
        x.reshape(5, 5)
    with raises(ValueError, "(7, 3)", "24"):
        x.view(7, 3)
    with raises(ValueError, "(5, -1)", "24"):
        wl.reshape(x, (5, -1))
    with raises(ValueError, "-1"):
        x.reshape(-1, -1)


def test_unflatten_wrong_sizes(x):
    with raises(ValueError, "(2, 2)", "3"):
        x.unflatten(1, (2, 2))


def test_cat_mismatch_names_index_and_shapes():
    a, b, c = wl.zeros(2, 3), wl.zeros(5, 3), wl.zeros(2, 4)
    with raises(ValueError, "tensor 2", "(2, 4)", "(2, 3)"):
        wl.cat([a, b, c])
    with raises(ValueError, "tensor 1", "(2, 3, 1)"):
        wl.cat([a, wl.zeros(2, 3, 1)])
    with raises(ValueError, "non-empty"):
        wl.cat([])
    wl.cat([a, b, a])  # only the other dimensions must agree


def test_stack_mismatch_names_index_and_shapes():
    with raises(ValueError, "tensor 1", "(3, 2)", "(2, 3)"):
        wl.stack([wl.zeros(2, 3), wl.zeros(3, 2)])


def test_permute_not_a_permutation(x):
    with raises(ValueError, "(0, 0, 1)", "permutation"):
        x.permute(0, 0, 1)
    with raises(ValueError, "2 axes", "3 dimensions"):
        x.permute(0, 1)
    with raises(IndexError, "dimension 3"):
        x.permute(0, 1, 3)


@pytest.mark.parametrize("call, dim", [
    (lambda x: x.sum(3), "3"),
    (lambda x: x.sum((0, -4)), "-4"),
    (lambda x: x.mean(5), "5"),
    (lambda x: x.amax(3), "3"),
    (lambda x: x.argmax(-4), "-4"),
    (lambda x: x.max(3), "3"),
    (lambda x: x.cumsum(3), "3"),
    (lambda x: x.logsumexp(4), "4"),
    (lambda x: x.transpose(0, 3), "3"),
    (lambda x: x.flip(3), "3"),
    (lambda x: x.roll(1, 3), "3"),
    (lambda x: x.flatten(0, 3), "3"),
    (lambda x: x.movedim(3, 0), "3"),
    (lambda x: x.narrow(-4, 0, 1), "-4"),
    (lambda x: x.split(1, 3), "3"),
    (lambda x: x.unbind(3), "3"),
    (lambda x: x.unfold(3, 1, 1), "3"),
    (lambda x: wl.cat([x, x], 3), "3"),
])
def test_dim_out_of_range_names_the_dim(x, call, dim):
    with raises(IndexError, f"dimension {dim}", "3 dimensions"):
        call(x)


def test_dim_listed_twice(x):
    with raises(ValueError, "twice"):
        x.sum((0, 0))
    with raises(ValueError, "repeated"):
        x.movedim((0, 0), (1, 2))


def test_squeeze_unsqueeze_bounds(x):
    with raises(IndexError, "dimension 3"):
        x.squeeze(3)
    with raises(IndexError, "dimension -4"):
        x.squeeze(-4)
    assert x.unsqueeze(3).shape == (2, 3, 4, 1)
    assert x.unsqueeze(-4).shape == (1, 2, 3, 4)
    with raises(IndexError, "dimension 4", "[-4, 3]", "3 dimensions"):
        x.unsqueeze(4)
    with raises(IndexError, "dimension -5", "[-4, 3]"):
        x.unsqueeze(-5)
    with raises(IndexError, "dimension 4"):
        wl.stack([x, x], 4)


def test_pad_too_many_values(x):
    with raises(ValueError, "at most 6", "(2, 3, 4)", "(1, 1, 1, 1, 1, 1, 1, 1)"):
        wl.pad(x, (1,) * 8)
    with raises(ValueError, "even"):
        wl.pad(x, (1, 1, 1))


def test_pad_reflect_too_large(x):
    with raises(ValueError, "reflect", "(4, 0)", "size 4"):
        wl.pad(x, (4, 0), "reflect")
    with raises(ValueError, "reflect", "(0, 3)", "size 3"):
        wl.pad(x, (0, 0, 0, 3), "reflect")
    assert wl.pad(x, (3, 3), "reflect").shape == (2, 3, 10)


def test_pad_other_bad_arguments(x):
    with raises(ValueError, "circular", "(5, 0)", "size 4"):
        wl.pad(x, (5, 0), "circular")
    with raises(ValueError, "(-3, -2)", "size 4"):
        wl.pad(x, (-3, -2))
    with raises(ValueError, "'wrap'"):
        wl.pad(x, (0, 0), "wrap")


def test_split_sizes_not_summing(x):
    with raises(ValueError, "[1, 1]", "3", "dimension 1"):
        x.split([1, 1], 1)
    with raises(ValueError, "negative"):
        x.split([4, -1], 1)
    with raises(ValueError, "positive", "0"):
        x.split(0)
    with raises(ValueError, "positive", "0"):
        x.chunk(0)


def test_narrow_past_the_end(x):
    with raises(ValueError, "start 2", "length 3", "size 3"):
        x.narrow(1, 2, 3)
    with raises(IndexError, "start -4"):
        x.narrow(1, -4, 1)


def test_as_strided_reading_past_the_end(x):
    with raises(ValueError, "(4, 7)", "(6, 1)", "element 24", "24"):
        wl.as_strided(x, (4, 7), (6, 1))
    with raises(ValueError, "offset 23", "element 24"):
        x.as_strided((2,), (1,), 23)
    with raises(ValueError, "differ in length"):
        wl.as_strided(x, (2, 2), (1,))
    with raises(ValueError, "non-negative"):
        wl.as_strided(x, (2,), (-1,))
    assert wl.as_strided(x, (4, 6), (6, 1)).shape == (4, 6)  # the last element is fine


def test_unfold_window_too_large(x):
    with raises(ValueError, "window 5", "size 4"):
        x.unfold(2, 5, 1)
    with raises(ValueError, "step 0"):
        x.unfold(2, 2, 0)


def test_broadcast_errors(x):
    with raises(ValueError, "(2, 3, 4)", "(3, 3, 4)"):
        x.expand(3, 3, 4)
    with raises(ValueError, "(2, 3, 4)", "(3, 4)"):
        x.broadcast_to((3, 4))
    with raises(ValueError, "2 sizes", "3 dimensions"):
        x.expand(3, 4)


def test_other_shape_arguments(x):
    with raises(ValueError, "start_dim 2", "end_dim 1"):
        x.flatten(2, 1)
    with raises(ValueError, "2 repeats", "3 dimensions"):
        x.repeat(2, 2)
    with raises(ValueError, "2 shifts", "1 dims"):
        x.roll((1, 2), 0)
    with raises(ValueError, "at most 2 dimensions", "got 3", "mT"):
        x.T  # noqa: B018
    with raises(ValueError, "1"):
        wl.zeros(3).mT  # noqa: B018


def test_statistics_need_floats():
    ints = wl.zeros(2, 3, dtype=wl.int64)
    for fn in (wl.mean, wl.var, wl.std, wl.logsumexp):
        with raises(TypeError, "floating point", "int64"):
            fn(ints)
