"""onnx is an optional dependency: `import wonderland` does not load it, and wl.onnx.export
without it says which package to install."""
import subprocess
import sys

_HIDE_ONNX = """
import sys, importlib.machinery as m
class NoOnnx(m.PathFinder):
    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if name.partition('.')[0] != 'onnx':
            return super().find_spec(name, path, target)
sys.meta_path[sys.meta_path.index(m.PathFinder)] = NoOnnx
"""


def _run(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_import_wonderland_does_not_load_onnx():
    assert _run("import sys, wonderland as wl; print(wl.onnx.__name__, 'onnx' in sys.modules)") \
        == "wonderland.onnx False\n"


def test_export_without_onnx_names_the_package_to_install():
    code = _HIDE_ONNX + (
        "import wonderland as wl\n"
        "try:\n    wl.onnx.export\nexcept ModuleNotFoundError as e:\n    print(e)\n")
    assert "pip install 'wonderland[onnx]'" in _run(code)
