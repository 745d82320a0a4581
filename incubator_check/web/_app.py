"""The web app (``../shared/spec/web.md``), behind ``incubator_check.web.create_app``: pages for people, JSON for programs, one private temporary folder.

``create_app(config=None)`` returns the Flask (WSGI) application; ``incubator-check serve`` runs it on
127.0.0.1, and an office may run it under waitress (README). Workbooks are checked through the same
reader as ``batch``; an upload is stored under a generated name, checked, and deleted; the result is
kept under an unguessable token for ``KEEP_SECONDS``.

Configuration (``config`` dict, all optional): ``ALLOWED_HOSTS`` (names the ``Host`` header may carry;
default the loopback names; env ``INCUBATOR_CHECK_ALLOWED_HOSTS``, comma-separated, adds more),
``UPLOAD_LIMITS`` (:class:`UploadLimits`), ``MAX_CONTENT_LENGTH`` (a whole request), ``KEEP_SECONDS``
(3600), ``DEFAULT_LANG`` (``zh``), ``JOBS`` (worker processes of a batch), ``TEMP_DIR`` (a folder of
the app's own to use; by default a new private one under the system's temporary folder, removed at close).
"""

from __future__ import annotations

import atexit
import datetime as dt
import json
import os
import re
import secrets
import shutil
import tempfile
import threading
import time
from typing import Any

from flask import Flask, Response, abort, g, jsonify, redirect, render_template, request, send_file
from werkzeug.exceptions import HTTPException

from . import _view
from ._html import LOADER, common, static_file
from ._store import Entry, Store
from ._uploads import MiB, PrivateRequest, UploadError, UploadLimits, display_name, save_uploads, suffix_of

__all__ = ["create_app", "UploadLimits"]

LOOPBACK = ("127.0.0.1", "localhost", "::1")
_LANGS = ("zh", "en")


class _App(Flask):
    request_class = PrivateRequest

    @property
    def jinja_loader(self):  # the templates come from the package through importlib.resources
        return LOADER


class WebError(Exception):
    def __init__(self, status: int, code: str, zh: str, en: str):
        super().__init__(en)
        self.status, self.code, self.zh, self.en = status, code, zh, en


def _default_jobs() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The WSGI application. Call ``app.extensions['incubator_check'].close()`` (or let the process exit) to clean up."""
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
    state = _State(app, private, own)
    app.extensions["incubator_check"] = state
    atexit.register(state.close)
    _routes(app, state)
    return app


class _State:
    """What the app holds: the private folder, the results, the reader, the running batches."""

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


# --- helpers --------------------------------------------------------------------------------------


def _lang() -> str:
    value = request.args.get("lang") or (request.form.get("lang") if request.method == "POST" and not _is_api() else None)
    if value in _LANGS:
        return value
    from flask import current_app

    return current_app.config["DEFAULT_LANG"] if current_app.config["DEFAULT_LANG"] in _LANGS else "zh"


def _is_api() -> bool:
    return request.path.startswith("/api/")


def _switch_url(lang: str) -> str:
    args = request.args.to_dict()
    args["lang"] = "en" if lang == "zh" else "zh"
    from urllib.parse import urlencode

    return request.path + "?" + urlencode(args)


def _page(template: str, status: int = 200, **context: Any) -> Response:
    lang = context.pop("lang", None) or _lang()
    from flask import current_app

    keep = _view.duration(int(current_app.config["KEEP_SECONDS"]), lang)
    html = render_template(template, **common(lang), nonce=g.nonce, standalone=False, switch_url=_switch_url(lang),
                           kept_for=_view.word("kept_for", lang, keep=keep) if context.pop("show_keep", False) else None,
                           **context)
    return Response(html, status=status, mimetype="text/html")


def _error(status: int, code: str, zh: str, en: str) -> Response:
    if _is_api() or request.path == "/healthz":
        response = jsonify({"error": {"code": code, "message_zh": zh, "message_en": en}})
        response.status_code = status
        return response
    lang = _lang()
    return _page("error.html", status=status, lang=lang, message=en if lang == "en" else zh, code=code)


def _host_allowed(host: str, allowed: list[str]) -> bool:
    host = host.strip().lower()
    if host.startswith("["):
        name = host[1:host.find("]")] if "]" in host else host
    else:
        name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return bool(name) and name in allowed


def _as_of(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise WebError(400, "bad-date", f"「{value}」不是 YYYY-MM-DD 日期", f"'{value}' is not a YYYY-MM-DD date") from None


def _ruleset(value: str | None) -> str | None:
    from ..rules.ruleset import bundled_ids

    if not value:
        return None
    if value not in bundled_ids():
        known = "、".join(bundled_ids())
        raise WebError(400, "unknown-ruleset", f"没有名为「{value}」的规则集（可用：{known}）",
                       f"no ruleset named '{value}' (available: {', '.join(bundled_ids())})")
    return value


def _api_lang(value: str | None) -> str:
    if not value:
        from flask import current_app

        return current_app.config["DEFAULT_LANG"]
    if value not in _LANGS:
        raise WebError(400, "bad-lang", f"lang 应为 zh 或 en，实为「{value}」", f"lang must be zh or en, not '{value}'")
    return value


def _safe_stem(display: str) -> str:
    stem = os.path.splitext(display.rsplit("/", 1)[-1])[0]
    stem = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", stem).strip(" .")
    return stem[:80] or "report"


def _renamer(uploads):
    """Put the uploaded names back where a report says the generated path (source.path, messages, cross findings)."""
    by_index = {os.path.basename(u.path): u.display for u in uploads}
    folder = os.path.dirname(uploads[0].path) if uploads else ""
    pattern = re.compile("(?:" + re.escape(folder) + r"[\\/])?(in-\d{6}\.(?:xlsx|xlsm|xls|ods))")

    def text(value: str) -> str:
        if "in-" not in value:
            return value
        return pattern.sub(lambda m: by_index.get(m.group(1), m.group(1)), value)

    def fix(obj: Any) -> Any:
        if isinstance(obj, str):
            return text(obj)
        if isinstance(obj, list):
            return [fix(v) for v in obj]
        if isinstance(obj, dict):
            return {k: fix(v) for k, v in obj.items()}
        return obj

    return fix, text


def _compact(data: dict[str, Any]) -> dict[str, Any]:
    """What the summary page needs of a report, kept in memory (a few hundred bytes a submission)."""
    keep = ("id", "title", "status", "value", "threshold", "operator", "shortfall", "shortfall_unit", "unit")
    return {"source": {"path": data["source"]["path"]}, "verdict": data["verdict"], "error": data.get("error"),
            "incubator": {k: (data.get("incubator") or {}).get(k) for k in ("name", "province", "level", "authority")},
            "clauses": [{k: c.get(k) for k in keep} for c in data.get("clauses", []) if c["status"] in ("FAIL", "MISSING")]}


class _Cancelled(Exception):
    pass


def _run_batch(state: _State, entry: Entry, batch, ruleset: str | None, lang: str, as_of: dt.date | None) -> None:
    """Check every stored upload of a batch into ``entry``: the reports, the cross findings, the quota."""
    import dataclasses

    from .._batch import run_batch, with_cross_findings
    from ..present.summary import authority_word, quota, summary_row, summary_setup
    from ..rules.ruleset import load_ruleset

    fix, text = _renamer(batch.uploads)
    try:
        with state.batches:
            if state.store.closing.is_set():
                raise _Cancelled()

            def progress(n: int) -> None:
                entry.done += n
                if state.store.closing.is_set():
                    raise _Cancelled()

            paths = [u.path for u in batch.uploads]
            spool = run_batch(paths, ruleset=ruleset, lang=lang, as_of=as_of, jobs=int(state.app.config["JOBS"]),
                              progress=progress, pool=state.reader())
            try:
                cross = spool.cross_findings()
                setup = summary_setup(load_ruleset(ruleset) if ruleset else None, lang)
                entry.ruleset = ruleset
                entry.quota_citation = setup.citation
                entry.clause_ids = list(setup.clause_ids)
                cross = [dataclasses.replace(c, claims=[(i, text(p), r) for i, p, r in c.claims]) for c in cross]
                entry.cross = cross
                rows, offsets = [], []
                with open(entry.file("reports.jsonl"), "w", encoding="utf-8", newline="\n") as out:
                    for line in with_cross_findings(spool, cross, lang):
                        data = fix(json.loads(line))
                        offsets.append(out.tell())
                        out.write(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n")
                        rows.append(_compact(data))
                entry.rows, entry.offsets = rows, offsets
                entry.quota = [{"authority": authority_word(q.authority, lang), "excellence_applicants": q.excellence_applicants,
                                "excellence": q.excellence, "total": q.total, "cap": q.cap, "formula": q.formula(lang),
                                "over": q.over}
                               for q in quota([summary_row(r, i, setup) for i, r in enumerate(rows)], setup)]
            finally:
                spool.close()
    except _Cancelled:
        entry.failure = "cancelled"
    except Exception as exc:  # noqa: BLE001 - the page says the batch failed; the server goes on
        entry.failure = f"{type(exc).__name__}: {exc}"
    finally:
        batch.remove()
        entry.finished = time.monotonic()


def _start_batch(state: _State, batch, ruleset, lang, as_of) -> Entry:
    entry = state.store.new("batch", lang)
    entry.total = len(batch.uploads)
    entry.skipped = batch.skipped
    thread = threading.Thread(target=_run_batch, args=(state, entry, batch, ruleset, lang, as_of), daemon=True,
                              name="incubator-check-batch")
    state.threads = [t for t in state.threads if t.is_alive()] + [thread]
    thread.start()
    return entry


def _check_single(state: _State, upload, ruleset, lang, as_of) -> Entry:
    """One workbook: checked in the page's language and in the other one (so the language switch is complete)."""
    entry = state.store.new("report", lang)
    entry.display = upload.display
    fix, _ = _renamer([upload])
    for each in (lang,) + tuple(x for x in _LANGS if x != lang):
        data = fix(state.check(upload.path, ruleset, each, as_of))
        path = entry.file(f"report-{each}.json")
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False)
        entry.reports[each] = path
    entry.finished = time.monotonic()
    return entry


def _read_json(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def _batch_report(entry: Entry, index: int) -> dict[str, Any]:
    if not 0 <= index < len(entry.offsets):
        abort(404)
    with open(entry.file("reports.jsonl"), encoding="utf-8") as handle:
        handle.seek(entry.offsets[index])
        return json.loads(handle.readline())


class _AsReport:
    """What ``_summary.write_report`` needs of a report: its JSON."""

    def __init__(self, data: dict[str, Any]):
        self._data = data

    def as_json(self) -> dict[str, Any]:
        return self._data


def _download_report(data: dict[str, Any], kind: str, lang: str, folder: str) -> Response:
    stem = _safe_stem((data.get("source") or {}).get("path", "report"))
    suffix = "-report" if lang == "en" else "-检查结果"
    if kind == "json":
        body = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
        return _attachment(body, "application/json", f"{stem}{suffix}.json")
    if kind == "html":
        from ._html import render_report_html

        return _attachment(render_report_html(data, lang).encode("utf-8"), "text/html", f"{stem}{suffix}.html")
    from ..present.workbook import write_report

    path = os.path.join(folder, f"dl-{secrets.token_hex(8)}.xlsx")
    try:
        write_report(path, _AsReport(data), lang)
        with open(path, "rb") as handle:
            body = handle.read()
    finally:
        if os.path.exists(path):
            os.unlink(path)
    return _attachment(body, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", f"{stem}{suffix}.xlsx")


def _attachment(body: bytes, mimetype: str, name: str) -> Response:
    import io

    return send_file(io.BytesIO(body), mimetype=mimetype, as_attachment=True, download_name=name, max_age=0)


def _rulesets_json() -> list[dict[str, Any]]:
    """The bundled rulesets and their clauses (the data of ``rules``), for programs and the rules pages."""
    from ..judge.numbers import exact
    from ..rules.ruleset import bundled_ids, load_ruleset

    out = []
    for rid in bundled_ids():
        rs = load_ruleset(rid)
        clauses = []
        for c in rs.clauses:
            conditions = []
            for cond in c.conditions:
                relaxed = cond.threshold * rs.relaxation.factor if cond.relaxable and rs.relaxation and not isinstance(cond.threshold, bool) else None
                conditions.append({"value": cond.value, "share": cond.share, "per": cond.per, "operator": cond.operator,
                                   "threshold": exact(cond.threshold), "relaxable": cond.relaxable,
                                   "relaxed_threshold": exact(relaxed) if relaxed is not None else None})
            clauses.append({"id": c.id, "article": c.article, "title_zh": c.title.zh, "title_en": c.title.en,
                            "legal_text": c.legal_text, "unit": c.unit,
                            "kind": "review" if c.review else ("ban" if c.ban else "conditions"),
                            "conditions": conditions})
        out.append({"id": rs.id, "version": rs.version, "level": rs.level, "title_zh": rs.title.zh, "title_en": rs.title.en,
                    "citation": rs.citation, "effective": rs.effective.isoformat(), "example": rs.example,
                    "default": rs.default, "sha256": rs.sha256, "clauses": clauses})
    return out


def _threshold_text(cond, unit: str, value, lang: str) -> str:
    from fractions import Fraction

    from .._words import unit_word
    from ..judge.numbers import exact, percent

    if isinstance(value, bool):
        shown = ("yes" if value else "no") if lang == "en" else ("是" if value else "否")
    elif unit == "ratio":
        shown = percent(Fraction(value))
    else:
        shown = exact(value) or ""
        suffix = unit_word(unit, lang)
        shown = f"{shown} {suffix}".strip()
    operator = {"==": "=", ">=": "≥", "<=": "≤"}.get(cond.operator, cond.operator)
    return f"{operator} {shown}"


def _clause_view(rs, clause, lang: str) -> dict[str, Any]:
    from ..rules.ruleset import in_language

    conditions, thresholds, relaxed_list, tests = [], [], [], []
    for cond in clause.conditions:
        unit = clause.unit if clause.unit else ""
        if cond.share:
            unit = "ratio"
            figure = _view.word("share_of", lang, test=cond.share)
            test = rs.tenant_tests.get(cond.share)
            if test is not None:
                tests.append({"name": cond.share, "article": test.article, "legal_text": test.legal_text,
                              "reading": in_language(test.reading, lang) if test.reading else ""})
        else:
            figure = cond.value + (f" / {cond.per}" if cond.per else "")
            if cond.per:
                unit = "ratio"
        threshold = _threshold_text(cond, unit, cond.threshold, lang)
        relaxed = ""
        if cond.relaxable and rs.relaxation and not isinstance(cond.threshold, bool):
            relaxed = _threshold_text(cond, unit, cond.threshold * rs.relaxation.factor, lang) + f"（{rs.relaxation.basis}）"
        conditions.append({"figure": figure, "threshold": threshold, "relaxed": relaxed,
                           "reading": in_language(cond.reading, lang) if cond.reading else ""})
        thresholds.append(threshold)
        if relaxed:
            relaxed_list.append(relaxed)
    if clause.review:
        thresholds.append(_view.word("kind_review", lang))
    if clause.ban:
        thresholds.append(_view.word("kind_ban", lang))
    return {"id": clause.id, "article": clause.article, "title": clause.title(lang), "legal_text": clause.legal_text,
            "reading": in_language(clause.reading, lang) if clause.reading else "",
            "review": clause.review(lang) if clause.review else "", "conditions": conditions, "tests": tests,
            "thresholds": thresholds, "relaxed": relaxed_list,
            "bans": list(rs.bans.years.items()) if clause.ban and rs.bans else []}


def _ruleset_summary(lang: str) -> list[dict[str, Any]]:
    from ..rules.ruleset import bundled_ids, load_ruleset

    out = []
    for rid in bundled_ids():
        rs = load_ruleset(rid)
        out.append({"id": rs.id, "version": rs.version, "title": rs.title(lang), "level": rs.level,
                    "citation": rs.citation, "effective": rs.effective.isoformat(), "example": rs.example})
    return out


def _bundled_ruleset(rid: str):
    from ..rules.ruleset import bundled_ids, load_ruleset

    if rid not in bundled_ids():  # only bundled ids: a ruleset reference may also be a path, never from a URL
        abort(404)
    return load_ruleset(rid)


# --- routes ---------------------------------------------------------------------------------------


def _routes(app: Flask, state: _State) -> None:
    @app.before_request
    def _guard():
        g.nonce = secrets.token_urlsafe(16)
        if not _host_allowed(request.host, app.config["ALLOWED_HOSTS"]):
            return _error(400, "bad-host", "请求的主机名不是本服务器的名称或地址，已拒绝",
                          "the request's Host is not this server's name or address; refused")
        origin = request.headers.get("Origin")
        if request.method == "POST" and origin and origin != "null":
            from urllib.parse import urlsplit

            if not _host_allowed(urlsplit(origin).netloc, app.config["ALLOWED_HOSTS"]):
                return _error(400, "bad-origin", "请求来自其他网站，已拒绝", "the request comes from another site; refused")
        state.store.sweep()
        return None

    @app.after_request
    def _headers(response: Response) -> Response:
        nonce = getattr(g, "nonce", "")
        response.headers["Content-Security-Policy"] = (
            f"default-src 'none'; script-src 'self'; style-src 'nonce-{nonce}'; img-src 'self' data:; "
            "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
        if request.path != "/static/app.js":
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.errorhandler(WebError)
    @app.errorhandler(UploadError)
    def _known(exc):
        return _error(exc.status, exc.code, exc.zh, exc.en)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        keep = int(app.config["KEEP_SECONDS"])
        if exc.code == 413:
            limits: UploadLimits = app.config["UPLOAD_LIMITS"]
            return _error(413, "too-large", f"上传的内容过大（每个文件不超过 {limits.file_bytes // MiB} MiB，每次最多 {limits.files} 个文件）",
                          f"the upload is too large (at most {limits.file_bytes // MiB} MiB a file and {limits.files} files at a time)")
        if exc.code == 404:
            return _error(404, "not-found", _view.word("not_found", "zh", keep=_view.duration(keep, "zh")),
                          _view.word("not_found", "en", keep=_view.duration(keep, "en")))
        if exc.code == 405:
            return _error(405, "method-not-allowed", "不支持此请求方式", "method not allowed")
        return _error(exc.code or 400, "bad-request", "请求有误", exc.description or "bad request")

    @app.errorhandler(Exception)
    def _internal(exc: Exception):
        app.logger.exception("internal error")
        return _error(500, "internal-error", "服务器内部错误，请报告此问题", "internal server error; please report it")

    @app.get("/healthz")
    def healthz():
        return Response("ok", mimetype="text/plain")

    @app.get("/static/app.js")
    def app_js():
        response = Response(static_file("app.js"), mimetype="text/javascript")
        response.headers["Cache-Control"] = "max-age=3600"
        return response

    @app.get("/")
    def index():
        lang = _lang()
        limits: UploadLimits = app.config["UPLOAD_LIMITS"]
        return _page("index.html", lang=lang, rulesets=_ruleset_summary(lang),
                     limits=_view.word("limits", lang, size=f"{limits.file_bytes // MiB} MiB", files=limits.files))

    def _form_options():
        return _ruleset(request.form.get("ruleset")), _as_of(request.form.get("as_of"))

    @app.post("/check")
    def check_page():
        lang = _lang()
        files = request.files.getlist("files") + request.files.getlist("file")
        ruleset, as_of = _form_options()
        batch = save_uploads(files, state.private, app.config["UPLOAD_LIMITS"])
        single = len(batch.uploads) == 1 and not any(suffix_of(display_name(f.filename)) == ".zip" for f in files)
        if single:
            try:
                entry = _check_single(state, batch.uploads[0], ruleset, lang, as_of)
            finally:
                batch.remove()
            return redirect(f"/r/{entry.token}?lang={lang}", code=303)
        entry = _start_batch(state, batch, ruleset, lang, as_of)
        return redirect(f"/b/{entry.token}?lang={lang}", code=303)

    def _report_entry(token: str) -> Entry:
        entry = state.store.get(token, "report")
        if entry is None:
            abort(404)
        return entry

    def _report_downloads(base: str, lang: str):
        return [(f"{base}/report.xlsx?lang={lang}", _view.word("dl_xlsx", lang)),
                (f"{base}/report.html?lang={lang}", _view.word("dl_html", lang)),
                (f"{base}/report.json?lang={lang}", _view.word("dl_json", lang))]

    @app.get("/r/<token>")
    def report_page(token: str):
        lang = _lang()
        entry = _report_entry(token)
        data = _read_json(entry.reports.get(lang) or entry.reports[entry.lang])
        return _page("report.html", lang=lang, r=_view.report_view(data, lang), show_keep=True,
                     downloads=_report_downloads(f"/r/{token}", lang), back=None)

    @app.get("/r/<token>/report.<kind>")
    def report_download(token: str, kind: str):
        if kind not in ("json", "xlsx", "html"):
            abort(404)
        lang = _lang()
        entry = _report_entry(token)
        data = _read_json(entry.reports.get(lang) or entry.reports[entry.lang])
        return _download_report(data, kind, lang, entry.folder)

    def _batch_entry(token: str) -> Entry:
        entry = state.store.get(token, "batch")
        if entry is None:
            abort(404)
        return entry

    @app.get("/b/<token>")
    def batch_page(token: str):
        lang = _lang()
        entry = _batch_entry(token)
        f_verdict, f_clause, f_sort = request.args.get("verdict", ""), request.args.get("clause", ""), request.args.get("sort", "file")
        rows, counts = [], {}
        if entry.is_finished and not entry.failure:
            for i, data in enumerate(entry.rows):
                counts[data["verdict"]] = counts.get(data["verdict"], 0) + 1
                row = _view.batch_row(i, data, lang)
                if f_verdict and row["verdict"] != f_verdict:
                    continue
                if f_clause and f_clause not in row["not_passing"]:
                    continue
                row["url"] = f"/b/{token}/{i}?lang={lang}"
                rows.append(row)
            order = {"PASS": 3, "INCOMPLETE": 1, "FAIL": 0, "ERROR": 2}
            if f_sort == "verdict":
                rows.sort(key=lambda r: (order.get(r["verdict"], 9), r["index"]))
            elif f_sort == "incubator":
                rows.sort(key=lambda r: (r["incubator"] or "\uffff", r["index"]))
        cross = [{"code": c.code, "key": c.key, "name": c.name, "message": c.message(lang)} for c in entry.cross]
        return _page("batch.html", lang=lang, b=entry, rows=rows, show_keep=entry.is_finished,
                     counts=[(v, counts[v]) for v in ("PASS", "FAIL", "INCOMPLETE", "ERROR") if v in counts],
                     cross=cross, quota=entry.quota, quota_citation=entry.quota_citation, clause_ids=entry.clause_ids,
                     f_verdict=f_verdict, f_clause=f_clause, f_sort=f_sort,
                     progress_url=f"/b/{token}/progress.json", summary_url=f"/b/{token}/summary.xlsx?lang={lang}",
                     jsonl_url=f"/b/{token}/reports.jsonl")

    @app.get("/b/<token>/progress.json")
    def batch_progress(token: str):
        entry = _batch_entry(token)
        return jsonify({"done": entry.done, "total": entry.total, "finished": entry.is_finished,
                        "failed": entry.failure is not None})

    def _finished(entry: Entry) -> None:
        if not entry.is_finished or entry.failure:
            abort(404)

    @app.get("/b/<token>/reports.jsonl")
    def batch_jsonl(token: str):
        entry = _batch_entry(token)
        _finished(entry)
        return send_file(entry.file("reports.jsonl"), mimetype="application/x-ndjson", as_attachment=True,
                         download_name="reports.jsonl", max_age=0)

    @app.get("/b/<token>/summary.xlsx")
    def batch_summary(token: str):
        lang = _lang()
        entry = _batch_entry(token)
        _finished(entry)
        with entry.lock:
            if lang not in entry.summaries:
                from ..present.summary import summary_setup
                from ..present.workbook import write_summary
                from ..rules.ruleset import load_ruleset

                path = entry.file(f"summary-{lang}.xlsx")

                def lines():
                    with open(entry.file("reports.jsonl"), encoding="utf-8") as handle:
                        for line in handle:
                            yield line.rstrip("\n")

                # the CLI's function with the CLI's setup: the same sheets, headers and order
                write_summary(path, lines, summary_setup(load_ruleset(entry.ruleset) if entry.ruleset else None, lang),
                              entry.cross)
                entry.summaries[lang] = path
        return send_file(entry.summaries[lang], mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                         as_attachment=True, download_name="summary.xlsx" if lang == "en" else "汇总.xlsx", max_age=0)

    @app.get("/b/<token>/<int:index>")
    def batch_report_page(token: str, index: int):
        lang = _lang()
        entry = _batch_entry(token)
        _finished(entry)
        data = _batch_report(entry, index)
        return _page("report.html", lang=lang, r=_view.report_view(data, lang), show_keep=True,
                     downloads=_report_downloads(f"/b/{token}/{index}", lang), back=f"/b/{token}?lang={lang}")

    @app.get("/b/<token>/<int:index>/report.<kind>")
    def batch_report_download(token: str, index: int, kind: str):
        if kind not in ("json", "xlsx", "html"):
            abort(404)
        lang = _lang()
        entry = _batch_entry(token)
        _finished(entry)
        return _download_report(_batch_report(entry, index), kind, lang, entry.folder)

    @app.get("/rules")
    def rules_page():
        lang = _lang()
        return _page("rules.html", lang=lang, rulesets=_ruleset_summary(lang))

    @app.get("/rules/<rid>")
    def ruleset_page(rid: str):
        lang = _lang()
        rs = _bundled_ruleset(rid)
        summary = next(r for r in _ruleset_summary(lang) if r["id"] == rid)
        return _page("ruleset.html", lang=lang, rs=summary, clauses=[_clause_view(rs, c, lang) for c in rs.clauses])

    @app.get("/rules/<rid>/<cid>")
    def clause_page(rid: str, cid: str):
        lang = _lang()
        rs = _bundled_ruleset(rid)
        try:
            clause = rs.clause(cid)
        except KeyError:
            abort(404)
        summary = next(r for r in _ruleset_summary(lang) if r["id"] == rid)
        return _page("clause.html", lang=lang, rs=summary, c=_clause_view(rs, clause, lang))

    @app.get("/template.xlsx")
    def template_download():
        level = request.args.get("level", "标准级")
        if level not in ("标准级", "卓越级"):
            raise WebError(400, "bad-level", f"申报级别应为 标准级 或 卓越级，实为「{level}」",
                           f"level must be 标准级 or 卓越级, not '{level}'")
        if level not in state.templates:
            from .._template import write_template

            path = os.path.join(state.private, f"tpl-{secrets.token_hex(8)}.xlsx")
            try:
                write_template(path, level=level)
                with open(path, "rb") as handle:
                    state.templates[level] = handle.read()
            finally:
                if os.path.exists(path):
                    os.unlink(path)
        return _attachment(state.templates[level], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                           f"申报表-{level}.xlsx")

    @app.post("/api/check")
    def api_check():
        lang = _api_lang(request.form.get("lang"))
        ruleset, as_of = _form_options()
        files = request.files.getlist("file")
        if len(files) > 1:
            raise WebError(400, "one-file", "/api/check 只接受一个文件（多个文件请用 /api/batch）",
                           "/api/check takes one file (use /api/batch for several)")
        batch = save_uploads(files, state.private, app.config["UPLOAD_LIMITS"], allow_zip=False)
        try:
            upload = batch.uploads[0]
            fix, _ = _renamer([upload])
            data = fix(state.check(upload.path, ruleset, lang, as_of))
        finally:
            batch.remove()
        return Response(json.dumps(data, ensure_ascii=False), mimetype="application/json")

    @app.post("/api/batch")
    def api_batch():
        lang = _api_lang(request.form.get("lang"))
        ruleset, as_of = _form_options()
        files = request.files.getlist("files") + request.files.getlist("file")
        batch = save_uploads(files, state.private, app.config["UPLOAD_LIMITS"])
        entry = state.store.new("batch", lang)
        entry.total = len(batch.uploads)
        _run_batch(state, entry, batch, ruleset, lang, as_of)
        if entry.failure:
            raise WebError(500, "batch-failed", "批量检查未能完成", f"the batch could not be finished ({entry.failure})")
        path = entry.file("reports.jsonl")

        def stream():
            with open(path, encoding="utf-8") as handle:
                for line in handle:
                    yield line

        return Response(stream(), mimetype="application/x-ndjson")

    @app.get("/api/rulesets")
    def api_rulesets():
        return Response(json.dumps({"rulesets": _rulesets_json()}, ensure_ascii=False), mimetype="application/json")
