"""What every process of the program inherits, and how it starts its reader's children: read by the entry points
before anything else of the program is imported (``_start``), by the command line, and by the supervisor."""

from __future__ import annotations

import os
import sys

#: Names a start method for every pool ("spawn", "forkserver" or "fork"): how CI runs the suite on Linux with
#: spawn, as Windows and macOS start their workers, so that a bug only spawn shows surfaces on Linux too.
START_METHOD_VARIABLE = "INCUBATOR_CHECK_START_METHOD"


def prepare_environment() -> None:
    """Set before any model exists and before any child starts; a value the user set is kept."""
    # pydantic looks for plugins of other packages (importlib.metadata over every installed distribution) when it
    # builds its first model: a tenth of a one-file check's CPU, for plugins this program never uses.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")


def default_start_method() -> str:
    """How the reader's children start: the variable's method where this platform has it, else fork on Linux (the
    cheapest: the child starts with the parent's imports), spawn on macOS and Windows."""
    import multiprocessing

    asked = os.environ.get(START_METHOD_VARIABLE, "").strip().lower()
    if asked in multiprocessing.get_all_start_methods():
        return asked
    return "fork" if sys.platform.startswith("linux") else "spawn"
