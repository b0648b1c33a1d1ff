"""The CPU backend keeps freed memory for reuse (glibc malloc thresholds), unless told not to."""
from __future__ import annotations

import os
import platform
import subprocess
import sys

GLIBC = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"


def _keeps(env_value: str | None) -> str:
    env = dict(os.environ)
    env.pop("WONDERLAND_KEEP_FREED_MEMORY", None)
    if env_value is not None:
        env["WONDERLAND_KEEP_FREED_MEMORY"] = env_value
    code = "import wonderland as wl, wonderland.backend.cpu as c; print(c.KEEPS_FREED_MEMORY)"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, check=True).stdout.strip()


def test_the_thresholds_are_raised_where_malloc_is_glibc():
    assert _keeps(None) == str(GLIBC)


def test_the_switch_turns_it_off():
    assert _keeps("0") == "False"
