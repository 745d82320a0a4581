"""The program's entry point: a one-file ``check`` starts its supervised child before anything else is imported.

A ``check`` spends most of its time importing: the parent its command line (click, about a fifth), the child the
checker (pydantic, the models, the rule data, zen: the rest). The child used to be forked once the command line
had parsed its arguments, so the two imports ran one after the other. Here, when the arguments name the ``check``
command and children are forked (Linux), the child is forked first, from an interpreter that has imported nothing
of ours: it imports the checker while the parent imports click and parses the arguments, on the other core, and
then waits for its file (``take_started_child``). It becomes exactly the child ``_supervise.check_once`` would
have forked: the same limits, set before it opens the file, the same death codes, the same second run under the
full scan (which is forked afresh). A parent that does not take it (a usage error, ``--help``, a folder) leaves
it to end with the parent: the child reads its job pipe, and a closed pipe ends it.

Spawned children (Windows, macOS, ``INCUBATOR_CHECK_START_METHOD=spawn``) are started by ``check_once`` as before:
a spawned child re-imports the main module, which is not the place for this.
"""

from __future__ import annotations

import os
import sys

#: Names a start method for every pool ("spawn", "forkserver" or "fork"): how CI runs the suite on Linux with
#: spawn, as Windows and macOS start their workers, so that a bug only spawn shows surfaces on Linux too.
START_METHOD_VARIABLE = "INCUBATOR_CHECK_START_METHOD"

_started = None  # (process, jobs, results) of the child forked at start, until check_once takes it


def run() -> None:
    """``incubator-check``: the environment every process of the program needs, the early child of a one-file
    check, then the command line."""
    prepare_environment()
    if _is_one_file_check(sys.argv[1:]) and default_start_method() == "fork":
        _start_child()
    from .cli import run as command_line

    command_line()


def prepare_environment() -> None:
    """What every process of the program inherits, set before any model exists and before any child starts."""
    # pydantic looks for plugins of other packages (importlib.metadata over every installed distribution) when it
    # builds its first model: a tenth of a one-file check's CPU, for plugins this program never uses. A value the
    # user set is kept.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")


def _is_one_file_check(args: list[str]) -> bool:
    """The arguments name the ``check`` command (the first word that is not an option), and do not ask for help."""
    words = [a for a in args if not a.startswith("-")]
    return bool(words) and words[0] == "check" and "--help" not in args and "-h" not in args


def default_start_method() -> str:
    """How the reader's children start: the variable's method where this platform has it, else fork on Linux (the
    cheapest: the child starts with the parent's imports), spawn on macOS and Windows."""
    import multiprocessing

    asked = os.environ.get(START_METHOD_VARIABLE, "").strip().lower()
    if asked in multiprocessing.get_all_start_methods():
        return asked
    return "fork" if sys.platform.startswith("linux") else "spawn"


def _start_child() -> None:
    global _started
    import multiprocessing

    try:
        method = multiprocessing.get_context("fork")
        take_job, give_job = method.Pipe(duplex=False)
        receive, send = method.Pipe(duplex=False)
        process = method.Process(target=_wait_for_a_file, args=(take_job, give_job, receive, send), daemon=True,
                                 name="incubator-check-reader")
        process.start()
    except (OSError, ValueError):  # no fork to be had (a process limit): check_once starts its child as before
        return
    take_job.close()
    send.close()
    _started = (process, give_job, receive)


def take_started_child(method: str):
    """For ``check_once``: the child forked at start, if there is one, it is alive and ``method`` is fork; once."""
    global _started
    started, _started = _started, None
    if started is None:
        return None
    process, give_job, receive = started
    if method != "fork" or not process.is_alive():
        drop(started)
        return None
    return started


def drop(started) -> None:
    """A started child not used after all: its job pipe closed (it ends by itself), and it is not waited for."""
    process, give_job, receive = started
    give_job.close()
    receive.close()
    if process.is_alive():
        process.kill()
    process.join()


def _wait_for_a_file(take_job, give_job, receive, send) -> None:
    """In the child forked at start: the checker imported, then one job, run as ``_supervise`` runs its own child."""
    import signal

    give_job.close()  # the parent's ends, inherited: with the job pipe's writing end held here, the parent's
    receive.close()   # end (exit, crash, kill) would never reach this child as the end of its pipe

    try:  # Ctrl-C is the parent's to answer (as in every worker); until the job, the console is the user's
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except (ValueError, OSError):  # pragma: no cover - fork only happens on the main thread here
        pass
    from . import _check, _supervise  # noqa: F401 - the point of this child: imported while the parent parses

    try:
        job, limits, errors_dir, write = take_job.recv()
    except (EOFError, OSError):  # the parent did not need a child after all
        return
    take_job.close()
    _supervise._check_in_child(send, _supervise._work, job, limits, errors_dir, write)
