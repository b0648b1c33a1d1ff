"""A run directory: config.json (what was run), metrics.jsonl (one JSON line per logged event),
checkpoint.safetensors (the latest full training state), model.safetensors (final weights),
best.safetensors (the best on validation), results.json and curves.png. Resuming truncates the
log back to the checkpoint's step, so a resumed run's log matches an uninterrupted one.

A run takes its directory with claim(): an exclusive advisory lock (flock on .lock, which the
OS releases however the process ends), so two trainings never write one directory at once; a
start that fails before its first checkpoint removes the directory it created."""
from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..atomic import write_atomic

# the run directories this process holds: realpath -> [lock file descriptor, depth], so that a
# Trainer.fit inside train_recipe's claim takes the same lock again instead of refusing itself
_HELD: dict[str, list[int]] = {}


class RunDirInUseError(ValueError):
    """Another process holds the run directory (it is training there)."""


class RunDir:
    """Paths and files of one run. Nothing is created on disk until claim()."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self.config = self.path / "config.json"
        self.metrics = self.path / "metrics.jsonl"
        self.checkpoint = self.path / "checkpoint.safetensors"
        self.model = self.path / "model.safetensors"
        self.best_model = self.path / "best.safetensors"
        self.curves = self.path / "curves.png"
        self.results = self.path / "results.json"
        self.lock_file = self.path / ".lock"

    @contextmanager
    def claim(self) -> Iterator[None]:
        """Hold the directory (creating it) for the block; raises RunDirInUseError naming the
        holder's pid while another process holds it. Re-entrant within a process. When the
        block fails and this claim created the directory and no checkpoint reached it, the
        directory (and any parents this claim created) is removed: a failed start leaves
        nothing behind."""
        key = os.path.realpath(self.path)
        if key in _HELD:
            _HELD[key][1] += 1
            try:
                yield
            finally:
                _HELD[key][1] -= 1
            return
        created = _first_missing(self.path)
        self.path.mkdir(parents=True, exist_ok=True)
        fd = _lock(self.lock_file)
        _HELD[key] = [fd, 1]
        try:
            yield
        except BaseException:
            if created is not None and not self.checkpoint.exists():
                shutil.rmtree(created, ignore_errors=True)
            raise
        finally:
            del _HELD[key]
            os.close(fd)  # closing the only descriptor releases the flock

    def clear(self) -> None:
        """Remove what an earlier run left here (a fresh start must not resume or report it)."""
        for path in (self.metrics, self.checkpoint, self.model, self.best_model, self.curves,
                     self.results):
            path.unlink(missing_ok=True)

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


def _first_missing(path: Path) -> Path | None:
    """The outermost folder of `path` that does not exist yet (what mkdir(parents=True) makes)."""
    missing = None
    for folder in (path, *path.parents):
        if folder.exists():
            break
        missing = folder
    return missing


def _lock(lock_file: Path) -> int:
    """An open descriptor of `lock_file` holding an exclusive flock, with this pid written in."""
    import fcntl  # Unix only: imported here so that the package still imports elsewhere

    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
        os.close(fd)
        raise RunDirInUseError(f"{lock_file.parent} is in use by process {holder} (another "
                               f"training there): wait for it to end, or give another --run-dir"
                               ) from None
    except BaseException:
        os.close(fd)
        raise
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return fd


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
