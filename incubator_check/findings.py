"""Findings: problems in a submission, collected as data rather than raised.

Like frictionless's validation errors, a finding names where it is (file, sheet,
cell), what it is (a stable ``code``) and how bad it is (``severity``), with the
message in Chinese and English. The reader collects all of them at once.
"""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, ConfigDict


class Severity(str, Enum):
    """How much a finding matters."""

    ERROR = "error"  # the value (or the whole file) cannot be used
    WARNING = "warning"  # the value is used, but a reviewer should look
    INFO = "info"  # how the program read something (a unit converted, a header found lower down)


class Finding(BaseModel):
    """One problem or remark about a submission."""

    model_config = ConfigDict(frozen=True)

    code: str
    severity: Severity
    message_zh: str
    message_en: str
    file: str = ""
    sheet: str | None = None
    cell: str | None = None  # "C12", or a range "A3:D3"
    row: int | None = None  # 1-based worksheet row
    column: str | None = None  # the field key

    @property
    def where(self) -> str:
        """``在孵企业!C12`` — the sheet and cell as a spreadsheet writes them."""
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.sheet or ""

    def message(self, lang: str = "zh") -> str:
        """The message in one language."""
        return self.message_en if lang == "en" else self.message_zh

    def as_json(self, lang: str = "zh") -> dict:
        """The report's shape of a finding (report.md), with both languages kept."""
        return {
            "severity": self.severity.value,
            "code": self.code,
            "where": self.where,
            "sheet": self.sheet,
            "cell": self.cell,
            "row": self.row,
            "field": self.column,
            "message": self.message(lang),
            "message_zh": self.message_zh,
            "message_en": self.message_en,
        }


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell_name(row: int, col: int) -> str:
    """0-based row and column → ``C12``."""
    return f"{column_letter(col)}{row + 1}"


# --- the catalogue -----------------------------------------------------------------------------------------
# Codes that findings are built from by code and parameters (frictionless-style): each once, with its severity
# and its message templates. ``{file}`` is the file's base name; the other fields are the parameters.

CATALOGUE: dict[str, tuple[Severity, str, str]] = {
    "reader-crashed": (
        Severity.ERROR,
        "{file}：读取器在读取此文件时崩溃（{how}），文件可能经过特殊构造或已损坏；请在 Excel/WPS 中打开并另存为新的 .xlsx 后提交",
        "{file}: the workbook reader crashed on this file ({how}); it may be crafted or damaged. Open it in "
        "Excel/WPS and save it as a new .xlsx"),
    "reader-out-of-memory": (
        Severity.ERROR,
        "{file}：读取此文件需要的内存超过上限（{mib} MiB），文件可能经过特殊构造；请删除无关的工作表、图片和过长的文本后另存",
        "{file}: reading this file needs more memory than the limit ({mib} MiB); it may be crafted. Delete "
        "unrelated sheets, pictures and overlong text, and save it again"),
    "reader-timeout": (
        Severity.ERROR,
        "{file}：读取此文件超过了时间上限（{seconds} 秒），文件可能经过特殊构造；请在 Excel/WPS 中另存后提交",
        "{file}: reading this file took longer than the limit ({seconds} s); it may be crafted. Save it again "
        "from Excel/WPS"),
    "internal-error": (
        Severity.ERROR,
        "{file}：检查时发生内部错误（{how}），请将此文件与问题一并报告",
        "{file}: internal error while checking ({how}); please report it with the file"),
    "same-file": (
        Severity.ERROR,
        "{file}：与 {other} 是同一个文件（链接），按同一份申报处理，未重复检查",
        "{file}: the same file as {other} (a link to it); it is that submission, and was not checked twice"),
    "merged-area-too-large": (
        Severity.ERROR,
        "{file}：工作表「{sheet}」的合并单元格（多半互相重叠）覆盖的单元格超过 {limit} 个，其余合并区域未展开；请取消多余的合并后另存",
        "{file}: the merged ranges of sheet '{sheet}' (most likely overlapping) cover more than {limit} cells; the "
        "rest were not filled in. Unmerge the surplus ranges and save again"),
    # The judge's own findings (incubator_check/judge/).
    "tenant-undecided": (
        Severity.WARNING,
        "第 {row} 行「{name}」能否计为在孵企业无法判定：{reasons}",
        "row {row} '{name}': cannot tell whether it counts as a tenant: {reasons}"),  # reasons in each language
    "engine-failure": (
        Severity.ERROR,
        "规则引擎无法计算部分条款（{failure}），相关条款需人工复核",
        "the rules engine could not compute some clauses ({failure}); they need review"),
    "level-mismatch": (
        Severity.WARNING,
        "申报级别为{level}，但按{ruleset_level}规则集（{ruleset}）检查",
        "the application is for {level}, but was checked against the {ruleset_level} ruleset ({ruleset})"),
    "example-ruleset": (
        Severity.WARNING,
        "所用规则集 {ruleset} 仅为示例，并非真实的认定条件",
        "ruleset {ruleset} is an example only, not real accreditation criteria"),
    "graduate-not-a-tenant": (
        Severity.WARNING,
        "第 {row} 行「{name}」标为上年度毕业，但不是计入的在孵企业（{reasons}），既不计入在孵企业，也不计为毕业企业",
        "row {row} '{name}' is marked as graduated, but is not a qualifying tenant ({reasons}): it counts neither as a "
        "tenant nor as a graduate"),
    "findings-truncated": (
        Severity.INFO,
        "另有 {more} 条问题未列出（每份申报表最多列出 {limit} 条）；请先改正以上问题后重新检查",
        "{more} more findings are not listed (at most {limit} per workbook); correct the ones above and check again"),
    "findings-grouped": (
        Severity.INFO,
        "「{code}」类问题在 {sheet} 共 {count} 处（{cells}），以上只列出前 {shown} 处；它们多半出于同一原因",
        "{count} findings of kind '{code}' in {sheet} ({cells}); only the first {shown} are listed above, most "
        "likely all from one cause"),
}


def from_catalogue(catalogue_code: str, file: str = "", **params: object) -> Finding:
    """A finding built from its catalogue entry; ``file`` is the path, shown by its base name."""
    import os

    severity, zh, en = CATALOGUE[catalogue_code]
    base = os.path.basename(file) if file else ""
    sheet = params.get("sheet")
    return Finding(code=catalogue_code, severity=severity, file=file, message_zh=zh.format(file=base, **params),
                   message_en=en.format(file=base, **params), sheet=sheet if isinstance(sheet, str) else None)


def reader_failure(code: str, file: str, **params: object) -> Finding:
    """The finding for a workbook whose reader worker died or failed (``reader-*``, ``internal-error``)."""
    return from_catalogue(code, file, **params)


# --- bounded findings --------------------------------------------------------------------------------------

MAX_FINDINGS = 500  # per workbook, in a report; one more finding says how many were left out
GROUP_OVER = 20  # more findings than this of one code in one column (or sheet) are grouped …
GROUP_SHOWN = 5  # … showing this many of them and one finding that counts the rest

_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


def bound(findings: list[Finding]) -> list[Finding]:
    """The findings as a report lists them: repeated ones grouped, at most :data:`MAX_FINDINGS` in all.

    A whole column of the same bad value, or 200 overlapping merged ranges, is one cause: the first
    :data:`GROUP_SHOWN` are listed with their cells and one ``findings-grouped`` finding counts the rest and
    spans their cells. The group keeps the severity of what it stands for, so an error is never hidden in an
    info line. Past :data:`MAX_FINDINGS`, errors are kept first and one ``findings-truncated`` finding counts
    what was left out. Both cost one pass; nothing is reordered otherwise.
    """
    if len(findings) <= GROUP_OVER:
        return findings
    groups: dict[tuple, list[int]] = {}
    for i, f in enumerate(findings):
        if f.sheet:
            groups.setdefault((f.code, f.severity, f.sheet, f.column), []).append(i)
    grouped: dict[int, Finding] = {}  # index of the last finding shown → the group finding after it
    hidden: set[int] = set()
    for (code, severity, sheet, column), members in groups.items():
        if len(members) <= GROUP_OVER:
            continue
        rest = members[GROUP_SHOWN:]
        hidden.update(rest)
        cells = [findings[i].cell for i in rest if findings[i].cell]
        span = f"{cells[0]}…{cells[-1]}" if len(cells) > 1 else (cells[0] if cells else "")
        group = from_catalogue("findings-grouped", findings[members[0]].file, code=code, sheet=sheet,
                               count=len(members), cells=span, shown=GROUP_SHOWN)
        grouped[members[GROUP_SHOWN - 1]] = group.model_copy(update={"severity": severity, "column": column})
    listed: list[Finding] = []
    for i, f in enumerate(findings):
        if i not in hidden:
            listed.append(f)
        if i in grouped:
            listed.append(grouped[i])
    if len(listed) <= MAX_FINDINGS:
        return listed
    order = sorted(range(len(listed)), key=lambda i: (_RANK[listed[i].severity], i))
    keep = set(order[: MAX_FINDINGS - 1])
    dropped = [listed[i] for i in order[MAX_FINDINGS - 1:]]
    worst = min((f.severity for f in dropped), key=_RANK.__getitem__)
    tail = from_catalogue("findings-truncated", listed[0].file, more=len(dropped), limit=MAX_FINDINGS)
    return [f for i, f in enumerate(listed) if i in keep] + [tail.model_copy(update={"severity": worst})]
