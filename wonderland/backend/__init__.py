"""Backends: the array namespace (`xp`) each device type runs on."""
from .registry import Backend, available, get_backend, register_backend

__all__ = ["Backend", "available", "get_backend", "register_backend"]
