"""The graph neural networks' part of docs/results.md: the Cora reproductions seed by seed with
seconds per run, and the over-smoothing table that examples/oversmoothing.py keeps in
docs/oversmoothing.json (test accuracy and Dirichlet energy of GCNs 2 to 32 layers deep)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

PREFIXES = ("cora_", "karate_")


def check_cora(root: Path) -> None:
    """Cora where the reproduction reads it: every file's SHA-256 against the loader's table,
    and the public split's sizes (2,708 nodes, 1,433 features, 7 classes, PyTorch Geometric's
    10,556 directed edges, 140 / 500 / 1,000 nodes, 20 labelled a class). Raises ValueError."""
    from wonderland.data.datasets import Planetoid, planetoid, sha256_file

    for part, digest in planetoid.SHA256["cora"].items():
        if sha256_file(Path(root) / f"ind.cora.{part}") != digest:
            raise ValueError(f"check_cora: {root}/ind.cora.{part} does not have Cora's SHA-256")
    g = Planetoid(root, download=False)
    found = ((g.num_nodes, g.num_features, g.num_classes), tuple(g.edge_index.shape),
             (len(g.train_index), len(g.val_index), len(g.test_index)),
             np.bincount(g.y[g.train_index]).tolist())
    want = ((2708, 1433, 7), (2, 10556), (140, 500, 1000), [20] * 7)
    if found != want or not np.allclose(g.x.sum(1), 1.0, rtol=1e-5):
        raise ValueError(f"check_cora: {root} holds {found}, not Cora's {want} with "
                         f"row-normalised features")


def is_graph(name: str) -> bool:
    return name.startswith(PREFIXES)


def oversmoothing_table(store: dict) -> str:
    """Markdown: per depth, each variant's test accuracy (mean ± std over the seeds) and the
    Dirichlet energy of its last hidden layer's features over their squared norm (mean)."""
    variants = list(store["variants"])
    head = (["depth"] + [f"{v} accuracy" for v in variants]
            + [f"{v} E/‖X‖²" for v in variants])
    lines = ["| " + " | ".join(head) + " |", "|---" * len(head) + "|"]
    for depth in store["depths"]:
        cells = [str(depth)]
        for v in variants:
            acc = np.array(store["results"][v][str(depth)]["accuracy"])
            cells.append(f"{acc.mean():.3f} ± {acc.std():.3f}")
        for v in variants:
            energy = np.mean(store["results"][v][str(depth)]["energy_ratio"])
            cells.append(f"{energy:.3g}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _cora(rows: list[dict]) -> str:
    parts = []
    for r in rows:
        values = np.array(r["values"])
        seeds = ", ".join(f"{v:.3f}" for v in values)
        pub = (r.get("published") or {}).get("test_accuracy")
        parts.append(f"- `{r['recipe']}`: test accuracy {100 * values.mean():.1f} ± "
                     f"{100 * values.std():.1f}% over {len(values)} seeds (published "
                     f"{'' if pub is None else f'{100 * pub:.1f}%'}), "
                     f"{np.mean(r['walls']):.0f} s per run (training, with a validation pass "
                     f"every epoch); seeds 0 to {len(values) - 1}: {seeds}.")
        finals = [t.get("accuracy_final") for t in r.get("tests", [])]
        if finals and all(f is not None for f in finals):
            parts.append(f"  The final weights (100 epochs past the best validation loss) "
                         f"score {100 * np.mean(finals):.1f} ± {100 * np.std(finals):.1f}%.")
    return "\n".join(parts)


def section(rows: list[dict], page_dir: Path) -> str:
    """The page's graph section ('' when no graph recipe was reproduced and no over-smoothing
    study was run): the Cora rows, and the over-smoothing table kept beside the page
    (page_dir/oversmoothing.json) with its picture."""
    graphs = [r for r in rows if is_graph(r["recipe"])]
    kept = Path(page_dir) / "oversmoothing.json"
    store = json.loads(kept.read_text()) if kept.exists() else None
    if not graphs and store is None:
        return ""
    parts = ["\n## Graph neural networks\n",
             "Full-batch node classification on Cora's public split (140 labelled nodes, 500 "
             "validation, 1,000 test); [graphs.md](graphs.md) explains the layers.\n"]
    if graphs:
        parts.append(_cora(graphs) + "\n")
    if store is not None:
        parts.append(f"### Over-smoothing\n\nGCNs of growing depth on Cora (hidden "
                     f"{store['hidden']}, {store['epochs']} epochs, {len(store['seeds'])} "
                     f"seeds; `python examples/oversmoothing.py`): test accuracy, and the "
                     f"Dirichlet energy of the last hidden layer's features over their squared "
                     f"norm.\n")
        parts.append(oversmoothing_table(store) + "\n")
        parts.append("![over-smoothing](pictures/oversmoothing.png)\n")
    return "\n".join(parts)
