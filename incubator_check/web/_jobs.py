"""Checking uploads, and the batch pages: one workbook checked at once, a batch run in a background thread.

``check_single`` and ``run_batch`` take the app's state (``_app.AppState``) and an uploaded batch
(``_uploads.Batch``); they check through the app's supervised reader pool, store the result under a token
(``_store``) and remove the uploads, whatever happens. ``bp`` serves ``/b/<token>…``: the batch's summary page,
its progress, its reports and its summary workbook.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import threading
import time
from typing import Any

from flask import Blueprint, abort, jsonify, request, send_file

from . import _view
from ._common import LANGS, download_report, page, page_lang, renamer, report_downloads, state
from ._store import Entry

__all__ = ["bp", "run_batch", "start_batch", "check_single", "Cancelled"]

bp = Blueprint("batches", __name__)


class Cancelled(Exception):
    """The app is closing: a batch stops between two files."""


_KEPT_OF_A_CLAUSE = ("id", "title", "title_zh", "title_en", "status", "value", "threshold", "operator", "shortfall", "shortfall_unit", "unit")


def _unmet_clauses(clauses: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: c.get(k) for k in _KEPT_OF_A_CLAUSE} for c in clauses if c["status"] in ("FAIL", "MISSING")]


def _compact(data: dict[str, Any]) -> dict[str, Any]:
    """What the summary page needs of a report, kept in memory (a few hundred bytes a submission)."""
    compact = {"source": {"path": data["source"]["path"]}, "verdict": data["verdict"], "error": data.get("error"),
               "incubator": {k: (data.get("incubator") or {}).get(k) for k in ("name", "province", "level", "authority")},
               "clauses": _unmet_clauses(data.get("clauses", [])),
               # the error cells, a 待补正's reason (present/summary.py's must_correct names them)
               "findings": [{k: f.get(k) for k in ("severity", "where", "code")}
                            for f in data.get("findings", []) if f.get("severity") == "error"]}
    first = data.get("first_check")
    if first:  # the 初核's result and what it did not meet (its row says both)
        compact["first_check"] = {"verdict": first["verdict"], "citation": first.get("citation"),
                                  "ruleset": {"id": (first.get("ruleset") or {}).get("id")},
                                  "clauses": _unmet_clauses(first.get("clauses", []))}
    return compact


def run_batch(app_state, entry: Entry, batch, ruleset: str | None, lang: str, as_of: dt.date | None) -> None:
    """Check every stored upload of a batch into ``entry``: the reports, the cross findings, the quota."""
    from .._batch import run_batch as run, with_cross_findings
    from ..present.summary import authority_word, quota, summary_row, summary_setup
    from ..rules.ruleset import load_ruleset

    fix, text = renamer(batch.uploads)
    closing = app_state.store.closing
    try:
        with app_state.batches:
            if closing.is_set():
                raise Cancelled()

            def progress(n: int) -> None:
                entry.done += n
                if closing.is_set():
                    raise Cancelled()

            paths = [u.path for u in batch.uploads]
            spool = run(paths, ruleset=ruleset, lang=lang, as_of=as_of, jobs=int(app_state.app.config["JOBS"]),
                        progress=progress, pool=app_state.reader(), temp_dir=app_state.private,
                        names=[u.display for u in batch.uploads],
                        refused={u.path: u.refused for u in batch.uploads if u.refused is not None})
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
    except Cancelled:
        entry.failure = "cancelled"
    except Exception as exc:  # noqa: BLE001 - the page says the batch failed; the server goes on
        entry.failure = f"{type(exc).__name__}: {exc}"
    finally:
        batch.remove()
        entry.finished = time.monotonic()


def start_batch(app_state, batch, ruleset, lang, as_of) -> Entry:
    """Run a batch in a background thread; its page follows the progress."""
    entry = app_state.store.new("batch", lang)
    entry.total = len(batch.uploads)
    entry.skipped = batch.skipped
    thread = threading.Thread(target=run_batch, args=(app_state, entry, batch, ruleset, lang, as_of), daemon=True,
                              name="incubator-check-batch")
    app_state.threads = [t for t in app_state.threads if t.is_alive()] + [thread]
    thread.start()
    return entry


def check_single(app_state, upload, ruleset, lang, as_of) -> Entry:
    """One workbook: judged once, its report written in the page's language and in the other one (so the
    language switch is complete without checking twice)."""
    entry = app_state.store.new("report", lang)
    entry.display = upload.display
    fix, _ = renamer([upload])
    reports = app_state.check_in(upload.path, ruleset, (lang,) + tuple(x for x in LANGS if x != lang), as_of, plan=True)
    for each, data in reports.items():
        data = fix(data)
        path = entry.file(f"report-{each}.json")
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False)
        entry.reports[each] = path
    entry.finished = time.monotonic()
    return entry


# --- the batch pages ------------------------------------------------------------------------------------


def _batch_entry(token: str) -> Entry:
    entry = state().store.get(token, "batch")
    if entry is None:
        abort(404)
    return entry


def _finished(entry: Entry) -> None:
    if not entry.is_finished or entry.failure:
        abort(404)


def _batch_report(entry: Entry, index: int) -> dict[str, Any]:
    if not 0 <= index < len(entry.offsets):
        abort(404)
    with open(entry.file("reports.jsonl"), encoding="utf-8") as handle:
        handle.seek(entry.offsets[index])
        return json.loads(handle.readline())


@bp.get("/b/<token>")
def batch_page(token: str):
    from ..present.summary import summary_setup
    from ..rules.ruleset import load_ruleset

    lang = page_lang()
    entry = _batch_entry(token)
    f_verdict, f_clause, f_sort = request.args.get("verdict", ""), request.args.get("clause", ""), request.args.get("sort", "file")
    rows, counts, titles = [], {}, {}
    if entry.is_finished and not entry.failure:
        setup = summary_setup(load_ruleset(entry.ruleset) if entry.ruleset else None, lang)  # the titles in the page's language
        titles = setup.titles
        for i, data in enumerate(entry.rows):
            counts[data["verdict"]] = counts.get(data["verdict"], 0) + 1
            row = _view.batch_row(i, data, lang, setup)
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
    from ..present.summary import cross_label

    # the kind in words, as the terminal and the workbook say it, not the finding's code
    cross = [{"code": cross_label(c.code, lang), "key": c.key, "name": c.name, "message": c.message(lang)}
             for c in entry.cross]
    return page("batch.html", lang=lang, b=entry, rows=rows, show_keep=entry.is_finished,
                counts=[(v, counts[v]) for v in ("PASS", "FAIL", "INCOMPLETE", "ERROR") if v in counts],
                cross=cross, quota=entry.quota, quota_citation=entry.quota_citation, clause_ids=entry.clause_ids,
                clause_titles=titles,
                f_verdict=f_verdict, f_clause=f_clause, f_sort=f_sort,
                progress_url=f"/b/{token}/progress.json", summary_url=f"/b/{token}/summary.xlsx?lang={lang}",
                jsonl_url=f"/b/{token}/reports.jsonl", letters_url=f"/b/{token}/letters.zip?lang={lang}",
                round_url=f"/b/{token}/round.zip?lang={lang}")


@bp.get("/b/<token>/progress.json")
def batch_progress(token: str):
    entry = _batch_entry(token)
    return jsonify({"done": entry.done, "total": entry.total, "finished": entry.is_finished,
                    "failed": entry.failure is not None})


@bp.get("/b/<token>/reports.jsonl")
def batch_jsonl(token: str):
    entry = _batch_entry(token)
    _finished(entry)
    return send_file(entry.file("reports.jsonl"), mimetype="application/x-ndjson", as_attachment=True,
                     download_name="reports.jsonl", max_age=0)


@bp.get("/b/<token>/summary.xlsx")
def batch_summary(token: str):
    lang = page_lang()
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


@bp.get("/b/<token>/letters.zip")
def batch_letters(token: str):
    """The letters to the applicants that do not pass (``batch --letters``), one HTML page each, in a zip."""
    import io
    import zipfile

    from ..present.letters import letter_html, letter_name
    from ..present.summary import summary_setup
    from ..present.workbook import round_rows
    from ..rules.ruleset import load_ruleset

    lang = page_lang()
    entry = _batch_entry(token)
    _finished(entry)
    setup = summary_setup(load_ruleset(entry.ruleset) if entry.ruleset else None, lang)

    def lines():
        with open(entry.file("reports.jsonl"), encoding="utf-8") as handle:
            for line in handle:
                yield line.rstrip("\n")

    ordered, _ = round_rows(lines, setup)
    numbers = {r.index: r.number for r in ordered}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, line in enumerate(lines()):
            data = json.loads(line)
            if data["verdict"] != "PASS":
                archive.writestr(letter_name(numbers[index], data), letter_html(data, setup, index))
    buffer.seek(0)
    return send_file(buffer, mimetype="application/zip", as_attachment=True, max_age=0,
                     download_name="letters.zip" if lang == "en" else "补正通知.zip")


@bp.get("/b/<token>/round.zip")
def batch_round_html(token: str):
    """The round's documents as printable HTML (``batch --round-html``), one file each, in a zip."""
    import io
    import zipfile

    from ..present.round_html import round_html
    from ..present.summary import summary_setup
    from ..rules.ruleset import load_ruleset

    lang = page_lang()
    entry = _batch_entry(token)
    _finished(entry)

    def lines():
        with open(entry.file("reports.jsonl"), encoding="utf-8") as handle:
            for line in handle:
                yield line.rstrip("\n")

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in round_html(lines, summary_setup(load_ruleset(entry.ruleset) if entry.ruleset else None, lang)):
            archive.writestr(name, text)
    buffer.seek(0)
    return send_file(buffer, mimetype="application/zip", as_attachment=True, max_age=0,
                     download_name="round.zip" if lang == "en" else "汇总文件（打印）.zip")


@bp.get("/b/<token>/<int:index>")
def batch_report_page(token: str, index: int):
    lang = page_lang()
    entry = _batch_entry(token)
    _finished(entry)
    data = _batch_report(entry, index)
    return page("report.html", lang=lang, r=_view.report_view(data, lang), show_keep=True,
                downloads=report_downloads(f"/b/{token}/{index}", lang), back=f"/b/{token}?lang={lang}")


@bp.get("/b/<token>/<int:index>/report.<kind>")
def batch_report_download(token: str, index: int, kind: str):
    if kind not in ("json", "xlsx", "html"):
        abort(404)
    lang = page_lang()
    entry = _batch_entry(token)
    _finished(entry)
    return download_report(_batch_report(entry, index), kind, lang, entry.folder)


