"""A run directory: config.json (what was run), metrics.jsonl (one JSON line per logged event),
checkpoint.safetensors (the latest full training state), model.safetensors (final weights) and
curves.png. Resuming truncates the log back to the checkpoint's step, so a resumed run's log
matches an uninterrupted one."""
from __future__ import annotations

import json
import os
from pathlib import Path

from ..atomic import write_atomic


class RunDir:
    """Paths and files of one run."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self.config = self.path / "config.json"
        self.metrics = self.path / "metrics.jsonl"
        self.checkpoint = self.path / "checkpoint.safetensors"
        self.model = self.path / "model.safetensors"
        self.best_model = self.path / "best.safetensors"
        self.curves = self.path / "curves.png"
        self.results = self.path / "results.json"

    def write_json(self, path: Path, data: dict) -> None:
        """Write `data` as indented JSON, atomically."""
        text = json.dumps(data, indent=2, sort_keys=True, default=str) + "\n"
        write_atomic(path, text.encode())

    def log(self, record: dict) -> None:
        """Append one event to metrics.jsonl."""
        with open(self.metrics, "a") as f:
            f.write(json.dumps(record) + "\n")

    def truncate_log(self, step: int) -> None:
        """Drop logged events after `step` (those a killed run wrote past its last checkpoint)."""
        if not self.metrics.exists():
            return
        kept = [r for r in read_metrics(self.metrics) if r.get("step", 0) <= step]
        write_atomic(self.metrics, "".join(json.dumps(r) + "\n" for r in kept).encode())

def read_metrics(path: str | os.PathLike) -> list[dict]:
    """The events of a metrics.jsonl file (or of the one in a run directory), in order; a last
    line cut short by a crash is ignored."""
    path = Path(path)
    if path.is_dir():
        path = path / "metrics.jsonl"
    if not path.exists():
        raise FileNotFoundError(f"no metrics log at {path}")
    records = []
    with open(path) as f:
        for line in f:
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                break
    return records
