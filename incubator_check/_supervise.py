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
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import datetime as dt
import hashlib
import os
import signal
import sys
import tempfile
import threading
from collections import deque
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

MiB = 1 << 20

# A worker ended by its own watchdog exits with this code (no signal is involved on Windows).
EXIT_OUT_OF_MEMORY = 86

# pebble's manager threads wake every ``CONSTS.sleep_unit`` (0.1 s) to look at timeouts and workers, and
# ``join()`` waits for their next wake-up: on average 50 ms added to every ``check`` command. Polling at
# 100 Hz costs a few microseconds a wake-up; timeouts are then noticed within 10 ms instead of 100 ms.
POLL_SECONDS = 0.01


@dataclass(frozen=True)
class WorkerLimits:
    """What one workbook's parse may cost in its worker. The defaults are documented in docs/limits.md."""

    memory_bytes: int = 2048 * MiB  # address space (RLIMIT_AS), or resident memory under the watchdog
    wall_seconds: float = 60.0  # per workbook, from the moment a worker takes it
    cpu_seconds: int = 60  # per workbook (RLIMIT_CPU, re-armed for each task)
    # How memory is held: "address-space" (RLIMIT_AS: a hard limit, Linux), "watchdog" (a thread that ends the
    # worker when its resident memory passes the limit: Windows, macOS), or "auto" (the first where it holds).
    memory_mode: str = "auto"


@dataclass(frozen=True)
class Job:
    """One workbook to check: its path (as shown in the report), and how to check it."""

    path: str
    ruleset: str | None = None
    lang: str = "zh"
    as_of: dt.date | None = None
    shown: str | None = None  # the path as the report gives it (in a batch: relative to the folder given)
    same_as: str | None = None  # in a batch: the earlier entry this one is the same file as (a link to it)


@dataclass(frozen=True)
class Outcome:
    """What comes back from a worker: the report as JSON text, and the identifiers the batch's cross-check needs."""

    line: str
    keys: dict[str, Any]
    skipped: bool = False  # a workbook this tool wrote (a summary saved in the folder): not an application


def _default_context() -> str:
    # fork is the cheapest start on Linux (the child starts with the parent's imports); macOS and Windows spawn.
    return "fork" if sys.platform.startswith("linux") else "spawn"


class ReaderPool:
    """A pool of supervised reader workers. One per command or per web app; ``close()`` (or ``with``) ends it."""

    def __init__(self, workers: int = 1, limits: WorkerLimits | None = None, context: str | None = None):
        import multiprocessing

        import pebble
        from pebble.common import CONSTS

        CONSTS.sleep_unit = POLL_SECONDS
        self.limits = limits or WorkerLimits()
        self.workers = max(1, workers)
        self._errors = tempfile.TemporaryDirectory(prefix="incubator-check-workers-")
        self._pool = pebble.ProcessPool(max_workers=self.workers, initializer=_init_worker,
                                        initargs=(self.limits, self._errors.name),
                                        context=multiprocessing.get_context(context or _default_context()))
        self._lock = threading.Lock()

    def __enter__(self) -> "ReaderPool":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self, now: bool = False) -> None:
        """Stop the workers (at once with ``now``, e.g. on Ctrl-C) and remove their private files."""
        with contextlib.suppress(Exception):
            if now:
                self._pool.stop()
            else:
                self._pool.close()
            self._pool.join()
        self._errors.cleanup()

    # -- one task ------------------------------------------------------------------------------------------

    def submit(self, job: Job) -> "cf.Future[Outcome]":
        """Start checking one workbook; the future's result is always an :class:`Outcome`, never an exception."""
        from .workbook.guard import Limits, read_bytes
        from .errors import WorkbookError

        result: cf.Future[Outcome] = cf.Future()
        if job.same_as is not None:
            from ._text import visible
            from .findings import from_catalogue

            result.set_result(_error_outcome(job, from_catalogue("same-file", job.path, other=visible(job.same_as)), None))
            return result
        try:
            data = read_bytes(job.path, Limits())
        except WorkbookError as exc:  # not a regular file, unreadable, too large: answered without a worker
            result.set_result(_error_outcome(job, exc.finding, None))
            return result
        from ._files import is_own_output

        if is_own_output(data):
            result.set_result(Outcome("", {}, skipped=True))
            return result
        sha256 = hashlib.sha256(data).hexdigest()
        with self._lock:
            task = self._pool.schedule(_work, args=(job, data, sha256), timeout=self.limits.wall_seconds)

        def settle(done: cf.Future) -> None:
            try:
                result.set_result(done.result())
            except BaseException as exc:  # noqa: BLE001 - whatever ended the task, the file gets its ERROR
                result.set_result(_error_outcome(job, self._death_finding(job.path, exc), sha256))

        task.add_done_callback(settle)
        return result

    def check(self, path: str, ruleset: str | None = None, lang: str = "zh", as_of: dt.date | None = None) -> dict:
        """The JSON report of one workbook, checked in a worker."""
        import json

        return json.loads(self.submit(Job(path, ruleset, lang, as_of)).result().line)

    def read(self, path: str, today: dt.date | None = None):
        """What ``read_workbook`` makes of one file, read in a worker; a dead worker is a :class:`WorkbookError`."""
        from .workbook.guard import Limits, read_bytes
        from .errors import WorkbookError

        data = read_bytes(path, Limits())
        with self._lock:
            task = self._pool.schedule(_read_work, args=(path, data, today), timeout=self.limits.wall_seconds)
        try:
            kind, value = task.result()
        except BaseException as exc:  # noqa: BLE001 - the worker died: the file's own error
            raise WorkbookError(self._death_finding(path, exc)) from None
        if kind == "error":
            raise WorkbookError(value)
        return value

    def map(self, jobs: Iterable[Job]) -> Iterator[Outcome]:
        """Outcomes in input order, with a few tasks in flight per worker, so memory stays bounded."""
        window = self.workers * 4
        pending: deque[cf.Future[Outcome]] = deque()
        it = iter(jobs)
        for job in it:
            pending.append(self.submit(job))
            if len(pending) >= window:
                break
        while pending:
            yield pending.popleft().result()
            nxt = next(it, None)
            if nxt is not None:
                pending.append(self.submit(nxt))

    # -- a worker's death ----------------------------------------------------------------------------------

    def _death_finding(self, path: str, exc: BaseException):
        import pebble

        from .findings import reader_failure

        if isinstance(exc, MemoryError):
            return reader_failure("reader-out-of-memory", path, mib=self.limits.memory_bytes // MiB)
        if isinstance(exc, cf.TimeoutError):
            return reader_failure("reader-timeout", path, seconds=self.limits.wall_seconds)
        if isinstance(exc, pebble.ProcessExpired):
            code = exc.exitcode
            said = self._worker_stderr(exc.pid)
            if code == EXIT_OUT_OF_MEMORY or "memory allocation of" in said or "MemoryError" in said:
                return reader_failure("reader-out-of-memory", path, mib=self.limits.memory_bytes // MiB)
            if code == -getattr(signal, "SIGXCPU", -999):
                return reader_failure("reader-timeout", path, seconds=self.limits.cpu_seconds)
            return reader_failure("reader-crashed", path, how=_how_it_died(code))
        return reader_failure("reader-crashed", path, how=type(exc).__name__)

    def _worker_stderr(self, pid: int | None) -> str:
        if pid is None:
            return ""
        name = os.path.join(self._errors.name, f"{pid}.err")
        try:
            with open(name, "rb") as handle:
                handle.seek(max(0, os.path.getsize(name) - 8192))
                return handle.read().decode("utf-8", "replace")
        except OSError:
            return ""
        finally:
            with contextlib.suppress(OSError):
                os.unlink(name)


def _how_it_died(code: int | None) -> str:
    if code is not None and code < 0:
        with contextlib.suppress(ValueError):
            return signal.Signals(-code).name
        return f"signal {-code}"
    return f"exit code {code}"


def _error_outcome(job: Job, finding, sha256: str | None) -> Outcome:
    from ._check import error_report
    from ._text import dumps

    data = error_report(job.path, finding, job.lang, sha256=sha256).as_json()
    if job.shown is not None:
        data["source"]["path"] = job.shown
    return Outcome(dumps(data), _keys(data, None))


def _keys(data: dict[str, Any], submission) -> dict[str, Any]:
    incubator = data.get("incubator") or {}
    return {
        "verdict": data["verdict"],
        "operator_uscc": incubator.get("operator_uscc"),
        "operator_name": incubator.get("operator_name"),
        "name": incubator.get("name"),
        "province": incubator.get("province"),
        "level": incubator.get("level"),
        "sha256": (data.get("source") or {}).get("sha256"),
        # (USCC, row, name, registration date): matched by USCC, and by name and date to catch a typo in a USCC
        "tenants": [] if submission is None else [
            (t.uscc, t.row, t.name, t.registered_on.isoformat() if t.registered_on else None)
            for t in submission.tenants if t.uscc or (t.name and t.registered_on)],
    }


# --- in the worker ----------------------------------------------------------------------------------------

def _init_worker(limits: WorkerLimits, errors_dir: str) -> None:
    """Once per worker: its stderr to a private file, Ctrl-C left to the parent, the memory limit, the watchdog."""
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
    # Import the reader and the judge now, while the parent is still starting up (a one-file check overlaps the
    # two), rather than when the first workbook arrives.
    from . import _check  # noqa: F401
    import gc

    gc.freeze()  # what start-up made lives as long as the worker: the collector need not walk it for every roster


_LIMITS = WorkerLimits()


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


def _work(job: Job, data: bytes, sha256: str) -> Outcome:
    """In a worker: check one workbook from its bytes; a MemoryError is that file's out-of-memory ERROR."""
    _arm_cpu_limit(_LIMITS.cpu_seconds)
    from ._check import check_with_submission, error_report
    from ._text import dumps
    from .findings import reader_failure

    submission = None
    try:
        report, submission = check_with_submission(job.path, job.ruleset, lang=job.lang, as_of=job.as_of,
                                                   data=data, sha256=sha256)
    except MemoryError:
        report = error_report(job.path, reader_failure("reader-out-of-memory", job.path,
                                                       mib=_LIMITS.memory_bytes // MiB), job.lang, sha256=sha256)
    except Exception as exc:  # noqa: BLE001 - a bug must cost one file, not the batch; named so it can be reported
        report = error_report(job.path, reader_failure("internal-error", job.path, how=type(exc).__name__),
                              job.lang, sha256=sha256)
    data_ = report.as_json()
    if job.shown is not None:
        data_["source"]["path"] = job.shown
    return Outcome(dumps(data_), _keys(data_, submission))


def _read_work(path: str, data: bytes, today: dt.date | None):
    """In a worker: ``read_workbook`` on the bytes; a refusal comes back as data (exceptions do not pickle well)."""
    _arm_cpu_limit(_LIMITS.cpu_seconds)
    from ._check import collector_paused
    from .workbook.reader import read_workbook
    from .errors import WorkbookError

    try:
        with collector_paused():
            return "result", read_workbook(path, today=today, data=data)
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
