"""The public face: `dir(wl)` shows the public API (tensor functions, dtypes, the subpackages
meant for users) and no internal module; every package lists its public names in an explicit
`__all__` whose names exist and which leaves out nothing the package defines."""
import importlib
import json
import pathlib
import subprocess
import sys
import types

import pytest

import wonderland as wl

PUBLIC_SUBPACKAGES = {"autograd", "backend", "bench", "data", "func", "models", "nn", "ops",
                      "optim", "recipes", "train", "tune", "viz", "distributions",
                      "accelerator", "amp", "backends", "cuda", "linalg", "utils",
                      "sparse", "onnx", "serialization", "ode", "rl"}
# modules that once leaked into wl (through `from .ops import *`) or are layers underneath
INTERNAL = ["atomic", "autodiff", "batching", "binary", "compare", "core", "creation", "functional",
            "index", "join", "keys", "methods", "precision", "reduce", "rounding",
            "shape", "strided", "unary"]
# PyTorch's paths to wonderland packages: the same module under a second name, not a copy
ALIASES = {("wonderland.utils", "data")}
PACKAGES = sorted(".".join(p.parent.relative_to(pathlib.Path(wl.__file__).parent.parent).parts)
                  for p in pathlib.Path(wl.__file__).parent.rglob("__init__.py"))


def test_dir_shows_no_module_but_the_public_subpackages():
    # a fresh interpreter: this test session imports other modules (the CLI) as it goes
    code = ("import json, types, wonderland as wl, wonderland.viz, wonderland.bench, "
            "wonderland.models, wonderland.recipes, wonderland.rl; "
            "print(json.dumps(sorted(n for n in dir(wl) "
            "if isinstance(getattr(wl, n), types.ModuleType))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    modules = set(json.loads(out.stdout))
    assert modules <= PUBLIC_SUBPACKAGES, f"internal modules in dir(wl): {modules}"
    assert {"nn", "optim", "data", "func", "autograd", "ops"} <= modules


@pytest.mark.parametrize("name", INTERNAL)
def test_internal_modules_are_not_attributes(name):
    assert not hasattr(wl, name), f"wl.{name} is internal"


def test_linalg_is_not_the_matmul_module():
    linalg = getattr(wl, "linalg", None)
    assert linalg is None or (hasattr(linalg, "__path__") and linalg.__name__.endswith(".linalg"))


def test_pytorch_names_stay():
    for name in ("Tensor", "float32", "float", "long", "bool", "no_grad", "save", "load", "tensor",
                 "zeros", "matmul", "einsum", "cat", "manual_seed", "Generator", "device"):
        assert name in wl.__all__ and hasattr(wl, name), name
    assert wl.float is wl.float32 and wl.long is wl.int64


def test_star_import_gives_exactly_the_public_names():
    namespace: dict = {}
    exec("from wonderland import *", namespace)
    assert set(namespace) - {"__builtins__"} == set(wl.__all__)
    assert namespace["matmul"] is wl.ops.matmul and isinstance(namespace["nn"], types.ModuleType)


@pytest.mark.parametrize("package", PACKAGES)
def test_all_is_explicit_complete_and_exists(package):
    module = importlib.import_module(package)
    names = module.__dict__.get("__all__")
    assert isinstance(names, list), f"{package} has no __all__ list"
    assert len(names) == len(set(names)), f"{package}.__all__ repeats a name"
    missing = [n for n in names if not hasattr(module, n)]
    assert not missing, f"{package}.__all__ names what it does not have: {missing}"
    for name in names:  # a module is listed only if it is one of the package's own
        value = getattr(module, name)
        if isinstance(value, types.ModuleType) and (package, name) not in ALIASES:
            assert value.__name__.startswith(package + "."), f"{package}.{name}: {value.__name__}"
    unlisted = [n for n, v in vars(module).items()
                if not n.startswith("_") and n not in names and not isinstance(v, types.ModuleType)
                and getattr(v, "__module__", "").startswith(package + ".")]
    assert not unlisted, f"{package} defines public names missing from __all__: {unlisted}"


def test_torch_utils_data_path_gives_the_data_package_objects():
    from wonderland.utils.data import DataLoader, Dataset, TensorDataset

    assert DataLoader is wl.data.DataLoader and Dataset is wl.data.Dataset
    assert wl.utils.data.TensorDataset is TensorDataset is wl.data.TensorDataset
    assert set(wl.utils.data.__all__) == set(wl.data.__all__)
