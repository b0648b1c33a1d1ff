"""The docs cannot rot: every ```python block of docs/*.md and README.md runs, in order, in one
namespace per file. A block whose first line is `# quoted from <path>` is a quotation of the code
instead: its lines must appear, in order and together, in that file."""
import re
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]
BLOCK = re.compile(r"^( *)```python\n(.*?)^\1```", re.S | re.M)
QUOTE = re.compile(r"# quoted from (\S+)")


def python_blocks(path: Path) -> list[tuple[int, str]]:
    """(line number, dedented code) of every ```python block in a markdown file."""
    text = path.read_text()
    return [(text.count("\n", 0, m.start()) + 1, textwrap.dedent(m.group(2)))
            for m in BLOCK.finditer(text)]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def check_quotation(source: Path, quoted: str) -> bool:
    want, have = _lines(quoted), _lines(source.read_text())
    return any(have[i:i + len(want)] == want for i in range(len(have) - len(want) + 1))


def test_there_are_docs_with_code():
    assert DOCS and all(python_blocks(p) for p in DOCS if p.name in ("index.md", "transforms.md"))


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_python_blocks_run(path):
    namespace = {"__name__": f"docs.{path.stem}"}
    for line, code in python_blocks(path):
        first, _, rest = code.partition("\n")
        quote = QUOTE.fullmatch(first.strip())
        if quote:
            assert check_quotation(ROOT / quote.group(1), rest), \
                f"{path.name}:{line}: the quoted block no longer matches {quote.group(1)}"
            continue
        exec(compile(code, f"{path.name}:{line}", "exec"), namespace)


def test_docs_count_the_primitives_from_the_registry():
    """README and index.md quote how many primitives there are: the registry's number."""
    from wonderland.core import REGISTRY

    quoted = {path.name: [int(n) for n in re.findall(r"(\d+) (?:primitives|today)\b",
                                                       path.read_text())]
              for path in (ROOT / "README.md", ROOT / "docs" / "index.md")}
    assert all(quoted.values()), f"no count of primitives found in {list(quoted)}"
    for name, counts in quoted.items():
        assert counts == [len(REGISTRY)] * len(counts), \
            f"{name} quotes {counts} primitives; the registry holds {len(REGISTRY)}"


def test_docs_link_only_to_files_that_exist():
    link = re.compile(r"\]\(([^)#:]+)(?:#[^)]*)?\)")
    for path in DOCS:
        for target in link.findall(path.read_text()):
            assert (path.parent / target).exists(), f"{path.name} links to missing {target}"


def test_readme_help_and_docs_quote_one_demo_time():
    from wonderland import cli

    for path in (ROOT / "README.md", ROOT / "docs" / "training.md"):
        assert cli.DEMO_TIME in " ".join(path.read_text().split()), \
            f"{path.name} does not quote the demo's time as `wonderland demo --help` does"
