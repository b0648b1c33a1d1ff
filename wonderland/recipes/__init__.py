"""The recipes `wonderland train` runs: each module here defines `recipe = Recipe(...)`. A recipe
can also live in any Python file, named by its path."""
from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from pathlib import Path

from ..train.recipe import Recipe


def names() -> list[str]:
    """The recipes that ship with wonderland, by name."""
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))


def get(name: str) -> Recipe:
    """The recipe called `name` (see names()), or the one defined in the file at path `name`."""
    if name.endswith(".py"):
        path = Path(name)
        if not path.is_file():
            raise FileNotFoundError(f"no recipe file {path}")
        spec = importlib.util.spec_from_file_location(f"_recipe_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    elif name in names():
        module = importlib.import_module(f"{__name__}.{name}")
    else:
        raise KeyError(f"no recipe '{name}'; known: {', '.join(names())} (or give a .py file)")
    recipe = getattr(module, "recipe", None)
    if not isinstance(recipe, Recipe):
        raise TypeError(f"{name} defines no `recipe = Recipe(...)`")
    recipe.source = str(Path(name).resolve()) if name.endswith(".py") else name
    return recipe
