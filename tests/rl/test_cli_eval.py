"""The RL recipes through the command: training logs every episode to metrics.jsonl, a resumed
run carries on at the global environment step, and `wonderland eval --episodes N` scores the
policy over N whole episodes (and refuses --episodes for a run that is not RL)."""
import json

from wonderland import cli
from wonderland.train.run_dir import read_metrics

SMALL = ["--num_steps", "16", "--num_envs", "2", "--eval_episodes", "2", "--no-progress"]


def test_train_resume_and_eval_episodes(tmp_path, capsys):
    run = tmp_path / "ppo"
    assert cli.main(["train", "cartpole_ppo", "--run-dir", str(run), "--steps", "3",
                     *SMALL]) == 0
    assert cli.main(["train", "cartpole_ppo", "--run-dir", str(run), "--steps", "5",
                     *SMALL]) == 0
    capsys.readouterr()
    episodes = [r for r in read_metrics(run / "metrics.jsonl") if r["split"] == "episodes"]
    at = [s for r in episodes for s in r["env_steps"]]
    assert at == sorted(at) and 0 < at[-1] <= 5 * 32 and at[0] <= 3 * 32
    assert all(len(r["returns"]) == len(r["env_steps"]) == len(r["lengths"]) for r in episodes)
    results = json.loads((run / "results.json").read_text())
    assert results["resumed_from_step"] == 3 and results["test"]["return"] > 0
    assert (run / "learning_curve.png").stat().st_size > 1000
    assert cli.main(["eval", str(run), "--episodes", "3"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["episodes"] == 3 and out["return"] >= 8 and out["return_std"] >= 0


def test_episodes_refused_for_a_supervised_run(mnist1d_root, tmp_path, capsys):
    run = tmp_path / "logreg"
    assert cli.main(["train", "mnist1d_logreg", "--run-dir", str(run), "--steps", "1",
                     "--no-progress", "--data_root", mnist1d_root]) == 0
    capsys.readouterr()
    assert cli.main(["eval", str(run), "--episodes", "3"]) == 2
    assert "--episodes scores a reinforcement-learning run" in capsys.readouterr().err


def test_tuning_an_rl_recipe_is_refused_clearly():
    import pytest

    from wonderland.recipes import get
    from wonderland.train.run import trainer_for

    recipe = get("cartpole_ppo")
    with pytest.raises(ValueError, match="trains on a stream"):
        trainer_for(recipe, recipe.configure({"num_steps": 16}), None, progress=False,
                    use_test=False)
