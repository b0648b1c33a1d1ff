"""The `wonderland` command on a small recipe file: train (with progress off), resume, refuse a
mismatched run directory, eval, plot, tune over SQLite (on the validation split only), typed
--key value overrides, the settings in --help and list, and every usage error read alike."""
import json
import re
import textwrap

import pytest

from wonderland import cli
from wonderland.recipes import get, names

RECIPE = textwrap.dedent('''
    import wonderland as wl
    from wonderland import nn
    from wonderland.data.datasets import Digits
    from wonderland.train import Recipe

    recipe = Recipe(
        name="tiny_digits", description="a linear model on sklearn digits",
        config={"steps": 6, "lr": 0.05, "eval_every": 3, "checkpoint_every": 3,
                "log_every": 2, "batch_size": 32, "nesterov": False, "note": "x"},
        data=lambda cfg: (Digits(train=True), None, Digits(train=False)),
        model=lambda cfg: nn.Linear(64, 10),
        optimizer=lambda cfg, params: wl.optim.SGD(params, lr=cfg["lr"]),
        published={"test_accuracy": 0.9, "source": "made up for the test"},
        search_space=lambda trial: {"lr": trial.suggest_float("lr", 1e-3, 1e-1, log=True)},
    )
''')


# Tuning may not look at the test split: here any use of it fails (MNIST-1D's recipes, like this
# one, have no validation split, so tuning validates on a tenth held out of train).
UNSEEN_TEST = RECIPE.replace("Digits(train=False)", "Unseen()") + textwrap.dedent('''
    class Unseen:
        def __len__(self):
            raise AssertionError("tuning looked at the test split")

        __getitem__ = __iter__ = __len__
''')


@pytest.fixture
def recipe_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "tiny.py"
    path.write_text(RECIPE)
    return str(path)


def _write(path, text) -> str:
    path.write_text(text)
    return str(path)


def test_train_resume_eval_plot(recipe_file, tmp_path, capsys):
    assert cli.main(["train", recipe_file, "--no-progress", "--lr", "0.1"]) == 0
    out = capsys.readouterr().out
    run = tmp_path / "runs" / "tiny_digits"
    assert "run directory: runs/tiny_digits" in out and "test accuracy" in out
    assert ("run directory runs/tiny_digits: checkpoint.safetensors, config.json, curves.png, "
            "metrics.jsonl, model.safetensors, results.json") in out  # what is there, listed
    assert "published accuracy 0.90" in out
    for name in ("config.json", "metrics.jsonl", "checkpoint.safetensors", "model.safetensors",
                 "curves.png", "results.json"):
        assert (run / name).exists(), name
    config = json.loads((run / "config.json").read_text())
    assert config["lr"] == 0.1 and config["recipe"] == recipe_file
    results = json.loads((run / "results.json").read_text())
    assert results["steps"] == 6 and 0 <= results["test"]["accuracy"] <= 1

    assert cli.main(["train", recipe_file, "--no-progress", "--lr", "0.1", "--steps", "8"]) == 0
    assert "resumed from step 6" in capsys.readouterr().out
    assert json.loads((run / "results.json").read_text())["steps"] == 8

    assert cli.main(["train", recipe_file, "--no-progress"]) == 2  # lr differs from the run's
    assert "other settings (lr)" in capsys.readouterr().err
    assert cli.main(["train", recipe_file, "--no-progress", "--fresh"]) == 0
    capsys.readouterr()

    assert cli.main(["eval", str(run), "--recipe", recipe_file]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["split"] == "test"
    assert shown["accuracy"] == pytest.approx(
        json.loads((run / "results.json").read_text())["test"]["accuracy"])

    assert cli.main(["plot", str(run), str(run), "--out", str(tmp_path / "cmp.svg")]) == 0
    assert (tmp_path / "cmp.svg").read_text().lstrip().startswith("<?xml")


def test_tune_reports_each_trial_and_names_its_study_after_the_fixed_settings(tmp_path,
                                                                              monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    recipe = _write(tmp_path / "unseen.py", UNSEEN_TEST)
    args = ["tune", recipe, "--trials", "2", "--sampler-seed", "1", "--steps", "3", "--seed", "2"]
    for _ in range(2):  # a second command adds to the same stored study
        assert cli.main(args) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert (tmp_path / "runs" / "tune.db").is_file()  # the default storage, its folder made
    assert "study 'tiny_digits[seed=2,steps=3]' in runs/tune.db: 2 more trials" in out
    trials = re.findall(r"^\[(\d)/2\] trial (\d): lr=(\S+) -> val loss (\S+) "
                        r"\(best (\S+), trial (\d)\)$", out, re.MULTILINE)
    assert [(t[0], t[1]) for t in trials] == [("1", "0"), ("2", "1"), ("1", "2"), ("2", "3")]
    losses, best = [float(t[3]) for t in trials], [float(t[4]) for t in trials]
    assert best == [min(losses[:i + 1]) for i in range(4)]  # the best so far, line by line
    assert "4 trials in study 'tiny_digits[seed=2,steps=3]'; best val loss" in out
    train_it = out.rstrip().splitlines()[-1].split()
    assert train_it[:7] == ["wonderland", "train", recipe, "--steps", "3", "--seed", "2"]
    assert train_it[7] == "--lr" and 1e-3 <= float(train_it[8]) <= 1e-1

    # other fixed settings, or another metric: another study, never mixed with the first
    assert cli.main(["tune", recipe, "--trials", "1", "--steps", "2", "--monitor", "accuracy",
                     "--storage", str(tmp_path / "elsewhere" / "t.db")]) == 0
    out = capsys.readouterr().out
    assert "study 'tiny_digits[steps=2]:accuracy' in" in out
    assert "to maximise val accuracy" in out and "[1/1] trial 0: lr=" in out


def test_tune_interrupted_keeps_the_finished_trials(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    ctrl_c = RECIPE.replace("search_space=lambda trial: {", "search_space=lambda trial: "
                            "(trial.number == 1 and stop()) or {") + textwrap.dedent('''
        def stop():
            raise KeyboardInterrupt
    ''')
    assert cli.main(["tune", _write(tmp_path / "stop.py", ctrl_c), "--steps", "2"]) == 130
    out, err = capsys.readouterr()
    assert "[1/20] trial 0: lr=" in out and "[2/20]" not in out
    assert err == "interrupted; the finished trials are kept in study 'tiny_digits[steps=2]': " \
                  "the same command adds more\n"


def test_overrides_are_typed_by_the_defaults(recipe_file):
    recipe = get(recipe_file)
    got = cli.parse_overrides(recipe, ["--lr", "1e-3", "--steps=7", "--nesterov", "true",
                                       "--note", "42", "--clip-grad-norm", "0.5"])
    assert got == {"lr": 0.001, "steps": 7, "nesterov": True, "note": "42",
                   "clip_grad_norm": 0.5}
    assert cli.parse_overrides(recipe, ["--lr", "1"]) == {"lr": 1.0}
    assert cli.parse_overrides(recipe, ["--note=", "--lr", "2"]) == {"note": "", "lr": 2.0}
    for bad, message in ((["--steps", "2.5"], "--steps expects an integer"),
                         (["--nesterov", "yes"], "--nesterov expects true or false"),
                         (["--lr", "fast"], "--lr expects a number"),
                         (["--depth", "3"], "no setting 'depth' \\(add --help"),
                         (["--nestrov", "true"], "no setting 'nestrov'; did you mean 'nesterov'"),
                         (["--lr"], "--lr needs a value"),
                         (["--lr", "--steps", "3"], "--lr needs a value"),
                         (["lr", "3"], "expected --key value")):
        with pytest.raises(cli.UsageError, match=message):
            cli.parse_overrides(recipe, bad)


NO_SPACE = re.sub(r"\n +search_space=.*", "", RECIPE)


@pytest.mark.parametrize("args,message", [
    (["trian"], "wonderland: no command 'trian'; did you mean 'train'? (wonderland --help"),
    ([], "wonderland: the following arguments are required: COMMAND"),
    (["train", "mnist1d_cn"], "wonderland train: no recipe 'mnist1d_cn'; did you mean "
                              "'mnist1d_cnn'? (wonderland list shows them"),
    (["train", "mnist1d_cn", "--help"], "wonderland train: no recipe 'mnist1d_cn'; did you"),
    (["list", "fashion_mpl"], "wonderland list: no recipe 'fashion_mpl'; did you mean "
                              "'fashion_mlp'?"),
    (["train", "tinny.py"], "wonderland train: no recipe file tinny.py; did you mean "
                              "'tiny.py'?"),
    (["train", "{r}", "--lrr", "1"], "wonderland train: recipe 'tiny_digits' has no setting "
                                     "'lrr'; did you mean 'lr'? (add --help to see them)"),
    (["train", "{r}", "--steps", "2.5"], "wonderland train: --steps expects an integer"),
    (["train", "{r}", "--lr"], "wonderland train: --lr needs a value"),
    (["train", "{r}", "3"], "wonderland train: expected --key value, got '3'"),
    (["eval", "runs/x", "runs/y"], "wonderland eval: unrecognised arguments: runs/y"),
    (["plot", "runs/x", "--lr", "1"], "wonderland plot: unrecognised arguments: --lr 1"),
    (["tune"], "wonderland tune: the following arguments are required: recipe"),
    (["tune", "{r}", "--trials", "many"], "wonderland tune: argument --trials: expects a whole "
                                          "number of at least 1, got 'many'"),
    (["tune", "{r}", "--trials", "0"], "wonderland tune: argument --trials: expects a whole "
                                       "number of at least 1, got '0'"),
    (["tune", "{r}", "--sampler", "cma"], "wonderland tune: argument --sampler: invalid choice"),
    (["tune", "{r}", "--lr", "0.1"], "wonderland tune: recipe 'tiny_digits' searches lr: every "
                                     "trial would override the value given"),
    (["tune", "{r}", "--monitor", "accurcy"], "wonderland tune: recipe 'tiny_digits' has no "
                                              "validation metric 'accurcy'; did you mean "
                                              "'accuracy'? (it has loss, accuracy)"),
    (["tune", "{r}", "--stesp", "2"], "wonderland tune: recipe 'tiny_digits' has no setting "
                                      "'stesp'; did you mean 'steps'?"),
    (["tune", "{n}"], "wonderland tune: recipe 'tiny_digits' defines no search_space to tune"),
    (["viz", "graph"], "wonderland viz graph: the following arguments are required: recipe"),
    (["viz", "graph", "{r}", "--note"], "wonderland viz graph: --note needs a value"),
])
def test_every_usage_error_exits_2_as_wonderland_command_message(args, message, recipe_file,
                                                                 tmp_path, capsys):
    nospace = _write(tmp_path / "nospace.py", NO_SPACE)
    args = [a.format(r=recipe_file, n=nospace) for a in args]
    assert cli.main(args) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err.rstrip().splitlines()
    assert err[-1].startswith(message), captured.err
    assert all(line.startswith("usage: wonderland") or line[:1] == " " for line in err[:-1])
    assert not (tmp_path / "runs").exists()  # nothing ran


def test_bench_usage_errors_exit_2_too(capsys):
    with pytest.raises(SystemExit) as exit_:  # the bench's own argparse reports it
        cli.main(["bench", "--bogus"])
    assert exit_.value.code == 2
    assert "wonderland bench: error: unrecognized arguments: --bogus" in capsys.readouterr().err


def test_unknown_run_dir(tmp_path, capsys):
    assert cli.main(["eval", str(tmp_path)]) == 2
    assert "not a run directory" in capsys.readouterr().err


def _help(args, capsys) -> str:
    with pytest.raises(SystemExit) as exit_:
        cli.main(args)
    assert exit_.value.code == 0
    return capsys.readouterr().out


SETTINGS = [r"settings of tiny_digits \(--key value; type, default\):",
            r"--lr +float +0\.05$", r"--nesterov +bool +false$", r'--note +str +"x"$',
            "the trainer's settings:", r"--steps +int +6$", r"--shuffle +bool +true$",
            r"--clip_grad_norm +any +null$"]


@pytest.mark.parametrize("command", [["train"], ["tune"], ["viz", "graph"]])
def test_help_of_a_named_recipe_lists_its_settings(command, recipe_file, capsys):
    out = _help([*command, recipe_file, "--help"], capsys)
    assert all(re.search(line, out, re.MULTILINE) for line in SETTINGS), out
    assert "--run-dir" in out or "--trials" in out or "--batch" in out  # and the options
    assert _help([*command, recipe_file, "--lr", "1", "-h"], capsys) == out
    plain = _help([*command, "--help"], capsys)
    assert f"wonderland {' '.join(command)} RECIPE --help lists the recipe's settings" in plain
    assert "settings of" not in plain


def test_demo_help_lists_the_demo_recipe_settings(capsys):
    out = _help(["demo", "--help"], capsys)
    assert "settings of mnist1d_cnn" in out and re.search(r"--channels +int +25$", out, re.M)


def test_list_names_every_shipped_recipe_and_shows_settings_on_request(recipe_file, capsys):
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    assert names() and all(name in out for name in names()) and "settings of" not in out
    assert cli.main(["list", recipe_file]) == 0
    out = capsys.readouterr().out
    assert out.startswith("tiny_digits ")
    assert all(re.search(line, out, re.MULTILINE) for line in SETTINGS), out
    assert cli.main(["list", "--settings"]) == 0
    out = capsys.readouterr().out
    assert all(f"settings of {name} " in out for name in names())


def test_no_help_is_cut_short(capsys):
    out = _help(["--help"], capsys)
    intro = " ".join(cli.__doc__.split("\n\n")[0].split())
    assert intro.endswith("computation graph.") and intro in " ".join(out.split())
    for line in cli.__doc__.split("\n\n", 1)[1].strip().splitlines():  # every example
        assert line.strip() in out
    commands = ["train", "demo", "eval", "tune", "plot", "list", "viz", ["viz", "graph"]]
    for command in commands:
        args = command if isinstance(command, list) else [command]
        text = _help([*args, "--help"], capsys)
        description = text.split("\n\n")[1]  # after the usage lines
        assert description[0].isupper() and description.endswith("."), (command, text)
    assert "Time wonderland side by side with PyTorch" in _help(["bench", "--help"], capsys)


def test_bench_passes_its_arguments_through(capsys):
    assert cli.main(["bench", "--list"]) == 0
    out = capsys.readouterr().out
    assert "gemm1024" in out and "mlp" in out


def test_a_diverging_loss_ends_with_one_line_not_a_traceback(recipe_file, capsys):
    assert cli.main(["train", recipe_file, "--no-progress", "--lr", "1e300"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("wonderland train: Trainer: the loss is") and "Traceback" not in err
