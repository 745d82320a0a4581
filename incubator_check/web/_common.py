"""What every route module shares: the app's state, the page language, a page or an error in the right shape,
the form options, the names put back into reports, and downloads.

Route modules (``_pages``, ``_jobs``, ``_api``) reach the app's state through :func:`state` (the Flask
application's ``extensions['incubator_check']``), never through a closure, so each can be tested on its own.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import secrets
from typing import Any
from urllib.parse import urlencode

from flask import Response, current_app, g, jsonify, render_template, request, send_file

from . import _view
from ._html import common

LANGS = ("zh", "en")


class WebError(Exception):
    """A request refused on purpose: its HTTP status, a code, and the reason in both languages."""

    def __init__(self, status: int, code: str, zh: str, en: str):
        super().__init__(en)
        self.status, self.code, self.zh, self.en = status, code, zh, en


def state():
    """The running app's state (``_app.AppState``): its private folder, results, reader pool."""
    return current_app.extensions["incubator_check"]


def is_api() -> bool:
    return request.path.startswith("/api/")


def default_lang() -> str:
    return current_app.config["DEFAULT_LANG"] if current_app.config["DEFAULT_LANG"] in LANGS else "zh"


def page_lang() -> str:
    """A page's language: ``?lang=``, the form's ``lang`` field, else the app's default."""
    value = request.args.get("lang")
    if value is None and request.method == "POST" and not is_api() and not g.get("refused"):  # a refusal reads no upload
        value = request.form.get("lang")
    return value if value in LANGS else default_lang()


def api_lang(value: str | None) -> str:
    if not value:
        return current_app.config["DEFAULT_LANG"]
    if value not in LANGS:
        raise WebError(400, "bad-lang", f"lang 应为 zh 或 en，实为「{value}」", f"lang must be zh or en, not '{value}'")
    return value


def switch_url(lang: str) -> str:
    args = request.args.to_dict()
    args["lang"] = "en" if lang == "zh" else "zh"
    return request.path + "?" + urlencode(args)


def page(template: str, status: int = 200, **context: Any) -> Response:
    lang = context.pop("lang", None) or page_lang()
    keep = _view.duration(int(current_app.config["KEEP_SECONDS"]), lang)
    html = render_template(template, **common(lang), nonce=g.get("nonce", ""), standalone=False, switch_url=switch_url(lang),
                           kept_for=_view.word("kept_for", lang, keep=keep) if context.pop("show_keep", False) else None,
                           **context)
    return Response(html, status=status, mimetype="text/html")


def error(status: int, code: str, zh: str, en: str) -> Response:
    """A refusal: JSON ``{"error": {...}}`` for programs (``/api/``, ``/healthz``), an error page for people."""
    if is_api() or request.path == "/healthz":
        response = jsonify({"error": {"code": code, "message_zh": zh, "message_en": en}})
        response.status_code = status
        return response
    lang = page_lang()
    return page("error.html", status=status, lang=lang, message=en if lang == "en" else zh, code=code)


def as_of(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise WebError(400, "bad-date", f"「{value}」不是 YYYY-MM-DD 日期", f"'{value}' is not a YYYY-MM-DD date") from None


def ruleset(value: str | None) -> str | None:
    from ..rules.ruleset import bundled_ids

    if not value:
        return None
    if value not in bundled_ids():
        known = "、".join(bundled_ids())
        raise WebError(400, "unknown-ruleset", f"没有名为「{value}」的规则集（可用：{known}）",
                       f"no ruleset named '{value}' (available: {', '.join(bundled_ids())})")
    return value


def form_options() -> tuple[str | None, dt.date | None]:
    """The form's ruleset and application date, checked."""
    return ruleset(request.form.get("ruleset")), as_of(request.form.get("as_of"))


def safe_stem(display: str) -> str:
    stem = os.path.splitext(display.rsplit("/", 1)[-1])[0]
    stem = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", stem).strip(" .")
    return stem[:80] or "report"


def renamer(uploads):
    """Put the uploaded names back where a report says the generated path (source.path, messages, cross findings)."""
    by_index = {os.path.basename(u.path): u.display for u in uploads}
    folder = os.path.dirname(uploads[0].path) if uploads else ""
    pattern = re.compile("(?:" + re.escape(folder) + r"[\\/])?(in-\d{6}\.[a-z0-9]{1,4})")  # _uploads._stored_name

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


def read_json(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


class _AsReport:
    """What ``_summary.write_report`` needs of a report: its JSON."""

    def __init__(self, data: dict[str, Any]):
        self._data = data

    def as_json(self) -> dict[str, Any]:
        return self._data


def report_downloads(base: str, lang: str) -> list[tuple[str, str]]:
    return [(f"{base}/report.xlsx?lang={lang}", _view.word("dl_xlsx", lang)),
            (f"{base}/report.html?lang={lang}", _view.word("dl_html", lang)),
            (f"{base}/report.json?lang={lang}", _view.word("dl_json", lang))]


def download_report(data: dict[str, Any], kind: str, lang: str, folder: str) -> Response:
    """One report as a file: JSON, the printable HTML page, or the Excel report (written in ``folder``, then read)."""
    stem = safe_stem((data.get("source") or {}).get("path", "report"))
    suffix = "-report" if lang == "en" else "-检查结果"
    if kind == "json":
        body = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
        return attachment(body, "application/json", f"{stem}{suffix}.json")
    if kind == "html":
        from ._html import render_report_html

        return attachment(render_report_html(data, lang).encode("utf-8"), "text/html", f"{stem}{suffix}.html")
    from ..present.workbook import write_report

    path = os.path.join(folder, f"dl-{secrets.token_hex(8)}.xlsx")
    try:
        write_report(path, _AsReport(data), lang)
        with open(path, "rb") as handle:
            body = handle.read()
    finally:
        if os.path.exists(path):
            os.unlink(path)
    return attachment(body, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", f"{stem}{suffix}.xlsx")


def attachment(body: bytes, mimetype: str, name: str) -> Response:
    return send_file(io.BytesIO(body), mimetype=mimetype, as_attachment=True, download_name=name, max_age=0)
