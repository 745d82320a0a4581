"""A letter to each applicant that does not pass: one printable A4 page (HTML) of what to correct.

A provincial office tells each applicant what keeps its application from being recommended. The letter gives
the verdict, each failed clause with its figure, its threshold and what is needed, each clause with missing
data and the cells that would decide it, and each cell with an error to correct, in the applicant's terms
(the rulesets' titles and articles, the workbook's sheet and cell). A file that could not be read gets a
letter that says why. Self-contained HTML (no external resources): it prints from any browser.
"""

from __future__ import annotations

import html
import json
import os
import re
from typing import Any, Callable, Iterable

from .._files import output_text
from .._text import visible
from .._words import status_word
from .figures import clause_figures
from .summary import SummarySetup, authority_word, summary_row

__all__ = ["letter_html", "write_letters", "letter_name"]

MOST_CELLS = 25  # error cells listed on the letter; the rest are counted (one page, not a roster's worth)
MOST_ACROSS = 5  # findings shared with other applications listed; the rest are counted
_NUMERALS = "一二三四五六"

_CSS = """
@page { size: A4 portrait; margin: 16mm 15mm; }
body { font-family: "Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC",
       sans-serif; font-size: 10.5pt; line-height: 1.45; color: #000; max-width: 180mm; margin: 0 auto; }
h1 { font-size: 15pt; text-align: center; margin: 0 0 8pt; }
h2 { font-size: 11.5pt; margin: 10pt 0 4pt; }
p { margin: 4pt 0; }
table { border-collapse: collapse; width: 100%; font-size: 9.5pt; }
thead { display: table-header-group; }
th, td { border: 0.6pt solid #444; padding: 2pt 4pt; text-align: left; vertical-align: top; }
th { background: #e8ecf4; }
tr { page-break-inside: avoid; }
.verdict { font-weight: bold; }
.foot { margin-top: 12pt; font-size: 9pt; color: #333; }
"""

_WORDS = {
    "title": ("关于「{name}」申报材料的审核意见", "Review of the application of '{name}'"),
    "to": ("致：{operator}（统一社会信用代码 {uscc}）", "To: {operator} (USCC {uscc})"),
    "intro": ("贵单位报送的申报表 {file}（{level}）经按 {citation} 的认定条件逐条核对，结论为：",
              "Your application workbook {file} ({level}) was checked clause by clause against {citation}. The result:"),
    "failed": ("未达到的条件", "Conditions not met"),
    "missing": ("缺少数据、无法判断的条款", "Clauses that cannot be judged for missing data"),
    "cells": ("须改正的单元格", "Cells to correct"),
    "other": ("与其他申报重复的内容", "Shared with other applications"),
    "unreadable": ("申报表无法读取：{reason}。请重新提交可以打开的申报表（.xlsx、.xls 或 .ods）。",
                   "The workbook could not be read: {reason}. Please send a workbook that opens (.xlsx, .xls or .ods)."),
    "first_check": ("原国家级初核", "First check as a former national-level incubator"),
    "first_intro": ("贵单位为原国家级科技企业孵化器，申报另按标准级条件（{ruleset}）初核（{citation}），结论为：",
                    "As a former national-level incubator, your application was also checked against the standard "
                    "level's conditions ({ruleset}) under {citation}. The result:"),
    "close": ("请按上述事项补正或说明后重新报送。", "Please correct or explain the points above and send the application again."),
    "foot": ("推荐单位：{authority}　　规则集：{ruleset}　　检查日期：{date}　　本意见由 incubator-check 依申报表生成，以推荐单位审核为准。",
             "Recommending authority: {authority}   Ruleset: {ruleset}   Date of the check: {date}   Written by "
             "incubator-check from the workbook; the authority's review decides."),
    "more": ("另有 {count} 处，见检查报告", "and {count} more, see the report"),
    "more_across": ("另有 {count} 条，见汇总表的跨申报问题", "and {count} more, see the summary's findings across submissions"),
}
_HEAD = {
    "failed": (("条款", "名称", "申报数值", "门槛", "还需"), ("Clause", "Title", "Figure", "Threshold", "Needed")),
    "missing": (("条款", "名称", "需填写的单元格"), ("Clause", "Title", "Cells that would decide it")),
    "cells": (("位置", "问题"), ("Where", "Problem")),
}


def _w(key: str, lang: str, **params: Any) -> str:
    zh, en = _WORDS[key]
    return (en if lang == "en" else zh).format(**params)


def _e(value: Any) -> str:
    return html.escape(visible(str(value if value is not None else "")))


def _table(kind: str, rows: list[list[Any]], lang: str) -> str:
    zh, en = _HEAD[kind]
    head = "".join(f"<th>{_e(h)}</th>" for h in (en if lang == "en" else zh))
    body = "".join("<tr>" + "".join(f"<td>{_e(v)}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def letter_html(data: dict[str, Any], setup: SummarySetup, index: int = 0) -> str:
    """The letter to the applicant of one report (its JSON data), in the setup's language."""
    lang = setup.lang
    row = summary_row(data, index, setup)
    inc = data.get("incubator") or {}
    rs = data.get("ruleset") or {}
    name = row.incubator or os.path.basename(row.file)
    parts = [f"<h1>{_e(_w('title', lang, name=name))}</h1>"]
    if row.operator or row.uscc:
        parts.append(f"<p>{_e(_w('to', lang, operator=row.operator or '—', uscc=row.uscc or '—'))}</p>")
    if data.get("error"):
        parts.append(f"<p class='verdict'>{_e(status_word('ERROR', lang))}</p>")
        parts.append(f"<p>{_e(_w('unreadable', lang, reason=row.error))}</p>")
    else:
        citation = rs.get("citation") or ""
        parts.append(f"<p>{_e(_w('intro', lang, file=row.file, level=row.level or '—', citation=citation))}"
                     f" <span class='verdict'>{_e(status_word(row.verdict, lang))}</span></p>")
        failed, missing = _unmet_rows(data.get("clauses", []), row.failed, lang)
        sections = 0

        def heading(key: str) -> str:
            nonlocal sections
            sections += 1
            number = f"{sections}. " if lang == "en" else f"{_NUMERALS[sections - 1]}、"
            return f"<h2>{_e(number + _w(key, lang))}</h2>"

        if failed:
            parts.append(heading("failed") + _table("failed", failed, lang))
        if missing:
            parts.append(heading("missing") + _table("missing", missing, lang))
        errors = [f for f in data.get("findings", []) if f.get("severity") == "error"]
        if errors:
            cells = [[f.get("where") or f.get("code"), f.get("message")] for f in errors[:MOST_CELLS]]
            if len(errors) > MOST_CELLS:
                cells.append(["…", _w("more", lang, count=len(errors) - MOST_CELLS)])
            parts.append(heading("cells") + _table("cells", cells, lang))
        across = [f for f in data.get("findings", []) if f.get("others_count")]
        if across:
            listed = "".join(f"<p>{_e(f.get('message'))}</p>" for f in across[:MOST_ACROSS])
            if len(across) > MOST_ACROSS:
                listed += f"<p>{_e(_w('more_across', lang, count=len(across) - MOST_ACROSS))}</p>"
            parts.append(heading("other") + listed)
        first = data.get("first_check")
        if first:  # the 初核 of 工信厅科函〔2025〕349号: its result, and what it did not meet, as above
            first_failed, first_missing = _unmet_rows(first.get("clauses", []), row.standard_failed, lang)
            ruleset_id = (first.get("ruleset") or {}).get("id") or ""
            parts.append(heading("first_check") + f"<p>{_e(_w('first_intro', lang, ruleset=ruleset_id, citation=first.get('citation') or ''))}"
                         f" <span class='verdict'>{_e(status_word(first['verdict'], lang))}</span></p>")
            if first_failed:
                parts.append(_table("failed", first_failed, lang))
            if first_missing:
                parts.append(_table("missing", first_missing, lang))
        parts.append(f"<p>{_e(_w('close', lang))}</p>")
    date = (data.get("application_date") or {}).get("date") or ""
    ruleset = f"{rs.get('id')} {rs.get('version')}" if rs.get("id") else "—"
    parts.append(f"<p class='foot'>{_e(_w('foot', lang, authority=authority_word(row.authority, lang), ruleset=ruleset, date=date))}</p>")
    title = _e(_w("title", lang, name=name))
    return (f"<!DOCTYPE html><html lang='{'en' if lang == 'en' else 'zh-CN'}'><head><meta charset='utf-8'>"
            f"<title>{title}</title><style>{_CSS}</style></head><body>{''.join(parts)}</body></html>\n")


def _unmet_rows(clauses: list[dict[str, Any]], gaps: list[tuple[str, str, str]], lang: str) -> tuple[list, list]:
    """A judgement's failed clauses (id, title, figure, threshold, what is needed: its gap in words) and its clauses
    with missing data (id, title, the cells that would decide them), as the letter's tables list them."""
    failed, missing = [], []
    for c in clauses:
        if c["status"] == "FAIL":
            value, threshold, shortfall = clause_figures(c, lang)
            gap = next((g for cid, _, g in gaps if cid == c["id"]), shortfall)
            failed.append([c["id"], c["title"], value, threshold, gap])
        elif c["status"] == "MISSING":
            missing.append([c["id"], c["title"], "、".join(c.get("needs") or c.get("evidence") or [])])
    return failed, missing


_UNSAFE = re.compile(r'[\x00-\x1f<>:"/\\|?*\x7f]+')


def letter_name(number: int, data: dict[str, Any]) -> str:
    """``003-某某孵化器.html``: the round's number and the incubator (or the file) in a name safe on Windows."""
    inc = data.get("incubator") or {}
    base = inc.get("name") or os.path.splitext(os.path.basename(data["source"]["path"]))[0]
    base = _UNSAFE.sub("_", visible(base)).strip(" .")[:60] or "letter"
    return f"{number:03d}-{base}.html"


def write_letters(folder: str, reports: Callable[[], Iterable[str]], setup: SummarySetup) -> int:
    """One letter per submission that is not PASS into ``folder`` (made if needed), each written atomically,
    numbered as in the 汇总表; how many were written."""
    from .workbook import round_rows

    ordered, _ = round_rows(reports, setup)
    numbers = {r.index: r.number for r in ordered}
    os.makedirs(folder, exist_ok=True)
    written = 0
    for index, line in enumerate(reports()):
        data = json.loads(line)
        if data["verdict"] == "PASS":
            continue
        with output_text(os.path.join(folder, letter_name(numbers[index], data))) as handle:
            handle.write(letter_html(data, setup, index))
        written += 1
    return written
