"""Each test draws its inputs from a freshly seeded generator, so it sees the same values
whether it runs alone or with the others."""
import numpy as np
import pytest

from . import helpers


@pytest.fixture(autouse=True)
def _fresh_rng():
    helpers.RNG = np.random.default_rng(0)
