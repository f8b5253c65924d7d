"""Command-line usage errors as one line: the option, the bad value and what is allowed.

click prints a usage error as three lines (``Usage: ...``, ``Try ... --help``, ``Error:
Invalid value for '--seed': Input should be a valid integer``) without the value given.
:func:`run_command` runs the ``terrisim`` command and prints instead, for example::

    error: --seed 'abc': Input should be a valid integer, unable to parse string as an
    integer (terrisim run --help)

on one line, with exit status 2.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from typing import Any

import typer

#: click's exceptions, from click itself or the copy newer typer versions carry (typer._click).
ERRORS = importlib.import_module(typer.BadParameter.__module__)


def given_value(param: Any, args: Sequence[str]) -> str | None:
    """The value given on the command line for the option ``param`` (its last use), or None.

    Both ``--seed abc`` and ``--seed=abc`` are found; an argument (not an option) gives None.
    """
    if getattr(param, "param_type_name", None) != "option":
        return None
    names = [*param.opts, *param.secondary_opts]
    found = None
    for i, arg in enumerate(args):
        for name in names:
            if arg == name and i + 1 < len(args):
                found = args[i + 1]
            elif arg.startswith(name + "="):
                found = arg.split("=", 1)[1]
    return found


def one_line(error: Any, args: Sequence[str]) -> str:
    """``error`` as one line naming the option, the value given and what is allowed."""
    command = error.ctx.command_path if error.ctx is not None else "terrisim"
    command = "terrisim" + command.split("terrisim", 1)[1] if "terrisim" in command else command
    message = " ".join(error.format_message().split())
    missing = isinstance(error, ERRORS.MissingParameter)
    if isinstance(error, ERRORS.BadParameter) and error.param is not None and not missing:
        value = given_value(error.param, args)
        hint = error.param_hint or "/".join(getattr(error.param, "opts", []) or [])
        if isinstance(hint, (list, tuple)):
            hint = " / ".join(hint)
        reason = " ".join(error.message.split()) if error.message else message
        shown = f" {value!r}" if value is not None else ""
        message = f"{hint}{shown}: {reason}"
    return f"error: {message} ({command} --help)"


def run_command(command: Any, args: Sequence[str] | None = None) -> int:
    """Run ``command`` (the ``terrisim`` group); return its exit status.

    A usage error (unknown option, bad value, missing argument) is printed as one line on
    stderr (:func:`one_line`) with status 2; ``terrisim`` alone prints the help, as before.
    """
    args = list(sys.argv[1:] if args is None else args)
    try:
        code = command.main(args, standalone_mode=False)
    except ERRORS.UsageError as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # terrisim alone: the help, as before
            exc.show()
            return exc.exit_code
        typer.echo(one_line(exc, args), err=True)
        return 2
    except ERRORS.ClickException as exc:
        typer.echo(f"error: {' '.join(exc.format_message().split())}", err=True)
        return exc.exit_code
    except typer.Abort:
        typer.echo("interrupted", err=True)
        return 130
    return code if isinstance(code, int) else 0
