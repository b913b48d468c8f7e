"""Run options from a config file, and the connection's environment variables.

A nightly job or a team repository should not repeat ``--base-url ... --budget ...`` on every
command line. Any ``run`` option can live in a TOML file in the current directory:

- ``pinecone-conformance.toml`` (top-level keys), or else
- ``pyproject.toml``, table ``[tool.pinecone-conformance]``.

Keys are the long flag names without ``--``, with ``-`` or ``_`` (``base-url`` or
``base_url``); repeatable flags take a list (a single string is a list of one). String
values may use ``${ENV_VAR}`` (``${ENV_VAR:-fallback}`` for a fallback, ``$${`` for a literal
``${``), so a secret never has to be written into the file. A key that is no ``run`` option,
a value of the wrong type, or a variable that is not set is a one-line :class:`UsageError`.

Precedence, highest first: a flag on the command line, the config file, the environment
variables (``PINECONE_API_KEY``; ``PCC_BASE_URL`` or ``PINECONE_CONTROLLER_HOST``, see
:func:`base_url_from_env`), the built-in default. A repeatable flag given on the command line
replaces the file's list rather than adding to it.

The config reaches argparse as defaults of the ``run`` subparser (:func:`apply_config`), so
parsing, ``--help`` and every later step stay exactly as they were.
"""

from __future__ import annotations

import argparse
import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path

from pinecone_conformance.core.errors import UsageError

CONFIG_FILE = "pinecone-conformance.toml"
PYPROJECT = "pyproject.toml"
PYPROJECT_TABLE = "pinecone-conformance"

#: Environment variables naming the server, first match wins: ours, then the one the
#: official Pinecone SDKs read for the control plane host.
BASE_URL_VARIABLES = ("PCC_BASE_URL", "PINECONE_CONTROLLER_HOST")
API_KEY_VARIABLE = "PINECONE_API_KEY"

HELP_EPILOG = (
    f"Options may also come from {CONFIG_FILE} or [tool.{PYPROJECT_TABLE}] in pyproject.toml in the current "
    "directory (keys are the long flag names, values may use ${ENV_VAR}); flags override the file. "
    f"Environment: {API_KEY_VARIABLE} (the API key), {' or '.join(BASE_URL_VARIABLES)} (the base URL)."
)

_VARIABLE = re.compile(r"\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def find_config(cwd: str | os.PathLike[str]) -> tuple[Path, dict] | None:
    """The config file in ``cwd`` and its raw table, or None when there is none.

    ``pinecone-conformance.toml`` wins over ``pyproject.toml``; a pyproject.toml without the
    ``[tool.pinecone-conformance]`` table is no config.
    """
    directory = Path(cwd)
    own = directory / CONFIG_FILE
    if own.is_file():
        return own, _read_toml(own)
    pyproject = directory / PYPROJECT
    if pyproject.is_file():
        table = _read_toml(pyproject).get("tool", {}).get(PYPROJECT_TABLE)
        if table is None:
            return None
        if not isinstance(table, dict):
            raise UsageError(f"{pyproject}: [tool.{PYPROJECT_TABLE}] must be a table")
        return pyproject, table
    return None


def _read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise UsageError(f"{path}: not valid TOML: {error}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"{path}: cannot read ({type(error).__name__}: {error})") from None


def expand(value: str, environ: Mapping[str, str], where: str) -> str:
    """``value`` with ``${NAME}`` replaced from ``environ`` (``where`` names the key in errors)."""

    def substitute(match: re.Match) -> str:
        if match.group(0) == "$${":
            return "${"
        name, fallback = match.group(1), match.group(2)
        if environ.get(name):
            return environ[name]
        if fallback is not None:
            return fallback
        raise UsageError(f"{where}: environment variable {name} is not set (used as ${{{name}}})")

    return _VARIABLE.sub(substitute, value)


def _expand_all(value: object, environ: Mapping[str, str], where: str) -> object:
    if isinstance(value, str):
        return expand(value, environ, where)
    if isinstance(value, list):
        return [_expand_all(item, environ, where) for item in value]
    return value


def load_config(cwd: str | os.PathLike[str] | None = None,
                environ: Mapping[str, str] | None = None) -> dict:
    """The config file's options, keys normalised to ``_``, ``${...}`` expanded; {} without a file.

    Keys are not checked here (only the parser knows the options): :func:`apply_config` does.
    """
    found = find_config(Path.cwd() if cwd is None else cwd)
    if found is None:
        return {}
    path, table = found
    environ = os.environ if environ is None else environ
    options = {}
    for key, value in table.items():
        name = key.replace("-", "_")
        if name in options:
            raise UsageError(f"{path}: {key!r} is given twice (with '-' and with '_')")
        options[name] = _expand_all(value, environ, f"{path}: {key}")
    return options


class _ConfigList(list):
    """A repeatable option's list from the config file.

    argparse copies an ``append`` option's current value before appending a command-line
    value (``copy.copy`` for anything but a plain list); copying this one yields an empty
    list, so the first flag on the command line replaces the file's list instead of extending it.
    """

    def __copy__(self) -> list:
        return []


def _run_parser(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The ``run`` subparser of the top-level parser (or ``parser`` itself when it is not a top level)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) and "run" in action.choices:
            return action.choices["run"]
    return parser


def _options_by_key(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    keys = {}
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction | argparse._VersionAction) or not action.option_strings:
            continue
        for option in action.option_strings:
            if option.startswith("--"):
                keys[option[2:].replace("-", "_")] = action
        keys.setdefault(action.dest, action)
    return keys


def _coerce(action: argparse.Action, key: str, value: object, where: str) -> object:
    """``value`` as the command line would have produced it for ``action`` (named by ``key``)."""
    if isinstance(action, argparse._CountAction):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise UsageError(f"{where}: must be a whole number (got {value!r})")
        return value
    if action.nargs == 0:  # store_true, store_false, store_const, --x/--no-x
        if not isinstance(value, bool):
            raise UsageError(f"{where}: must be true or false (got {value!r})")
        if isinstance(action, argparse.BooleanOptionalAction):
            return (not value) if key.startswith("no_") else value
        return action.const if value else action.default
    if isinstance(action, argparse._AppendAction | argparse._ExtendAction):
        items = value if isinstance(value, list) else [value]
        return _ConfigList(_one_value(action, item, where) for item in items)
    if isinstance(value, list | dict):
        raise UsageError(f"{where}: must be a single value, not a {'list' if isinstance(value, list) else 'table'}")
    return _one_value(action, value, where)


def _one_value(action: argparse.Action, value: object, where: str) -> object:
    kind = getattr(action.type, "__name__", "string")
    if isinstance(value, bool | list | dict) or (action.type is int and isinstance(value, float)):
        raise UsageError(f"{where}: must be a {'whole number' if action.type is int else kind}, not {value!r}")
    if action.type is None:
        converted: object = str(value)
    elif action.type in (int, float) and not isinstance(value, str):
        converted = action.type(value)
    else:
        try:
            converted = action.type(str(value))
        except (TypeError, ValueError, argparse.ArgumentTypeError, UsageError) as error:
            raise UsageError(f"{where}: invalid value {value!r} ({error})") from None
    if action.choices is not None and converted not in action.choices:
        raise UsageError(f"{where}: {converted!r} is not one of {', '.join(map(str, action.choices))}")
    return converted


def apply_config(parser: argparse.ArgumentParser, argv: Sequence[str] | None = None, *,
                 cwd: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None) -> None:
    """Make the config file's options the defaults of ``run``; call it before ``parse_args``.

    ``parser`` is the top-level parser (or the ``run`` subparser). Nothing happens unless
    ``argv`` is a ``run`` command, so a broken config never blocks ``spec check`` or ``mock``.
    Unknown keys and bad values are one-line :class:`UsageError`\\ s naming the key.
    """
    run = _run_parser(parser)
    if run is not parser and _command(argv) != "run":
        return
    if run.epilog is None:
        run.epilog = HELP_EPILOG
    found = find_config(Path.cwd() if cwd is None else cwd)
    if found is None:
        return
    path = found[0]
    options = load_config(cwd, environ)
    known = _options_by_key(run)
    defaults = {}
    for name, value in options.items():
        action = known.get(name)
        where = f"{path}: {name.replace('_', '-')}"
        if action is None:
            raise UsageError(f"{path}: unknown option {name.replace('_', '-')!r} (keys are the long flags of "
                             f"'run', e.g. base-url, seed, output)")
        defaults[action.dest] = _coerce(action, name, value, where)
    run.set_defaults(**defaults)


def _command(argv: Sequence[str] | None) -> str | None:
    """The subcommand named in ``argv``: its first word that is not a flag."""
    import sys

    words = sys.argv[1:] if argv is None else argv
    return next((word for word in words if not word.startswith("-")), None)


def base_url_from_env(environ: Mapping[str, str] | None = None) -> str | None:
    """The server named by the environment, or None.

    ``PCC_BASE_URL`` first, then ``PINECONE_CONTROLLER_HOST`` (the official SDKs' name for the
    control plane host, which they accept without a scheme: ``https://`` is then assumed).
    Empty values count as unset.
    """
    environ = os.environ if environ is None else environ
    for name in BASE_URL_VARIABLES:
        value = (environ.get(name) or "").strip()
        if value:
            return value if "://" in value else f"https://{value}"
    return None
