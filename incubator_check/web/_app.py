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
the app's own to use; by default a new private one under the system's temporary folder, removed at close).
"""

from __future__ import annotations

import atexit
import datetime as dt
import os
import shutil
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
    _protect.install(app)
    for blueprint in (_pages.bp, _jobs.bp, _api.bp):
        app.register_blueprint(blueprint)
    app.add_url_rule("/healthz", "healthz", state.healthz)
    return app


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

    def reader(self):
        """The supervised reader pool (``_supervise.ReaderPool``), started on first use and shared by every request."""
        with self._pool_lock:
            if self.closed:
                raise RuntimeError("the app is closed")
            if self._pool is None:
                from .._supervise import ReaderPool

                self._pool = ReaderPool(workers=int(self.app.config["JOBS"]))
            return self._pool

    def check(self, path: str, ruleset: str | None, lang: str, as_of: dt.date | None) -> dict[str, Any]:
        """One workbook → its JSON report, parsed in a supervised worker: a crafted file is its ERROR, not our crash."""
        return self.reader().check(path, ruleset, lang=lang, as_of=as_of)

    def healthz(self):
        from flask import Response

        return Response("ok", mimetype="text/plain")

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.store.closing.set()
        for thread in self.threads:
            thread.join(timeout=10)
        self.store.close()
        if self._pool is not None:
            self._pool.close(now=True)
        if self.own:
            shutil.rmtree(self.private, ignore_errors=True)
