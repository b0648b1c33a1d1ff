"""wonderland.viz.render writes png / svg / pdf through Graphviz's `dot`; without `dot` it says
how to install it (and .source still works); without the graphviz package, the import says so."""
import shutil
import subprocess
import sys

import pytest

import wonderland as wl
from wonderland import viz


def test_the_dot_program_is_installed():
    # the test extra installs the graphviz package; the program comes from the system
    assert shutil.which("dot"), "install Graphviz's dot: apt-get install graphviz"


def digraph():
    x = wl.randn(2, 3, requires_grad=True)
    return viz.graph((x.exp() * 2).sum())


@pytest.mark.parametrize("suffix, magic", [("png", b"\x89PNG"), ("svg", b"<svg"),
                                           ("pdf", b"%PDF")])
def test_render_writes_the_picture_named_by_the_suffix(tmp_path, suffix, magic):
    path = viz.render(digraph(), tmp_path / "pictures" / f"g.{suffix}")
    assert path == tmp_path / "pictures" / f"g.{suffix}"
    data = path.read_bytes()
    assert magic in data[:400] and len(data) > 100
    assert [p.name for p in path.parent.iterdir()] == [f"g.{suffix}"]  # no DOT file left over


def test_render_format_argument_and_errors(tmp_path):
    g = digraph()
    assert viz.render(g, tmp_path / "graph", format="svg").read_bytes().lstrip().startswith(b"<")
    assert viz.render(g, str(tmp_path / "noext")).read_bytes().startswith(b"\x89PNG")
    with pytest.raises(ValueError, match="unknown format"):
        viz.render(g, tmp_path / "g.docx")


def test_without_the_dot_program_source_works_and_render_says_how_to_install(
        tmp_path, monkeypatch):
    g = digraph()
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` to be found
    assert g.source.startswith("digraph")
    with pytest.raises(RuntimeError, match="apt-get install graphviz.*brew install graphviz"):
        viz.render(g, tmp_path / "g.png")
    assert not (tmp_path / "g.png").exists()


def test_without_the_graphviz_package_the_error_says_pip_install(monkeypatch):
    x = wl.randn(2, requires_grad=True)
    monkeypatch.setitem(sys.modules, "graphviz", None)  # `import graphviz` now fails
    with pytest.raises(ImportError, match=r"pip install graphviz .*wonderland\[viz\]"):
        viz.graph(x.exp())
    with pytest.raises(ImportError, match="pip install graphviz"):
        viz.model_graph(wl.nn.Linear(2, 1), x)
    with pytest.raises(ImportError, match="pip install graphviz"):
        viz.render(object(), "g.png")


def test_importing_wonderland_viz_does_not_import_graphviz():
    code = "import sys, wonderland.viz; print('graphviz' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_layout_that_takes_too_long_is_stopped_with_advice(tmp_path):
    # dot cannot even start within a millisecond; unfolded, the GRU's 1,500 operations ran for ever
    with pytest.raises(RuntimeError, match=r"dot did not finish laying out 5 nodes within "
                                           r"timeout=0.001 s; draw fewer \(a smaller max_nodes"):
        viz.render(digraph(), tmp_path / "g.svg", timeout=0.001)
    assert not (tmp_path / "g.svg").exists()


def test_a_graphviz_error_is_reported(tmp_path):
    import graphviz

    with pytest.raises(RuntimeError, match="dot failed on 0 nodes: .*syntax error"):
        viz.render(graphviz.Source("digraph { a -> }"), tmp_path / "g.svg")
    assert not (tmp_path / "g.svg").exists()
