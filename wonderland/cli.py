"""The `wonderland` command: train, evaluate, tune and plot recipes, list them, run the demo, and
draw a model's computation graph.

    wonderland demo                          the README's main job (a CNN on MNIST-1D)
    wonderland train mnist1d_cnn --lr 0.005  any recipe; settings override its defaults
    wonderland eval runs/mnist1d_cnn         the test metrics of a finished run
    wonderland tune mnist1d_mlp --trials 20  an Optuna search, stored in SQLite
    wonderland plot runs/a runs/b            curves of one run, or several compared
    wonderland list                          the recipes
    wonderland viz graph mnist1d_cnn         the model's computation graph (graphviz)
    wonderland bench [workload ...]          timings side by side with PyTorch
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

DEMO = "mnist1d_cnn"


def _parse_value(key: str, text: str, default):
    """A command-line value in the type of the recipe's default for that key."""
    try:
        value = json.loads(text)  # numbers, true/false, null, lists
    except json.JSONDecodeError:
        value = text
    if default is None or value is None:
        return value
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise SystemExit(f"--{key} expects true or false, got {text!r}")
    elif isinstance(default, int) and not (isinstance(value, int) and not isinstance(value, bool)):
        raise SystemExit(f"--{key} expects an integer, got {text!r}")
    elif isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise SystemExit(f"--{key} expects a number, got {text!r}")
        value = float(value)
    elif isinstance(default, str):
        value = text
    return value


def parse_overrides(recipe, args: list[str]) -> dict:
    """`--key value` pairs (or --key=value) as config overrides, typed by the recipe's defaults."""
    defaults, out, i = recipe.defaults(), {}, 0
    while i < len(args):
        arg = args[i]
        if not arg.startswith("--"):
            raise SystemExit(f"expected --key value, got {arg!r}")
        key, _, value = arg[2:].partition("=")
        key = key.replace("-", "_")
        if not value:
            if i + 1 >= len(args):
                raise SystemExit(f"--{key} needs a value")
            value, i = args[i + 1], i + 1
        if key not in defaults:
            raise SystemExit(f"recipe '{recipe.name}' has no setting '{key}'; "
                             f"known: {', '.join(sorted(defaults))}")
        out[key] = _parse_value(key, value, defaults[key])
        i += 1
    return out


def cmd_train(ns, extra: list[str]) -> int:
    from .recipes import get
    from .train.run import results_line, train_recipe

    recipe = get(ns.recipe or DEMO)
    overrides = parse_overrides(recipe, extra)
    run_dir = Path(ns.run_dir or f"runs/{Path(recipe.name).stem}")
    print(f"{recipe.name}: {recipe.description}\nrun directory: {run_dir}")
    results = train_recipe(recipe, overrides, run_dir, resume=not ns.fresh,
                           progress=not ns.no_progress)
    if results.get("resumed_from_step"):
        print(f"resumed from step {results['resumed_from_step']}")
    print(results_line(results))
    print(f"wrote {run_dir}/model.safetensors, checkpoint.safetensors, metrics.jsonl, "
          f"curves.png, results.json")
    return 0


def cmd_eval(ns, extra: list[str]) -> int:
    from .train.run import evaluate_run

    metrics = evaluate_run(ns.run_dir, ns.split, ns.weights)
    print(json.dumps({"run": str(ns.run_dir), "split": ns.split, "weights": ns.weights,
                      **metrics}, indent=2))
    return 0


def cmd_tune(ns, extra: list[str]) -> int:
    from .recipes import get
    from .train.run import trainer_for
    from .tune.study import best_config, report_and_prune, search

    recipe = get(ns.recipe)
    if recipe.search_space is None:
        raise SystemExit(f"recipe '{recipe.name}' defines no search_space")
    overrides = parse_overrides(recipe, extra)
    direction = "minimize" if ns.mode == "min" else "maximize"

    def objective(trial) -> float:
        cfg = recipe.configure({**overrides, **recipe.search_space(trial)})
        report = lambda trainer, metrics: report_and_prune(trial, metrics[ns.monitor],  # noqa: E731
                                                            trainer.step)
        trainer, _ = trainer_for(recipe, cfg, None, progress=False, use_test=False,
                                 on_eval=[report])
        return trainer.fit()[ns.monitor]

    study = search(objective, storage=ns.storage, study_name=ns.study or recipe.name,
                   n_trials=ns.trials, sampler=ns.sampler, seed=ns.seed, direction=direction)
    print(f"{len(study.trials)} trials in study '{study.study_name}' ({ns.storage}); "
          f"best {ns.monitor} {study.best_value:.4f} with {json.dumps(best_config(study))}")
    return 0


def cmd_plot(ns, extra: list[str]) -> int:
    from .train.plot import plot_runs

    out = ns.out or (Path(ns.run_dirs[0]) / "curves.png" if len(ns.run_dirs) == 1
                     else Path("comparison.png"))
    print(f"wrote {plot_runs(ns.run_dirs, out)}")
    return 0


def cmd_list(ns, extra: list[str]) -> int:
    from .recipes import get, names

    for name in names():
        recipe = get(name)
        pub = recipe.published or {}
        figure = ", ".join(f"{k} {v}" for k, v in pub.items() if isinstance(v, (int, float)))
        print(f"{name:18s} {recipe.description}" + (f"  [published: {figure}]" if figure else ""))
    return 0


def cmd_viz(ns, extra: list[str]) -> int:
    from .data import DataLoader
    from .recipes import get
    from .train.run import build
    from .viz import model_graph, render

    recipe = get(ns.recipe)
    cfg = recipe.configure(parse_overrides(recipe, extra))
    model, (train, _, _) = build(recipe, cfg)
    x, _ = next(iter(DataLoader(train, batch_size=ns.batch)))
    path = render(model_graph(model, x), ns.out or f"{Path(recipe.name).stem}-graph.svg")
    print(f"wrote {path}")
    return 0


def cmd_bench(ns, extra: list[str]) -> int:
    from .bench import main as bench_main

    return bench_main([*extra, *ns.args])  # options before workload names land in extra


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="wonderland", description=__doc__.split("\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__.split("\n", 2)[2])
    sub = p.add_subparsers(dest="command", required=True)
    for name, help_ in (("train", "train a recipe (the demo when none is named)"),
                        ("demo", "the README's main job: a CNN on MNIST-1D, about a minute")):
        t = sub.add_parser(name, help=help_)
        if name == "train":
            t.add_argument("recipe", nargs="?", help="a recipe name or a .py file")
        t.add_argument("--run-dir", help="default runs/<recipe>")
        t.add_argument("--fresh", action="store_true",
                       help="start over instead of resuming a checkpoint in the run directory")
        t.add_argument("--no-progress", action="store_true", help="no progress bar")
        t.set_defaults(run=cmd_train, recipe=None)
    e = sub.add_parser("eval", help="evaluate a finished run")
    e.add_argument("run_dir")
    e.add_argument("--split", choices=("test", "val"), default="test")
    e.add_argument("--weights", choices=("model", "best"), default="model",
                   help="final weights, or the best on validation")
    e.set_defaults(run=cmd_eval)
    u = sub.add_parser("tune", help="hyperparameter search with Optuna")
    u.add_argument("recipe")
    u.add_argument("--trials", type=int, default=20)
    u.add_argument("--storage", default="sqlite:///study.db",
                   help="a database URL shared by every process of the study")
    u.add_argument("--study", help="study name (default: the recipe's)")
    u.add_argument("--sampler", default="tpe", choices=("tpe", "gp", "random"))
    u.add_argument("--seed", type=int, default=None)
    u.add_argument("--monitor", default="loss", help="the validation metric to optimise")
    u.add_argument("--mode", default="min", choices=("min", "max"))
    u.set_defaults(run=cmd_tune)
    pl = sub.add_parser("plot", help="draw curves.png of runs (several: compared)")
    pl.add_argument("run_dirs", nargs="+")
    pl.add_argument("--out")
    pl.set_defaults(run=cmd_plot)
    sub.add_parser("list", help="the recipes").set_defaults(run=cmd_list)
    v = sub.add_parser("viz", help="draw a recipe's model")
    vsub = v.add_subparsers(dest="what", required=True)
    g = vsub.add_parser("graph", help="the computation graph of one forward pass")
    g.add_argument("recipe")
    g.add_argument("--out", help="an .svg, .png or .pdf file")
    g.add_argument("--batch", type=int, default=2)
    g.set_defaults(run=cmd_viz)
    b = sub.add_parser("bench", help="benchmarks side by side with PyTorch "
                                     "(wonderland bench --help lists the options)", add_help=False)
    b.add_argument("args", nargs=argparse.REMAINDER)
    b.set_defaults(run=cmd_bench)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    ns, extra = _parser().parse_known_args(argv)
    if extra and ns.run not in (cmd_train, cmd_tune, cmd_viz, cmd_bench):
        raise SystemExit(f"unrecognised arguments: {' '.join(extra)}")
    try:
        return ns.run(ns, extra)
    except (ValueError, KeyError, FileNotFoundError, ImportError) as e:
        if os.environ.get("WONDERLAND_DEBUG"):
            raise
        message = e.args[0] if isinstance(e, KeyError) and e.args else e
        print(f"wonderland {ns.command}: {message}\n(set WONDERLAND_DEBUG=1 for the traceback)",
              file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
