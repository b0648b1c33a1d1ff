"""What the run tests share: the tiny recipe file, the `wonderland` command as a child process,
and the comparison of two run directories (weights bit for bit, logs without their timings)."""
import json
import sys
from pathlib import Path

import numpy as np

import wonderland as wl

TINY = str(Path(__file__).with_name("tiny_recipe.py"))
# `wonderland ...` in a child process, whether or not the console script is on PATH
WONDERLAND = [sys.executable, "-c", "import sys; from wonderland.cli import main; sys.exit(main())"]


def metrics(run_dir) -> list[dict]:
    """The run's logged events without the fields that depend on timing."""
    lines = (Path(run_dir) / "metrics.jsonl").read_text().splitlines()
    return [{k: v for k, v in json.loads(line).items() if k not in ("time", "samples_per_s")}
            for line in lines]


def assert_same_run(a, b) -> None:
    """Two run directories hold bit-identical final weights and the same logged metrics."""
    wa, wb = wl.load(Path(a) / "model.safetensors"), wl.load(Path(b) / "model.safetensors")
    assert wa.keys() == wb.keys()
    for k in wa:
        np.testing.assert_array_equal(wa[k].numpy(), wb[k].numpy())
    assert metrics(a) == metrics(b)
