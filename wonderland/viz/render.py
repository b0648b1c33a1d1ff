"""The graphviz dependency, imported lazily (wonderland.viz imports without it), and render():
a Digraph written to a picture file by the Graphviz `dot` program, within a time limit."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

_INSTALL_BINARY = ("install Graphviz (apt-get install graphviz, brew install graphviz, or "
                   "https://graphviz.org/download/)")


def require_graphviz():
    """The `graphviz` Python package, or an ImportError that says how to install it."""
    try:
        import graphviz
    except ImportError as e:
        raise ImportError("wonderland.viz needs the graphviz Python package: pip install graphviz "
                          "(or pip install 'wonderland[viz]'); rendering pictures also needs "
                          f"the Graphviz programs: {_INSTALL_BINARY}") from e
    return graphviz


def render(digraph, path, format: str | None = None,  # noqa: A002  (graphviz's name)
           timeout: float | None = 60.0) -> Path:
    """Write `digraph` as a picture at `path` and return the path. format: 'png', 'svg', 'pdf'
    (or any other Graphviz output format); by default the path's suffix, else png. Graphviz is
    stopped after `timeout` seconds (None: no limit) with an error that says what to draw less.

    Needs the Graphviz `dot` program; digraph.source (the DOT text) does not."""
    gv = require_graphviz()
    path = Path(path)
    fmt = (format or path.suffix.lstrip(".") or "png").lower()
    if fmt not in gv.FORMATS:
        raise ValueError(f"render: unknown format {fmt!r}; use 'png', 'svg' or 'pdf'")
    source = digraph.source
    try:
        done = subprocess.run([digraph.engine, f"-T{fmt}"], input=source.encode(),
                              capture_output=True, timeout=timeout)
    except FileNotFoundError as e:
        raise RuntimeError(f"render: the Graphviz program `{digraph.engine}` was not found on "
                           f"PATH; {_INSTALL_BINARY}. digraph.source gives the DOT text without "
                           f"it") from e
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"render: Graphviz's {digraph.engine} did not finish laying out "
                           f"{_count_nodes(source)} nodes within timeout={timeout:g} s; draw "
                           f"fewer (a smaller max_nodes, collapse=True) or pass a longer "
                           f"timeout") from None
    if done.returncode != 0:
        why = done.stderr.decode(errors="replace").strip().splitlines()[:3]
        raise RuntimeError(f"render: Graphviz's {digraph.engine} failed on "
                           f"{_count_nodes(source)} nodes: {' '.join(why)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(done.stdout)
    return path


def _count_nodes(source: str) -> int:
    """The node statements in DOT text (named, not the 'graph', 'node' or 'edge' defaults)."""
    return sum(1 for m in re.finditer(r"^\s*(\w+) \[", source, re.M)
               if m.group(1) not in ("graph", "node", "edge"))
