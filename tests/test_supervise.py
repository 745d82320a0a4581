"""The supervised reader (``_supervise.py``): a worker that dies costs its own file an ERROR, and the pool goes on.

The deaths are real: the guard is switched off so python-calamine's native code aborts on a crafted file,
or the worker's task is replaced by one that aborts, hangs, burns CPU or eats memory. Each test then
checks the next workbook in the same pool, which must read as if nothing had happened.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hostile_corpus import build_corpus
from incubator_check import _supervise
from incubator_check.workbook import guard as _guard
from incubator_check._batch import run_batch
from incubator_check._supervise import Job, ReaderPool, WorkerLimits

FIXTURES = Path(__file__).parent.parent / "fixtures"
GOOD = os.fspath(FIXTURES / "standard-pass.xlsx")

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork and RLIMIT_AS: Linux only")


# Tasks a worker runs in place of the real one: pebble sends a worker the task by name (test_supervise._abort),
# and a spawned worker imports this module to find it, so they hold under fork and spawn alike.
def _abort(job, data, sha256):
    if job.path.endswith("bad.xlsx"):
        os.abort()
    return _REAL_WORK(job, data, sha256)


def _segfault(job, data, sha256):
    import ctypes

    if job.path.endswith("bad.xlsx"):
        ctypes.string_at(0)
    return _REAL_WORK(job, data, sha256)


def _hang(job, data, sha256):
    if job.path.endswith("bad.xlsx"):
        time.sleep(600)
    return _REAL_WORK(job, data, sha256)


def _spin(job, data, sha256):
    _supervise._arm_cpu_limit(_supervise._LIMITS.cpu_seconds)
    if job.path.endswith("bad.xlsx"):
        while True:
            pass
    return _REAL_WORK(job, data, sha256)


def _grow(job, data, sha256):
    """Memory that grows a little at a time, as a parse does: the watchdog has to notice it."""
    if job.path.endswith("bad.xlsx"):
        held = []
        for _ in range(400):
            held.append(bytearray(8 << 20))  # touched, so resident
            time.sleep(0.005)
    return _REAL_WORK(job, data, sha256)


def _unguarded(job, data, sha256):
    """The real task, in a worker whose guard lets everything through: as if the guard missed the trick. Set in
    the worker itself, so that it holds however the worker starts (a spawned worker imports the guard afresh)."""
    _guard.check_data = lambda path, data, limits: {}
    return _REAL_WORK(job, data, sha256)


def _abort_logged(job, data, sha256):
    """``_abort``, noting every file a worker starts in the log the test names (to see what was checked twice)."""
    with open(os.environ["SUPERVISE_TEST_LOG"], "a", encoding="utf-8") as log:
        log.write(os.path.basename(job.path) + "\n")
    return _abort(job, data, sha256)


_REAL_WORK = _supervise._work


@pytest.fixture
def pair(tmp_path) -> list[str]:
    """A bad file between two good ones (all three are the same good workbook; the task decides who dies)."""
    paths = [tmp_path / "a.xlsx", tmp_path / "bad.xlsx", tmp_path / "c.xlsx"]
    for p in paths:
        shutil.copyfile(GOOD, p)
    return [os.fspath(p) for p in paths]


def _verdicts(pool: ReaderPool, paths: list[str]) -> list[tuple[str, str | None]]:
    out = []
    for outcome in pool.map(Job(p) for p in paths):
        data = json.loads(outcome.line)
        out.append((data["verdict"], (data.get("error") or {}).get("code")))
    return out


@pytest.mark.parametrize("task, code", [(_abort, "reader-crashed"), (_segfault, "reader-crashed")])
def test_a_worker_killed_by_a_signal_is_reader_crashed(monkeypatch, pair, task, code):
    monkeypatch.setattr(_supervise, "_work", task)
    with ReaderPool(workers=1) as pool:
        assert _verdicts(pool, pair) == [("PASS", None), ("ERROR", code), ("PASS", None)]
        report = pool.check(pair[1])
    assert report["error"]["message_zh"].startswith("bad.xlsx：") and "SIG" in report["error"]["message_en"]
    assert report["source"]["sha256"]  # the bytes were read (once, by the parent) before the worker died


def test_a_file_that_kills_its_worker_inside_a_chunk_costs_that_file_alone(monkeypatch, tmp_path):
    """A batch's files travel in chunks; the one that kills its worker is that file's ERROR after one more run
    alone, guarded by the full scan (issue 21: the finding's code stays the full guard's); the chunk's other
    files, before and after it, are checked and read as before, each once more on its own."""
    names = [f"{i:02d}.xlsx" for i in range(_supervise.CHUNK_FILES + 3)]
    names[5] = "05-bad.xlsx"
    for name in names:
        shutil.copyfile(GOOD, tmp_path / name)
    log = tmp_path / "started.log"
    monkeypatch.setenv("SUPERVISE_TEST_LOG", os.fspath(log))
    monkeypatch.setattr(_supervise, "_work", _abort_logged)
    with ReaderPool(workers=1) as pool:
        verdicts = _verdicts(pool, [os.fspath(tmp_path / n) for n in names])
    assert verdicts == [("ERROR", "reader-crashed") if n == "05-bad.xlsx" else ("PASS", None) for n in names]
    started = log.read_text(encoding="utf-8").split()
    assert started.count("05-bad.xlsx") == 2 and set(started) == set(names)


@pytest.mark.parametrize("task, limits, code", [
    (_abort, WorkerLimits(), "reader-crashed"),
    (_hang, WorkerLimits(wall_seconds=1.0), "reader-timeout"),
    (_spin, WorkerLimits(cpu_seconds=1), "reader-timeout"),
    (_grow, WorkerLimits(memory_bytes=1024 << 20, memory_mode="watchdog"), "reader-out-of-memory"),
])
def test_a_one_file_check_holds_a_workers_limits_and_death_codes(monkeypatch, pair, task, limits, code):
    """``check`` runs its one file in a child of its own, without a pool: the same limits, the same findings."""
    monkeypatch.setattr(_supervise, "_work", task)
    died = json.loads(_supervise.check_once(Job(pair[1]), limits).line)
    assert (died["verdict"], died["error"]["code"]) == ("ERROR", code)
    assert died["source"]["sha256"]  # the child sent the hash of the bytes it read before it died
    assert json.loads(_supervise.check_once(Job(pair[0]), limits).line)["verdict"] == "PASS"


def _abort_unless_full_scan(job, data, sha256):
    """Dies on bad.xlsx unless the guard runs the full scan only (as a file would that only the screen lets by)."""
    from incubator_check.workbook.guard import full_scan

    with open(os.environ["SUPERVISE_TEST_LOG"], "a", encoding="utf-8") as log:
        log.write(f"{os.path.basename(job.path)} {full_scan()}\n")
    if job.path.endswith("bad.xlsx") and not full_scan():
        os.abort()
    return _REAL_WORK(job, data, sha256)


def test_a_one_file_check_whose_child_died_runs_once_more_under_the_full_scan(monkeypatch, pair, tmp_path):
    """As the pool does: the file a child died on gets one more child, guarded by the full scan only, whose answer
    stands (here a PASS); a good file is checked once."""
    log = tmp_path / "started.log"
    monkeypatch.setenv("SUPERVISE_TEST_LOG", os.fspath(log))
    monkeypatch.setattr(_supervise, "_work", _abort_unless_full_scan)
    assert json.loads(_supervise.check_once(Job(pair[1])).line)["verdict"] == "PASS"
    assert log.read_text(encoding="utf-8").splitlines() == ["bad.xlsx False", "bad.xlsx True"]
    log.unlink()
    assert json.loads(_supervise.check_once(Job(pair[0])).line)["verdict"] == "PASS"
    assert log.read_text(encoding="utf-8").splitlines() == ["a.xlsx False"]


def _note_the_pid(job, data, sha256):
    with open(os.environ["SUPERVISE_TEST_LOG"], "a", encoding="utf-8") as log:
        log.write(f"{os.getpid()}\n")
    return _REAL_WORK(job, data, sha256)


def _start_the_child_early(monkeypatch, work=None):
    """What ``incubator-check check`` does first (``_early``): a child started before the command line runs (forked,
    or spawned when the suite runs with spawn), with ``work`` as its task; taken as the command takes it."""
    from incubator_check import _early

    if work is not None:
        monkeypatch.setattr(_supervise, "_work", work)
    monkeypatch.setattr(_early, "_started", None)
    _early._start_child(_supervise._default_context())
    early = _early.take_started_child(_supervise._default_context())
    assert early is not None and _early._started is None  # taken once
    return early


@pytest.fixture
def task_log(tmp_path, monkeypatch) -> Path:
    """The file the replaced tasks note what they did in (``SUPERVISE_TEST_LOG``)."""
    log = tmp_path / "task.log"
    monkeypatch.setenv("SUPERVISE_TEST_LOG", os.fspath(log))
    return log


def test_the_child_started_with_the_program_is_the_one_that_checks_the_file(monkeypatch, pair, task_log):
    log = task_log
    early = _start_the_child_early(monkeypatch, _note_the_pid)
    assert json.loads(_supervise.check_once(Job(pair[0]), early=early).line)["verdict"] == "PASS"
    assert log.read_text(encoding="utf-8").split() == [str(early.process.pid)]
    assert not early.process.is_alive()  # gone with its answer
    assert json.loads(_supervise.check_once(Job(pair[2])).line)["verdict"] == "PASS"  # the next: a child of its own
    assert len(set(log.read_text(encoding="utf-8").split())) == 2


def test_a_child_started_with_the_program_that_dies_is_followed_by_the_full_scan(monkeypatch, pair, task_log):
    log = task_log
    early = _start_the_child_early(monkeypatch, _abort_unless_full_scan)
    assert json.loads(_supervise.check_once(Job(pair[1]), early=early).line)["verdict"] == "PASS"
    assert log.read_text(encoding="utf-8").splitlines() == ["bad.xlsx False", "bad.xlsx True"]


@pytest.mark.parametrize("work, limits, code", [
    (_abort, WorkerLimits(), "reader-crashed"),
    (_hang, WorkerLimits(wall_seconds=1.0), "reader-timeout"),
    (_spin, WorkerLimits(cpu_seconds=1, wall_seconds=60), "reader-timeout"),
    (_grow, WorkerLimits(memory_bytes=1024 << 20, memory_mode="watchdog"), "reader-out-of-memory"),
], ids=["abort", "wall", "cpu", "memory"])
def test_a_child_started_with_the_program_holds_the_limits_it_is_given(monkeypatch, pair, work, limits, code):
    """The child started before the command line knew its options takes them with the file: the same limits and the
    same death codes as a child started for the file."""
    early = _start_the_child_early(monkeypatch, work)
    report = json.loads(_supervise.check_once(Job(pair[1]), limits, early=early).line)
    assert (report["verdict"], report["error"]["code"]) == ("ERROR", code)


def test_a_child_started_with_the_program_that_ends_before_opening_its_file_is_replaced(monkeypatch, pair):
    """An early child that ends before it has opened the file (it was importing, or failed to) did not die on the
    file: the file gets a child of its own, and its report is the real one, not a death's ERROR."""
    if _supervise._default_context() != "fork":
        pytest.skip("the early child is made to fail by a patch it inherits: fork only")
    real = _supervise._check_in_child
    _supervise._check_in_child = lambda *args: os._exit(1)  # in the early child only: restored below, after the fork
    try:
        early = _start_the_child_early(monkeypatch)
    finally:
        _supervise._check_in_child = real
    report = json.loads(_supervise.check_once(Job(pair[0]), early=early).line)
    assert report["verdict"] == "PASS" and report["source"]["sha256"]


def test_a_child_started_with_the_program_ends_with_it_when_it_is_not_needed(tmp_path):
    """A usage error, or a parent that is killed: the child it started for the file does not outlive it."""
    program = ("import os, sys, time; from incubator_check import _early, _environment; "
               "_early._start_child(_environment.default_start_method()); print(_early._started[1].pid, flush=True); "
               "os._exit(0) if sys.argv[1] == 'killed' else sys.exit(2)")
    for how in ("exits", "killed"):
        done = subprocess.run([sys.executable, "-c", program, how], capture_output=True, text=True, timeout=60)
        child = int(done.stdout)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and _alive(child):
            time.sleep(0.05)
        assert not _alive(child), how
        assert done.stderr == ""


def test_a_child_started_with_the_program_and_not_taken_is_ended_before_the_program_ends(monkeypatch):
    """A check that ends on a usage error ends its early child itself, before it ends: a spawned child left to find
    its parent gone (Windows) failed while taking its pipes from it, and ran its interpreter's teardown."""
    from incubator_check import _early

    monkeypatch.setattr(_early, "_started", None)
    _early._start_child(_supervise._default_context())
    process = _early._started[1]
    _early.end_untaken()
    assert _early._started is None and not process.is_alive() and process.exitcode is not None
    _early.end_untaken()  # nothing left to end: nothing done


def _alive(pid: int) -> bool:
    """A process that has not ended (a zombie waiting for init to reap it has ended)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_worker_over_its_wall_time_is_reader_timeout(monkeypatch, pair):
    monkeypatch.setattr(_supervise, "_work", _hang)
    started = time.monotonic()
    with ReaderPool(workers=1, limits=WorkerLimits(wall_seconds=1.0)) as pool:
        assert _verdicts(pool, pair) == [("PASS", None), ("ERROR", "reader-timeout"), ("PASS", None)]
    assert time.monotonic() - started < 20


def test_a_worker_over_its_cpu_time_is_reader_timeout(monkeypatch, pair):
    monkeypatch.setattr(_supervise, "_work", _spin)
    with ReaderPool(workers=1, limits=WorkerLimits(cpu_seconds=1, wall_seconds=60)) as pool:
        assert _verdicts(pool, pair) == [("PASS", None), ("ERROR", "reader-timeout"), ("PASS", None)]


def test_the_cpu_limit_is_per_workbook_not_per_worker(pair):
    # Many quick workbooks through one worker: together they use more CPU than one workbook's allowance.
    with ReaderPool(workers=1, limits=WorkerLimits(cpu_seconds=1)) as pool:
        verdicts = _verdicts(pool, pair * 30)
    assert {v for v, _ in verdicts} == {"PASS"}


def test_the_watchdog_ends_a_worker_whose_memory_grows_past_the_limit(monkeypatch, pair):
    # The watchdog is what holds where there is no RLIMIT_AS (Windows); here it is switched on by hand.
    monkeypatch.setattr(_supervise, "_work", _grow)
    limits = WorkerLimits(memory_bytes=1024 << 20, memory_mode="watchdog")
    with ReaderPool(workers=1, limits=limits) as pool:
        assert _verdicts(pool, pair) == [("PASS", None), ("ERROR", "reader-out-of-memory"), ("PASS", None)]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, Path]:
    return build_corpus(tmp_path_factory.mktemp("hostile"))


# Files the guard refuses, on which python-calamine itself aborts (a failed allocation) when it is let through.
NATIVE_ABORTS = ["far-cell.xlsx", "far-cell-prefixed.xlsx", "dimensions.xls"]


@pytest.mark.parametrize("name", NATIVE_ABORTS)
def test_a_native_abort_in_python_calamine_is_that_files_error(monkeypatch, corpus, name):
    monkeypatch.setattr(_supervise, "_work", _unguarded)
    with ReaderPool(workers=1) as pool:
        report = pool.check(os.fspath(corpus[name]))
        after = pool.check(GOOD)
    assert report["verdict"] == "ERROR"
    assert report["error"]["code"] in ("reader-out-of-memory", "reader-crashed")
    assert after["verdict"] == "PASS"


def test_a_batch_with_a_file_that_aborts_the_native_reader_reports_every_good_one(monkeypatch, corpus, tmp_path):
    monkeypatch.setattr(_supervise, "_work", _unguarded)
    folder = tmp_path / "folder"
    folder.mkdir()
    for i in range(6):
        shutil.copyfile(GOOD, folder / f"good-{i}.xlsx")
    shutil.copyfile(corpus["far-cell.xlsx"], folder / "good-3-crafted.xlsx")
    paths = sorted(os.fspath(p) for p in folder.iterdir())
    spool = run_batch(paths, ruleset=None, lang="zh", as_of=None, jobs=2, folder=os.fspath(folder))
    try:
        rows = [json.loads(line) for line in spool.reports()]
    finally:
        spool.close()
    by_name = {r["source"]["path"]: r for r in rows}
    assert sorted(by_name) == sorted(os.path.basename(p) for p in paths)
    assert by_name["good-3-crafted.xlsx"]["verdict"] == "ERROR"
    assert {r["verdict"] for n, r in by_name.items() if n != "good-3-crafted.xlsx"} == {"PASS"}


def test_the_command_line_batch_survives_a_native_abort(corpus, tmp_path):
    """The real command, with the guard switched off in its process: exit 1, a row each, a clean stderr."""
    folder = tmp_path / "申报 材料"
    folder.mkdir()
    shutil.copyfile(GOOD, folder / "a.xlsx")
    shutil.copyfile(corpus["far-cell.xlsx"], folder / "b.xlsx")
    shutil.copyfile(corpus["dimensions.xls"], folder / "c.xls")
    shutil.copyfile(GOOD, folder / "d.xlsx")
    program = (f"import sys; sys.path.insert(0, {os.fspath(Path(__file__).parent)!r}); import test_supervise; "
               "from incubator_check import _supervise; _supervise._work = test_supervise._unguarded; "
               "from incubator_check.cli import run; sys.argv[0] = 'incubator-check'; run()")
    for jobs in ("1", "2"):
        proc = subprocess.run([sys.executable, "-c", program, "batch", os.fspath(folder), "--format", "json",
                               "--jobs", jobs], capture_output=True, text=True, timeout=120)
        assert proc.returncode == 1, proc.stderr
        rows = [json.loads(line) for line in proc.stdout.splitlines()]
        assert [r["source"]["path"] for r in rows] == ["a.xlsx", "b.xlsx", "c.xls", "d.xlsx"]
        assert [r["verdict"] for r in rows] == ["PASS", "ERROR", "ERROR", "PASS"]
        assert {rows[1]["error"]["code"], rows[2]["error"]["code"]} <= {"reader-crashed", "reader-out-of-memory"}
        assert proc.stderr == "", proc.stderr  # no traceback, no native crash message


def test_a_file_swapped_while_it_is_read_gets_the_answer_for_the_bytes_it_hashed(corpus, tmp_path):
    """Read once: whatever the file is swapped for meanwhile, the verdict and the sha256 describe the same bytes."""
    import hashlib
    import threading

    good_bytes, bad_bytes = Path(GOOD).read_bytes(), corpus["far-cell.xlsx"].read_bytes()
    sha = {hashlib.sha256(good_bytes).hexdigest(): "good", hashlib.sha256(bad_bytes).hexdigest(): "bad"}
    target = tmp_path / "申报表.xlsx"
    target.write_bytes(good_bytes)
    stop = threading.Event()

    def swap() -> None:
        i = 0
        while not stop.is_set():
            staged = tmp_path / f"staged-{i % 2}.xlsx"
            staged.write_bytes(bad_bytes if i % 2 else good_bytes)
            os.replace(staged, target)
            i += 1

    swapper = threading.Thread(target=swap, daemon=True)
    swapper.start()
    seen = set()
    try:
        with ReaderPool(workers=2) as pool:
            for _ in range(80):
                report = pool.check(os.fspath(target))
                which = sha[report["source"]["sha256"]]
                seen.add(which)
                if which == "good":
                    assert report["verdict"] == "PASS", report.get("error")
                else:
                    assert report["error"]["code"] == "sheet-too-large"
    finally:
        stop.set()
        swapper.join()
    assert seen == {"good", "bad"}  # the swap did happen under the reads


def test_the_start_method_can_be_named_for_every_pool(monkeypatch):
    """INCUBATOR_CHECK_START_METHOD makes every pool start its workers so (CI runs the suite with spawn, as on
    Windows); unset, Linux forks."""
    monkeypatch.delenv(_supervise.START_METHOD_VARIABLE, raising=False)
    assert _supervise._default_context() == "fork"
    monkeypatch.setenv(_supervise.START_METHOD_VARIABLE, "spawn")
    assert _supervise._default_context() == "spawn"
    with ReaderPool(workers=1) as pool:
        assert pool.check(GOOD)["verdict"] == "PASS"
    monkeypatch.setenv(_supervise.START_METHOD_VARIABLE, "no-such-method")
    assert _supervise._default_context() == "fork"  # the suite's conftest refuses such a name outright


# --- the pool heals: workers killed from outside (the OOM killer, Task Manager) ------------------------------


def _worker_pids(parent: int | None = None, readers_only: bool = False) -> list[int]:
    """The child processes of ``parent`` (this process by default), read from /proc: its reader workers, and under
    spawn multiprocessing's resource tracker too (killed with them in a storm, as "end process tree" does), unless
    ``readers_only``."""
    parent = os.getpid() if parent is None else parent
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent and fields[0] != b"Z":
            if readers_only and _is_resource_tracker(int(entry)):
                continue
            pids.append(int(entry))
    return pids


def _is_resource_tracker(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return b"resource_tracker" in handle.read()
    except OSError:
        return False


def _kill(pids: list[int]) -> None:
    import signal

    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _wait_for_workers(count: int, parent: int | None = None, seconds: float = 10) -> list[int]:
    """The reader workers of ``parent`` once there are ``count`` of them (the resource tracker is not one)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pids = _worker_pids(parent, readers_only=True)
        if len(pids) >= count:
            return pids
        time.sleep(0.05)
    raise AssertionError(f"expected {count} workers, found {_worker_pids(parent, readers_only=True)}")


@pytest.mark.parametrize("which", ["one", "all"])
def test_idle_workers_killed_the_next_check_reads_as_before(which):
    with ReaderPool(workers=2) as pool:
        assert pool.check(GOOD)["verdict"] == "PASS"
        pids = _wait_for_workers(2)
        _kill(pids[:1] if which == "one" else pids)
        time.sleep(0.5)  # pebble notices the death; alone, its pool would now be broken for good
        for _ in range(3):
            assert pool.check(GOOD)["verdict"] == "PASS"
        assert pool.serving and pool.ping()


def _killed_again(function, *args):
    """The file's second run after its worker died (guarded by the full scan only): killed as well."""
    import signal

    os.kill(os.getpid(), signal.SIGKILL)


def test_a_busy_worker_killed_costs_its_file_and_nothing_else(monkeypatch, pair):
    monkeypatch.setattr(_supervise, "_work", _hang)
    monkeypatch.setattr(_supervise, "_guarded_in_full", _killed_again)  # else the second run sleeps in it again
    with ReaderPool(workers=1) as pool:
        assert pool.check(pair[0])["verdict"] == "PASS"
        future = pool.submit(Job(pair[1]))
        time.sleep(0.5)  # the worker has taken bad.xlsx and sleeps in it
        _kill(_worker_pids())
        outcome = json.loads(future.result(timeout=30).line)
        assert outcome["verdict"] == "ERROR" and outcome["error"]["code"] == "reader-crashed"
        assert pool.check(pair[2])["verdict"] == "PASS"


def test_every_worker_killed_again_and_again_no_task_hangs(tmp_path):
    """A bounded kill storm under a running map: every file gets an answer, in order, and the pool still serves."""
    import threading

    paths = []
    for i in range(60):
        target = tmp_path / f"{i:02d}.xlsx"
        shutil.copyfile(GOOD, target)
        paths.append(os.fspath(target))
    stop = threading.Event()

    def storm() -> None:
        while not stop.wait(0.15):
            _kill(_worker_pids())

    with ReaderPool(workers=2) as pool:
        killer = threading.Thread(target=storm, daemon=True)
        killer.start()
        started = time.monotonic()
        try:
            verdicts = _verdicts(pool, paths)
        finally:
            stop.set()
            killer.join()
        assert time.monotonic() - started < 120
        assert len(verdicts) == 60
        assert {code for v, code in verdicts if v != "PASS"} <= {"reader-crashed"}
        assert pool.check(GOOD)["verdict"] == "PASS"


def test_workers_are_recycled_after_n_tasks_and_above_m_bytes(pair):
    with ReaderPool(workers=1, limits=WorkerLimits(recycle_tasks=2, recycle_bytes=0)) as pool:
        seen = set()
        for _ in range(6):
            assert pool.check(pair[0])["verdict"] == "PASS"
            seen.update(_worker_pids(readers_only=True))
        assert len(seen) >= 3  # a new worker every two tasks
    with ReaderPool(workers=1, limits=WorkerLimits(recycle_tasks=0, recycle_bytes=1)) as pool:  # every worker is "too big"
        seen = set()
        for _ in range(4):
            assert pool.check(pair[0])["verdict"] == "PASS"
            time.sleep(0.2)
            seen.update(_worker_pids(readers_only=True))
        assert len(seen) >= 3 and pool.rebuilt == 0  # retired between tasks, never a broken pool


def test_the_command_line_batch_survives_its_workers_killed(tmp_path):
    """``incubator-check batch``: its workers killed while it runs, it still writes a row for every file, exit 0 or 1."""
    folder = tmp_path / "申报 材料"
    folder.mkdir()
    for i in range(40):
        shutil.copyfile(GOOD, folder / f"{i:02d}.xlsx")
    proc = subprocess.Popen([sys.executable, "-m", "incubator_check", "batch", os.fspath(folder), "--format", "json",
                             "--jobs", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        kills = 0
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline and kills < 8:
            pids = _worker_pids(proc.pid)
            if pids:
                _kill(pids if kills % 2 else pids[:1])
                kills += 1
            time.sleep(0.2)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["source"]["path"] for r in rows] == [f"{i:02d}.xlsx" for i in range(40)]
    assert {(r.get("error") or {}).get("code") for r in rows} <= {None, "reader-crashed"}
    assert proc.returncode in (0, 1) and "Traceback" not in err


def test_a_worker_checks_workbook_after_workbook_without_a_collector_pass_over_each():
    """The collector stays paused until a workbook's report and roster are freed: resumed while they were alive,
    it walked them once a workbook and found nothing to free (docs/decisions.md)."""
    import gc
    import hashlib

    passes = []
    callback = lambda phase, info: passes.append(info["generation"]) if phase == "stop" else None  # noqa: E731
    names = ("standard-pass.xlsx", "standard-fail-area.xlsx", "remote-pass.xlsx", "messy-valid.xlsx")
    files = [(FIXTURES / name).read_bytes() for name in names]
    _supervise._work(Job(GOOD), files[0], hashlib.sha256(files[0]).hexdigest())  # rulesets loaded, memos filled
    gc.collect()
    gc.callbacks.append(callback)
    try:
        for n in range(20):
            data = files[n % len(files)]
            outcome = _supervise._work(Job(names[n % len(names)]), data, hashlib.sha256(data).hexdigest())
            assert json.loads(outcome.line)["verdict"] in ("PASS", "FAIL")
            del outcome
    finally:
        gc.callbacks.remove(callback)
    assert gc.isenabled() and len(passes) <= 2, passes


def test_a_chunk_lets_go_of_its_files_and_reports_once_they_are_answered(tmp_path):
    """pebble keeps each task's future in a reference cycle, freed only by the collector's full pass: the chunk's
    files (their bytes) and reports are let go as soon as they are answered, not a thousand files later."""
    import gc

    paths = []
    for i in range(_supervise.CHUNK_FILES * 2 + 1):
        shutil.copyfile(GOOD, tmp_path / f"{i:02d}.xlsx")
        paths.append(os.fspath(tmp_path / f"{i:02d}.xlsx"))
    gc.collect()
    gc.disable()  # what the cycles would keep stays kept: only reference counting frees
    try:
        with ReaderPool(workers=2) as pool:
            verdicts = [json.loads(outcome.line)["verdict"] for outcome in pool.map(Job(p) for p in paths)]
            kept = [o for o in gc.get_objects() if isinstance(o, (_supervise.Outcome, Job))]
    finally:
        gc.enable()
    assert verdicts == ["PASS"] * len(paths)
    assert kept == [], f"{len(kept)} outcomes and jobs still held"
