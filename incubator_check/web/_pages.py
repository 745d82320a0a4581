"""The pages for people: the start page and its upload form, a report, the rules, the blank workbooks.

``POST /check`` stores the uploads and checks one workbook at once (``/r/<token>``) or starts a batch
(``/b/<token>``, served by ``_jobs``). Every page is in Chinese or English (``?lang=``).
"""

from __future__ import annotations

import os
import secrets

from flask import Blueprint, Response, abort, current_app, redirect, request

from . import _view
from ._common import (WebError, attachment, download_report, form_options, page, page_lang, read_json, report_downloads,
                      state)
from ._html import static_file
from ._jobs import check_single, start_batch
from ._ruleview import bundled_ruleset, clause_view, ruleset_summary
from ._store import Entry
from ._uploads import MiB, UploadLimits, display_name, save_uploads, suffix_of

__all__ = ["bp"]

bp = Blueprint("pages", __name__)


@bp.get("/static/app.js")
def app_js():
    response = Response(static_file("app.js"), mimetype="text/javascript")
    response.headers["Cache-Control"] = "max-age=3600"
    return response


@bp.get("/")
def index():
    lang = page_lang()
    limits: UploadLimits = current_app.config["UPLOAD_LIMITS"]
    return page("index.html", lang=lang, rulesets=ruleset_summary(lang),
                limits=_view.word("limits", lang, size=f"{limits.file_bytes // MiB} MiB", files=limits.files))


@bp.post("/check")
def check_page():
    lang = page_lang()
    app_state = state()
    files = request.files.getlist("files") + request.files.getlist("file")
    ruleset, as_of = form_options()
    batch = save_uploads(files, app_state.private, current_app.config["UPLOAD_LIMITS"])
    single = len(batch.uploads) == 1 and not batch.skipped and not any(suffix_of(display_name(f.filename)) == ".zip" for f in files)
    if single:
        try:
            entry = check_single(app_state, batch.uploads[0], ruleset, lang, as_of)
        finally:
            batch.remove()
        return redirect(f"/r/{entry.token}?lang={lang}", code=303)
    entry = start_batch(app_state, batch, ruleset, lang, as_of)
    return redirect(f"/b/{entry.token}?lang={lang}", code=303)


def _report_entry(token: str) -> Entry:
    entry = state().store.get(token, "report")
    if entry is None:
        abort(404)
    return entry


@bp.get("/r/<token>")
def report_page(token: str):
    lang = page_lang()
    entry = _report_entry(token)
    data = read_json(entry.reports.get(lang) or entry.reports[entry.lang])
    what_if = f"/r/{token}/what-if?lang={lang}" if (data.get("plan") or {}).get("figures") else None
    return page("report.html", lang=lang, r=_view.report_view(data, lang), show_keep=True,
                downloads=report_downloads(f"/r/{token}", lang), back=None, what_if=what_if)


@bp.route("/r/<token>/what-if", methods=["GET", "POST"])
def what_if_page(token: str):
    """What if: the report's figures in a form; sent back edited, judged by the server with the real judge.
    A plain form (no script needed); with ``format=json`` (the page's script) the clauses and verdict as data."""
    import datetime as dt

    from ..plan.levers import load_levers
    from ..plan.whatif import WhatIfError, judged_what_if
    from ..rules.ruleset import load_ruleset

    lang = page_lang()
    entry = _report_entry(token)
    data = read_json(entry.reports.get(lang) or entry.reports[entry.lang])
    figures = (data.get("plan") or {}).get("figures")
    ruleset_id = (data.get("ruleset") or {}).get("id")
    if not figures or not ruleset_id:
        abort(404)
    ruleset = load_ruleset(ruleset_id)
    levers = load_levers(ruleset)
    values = _view.what_if_values(figures)
    result = problem = None
    if request.method == "POST":
        values.update({k: v for k, v in request.form.items() if k in values})
        as_of = (data.get("application_date") or {}).get("date")
        try:
            report = judged_what_if(ruleset, levers, values, lang, dt.date.fromisoformat(as_of) if as_of else None)
            result = _view.report_view(report.as_json(), lang)
        except WhatIfError as exc:
            problem = exc.message(lang)
        if request.args.get("format") == "json":
            from flask import jsonify

            if result is None:
                return jsonify({"problem": problem}), 400
            return jsonify({"verdict": result["verdict"], "verdict_word": result["verdict_word"],
                            "clauses": [{k: c[k] for k in ("id", "status", "status_word", "value")} for c in result["clauses"]]})
    return page("whatif.html", lang=lang, r=_view.report_view(data, lang), token=token, problem=problem, result=result,
                fields=_view.what_if_fields(figures, levers, values, lang, ruleset), back=f"/r/{token}?lang={lang}")


@bp.get("/r/<token>/report.<kind>")
def report_download(token: str, kind: str):
    if kind not in ("json", "xlsx", "html"):
        abort(404)
    lang = page_lang()
    entry = _report_entry(token)
    data = read_json(entry.reports.get(lang) or entry.reports[entry.lang])
    return download_report(data, kind, lang, entry.folder)


@bp.get("/rules")
def rules_page():
    lang = page_lang()
    return page("rules.html", lang=lang, rulesets=ruleset_summary(lang))


@bp.get("/rules/<rid>")
def ruleset_page(rid: str):
    lang = page_lang()
    rs = bundled_ruleset(rid)
    summary = next(r for r in ruleset_summary(lang) if r["id"] == rid)
    return page("ruleset.html", lang=lang, rs=summary, clauses=[clause_view(rs, c, lang) for c in rs.clauses])


@bp.get("/rules/<rid>/<cid>")
def clause_page(rid: str, cid: str):
    lang = page_lang()
    rs = bundled_ruleset(rid)
    try:
        clause = rs.clause(cid)
    except KeyError:
        abort(404)
    summary = next(r for r in ruleset_summary(lang) if r["id"] == rid)
    return page("clause.html", lang=lang, rs=summary, c=clause_view(rs, clause, lang))


@bp.get("/template.xlsx")
def template_download():
    """A blank workbook: of a ministry level (``level=``), or of any bundled ruleset (``ruleset=``: a province's or
    city's, with the fields it declares and its own drop-downs), as the rules pages offer them."""
    rid = request.args.get("ruleset")
    if rid is not None:
        from ..rules.ruleset import bundled_ids

        if rid not in bundled_ids():  # only bundled ids: a ruleset reference may also be a path, never from a URL
            raise WebError(400, "bad-ruleset", f"没有名为「{rid}」的规则集", f"no ruleset named '{rid}'")
        key, name = f"ruleset:{rid}", f"申报表-{rid}.xlsx"
    else:
        level = request.args.get("level", "标准级")
        if level not in ("标准级", "卓越级"):
            raise WebError(400, "bad-level", f"申报级别应为 标准级 或 卓越级，实为「{level}」",
                           f"level must be 标准级 or 卓越级, not '{level}'")
        key, name = level, f"申报表-{level}.xlsx"
    app_state = state()
    if key not in app_state.templates:
        from .._template import write_template

        path = os.path.join(app_state.private, f"tpl-{secrets.token_hex(8)}.xlsx")
        try:
            if rid is not None:
                from ..rules.ruleset import load_ruleset

                write_template(path, ruleset=load_ruleset(rid))
            else:
                write_template(path, level=key)
            with open(path, "rb") as handle:
                app_state.templates[key] = handle.read()
        finally:
            if os.path.exists(path):
                os.unlink(path)
    return attachment(app_state.templates[key], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                      name)
