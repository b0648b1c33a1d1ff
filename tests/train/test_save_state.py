"""wl.save_state / wl.load_state: nested states survive a round trip unchanged, bad values are
refused with the path to them, and a failed write leaves the old file."""
import math

import numpy as np
import pytest
import safetensors.numpy

import wonderland as wl
from wonderland import atomic


def test_round_trip_keeps_structure_types_and_values(tmp_path):
    state = {
        "model": {"w": wl.arange(6, dtype=wl.float64).reshape(2, 3), "step": wl.tensor(3)},
        "optimizer": {"state": {0: {"step": 4, "exp_avg": wl.zeros(3)}, 7: {}},
                      "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "params": [0, 7]}]},
        "rng": {"state": {"state": 2**127 + 12345, "inc": 99}},
        "numpy": ("MT19937", np.arange(5, dtype=np.uint32), 3, 0, 0.0),
        "plain": [None, True, -1, 2.5, "text", float("inf"), float("nan"), []],
        (1, 2): "tuple key",
    }
    path = tmp_path / "s.safetensors"
    wl.save_state(state, path)
    got = wl.load_state(path)
    assert got.keys() == state.keys()
    assert isinstance(got["model"]["w"], wl.Tensor) and got["model"]["w"].dtype == wl.float64
    np.testing.assert_array_equal(got["model"]["w"].numpy(), state["model"]["w"].numpy())
    assert got["model"]["step"].shape == () and got["model"]["step"].item() == 3
    assert list(got["optimizer"]["state"]) == [0, 7]  # int keys stay ints
    assert got["optimizer"]["param_groups"][0]["betas"] == (0.9, 0.999)
    assert got["rng"]["state"]["state"] == 2**127 + 12345
    assert isinstance(got["numpy"], tuple) and isinstance(got["numpy"][1], np.ndarray)
    assert got["numpy"][1].dtype == np.uint32
    plain = got["plain"]
    assert plain[:6] == [None, True, -1, 2.5, "text", float("inf")] and math.isnan(plain[6])
    assert got[(1, 2)] == "tuple key"


def test_unsupported_values_are_named(tmp_path):
    with pytest.raises(TypeError, match=r"state\['a'\]\[1\] is a function"):
        wl.save_state({"a": [1, lambda: 2]}, tmp_path / "x.safetensors")


def test_plain_tensor_files_load_as_name_to_tensor_dicts(tmp_path):
    (tmp_path / "w.safetensors").write_bytes(safetensors.numpy.save({"w": np.ones(2)}))
    got = wl.load_state(tmp_path / "w.safetensors")
    assert list(got) == ["w"] and np.array_equal(got["w"].numpy(), np.ones(2))


def test_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.safetensors"
    wl.save_state({"v": 1}, path)

    def broken(fd):  # the new bytes are written, then the disk fails before the rename
        raise OSError("disk full")

    monkeypatch.setattr(atomic.os, "fsync", broken)
    with pytest.raises(OSError, match="disk full"):
        wl.save_state({"v": 2}, path)
    assert wl.load_state(path) == {"v": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.safetensors"]  # no temporary left
