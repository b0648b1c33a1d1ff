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


def file_digest(path: str | os.PathLike, algorithm: str = "sha256") -> str:
    """The hex digest of a file's bytes ('sha256' or 'md5')."""
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def sha256_file(path: str | os.PathLike) -> str:
    """The hex SHA-256 digest of a file's bytes."""
    return file_digest(path, "sha256")


def download_and_verify(url: str, path: str | os.PathLike | None = None,
                        sha256: str | None = None, md5: str | None = None) -> Path:
    """Download `url` to `path` (relative paths, and None for the URL's file name, go under
    cache_dir()) unless a file with the right checksum is already there; return the path.
    Give the SHA-256 or, where a publisher lists only that, the MD5. Raises ValueError naming
    the file and both digests when the checksum does not match; an unreachable `url` raises
    urllib's error (an OSError) before any folder or file is made."""
    if path is None:
        path = os.path.basename(url.split("?", 1)[0]) or "download"
    path = Path(path).expanduser()
    if not path.is_absolute():
        path = cache_dir() / path
    want = {k: v.lower() for k, v in (("sha256", sha256), ("md5", md5)) if v}
    if path.exists() and all(file_digest(path, k) == v for k, v in want.items()):
        return path
    with urllib.request.urlopen(url) as response:  # offline: fail before touching the disk
        path.parent.mkdir(parents=True, exist_ok=True)
        _save_stream(response, path, url, want)
    return path


def download_or_explain(who: str, what: str, where: str, how: str, url: str,
                        path: str | os.PathLike, **digests: str) -> Path:
    """download_and_verify(url, path, **digests), but offline (or with the server down) a
    FileNotFoundError in one line: '<who>: <what> is not in <where> and downloading <url>
    failed (<why>); <how>' (how to get the file another way)."""
    try:
        return download_and_verify(url, path, **digests)
    except OSError as e:
        raise FileNotFoundError(f"{who}: {what} is not in {where} and downloading {url} failed "
                                f"({getattr(e, 'reason', e)}); {how}") from e


def _save_stream(response, path: Path, url: str, want: dict[str, str]) -> None:
    """Write the bytes of `response` to `path` atomically, checked against the `want` digests."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
    try:
        hashes = {k: hashlib.new(k) for k in want}
        with os.fdopen(fd, "wb") as out:
            for chunk in iter(lambda: response.read(_CHUNK), b""):
                for h in hashes.values():
                    h.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        for k, h in hashes.items():
            if h.hexdigest() != want[k]:
                raise ValueError(f"checksum mismatch for {path.name} (from {url}): expected "
                                 f"{k.upper().replace('SHA256', 'SHA-256')} {want[k]}, got "
                                 f"{h.hexdigest()}; the file was not kept")
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
