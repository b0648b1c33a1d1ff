"""Where the bytes of wl.save / wl.load go: a path (written atomically) or an open binary file
object (io.BytesIO, open(..., 'wb')), and the error that names the file a load cannot read."""
from __future__ import annotations

import os
from typing import IO

from ..atomic import write_atomic

PathOrFile = str | os.PathLike | IO[bytes]


class CorruptFileError(ValueError):
    """A file wl.load cannot read: empty, truncated, ill-formed, not a format it knows, or with
    bytes that no longer match the checksums written by wl.save."""


def is_file_object(f) -> bool:
    return hasattr(f, "read") or hasattr(f, "write")


def describe(f: PathOrFile) -> str:
    """The file's name for messages: its path, or an open file's name, or its type."""
    if not is_file_object(f):
        return os.fspath(f)
    name = getattr(f, "name", None)
    return name if isinstance(name, str) else f"<{type(f).__name__}>"


def read_bytes(f: PathOrFile) -> bytes:
    """Every byte of a path or of a file object from its current position."""
    if is_file_object(f):
        data = f.read()
        if not isinstance(data, (bytes, bytearray)):
            raise TypeError(f"load: {describe(f)} gives {type(data).__name__}, not bytes: open "
                            f"the file in binary mode ('rb')")
        return bytes(data)
    with open(os.fspath(f), "rb") as file:
        return file.read()


def write_bytes(f: PathOrFile, data: bytes) -> None:
    """Write to a path atomically (the old file survives a crash), or into a file object."""
    if is_file_object(f):
        f.write(data)
        if hasattr(f, "flush"):
            f.flush()
    else:
        write_atomic(f, data)
