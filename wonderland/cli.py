"""The `wonderland` command: train, evaluate, tune and plot recipes, list them, run the demo, and
draw a model's computation graph.

    wonderland demo                          the README's main job (a CNN on MNIST-1D)
    wonderland train mnist1d_cnn --lr 0.005  any recipe; settings override its defaults
    wonderland eval runs/mnist1d_cnn         the test metrics of a finished run
    wonderland eval runs/cartpole_ppo --episodes 100   an RL run: mean and std of the return
    wonderland sample runs/shakespeare_char_gpt --prompt ROMEO: --tokens 300
                                             text from a trained language model
    wonderland tune mnist1d_mlp --trials 20  an Optuna search, stored in runs/tune.db
    wonderland plot runs/a runs/b            curves of one run, or several compared
    wonderland list                          the recipes
    wonderland train mnist1d_cnn --help      a recipe's settings (or: wonderland list RECIPE)
    wonderland train mnist1d_cnn --nproc 2   data-parallel on 2 processes (MPI)
    wonderland viz graph mnist1d_cnn         the model's computation graph (graphviz)
    wonderland bench [workload ...]          timings side by side with PyTorch
    wonderland launch -n 2 train.py [args]   a script on 2 processes (MPI: wonderland.distributed)
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Collection
from pathlib import Path

import numpy as np

from .train.settings import UsageError, parse_overrides, settings_help

DEMO = "mnist1d_cnn"
DEMO_TIME = "about 30 seconds on 2 cores"  # measured; README and docs/training.md quote it
TUNE_STORAGE = "runs/tune.db"  # one SQLite file for every study, next to the runs
HELP = ("-h", "--help")


class _Parser(argparse.ArgumentParser):
    """argparse's parser raising UsageError instead of printing and exiting, so that its errors
    read like every other usage error. No abbreviations: an unknown --option is a recipe
    setting, and must not be taken for a prefix of a known one (--s for --study)."""

    commands: Collection[str] = ()  # the top-level parser's subcommands

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, allow_abbrev=False, **kwargs)

    def error(self, message: str):
        raise UsageError(message, self.prog, self.format_usage())


def _count(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expects a whole number of at least 1, got {text!r}")
    return value


def _train_argv(ns, extra: list[str], run_dir: Path) -> list[str]:
    """The `wonderland train` arguments that run this training again in `run_dir`."""
    return [ns.command, *([ns.recipe] if ns.recipe else []), "--run-dir", str(run_dir), *extra,
            *(["--no-progress"] if ns.no_progress else []),
            *(["--nproc", str(ns.nproc)] if ns.nproc > 1 else [])]


def _launch_ranks(ns, extra: list[str], recipe, overrides: dict, run_dir: Path) -> int:
    """`train --nproc N` outside MPI: check what can be checked once, then start N ranks of
    this same command under mpiexec (each finds itself in the job and trains its share); a
    Ctrl-C reaches them as SIGUSR1 (see run_interruptible): 130 when one came."""
    from .distributed.launcher import mpiexec_command, run_interruptible

    cfg = recipe.configure(overrides)
    if recipe.train_step is not None:
        raise UsageError(f"recipe '{recipe.name}' has its own training step, which --nproc "
                         f"cannot split over processes; train it without --nproc")
    if "batch_size" not in cfg or cfg["batch_size"] < ns.nproc:
        raise UsageError(f"--nproc {ns.nproc} splits each batch over {ns.nproc} processes: "
                         f"batch_size {cfg.get('batch_size')} is too small")
    argv = _train_argv(ns, extra, run_dir) + (["--fresh"] if ns.fresh else [])
    code, interrupted = run_interruptible(mpiexec_command(ns.nproc, "wonderland.cli", argv,
                                                          module=True))
    return 130 if interrupted else code  # the ranks stopped cleanly when asked: 0 there


def cmd_train(ns, extra: list[str]) -> int:
    import shlex

    from .distributed.launcher import in_mpi_job
    from .recipes import get
    from .train import TrainingInterrupted
    from .train.run import results_line, train_recipe

    recipe = get(ns.recipe or DEMO)
    overrides = parse_overrides(recipe, extra)
    run_dir = Path(ns.run_dir or f"runs/{Path(recipe.name).stem}")
    parallel = None
    if ns.nproc > 1 and not in_mpi_job():
        print(f"{recipe.name}: {recipe.description} ({ns.nproc} processes)", flush=True)
        return _launch_ranks(ns, extra, recipe, overrides, run_dir)
    if ns.nproc > 1:
        from .train.parallel import join

        parallel = join(ns.nproc)
    else:
        print(f"{recipe.name}: {recipe.description}", flush=True)
    say = print if parallel is None or parallel.main else (lambda *a, **k: None)
    try:
        results = train_recipe(recipe, overrides, run_dir, resume=not ns.fresh,
                               progress=not ns.no_progress,
                               announce=lambda line: print(line, flush=True), parallel=parallel)
    except KeyboardInterrupt as e:  # Ctrl-C: one line on how to go on, no traceback
        if parallel is not None and not parallel.main:
            return 0  # rank 0 says it; a rank's non-zero status would abort the job
        again = shlex.join(["wonderland", *_train_argv(ns, extra, run_dir)])
        if isinstance(e, TrainingInterrupted):
            said = f"interrupted at step {e.step}, checkpoint saved; resume with: {again}"
        elif (run_dir / "checkpoint.safetensors").exists():
            said = f"interrupted; resume from the last checkpoint with: {again}"
        else:
            said = f"interrupted before the first checkpoint; start again with: {again}"
        print(said, file=sys.stderr)
        return 130 if parallel is None else 0
    if results.pop("finished_before", False):
        say(results_line(results))
        return 0
    if results.get("resumed_from_step"):
        say(f"resumed from step {results['resumed_from_step']}")
    say(results_line(results))
    if parallel is None or parallel.main:
        written = sorted(p.name for p in run_dir.iterdir() if not p.name.startswith("."))
        print(f"run directory {run_dir}: {', '.join(written)}")
    return 0


def cmd_eval(ns, extra: list[str]) -> int:
    from .train.run import evaluate_run

    metrics = evaluate_run(ns.run_dir, ns.split, ns.weights, recipe=ns.recipe,
                           episodes=ns.episodes)
    print(json.dumps({"run": str(ns.run_dir), "split": ns.split, "weights": ns.weights,
                      **metrics}, indent=2))
    return 0


def cmd_sample(ns, extra: list[str]) -> int:
    from .train.sample import sample_text

    print(sample_text(ns.run_dir, ns.prompt, ns.tokens, ns.temperature, ns.top_k, ns.top_p,
                      ns.seed, ns.weights, ns.recipe))
    return 0


def cmd_tune(ns, extra: list[str]) -> int:
    from .recipes import get
    from .tune.objective import recipe_objective, study_name
    from .tune.study import progress_callback, quiet_optuna, search

    recipe = get(ns.recipe)
    fixed = parse_overrides(recipe, extra)
    try:
        objective = recipe_objective(recipe, fixed, ns.monitor)
    except ValueError as e:  # the recipe cannot be tuned as asked
        raise UsageError(str(e)) from None
    mode = ns.mode or ("min" if ns.monitor == "loss" else "max")
    name = ns.study or study_name(recipe.name, fixed, ns.monitor)
    storage = ns.storage or TUNE_STORAGE
    metric = f"val {ns.monitor}"
    opened = {"storage": storage, "study_name": name, "sampler": ns.sampler,
              "seed": ns.sampler_seed, "direction": {"min": "minimize", "max": "maximize"}[mode],
              "user_attrs": {"recipe": recipe.ref, "fixed": fixed, "monitor": ns.monitor,
                             "mode": mode}}
    if ns.workers:
        return _tune_on_workers(ns, recipe, fixed, metric, opened)
    print(f"study '{name}' in {storage}: {ns.trials} more trial{'s' * (ns.trials != 1)} to "
          f"{mode}imise {metric}")
    try:
        with quiet_optuna():  # a line per trial of our own instead of Optuna's log
            study = search(objective, n_trials=ns.trials,
                           callbacks=[progress_callback(metric, ns.trials)], **opened)
    except KeyboardInterrupt:  # Ctrl-C: the finished trials are stored
        print(f"interrupted; the finished trials are kept in study '{name}': the same command "
              f"adds more", file=sys.stderr)
        return 130
    print(_tune_summary(study, recipe, fixed, metric))
    return 0


def _tune_on_workers(ns, recipe, fixed: dict, metric: str, opened: dict) -> int:
    """`wonderland tune --workers N`: the search on N MPI worker ranks and a main rank (see
    wonderland.tune.workers); this process starts mpiexec and prints the summary."""
    import uuid

    from .tune import workers
    from .tune.study import open_study, quiet_optuna, storage_url

    job = uuid.uuid4().hex  # every trial of this launch records it
    opened = {**opened, "storage": storage_url(opened["storage"])}  # the same file on every rank
    command = workers.command(ns.workers, {
        "recipe": recipe.ref, "fixed": fixed, "monitor": ns.monitor, "metric": metric,
        "trials": ns.trials, "job": job, "study": opened})
    with quiet_optuna():
        study = open_study(**opened)  # a study of other settings is refused here, before MPI
    name, mode = study.study_name, opened["user_attrs"]["mode"]
    print(f"study '{name}' in {ns.storage or TUNE_STORAGE}: {ns.trials} more "
          f"trial{'s' * (ns.trials != 1)} to {mode}imise {metric}, on {ns.workers} "
          f"worker{'s' * (ns.workers != 1)}", flush=True)
    try:
        status = workers.run(command, study, job)
    except KeyboardInterrupt:
        print(f"interrupted; the finished trials are kept in study '{name}' and those in "
              f"flight marked failed: the same command adds more", file=sys.stderr)
        return 130
    if status != 0:
        print(f"wonderland tune: the MPI job ended with status {status} (its ranks' errors "
              f"are above); the finished trials are kept in study '{name}'", file=sys.stderr)
        return status
    print(_tune_summary(study, recipe, fixed, metric))
    return 0


def _tune_summary(study, recipe, fixed: dict, metric: str) -> str:
    """The study's best trial, and the command that trains its settings."""
    import shlex

    from .tune.study import best_config

    try:
        best_config(study)
    except ValueError:
        return f"{len(study.trials)} trials in study '{study.study_name}', none completed"
    best = study.best_trial
    settings = {**fixed, **best.user_attrs.get("settings", best.params)}
    args = " ".join(f"--{k} {shlex.quote(v if isinstance(v, str) else json.dumps(v))}"
                    for k, v in settings.items())
    return (f"{len(study.trials)} trials in study '{study.study_name}'; best {metric} "
            f"{best.value:.4g} (trial {best.number}). To train it:\n"
            f"  wonderland train {shlex.quote(recipe.ref)} {args}")


def cmd_plot(ns, extra: list[str]) -> int:
    from .train.plot import plot_runs

    out = ns.out or (Path(ns.run_dirs[0]) / "curves.png" if len(ns.run_dirs) == 1
                     else Path("comparison.png"))
    print(f"wrote {plot_runs(ns.run_dirs, out)}")
    return 0


def cmd_list(ns, extra: list[str]) -> int:
    from .recipes import get, names

    shown = ns.recipes or names()
    for i, name in enumerate(shown):
        recipe = get(name)
        pub = recipe.published or {}
        figure = ", ".join(f"{k} {v}" for k, v in pub.items() if isinstance(v, (int, float)))
        print(f"{recipe.name:18s} {recipe.description}"
              + (f"  [published: {figure}]" if figure else ""))
        if ns.recipes or ns.settings:
            print(settings_help(recipe) + ("\n" if i + 1 < len(shown) else ""))
    return 0


def cmd_viz(ns, extra: list[str]) -> int:
    from .data import DataLoader
    from .recipes import get
    from .train.run import build
    from .viz import model_graph, render

    recipe = get(ns.recipe)
    cfg = recipe.configure(parse_overrides(recipe, extra))
    model, (train, _, _) = build(recipe, cfg)
    if hasattr(train, "example_batch"):  # a source that is not a dataset (RL rollouts)
        x = train.example_batch(ns.batch)
    else:
        x, _ = next(iter(DataLoader(train, batch_size=ns.batch)))
    try:
        path = render(model_graph(model, x), ns.out or f"{Path(recipe.name).stem}-graph.svg")
    except RuntimeError as e:  # Graphviz missing, failing or too slow: its message says what to do
        print(f"wonderland viz graph: {e}", file=sys.stderr)
        return 2
    print(f"wrote {path}")
    return 0


def cmd_bench(ns, extra: list[str]) -> int:
    from .bench import main as bench_main

    return bench_main([*extra, *ns.args])  # options before workload names land in extra


def cmd_launch(ns, extra: list[str]) -> int:
    from .distributed.launcher import launch

    try:
        return launch(ns.nproc, ns.script, ns.args)
    except KeyboardInterrupt:  # mpiexec got the Ctrl-C too and stops the ranks
        return 130


def _recipe_epilog(command: str, recipe) -> str:
    """The settings of the recipe a `--help` names, or how to see them."""
    if recipe is not None:
        return settings_help(recipe)
    return f"wonderland {command} RECIPE --help lists the recipe's settings, which --key value sets"


def _parser(recipe=None) -> argparse.ArgumentParser:
    """The command's parser; `recipe` (the one a --help names) adds its settings to the help of
    the commands that take a recipe."""
    intro, examples = __doc__.split("\n\n", 1)
    raw = argparse.RawDescriptionHelpFormatter
    p = _Parser(prog="wonderland", description=intro, formatter_class=raw, epilog=examples)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p.commands = sub.choices.keys()  # filled in as the commands are added

    def command(name: str, help_: str, **kwargs) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help_, description=help_[0].upper() + help_[1:] + ".",
                              formatter_class=raw, **kwargs)

    for name, help_ in (("train", "train a recipe (the demo when none is named)"),
                        ("demo", f"the README's main job: a CNN on MNIST-1D, {DEMO_TIME}")):
        t = command(name, help_, epilog=_recipe_epilog(name, recipe))
        if name == "train":
            t.add_argument("recipe", nargs="?", help="a recipe name or a .py file")
        t.add_argument("--run-dir", help="default runs/<recipe>")
        t.add_argument("--fresh", action="store_true",
                       help="start over instead of resuming a checkpoint in the run directory")
        t.add_argument("--no-progress", action="store_true", help="no progress bar")
        t.add_argument("--nproc", type=_count, default=1,
                       help="data-parallel processes (MPI ranks; default 1): each trains on "
                            "its share of every batch, rank 0 writes the run directory")
        t.set_defaults(run=cmd_train, recipe=None)
    e = command("eval", "evaluate a finished run")
    e.add_argument("run_dir", help="a run directory, as runs/mnist1d_cnn")
    e.add_argument("--split", choices=("test", "val"), default="test")
    e.add_argument("--weights", choices=("model", "best"), default="model",
                   help="final weights, or the best on validation")
    e.add_argument("--recipe", help="the .py file a run was trained from (a run directory "
                                    "never runs code by itself)")
    e.add_argument("--episodes", type=_count, help="an RL run: the episodes to average the "
                                                   "return over (default its eval_episodes)")
    e.set_defaults(run=cmd_eval)
    s = command("sample", "print text generated by a trained language model")
    s.add_argument("run_dir", help="a language model's run directory, as "
                                   "runs/shakespeare_char_gpt")
    s.add_argument("--prompt", default="\n", help="the text to continue (default a newline)")
    s.add_argument("--tokens", type=_count, default=500, help="characters to generate "
                                                              "(default 500)")
    s.add_argument("--temperature", type=float, default=0.8,
                   help="below 1 is safer, above 1 wilder; 0 always takes the likeliest "
                        "(default 0.8)")
    s.add_argument("--top-k", type=_count, default=200,
                   help="draw among the k likeliest characters only (default 200)")
    s.add_argument("--top-p", type=float, default=None,
                   help="draw among the likeliest characters whose probabilities reach p")
    s.add_argument("--seed", type=int, default=0, help="seeds the draws (default 0)")
    s.add_argument("--weights", choices=("model", "best"), default="model",
                   help="final weights, or the best on validation")
    s.add_argument("--recipe", help="the .py file a run was trained from")
    s.set_defaults(run=cmd_sample)
    u = command("tune", "search a recipe's settings with Optuna, scored on the validation split",
                epilog=_recipe_epilog("tune", recipe))
    u.add_argument("recipe", help="a recipe name or a .py file, with a search_space")
    u.add_argument("--trials", type=_count, default=20, help="trials to run (default 20)")
    u.add_argument("--storage", help=f"a database URL or SQLite file shared by every process "
                                     f"of the study (default {TUNE_STORAGE})")
    u.add_argument("--study", help="study name (default: the recipe's, with the settings "
                                   "given here and the metric when not the loss)")
    u.add_argument("--sampler", default="tpe", choices=("tpe", "gp", "random"),
                   help="Optuna's sampler (default tpe)")
    u.add_argument("--sampler-seed", type=int, default=None,
                   help="seeds the sampler (--seed is the recipe's)")
    u.add_argument("--monitor", default="loss",
                   help="the validation metric to optimise (default loss)")
    u.add_argument("--mode", choices=("min", "max"),
                   help="default: min for loss, max for the recipe's metrics")
    u.add_argument("--workers", type=_count, default=None,
                   help="train trials on N MPI worker processes at once, a main process "
                        "asking Optuna (needs mpi4py and Open MPI)")
    u.set_defaults(run=cmd_tune)
    pl = command("plot", "draw curves.png of runs (several: compared)")
    pl.add_argument("run_dirs", nargs="+", help="run directories")
    pl.add_argument("--out", help="default RUN_DIR/curves.png, or comparison.png")
    pl.set_defaults(run=cmd_plot)
    li = command("list", "the recipes, and their settings on request")
    li.add_argument("recipes", nargs="*", help="show these recipes with their settings")
    li.add_argument("--settings", action="store_true", help="show every recipe's settings")
    li.set_defaults(run=cmd_list)
    v = command("viz", "draw a recipe's model")
    vsub = v.add_subparsers(dest="what", required=True)
    g = vsub.add_parser("graph", help="the computation graph of one forward pass",
                        description="The computation graph of one forward pass.",
                        formatter_class=raw, epilog=_recipe_epilog("viz graph", recipe))
    g.add_argument("recipe", help="a recipe name or a .py file")
    g.add_argument("--out", help="an .svg, .png or .pdf file (default RECIPE-graph.svg)")
    g.add_argument("--batch", type=int, default=2,
                   help="examples in the batch traced through the model (default 2)")
    g.set_defaults(run=cmd_viz)
    b = sub.add_parser("bench", help="benchmarks side by side with PyTorch "
                                     "(wonderland bench --help lists the options)", add_help=False)
    b.add_argument("args", nargs=argparse.REMAINDER)
    b.set_defaults(run=cmd_bench)
    la = command("launch", "run a Python script on N processes with Open MPI's mpiexec "
                           "(wonderland.distributed); exits with mpiexec's status")
    la.add_argument("-n", "--nproc", type=_count, required=True, help="processes (ranks)")
    la.add_argument("script", help="the .py file every rank runs")
    la.add_argument("args", nargs=argparse.REMAINDER, help="the script's own arguments")
    la.set_defaults(run=cmd_launch)
    return p


def _help_recipe(parser: _Parser, argv: list[str]):
    """The recipe a `train|demo|tune|viz graph RECIPE --help` names, whose settings its help
    then lists; None when no help is asked for or no recipe is named."""
    if not any(a in HELP for a in argv):
        return None
    try:
        ns, _ = parser.parse_known_args([a for a in argv if a not in HELP])
    except UsageError:  # say, tune --help: argparse's own help then
        return None
    if ns.command not in ("train", "demo", "tune", "viz"):
        return None  # eval's --recipe, say: its help lists no settings
    name = ns.recipe or (DEMO if ns.command == "demo" else None)
    if name is None:
        return None
    from .recipes import get

    return get(name)


def _parse(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    """(namespace, the --key value settings left over); UsageError for a mistake."""
    from .recipes import did_you_mean

    parser = _parser()
    if argv and not argv[0].startswith("-") and argv[0] not in parser.commands:
        raise UsageError(f"no command '{argv[0]}'{did_you_mean(argv[0], parser.commands)} "
                         f"(wonderland --help lists them)", "wonderland")
    recipe = _help_recipe(parser, argv)
    ns, extra = (parser if recipe is None else _parser(recipe)).parse_known_args(argv)
    if extra and ns.run not in (cmd_train, cmd_tune, cmd_viz, cmd_bench):
        raise UsageError(f"unrecognised arguments: {' '.join(extra)}")
    return ns, extra


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script: 0 on success; 2 for a usage error or a failure that
    the command explains, printed as 'wonderland <command>: <message>'."""
    from .recipes import RecipeNotFoundError

    argv = sys.argv[1:] if argv is None else list(argv)
    prog = f"wonderland {argv[0]}" if argv and not argv[0].startswith("-") else "wonderland"
    try:
        ns, extra = _parse(argv)
        prog = f"wonderland {ns.command}" + (f" {ns.what}" if ns.command == "viz" else "")
        # A diverging run overflows: the trainer reports a non-finite loss in one line, so
        # NumPy's warnings on the way there (which PyTorch would not print) are only noise.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return ns.run(ns, extra)
    except (UsageError, RecipeNotFoundError) as e:
        usage = getattr(e, "usage", "")
        print(f"{usage}{getattr(e, 'prog', None) or prog}: {e}", file=sys.stderr)
        return _failed(2)
    except (ValueError, KeyError, FileNotFoundError, ImportError, FloatingPointError) as e:
        if os.environ.get("WONDERLAND_DEBUG"):
            raise
        message = e.args[0] if isinstance(e, KeyError) and e.args else e
        print(f"{prog}: {message}\n(set WONDERLAND_DEBUG=1 for the traceback)", file=sys.stderr)
        return _failed(2)


def _failed(code: int) -> int:
    """The exit status of a failed command; in a rank of `train --nproc N` the whole job ends
    with it (the other ranks may be waiting for this one in a collective)."""
    from .distributed.group import abort_job

    abort_job(code, "failed")
    return code


if __name__ == "__main__":
    sys.exit(main())
