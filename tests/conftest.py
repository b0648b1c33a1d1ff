"""Shared test setup: a second NumPy-backed device type ('fakedev') so that device rules
(no silent transfers, clear errors on mixing) are testable on a machine without a GPU."""
import numpy as np
import pytest

from wonderland.backend import Backend, register_backend

register_backend(Backend("fakedev", np, to_numpy=lambda a: a, from_numpy=lambda a: a.copy()))


@pytest.fixture(autouse=True)
def _seed():
    import wonderland as wl

    wl.manual_seed(0)
