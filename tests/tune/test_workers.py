"""`wonderland tune --workers N` on real MPI ranks: the workers train exactly the settings the
main asked for (each value equals training them in this process), a trial whose training raises
fails alone, the main's pruner stops a worker's trial, Ctrl-C keeps the finished trials and
fails those in flight, bad input is refused; and two `wonderland tune` processes share one
SQLite study."""
import os
import signal
import subprocess
import sys
from pathlib import Path

import optuna
import pytest

from wonderland import cli
from wonderland.distributed import launcher
from wonderland.recipes import get
from wonderland.tune.objective import train_settings

RECIPE = str(Path(__file__).with_name("workers_recipe.py"))
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1",
              "MKL_NUM_THREADS": "1"}
# The random sampler seeded with 0 asks lr 0.1252, 0.2694, 0.1605, 0.123, 0.07036, 0.1958.
LRS = [0.1252, 0.2694, 0.1605, 0.123, 0.07036, 0.1958]
State = optuna.trial.TrialState


@pytest.fixture
def one_thread(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    for key, value in ONE_THREAD.items():  # the ranks share this machine's cores
        monkeypatch.setenv(key, value)


def _tune(*args: str) -> list[str]:
    return ["tune", RECIPE, "--sampler", "random", *args]


def test_workers_train_what_the_main_asks_and_a_failing_trial_fails_alone(tmp_path, one_thread,
                                                                         capfd):
    url = f"sqlite:///{tmp_path}/s.db"
    args = _tune("--workers", "2", "--trials", "6", "--storage", url, "--sampler-seed", "0",
                 "--fail-above", "0.15")  # trials 1, 2 and 5 raise in training
    assert cli.main(args) == 0
    out, err = capfd.readouterr()
    name = "tune_workers_tiny[fail_above=0.15]"
    assert f"study '{name}' in {url}: 6 more trials to minimise val loss, on 2 workers" in out
    study = optuna.load_study(study_name=name, storage=url)
    trials = sorted(study.trials, key=lambda t: t.number)
    assert [round(t.params["lr"], 4 if t.params["lr"] > 0.1 else 5) for t in trials] == LRS
    states = [t.state for t in trials]
    assert states == [State.COMPLETE, State.FAIL, State.FAIL, State.COMPLETE, State.COMPLETE,
                      State.FAIL]  # the search went on after trial 1 failed
    assert {t.user_attrs["worker"] for t in trials} == {1, 2}  # both workers trained
    assert len({t.user_attrs["worker_pid"] for t in trials}) == 2
    assert len({t.user_attrs["job"] for t in trials}) == 1
    recipe = get(RECIPE)
    for t in trials:
        assert t.user_attrs["settings"] == {"lr": t.params["lr"]}
        if t.state == State.FAIL:
            assert t.user_attrs["error"] == (f"FloatingPointError: lr {t.params['lr']:.4g} "
                                             f"diverges (on purpose)")
            assert f"trial {t.number} failed on worker {t.user_attrs['worker']}: " \
                   f"FloatingPointError" in err
            continue
        # what the worker trained is what training these settings here gives
        here = train_settings(recipe, {"fail_above": 0.15}, t.user_attrs["settings"])
        assert t.value == here
        assert sorted(t.intermediate_values) == [2, 4]  # reports relayed to the main's pruner
        assert t.intermediate_values[4] == t.value
    lines = [line for line in out.splitlines() if line.startswith("[")]
    assert [line.split("]")[0] for line in lines] == [f"[{i}/6" for i in range(1, 7)]
    assert sum("-> failed (" in line for line in lines) == 3
    best = min((t for t in trials if t.state == State.COMPLETE), key=lambda t: t.value)
    assert f"6 trials in study '{name}'; best val loss {best.value:.4g} (trial {best.number})" \
        in out
    assert out.rstrip().endswith(f"--fail_above 0.15 --lr {best.params['lr']!r}")


def test_pruned_by_the_main_then_ctrl_c_keeps_the_finished_trials(tmp_path, one_thread):
    url, name = f"sqlite:///{tmp_path}/s.db", "tune_workers_tiny[hang_above=0.2]"
    # Five finished trials with a validation loss of 0 at every step: the median pruner then
    # stops any new trial at its first report, which travels from the worker to the main.
    study = optuna.create_study(study_name=name, storage=url)
    space = {"lr": optuna.distributions.FloatDistribution(1e-2, 1.0, log=True)}
    for _ in range(5):
        study.add_trial(optuna.trial.create_trial(params={"lr": 0.1}, distributions=space,
                                                  value=0.0, intermediate_values={2: 0, 4: 0}))
    command = [sys.executable, "-m", "wonderland.cli",
               *_tune("--workers", "1", "--trials", "3", "--storage", url, "--sampler-seed", "0",
                      "--hang-above", "0.2")]  # the second trial (lr 0.2694) sleeps a minute
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for line in proc.stdout:
            if line.startswith("[1/3]"):
                break
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert line.startswith("[1/3] trial 5: lr=0.1252 -> pruned at step 2 (val loss "), line
    assert f"interrupted; the finished trials are kept in study '{name}' and those in flight " \
           f"marked failed" in err
    trials = optuna.load_study(study_name=name, storage=url).trials
    # the pruned trial reported once; the sleeping one was failed; the third never asked for
    assert [t.state for t in trials] == [State.COMPLETE] * 5 + [State.PRUNED, State.FAIL]
    assert list(trials[5].intermediate_values) == [2] and trials[6].user_attrs["worker"] == 1


def test_two_tune_commands_share_one_sqlite_study(tmp_path, one_thread):
    url = f"sqlite:///{tmp_path}/shared.db"  # new: both race to create the tables and the study
    procs = [subprocess.Popen([sys.executable, "-m", "wonderland.cli",
                               *_tune("--trials", str(n), "--storage", url, "--sampler-seed",
                                      str(seed))],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for n, seed in ((2, 1), (3, 2))]
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        assert "trials in study 'tune_workers_tiny'; best val loss" in out
    study = optuna.load_study(study_name="tune_workers_tiny", storage=url)
    assert [t.state for t in study.trials] == [State.COMPLETE] * 5
    pids = [t.user_attrs["worker_pid"] for t in study.trials]
    assert sorted(pids.count(p.pid) for p in procs) == [2, 3]


def test_bad_workers_and_missing_mpi4py(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(_tune("--workers", "0")) == 2
    assert "wonderland tune: argument --workers: expects a whole number of at least 1, got " \
           "'0'" in capsys.readouterr().err
    monkeypatch.setattr(launcher, "mpi4py_installed", lambda: False)
    assert cli.main(_tune("--workers", "2", "--storage", "s.db")) == 2
    out, err = capsys.readouterr()
    assert "wonderland tune: mpi4py is not installed; pip install wonderland[distributed]" in err
    assert out == "" and not os.path.exists("s.db")  # refused before the study was made
