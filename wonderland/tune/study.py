"""Hyperparameter search with Optuna: `search` creates or resumes a named study in any
SQLAlchemy database (an SQLite file by default, so several processes or machines can work on
one study) and runs trials; helpers for pruning and for reading the best configuration.
Optuna is imported only when these functions run, so `import wonderland.tune` does not need it."""
from __future__ import annotations

import json
import os
import random
import socket
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import optuna

SAMPLERS = ("tpe", "gp", "random")
PRUNERS = ("median", "hyperband", "halving", "none")
DIRECTIONS = ("minimize", "maximize")
SQLITE_TIMEOUT_S = 60.0  # how long an SQLite writer waits for another process's lock
_jitter = random.Random()  # retry delays, leaving the global random state alone


def _optuna():
    try:
        import optuna
    except ImportError as e:
        raise ImportError("wonderland.tune's search needs Optuna: pip install optuna "
                          "(or pip install 'wonderland[tune]')") from e
    return optuna


def gp_available() -> bool:
    """Whether sampler='gp' can run: Optuna's GPSampler needs torch and scipy."""
    try:
        _require_gp()
    except ImportError:
        return False
    return True


def _require_gp() -> None:
    try:
        import scipy  # noqa: F401
        import torch  # noqa: F401
    except ImportError as e:
        raise ImportError("sampler='gp' uses Optuna's GPSampler, which needs torch and scipy: "
                          "pip install torch scipy (or use sampler='tpe')") from e


def make_sampler(name: str = "tpe", seed: int | None = None) -> optuna.samplers.BaseSampler:
    """Optuna's sampler by short name: 'tpe' (TPESampler, the default), 'gp' (GPSampler, needs
    torch and scipy) or 'random' (RandomSampler), seeded with `seed`."""
    optuna = _optuna()
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if name == "gp":
        _require_gp()
        return optuna.samplers.GPSampler(seed=seed)
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    raise ValueError(f"sampler must be one of {SAMPLERS} or an optuna sampler, got {name!r}")


def make_pruner(name: str | None = "median") -> optuna.pruners.BasePruner:
    """Optuna's pruner by short name: 'median' (MedianPruner), 'hyperband' (HyperbandPruner),
    'halving' (SuccessiveHalvingPruner), or 'none'/None (never prune)."""
    optuna = _optuna()
    table = {"median": optuna.pruners.MedianPruner, "hyperband": optuna.pruners.HyperbandPruner,
             "halving": optuna.pruners.SuccessiveHalvingPruner, "none": optuna.pruners.NopPruner}
    if name is None:
        name = "none"
    if name not in table:
        raise ValueError(f"pruner must be one of {PRUNERS} or an optuna pruner, got {name!r}")
    return table[name]()


def storage_url(storage: str | os.PathLike) -> str:
    """A database URL as is ('sqlite:///study.db', 'postgresql://user@host/db' ...), or a file
    path turned into the URL of an SQLite database there."""
    storage = os.fspath(storage)
    return storage if "://" in storage else f"sqlite:///{os.path.abspath(storage)}"


def make_storage(storage: Any) -> Any:
    """None (in memory), an Optuna storage as is, or a URL or path opened as an RDBStorage.
    SQLite connections wait up to SQLITE_TIMEOUT_S for other processes' write locks."""
    optuna = _optuna()
    if storage is None or isinstance(storage, optuna.storages.BaseStorage):
        return storage
    url = storage_url(storage)
    kwargs = None
    if url.startswith("sqlite"):
        kwargs = {"connect_args": {"timeout": SQLITE_TIMEOUT_S}}
        _make_parent_folder(url)
    return optuna.storages.RDBStorage(url, engine_kwargs=kwargs)


def _make_parent_folder(sqlite_url: str) -> None:
    """Create the folder of an SQLite database file (runs/tune.db in a fresh checkout): SQLite
    creates the file but not the folders above it."""
    from sqlalchemy.engine import make_url

    database = make_url(sqlite_url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        os.makedirs(os.path.dirname(os.path.abspath(database)), exist_ok=True)


def _create_study(optuna, storage: Any, attempts: int = 6, **kwargs) -> optuna.Study:
    """optuna.create_study, retried with backoff on database errors: workers started together on
    a new database race to create its tables, and all but one see a constraint error once."""
    from sqlalchemy.exc import SQLAlchemyError

    for attempt in range(attempts):
        try:
            return optuna.create_study(storage=make_storage(storage), **kwargs)
        except SQLAlchemyError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.05 * 2 ** attempt * (1 + _jitter.random()))
    raise AssertionError("unreachable")


def search(objective: Callable[[optuna.Trial], float], *,
           storage: Any = "sqlite:///study.db", study_name: str = "wonderland",
           n_trials: int | None = None, sampler: Any = "tpe", seed: int | None = None,
           direction: str = "minimize", load_if_exists: bool = True,
           timeout: float | None = None, pruner: Any = "median",
           callbacks: Iterable[Callable] | None = None,
           catch: tuple[type[Exception], ...] = (),
           user_attrs: dict[str, Any] | None = None) -> optuna.Study:
    """Create (or, with load_if_exists, resume) the study `study_name` in `storage` and run
    `objective(trial) -> float` for n_trials more trials and/or until `timeout` seconds pass.
    Returns the optuna.Study; the best parameters are best_config(study).

    storage: any SQLAlchemy database URL, a path to an SQLite file, an Optuna storage, or None
        (in memory). The default is study.db in the current directory. Processes (and machines,
        with a server database) that name the same study and storage share its trials; give
        each its own seed (or None), or seeded samplers will propose the same points.
    sampler: 'tpe' (default), 'gp' (needs torch and scipy), 'random', or an Optuna sampler.
    pruner: 'median' (default), 'hyperband', 'halving', 'none', or an Optuna pruner; it acts
        on values the objective reports with report_and_prune(trial, value, step).
    Every trial records who ran it in its user_attrs 'worker_pid' and 'worker_host'. The study
    stores `user_attrs` (JSON values: what the objective holds fixed, say), and a resumed study
    whose stored values differ is refused (ValueError), so that trials of different objectives
    never mix. Exceptions from the objective propagate unless listed in `catch` (then the trial
    is marked failed).
    callbacks: functions (study, frozen_trial) called after each trial, as progress_callback."""
    if n_trials is None and timeout is None:
        raise ValueError("search: give n_trials or timeout (or both), or it would never stop")
    study = open_study(storage=storage, study_name=study_name, sampler=sampler, seed=seed,
                       direction=direction, load_if_exists=load_if_exists, pruner=pruner,
                       user_attrs=user_attrs)
    pid, host = os.getpid(), socket.gethostname()

    def recorded(trial: optuna.Trial) -> float:
        trial.set_user_attr("worker_pid", pid)
        trial.set_user_attr("worker_host", host)
        return objective(trial)

    study.optimize(recorded, n_trials=n_trials, timeout=timeout, catch=catch,
                   callbacks=list(callbacks) if callbacks is not None else None)
    return study


def open_study(*, storage: Any = "sqlite:///study.db", study_name: str = "wonderland",
               sampler: Any = "tpe", seed: int | None = None, direction: str = "minimize",
               load_if_exists: bool = True, pruner: Any = "median",
               user_attrs: dict[str, Any] | None = None) -> optuna.Study:
    """The study search() runs trials of, created or (with load_if_exists) resumed, its
    user_attrs checked and stored; for callers that ask and tell trials themselves (the main
    process of `wonderland tune --workers`). The arguments are search()'s."""
    optuna = _optuna()
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}, got {direction!r}")
    if isinstance(sampler, str):
        sampler = make_sampler(sampler, seed)
    if pruner is None or isinstance(pruner, str):
        pruner = make_pruner(pruner)
    study = _create_study(optuna, storage, sampler=sampler, pruner=pruner,
                          study_name=study_name, direction=direction,
                          load_if_exists=load_if_exists)
    _set_user_attrs(study, user_attrs or {})
    return study


def _set_user_attrs(study: optuna.Study, attrs: dict[str, Any]) -> None:
    """Store attrs on the study, refusing one that a resumed study holds with another value."""
    stored = study.user_attrs
    for key, value in attrs.items():
        value = json.loads(json.dumps(value))  # as the database gives it back: tuples are lists
        if key in stored and stored[key] != value:
            raise ValueError(f"study {study.study_name!r} was run with {key} {stored[key]!r}, "
                             f"not {value!r}: name another study")
        study.set_user_attr(key, value)


@contextmanager
def quiet_optuna() -> Iterator[None]:
    """Optuna's log below ERROR muted (its line per trial, its warning and traceback per failed
    trial), for callers that print their own lines and let the objective's errors propagate."""
    optuna = _optuna()
    level = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    try:
        yield
    finally:
        optuna.logging.set_verbosity(level)


def report_and_prune(trial: optuna.Trial, value: float, step: int) -> None:
    """Report an intermediate objective value (a validation loss after epoch `step`) and raise
    optuna.TrialPruned if the study's pruner judges the trial hopeless; call once per epoch."""
    optuna = _optuna()
    value = float(value)  # a float, or a one-element tensor or array
    trial.report(value, int(step))
    if trial.should_prune():
        raise optuna.TrialPruned(f"pruned at step {step} with value {value:.6g}")


def best_config(study: optuna.Study) -> dict[str, Any]:
    """The parameters of the study's best completed trial."""
    optuna = _optuna()
    done = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    if not done:
        raise ValueError(f"best_config: study {study.study_name!r} has no completed trial yet")
    return dict(study.best_trial.params)


def _short(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def progress_line(study: optuna.Study, trial: optuna.trial.FrozenTrial,
                  metric: str = "value") -> str:
    """One line on a finished trial: its number, its settings (the user_attr 'settings' when the
    objective recorded one, else its parameters), its value or how it ended, and the study's
    best so far, e.g. 'trial 7: lr=0.0123, hidden=64 -> val loss 0.4321 (best 0.4012, trial 5)'."""
    optuna = _optuna()
    state = optuna.trial.TrialState
    settings = trial.user_attrs.get("settings", trial.params)
    shown = ", ".join(f"{k}={_short(v)}" for k, v in settings.items())
    if trial.state == state.COMPLETE:
        outcome = f"{metric} {_short(float(trial.value))}"
    elif trial.state == state.PRUNED and trial.last_step is not None:
        last = trial.intermediate_values[trial.last_step]
        outcome = f"pruned at step {trial.last_step} ({metric} {_short(float(last))})"
    else:
        outcome = {state.FAIL: "failed"}.get(trial.state, trial.state.name.lower())
    done = study.get_trials(deepcopy=False, states=(state.COMPLETE,))
    best = (f"best {_short(float(study.best_value))}, trial {study.best_trial.number}" if done
            else "none completed yet")
    return f"trial {trial.number}: {shown} -> {outcome} ({best})"


def progress_callback(metric: str = "value", total: int | None = None,
                      write: Callable[[str], None] = print) -> Callable:
    """A callback for search(callbacks=...) that writes progress_line for every trial this
    process finishes, counted as '[3/20]' when `total` trials are asked for."""
    count = 0

    def callback(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        nonlocal count
        count += 1
        where = f"[{count}/{total}] " if total else ""
        write(where + progress_line(study, trial, metric))

    return callback
