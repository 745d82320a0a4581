"""The reviewer's summary workbook of a batch, written with openpyxl in write-only (streaming) mode.

Sheets: 汇总 (a row per submission, a column per clause coloured by status, the verdict,
the shortfalls), 问题清单 (every finding with its workbook and cell), 跨申报问题 (the
same tenant in several submissions, an operator applying twice) and 卓越级推荐名额
(per province, excellence applicants passing the pre-screen against the quota).
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .._files import OUTPUT_MARK
from .._words import severity_word, status_word
from .figures import clause_figures, must_correct, width
from .._text import cell_text, visible

_FILL = {
    "PASS": PatternFill("solid", fgColor="C6EFCE"),
    "FAIL": PatternFill("solid", fgColor="FFC7CE"),
    "MISSING": PatternFill("solid", fgColor="FFEB9C"),
    "INCOMPLETE": PatternFill("solid", fgColor="FFEB9C"),
    "REVIEW": PatternFill("solid", fgColor="DDEBF7"),
    "ERROR": PatternFill("solid", fgColor="FF9999"),
}
_HEAD_FILL = PatternFill("solid", fgColor="D9E1F2")
_HEAD_ALIGN = Alignment(wrap_text=True, vertical="center")
_WRAP = Alignment(wrap_text=True, vertical="top")
_TOP = Alignment(vertical="top")
# 9-point type: on A4 landscape fitted to the width, the documents' columns (about 150 character widths in
# all) keep it at 8 points or more on paper (tests/test_round_print.py measures the PDF).
SIZE = 9
_BOLD = Font(bold=True, size=SIZE)
_PLAIN = Font(size=SIZE)
_LINE = 12  # points a 9-point line takes
_NINE = 0.7  # column-width units (a '0' of the 11-point default font) a display column of 9-point text takes (measured)


def _cell(ws, value: Any) -> WriteOnlyCell:
    """A cell that is only ever data: text that begins with ``=`` stays text, and control characters show.

    openpyxl turns any string that begins with ``=`` into a formula, so an applicant's ``=HYPERLINK(…)``
    (or the operator ``==``) would become live in the reviewer's Excel. The text is kept, typed as a
    string, and marked with a quote prefix so that Excel does not make it a formula on editing either.
    """
    if isinstance(value, str):
        value = cell_text(value)
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str) and cell.data_type == "f":
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def print_setup(ws, title_rows: str = "1:1", across: bool = False) -> None:
    """A4 landscape, the header rows repeated on every page, and a footer with the file name, the sheet and the
    page number: what a reviewer prints and files (report.md, For people).

    A sheet is fitted to the page width, its columns sized so that the 9-point text stays at 8 points or more
    on paper; a sheet ``across`` (the clause-status matrix, one column per clause) prints at full size over
    as many pages across as it takes, with its first columns repeated, instead of shrinking to unreadable type.
    """
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9"  # A4
    if across:
        ws.page_setup.scale = 100
        ws.sheet_properties.pageSetUpPr.fitToPage = False
        ws.print_title_cols = "A:C"
    else:
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0  # as many pages down as it takes
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    if title_rows:
        ws.print_title_rows = title_rows
    ws.oddFooter.left.text = "&F — &A"
    ws.oddFooter.right.text = "&P / &N"


class _Sheet:
    """A write-only sheet: widths measured in a first pass, rows streamed in a second, header frozen, filter on."""

    def __init__(self, book: Workbook, title: str, header: list[str], wrap_over: int = 36, header_width: int = 12,
                 widths: list[int] | None = None, across: bool = False):
        self.ws = book.create_sheet(title)
        self.fixed = widths  # the round's documents: widths chosen to fit A4 landscape at 9-point type
        self.across = across
        self.header = header
        self.wrap_over = wrap_over  # display columns; a wider column is narrowed to this and wraps
        # A long header (a clause's id and title) wraps over a narrow column of short status words.
        self.widths = [min(width(h), header_width) for h in header]
        self.rows = 0

    def measure(self, values: list[Any]) -> None:
        for i, value in enumerate(values[: len(self.widths)]):
            self.widths[i] = max(self.widths[i], min(width(str(value if value is not None else "")), 60))

    def begin(self) -> None:
        # A long column (a message, the evidence cells) is narrowed and wraps, so that a page fitted to its width
        # stays readable instead of shrinking every column to fit one long line.
        if self.fixed:
            self.wrapped = {i for i, (w, f) in enumerate(zip(self.widths, self.fixed)) if w * _NINE > f - 0.5}
            self.columns = list(self.fixed)
        else:
            self.wrapped = {i for i, w in enumerate(self.widths) if w > self.wrap_over}
            self.columns = [min(max(w + 2, 6), self.wrap_over + 2) for w in self.widths]
        for i, w in enumerate(self.columns, start=1):
            self.ws.column_dimensions[get_column_letter(i)].width = w
        self.ws.freeze_panes = "A2"
        print_setup(self.ws, across=self.across)
        header = []
        lines = 1
        for i, value in enumerate(self.header):
            cell = _cell(self.ws, value)
            cell.font, cell.fill, cell.alignment = _BOLD, _HEAD_FILL, _HEAD_ALIGN
            header.append(cell)
            lines = max(lines, math.ceil(width(value) * (_NINE if self.fixed else 1) / max(self.columns[i] - (0.5 if self.fixed else 1), 1)))
        if lines > 1:
            self.ws.row_dimensions[1].height = _LINE * min(lines, 8) + 2
        self.ws.append(header)

    def append(self, values: list[Any], fills: list[PatternFill | None] | None = None) -> None:
        # A wrapped cell does not grow its row by itself (not in LibreOffice, not on paper): size the row.
        factor = _NINE if self.fixed else 1
        room = 0.5 if self.fixed else 1  # a cell's padding, in column units
        lines = max((math.ceil(width(str(values[i] if values[i] is not None else "")) * factor / max(self.columns[i] - room, 1))
                     for i in self.wrapped if i < len(values)), default=1)
        if lines > 1:
            self.ws.row_dimensions[self.rows + 2].height = _LINE * min(lines, 30) + 2
        cells = []
        for i, value in enumerate(values):
            cell = _cell(self.ws, value)
            cell.font = _PLAIN
            if fills and i < len(fills) and fills[i] is not None:
                cell.fill = fills[i]
            cell.alignment = _WRAP if i in self.wrapped else _TOP
            cells.append(cell)
        self.ws.append(cells)
        self.rows += 1

    def end(self) -> None:
        self.ws.auto_filter.ref = f"A1:{get_column_letter(len(self.header))}{self.rows + 1}"

    def write_all(self, rows: list[list[Any]], fills: list[list[PatternFill | None]] | None = None) -> None:
        """A sheet small enough to hold in memory: measure, write every row, finish."""
        for row in rows:
            self.measure(row)
        self.begin()
        for i, row in enumerate(rows):
            self.append(row, fills[i] if fills else None)
        self.end()


def _counted(clause: dict[str, Any], lang: str) -> str:
    """``5/27 家``: the count behind a share, when the clause has one comparison."""
    conditions = clause.get("conditions") or []
    if len(conditions) != 1 or not conditions[0].get("numerator") or not conditions[0].get("denominator"):
        return ""
    from .._words import with_unit

    return with_unit(f"{conditions[0]['numerator']}/{conditions[0]['denominator']}",
                     conditions[0].get("shortfall_unit") or "", lang)


def _save(book: Workbook, target) -> None:
    """Save with the tool's mark as the zip comment; ``target`` is a path or a binary handle."""
    import io
    import struct

    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()
    end = data.rfind(b"PK\x05\x06")
    data = data[:end + 20] + struct.pack("<H", len(OUTPUT_MARK)) + OUTPUT_MARK  # the comment's length, then it
    if isinstance(target, (str, os.PathLike)):
        with open(target, "wb") as handle:
            handle.write(data)
    else:
        target.write(data)


def _matrix_row(row, clause_ids: list[str], lang: str, ruleset: bool) -> tuple[list[Any], list[PatternFill | None]]:
    values = [row.number, row.file, row.incubator, status_word(row.verdict, lang)] + ([row.ruleset] if ruleset else [])
    fills: list[PatternFill | None] = [None, None, None, _FILL.get(row.verdict)] + ([None] if ruleset else [])
    for cid in clause_ids:
        status = row.statuses.get(cid)
        values.append(status_word(status, lang) if status else "")
        fills.append(_FILL.get(status) if status else None)
    values += [row.unmet(lang), len(row.findings)]
    return values, fills


# The round's documents (工信厅科函〔2025〕349号): columns and widths in column units. A4 landscape less the
# margins holds about 111 units at 100 %; at most 120 keeps 9-point type at 8.3 points or more on paper
# (LibreOffice measured: a unit is 7.06 points). Each header is (Chinese, English).
_ROUND = [("序号", "No."), ("推荐单位", "Authority"), ("地市", "City"), ("孵化器名称", "Incubator"), ("运营主体", "Operator"),
          ("统一社会信用代码", "USCC"), ("申报级别", "Level"), ("场地面积（平方米）", "Site area (m²)"),
          ("在孵企业数", "Tenants"), ("原国家级", "Former national"), ("结论", "Verdict"),
          ("未通过条款", "Clauses not met"), ("建议推荐", "Recommended")]
_ROUND_WIDTHS = [4, 12, 7, 13, 13, 16, 6, 7, 5, 5, 6, 20, 6]
_NOTICE = [("序号", "No."), ("推荐单位", "Authority"), ("运营主体名称", "Operator"), ("孵化场地地址", "Site address"),
           ("面积（平方米）", "Area (m²)"), ("申报级别", "Level")]
_NOTICE_WIDTHS = [4, 12, 26, 55, 9, 7]
_FIRST = [("序号", "No."), ("推荐单位", "Authority"), ("地市", "City"), ("孵化器名称", "Incubator"), ("运营主体", "Operator"),
          ("统一社会信用代码", "USCC"), ("申报级别", "Level applied for"), ("标准级条件结果", "Standard-level result"),
          ("未通过条款", "Clauses not met")]
_FIRST_WIDTHS = [4, 12, 7, 14, 14, 16, 7, 10, 34]


def _words(head: list[tuple[str, str]], lang: str) -> list[str]:
    return [en if lang == "en" else zh for zh, en in head]


def _yes_no(value: bool | None, lang: str) -> str:
    if value is None:
        return ""
    return ("yes" if value else "no") if lang == "en" else ("是" if value else "否")


def _round_row(row, number: int, lang: str) -> tuple[list[Any], list[str | None]]:
    from .summary import area_number, authority_word, recommendation_word

    values = [number, authority_word(row.authority, lang), row.city, row.incubator, row.operator, row.uscc, row.level,
              area_number(row.site_area), row.tenants, _yes_no(row.former_national, lang), status_word(row.verdict, lang),
              row.unmet(lang), recommendation_word(row.recommendation, lang)]
    statuses: list[str | None] = [None] * 10 + [row.verdict, None,
                                                {"yes": "PASS", "pending": "REVIEW"}.get(row.recommendation)]
    return values, statuses


@dataclass
class Document:
    """One of the round's documents as data: what the xlsx sheet and the printable HTML both show.

    ``statuses`` holds, cell by cell, the status whose colour the cell takes (None: uncoloured); ``widths`` are
    the xlsx columns' (the HTML page lays its table out itself).
    """

    key: str  # summary | recommended | notice | former
    title: str
    header: list[str]
    rows: list[list[Any]]
    statuses: list[list[str | None]]
    widths: list[int]


def round_documents(ordered: list, lang: str) -> list[Document]:
    """汇总表, 建议推荐, 公示名单 and 原国家级初核 from the summary rows in the round's order (:func:`round_rows`)."""
    from .summary import area_number, authority_word, verdict_word

    en = lang == "en"
    round_head = _words(_ROUND, lang)
    made = [_round_row(r, r.number, lang) for r in ordered]
    documents = [Document("summary", "Summary" if en else "汇总表", round_head, [v for v, _ in made],
                          [s for _, s in made], _ROUND_WIDTHS)]
    chosen = [r for r in ordered if r.recommendation in ("yes", "pending")]
    made = [_round_row(r, n, lang) for n, r in enumerate(chosen, start=1)]
    documents.append(Document("recommended", "Recommended" if en else "建议推荐", round_head, [v for v, _ in made],
                              [s for _, s in made], _ROUND_WIDTHS))
    notice = [[n, authority_word(r.authority, lang), r.operator, r.site_address, area_number(r.site_area), r.level]
              for n, r in enumerate(chosen, start=1)]
    documents.append(Document("notice", "Public notice" if en else "公示名单", _words(_NOTICE, lang), notice,
                              [[None] * len(_NOTICE) for _ in notice], _NOTICE_WIDTHS))
    former = [r for r in ordered if r.former_national]
    documents.append(Document(
        "former", "Former national" if en else "原国家级初核", _words(_FIRST, lang),
        [[n, authority_word(r.authority, lang), r.city, r.incubator, r.operator, r.uscc, r.level,
          verdict_word(r.standard_verdict, lang), r.standard_unmet(lang)]
         for n, r in enumerate(former, start=1)],
        [[None] * 7 + [r.standard_verdict or "REVIEW", None] for r in former], _FIRST_WIDTHS))
    return documents


def quota_document(quotas: list, setup) -> Document:
    """卓越级推荐名额: per authority, the cap of 工信厅科函〔2025〕349号 worked out with its figures, and how far
    the excellence passes exceed it (the xlsx sheet and the printable page)."""
    from .summary import authority_word

    lang = setup.lang
    en = lang == "en"
    head = (["authority", "standard recommended", "excellence recommended", "all recommended",
             f"excellence cap ({setup.citation})", "worked out", "over the cap", "excellence applicants"] if en else
            ["推荐单位", "标准级推荐数", "卓越级推荐数", "推荐总数", f"卓越级上限（{setup.citation}）", "计算", "超出", "卓越级申报数"])
    rows = [[authority_word(q.authority, lang), q.standard, q.excellence, q.total, q.cap, q.formula(lang), q.over,
             q.excellence_applicants] for q in quotas]
    statuses: list[list[str | None]] = [[None] * 6 + ["FAIL" if q.over else None, None] for q in quotas]
    return Document("quota", "Excellence quota" if en else "卓越级推荐名额", head, rows, statuses,
                    [14, 8, 8, 7, 12, 50, 6, 8])


def round_rows(reports: Callable[[], Iterable[str]], setup) -> tuple[list, list]:
    """The batch's summary rows in the round's order (numbered), and the quota per authority."""
    from .summary import in_round_order, quota, summary_row

    rows = [summary_row(line, index, setup) for index, line in enumerate(reports())]
    quotas = quota(rows, setup)
    return in_round_order(rows), quotas


def write_summary(path, reports: Callable[[], Iterable[str]], setup, cross: list) -> None:
    """Write the batch's summary workbook (a path or a binary handle); ``reports`` gives a fresh pass over the
    JSON lines each call; ``setup`` is :func:`.summary.summary_setup`'s, the same for the CLI and the web app.

    Sheets: the round's documents first (汇总表, the recommended ones, 公示名单, 原国家级初核, the quota), each
    fitted to A4 landscape at 8-point type or more; then the clause-status matrix (a column per clause, which
    prints across pages), every finding, and the findings across submissions.
    """
    from .summary import cross_label

    lang = setup.lang
    en = lang == "en"
    book = Workbook(write_only=True)
    ordered, quotas = round_rows(reports, setup)
    for document in round_documents(ordered, lang):
        sheet = _Sheet(book, document.title, document.header, widths=document.widths)
        sheet.write_all(document.rows, [[_FILL.get(s) if s else None for s in statuses] for statuses in document.statuses])

    quota = quota_document(quotas, setup)
    quota_sheet = _Sheet(book, quota.title, quota.header, widths=quota.widths)
    quota_sheet.write_all(quota.rows, [[_FILL.get(s) if s else None for s in statuses] for statuses in quota.statuses])

    from .summary import matrix_columns

    # Every ruleset the files were judged on has its columns; when one beyond the setup's was used (a city's,
    # chosen by its 申报级别), each row says which it was judged on.
    clause_ids, titles = matrix_columns(setup, ordered)
    ruleset = len(clause_ids) > len(setup.clause_ids)
    head = (["No.", "file", "incubator", "verdict"] if en else ["序号", "文件", "孵化器", "结论"])
    head += (["ruleset"] if en else ["规则集"]) if ruleset else []
    tail = ["clauses not met", "findings"] if en else ["未通过条款", "问题数"]
    # A column per clause, headed by its id and title: wide, so it prints across pages at full size.
    matrix = _Sheet(book, "Clause matrix" if en else "条款矩阵",
                    head + [f"{cid} {titles.get(cid, '')}".strip() for cid in clause_ids] + tail,
                    wrap_over=16, header_width=6, across=True)
    by_file = sorted(ordered, key=lambda r: r.index)
    rows = [_matrix_row(r, clause_ids, lang, ruleset) for r in by_file]
    matrix.write_all([v for v, _ in rows], [f for _, f in rows])

    findings = _Sheet(book, "Findings" if en else "问题清单",
                      ["No.", "file", "incubator", "severity", "code", "where", "message"] if en
                      else ["序号", "文件", "孵化器", "级别", "代码", "位置", "说明"], widths=[4, 18, 16, 5, 20, 14, 40])
    numbers = {r.index: r for r in ordered}
    for writing in (False, True):  # measured in a first pass, written in a second: a report's findings are not kept
        for index, line in enumerate(reports()):
            row = numbers[index]
            for f in json.loads(line).get("findings", []):
                if f.get("others_count") is not None:  # across submissions: listed once, on their own sheet
                    continue
                values = [row.number, row.file, row.incubator, severity_word(f.get("severity", ""), lang), f.get("code"),
                          f.get("where"), f.get("message")]
                if writing:
                    findings.append(values)
                else:
                    findings.measure(values)
        if not writing:
            findings.begin()
    findings.end()

    cross_sheet = _Sheet(book, "Across submissions" if en else "跨申报问题",
                         ["kind", "code", "key", "name", "files", "message"] if en
                         else ["类型", "代码", "代码或摘要", "名称", "涉及文件", "说明"], widths=[9, 18, 16, 14, 26, 34])
    cross_rows = []
    for c in cross:
        files = "; ".join(visible(p) + ((f" (row {r})" if en else f"（第 {r} 行）") if r else "") for _, p, r in c.files)
        if c.submissions > len(c.files):
            files += f"; … ({c.submissions} in all)" if en else f"；…（共 {c.submissions} 份）"
        cross_rows.append([cross_label(c.code, lang), c.code, c.key, c.name, files, c.message(lang)])
    cross_sheet.write_all(cross_rows)
    _save(book, path)

def write_report(path: str, report, lang: str) -> None:
    """One submission's report as a workbook for people: the verdict, a row per clause coloured by status with
    its figures as a person writes them, the excluded tenants, the findings; every sheet set up to print."""
    en = lang == "en"
    book = Workbook(write_only=True)
    data = report.as_json()
    overview = _Sheet(book, "Verdict" if en else "结论", ["item", "value"] if en else ["项目", "内容"])
    inc = data.get("incubator") or {}
    rs = data.get("ruleset") or {}
    relaxation = data.get("relaxation") or {}
    applied = relaxation.get("applied")
    items = [
        ("file" if en else "文件", visible(data["source"]["path"])),
        ("incubator" if en else "孵化器", inc.get("name")),
        ("operator" if en else "运营主体", inc.get("operator_name")),
        ("operator USCC" if en else "运营主体统一社会信用代码", inc.get("operator_uscc")),
        ("province" if en else "省份", inc.get("province")),
        ("level" if en else "申报级别", inc.get("level")),
        ("ruleset" if en else "规则集", f"{rs.get('id')} {rs.get('version')}" if rs else None),
        ("relaxation applied" if en else "是否降低门槛",
         "—" if applied is None else (("yes" if en else "是") if applied else ("no" if en else "否"))
         + (f" (× {relaxation.get('factor')}, {relaxation.get('basis')})" if applied else "")),
        ("application date used" if en else "所用申报日期", (data.get("application_date") or {}).get("date")),
        ("verdict" if en else "结论", status_word(data["verdict"], lang)),
    ]
    if data.get("error"):
        items.append(("error" if en else "错误", data["error"]["message"]))
    overview.write_all([list(item) for item in items],
                       [[None, _FILL.get(data["verdict"]) if item[0] in ("verdict", "结论") else None] for item in items])

    head = (["clause", "article", "title", "status", "value", "counted", "threshold", "shortfall", "message", "evidence"]
            if en else ["条款", "法条", "名称", "结果", "数值", "计数", "门槛", "差额", "说明", "数据来源"])
    clauses = _Sheet(book, "Clauses" if en else "条款", head)
    rows = []
    for c in data.get("clauses", []):
        value, threshold, shortfall = clause_figures(c, lang)
        rows.append(([c["id"], c["article"], c["title"], status_word(c["status"], lang), value, _counted(c, lang),
                      threshold, shortfall, c.get("message"), ", ".join(c.get("evidence", []))], c["status"]))
    clauses.write_all([row for row, _ in rows], [[None, None, None, _FILL.get(status)] for _, status in rows])

    excluded = _Sheet(book, "Excluded tenants" if en else "未计入的企业",
                      ["row", "name", "USCC", "reasons"] if en else ["行", "企业名称", "统一社会信用代码", "原因"])
    ex_rows = [[e["row"], e["name"], e["uscc"], "; ".join(e["reasons"])] for e in (data.get("tenants") or {}).get("excluded", [])]
    excluded.write_all(ex_rows)

    findings = _Sheet(book, "Findings" if en else "问题清单",
                      ["severity", "code", "where", "message"] if en else ["级别", "代码", "位置", "说明"])
    f_rows = [[severity_word(f.get("severity", ""), lang), f.get("code"), f.get("where"), f.get("message")]
              for f in data.get("findings", [])]
    findings.write_all(f_rows)
    _save(book, path)
