"""Tasks a test server's reader workers run in place of the real one (tests/test_web_survival.py).

They live in a module of their own, importable by name, because pebble sends a worker its task by name: a
function defined in the server's ``python -c`` program is ``__main__._slow``, which a spawned worker (Windows'
start method) cannot find, so every check of that server failed before any worker was killed.
"""

from __future__ import annotations

import os
import time

from incubator_check import _supervise

_REAL_WORK = _supervise._work  # imported before the server replaces it, in the server and in a spawned worker alike


def slow(job, data, sha256):
    """A workbook ending in SLOW-MARK sleeps in its worker, so that worker can be killed busy."""
    if b"SLOW-MARK" in data[-64:]:
        started = os.environ.get("SURVIVAL_STARTED")
        if started:  # the test learns which worker runs each run of the slow file
            with open(started, "a", encoding="utf-8") as log:
                log.write(f"{os.getpid()}\n")
        time.sleep(30)
    return _REAL_WORK(job, data, sha256)
