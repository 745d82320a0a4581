"""The program's entry point (console script, ``python -m``): what every process inherits, a one-file ``check``'s
child started before anything else is imported (``_early``), then the command line."""

from __future__ import annotations

import os
import sys


def run() -> None:
    checking = begin(sys.argv[1:])
    from .cli import run as command_line

    try:
        command_line()
    except SystemExit as done:
        if checking:
            _end_now(done)
        raise


def begin(args: list[str]) -> bool:
    """What the entry points do first (this one, the Windows exe's): the environment, then a check's child; whether
    the arguments name a one-file ``check``."""
    from ._early import start_for_check
    from ._environment import prepare_environment

    prepare_environment()
    return start_for_check(args)


def _end_now(done: SystemExit) -> None:
    """A one-file check's process ends as soon as its answer is out, without the interpreter's teardown.

    By the time the command exits, its report is written (a file it names is closed, or it is on the standard output),
    its child has ended and been waited for, and its temporary folder is removed: what is left is freeing every module
    and object one by one and running the exit handlers of the libraries it imported, a twentieth of the whole
    command, for nothing the user sees. The standard streams are flushed first; where that fails (a closed pipe),
    or the exit carries a message rather than a code, the ordinary exit reports it."""
    if not (done.code is None or isinstance(done.code, int)):
        return
    from ._early import end_untaken

    end_untaken()  # ended by this process, not left to end by itself once this one is gone (see _early)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return
    os._exit(done.code or 0)
