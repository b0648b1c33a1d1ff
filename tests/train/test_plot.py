"""plot_runs: each run one colour in every panel and for every split (train solid, validation
dashed), different runs different colours, and the legend names the run."""
import json

import pytest
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from wonderland.train import plot_runs


def write_run(path, scale: float) -> str:
    path.mkdir(parents=True)
    events = [{"step": s, "split": "train", "loss": scale / s, "lr": 0.1} for s in range(1, 9)]
    events += [{"step": s, "split": "val", "loss": 2 * scale / s, "accuracy": 0.5 + s / 20}
               for s in (4, 8)]
    (path / "metrics.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))
    return str(path)


@pytest.fixture
def drawn(monkeypatch):
    """The figures plot_runs saves (it closes them; their artists remain to be read)."""
    figures = []
    save = Figure.savefig

    def keep(fig, *args, **kwargs):
        figures.append(fig)
        return save(fig, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", keep)
    return figures


def lines_by_run(fig, runs):
    """{run name: [(split, colour, line style)]} over every panel, read from the labels."""
    out = {name: [] for name in runs}
    for ax in fig.axes:
        for line in ax.get_lines():
            name, split = line.get_label().rsplit(" ", 1)
            out[name].append((split, to_rgba(line.get_color()), line.get_linestyle()))
    return out


def test_one_colour_per_run_and_one_line_style_per_split(tmp_path, drawn):
    runs = [write_run(tmp_path / "runs" / "adam", 1.0), write_run(tmp_path / "runs" / "sgd", 3.0)]
    out = plot_runs(runs, tmp_path / "cmp.png")
    assert out.read_bytes().startswith(b"\x89PNG")
    (fig,) = drawn
    by_run = lines_by_run(fig, ["adam", "sgd"])
    assert sorted(s for s, _, _ in by_run["adam"]) == ["train", "val", "val"]  # loss, accuracy
    colours = {name: {c for _, c, _ in lines} for name, lines in by_run.items()}
    assert all(len(c) == 1 for c in colours.values())  # a run keeps its colour everywhere
    assert colours["adam"] != colours["sgd"]
    for lines in by_run.values():
        assert {(s, style) for s, _, style in lines} == {("train", "-"), ("val", "--")}
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == ["adam train", "adam val", "sgd train", "sgd val"]


def test_runs_of_the_same_name_are_told_apart_and_many_runs_get_distinct_colours(tmp_path,
                                                                                drawn):
    runs = [write_run(tmp_path / kind / "x", 1.0) for kind in ("a", "b")]
    runs += [write_run(tmp_path / f"r{k}", 1.0 + k) for k in range(12)]
    plot_runs(runs, tmp_path / "many.png")
    (fig,) = drawn
    first = fig.axes[0]
    labels = [line.get_label() for line in first.get_lines()]
    assert labels[:2] == [f"{runs[0]} train", f"{runs[0]} val"]
    colours = {line.get_label().rsplit(" ", 1)[0]: to_rgba(line.get_color())
               for line in first.get_lines()}
    assert len(set(colours.values())) == len(runs) == 14


def test_a_loss_that_goes_below_zero_is_drawn_on_a_linear_scale(tmp_path, drawn):
    """A critic's loss or a density's NLL may be negative: no log scale (and no warning)."""
    positive = write_run(tmp_path / "positive", 1.0)
    plot_runs([positive], tmp_path / "pos.png")
    negative = write_run(tmp_path / "critic", -1.0)
    plot_runs([negative], tmp_path / "neg.png")
    assert [fig.axes[0].get_yscale() for fig in drawn] == ["log", "linear"]
