"""The core needs NumPy alone: importing wonderland must not pull in PyTorch or SciPy's peers."""
import subprocess
import sys


def test_import_needs_numpy_only():
    code = ("import sys, wonderland as wl; x = wl.randn(3, requires_grad=True); "
            "(x.exp() * x).sum().backward(); "
            "print(sorted(m for m in ('torch', 'sklearn', 'matplotlib', 'hypothesis') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout
