"""Pytrees: flatten/unflatten round trips, dict key order, structure errors, tree_map."""
from collections import namedtuple

import pytest

from wonderland.autodiff.pytree import tree_flatten, tree_flatten_as, tree_map, tree_unflatten

Pair = namedtuple("Pair", "left right")


def test_round_trip_of_nested_containers():
    tree = {"b": (1, [2, None]), "a": Pair(3, {}), "c": []}
    leaves, spec = tree_flatten(tree)
    assert leaves == [3, 1, 2, None]  # dict keys sorted; None is a leaf
    assert spec.num_leaves == 4
    back = tree_unflatten(spec, leaves)
    assert back == tree and isinstance(back["a"], Pair) and isinstance(back["b"][1], list)
    assert repr(spec) == "{'a': Pair(*, {}), 'b': (*, [*, *]), 'c': []}"


def test_a_single_leaf_and_key_order():
    leaves, spec = tree_flatten(5)
    assert leaves == [5] and tree_unflatten(spec, [7]) == 7
    assert tree_flatten({"x": 1, "y": 2})[1] == tree_flatten({"y": 2, "x": 1})[1]
    assert tree_flatten((1, 2))[1] != tree_flatten([1, 2])[1]


def test_unflatten_counts_leaves():
    _, spec = tree_flatten((1, (2, 3)))
    with pytest.raises(ValueError, match="holds 3 leaves, got 2"):
        tree_unflatten(spec, [1, 2])


def test_flatten_as_names_where_structures_differ():
    _, spec = tree_flatten(({"w": 1, "b": 2}, 3))
    assert tree_flatten_as(spec, [{"b": 5, "w": 4}, 6]) == [5, 4, 6]
    with pytest.raises(ValueError, match=r"at \[0\]: expected a dict with keys \['b', 'w'\]"):
        tree_flatten_as(spec, ({"w": 1}, 3))
    with pytest.raises(ValueError, match=r"at \[0\]\['w'\]: expected a leaf, got a tuple of 2"):
        tree_flatten_as(spec, ({"w": (1, 2), "b": 2}, 3))
    with pytest.raises(ValueError, match="at the top: expected a sequence of 2"):
        tree_flatten_as(spec, (1, 2, 3))


def test_tree_map_over_several_trees():
    a = {"x": (1, 2), "y": 3}
    b = {"y": 30, "x": [10, 20]}
    assert tree_map(lambda u, v: u + v, a, b) == {"x": (11, 22), "y": 33}
    with pytest.raises(ValueError, match="expected a dict"):
        tree_map(lambda u, v: u, a, (1, 2, 3))
