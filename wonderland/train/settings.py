"""A recipe's settings on the command line: `--key value` overrides typed by the recipe's
defaults, the table of settings that `--help` and `wonderland list` show, and the UsageError
that every mistake on the command line raises."""
from __future__ import annotations

import json


class UsageError(Exception):
    """A mistake on the command line. main() prints it as 'wonderland <command>: <message>'
    (after the usage line when argparse found it) and returns 2, as argparse does."""

    def __init__(self, message: str, prog: str | None = None, usage: str = "") -> None:
        super().__init__(message)
        self.prog, self.usage = prog, usage


def _type_name(default) -> str:
    """The type a setting's values take, from its default (None: any)."""
    if default is None:
        return "any"
    return {bool: "bool", int: "int", float: "float", str: "str"}.get(type(default),
                                                                      type(default).__name__)


def _parse_value(key: str, text: str, default):
    """A command-line value in the type of the recipe's default for that key."""
    try:
        value = json.loads(text)  # numbers, true/false, null, lists
    except json.JSONDecodeError:
        value = text
    if default is None or value is None:
        return value
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise UsageError(f"--{key} expects true or false, got {text!r}")
    elif isinstance(default, int) and not (isinstance(value, int) and not isinstance(value, bool)):
        raise UsageError(f"--{key} expects an integer, got {text!r}")
    elif isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise UsageError(f"--{key} expects a number, got {text!r}")
        value = float(value)
    elif isinstance(default, str):
        value = text
    return value


def parse_overrides(recipe, args: list[str]) -> dict:
    """`--key value` pairs (or --key=value) as config overrides, typed by the recipe's defaults;
    UsageError for anything else, naming the closest setting to a mistyped key."""
    from ..recipes import did_you_mean

    defaults, out, i = recipe.defaults(), {}, 0
    while i < len(args):
        arg = args[i]
        if not arg.startswith("--") or arg == "--":
            raise UsageError(f"expected --key value, got {arg!r}")
        key, has_value, value = arg[2:].partition("=")
        key = key.replace("-", "_")
        if key not in defaults:
            raise UsageError(f"recipe '{recipe.name}' has no setting '{key}'"
                             f"{did_you_mean(key, defaults)} (add --help to see them)")
        if not has_value:
            if i + 1 >= len(args) or args[i + 1].startswith("--"):
                raise UsageError(f"--{key} needs a value")
            value, i = args[i + 1], i + 1
        out[key] = _parse_value(key, value, defaults[key])
        i += 1
    return out


def settings_help(recipe) -> str:
    """The recipe's settings with their types and defaults, as `--help` and `list` show them:
    the recipe's own first, then the trainer's (with the recipe's values)."""
    from .recipe import TRAINER_DEFAULTS

    defaults = recipe.defaults()
    own = [k for k in recipe.config if k not in TRAINER_DEFAULTS]
    width = max(len(k) for k in defaults) + 2
    lines = []
    for title, keys in ((f"settings of {recipe.name} (--key value; type, default):", own),
                        ("the trainer's settings:", list(TRAINER_DEFAULTS))):
        if keys:
            lines.append(title)
            lines += [f"  --{k:{width}s} {_type_name(defaults[k]):6s} "
                      f"{json.dumps(defaults[k], default=str)}" for k in keys]
    return "\n".join(lines)
