"""`wonderland bench` end to end at --quick sizes (one short round of every workload for
wonderland, torch and NumPy, each in its worker process): the tables' structure and the JSON
record, never the timings; and the statistics, targets and argument checks on their own."""
import json
import subprocess
import sys

import pytest

from wonderland.bench import WORKLOADS, Measurement, Target, Workload, analyse, main, select
from wonderland.bench.harness import Worker, WorkerError
from wonderland.bench.report import quartiles


def _rows(text: str, first_column: str) -> dict[str, list[str]]:
    """The rows of the markdown table whose header starts with `first_column`, by first cell."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {first_column} |"))
    rows = {}
    for line in lines[start + 2:]:
        if not line.startswith("| "):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows[cells[0]] = cells
    return rows


def test_quick_round_of_every_workload(tmp_path, capsys):
    out = tmp_path / "bench.json"
    code = main(["--quick", "--threads", "1", "--systems", "wonderland,torch,numpy",
                 "--json", str(out)])
    text = capsys.readouterr().out
    assert code == 0, text
    assert "| workload | wonderland | torch | numpy | time wl/torch | target | status |" in text
    rows = _rows(text, "workload")
    assert list(rows) == list(WORKLOADS)
    for name, (_, ours, theirs, numpy, ratio, target, status) in rows.items():
        w = WORKLOADS[name]
        assert "error" not in " ".join(rows[name]), rows[name]
        assert ours != "-" and theirs != "-"
        assert (numpy != "-") == ("numpy" in w.builders)
        float(ratio)  # one round: the ratio of medians alone
        assert (target, status) == ((w.target.describe(), "n/a (quick)") if w.target
                                    else ("-", "-"))
        if w.unit != "time":
            assert ours.split(" (")[0].endswith(w.unit), ours
    memory = _rows(text, "training step")
    assert sorted(memory) == sorted(w.name for w in WORKLOADS.values() if w.memory)
    for cells in memory.values():
        assert cells[1].endswith("MiB") and cells[2].endswith("MiB"), cells
        assert cells[4].endswith(("(ok)", "(grows)")), cells

    record = json.loads(out.read_text())
    assert record["meta"]["settings"]["quick"] is True
    assert [w["workload"] for w in record["workloads"]] == list(WORKLOADS)
    for w in record["workloads"]:
        for system in ("wonderland", "torch"):
            m = w["systems"][system]
            assert not m["error"] and len(m["times"]) == 1 and len(m["times"][0]) >= 2
            assert m["summary"]["median"] > 0 and m["number"] >= 1
        if WORKLOADS[w["workload"]].memory:
            assert w["systems"]["wonderland"]["memory_summary"]["steps"] == [2, 5]


def test_module_entry_point_lists_the_workloads():
    proc = subprocess.run([sys.executable, "-m", "wonderland.bench", "--list"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert [line.split()[0] for line in proc.stdout.splitlines()] == list(WORKLOADS)


def test_profile_prints_the_top_functions(capsys):
    assert main(["--profile", "--quick", "--threads", "1", "fwd_bwd16"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("fwd_bwd16, wonderland") and "tottime" in text


def test_a_failing_request_leaves_the_worker_serving():
    worker = Worker("numpy", 1)
    try:
        with pytest.raises(WorkerError, match="KeyError"):
            worker.request("time", workload="no_such_workload", quick=True, repeats=1,
                           warmup=0, min_time=0.001, max_time=1.0)
        assert worker.request("describe")["system"] == "numpy"
    finally:
        worker.close()


def test_bad_arguments_give_exit_code_2(capsys):
    assert main(["no_such_workload"]) == 2
    assert main(["--systems", "wonderland,no_such_system"]) == 2
    assert main(["--memory-steps", "5,2"]) == 2
    assert "unknown workload" in capsys.readouterr().err


def test_select_by_name_and_family():
    assert [w.name for w in select(["gemm", "mlp"])] == ["gemm1024", "gemm2048", "mlp"]
    assert len(select([])) == len(WORKLOADS)
    with pytest.raises(ValueError, match="unknown workload"):
        select(["nope"])


def test_statistics_ratio_and_targets():
    assert quartiles([1.0, 2.0, 3.0, 4.0, 5.0]) == (2.0, 3.0, 4.0)
    w = Workload("w", "f", "a workload", {}, target=Target(1.0))
    measured = {"wonderland": Measurement(times=[[2.0, 2.0], [3.0, 3.0]]),
                "torch": Measurement(times=[[1.0, 1.0], [3.0, 3.0]])}
    row = analyse(w, measured, quick=False)
    assert row["ratio"] == pytest.approx(2.5 / 2.0)
    assert row["round_ratios"] == [2.0, 1.0]
    assert row["status"] == "missed (1.25x)"
    assert Target(10e-6, versus=None).judge({"wonderland": 5e-6}) is True
    assert Target(1.05, versus="numpy").judge({"wonderland": 1.0, "numpy": 1.0}) is True
    assert Target(1.0).judge({"wonderland": 1.0}) is None
    failed = {"wonderland": Measurement(error="ValueError: x"), "torch": measured["torch"]}
    assert analyse(w, failed, quick=False)["status"] == "-"
