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

_started = None  # (start method, process, job pipe, result pipe) of the child started early, until check_once takes it


def run() -> None:
    """``incubator-check``: the environment every process of the program needs, the early child of a one-file
    check, then the command line."""
    prepare_environment()
    start_a_checks_child(sys.argv[1:])
    from .cli import run as command_line

    command_line()


def start_a_checks_child(args: list[str]) -> None:
    """When ``args`` name the ``check`` command, start its child now (``check_once`` takes it): the entry points
    call this before they import anything else of the program."""
    if _is_one_file_check(args):
        _start_child(default_start_method())


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


def _start_child(method: str) -> None:
    global _started
    import multiprocessing

    try:
        context = multiprocessing.get_context(method)
        take_job, give_job = context.Pipe(duplex=False)
        receive, send = context.Pipe(duplex=False)
        # A forked child inherits the parent's ends of both pipes and closes them; a spawned one gets only its own.
        inherited = (give_job, receive) if method == "fork" else ()
        process = context.Process(target=_wait_for_a_file, args=(take_job, send, *inherited), daemon=True,
                                  name="incubator-check-reader")
        process.start()
    except (OSError, ValueError):  # no child to be had now (a process limit): check_once starts its own as before
        return
    take_job.close()
    send.close()
    _started = (method, process, give_job, receive)


def take_started_child(method: str):
    """For ``check_once``: the child started early, if there is one, it is alive and was started by ``method``;
    (process, job pipe, result pipe), once."""
    global _started
    started, _started = _started, None
    if started is None:
        return None
    if started[0] != method or not started[1].is_alive():
        drop(started[1:])
        return None
    return started[1:]


def drop(started) -> None:
    """A started child not used after all: its job pipe closed (it ends by itself), and it is not waited for."""
    process, give_job, receive = started
    give_job.close()
    receive.close()
    if process.is_alive():
        process.kill()
    process.join()


def _wait_for_a_file(take_job, send, *inherited) -> None:
    """In the child started early: the checker imported, then one job, run as ``_supervise`` runs its own child."""
    import signal

    for end in inherited:  # the parent's ends, forked with it: with the job pipe's writing end held here, the
        end.close()        # parent's end (exit, crash, kill) would never reach this child as the end of its pipe
    try:  # Ctrl-C is the parent's to answer (as in every worker); until the job, the console is the user's
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except (ValueError, OSError):  # pragma: no cover - a child starts on its main thread
        pass
    try:
        from . import _check, _supervise  # noqa: F401 - the point of this child: imported while the parent parses

        function, job, limits, errors_dir, write = take_job.recv()
    except BaseException:  # noqa: BLE001 - not needed after all (the pipe closed), or it cannot check: it ends
        os._exit(1)  # without a word on the user's console; the file then gets a child of its own (check_once)
    take_job.close()
    _supervise._check_in_child(send, function, job, limits, errors_dir, write)
