"""wl.load / wl.load_state on damaged files: each kind of damage raises CorruptFileError naming the
file and the fault; checksums catch changed bytes (verify=False skips them); files written before
checksums still load; saving round-trips every dtype without a false alarm."""
import json

import numpy as np
import pytest
from safetensors import numpy as st

import wonderland as wl
from wonderland.serialization import CorruptFileError


def _file(tmp_path, data: bytes, name="bad.safetensors"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _saved(tmp_path):
    path = tmp_path / "good.safetensors"
    wl.save({"w": wl.arange(6, dtype=wl.float32).reshape(2, 3), "b": wl.ones(4)}, path)
    return path.read_bytes()


def _with_header(header: dict, data: bytes = b"") -> bytes:
    text = json.dumps(header).encode()
    return len(text).to_bytes(8, "little") + text + data


def _header_size(raw: bytes) -> int:
    return 8 + int.from_bytes(raw[:8], "little")


def _raises(path, problem, load=wl.load, **kwargs):
    with pytest.raises(CorruptFileError, match=problem) as info:
        load(path, **kwargs)
    assert str(path) in str(info.value)
    assert isinstance(info.value, ValueError)
    return str(info.value)


def test_empty_and_too_short_files(tmp_path):
    _raises(_file(tmp_path, b""), "the file is empty")
    _raises(_file(tmp_path, b"abc"), "only 3 bytes, too short for a safetensors header")
    _raises(_file(tmp_path, b""), "the file is empty", load=wl.load_state)


def test_truncated_header_and_truncated_data(tmp_path):
    raw = _saved(tmp_path)
    _raises(_file(tmp_path, raw[:_header_size(raw) - 5]), "truncated")
    msg = _raises(_file(tmp_path, raw[:-3]), "the file is truncated")
    assert "tensor 'b'" in msg or "tensor 'w'" in msg


def test_random_bytes_and_other_formats(tmp_path):
    rng = np.random.default_rng(0)
    _raises(_file(tmp_path, rng.bytes(1000)), "truncated or not a safetensors file")
    np.save(tmp_path / "a.npy", np.ones(3))
    _raises(tmp_path / "a.npy", "not a safetensors file")
    small = (40).to_bytes(8, "little") + rng.bytes(40)  # a plausible length, then noise
    _raises(_file(tmp_path, small), "header is not a JSON object")
    _raises(_file(tmp_path, _with_header([1, 2])), "header is not a JSON object")


@pytest.mark.parametrize("entry, problem", [
    ({"dtype": "F32"}, "not {dtype, shape, data_offsets}"),
    ({"dtype": "Q8", "shape": [1], "data_offsets": [0, 4]}, "dtype 'Q8', not one of"),
    ({"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}, r"shape \[-1\]"),
    ({"dtype": "F32", "shape": [1], "data_offsets": [4]}, "data_offsets"),
    ({"dtype": "F32", "shape": [3], "data_offsets": [0, 12]}, "ends at byte 12 .* only 4"),
    ({"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}, "spans 4 bytes, but F32 of shape"),
])
def test_ill_formed_header_entries_are_named(tmp_path, entry, problem):
    msg = _raises(_file(tmp_path, _with_header({"w": entry}, bytes(4))), problem)
    assert "tensor 'w'" in msg


def test_bad_metadata_and_what_the_library_still_finds(tmp_path):
    _raises(_file(tmp_path, _with_header({"__metadata__": {"a": 1}})), "__metadata__")
    gap = _with_header({"w": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}, bytes(8))
    _raises(_file(tmp_path, gap), "not a valid safetensors file .*offset")


def test_state_naming_missing_or_ill_formed_entries(tmp_path):
    # files as another program (or an old wonderland) writes them: no checksums to catch this
    def state(tree):
        return _file(tmp_path, st.save({"a0": np.ones(2)}, metadata={"wonderland.state": tree}))

    _raises(state('{"__tensor__": "a999"}'), "refers to array 'a999', which the file does not",
            load=wl.load_state)
    _raises(state('{"__dict__": [[1]]}'), "no wl.save writes", load=wl.load_state)
    _raises(state('{"__dict__": [[[1], 2]]}'), "not hashable", load=wl.load_state)
    _raises(state("{not json"), "entry is not JSON", load=wl.load_state)
    assert np.array_equal(wl.load_state(state('[{"__array__": "a0"}]'))[0], np.ones(2))


def test_flipped_data_byte_is_caught_and_verify_false_skips_it(tmp_path):
    raw = bytearray(_saved(tmp_path))
    begin = json.loads(raw[8:_header_size(raw)])["w"]["data_offsets"][0]
    raw[_header_size(raw) + begin + 5] ^= 0x40  # one bit of w's data
    path = _file(tmp_path, bytes(raw))
    _raises(path, "tensor 'w' does not match its checksum")
    changed = wl.load(path, verify=False)["w"].numpy()
    assert not np.array_equal(changed, wl.load(tmp_path / "good.safetensors")["w"].numpy())


def test_changed_state_values_are_caught(tmp_path):
    path = tmp_path / "s.safetensors"
    wl.save_state({"lr": 0.001, "w": wl.ones(2)}, path)
    raw = path.read_bytes()
    assert raw.count(b"0.001") == 1
    path.write_bytes(raw.replace(b"0.001", b"0.009"))
    _raises(path, "metadata .* does not match its checksum", load=wl.load_state)
    assert wl.load_state(path, verify=False)["lr"] == 0.009


def test_altered_checksum_entry(tmp_path):
    path = tmp_path / "c.safetensors"
    sums = '{"hash": "md5", "tensors": {}, "metadata": ""}'
    path.write_bytes(st.save({}, metadata={"wonderland.checksums": sums}))
    _raises(path, "checksums are 'md5'")
    path.write_bytes(st.save({"w": np.ones(1)}, metadata={"wonderland.checksums": "[]"}))
    _raises(path, "'wonderland.checksums' metadata entry is ill-formed")
    sums = '{"hash": "sha256", "tensors": {}, "metadata": ""}'
    path.write_bytes(st.save({"w": np.ones(1)}, metadata={"wonderland.checksums": sums}))
    _raises(path, r"do not name the same tensors \(\['w'\]\)")
    wl.load(path, verify=False)


def test_files_without_checksums_still_load(tmp_path):
    path = tmp_path / "old.safetensors"
    path.write_bytes(st.save({"w": np.arange(3.0)}))
    np.testing.assert_array_equal(wl.load(path)["w"].numpy(), np.arange(3.0))
    tree = json.dumps({"__dict__": [["step", 4], ["w", {"__tensor__": "a0"}]]})
    path.write_bytes(st.save({"a0": np.arange(3.0)}, metadata={"wonderland.state": tree}))
    got = wl.load_state(path)
    assert got["step"] == 4 and np.array_equal(got["w"].numpy(), np.arange(3.0))


def test_every_dtype_and_shape_round_trips_with_checksums(tmp_path):
    arrays = [np.arange(6, dtype=np.float16).reshape(2, 3), np.array(True), np.zeros((0, 3)),
              np.arange(4, dtype=">i4"), np.arange(5, dtype=np.uint8)[::2], np.int8(-3)]
    path = tmp_path / "all.safetensors"
    wl.save_state({"arrays": arrays, "t": wl.tensor([1.5, 2.5])}, path)
    got = wl.load_state(path)
    for a, b in zip(arrays, got["arrays"]):
        np.testing.assert_array_equal(a, b)
    wl.save({"t": wl.tensor(3.0)}, path, metadata={"note": "kept"})
    assert wl.load(path)["t"].item() == 3.0


def test_save_refuses_wonderlands_own_metadata_key(tmp_path):
    with pytest.raises(ValueError, match="wonderland.checksums"):
        wl.save({}, tmp_path / "x.safetensors", metadata={"wonderland.checksums": "{}"})
    with pytest.raises(TypeError, match="strings to strings"):
        wl.save({}, tmp_path / "x.safetensors", metadata={"n": 1})


def test_missing_file_stays_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        wl.load(tmp_path / "nope.safetensors")
