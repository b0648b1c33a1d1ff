"""The core works with only what pyproject.toml declares (NumPy; safetensors, as wl.save / wl.load
are core API; ml_dtypes for wl.bfloat16; threadpoolctl, which the CPU kernels' threads hold the
BLAS to one thread with), and importing it does not pull in PyTorch or other heavy
optional packages."""
import ast
import re
import subprocess
import sys
from pathlib import Path

# a gradient, and the tensors and a nested state saved and loaded again
_USE_CORE = """
import os, tempfile, wonderland as wl
x = wl.randn(3, requires_grad=True)
(x.exp() * x).sum().backward()
with tempfile.TemporaryDirectory() as d:
    wl.save({'x': x}, os.path.join(d, 'x.safetensors'))
    assert wl.load(os.path.join(d, 'x.safetensors'))['x'].shape == (3,)
    wl.save_state({'x': x, 'step': 1}, os.path.join(d, 's.safetensors'))
    assert wl.load_state(os.path.join(d, 's.safetensors'))['step'] == 1
"""

# hides every installed package that is neither the standard library nor `allowed`, as if
# only `pip install wonderland` had run
_ONLY = """
import sys, importlib.machinery as m
allowed = set(sys.argv[1:]) | {'wonderland'} | set(sys.stdlib_module_names)
class Only(m.PathFinder):
    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if name.partition('.')[0] in allowed:
            return super().find_spec(name, path, target)
sys.meta_path[sys.meta_path.index(m.PathFinder)] = Only
"""


def _run(code: str, *args: str) -> str:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout


def _declared() -> list[str]:
    """The import names of pyproject.toml's [project] dependencies."""
    text = (Path(__file__).parents[1] / "pyproject.toml").read_text()
    listed = ast.literal_eval(re.search(r"^dependencies\s*=\s*(\[.*?\])", text, re.M | re.S)[1])
    return [re.match(r"[\w.-]+", req)[0].lower().replace("-", "_") for req in listed]


def test_core_works_with_only_the_declared_dependencies():
    hidden = "try:\n    import numpy\nexcept ModuleNotFoundError:\n    print('hidden')"
    assert _run(_ONLY + hidden) == "hidden\n"  # the probe really hides installed packages
    _run(_ONLY + _USE_CORE, *_declared())


def test_core_pulls_in_no_heavy_optional_package():
    heavy = "import sys; print([m for m in ('torch', 'sklearn', 'matplotlib', 'hypothesis') " \
            "if m in sys.modules])"
    assert _run(_USE_CORE + heavy).strip() == "[]"
