"""The supervised reader: every workbook is parsed in a worker process with hard limits.

python-calamine is native code. A crafted file of a few kilobytes can make it abort
the whole process (a failed allocation, a Rust panic that unwinds into ``abort``),
loop, or allocate gigabytes; the guard (``workbook/guard/``) refuses the known tricks in
milliseconds, but it is a second parser and cannot know every trick. So the parse
itself runs in a worker of a pebble process pool, and what bounds the answer is the
worker's limits, not the guard's knowledge:

- **memory** — the worker's address space (``RLIMIT_AS``) where the platform has it;
  elsewhere (Windows, macOS) a watchdog thread that ends the worker when its resident
  memory passes the limit;
- **CPU** — ``RLIMIT_CPU``, re-armed before every task, where the platform has it;
- **wall time** — pebble's per-task timeout, which ends the worker.

A worker that dies (a signal, a native abort, out of memory, over time) costs only its
own file: that file gets an ``ERROR`` report with ``reader-crashed``,
``reader-out-of-memory`` or ``reader-timeout``, pebble starts a fresh worker, and the
other files go on. The worker's standard error goes to a private file, so a native
crash message never reaches the user's console; it is read to tell an allocation
failure (out of memory) from another abort.

The parent reads each file once (``guard.read_bytes``: a size check, then the bytes),
hashes those bytes, and hands them to the worker, so the guard, python-calamine and
the report's sha256 all see the same bytes, whatever happens to the file meanwhile.
``docs/limits.md`` says what holds on each platform.

The pool heals. pebble's pool breaks for good ("All workers expired") when a worker dies while no task is
running (the OOM killer, Task Manager), and tasks it had queued then never finish. So every task is held
here until it is settled: a doctor thread looks at the pool every ``DOCTOR_SECONDS``, and a pool that is
no longer serving is replaced by a new one (the old one stopped in the background), its unsettled tasks
scheduled again once; a task whose worker died while running it is that file's ``reader-crashed`` (it may
be the file that killed it, so it is never parsed twice). Workers are recycled after
``WorkerLimits.recycle_tasks`` tasks, or when their resident memory passes ``recycle_bytes`` after a task.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import itertools
import os
import signal
import sys
import tempfile
import threading
from collections import deque
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

from ._environment import START_METHOD_VARIABLE, collector_paused, prepare_environment
from ._environment import default_start_method as _default_context  # noqa: F401 - tests name it

MiB = 1 << 20


class _Futures:
    """``concurrent.futures``, imported when the pool first uses it: a one-file check's child imports this module
    to check its file and never needs it (nor ``logging``, which it imports), ~3 ms of the path the user waits on."""

    def __getattr__(self, name: str):
        import concurrent.futures

        return getattr(concurrent.futures, name)


cf = _Futures()

# A worker ended by its own watchdog exits with this code (no signal is involved on Windows).
EXIT_OUT_OF_MEMORY = 86

# pebble's manager threads wake every ``CONSTS.sleep_unit`` (0.1 s) to look at timeouts and workers, and
# ``join()`` waits for their next wake-up: on average 50 ms added to every ``check`` command. Polling at
# 100 Hz costs a few microseconds a wake-up; timeouts are then noticed within 10 ms instead of 100 ms.
POLL_SECONDS = 0.01

# How often the doctor looks at the pool: a broken pool is replaced within this time, with or without traffic.
DOCTOR_SECONDS = 0.1

# A worker killed from outside while it held one of pebble's shared channel locks (taking a task, sending a
# result) leaves that lock held for ever: the other workers wait on it and the pool, still "running", stops
# taking tasks. After a worker's abnormal death, a pool in which no task has started or finished for this
# long while some wait is taken for stuck, and replaced.
STALL_SECONDS = 2.0

# A batch sends its workbooks to the workers in chunks of this many (issue 21: one pebble task per 15 KB file cost the
# parent more than a small workbook's check). A chunk's file that kills its worker is still that file's ERROR alone:
# the worker notes which file it is on (``_mark``), and the chunk's other files are checked again one by one.
CHUNK_FILES = 12

# A task is scheduled at most this many times: once, and once more on a new pool if its pool broke under it.
TRIES = 2


@dataclass(frozen=True)
class WorkerLimits:
    """What one workbook's parse may cost in its worker. The defaults are documented in docs/limits.md."""

    memory_bytes: int = 2048 * MiB  # address space (RLIMIT_AS), or resident memory under the watchdog
    wall_seconds: float = 60.0  # per workbook, from the moment a worker takes it
    cpu_seconds: int = 60  # per workbook (RLIMIT_CPU, re-armed for each task)
    # How memory is held: "address-space" (RLIMIT_AS: a hard limit, Linux), "watchdog" (a thread that ends the
    # worker when its resident memory passes the limit: Windows, macOS), or "auto" (the first where it holds).
    memory_mode: str = "auto"
    # A worker is replaced by a fresh one after this many tasks (0: never), or after a task that leaves its
    # resident memory above ``recycle_bytes`` (0: never): what a parse leaves behind does not pile up.
    recycle_tasks: int = 1000
    recycle_bytes: int = 1024 * MiB


@dataclass(frozen=True)
class Job:
    """One workbook to check: its path (as shown in the report), and how to check it."""

    path: str
    ruleset: str | None = None
    lang: str = "zh"
    as_of: dt.date | None = None
    shown: str | None = None  # the path as the report gives it (in a batch: relative to the folder given)
    same_as: str | None = None  # in a batch: the earlier entry this one is the same file as (a link to it)
    plan: str | None = None  # check --plan: "as-is" or "worst" (the blanks at their worst)
    plan_costs: tuple[tuple[str, str], ...] = ()  # --plan-cost LEVER=WEIGHT
    also: tuple[str, ...] = ()  # other languages to write the same report in (the web's language switch)
    refused: Any = None  # a finding the file is answered with, unread (the web's upload past its size limit)


@dataclass(frozen=True)
class Outcome:
    """What comes back from a worker: the report as JSON text, and the identifiers the batch's cross-check needs."""

    line: str
    keys: dict[str, Any]
    skipped: bool = False  # a workbook this tool wrote (a summary saved in the folder): not an application
    also: tuple[tuple[str, str], ...] = ()  # (language, JSON text) of the same report in the job's other languages
    text: str | None = None  # check: the report as the command writes it, when the child wrote it (``check_once``)


def _quiet_resource_tracker() -> None:
    """Send the standard error of multiprocessing's resource tracker to the null device (POSIX, spawn/forkserver).

    With spawn or forkserver, every pebble pool's channel locks are named semaphores, registered with a resource
    tracker: a process the parent starts, a child like the workers. Killed with them (Task Manager's "end process
    tree", the OOM killer, the kill-storm test), it is started again by the parent at its next lock, but knows
    nothing of the names the dead one held: each later unlink of one of those (a pool closed or replaced) makes
    the new tracker print a ``KeyError`` traceback on the user's console, and the parent warns "process died
    unexpectedly". Nothing leaks (every lock of a pool is unlinked by its finalizer; the tracker is only the
    safety net for a parent that dies), so both are noise: the tracker's own standard error goes to the null
    device (the command that starts it, and only it, is prefixed with a redirection), and that one warning is
    ignored. Where the command is not as expected (another CPython), nothing is changed.
    """
    import warnings
    from multiprocessing import util

    if os.name != "posix" or getattr(util.spawnv_passfds, "_incubator_check", False):
        return
    warnings.filterwarnings("ignore", message="resource_tracker: process died unexpectedly", category=UserWarning)
    spawn = util.spawnv_passfds
    marker = "from multiprocessing.resource_tracker import main;"

    def spawnv_passfds(path, args, passfds):
        args = list(args)
        if len(args) >= 2 and args[-2] == "-c" and args[-1].startswith(marker):
            args[-1] = "import os;n=os.open(os.devnull,os.O_WRONLY);os.dup2(n,2);os.close(n);" + args[-1]
        return spawn(path, args, passfds)

    spawnv_passfds._incubator_check = True  # type: ignore[attr-defined]
    util.spawnv_passfds = spawnv_passfds


# A fork waits at most this long for other threads' imports to finish (see ``_before_fork``).
FORK_WAIT_SECONDS = 10.0


def _before_fork() -> None:
    """Before any fork in a process that forks reader workers: wait until no other thread is importing a module.

    Python holds a module's import lock while the module runs; a fork in the middle gives the child that lock, held
    for ever by a thread the child does not have, and a worker that then imports the same module (its initializer
    imports the reader and the judge; a task may import more) waits for ever: the worker is alive, takes no task,
    and the batch or the web request hangs with nothing to notice (no death). Workers are forked by pebble's manager
    thread (a dead or recycled worker's replacement) and by whichever thread schedules on a new pool, while the
    main thread, a web request or a result's callback may be importing. So the forking thread waits (up to
    ``FORK_WAIT_SECONDS``) until no module lock is held by another thread; CPython then takes the global import lock
    for the fork itself, so no new import starts. Reads importlib's lock table (private; where it is not as
    expected, nothing waits).
    """
    import time

    try:
        from importlib import _bootstrap

        locks = _bootstrap._module_locks
    except Exception:  # noqa: BLE001 - another Python
        return
    me = threading.get_ident()
    deadline = time.monotonic() + FORK_WAIT_SECONDS
    while True:
        try:
            busy = False
            for ref in list(locks.values()):
                lock = ref() if callable(ref) else ref
                owner = getattr(lock, "owner", None)
                if owner and owner != me:
                    busy = True
                    break
        except Exception:  # noqa: BLE001 - the table changed under us: look again
            busy = True
        if not busy or time.monotonic() > deadline:
            return
        time.sleep(0.002)


_FORK_HOOK = []


def _wait_for_imports_before_forks() -> None:
    if not _FORK_HOOK and hasattr(os, "register_at_fork"):
        os.register_at_fork(before=_before_fork)
        _FORK_HOOK.append(True)


class _Task:
    """One task held until it is settled: what to run, the future we promised, and the pebble future now running it."""

    __slots__ = ("function", "args", "result", "death", "running", "tries", "started", "wall", "again")

    def __init__(self, function, args: tuple, death, wall: float, again: bool = False):
        self.function, self.args, self.death, self.wall = function, args, death, wall
        self.again = again  # after a death, one more run with the workbook guarded by the full scan only
        self.result: cf.Future = cf.Future()
        self.running: cf.Future | None = None
        self.tries = 0
        self.started: float | None = None  # when a worker took it (pebble's future is running), as the doctor saw


def _broken(pool) -> bool:
    """Whether a pebble pool has failed, without starting it: the doctor must never be the thread that forks the
    first workers (a fork while another thread imports leaves the child that module's import lock, held for ever)."""
    try:
        from pebble.pool.base_pool import PoolStatus

        status = pool._context.status
        if status == PoolStatus.CREATED:
            return False
        return status == PoolStatus.ERROR or any(not loop.is_alive() for loop in pool._loops)
    except Exception:  # noqa: BLE001 - another pebble: its public (starting) test
        return not pool.active


def _channel_held(pool) -> bool:
    """Whether pebble's shared channel lock is held now (tried without waiting, as pebble itself does to stop a
    worker). A lock held at every look for seconds is held by a worker that died holding it."""
    try:
        channel = pool._pool_manager.worker_manager.workers_channel
        if channel is None:  # not started
            return False
        with channel.lock(block=False) as locked:
            return not locked
    except Exception:  # noqa: BLE001 - another pebble: take no progress after a death for a held lock, as before
        return True


def _attribute_deaths_in_order(pool) -> None:
    """Make pebble blame a dead worker's death on the task it died on, not on one it had already finished.

    pebble's manager thread notices a dead worker and blames the first task that worker acknowledged and has not
    been answered for; the worker's messages are read by another thread. A worker that sent a result, took the
    next task and died at once (a file that aborts the reader right after a good one, on a loaded machine) can be
    found dead before that result and that acknowledgement are read: the good file was then blamed
    (``reader-crashed``), its result dropped, and the bad file left running on a dead worker until its wall time.
    Here a death is only noted when found, and blamed by the reading thread once the pipe is empty, so after every
    message the worker sent before it died. Where pebble is not as expected, its own attribution stays.
    """
    try:
        from pebble.pool.process import NoMessage

        manager = pool._pool_manager
        workers = manager.worker_manager
        blame, receive = manager.handle_worker_expiration, workers.receive
    except Exception:  # noqa: BLE001 - another pebble
        return
    found: list = []
    lock = threading.Lock()

    def note(expiration) -> None:
        with lock:
            found.append(expiration)

    def receive_then_blame(timeout):
        message = receive(timeout)
        if isinstance(message, NoMessage) and found:  # nothing left to read: every message of the dead was read
            with lock:
                due = found[:]
                del found[:]
            for expiration in due:
                blame(expiration)  # BrokenProcessPool ("All workers expired") ends this loop, as it ended pebble's
        return message

    manager.handle_worker_expiration = note
    workers.receive = receive_then_blame


def _pool_broke(exc: BaseException) -> bool:
    """pebble's pool failed as a whole (not this task's worker): the task can run again on a new pool."""
    from concurrent.futures.process import BrokenProcessPool

    return isinstance(exc, (BrokenProcessPool, cf.CancelledError)) or (
        isinstance(exc, RuntimeError) and "Pool" in str(exc))


class ReaderPool:
    """A pool of supervised reader workers that heals itself. One per command or per web app; ``close()`` (or ``with``) ends it."""

    def __init__(self, workers: int = 1, limits: WorkerLimits | None = None, context: str | None = None,
                 temp_dir: str | None = None):
        """``temp_dir``: where the workers' private files go (the web app's own folder); the system's by default."""
        import multiprocessing

        from pebble.common import CONSTS

        CONSTS.sleep_unit = POLL_SECONDS
        self.limits = limits or WorkerLimits()
        self.workers = max(1, workers)
        self._errors = tempfile.TemporaryDirectory(prefix="incubator-check-workers-", dir=temp_dir)
        self._context = multiprocessing.get_context(context or _default_context())
        if self._context.get_start_method() == "fork":
            _wait_for_imports_before_forks()
        else:
            _quiet_resource_tracker()
        self._lock = threading.RLock()
        self._tasks: set[_Task] = set()
        self._closed = False
        self.rebuilt = 0  # how many times a broken pool was replaced (for /healthz and the tests)
        self._known: dict[int, Any] = {}  # the workers the doctor has seen, until it sees them end
        self._death_at: float | None = None  # the last abnormal death not yet followed by progress
        self._progress_at = 0.0  # when a task last started or finished
        self._held_since: float | None = None  # since when every look found the pool's channel lock held
        self._chunks = 0  # chunk tasks not yet settled: while there are some, the doctor holds each file's wall time
        self._overtime: set[int] = set()  # workers the doctor ended for a file past its wall time
        self._pool = self._new_pool()
        self._stop = threading.Event()
        self._doctor = threading.Thread(target=self._watch, daemon=True, name="incubator-check-pool-doctor")
        self._doctor.start()

    def _new_pool(self):
        import pebble

        pool = pebble.ProcessPool(max_workers=self.workers, max_tasks=max(0, self.limits.recycle_tasks),
                                  initializer=_init_worker, initargs=(self.limits, self._errors.name),
                                  context=self._context)
        _attribute_deaths_in_order(pool)
        return pool

    def __enter__(self) -> "ReaderPool":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self, now: bool = False) -> None:
        """Stop the workers (at once with ``now``, e.g. on Ctrl-C) and remove their private files."""
        with self._lock:
            self._closed = True
            pool = self._pool
        self._stop.set()
        with contextlib.suppress(Exception):
            if now:
                pool.stop()
            else:
                pool.close()
            pool.join()
        with self._lock:
            left = list(self._tasks)
            self._tasks.clear()
        for task in left:  # nothing waits for ever on a closed pool
            if not task.result.done():
                with contextlib.suppress(cf.InvalidStateError):
                    task.result.set_result(task.death(RuntimeError("the reader pool is closed")))
        if self._doctor is not threading.current_thread():
            self._doctor.join(timeout=5)
        self._errors.cleanup()

    # -- healing -------------------------------------------------------------------------------------------

    @property
    def serving(self) -> bool:
        """Whether the pool takes tasks now (pebble's pool is running, or not started yet)."""
        with self._lock:
            return not self._closed and not _broken(self._pool)

    def heal(self) -> bool:
        """Replace the pool if it is broken, and schedule its unsettled tasks again; whether it is serving now."""
        with self._lock:
            if self._closed:
                return False
            if _broken(self._pool):
                self._rebuild()
            return True

    def _rebuild(self) -> None:
        """(Under the lock.) A new pebble pool; the old one is stopped in the background, its tasks moved over."""
        old, self._pool = self._pool, self._new_pool()
        self.rebuilt += 1
        self._death_at = None
        self._held_since = None
        self._known.clear()  # the old pool's workers are stopped on purpose: their ends are no deaths to count
        threading.Thread(target=_stop_quietly, args=(old,), daemon=True, name="incubator-check-pool-stop").start()
        for task in list(self._tasks):
            if task.running is not None and not task.running.done():  # a done one: its own callback settles it
                self._retry(task, RuntimeError("Unexpected error within the Pool"))

    def _watch(self) -> None:
        while not self._stop.wait(DOCTOR_SECONDS):
            with contextlib.suppress(Exception):  # the doctor must outlive whatever it looks at
                if self.heal():
                    self._look_for_a_stall()

    def _look_for_a_stall(self) -> None:
        """Replace a pool that a worker's death left stuck, or that let a task run past its wall time."""
        import time

        now = time.monotonic()
        with self._lock:
            with contextlib.suppress(Exception):  # pebble's worker table (not public): without it, only the wall rule
                for worker in list(self._pool._pool_manager.worker_manager.workers.values()):
                    self._known.setdefault(worker.pid, worker)  # pebble drops a dead one from its table at once
            if self._chunks:
                self._end_files_past_their_time(now)
            for pid, worker in list(self._known.items()):
                code = worker.exitcode
                if code is not None:
                    del self._known[pid]
                    if code != 0:  # 0: a worker recycled on purpose
                        self._death_at = now
            waiting = False
            for task in self._tasks:
                running = task.running
                if running is None:
                    continue
                if task.started is None and running.running():
                    task.started = now
                    self._progress_at = now
                if task.started is None:
                    waiting = True
                elif now - task.started > task.wall + 10:
                    self._rebuild()  # pebble could not end it (its channel lock is held): a new pool can
                    return
            if self._death_at is not None and self._progress_at > self._death_at:
                self._death_at = None
            # Stuck is the channel lock held by a dead worker. A pool that is merely slow (a spawned worker still
            # importing, a loaded machine) leaves the lock free between its brief uses, so time without progress
            # alone is not stuck: the lock must have been found held at every look for STALL_SECONDS (5 × that
            # when every task is taken, lest a long result being sent be taken for a stall).
            if self._death_at is None or not self._tasks or not _channel_held(self._pool):
                self._held_since = None
                return
            if self._held_since is None:
                self._held_since = now
            if now - self._held_since > (STALL_SECONDS if waiting else 5 * STALL_SECONDS):
                self._rebuild()

    def _end_files_past_their_time(self, now: float) -> None:
        """(Under the lock.) In a chunk, pebble's timeout is the whole chunk's: end a worker whose current file has
        run past its own wall time, and remember it, so its death is that file's ``reader-timeout``."""
        for pid, worker in list(self._known.items()):
            if worker.exitcode is not None or pid in self._overtime:
                continue
            at = _progress(self._errors.name, pid)
            if at is not None and now - at[1] > self.limits.wall_seconds:
                self._overtime.add(pid)
                with contextlib.suppress(Exception):
                    worker.kill()

    def _schedule(self, task: _Task) -> None:
        """(Under the lock.) Run a task on the current pool; a pool that is not serving is replaced first."""
        task.tries += 1
        task.running = None
        for attempt in range(2):
            if attempt or not self._pool.active:
                self._rebuild()
            try:
                running = self._pool.schedule(task.function, args=task.args, timeout=task.wall)
                break
            except RuntimeError:  # broken between the look and the schedule
                continue
        else:
            self._settle(task, task.death(RuntimeError("the reader pool cannot start a worker")))
            return
        task.running = running
        running.add_done_callback(lambda done, task=task: self._done(task, done))

    def _retry(self, task: _Task, exc: BaseException) -> None:
        """(Under the lock.) A task whose pool broke: once more on a new pool, else that file's ERROR."""
        task.running = None
        if task.tries < TRIES and not self._closed:
            self._schedule(task)
        else:
            self._settle(task, task.death(exc))

    def _done(self, task: _Task, done: cf.Future) -> None:
        """pebble's callback: settle the task with its value, or retry it when its pool (not its file) failed."""
        with self._lock:
            if task.running is not done or task.result.done():
                return  # an earlier pool's future, for a task moved over
            try:
                value = done.result()
            except BaseException as exc:  # noqa: BLE001 - whatever ended the task, the file gets an answer
                if _pool_broke(exc) and not self._closed:
                    self._retry(task, exc)
                    return
                if task.again and not self._closed:  # the guard's screen let it by: the full scan has its say
                    task.function, task.args, task.again = _guarded_in_full, (task.function, *task.args), False
                    self._schedule(task)
                    return
                value = task.death(exc)
            self._settle(task, value)

    def _settle(self, task: _Task, value: Any) -> None:
        import time

        self._progress_at = time.monotonic()
        self._tasks.discard(task)
        with contextlib.suppress(cf.InvalidStateError):
            task.result.set_result(value)

    def _dispatch(self, function, args: tuple, death, wall: float | None = None, again: bool = False) -> cf.Future:
        """A future that always gets a value: the task's, or ``death(exc)`` for what ended it (with ``again``, after
        one more run guarded by the full scan only). ``wall``: the task's time limit (a chunk's is its files'
        together; each file's own is held by the doctor), by default one file's."""
        task = _Task(function, args, death, self.limits.wall_seconds if wall is None else wall, again)
        with self._lock:
            if self._closed:
                task.result.set_result(death(RuntimeError("the reader pool is closed")))
                return task.result
            self._tasks.add(task)
            self._schedule(task)
        return task.result

    def ping(self, timeout: float = 10.0) -> bool:
        """Whether a worker answers now: a round trip through the pool (``/healthz``)."""
        future = self._dispatch(_ping, (), lambda exc: None)
        try:
            return future.result(timeout=timeout) == "pong"
        except cf.TimeoutError:
            return False

    # -- one task ------------------------------------------------------------------------------------------

    def submit(self, job: Job) -> "cf.Future[Outcome]":
        """Start checking one workbook; the future's result is always an :class:`Outcome`, never an exception."""
        early = self._answer_here(job)
        if isinstance(early, Outcome):
            result: cf.Future[Outcome] = cf.Future()
            result.set_result(early)
            return result
        data, sha256 = early
        return self._dispatch(_work, (job, data, sha256), self._file_death(job, sha256), again=True)

    def _answer_here(self, job: Job) -> "Outcome | tuple[bytes, str]":
        """What the parent answers without a worker (a link to an earlier file, an unreadable file, a workbook this
        tool wrote), or else the file's bytes, read once, and their sha256, computed once."""
        from .workbook.guard import Limits, read_bytes
        from .errors import WorkbookError

        if job.refused is not None:
            return _error_outcome(job, job.refused, None)
        if job.same_as is not None:
            from ._text import visible
            from .findings import from_catalogue

            return _error_outcome(job, from_catalogue("same-file", job.path, other=visible(job.same_as)), None)
        try:
            data = read_bytes(job.path, Limits())
        except WorkbookError as exc:  # not a regular file, unreadable, too large: answered without a worker
            return _error_outcome(job, exc.finding, None)
        from ._files import is_own_output

        if is_own_output(data):
            return Outcome("", {}, skipped=True)
        return data, hashlib.sha256(data).hexdigest()

    def check(self, path: str, ruleset: str | None = None, lang: str = "zh", as_of: dt.date | None = None,
              plan: str | None = None, plan_costs: tuple[tuple[str, str], ...] = ()) -> dict:
        """The JSON report of one workbook, checked in a worker (with its plan to pass, if ``plan`` is asked)."""
        import json

        return json.loads(self.submit(Job(path, ruleset, lang, as_of, plan=plan, plan_costs=plan_costs)).result().line)

    def check_in(self, path: str, ruleset: str | None, langs: tuple[str, ...], as_of: dt.date | None = None,
                 plan: str | None = None) -> dict[str, dict]:
        """Language → the JSON report of one workbook, judged once in a worker and written out in each language."""
        import json

        outcome = self.submit(Job(path, ruleset, langs[0], as_of, plan=plan, also=langs[1:])).result()
        return {langs[0]: json.loads(outcome.line)} | {lang: json.loads(line) for lang, line in outcome.also}

    def read(self, path: str, today: dt.date | None = None):
        """What ``read_workbook`` makes of one file, read in a worker; a dead worker is a :class:`WorkbookError`."""
        from .workbook.guard import Limits, read_bytes
        from .errors import WorkbookError

        data = read_bytes(path, Limits())
        kind, value = self._dispatch(_read_work, (path, data, today),
                                     lambda exc: ("error", self._death_finding(path, exc))).result()
        if kind == "error":
            raise WorkbookError(value)
        return value

    def map(self, jobs: Iterable[Job], chunk: int = CHUNK_FILES, total: int | None = None) -> Iterator[Outcome]:
        """Outcomes in input order, up to ``chunk`` workbooks a task, with two tasks in flight per worker (so memory
        stays bounded). With ``total`` (how many jobs there are), the chunks shrink as the end nears, so that no
        worker is left with a whole chunk to check while the others have nothing."""
        window = self.workers * 2
        pending: deque[cf.Future[list[Outcome]]] = deque()
        it = iter(jobs)
        sent = [0]

        def more() -> bool:
            size = max(1, chunk)
            if total is not None:
                size = max(1, min(size, (total - sent[0]) // (2 * self.workers)))
            jobs_ = list(itertools.islice(it, size))
            sent[0] += len(jobs_)
            if jobs_:
                pending.append(self.submit_chunk(jobs_))
            return bool(jobs_)

        while len(pending) < window and more():
            pass  # more() sends the next chunk: fill the window
        while pending:
            outcomes = pending.popleft().result()
            more()
            yield from outcomes

    def submit_chunk(self, jobs: list[Job]) -> "cf.Future[list[Outcome]]":
        """Start checking several workbooks in one task; the future's result is their outcomes, in order.

        Each file is read, hashed and screened here as :meth:`submit` does. A worker that dies in the chunk costs
        the file it was on (its ``_mark``) that file's ERROR, as if it had been a task of its own; the chunk's other
        files are checked again one by one. Where no file was being checked (a worker killed between two), none
        is blamed and all are checked again.
        """
        outcomes: list[Outcome | None] = [None] * len(jobs)
        items, where = [], []
        for i, job in enumerate(jobs):
            early = self._answer_here(job)
            if isinstance(early, Outcome):
                outcomes[i] = early
            else:
                items.append((job, *early))
                where.append(i)
        result: cf.Future[list[Outcome]] = cf.Future()
        if not items:
            result.set_result(outcomes)  # type: ignore[arg-type]
            return result
        function = _work  # looked up now: a test may have replaced it, and a spawned worker finds it by name

        def died(exc: BaseException) -> _ChunkDied:
            return _ChunkDied(exc, self._blamed(exc))

        def finished(done: cf.Future) -> None:
            nonlocal items, where, outcomes, result
            value = done.result()
            with self._lock:
                self._chunks -= 1
            if not isinstance(value, _ChunkDied):
                for i, (line, keys) in zip(where, value):
                    outcomes[i] = Outcome(line, dict(zip(_KEY_NAMES, keys)))
                # The task (its arguments) and this function stay referenced by the task's future, which pebble
                # keeps in a reference cycle that only the collector's full pass frees: what they hold (the
                # chunk's files, their reports) is let go now rather than then, a thousand files' bytes later.
                answer, answered = result, outcomes
                items.clear()  # the list the task was given (sent to its worker already)
                value.clear()  # the list the future holds as its result (its lines are the outcomes' now)
                items = where = outcomes = result = None  # type: ignore[assignment]
                answer.set_result(answered)  # type: ignore[arg-type]
                return
            again = []
            for n, (i, (job, data, sha256)) in enumerate(zip(where, items)):
                if n == value.at:  # the file its worker died on: once more, guarded by the full scan only (as submit)
                    again.append((i, self._dispatch(_guarded_in_full, (function, job, data, sha256),
                                                    self._file_death(job, sha256))))
                else:
                    again.append((i, self._dispatch(function, (job, data, sha256),
                                                    self._file_death(job, sha256), again=True)))
            if not again:
                result.set_result(outcomes)  # type: ignore[arg-type]
                return
            left = [len(again)]
            lock = threading.Lock()

            def one_done(i: int, future: cf.Future) -> None:
                outcomes[i] = future.result()
                with lock:
                    left[0] -= 1
                    last = left[0] == 0
                if last:
                    result.set_result(outcomes)  # type: ignore[arg-type]

            for i, future in again:
                future.add_done_callback(lambda f, i=i: one_done(i, f))

        with self._lock:
            self._chunks += 1
        self._dispatch(_work_chunk, (function, items), died,
                       wall=self.limits.wall_seconds * len(items) + 5).add_done_callback(finished)
        return result

    def _blamed(self, exc: BaseException) -> int | None:
        """The index, in its chunk, of the file a dead worker was checking (None: none, or not known)."""
        pid = getattr(exc, "pid", None)
        if pid is None:
            return None
        at = _progress(self._errors.name, pid)
        return None if at is None else at[0]

    def _file_death(self, job: Job, sha256: str | None):
        return lambda exc: _error_outcome(job, self._death_finding(job.path, exc), sha256)

    # -- a worker's death ----------------------------------------------------------------------------------

    def _death_finding(self, path: str, exc: BaseException):
        import pebble

        from .findings import reader_failure

        if isinstance(exc, MemoryError):
            return reader_failure("reader-out-of-memory", path, mib=self.limits.memory_bytes // MiB)
        if isinstance(exc, cf.TimeoutError):
            return reader_failure("reader-timeout", path, seconds=self.limits.wall_seconds)
        if isinstance(exc, pebble.ProcessExpired):
            if exc.pid in self._overtime:  # the doctor ended it: a chunk's file past its own wall time
                self._overtime.discard(exc.pid)
                _worker_stderr(self._errors.name, exc.pid)
                return reader_failure("reader-timeout", path, seconds=self.limits.wall_seconds)
            return _death(path, self.limits, exc.exitcode, _worker_stderr(self._errors.name, exc.pid))
        return reader_failure("reader-crashed", path, how=type(exc).__name__)


def _death(path: str, limits: WorkerLimits, code: int | None, said: str):
    """The finding for a worker that died with exit ``code`` (negative: a signal), having written ``said``."""
    from .findings import reader_failure

    if code == EXIT_OUT_OF_MEMORY or "memory allocation of" in said or "MemoryError" in said:
        return reader_failure("reader-out-of-memory", path, mib=limits.memory_bytes // MiB)
    if code == -getattr(signal, "SIGXCPU", -999):
        return reader_failure("reader-timeout", path, seconds=limits.cpu_seconds)
    return reader_failure("reader-crashed", path, how=_how_it_died(code))


def _worker_stderr(errors_dir: str, pid: int | None) -> str:
    """The end of a dead worker's private standard error (then removed, with its progress record)."""
    if pid is None:
        return ""
    name = os.path.join(errors_dir, f"{pid}.err")
    with contextlib.suppress(OSError):
        os.unlink(os.path.join(errors_dir, f"{pid}.at"))
    try:
        with open(name, "rb") as handle:
            handle.seek(max(0, os.path.getsize(name) - 8192))
            return handle.read().decode("utf-8", "replace")
    except OSError:
        return ""
    finally:
        with contextlib.suppress(OSError):
            os.unlink(name)


# --- one file, one child: ``incubator-check check`` -------------------------------------------------------------

# A one-file check's child may take this long to start (import the checker) before its file's wall time starts.
START_SECONDS = 60.0


def check_once(job: Job, limits: WorkerLimits | None = None, context: str | None = None,
               write: Any = None, early: Any = None) -> Outcome:
    """One workbook checked in one supervised child, without a pool: what ``check`` needs, and no more.

    The child is started first (forked before the checker is imported, or spawned) and imports the checker itself,
    so the parent never pays for pebble, its asyncio, or the checker's own imports. It holds a worker's limits
    (``_limit_this_process``, RLIMIT_CPU armed for the file) and its death gives the same findings as a pool
    worker's (``_death``); its wall time starts when it has read the file (it sends the sha256 first, so a death
    report still names the bytes). ``write``, a function of the report's JSON line (module-level, so a spawned
    child finds it), writes the report as the command shows it, in the child: the outcome's ``text``. ``early``, a
    child the command started before it imported anything (``_early.EarlyChild``), is used in place of a new one.

    A child that died (or ran out of time) on the file is followed by one more, whose guard runs the full scan only,
    as the pool does: a file the guard's screen let by gets the full scan's finding, and only a file that kills
    that child too is the death's ERROR.
    """
    limits = limits or WorkerLimits()
    outcome = _check_in_one_child(job, limits, context, write, full=False, early=early)
    if outcome is _EARLY_CHILD_LOST:
        outcome = _check_in_one_child(job, limits, context, write, full=False)
    if outcome is None:
        outcome = _check_in_one_child(job, limits, context, write, full=True)
    return outcome


# The child started with the program (``_early``) ended before it opened the file: not the file's doing (it was
# importing, or waiting for its job), so the file gets a child of its own, as if there had been no early one.
_EARLY_CHILD_LOST = object()


def _check_in_one_child(job: Job, limits: WorkerLimits, context: str | None, write: Any, full: bool,
                        early: Any = None) -> Any:
    """One child of :func:`check_once` (``early``: the one started with the program, if any): its outcome;
    when it died on the file and ``full`` is not yet set, None; ``_EARLY_CHILD_LOST``."""
    import multiprocessing
    import time

    errors = tempfile.TemporaryDirectory(prefix="incubator-check-workers-")
    process = None
    try:
        context = context or _default_context()
        started = _started_child(early, job, limits, errors.name, write) if early is not None else None
        if started is not None:  # started with the program, the checker imported meanwhile (``_early``)
            process, receive = started
        else:
            method = multiprocessing.get_context(context)
            receive, send = method.Pipe(duplex=False)
            process = method.Process(target=_check_in_child, args=(send, _work, job, limits, errors.name, write, full),
                                     daemon=True, name="incubator-check-reader")
            process.start()
            send.close()
        sha256, finding = None, None
        deadline = time.monotonic() + START_SECONDS
        while True:
            if not receive.poll(max(0.0, deadline - time.monotonic())):
                process.kill()
                if sha256 is not None and not full:
                    return None  # the file's wall time: once more, under the full scan
                seconds = limits.wall_seconds if sha256 is not None else START_SECONDS
                from .findings import reader_failure

                finding = reader_failure("reader-timeout", job.path, seconds=seconds)
                break
            try:
                kind, value = receive.recv()
            except (EOFError, OSError):  # the child died: its exit code says how
                break
            if kind == "sha256":
                sha256, deadline = value, time.monotonic() + limits.wall_seconds
            else:
                process.join()
                return value
        process.join()
        if finding is None:
            said = _worker_stderr(errors.name, process.pid)
            if started is not None and sha256 is None:
                return _EARLY_CHILD_LOST
            if sha256 is not None and not full:
                return None  # it died on the file: once more, under the full scan
            finding = _death(job.path, limits, process.exitcode, said)
        return _error_outcome(job, finding, sha256)
    finally:
        if process is not None and process.is_alive():
            process.kill()
            process.join()
        errors.cleanup()


def _started_child(early, job: Job, limits: WorkerLimits, errors_dir: str, write):
    """The child the command started early (``_early``), given this job: (process, its result pipe), or None when
    the job cannot reach it (then a child is started as before)."""
    try:
        early.give_job.send((_work, job, limits, errors_dir, write))  # _work as this process sees it (a test's)
    except Exception:  # noqa: BLE001 - what cannot be pickled (a test's function) goes the usual way
        early.drop()
        return None
    early.give_job.close()
    return early.process, early.receive


def _check_in_child(send, function, job: Job, limits: WorkerLimits, errors_dir: str, write, full: bool = False) -> None:
    """In the child of :func:`check_once`: the limits, the file read once and hashed, then checked (``function`` is
    ``_work``, as the parent saw it: a test may have replaced it, and a spawned child finds it by name); with
    ``full``, the workbook is guarded by the full scan only."""
    _limit_this_process(limits, errors_dir)
    prepare_environment()  # a spawned child's: what a forked one inherits
    with collector_paused():
        from . import _check  # noqa: F401 - the checker imported before the file's wall time starts
        import gc

        gc.freeze()  # what the import made lives as long as the child: never walked by the collector
    from .workbook.guard import Limits, read_bytes
    from .errors import WorkbookError

    try:
        data = read_bytes(job.path, Limits())
    except WorkbookError as exc:  # not a regular file, unreadable, too large: that file's ERROR
        send.send(("outcome", _error_outcome(job, exc.finding, None)))
        return
    sha256 = hashlib.sha256(data).hexdigest()
    send.send(("sha256", sha256))
    outcome = _guarded_in_full(function, job, data, sha256) if full else function(job, data, sha256)
    text = write(outcome.line) if write is not None else None
    send.send(("outcome", Outcome(outcome.line, {"verdict": outcome.keys["verdict"]}, also=outcome.also,
                                  text=text)))  # the batch's keys are not needed


def _stop_quietly(pool) -> None:
    """Stop a replaced pebble pool and its workers (in its own thread: never from one of that pool's threads)."""
    with contextlib.suppress(Exception):
        pool.stop()
        pool.join(timeout=30)


def _ping() -> str:
    return "pong"


def _how_it_died(code: int | None) -> str:
    if code is not None and code < 0:
        with contextlib.suppress(ValueError):
            return signal.Signals(-code).name
        return f"signal {-code}"
    return f"exit code {code}"


def _error_outcome(job: Job, finding, sha256: str | None) -> Outcome:
    from ._check import error_report

    return _outcome(job, error_report(job.path, finding, job.lang, sha256=sha256), None)


def _outcome(job: Job, report, submission) -> Outcome:
    """A job's report written out (under the name the job shows) with the cross-check's keys."""
    if job.shown is not None:
        report.source["path"] = job.shown
    return Outcome(report.as_json_text(), _keys(report, submission), also=_also(report, job))


def _also(report, job: Job) -> tuple[tuple[str, str], ...]:
    """The same report written out in the job's other languages: judged once, read in each language."""
    return tuple((lang, report.in_language(lang).as_json_text()) for lang in job.also)


class _ChunkDied:
    """What a chunk task settles with when its worker died: the death, and which of its files was being checked."""

    __slots__ = ("exc", "at")

    def __init__(self, exc: BaseException, at: int | None):
        self.exc, self.at = exc, at


# A chunk's outcome per file is (JSON line, these keys' values in this order): a tuple pickles smaller and faster.
_KEY_NAMES = ("verdict", "operator_uscc", "operator_name", "name", "province", "level", "sha256", "tenants")

# A worker's progress record (``_mark``): fixed width, rewritten in place, so a reader never sees half of one.
_MARK_WIDTH = 40


def _progress(errors_dir: str, pid: int) -> tuple[int, float] | None:
    """The file a worker is checking in its chunk (index, since when, on the monotonic clock), or None between files."""
    try:
        with open(os.path.join(errors_dir, f"{pid}.at"), "rb") as handle:
            fields = handle.read(_MARK_WIDTH).split()
        return (int(fields[0]), float(fields[1])) if len(fields) == 2 else None
    except (OSError, ValueError):
        return None


def _keys(report, submission) -> dict[str, Any]:
    incubator = report.incubator or {}
    return {
        "verdict": report.verdict.value,
        "operator_uscc": incubator.get("operator_uscc"),
        "operator_name": incubator.get("operator_name"),
        "name": incubator.get("name"),
        "province": incubator.get("province"),
        "level": incubator.get("level"),
        "sha256": (report.source or {}).get("sha256"),
        # (USCC, row, name, registration date): matched by USCC, and by name and date to catch a typo in a USCC
        "tenants": [] if submission is None else [
            (t.uscc, t.row, t.name, t.registered_on.isoformat() if t.registered_on else None)
            for t in submission.tenants if t.uscc or (t.name and t.registered_on)],
    }


# --- in the worker ----------------------------------------------------------------------------------------

def _init_worker(limits: WorkerLimits, errors_dir: str) -> None:
    """Once per worker: its stderr to a private file, Ctrl-C left to the parent, the memory limit, the watchdog."""
    _limit_this_process(limits, errors_dir)
    global _MARK_FD
    with contextlib.suppress(OSError, ValueError):
        _MARK_FD = os.open(os.path.join(errors_dir, f"{os.getpid()}.at"), os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
    if limits.recycle_bytes:
        _retire_when_told()
    # Import the reader and the judge now, while the parent is still starting up (a one-file check overlaps the
    # two), rather than when the first workbook arrives; a spawned worker prepares what a forked one inherits.
    prepare_environment()
    import gc

    with collector_paused():  # no garbage among what an import makes: the collector's passes are waste
        from . import _check  # noqa: F401
        gc.freeze()  # what start-up made lives as long as the worker: the collector need not walk it for every roster


def _limit_this_process(limits: WorkerLimits, errors_dir: str) -> None:
    """A worker's (or a one-file check's child's) limits: its standard error to a private file, Ctrl-C left to the
    parent, the memory limit (RLIMIT_AS, or the watchdog)."""
    with contextlib.suppress(OSError, ValueError):
        fd = os.open(os.path.join(errors_dir, f"{os.getpid()}.err"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(fd, 2)
        os.close(fd)
    with contextlib.suppress(ValueError, OSError, AttributeError):
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what Ctrl-C means
    with contextlib.suppress(Exception):  # an initializer that raises would break the pool: never
        import faulthandler

        if faulthandler.is_enabled():  # keep its dump of a crash in the private file, off the user's console
            faulthandler.enable(file=2)
    hard_limit = False
    if limits.memory_mode in ("auto", "address-space"):
        try:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
            hard_limit = sys.platform.startswith("linux")  # macOS accepts RLIMIT_AS but does not enforce it
        except (ImportError, ValueError, OSError, AttributeError):
            pass  # no address-space limit here: the watchdog below holds instead
    if limits.memory_mode == "watchdog" or (limits.memory_mode == "auto" and not hard_limit):
        threading.Thread(target=_watchdog, args=(limits.memory_bytes,), daemon=True, name="memory-watchdog").start()
    global _LIMITS
    _LIMITS = limits


_LIMITS = WorkerLimits()
_MARK_FD: int | None = None  # this worker's progress record (``_mark``)
_RETIRING = False  # set after a task that left this worker above ``recycle_bytes``: it takes no further task


def _retire_when_told() -> None:
    """Make this worker end cleanly (exit 0, between tasks) once it is told to retire.

    pebble recycles a worker after ``max_tasks`` by ending its task loop; here the same loop ends before the
    next task is fetched, so no task is ever lost and pebble starts a fresh worker. Where pebble's loop is not
    as expected (another version), workers are recycled by task count only.
    """
    with contextlib.suppress(Exception):
        from pebble.pool import process as loop

        fetch = loop.fetch_task

        def fetch_unless_retiring(channel):
            if _RETIRING:
                raise EOFError  # pebble's worker ends its loop on EOFError and exits 0
            return fetch(channel)

        loop.fetch_task = fetch_unless_retiring


def _after_task() -> None:
    """After a task: retire this worker if the task left it holding more than ``recycle_bytes``."""
    global _RETIRING
    if _LIMITS.recycle_bytes:
        resident = _resident_bytes()
        if resident is not None and resident > _LIMITS.recycle_bytes:
            _RETIRING = True


def _arm_cpu_limit(seconds: int) -> None:
    """RLIMIT_CPU counts the worker's whole life; move the soft limit to this task's start plus its allowance."""
    try:
        import resource
    except ImportError:
        return
    with contextlib.suppress(ValueError, OSError):
        used = resource.getrusage(resource.RUSAGE_SELF)
        spent = int(used.ru_utime + used.ru_stime) + 1
        _, hard = resource.getrlimit(resource.RLIMIT_CPU)
        soft = spent + seconds
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _guarded_in_full(function, *args):
    """In a worker: a task once more after a worker died on it, its workbook guarded by the full scan only."""
    from .workbook.guard import full_scan_only

    with full_scan_only():
        return function(*args)


def _work(job: Job, data: bytes, sha256: str) -> Outcome:
    """In a worker: check one workbook from its bytes; a MemoryError is that file's out-of-memory ERROR.

    The cyclic collector is paused for the whole task, the report's writing out included, and resumes once the
    report and the submission are freed. Resumed as soon as the check was done (as ``check_with_submission``
    alone has it), it ran one pass a workbook over the report and the roster while they were still alive and
    young, and freed nothing: 0.18 ms of ~7.8 per 100-tenant workbook. Freed first, they leave it nothing to
    walk, and it runs about once in a hundred workbooks."""
    with collector_paused():
        return _work_paused(job, data, sha256)


def _work_paused(job: Job, data: bytes, sha256: str) -> Outcome:
    _arm_cpu_limit(_LIMITS.cpu_seconds)
    from ._check import check_with_submission, error_report
    from .findings import reader_failure

    submission = None
    try:
        plan = None
        if job.plan is not None:
            from decimal import Decimal

            from .plan import PlanOptions

            plan = PlanOptions(worst=job.plan == "worst", costs={k: Decimal(v) for k, v in job.plan_costs},
                               as_of=job.as_of)
        report, submission = check_with_submission(job.path, job.ruleset, lang=job.lang, as_of=job.as_of,
                                                   data=data, sha256=sha256, plan=plan)
    except MemoryError:
        report = error_report(job.path, reader_failure("reader-out-of-memory", job.path,
                                                       mib=_LIMITS.memory_bytes // MiB), job.lang, sha256=sha256)
    except Exception as exc:  # noqa: BLE001 - a bug must cost one file, not the batch; named so it can be reported
        report = error_report(job.path, reader_failure("internal-error", job.path, how=type(exc).__name__),
                              job.lang, sha256=sha256)
    outcome = _outcome(job, report, submission)
    del report, submission
    _after_task()
    return outcome


def _mark(index: int | None) -> None:
    """Note, for the parent, which file of its chunk this worker is checking (and since when), or none."""
    if _MARK_FD is None:
        return
    import time

    record = b"-" if index is None else b"%d %.3f" % (index, time.monotonic())
    with contextlib.suppress(OSError):
        os.lseek(_MARK_FD, 0, os.SEEK_SET)
        os.write(_MARK_FD, record.ljust(_MARK_WIDTH))


def _work_chunk(function, items: list[tuple[Job, bytes, str]]) -> list[tuple[str, tuple]]:
    """In a worker: check a chunk's workbooks one by one (``function`` is ``_work``), each under its own limits;
    only the JSON line and the cross-check's keys come back."""
    out = []
    for index, (job, data, sha256) in enumerate(items):
        _mark(index)
        try:
            outcome = function(job, data, sha256)
        finally:
            _mark(None)
        keys = outcome.keys
        out.append((outcome.line, tuple(keys[name] for name in _KEY_NAMES)))
    return out


def _read_work(path: str, data: bytes, today: dt.date | None):
    """In a worker: ``read_workbook`` on the bytes; a refusal comes back as data (exceptions do not pickle well)."""
    _arm_cpu_limit(_LIMITS.cpu_seconds)
    from .workbook.reader import read_workbook
    from .errors import WorkbookError

    try:
        with collector_paused():
            answer = "result", read_workbook(path, today=today, data=data)
        _after_task()
        return answer
    except WorkbookError as exc:
        return "error", exc.finding
    except MemoryError:
        from .findings import reader_failure

        return "error", reader_failure("reader-out-of-memory", path, mib=_LIMITS.memory_bytes // MiB)


def _resident_bytes() -> int | None:
    """This process's resident memory, without a third-party library."""
    if sys.platform.startswith("linux"):
        try:
            with open("/proc/self/statm", "rb") as handle:
                return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            return None
    if sys.platform == "win32":
        import ctypes
        from ctypes import wintypes

        class Counters(ctypes.Structure):
            _fields_ = [("cb", wintypes.DWORD), ("PageFaultCount", wintypes.DWORD),
                        ("PeakWorkingSetSize", ctypes.c_size_t), ("WorkingSetSize", ctypes.c_size_t),
                        ("QuotaPeakPagedPoolUsage", ctypes.c_size_t), ("QuotaPagedPoolUsage", ctypes.c_size_t),
                        ("QuotaPeakNonPagedPoolUsage", ctypes.c_size_t), ("QuotaNonPagedPoolUsage", ctypes.c_size_t),
                        ("PagefileUsage", ctypes.c_size_t), ("PeakPagefileUsage", ctypes.c_size_t),
                        ("PrivateUsage", ctypes.c_size_t)]

        counters = Counters()
        counters.cb = ctypes.sizeof(Counters)
        process = ctypes.windll.kernel32.GetCurrentProcess()
        if ctypes.windll.psapi.GetProcessMemoryInfo(process, ctypes.byref(counters), counters.cb):
            return int(max(counters.PrivateUsage, counters.WorkingSetSize))
        return None
    try:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == "darwin" else 1024)
    except (ImportError, OSError):
        return None


def _watchdog(limit: int) -> None:
    """Where the platform has no address-space limit: end the worker when its memory passes ``limit``."""
    import time

    while True:
        resident = _resident_bytes()
        if resident is None:
            return
        if resident > limit:
            os._exit(EXIT_OUT_OF_MEMORY)
        time.sleep(0.02)
