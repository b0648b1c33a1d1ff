"""Whether operations record the tape: no_grad, enable_grad and set_grad_enabled."""
from __future__ import annotations

import functools
import threading


class _State(threading.local):
    enabled = True  # each thread starts recording (a class default: no getattr fallback per op)


_state = _State()


def is_grad_enabled() -> bool:
    return _state.enabled


def _set(flag: bool) -> None:
    _state.enabled = flag


class _GradMode:
    """A context manager and decorator that sets recording to `mode` and restores it on exit."""

    mode = True

    def __enter__(self):
        self.prev = is_grad_enabled()
        _set(self.mode)
        return self

    def __exit__(self, *exc):
        _set(self.prev)
        return False

    def __call__(self, fn):
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)

        return wrapper


class _BareDecorator(_GradMode):
    """Also usable without parentheses (@no_grad), as in PyTorch."""

    def __new__(cls, fn=None):
        self = super().__new__(cls)
        return self if fn is None else self(fn)


class no_grad(_BareDecorator):
    """Run without recording the tape: results do not require grad."""

    mode = False


class enable_grad(_BareDecorator):
    """Record the tape again inside a no_grad region."""

    mode = True


class set_grad_enabled(_GradMode):
    """Turn recording on or off; as a plain call it takes effect at once, as in PyTorch."""

    def __init__(self, mode: bool):
        self.mode = bool(mode)
        self._before = is_grad_enabled()
        _set(self.mode)

    def __enter__(self):
        self.prev = self._before
        _set(self.mode)
        return self

    def __call__(self, fn):
        _set(self._before)  # used as a decorator: only the wrapped calls change the mode
        return super().__call__(fn)
