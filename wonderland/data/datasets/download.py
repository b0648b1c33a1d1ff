"""Fetching data files into a cache folder: download with urllib, check the SHA-256, and write
atomically (a temporary file in the same folder, then a rename), so no half file is ever kept."""
from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.request
from pathlib import Path

_CHUNK = 1 << 20


def cache_dir() -> Path:
    """The data cache: $WONDERLAND_DATA when set, otherwise ~/.cache/wonderland."""
    env = os.environ.get("WONDERLAND_DATA")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "wonderland"


def sha256_file(path: str | os.PathLike) -> str:
    """The hex SHA-256 digest of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def download_and_verify(url: str, path: str | os.PathLike | None = None,
                        sha256: str | None = None) -> Path:
    """Download `url` to `path` (relative paths, and None for the URL's file name, go under
    cache_dir()) unless a file with the right SHA-256 is already there; return the path.
    Raises ValueError naming the file and both digests when the checksum does not match."""
    if path is None:
        path = os.path.basename(url.split("?", 1)[0]) or "download"
    path = Path(path).expanduser()
    if not path.is_absolute():
        path = cache_dir() / path
    want = sha256.lower() if sha256 else None
    if path.exists() and (want is None or sha256_file(path) == want):
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
    try:
        h = hashlib.sha256()
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url) as response:
            for chunk in iter(lambda: response.read(_CHUNK), b""):
                h.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        got = h.hexdigest()
        if want is not None and got != want:
            raise ValueError(f"checksum mismatch for {path.name} (from {url}): expected SHA-256 "
                             f"{want}, got {got}; the file was not kept")
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path
