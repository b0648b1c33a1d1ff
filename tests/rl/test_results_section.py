"""examples/rl_models.py's part of docs/results.md: the contrast table with every seed's train
return, the learning-curve picture drawn from the runs' episodes, and the PyTorch twin's line."""
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def fake_run(run_dir: Path, scale: float) -> None:
    run_dir.mkdir(parents=True)
    (run_dir / "config.json").write_text(json.dumps({"steps": 976, "num_envs": 4,
                                                     "num_steps": 128}))
    records = [{"step": k, "split": "episodes", "return": scale * k,
                "env_steps": [512 * k], "returns": [scale * k], "lengths": [k]}
               for k in range(1, 50)]
    (run_dir / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))


def test_section_table_pictures_and_twin(tmp_path):
    sys.path.insert(0, str(ROOT / "examples"))
    import rl_models

    runs = [tmp_path / "runs" / f"seed{s}" for s in range(2)]
    for s, run in enumerate(runs):
        fake_run(run, 1.0 + s)
    page = tmp_path / "docs"
    extra = rl_models.extras("cartpole_ppo", runs, page / "pictures", page)
    assert extra["env_steps"] == 976 * 512
    assert (page / extra["pictures"][0]).stat().st_size > 1000
    row = {"recipe": "cartpole_ppo", "rl": True, "model": "PPO", "walls": [300.0, 320.0],
           "tests": [{"train_return": 480.0, "return": 500.0},
                     {"train_return": 490.0, "return": 498.0}], **extra}
    twin = {"threads": 1, "seed": 0, "env_steps": 499712, "torch_version": "2.13.0",
            "date": "2026-12-07", "ratio": 2.0,
            "wonderland": {"episodes": 1000, "last_mean": 495.0, "last_std": 10.0,
                           "wall_s": 400.0},
            "torch": {"episodes": 1100, "last_mean": 490.0, "last_std": 12.0, "wall_s": 200.0}}
    text = rl_models.section([row, {"recipe": "mnist1d_cnn"}], twin)
    line = next(x for x in text.splitlines() if x.startswith("| `cartpole_ppo`"))
    assert "| 485.0 ± 5.0 | 480.0, 490.0 | 499.0 ± 1.0 | 499712 | 310 s |" in line
    assert "](pictures/cartpole_ppo/learning_curve.png)" in text
    assert "| wonderland | 1000 | 495.0 ± 10.0 | 400 s |" in text and "2.00 times" in text
    assert rl_models.section([{"recipe": "mnist1d_cnn"}]) == ""
