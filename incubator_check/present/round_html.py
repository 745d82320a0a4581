"""The round's documents as printable HTML: 汇总表, 建议推荐, 公示名单, 原国家级初核 and the 卓越级推荐名额 worked out,
one A4-landscape file each.

One file per document, not one file with page breaks: each goes to a different reader (the 汇总表 to the
ministry, the 公示名单 to the public notice board, the 初核 into the former national-level file), and a 公示
printed from a file that also holds the verdicts would publish them. The rows are :func:`.workbook.round_documents`'s,
the same as the xlsx sheets', so the paper and the workbook cannot differ. Self-contained (no external
resources), every text escaped, the table's header repeated on every printed page.
"""

from __future__ import annotations

import html
import os
from decimal import Decimal
from typing import Any, Callable, Iterable

from .._files import output_text
from .._text import visible
from .workbook import Document, quota_document, round_documents, round_rows

__all__ = ["document_html", "round_html", "write_round_html"]

# 9-point type on A4 landscape: Chromium prints at 100 %, so no cell is under 8 points on paper
# (tests/test_round_print.py measures the PDF).
_CSS = """
@page { size: A4 landscape; margin: 12mm 10mm; }
body { font-family: "Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC",
       sans-serif; font-size: 9pt; line-height: 1.35; color: #000; margin: 0; }
h1 { font-size: 14pt; text-align: center; margin: 0 0 4pt; }
p.meta { text-align: center; margin: 0 0 6pt; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; }
thead { display: table-header-group; }
th, td { border: 0.6pt solid #444; padding: 1.5pt 3pt; text-align: left; vertical-align: top;
         overflow-wrap: anywhere; }
th { background: #d9e1f2; }
tr { page-break-inside: avoid; break-inside: avoid; }
td.num { text-align: right; white-space: nowrap; }
td.code { white-space: nowrap; }
.PASS { background: #c6efce; } .FAIL { background: #ffc7ce; } .MISSING, .INCOMPLETE { background: #ffeb9c; }
.REVIEW { background: #ddebf7; } .ERROR { background: #ff9999; }
"""

_WORDS = {
    "meta": ("共 {count} 行　　由 incubator-check 依申报表生成，以推荐单位审核为准", "{count} rows   Written by "
             "incubator-check from the workbooks; the authority's review decides"),
}
_USCC = 18  # a USCC is 18 characters: its column is kept on one line


def _e(value: Any) -> str:
    return html.escape(visible(str(value if value is not None else "")))


def _cell(value: Any, status: str | None) -> str:
    classes = []
    if isinstance(value, (int, Decimal)):
        classes.append("num")
    elif isinstance(value, str) and len(value) == _USCC and value.isalnum() and value.isascii():
        classes.append("code")
    if status:
        classes.append(status)
    attr = f" class='{' '.join(classes)}'" if classes else ""
    return f"<td{attr}>{_e(value)}</td>"


def document_html(document: Document, lang: str) -> str:
    """One document as a self-contained printable page."""
    head = "".join(f"<th>{_e(h)}</th>" for h in document.header)
    # the columns in the proportions the xlsx sheet was sized to fit A4 landscape with
    total = sum(document.widths)
    cols = "".join(f"<col style='width:{100 * w / total:.1f}%'>" for w in document.widths)
    body = "".join("<tr>" + "".join(_cell(v, s) for v, s in zip(row, statuses)) + "</tr>"
                   for row, statuses in zip(document.rows, document.statuses))
    zh, en = _WORDS["meta"]
    meta = (en if lang == "en" else zh).format(count=len(document.rows))
    return (f"<!DOCTYPE html><html lang='{'en' if lang == 'en' else 'zh-CN'}'><head><meta charset='utf-8'>"
            f"<title>{_e(document.title)}</title><style>{_CSS}</style></head><body>"
            f"<h1>{_e(document.title)}</h1><p class='meta'>{_e(meta)}</p>"
            f"<table><colgroup>{cols}</colgroup><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></body></html>\n")


def round_html(reports: Callable[[], Iterable[str]], setup) -> list[tuple[str, str]]:
    """(file name, HTML) of each of the round's documents, and of the excellence quota worked out, in the setup's
    language."""
    ordered, quotas = round_rows(reports, setup)
    documents = [*round_documents(ordered, setup.lang), quota_document(quotas, setup)]
    return [(f"{document.title}.html", document_html(document, setup.lang)) for document in documents]


def write_round_html(folder: str, reports: Callable[[], Iterable[str]], setup) -> int:
    """The round's documents into ``folder`` (made if needed), each written atomically; how many were written."""
    os.makedirs(folder, exist_ok=True)
    made = round_html(reports, setup)
    for name, text in made:
        with output_text(os.path.join(folder, name)) as handle:
            handle.write(text)
    return len(made)
