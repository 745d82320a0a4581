"""A one-file ``check``'s child, started before the command line is imported (by ``_start``, the entry point).

A ``check`` spends most of its time importing: the parent its command line (click), the child the checker
(pydantic, the models, the rule data, zen). The child used to be started once the command line had parsed its
arguments, so the two imports ran one after the other. Started here first (forked, or spawned), from an interpreter
that has imported nothing of ours, it imports the checker while the parent imports click and parses the arguments,
on the other core, then waits for its file. The command line takes it (:func:`take_started_child`) and hands it to
``_supervise.check_once``, which sends it the job: it becomes exactly the child ``check_once`` would have started —
the same limits, set before it opens the file, the same death codes, the same second run under the full scan (in
a child of its own). A parent that does not take it (a usage error) ends it before the parent ends
(:func:`end_untaken`); were the parent to end first, the child would read the end of its job pipe and end by itself
— but a spawned child still unpickling its start (Windows) needs its parent alive to take its pipes' handles, and
without it would fail there, print a traceback on the user's console and run its interpreter's teardown.
"""

from __future__ import annotations

import contextlib
import os
import sys

_started = None  # (start method, process, job pipe, result pipe) of the child started early, until it is taken


def start_for_check(args: list[str]) -> bool:
    """When ``args`` name the ``check`` command (the first word that is not an option, without help asked), start
    its child now with the program's start method; whether they did."""
    words = [a for a in args if not a.startswith("-")]
    if words and words[0] == "check" and "--help" not in args and "-h" not in args:
        from ._environment import default_start_method

        _start_child(default_start_method())
        return True
    return False


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


class EarlyChild:
    """A child started early, taken by the command: ``check_once`` sends it its job, or drops it."""

    def __init__(self, process, give_job, receive):
        self.process, self.give_job, self.receive = process, give_job, receive

    def drop(self) -> None:
        """Not used after all: its job pipe closed (it ends by itself); ended, and waited for."""
        self.give_job.close()
        self.receive.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join()


def take_started_child(method: "str | None") -> "EarlyChild | None":
    """The child started early, if there is one, it is alive and it was started by ``method`` (any, if None);
    once."""
    global _started
    started, _started = _started, None
    if started is None:
        return None
    child = EarlyChild(*started[1:])
    if (method is not None and started[0] != method) or not child.process.is_alive():
        child.drop()
        return None
    return child


def end_untaken() -> None:
    """The child started early and not taken by the command (a usage error): ended, and waited for."""
    child = take_started_child(None)
    if child is not None:
        child.drop()


def _wait_for_a_file(take_job, send, *inherited) -> None:
    """In the child started early: the checker imported, then one job, run as ``_supervise`` runs its own child."""
    import signal

    for end in inherited:  # the parent's ends, forked with it: with the job pipe's writing end held here, the
        end.close()        # parent's end (exit, crash, kill) would never reach this child as the end of its pipe
    # Ctrl-C is the parent's to answer (as in every worker); a child starts on its main thread, where this holds
    with contextlib.suppress(ValueError, OSError):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        from ._environment import collector_paused, prepare_environment

        prepare_environment()  # a spawned child's: what a forked one inherits
        import gc

        with collector_paused():  # no garbage among what an import makes: the collector's passes are waste
            from . import _check, _supervise  # noqa: F401 - the point of this child: imported while the parent parses
            gc.freeze()  # and never walked after: else the first collection walks it all at once

        function, job, limits, errors_dir, write = take_job.recv()
    except BaseException:  # noqa: BLE001 - not needed after all (the pipe closed), or it cannot check: it ends
        os._exit(1)  # without a word on the user's console; the file then gets a child of its own (check_once)
    take_job.close()
    _supervise._check_in_child(send, function, job, limits, errors_dir, write)
    # Its outcome sent, it ends at once: the parent waits for its end (join), and a spawned child (Windows, macOS)
    # would otherwise run its interpreter's whole teardown first. Its standard error is a private file: flushed.
    with contextlib.suppress(Exception):
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(0)
