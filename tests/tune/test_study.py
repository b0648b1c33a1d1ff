"""Hyperparameter search with Optuna: finding a quadratic's minimum, the samplers, one study
shared by two processes through an SQLite file (its folder made, its user_attrs kept), seeded
determinism, pruning and errors."""
import os
import socket
import subprocess
import sys
import textwrap

import optuna
import pytest

import wonderland as wl
import wonderland.tune as tune


@pytest.fixture(autouse=True)
def _quiet_optuna():
    before = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    yield
    optuna.logging.set_verbosity(before)


def quadratic(trial):
    x = trial.suggest_float("x", -10, 10)
    y = trial.suggest_float("y", -10, 10)
    return (x - 2) ** 2 + (y + 1) ** 2


def test_tpe_finds_the_minimum_of_a_quadratic():
    study = tune.search(quadratic, storage=None, n_trials=60, seed=0)
    assert isinstance(study.sampler, optuna.samplers.TPESampler)
    assert len(study.trials) == 60
    assert study.best_value < 0.5
    best = tune.best_config(study)
    assert set(best) == {"x", "y"}
    assert abs(best["x"] - 2) < 0.7 and abs(best["y"] + 1) < 0.7


def test_maximize_and_random_sampler():
    study = tune.search(lambda t: -quadratic(t), storage=None, n_trials=30, seed=1,
                        sampler="random", direction="maximize")
    assert isinstance(study.sampler, optuna.samplers.RandomSampler)
    assert study.direction == optuna.study.StudyDirection.MAXIMIZE
    assert study.best_value == max(t.value for t in study.trials)


def test_gp_sampler_runs():
    assert tune.gp_available()  # the test extra installs torch and scipy
    study = tune.search(lambda t: (t.suggest_float("x", -3, 3) - 1) ** 2, storage=None,
                        n_trials=13, sampler="gp", seed=0)
    assert isinstance(study.sampler, optuna.samplers.GPSampler)
    assert len(study.trials) == 13
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials)
    assert study.best_value < 0.5


def test_gp_without_torch_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch now raises ImportError
    assert not tune.gp_available()
    with pytest.raises(ImportError, match="needs torch and scipy"):
        tune.search(quadratic, storage=None, n_trials=1, sampler="gp")


def test_without_optuna_import_works_and_search_says_pip_install(monkeypatch):
    code = "import sys, wonderland.tune; print('optuna' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"  # importing the package leaves Optuna alone
    monkeypatch.setitem(sys.modules, "optuna", None)
    with pytest.raises(ImportError, match="pip install optuna"):
        tune.search(quadratic, storage=None, n_trials=1)


WORKER = textwrap.dedent("""
    import sys, optuna, wonderland.tune as tune
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    def objective(trial):
        return (trial.suggest_float("x", -5, 5) - 1) ** 2
    study = tune.search(objective, storage=sys.argv[1], study_name="shared",
                        n_trials=int(sys.argv[2]), seed=int(sys.argv[3]))
    print(len(study.trials))
""")


def test_two_processes_share_one_sqlite_study(tmp_path):
    db = tmp_path / "shared.db"  # new: both workers race to create the tables and the study
    url = f"sqlite:///{db}"
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, url, str(n), str(seed)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for n, seed in ((3, 1), (4, 2))]
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    study = optuna.load_study(study_name="shared", storage=url)
    assert len(study.trials) == 7
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials)
    pids = [t.user_attrs["worker_pid"] for t in study.trials]
    assert sorted(set(pids)) == sorted(p.pid for p in procs)
    assert sorted(pids.count(p.pid) for p in procs) == [3, 4]
    assert {t.user_attrs["worker_host"] for t in study.trials} == {socket.gethostname()}
    # a third worker (this process) resumes the same study
    more = tune.search(lambda t: (t.suggest_float("x", -5, 5) - 1) ** 2, storage=db,
                       study_name="shared", n_trials=2, seed=3)
    assert len(more.trials) == 9 and more.trials[-1].user_attrs["worker_pid"] == os.getpid()


def test_seeded_search_is_reproducible(tmp_path):
    def params(study):
        return [t.params for t in study.trials]

    runs = {}
    for sampler in ("tpe", "random"):  # 15 trials: TPE's own proposals start after 10
        a = tune.search(quadratic, storage=None, n_trials=15, seed=7, sampler=sampler)
        b = tune.search(quadratic, storage=None, n_trials=15, seed=7, sampler=sampler)
        c = tune.search(quadratic, storage=None, n_trials=15, seed=8, sampler=sampler)
        assert params(a) == params(b) and params(a) != params(c)
        runs[sampler] = params(a)
    on_disk = tune.search(quadratic, storage=tmp_path / "a.db", n_trials=3, seed=7)
    assert params(on_disk) == runs["tpe"][:3]  # the storage does not change the proposals


def test_default_storage_is_study_db_here_and_resumes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    tune.search(quadratic, n_trials=2, seed=0)
    assert (tmp_path / "study.db").exists()
    study = tune.search(quadratic, n_trials=3, seed=1)
    assert len(study.trials) == 5 and study.study_name == "wonderland"
    with pytest.raises(optuna.exceptions.DuplicatedStudyError):
        tune.search(quadratic, n_trials=1, load_if_exists=False)


def test_storage_url():
    assert tune.storage_url("sqlite:///a.db") == "sqlite:///a.db"
    assert tune.storage_url("postgresql://u@h/db") == "postgresql://u@h/db"
    assert tune.storage_url("runs/s.db") == f"sqlite:///{os.path.abspath('runs/s.db')}"
    storage = optuna.storages.InMemoryStorage()
    assert tune.make_storage(storage) is storage and tune.make_storage(None) is None


def test_an_sqlite_storage_makes_its_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for storage in ("runs/a/s.db", "sqlite:///runs/b/s.db", f"sqlite:///{tmp_path}/c/d/s.db"):
        tune.search(quadratic, storage=storage, n_trials=1, seed=0)
    assert all((tmp_path / p).is_file() for p in ("runs/a/s.db", "runs/b/s.db", "c/d/s.db"))


def test_a_resumed_study_must_keep_its_user_attrs(tmp_path):
    db = tmp_path / "s.db"
    attrs = {"fixed": {"steps": 3}, "shape": (2, 3)}
    tune.search(quadratic, storage=db, study_name="s", n_trials=1, user_attrs=attrs)
    study = tune.search(quadratic, storage=db, study_name="s", n_trials=1, user_attrs=attrs)
    assert study.user_attrs == {"fixed": {"steps": 3}, "shape": [2, 3]}
    with pytest.raises(ValueError, match=r"study 's' was run with fixed \{'steps': 3\}, not "
                                         r"\{'steps': 4\}: name another study"):
        tune.search(quadratic, storage=db, study_name="s", n_trials=1,
                    user_attrs={"fixed": {"steps": 4}})
    assert len(optuna.load_study(study_name="s", storage=f"sqlite:///{db}").trials) == 2


def test_pruning_with_report_and_prune():
    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        for step in range(8):
            tune.report_and_prune(trial, wl.tensor(x + 1.0 / (step + 1)), step)
        return x

    study = tune.search(objective, storage=None, n_trials=25, seed=0, sampler="random",
                        pruner=optuna.pruners.MedianPruner(n_startup_trials=3))
    states = [t.state for t in study.trials]
    pruned = [t for t in study.trials if t.state == optuna.trial.TrialState.PRUNED]
    assert pruned and optuna.trial.TrialState.COMPLETE in states
    best = study.best_value
    assert all(t.params["x"] > best for t in pruned)  # only worse-than-best trials were cut
    quiet = tune.search(objective, storage=None, n_trials=6, seed=0, pruner="none")
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in quiet.trials)


def test_timeout_alone_stops():
    study = tune.search(quadratic, storage=None, timeout=0.3, seed=0, sampler="random")
    assert len(study.trials) >= 1


def test_errors_and_exceptions():
    with pytest.raises(ValueError, match="direction must be"):
        tune.search(quadratic, storage=None, n_trials=1, direction="max")
    with pytest.raises(ValueError, match="sampler must be"):
        tune.search(quadratic, storage=None, n_trials=1, sampler="cmaes")
    with pytest.raises(ValueError, match="pruner must be"):
        tune.search(quadratic, storage=None, n_trials=1, pruner="median-ish")
    with pytest.raises(ValueError, match="n_trials or timeout"):
        tune.search(quadratic, storage=None)

    def failing(trial):
        trial.suggest_float("x", 0, 1)
        raise RuntimeError("diverged")

    with pytest.raises(RuntimeError, match="diverged"):
        tune.search(failing, storage=None, n_trials=1)
    study = tune.search(failing, storage=None, n_trials=2, catch=(RuntimeError,))
    assert all(t.state == optuna.trial.TrialState.FAIL for t in study.trials)
    with pytest.raises(ValueError, match="no completed trial"):
        tune.best_config(study)
