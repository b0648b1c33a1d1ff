"""`wonderland viz graph <recipe>` finishes within seconds for every shipped recipe (the GRU's
40 steps once kept Graphviz busy for ever): all recipes in one subprocess under a time limit, so
that a hang fails the test, naming the recipe, instead of stalling the suite."""
import json
import os
import signal
import subprocess
import sys

from wonderland.recipes import names

LIMIT_S = 10  # per recipe, model built, run, drawn and rendered: about 1-3 s each here

SCRIPT = """
import json, sys, time
from wonderland import cli
for name, args in json.loads(sys.argv[1]):
    print(json.dumps(["start", name]), flush=True)
    start = time.perf_counter()
    code = cli.main(["viz", "graph", name, *args])
    print(json.dumps(["done", name, code, time.perf_counter() - start]), flush=True)
"""


def test_every_recipe_graph_renders_within_seconds(recipe_data_args, tmp_path):
    jobs = [(name, ["--out", str(tmp_path / f"{name}.svg"), *recipe_data_args(name)])
            for name in names()]
    # a session of its own, so that a timeout stops Graphviz's dot too, not only Python
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, json.dumps(jobs)], text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=LIMIT_S * len(jobs))
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        started = [name for kind, name, *_ in _notes(proc.communicate()[0])]
        last = started[-1] if started else None
        raise AssertionError(f"viz graph did not finish within {LIMIT_S * len(jobs)} s; the "
                             f"last recipe started: {last}") from None
    assert proc.returncode == 0, stderr
    times = {name: (code, seconds) for kind, name, *rest in _notes(stdout)
             if kind == "done" for code, seconds in [rest]}
    assert sorted(times) == names()
    for name, (code, seconds) in times.items():
        assert code == 0 and seconds < LIMIT_S, (name, code, seconds)
        assert "<svg" in (tmp_path / f"{name}.svg").read_text()
    gru = (tmp_path / "mnist1d_gru.svg").read_text()
    assert gru.count("×40 (the first of 40 repetitions drawn)") == 6
    assert "to the next repetition" in gru


def _notes(stdout: str) -> list[list]:
    """The script's JSON lines among the command's own output ('wrote ...')."""
    return [json.loads(line) for line in stdout.splitlines() if line.startswith('["')]


def test_without_graphviz_the_command_says_how_to_install_it(mnist1d_root, tmp_path,
                                                             monkeypatch, capsys):
    from wonderland import cli

    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` to be found
    out = tmp_path / "g.svg"
    assert cli.main(["viz", "graph", "mnist1d_logreg", "--out", str(out),
                     "--data_root", mnist1d_root]) == 2
    err = capsys.readouterr().err
    assert err.startswith("wonderland viz graph: render: the Graphviz program `dot` was not "
                          "found on PATH; install Graphviz (apt-get install graphviz")
    assert not out.exists()
