"""The web app as a real server survives its workers, and leaves nothing behind (issue 16).

Each test starts a real server process, ``incubator-check serve`` (werkzeug) or waitress, with its temporary
folder (``TMPDIR``) in the test's own folder, so "nothing left behind" is an empty folder. Reader workers are
killed from outside with SIGKILL, as the OOM killer or Task Manager would: idle, busy, all of them, and in a
storm under concurrent clients. No request may get a 500 or hang, and the next check must read as before.
"""

from __future__ import annotations

import concurrent.futures as cf
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from test_supervise import _kill, _wait_for_workers, _worker_pids

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
GOOD = (FIXTURES / "standard-pass.xlsx").read_bytes()

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="signals and /proc: Linux only")

# In the server process: a workbook ending in SLOW-MARK sleeps in its worker, so that worker can be killed busy. The
# task is ``survival_tasks.slow``, a module on the path every worker gets: one defined in this ``-c`` program would
# be ``__main__.slow``, which a spawned worker cannot find (every check of the server then failed under spawn).
PATCH = (
    f"import sys; sys.path.insert(0, {os.fspath(Path(__file__).resolve().parent)!r})\n"
    "import survival_tasks\n"
    "from incubator_check import _supervise\n"
    "_supervise._work = survival_tasks.slow\n"
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    def __init__(self, kind: str, tmp: Path, real_command: bool = False):
        self.tmp = tmp / "tmp"
        self.tmp.mkdir()
        self.port = _free_port()
        self.slow_started = tmp / "slow-started.log"  # a worker's pid as it starts a run of the slow workbook
        env = {**os.environ, "TMPDIR": os.fspath(self.tmp), "INCUBATOR_CHECK_JOBS": "2",
               "INCUBATOR_CHECK_PROCESS_TEMP": "1", "SURVIVAL_STARTED": os.fspath(self.slow_started)}
        if kind == "serve":
            code = PATCH + ("import sys; sys.argv[0] = 'incubator-check'; from incubator_check.cli import run; run()")
            args = ["serve", "--port", str(self.port), "--no-browser"]
        else:
            code = PATCH + "import runpy, sys; sys.argv[0] = 'waitress'; runpy.run_module('waitress', run_name='__main__')"
            args = [f"--listen=127.0.0.1:{self.port}", "--threads=8", "--call", "incubator_check.web:create_app"]
        command = [sys.executable, "-m", "waitress", *args[:-2], "--call", args[-1]] if real_command and kind == "waitress" \
            else [sys.executable, "-c", code, *args]
        self.proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if self.get("/healthz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise AssertionError("the server did not start: " + self.proc.stderr.read())

    def request(self, method: str, path: str, body: bytes = b"", headers: dict | None = None, timeout: float = 120):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.read(), dict(response.getheaders())
        finally:
            connection.close()

    def get(self, path: str):
        return self.request("GET", path, timeout=10)

    def check(self, data: bytes = GOOD, name: str = "申报表.xlsx"):
        boundary = uuid.uuid4().hex
        body = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
        status, raw, _ = self.request("POST", "/api/check", body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})
        return status, json.loads(raw) if raw.startswith(b"{") else raw

    def workers(self) -> list[int]:
        return _worker_pids(self.proc.pid)

    def leftovers(self) -> list[str]:
        return sorted(os.fspath(p.relative_to(self.tmp)) for p in self.tmp.rglob("*"))

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=30)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()


@pytest.fixture(params=["serve", "waitress"])
def server(request, tmp_path):
    running = Server(request.param, tmp_path)
    yield running
    running.stop()


def _slow_workbook() -> bytes:
    return GOOD + b"SLOW-MARK"  # the zip reader ignores trailing bytes; the patched worker sleeps on it


def test_an_idle_worker_killed_the_next_check_succeeds(server):
    status, report = server.check()
    assert status == 200 and report["verdict"] == "PASS"
    pids = _wait_for_workers(2, server.proc.pid)
    _kill(pids[:1])  # a reader worker (never spawn's resource tracker, which _wait_for_workers leaves out)
    time.sleep(0.5)
    for _ in range(3):
        status, report = server.check()
        assert status == 200 and report["verdict"] == "PASS"
    assert server.get("/healthz")[0] == 200


def test_all_idle_workers_killed_the_next_check_succeeds_and_healthz_checks(server):
    assert server.check()[1]["verdict"] == "PASS"
    _kill(_wait_for_workers(2, server.proc.pid))
    time.sleep(0.5)
    status, body, _ = server.get("/healthz")
    assert (status, body) == (200, b"ok")
    status, report = server.check()
    assert status == 200 and report["verdict"] == "PASS"


def _slow_run_started(server, run: int, seconds: float = 60) -> int:
    """The pid of the worker that started the slow workbook's ``run``-th run (1: the first)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.slow_started.exists():
            pids = server.slow_started.read_text(encoding="utf-8").split()
            if len(pids) >= run:
                return int(pids[run - 1])
        time.sleep(0.05)
    found = server.slow_started.read_text(encoding="utf-8").split() if server.slow_started.exists() else None
    raise AssertionError(f"the slow workbook's run {run} did not start (started: {found})")


def test_a_busy_worker_killed_its_request_gets_reader_crashed_and_the_next_succeeds(server):
    """The file whose worker died is run once more, under the full scan (issue 21): only a file that kills that
    worker too is the death's ERROR. Here both runs' workers are killed from outside."""
    assert server.check()[1]["verdict"] == "PASS"
    with cf.ThreadPoolExecutor(1) as pool:
        slow = pool.submit(server.check, _slow_workbook())
        _slow_run_started(server, 1)  # a worker has taken the slow workbook
        _kill(list(server.workers()))  # the busy one and the idle one
        # Its second run, if the pool starts one (a death the pool learns of as its task's): killed too.
        deadline = time.monotonic() + 60
        while not slow.done() and time.monotonic() < deadline:
            started = server.slow_started.read_text(encoding="utf-8").split()
            if len(started) >= 2:
                _kill([int(started[1])])
                break
            time.sleep(0.05)
        status, report = slow.result(timeout=90)
    assert status == 200 and report["verdict"] == "ERROR" and report["error"]["code"] == "reader-crashed"
    status, report = server.check()
    assert status == 200 and report["verdict"] == "PASS"


def test_a_bounded_kill_storm_no_500_no_hang_nothing_left(server):
    stop = threading.Event()
    kills = [0]

    def storm() -> None:
        while not stop.wait(0.3) and kills[0] < 20:
            pids = server.workers()
            if pids:
                _kill(pids[: 1 + kills[0] % 2])
                kills[0] += 1

    def client(least: int) -> list[int]:
        statuses = []
        # at least `least` checks each, and on until the storm has killed 5 times: on a fast machine the 48 checks
        # alone end before the storm (a kill every 0.3 s) has done anything (bounded: 200 checks a client)
        while len(statuses) < least or (kills[0] < 5 and len(statuses) < 200):
            status, report = server.check()
            statuses.append(status)
            assert status != 200 or report["verdict"] in ("PASS", "ERROR")
            if status == 200 and report["verdict"] == "ERROR":
                assert report["error"]["code"] == "reader-crashed"
        return statuses

    killer = threading.Thread(target=storm, daemon=True)
    killer.start()
    started = time.monotonic()
    try:
        with cf.ThreadPoolExecutor(6) as pool:
            statuses = [s for f in [pool.submit(client, 8) for _ in range(6)] for s in f.result(timeout=150)]
    finally:
        stop.set()
        killer.join()
    assert time.monotonic() - started < 150
    assert kills[0] >= 5
    assert len(statuses) >= 48 and statuses == [200] * len(statuses)
    assert server.check()[1]["verdict"] == "PASS"
    assert server.stop() in (0, 130, 143)
    assert server.leftovers() == []


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_nothing_is_left_after_a_signal_with_results_kept(server, sig):
    boundary = uuid.uuid4().hex
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="a.xlsx"\r\n\r\n').encode() + GOOD + \
        (f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="b.xlsx"\r\n\r\n').encode() + GOOD + \
        f"\r\n--{boundary}--\r\n".encode()
    status, _, headers = server.request("POST", "/check", body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert status == 303
    single = server.request("POST", "/check", body.replace(b'name="files"; filename="b.xlsx"', b'name="x"; filename="b.txt"'),
                            {"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert single[0] in (303, 400)
    time.sleep(1.5)
    assert server.leftovers()  # results, the workers' files: all in the private folder under TMPDIR
    server.stop(sig)
    assert server.leftovers() == []


def test_waitress_serve_command_leaves_nothing_after_sigterm(tmp_path):
    running = Server("waitress", tmp_path, real_command=True)
    try:
        assert running.check()[1]["verdict"] == "PASS"
        assert running.leftovers()
    finally:
        running.stop()
    assert running.leftovers() == []
