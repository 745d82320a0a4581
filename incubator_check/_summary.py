"""The reviewer's summary workbook of a batch, written with openpyxl in write-only (streaming) mode.

Sheets: 汇总 (a row per submission, a column per clause coloured by status, the verdict,
the shortfalls), 问题清单 (every finding with its workbook and cell), 跨申报问题 (the
same tenant in several submissions, an operator applying twice) and 卓越级推荐名额
(per province, excellence applicants passing the pre-screen against the quota).
"""

from __future__ import annotations

import json
import os
from typing import Any, Callable, Iterable

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ._files import OUTPUT_MARK
from ._render import clause_figures, severity_word, status_word, width
from ._text import cell_text, visible

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
_BOLD = Font(bold=True)


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


def print_setup(ws, title_rows: str = "1:1") -> None:
    """A4 landscape, fitted to the page width, the header rows repeated on every page, and a footer with the
    file name, the sheet and the page number: what a reviewer prints and files (report.md, For people)."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9"  # A4
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

    def __init__(self, book: Workbook, title: str, header: list[str], wrap_over: int = 36, header_width: int = 12):
        self.ws = book.create_sheet(title)
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
        self.wrapped = {i for i, w in enumerate(self.widths) if w > self.wrap_over}
        for i, w in enumerate(self.widths, start=1):
            self.ws.column_dimensions[get_column_letter(i)].width = min(max(w + 2, 6), self.wrap_over + 2)
        self.ws.freeze_panes = "A2"
        print_setup(self.ws)
        header = []
        lines = 1
        for i, value in enumerate(self.header):
            cell = _cell(self.ws, value)
            cell.font, cell.fill, cell.alignment = _BOLD, _HEAD_FILL, _HEAD_ALIGN
            header.append(cell)
            lines = max(lines, -(-width(value) // max(min(max(self.widths[i] + 2, 6), self.wrap_over + 2) - 1, 1)))
        if lines > 1:
            self.ws.row_dimensions[1].height = 15 * min(lines, 8)
        self.ws.append(header)

    def append(self, values: list[Any], fills: list[PatternFill | None] | None = None) -> None:
        # A wrapped cell does not grow its row by itself (not in LibreOffice, not on paper): size the row.
        lines = max((-(-width(str(values[i] or "")) // self.wrap_over) for i in self.wrapped if i < len(values)), default=1)
        if lines > 1:
            self.ws.row_dimensions[self.rows + 2].height = 15 * min(lines, 20)
        cells = []
        for i, value in enumerate(values):
            cell = _cell(self.ws, value)
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
    from ._render import with_unit

    return with_unit(f"{conditions[0]['numerator']}/{conditions[0]['denominator']}",
                     conditions[0].get("shortfall_unit") or "", lang)


def _summary_rows(line: str, clause_ids: list[str], lang: str):
    data = json.loads(line)
    inc = data.get("incubator") or {}
    name = visible(data["source"]["path"])  # the name the submission carries in the batch (with its folders)
    statuses = {c["id"]: c["status"] for c in data.get("clauses", [])}
    failed = [c for c in data.get("clauses", []) if c["status"] == "FAIL"]
    missing = [c["id"] for c in data.get("clauses", []) if c["status"] == "MISSING"]
    if data.get("error"):
        shortfalls = data["error"]["message"]
    else:
        shortfalls = "; ".join(f"{c['id']} {c['title']}: " + (clause_figures(c, lang)[2] or c["message"]) for c in failed)
        from ._render import must_correct

        correct = must_correct(data.get("findings", []), lang)
        shortfalls = "; ".join(p for p in (shortfalls, correct) if p)
    verdict = data["verdict"]
    row = [name, inc.get("name"), inc.get("operator_name"), inc.get("operator_uscc"), inc.get("province"),
           inc.get("level"), status_word(verdict, lang), ", ".join(c["id"] for c in failed), ", ".join(missing)]
    fills: list[PatternFill | None] = [None] * 6 + [_FILL.get(verdict), None, None]
    for cid in clause_ids:
        status = statuses.get(cid)
        row.append(status_word(status, lang) if status else "")
        fills.append(_FILL.get(status) if status else None)
    row += [shortfalls, len(data.get("findings", []))]
    finding_rows = [[name, inc.get("name"), severity_word(f.get("severity", ""), lang), f.get("code"), f.get("where"),
                     f.get("message")] for f in data.get("findings", [])]
    return row, fills, finding_rows


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


def write_summary(path: str, reports: Callable[[], Iterable[str]], clause_ids: list[str], cross: list,
                  quota: list[dict[str, Any]], lang: str, quota_citation: str,
                  titles: dict[str, str] | None = None) -> None:
    """Write the summary workbook to ``path``; ``reports`` gives a fresh pass over the JSON lines each call.

    ``titles`` gives each clause column its title beside its id (``6.4.new 上年度新注册在孵企业占比``).
    """
    en = lang == "en"
    book = Workbook(write_only=True)
    head = (["file", "incubator", "operator", "operator USCC", "province", "level", "verdict", "failed", "missing"]
            if en else ["文件", "孵化器", "运营主体", "运营主体统一社会信用代码", "省份", "申报级别", "结论", "不通过条款", "缺数据条款"])
    tail = ["shortfalls", "findings"] if en else ["差额说明", "问题数"]
    # A row per submission and a column per clause: narrow columns with wrapped headers, so that A4 landscape
    # fitted to the width stays legible.
    summary = _Sheet(book, "Summary" if en else "汇总",
                     head + [f"{cid} {(titles or {}).get(cid, '')}".strip() for cid in clause_ids] + tail,
                     wrap_over=16, header_width=6)
    findings = _Sheet(book, "Findings" if en else "问题清单",
                      ["file", "incubator", "severity", "code", "where", "message"] if en else ["文件", "孵化器", "级别", "代码", "位置", "说明"])
    for line in reports():
        row, _, finding_rows = _summary_rows(line, clause_ids, lang)
        summary.measure(row)
        for f in finding_rows:
            findings.measure(f)
    summary.begin()
    for line in reports():
        row, fills, _ = _summary_rows(line, clause_ids, lang)
        summary.append(row, fills)
    summary.end()
    findings.begin()
    for line in reports():
        for f in _summary_rows(line, clause_ids, lang)[2]:
            findings.append(f)
    findings.end()

    cross_sheet = _Sheet(book, "Across submissions" if en else "跨申报问题",
                         ["code", "USCC", "name", "files", "message"] if en else ["代码", "统一社会信用代码", "名称", "涉及文件", "说明"])
    cross_rows = []
    for c in cross:
        files = "; ".join(visible(p) + ((f" (row {r})" if en else f"（第 {r} 行）") if r else "") for _, p, r in c.files)
        if c.submissions > len(c.files):
            files += f"; … ({c.submissions} in all)" if en else f"；…（共 {c.submissions} 份）"
        cross_rows.append([c.code, c.key, c.name, files, c.message(lang)])
    cross_sheet.write_all(cross_rows)

    quota_sheet = _Sheet(book, "Excellence quota" if en else "卓越级推荐名额",
                         ["province", "excellence applicants", "passing the pre-screen", f"quota ({quota_citation})", "over quota"]
                         if en else ["省份", "卓越级申报数", "预审通过数", f"推荐名额上限（{quota_citation}）", "超出名额"])
    rows = [[q["province"], q["applicants"], q["passing"], q["quota"], q["over_quota"]] for q in quota]
    quota_sheet.write_all(rows, [[None, None, None, None, _FILL["FAIL"] if q["over_quota"] else None] for q in quota])
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
