"""The program's entry point (console script, ``python -m``): what every process inherits, a one-file ``check``'s
child started before anything else is imported (``_early``), then the command line."""

from __future__ import annotations

import sys


def run() -> None:
    begin(sys.argv[1:])
    from .cli import run as command_line

    command_line()


def begin(args: list[str]) -> None:
    """What the entry points do first (this one, the Windows exe's): the environment, then a check's child."""
    from ._early import start_for_check
    from ._environment import prepare_environment

    prepare_environment()
    start_for_check(args)
