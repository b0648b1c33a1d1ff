"""The graphviz dependency, imported lazily (wonderland.viz imports without it), and render():
a Digraph written to a picture file by the Graphviz `dot` program."""
from __future__ import annotations

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


def render(digraph, path, format: str | None = None) -> Path:  # noqa: A002  (graphviz's name)
    """Write `digraph` as a picture at `path` and return the path. format: 'png', 'svg', 'pdf'
    (or any other Graphviz output format); by default the path's suffix, else png.

    Needs the Graphviz `dot` program; digraph.source (the DOT text) does not."""
    gv = require_graphviz()
    path = Path(path)
    fmt = (format or path.suffix.lstrip(".") or "png").lower()
    if fmt not in gv.FORMATS:
        raise ValueError(f"render: unknown format {fmt!r}; use 'png', 'svg' or 'pdf'")
    try:
        data = digraph.pipe(format=fmt)
    except gv.ExecutableNotFound as e:
        raise RuntimeError(f"render: the Graphviz program `dot` was not found on PATH; "
                           f"{_INSTALL_BINARY}. digraph.source gives the DOT text without "
                           f"it") from e
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
