"""Results kept for the downloads: in the app's private folder, under unguessable tokens, for a limited time.

A token is 32 random bytes (``secrets.token_urlsafe``); it is looked up in a dictionary, never turned into a
path. Each result has its own folder with a generated name. A result expires ``keep`` seconds after it was
finished (a running batch does not expire); a timer thread deletes expired results on time (within
``SWEEP_SECONDS``), with or without traffic, and every result is deleted when the app closes.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import threading
import time
from dataclasses import dataclass, field
from typing import Any

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")

# How often the timer looks for expired results: a result outlives its time by at most this much.
SWEEP_SECONDS = 1.0


@dataclass
class Entry:
    token: str
    kind: str  # "report" | "batch"
    folder: str
    lang: str
    created: float = field(default_factory=time.monotonic)
    finished: float | None = None
    # a report: the JSON report per language, stored as files in ``folder``
    reports: dict[str, str] = field(default_factory=dict)
    display: str = ""
    # a batch
    total: int = 0
    done: int = 0
    failure: str | None = None
    rows: list[dict[str, Any]] = field(default_factory=list)  # compact per-submission data for the summary page
    offsets: list[int] = field(default_factory=list)  # where each report starts in reports.jsonl
    cross: list[Any] = field(default_factory=list)  # CrossFinding, with display names
    quota: list[dict[str, Any]] = field(default_factory=list)
    quota_citation: str = ""
    clause_ids: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    summaries: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def file(self, name: str) -> str:
        return os.path.join(self.folder, name)

    @property
    def is_finished(self) -> bool:
        return self.finished is not None


class Store:
    def __init__(self, root: str, keep_seconds: int):
        self.root, self.keep = root, keep_seconds
        self._entries: dict[str, Entry] = {}
        self._lock = threading.Lock()
        self.closing = threading.Event()
        self._timer = threading.Thread(target=self._expire, daemon=True, name="incubator-check-expiry")
        self._timer.start()

    def _expire(self) -> None:
        while not self.closing.wait(min(SWEEP_SECONDS, max(self.keep, 0.05))):
            try:
                self.sweep()
            except Exception:  # noqa: BLE001 - a folder that cannot be removed now is tried again next time
                pass

    def new(self, kind: str, lang: str) -> Entry:
        token = secrets.token_urlsafe(32)
        folder = os.path.join(self.root, "res-" + secrets.token_hex(12))
        os.mkdir(folder, 0o700)
        entry = Entry(token, kind, folder, lang)
        with self._lock:
            self._entries[token] = entry
        return entry

    def get(self, token: str, kind: str) -> Entry | None:
        if not _TOKEN.match(token):
            return None
        with self._lock:
            entry = self._entries.get(token)
        if entry is None or entry.kind != kind or self._expired(entry, time.monotonic()):
            return None
        return entry

    def _expired(self, entry: Entry, now: float) -> bool:
        return entry.finished is not None and now - entry.finished > self.keep

    def drop(self, entry: Entry) -> None:
        """Forget a result now and delete its folder (``/api/batch`` keeps nothing once it has answered)."""
        with self._lock:
            self._entries.pop(entry.token, None)
        shutil.rmtree(entry.folder, ignore_errors=True)

    def sweep(self) -> None:
        """Delete every expired result."""
        now = time.monotonic()
        with self._lock:
            gone = [t for t, e in self._entries.items() if self._expired(e, now)]
            entries = [self._entries.pop(t) for t in gone]
        for entry in entries:
            shutil.rmtree(entry.folder, ignore_errors=True)

    def close(self) -> None:
        self.closing.set()
        with self._lock:
            entries = list(self._entries.values())
            self._entries.clear()
        for entry in entries:
            shutil.rmtree(entry.folder, ignore_errors=True)
