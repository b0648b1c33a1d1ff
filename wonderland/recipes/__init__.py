"""The recipes `wonderland train` runs: each module here defines `recipe = Recipe(...)`. A recipe
can also live in any Python file, named by its path."""
from __future__ import annotations

import difflib
import importlib
import importlib.util
import pkgutil
from collections.abc import Iterable
from pathlib import Path

from ..train.recipe import Recipe

__all__ = ["RecipeNotFoundError", "did_you_mean", "get", "names"]


class RecipeNotFoundError(KeyError):
    """No shipped recipe by that name, or no recipe file at that path: a mistake in what was
    asked for, which the command reports as a usage error."""

    def __str__(self) -> str:  # the message itself, not KeyError's repr of it
        return str(self.args[0]) if self.args else ""


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """The hint `; did you mean 'x'?` naming the choice closest to a mistyped `word`, or "" when
    none is close (a difflib similarity under 0.6)."""
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


def names() -> list[str]:
    """The recipes that ship with wonderland, by name."""
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))


def get(name: str) -> Recipe:
    """The recipe called `name` (see names()), or the one defined in the file at path `name`."""
    if name.endswith(".py"):
        path = Path(name)
        if not path.is_file():
            nearby = (str(p) for p in path.parent.glob("*.py")) if path.parent.is_dir() else ()
            raise RecipeNotFoundError(f"no recipe file {path}{did_you_mean(str(path), nearby)}")
        spec = importlib.util.spec_from_file_location(f"_recipe_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    elif name in names():
        module = importlib.import_module(f"{__name__}.{name}")
    else:
        raise RecipeNotFoundError(f"no recipe '{name}'{did_you_mean(name, names())} "
                             f"(wonderland list shows them, or name a .py file)")
    recipe = getattr(module, "recipe", None)
    if not isinstance(recipe, Recipe):
        raise TypeError(f"{name} defines no `recipe = Recipe(...)`")
    recipe.source = str(Path(name).resolve()) if name.endswith(".py") else name
    return recipe
