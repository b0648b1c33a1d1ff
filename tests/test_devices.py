"""Devices as PyTorch programs ask about them: wl.cuda, wl.accelerator, wl.backends, device
objects, Tensor.is_cuda / .cuda(), Module.cpu() / .cuda(), checked against PyTorch (CPU build)."""
import pickle

import pytest
import torch

import wonderland as wl

NO_GPU = "no GPU backend"


def test_cuda_queries_match_a_pytorch_without_gpu():
    assert wl.cuda.is_available() is torch.cuda.is_available() is False
    assert wl.cuda.device_count() == torch.cuda.device_count() == 0
    assert wl.cuda.is_initialized() is False
    assert wl.cuda.is_bf16_supported() is torch.cuda.is_bf16_supported() is False
    for name in ("memory_allocated", "max_memory_allocated", "memory_reserved",
                 "max_memory_reserved"):
        assert getattr(wl.cuda, name)() == getattr(torch.cuda, name)() == 0, name
    assert wl.cuda.reset_peak_memory_stats() is None
    assert wl.accelerator.is_available() is torch.accelerator.is_available() is False
    assert wl.accelerator.current_accelerator() is None
    assert wl.accelerator.device_count() == 0


def test_cuda_seeding_synchronising_and_cache_do_nothing_without_gpu():
    wl.manual_seed(0)
    a = wl.rand(3)
    wl.manual_seed(0)
    wl.cuda.manual_seed(5)
    wl.cuda.manual_seed_all(7)
    wl.cuda.seed_all()
    assert wl.cuda.synchronize() is None and wl.cuda.empty_cache() is None
    assert wl.accelerator.synchronize() is None
    assert wl.equal(wl.rand(3), a)  # the CPU generator is untouched
    with pytest.raises((TypeError, ValueError)):
        wl.cuda.manual_seed("seven")


@pytest.mark.parametrize("ask", [lambda m: m.current_device(), lambda m: m.get_device_name(),
                                 lambda m: m.get_device_name(0),
                                 lambda m: m.get_device_capability(),
                                 lambda m: m.get_device_properties(0)])
def test_questions_about_a_gpu_raise_naming_what_to_do(ask):
    with pytest.raises(AssertionError):
        ask(torch.cuda)
    with pytest.raises(RuntimeError, match=rf"{NO_GPU}.*'cuda' if wl.cuda.is_available\(\)"):
        ask(wl.cuda)
    with pytest.raises(RuntimeError, match=NO_GPU):
        wl.cuda.set_device(0)


def test_backend_flags_are_settable_with_pytorchs_defaults():
    for name in ("enabled", "benchmark", "deterministic", "allow_tf32", "benchmark_limit"):
        assert getattr(wl.backends.cudnn, name) == getattr(torch.backends.cudnn, name), name
    assert wl.backends.cudnn.is_available() is torch.backends.cudnn.is_available() is False
    assert wl.backends.cudnn.version() is None
    assert wl.backends.mps.is_available() is torch.backends.mps.is_available() is False
    assert wl.backends.mps.is_built() is False and wl.backends.cuda.is_built() is False
    for name in ("allow_tf32", "allow_fp16_reduced_precision_reduction",
                 "allow_bf16_reduced_precision_reduction"):
        assert getattr(wl.backends.cuda.matmul, name) == getattr(torch.backends.cuda.matmul, name)
    saved = wl.backends.cudnn.benchmark, wl.backends.cudnn.deterministic
    try:
        wl.backends.cudnn.benchmark, wl.backends.cudnn.deterministic = True, True
        from wonderland.backends import cudnn
        assert cudnn.benchmark is True and cudnn.deterministic is True
    finally:
        wl.backends.cudnn.benchmark, wl.backends.cudnn.deterministic = saved


@pytest.mark.parametrize("args", [("cpu",), ("cuda",), ("cuda:1",), ("cuda", 2), ("mps",),
                                  ("cpu:0",), ("meta",)])
def test_device_objects_are_pytorchs(args):
    ours, theirs = wl.device(*args), torch.device(*args)
    assert (ours.type, ours.index) == (theirs.type, theirs.index)
    assert (str(ours), repr(ours)) == (str(theirs), repr(theirs))
    assert wl.device(ours) == ours and hash(wl.device(ours)) == hash(ours)
    assert pickle.loads(pickle.dumps(ours)) == ours


def test_device_comparisons_are_pytorchs():
    pairs = [("cuda", "cuda:0"), ("cuda:0", "cuda:0"), ("cpu", "cpu"), ("cpu", "cuda")]
    for a, b in pairs:
        assert (wl.device(a) == wl.device(b)) == (torch.device(a) == torch.device(b)), (a, b)
    assert (wl.device("cpu") == "cpu") == (torch.device("cpu") == "cpu")  # False in both
    assert len({wl.device("cuda:0"), wl.device("cuda", 0), wl.device("cuda")}) == 2


@pytest.mark.parametrize("text", ["foo", "cuda:x", "cuda:-1", "cuda:0:1"])
def test_bad_device_strings_raise_as_in_pytorch(text):
    with pytest.raises(RuntimeError):
        torch.device(text)
    with pytest.raises(RuntimeError, match="device"):
        wl.device(text)


def test_tensor_device_flags():
    x = wl.zeros(2)
    assert isinstance(x.device, wl.device) and x.device == wl.device("cpu")
    assert x.is_cpu and not x.is_cuda
    on_fake = x.to("fakedev")
    assert on_fake.device == wl.device("fakedev:0")
    assert not on_fake.is_cpu and not on_fake.is_cuda
    assert x.cpu() is x
    # the other backends programs test for (DCGAN asks `input.is_cuda or input.is_xpu`)
    assert not any((x.is_xpu, x.is_mps, x.is_meta, x.is_xla, x.is_mkldnn, x.is_vulkan))


@pytest.mark.parametrize("move", [lambda x: x.cuda(), lambda x: x.cuda(0), lambda x: x.to("cuda"),
                                  lambda x: x.to(wl.device("cuda")), lambda x: x.cuda("cuda:1"),
                                  lambda x: wl.zeros(2, device="cuda")])
def test_moving_a_tensor_to_cuda_raises_naming_the_missing_backend(move):
    with pytest.raises(RuntimeError, match=rf"'cuda' is not available.*{NO_GPU}.*"
                                           r"'cuda' if wl.cuda.is_available\(\) else 'cpu'"):
        move(wl.zeros(2))


def test_module_cpu_and_cuda():
    model = wl.nn.Linear(3, 2)
    weight = model.weight
    assert model.cpu() is model and model.weight is weight and weight.device == wl.device("cpu")
    with pytest.raises(RuntimeError, match=NO_GPU):
        model.cuda()
    with pytest.raises(RuntimeError, match=NO_GPU):
        model.to("cuda")
    assert model.weight.device == wl.device("cpu")  # a refused move leaves the module as it was


def test_the_portable_device_idiom_runs():
    device = wl.device("cuda" if wl.cuda.is_available() else "cpu")
    model = wl.nn.Linear(3, 2).to(device)
    assert model(wl.ones(4, 3).to(device)).device == device


def test_module_to_takes_non_blocking():
    model = wl.nn.Linear(3, 2).to("cpu", non_blocking=True)
    assert model.weight.device == wl.device("cpu")


def test_float32_matmul_precision_is_recorded_as_in_pytorch():
    assert wl.get_float32_matmul_precision() == torch.get_float32_matmul_precision() == "highest"
    try:
        wl.set_float32_matmul_precision("high")
        assert wl.get_float32_matmul_precision() == "high"
        with pytest.warns(UserWarning, match="has no effect"):
            wl.set_float32_matmul_precision("fastest")
        assert wl.get_float32_matmul_precision() == "high"
    finally:
        wl.set_float32_matmul_precision("highest")


def test_tensor_to_takes_pytorchs_arguments():
    for lib in (wl, torch):
        x = lib.zeros(2)
        assert x.to(x) is x and x.to("cpu", non_blocking=True) is x
        assert x.to(copy=True) is not x and x.to("cpu", copy=True) is not x
        assert x.to(lib.zeros(1, dtype=lib.float64)).dtype is lib.float64
        assert x.get_device() == -1
    copied = wl.ones(2).to(copy=True)
    assert wl.equal(copied, wl.ones(2))
    assert wl.zeros(2).to("fakedev").get_device() == 0
