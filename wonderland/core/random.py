"""Random state: a Generator object and the default one that wl.manual_seed resets."""
from __future__ import annotations

import weakref

import numpy as np

_generators: weakref.WeakSet = weakref.WeakSet()  # every live Generator (see all_generators)


class Generator:
    """A source of random numbers (NumPy's PCG64), passed as `generator=` for explicit control."""

    def __init__(self, seed: int | None = None):
        self.manual_seed(seed if seed is not None else _fresh_seed())
        _generators.add(self)

    def manual_seed(self, seed: int) -> Generator:
        """Restart the stream; negative seeds are taken modulo 2**64, as PyTorch does."""
        self.seed = int(seed) % 2**64
        self.np = np.random.Generator(np.random.PCG64(self.seed))
        return self

    def initial_seed(self) -> int:
        return self.seed

    def get_state(self) -> dict:
        return self.np.bit_generator.state

    def set_state(self, state: dict) -> None:
        self.np.bit_generator.state = state


default_generator = Generator(0)


def manual_seed(seed: int) -> Generator:
    """Reset the default generator so that later random calls repeat exactly."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Seed the default generator from fresh entropy and return that seed."""
    s = _fresh_seed()
    default_generator.manual_seed(s)
    return s


def initial_seed() -> int:
    return default_generator.initial_seed()


def all_generators() -> list[Generator]:
    """Every Generator alive now (wl.compile checks that a trace draws from none of them)."""
    return list(_generators)


def _fresh_seed() -> int:
    return int(np.random.SeedSequence().entropy % 2**63)


def get_generator(generator: Generator | None) -> np.random.Generator:
    return (generator or default_generator).np
