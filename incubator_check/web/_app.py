"""The web app (``../shared/spec/web.md``), behind ``incubator_check.web.create_app``: pages for people, JSON for programs, one private temporary folder.

``create_app(config=None)`` returns the Flask (WSGI) application; ``incubator-check serve`` runs it on
127.0.0.1, and an office may run it under waitress (README). Workbooks are checked through the same
supervised reader pool as ``batch``; an upload is stored under a generated name, checked, and deleted; the
result is kept under an unguessable token for ``KEEP_SECONDS``.

The application is assembled here from its parts (docs/architecture.md, "The web app"):
``_protect`` (Host/Origin checks, headers, error answers), ``_pages`` (pages for people), ``_jobs`` (checking
uploads; the batch pages), ``_api`` (JSON for programs). Each route module is a Flask blueprint that reaches
the app's state through ``_common.state()``.

Configuration (``config`` dict, all optional): ``ALLOWED_HOSTS`` (names the ``Host`` header may carry;
default the loopback names; env ``INCUBATOR_CHECK_ALLOWED_HOSTS``, comma-separated, adds more),
``UPLOAD_LIMITS`` (:class:`UploadLimits`), ``MAX_CONTENT_LENGTH`` (a whole request), ``KEEP_SECONDS``
(3600), ``DEFAULT_LANG`` (``zh``), ``JOBS`` (worker processes of a batch), ``TEMP_DIR`` (a folder of
the app's own to use; by default a new private one under the system's temporary folder, removed at close),
``PROCESS_TEMP`` (every temporary file of the process in that folder: ``serve`` sets it), ``WORKER_LIMITS``
(``_supervise.WorkerLimits``: recycling). ``INCUBATOR_CHECK_*`` environment variables (``ENVIRONMENT``) set
the limits where a WSGI server makes the app.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import os
import shutil
import signal
import tempfile
import threading
from typing import Any

from flask import Flask

from ._html import LOADER
from ._store import Store
from ._uploads import MiB, PrivateRequest, UploadLimits

__all__ = ["create_app", "UploadLimits", "AppState"]

LOOPBACK = ("127.0.0.1", "localhost", "::1")


class _App(Flask):
    request_class = PrivateRequest

    @property
    def jinja_loader(self):  # the templates come from the package through importlib.resources
        return LOADER


# The limits an office may set without code: environment variable → (what it sets, its unit). README lists them.
ENVIRONMENT = {
    "INCUBATOR_CHECK_JOBS": ("JOBS", "count"),
    "INCUBATOR_CHECK_PROCESS_TEMP": ("PROCESS_TEMP", "count"),
    "INCUBATOR_CHECK_KEEP_SECONDS": ("KEEP_SECONDS", "count"),
    "INCUBATOR_CHECK_MAX_REQUEST_MIB": ("MAX_CONTENT_LENGTH", "MiB"),
    "INCUBATOR_CHECK_MAX_FILE_MIB": ("file_bytes", "MiB"),
    "INCUBATOR_CHECK_MAX_FILES": ("files", "count"),
    "INCUBATOR_CHECK_MAX_ZIP_MIB": ("zip_bytes", "MiB"),
    "INCUBATOR_CHECK_ZIP_MEMBERS": ("zip_members", "count"),
    "INCUBATOR_CHECK_ZIP_INFLATED_MIB": ("zip_inflated", "MiB"),
    "INCUBATOR_CHECK_RECYCLE_TASKS": ("recycle_tasks", "count"),
    "INCUBATOR_CHECK_RECYCLE_MIB": ("recycle_bytes", "MiB"),
}


def settings_from_environment(environ=None) -> dict[str, Any]:
    """The app's settings from ``INCUBATOR_CHECK_*`` variables (``ENVIRONMENT``); a bad value is refused, by name."""
    import dataclasses

    from .._supervise import WorkerLimits

    environ = os.environ if environ is None else environ
    config: dict[str, Any] = {}
    uploads: dict[str, int] = {}
    workers: dict[str, int] = {}
    upload_fields = {f.name for f in dataclasses.fields(UploadLimits)}
    for variable, (key, unit) in ENVIRONMENT.items():
        raw = environ.get(variable, "").strip()
        if not raw:
            continue
        if not raw.isdigit() or (int(raw) == 0 and key not in ("recycle_tasks", "recycle_bytes", "PROCESS_TEMP")):
            raise ValueError(f"{variable}={raw!r}：应为正整数 / must be a positive whole number")
        value = int(raw) * (MiB if unit == "MiB" else 1)
        if key in upload_fields:
            uploads[key] = value
        elif key.startswith("recycle_"):
            workers[key] = value
        else:
            config[key] = value
    if uploads:
        config["UPLOAD_LIMITS"] = UploadLimits(**uploads)
    if workers:
        config["WORKER_LIMITS"] = WorkerLimits(**workers)
    return config


def _default_jobs() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The WSGI application. Call ``app.extensions['incubator_check'].close()`` (or let the process exit) to clean up."""
    from . import _api, _jobs, _pages, _protect

    app = _App(__name__, static_folder=None, template_folder=None)
    limits = UploadLimits()
    app.config.update(
        ALLOWED_HOSTS=list(LOOPBACK),
        UPLOAD_LIMITS=limits,
        MAX_CONTENT_LENGTH=1024 * MiB,
        MAX_FORM_MEMORY_SIZE=1 * MiB,
        KEEP_SECONDS=3600,
        DEFAULT_LANG="zh",
        JOBS=_default_jobs(),
        TEMP_DIR=None,
        JSON_AS_ASCII=False,
    )
    app.config.update(settings_from_environment())
    app.config.update(config or {})
    app.config["MAX_FORM_PARTS"] = app.config["UPLOAD_LIMITS"].files + 20
    extra = [h.strip() for h in os.environ.get("INCUBATOR_CHECK_ALLOWED_HOSTS", "").split(",") if h.strip()]
    app.config["ALLOWED_HOSTS"] = [h.lower().strip("[]") for h in list(app.config["ALLOWED_HOSTS"]) + extra]
    own = app.config["TEMP_DIR"] is None
    private = tempfile.mkdtemp(prefix="incubator-check-web-") if own else app.config["TEMP_DIR"]
    app.config["INCUBATOR_CHECK_TEMP"] = private
    state = AppState(app, private, own)
    app.extensions["incubator_check"] = state
    atexit.register(state.close)
    if own and app.config.get("PROCESS_TEMP"):
        # The process is the app's own (``serve``, or a WSGI server told so): every temporary file of the process
        # goes in the private folder too, openpyxl's while it writes a workbook included. Restored at close. Not by
        # default: a program that embeds the app (a test runner) keeps its own temporary folder.
        state.previous_tempdir, tempfile.tempdir = tempfile.tempdir, private
    _clean_up_on_signals(state)
    _protect.install(app)
    for blueprint in (_pages.bp, _jobs.bp, _api.bp):
        app.register_blueprint(blueprint)
    app.add_url_rule("/healthz", "healthz", state.healthz)
    return app


def _clean_up_on_signals(state: "AppState") -> None:
    """SIGTERM and SIGINT remove the uploads and results before the process ends, under any WSGI server.

    Only where the process has not chosen otherwise (the default handlers) and from the main thread, as a
    WSGI server calls ``create_app`` (``waitress-serve --call``); ``serve`` installs its own.
    """
    if threading.current_thread() is not threading.main_thread():
        return

    def stop(signum, frame):
        state.close()
        raise SystemExit(128 + signum)

    for name, default in (("SIGTERM", signal.SIG_DFL), ("SIGINT", signal.default_int_handler)):
        number = getattr(signal, name, None)
        if number is None:
            continue
        with contextlib.suppress(ValueError, OSError):
            if signal.getsignal(number) in (default, signal.SIG_DFL):
                signal.signal(number, stop)


class AppState:
    """What the app holds: the private folder, the results, the reader pool, the running batches."""

    def __init__(self, app: Flask, private: str, own: bool):
        self.app, self.private, self.own = app, private, own
        self.store = Store(private, int(app.config["KEEP_SECONDS"]))
        self.batches = threading.BoundedSemaphore(1)  # one batch at a time uses the workers; others queue
        self.threads: list[threading.Thread] = []
        self._pool = None
        self._pool_lock = threading.Lock()
        self.templates: dict[str, bytes] = {}
        self.closed = False
        self.previous_tempdir: str | None = None
        self._close_lock = threading.Lock()

    def reader(self):
        """The supervised reader pool (``_supervise.ReaderPool``), started on first use and shared by every request."""
        with self._pool_lock:
            if self.closed:
                raise RuntimeError("the app is closed")
            if self._pool is None:
                from .._supervise import ReaderPool

                self._pool = ReaderPool(workers=int(self.app.config["JOBS"]), limits=self.app.config.get("WORKER_LIMITS"),
                                        temp_dir=self.private)
            return self._pool

    def check(self, path: str, ruleset: str | None, lang: str, as_of: dt.date | None,
              plan: bool = False) -> dict[str, Any]:
        """One workbook → its JSON report, parsed in a supervised worker: a crafted file is its ERROR, not our crash;
        with ``plan``, the report holds the plan to pass and the figures the what-if form starts from."""
        return self.reader().check(path, ruleset, lang=lang, as_of=as_of, plan="as-is" if plan else None)

    def check_in(self, path: str, ruleset: str | None, langs: tuple[str, ...], as_of: dt.date | None,
                 plan: bool = False) -> dict[str, dict[str, Any]]:
        """Language → the JSON report of one workbook, judged once and written out in each of ``langs``."""
        return self.reader().check_in(path, ruleset, langs, as_of=as_of, plan="as-is" if plan else None)

    def healthz(self):
        """``ok`` when a reader worker answers a round trip now (a broken pool is rebuilt first); else 503."""
        from flask import Response

        from ._common import error

        with self._pool_lock:
            pool = self._pool
        if pool is None or (pool.heal() and pool.ping(timeout=15)):  # not started yet: the first check starts it
            return Response("ok", mimetype="text/plain")
        return error(503, "reader-not-serving", "检查进程池没有响应，请稍后再试或重启服务",
                     "the reader pool does not answer; try again shortly, or restart the server")

    def close(self) -> None:
        """Stop the batches and the workers, and delete every upload and result (the private folder too, if ours)."""
        with self._close_lock:
            if self.closed:
                return
            self.closed = True
        self.store.closing.set()
        for thread in self.threads:
            thread.join(timeout=10)
        with self._pool_lock:
            pool = self._pool
        if pool is not None:
            pool.close(now=True)
        self.store.close()
        if self.own:
            shutil.rmtree(self.private, ignore_errors=True)
            if tempfile.tempdir == self.private:  # another app's folder only while it still exists
                previous = self.previous_tempdir
                tempfile.tempdir = previous if previous is None or os.path.isdir(previous) else None
