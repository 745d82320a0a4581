"""Findings: problems in a submission, collected as data rather than raised.

Like frictionless's validation errors, a finding names where it is (file, sheet,
cell), what it is (a stable ``code``) and how bad it is (``severity``), with the
message in Chinese and English. The reader collects all of them at once.
"""

from __future__ import annotations

from enum import Enum
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict


class Severity(str, Enum):
    """How much a finding matters."""

    ERROR = "error"  # the value (or the whole file) cannot be used
    WARNING = "warning"  # the value is used, but a reviewer should look
    INFO = "info"  # how the program read something (a unit converted, a header found lower down)


class Finding(BaseModel):
    """One problem or remark about a submission."""

    model_config = ConfigDict(frozen=True, defer_build=True)

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
    if 0 <= index < 702:  # A to ZZ, from the table below (every cell named in a read calls this)
        return _LETTERS[index]
    return _column_letter(index)


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


_LETTERS = tuple(_column_letter(i) for i in range(702))


def cell_name(row: int, col: int) -> str:
    """0-based row and column → ``C12``."""
    return f"{column_letter(col)}{row + 1}"


# --- the catalogue -----------------------------------------------------------------------------------------
# Codes that findings are built from by code and parameters (frictionless-style): each once, with its severity
# and its message templates. ``{file}`` is the file's base name; the other fields are the parameters. A code
# with several sentences has one template for each, keyed ``code:variant`` (the finding's code is the part
# before the colon); a word that differs between the languages is a :class:`Bilingual` parameter.
# ``docs/limits.md`` lists the guard's and the reader's codes, ``docs/architecture.md`` the judge's.

_E, _W, _I = Severity.ERROR, Severity.WARNING, Severity.INFO


def _corrupt(zh: str, en: str) -> tuple[Severity, str, str]:
    """A ``file-corrupt`` template of the guard's: the damage found, then what to do about it."""
    return _E, f"{{file}}：{zh}，请重新保存后提交", f"{{file}}: {en}; save the workbook again"


CATALOGUE: dict[str, tuple[Severity, str, str]] = {
    # The supervised reader's and the batch's (incubator_check/_supervise.py).
    "reader-crashed": (
        _E,
        "{file}：读取器在读取此文件时崩溃（{how}），文件可能经过特殊构造或已损坏；请在 Excel/WPS 中打开并另存为新的 .xlsx 后提交",
        "{file}: the workbook reader crashed on this file ({how}); it may be crafted or damaged. Open it in "
        "Excel/WPS and save it as a new .xlsx"),
    "reader-out-of-memory": (
        _E,
        "{file}：读取此文件需要的内存超过上限（{mib} MiB），文件可能经过特殊构造；请删除无关的工作表、图片和过长的文本后另存",
        "{file}: reading this file needs more memory than the limit ({mib} MiB); it may be crafted. Delete "
        "unrelated sheets, pictures and overlong text, and save it again"),
    "reader-timeout": (
        _E,
        "{file}：读取此文件超过了时间上限（{seconds} 秒），文件可能经过特殊构造；请在 Excel/WPS 中另存后提交",
        "{file}: reading this file took longer than the limit ({seconds} s); it may be crafted. Save it again "
        "from Excel/WPS"),
    "internal-error": (
        _E,
        "{file}：检查时发生内部错误（{how}），请将此文件与问题一并报告",
        "{file}: internal error while checking ({how}); please report it with the file"),
    # Across a batch's submissions (_batch.CrossFinding): the folder's summary says it once, each report its "also".
    "tenant-in-several-submissions": (
        _W,
        "在孵企业「{name}」（{uscc}）被 {count} 份申报同时列入：{where}",
        "tenant '{name}' ({uscc}) is claimed by {count} submissions: {where}"),
    "tenant-in-several-submissions:also": (
        _W,
        "在孵企业「{name}」（{uscc}）也被另外 {count} 份申报列入：{where}",
        "tenant '{name}' ({uscc}) is also claimed by {count} other submissions: {where}"),
    "operator-in-several-submissions": (
        _W,
        "运营主体「{name}」（{uscc}）提交了 {count} 份申报：{where}",
        "operator '{name}' ({uscc}) submitted {count} applications: {where}"),
    "operator-in-several-submissions:also": (
        _W,
        "运营主体「{name}」（{uscc}）还提交了另外 {count} 份申报：{where}",
        "operator '{name}' ({uscc}) also submitted {count} other applications: {where}"),
    # The same bytes sent twice (one sha256): one finding, not a tenant-by-tenant list of the copy's roster.
    "identical-files": (
        _W,
        "同一文件提交了 {count} 次（内容完全相同，SHA-256 {uscc}）：{where}；其在孵企业和运营主体只按第一份比对",
        "the same file was submitted {count} times (identical bytes, SHA-256 {uscc}): {where}; its tenants and "
        "operator are compared as the first copy only"),
    "identical-files:also": (
        _W,
        "本文件与另外 {count} 份申报内容完全相同（SHA-256 {uscc}）：{where}",
        "this file is byte-identical to {count} other submissions (SHA-256 {uscc}): {where}"),
    # The same company by name and registration date under different USCCs: most often a typo in one of them.
    "tenant-name-date-in-several-submissions": (
        _W,
        "在孵企业「{name}」（注册日期相同，统一社会信用代码不同：{uscc}）被 {count} 份申报同时列入，可能是代码笔误：{where}",
        "tenant '{name}' (same registration date, different USCCs: {uscc}) is claimed by {count} submissions; "
        "probably a typo in a code: {where}"),
    "tenant-name-date-in-several-submissions:also": (
        _W,
        "在孵企业「{name}」（注册日期相同，统一社会信用代码不同：{uscc}）也被另外 {count} 份申报列入，可能是代码笔误：{where}",
        "tenant '{name}' (same registration date, different USCCs: {uscc}) is also claimed by {count} other "
        "submissions; probably a typo in a code: {where}"),
    "same-file": (
        _E,
        "{file}：与 {other} 是同一个文件（链接），按同一份申报处理，未重复检查",
        "{file}: the same file as {other} (a link to it); it is that submission, and was not checked twice"),

    # The guard's (incubator_check/_guard/): a file that must not be opened.
    "file-unreadable": (
        _E, "{file}：无法作为工作簿读取（{error}）", "{file}: cannot be read as a workbook ({error})"),
    "file-unreadable:open": (
        _E, "{file}：无法打开文件（{error}）", "{file}: cannot open the file ({error})"),
    "file-unreadable:read": (
        _E, "{file}：无法读取文件（{error}）", "{file}: cannot read the file ({error})"),
    "file-unreadable:folder": (
        _E, "{file}：这不是普通文件，而是文件夹；要检查其中的申报表，请加 -r（--recursive）",
        "{file}: this is not a regular file but a folder; add -r (--recursive) to check the workbooks in it"),
    "file-unreadable:special-file": (
        _E, "{file}：这不是普通文件，而是特殊文件", "{file}: this is not a regular file but a special file"),
    "file-too-large": (
        _E,
        "{file}：文件大小 {size} MiB，超过上限 {limit} MiB",
        "{file}: the file is {size} MiB, over the limit of {limit} MiB"),
    "not-a-workbook": (  # looks: what the file looks like (_guard._file._what_is_it)
        _E,
        "{file}：不是 Excel/WPS/LibreOffice 工作簿，看起来是{looks}；请提交 .xlsx、.xls 或 .ods 文件",
        "{file}: not an Excel/WPS/LibreOffice workbook; it looks like {looks}. Submit an .xlsx, .xls or .ods file"),
    "not-a-workbook:csv": (
        _E,
        "{file}：CSV/文本文件只能保存一张表，不是申报表；请在 Excel/WPS 中打开申报表模板（incubator-check template），"
        "把这张表的内容粘贴到对应的工作表（如「在孵企业」），另存为 .xlsx 后提交",
        "{file}: a CSV or text file holds one table, not an application workbook; open the template "
        "(incubator-check template) in Excel/WPS, paste this table into its sheet (e.g. 在孵企业) and save as .xlsx"),
    "not-a-workbook:wps": (
        _E, "{file}：这是 WPS 表格自有格式（.et/.ett）；请在 WPS 中“另存为” .xlsx 后提交",
        "{file}: this is WPS Spreadsheets' own format (.et/.ett); save it as .xlsx in WPS and submit that"),
    "not-a-workbook:archive": (
        _E, "{file}：这是压缩包；请先解压，再检查其中的申报表", "{file}: this is an archive; unpack it first, then check the workbooks in it"),
    "not-a-workbook:word": (
        _E, "{file}：这是 Word 文档，不是工作簿", "{file}: this is a Word document, not a workbook"),
    "not-a-workbook:compound-file": (
        _E, "{file}：这是 Office 复合文档，但不含工作簿", "{file}: an Office compound file with no workbook in it"),
    "not-a-workbook:docx": (
        _E, "{file}：这是 Word 文档（.docx），不是工作簿", "{file}: this is a Word document (.docx), not a workbook"),
    "not-a-workbook:pptx": (
        _E, "{file}：这是 PowerPoint 演示文稿，不是工作簿", "{file}: this is a PowerPoint presentation, not a workbook"),
    "not-a-workbook:zip": (
        _E, "{file}：压缩包内没有工作簿（缺少 xl/workbook.xml）", "{file}: a zip file with no workbook in it (no xl/workbook.xml)"),
    "file-corrupt": (  # python-calamine's own error, after the guard
        _E,
        "{file}：工作簿已损坏，无法读取（{error}）；请重新保存后提交",
        "{file}: the workbook is corrupt and cannot be read ({error}); save it again"),
    "file-corrupt:compound-file": _corrupt("复合文档结构已损坏（{error}）", "the compound file is damaged ({error})"),
    "file-corrupt:biff": _corrupt("工作簿数据已损坏（{error}）", "the workbook data is damaged ({error})"),
    "file-corrupt:zip": _corrupt("压缩包已损坏或不完整（{error}）", "the zip container is corrupt or truncated ({error})"),
    "file-corrupt:two-names": _corrupt(
        "压缩包成员「{member}」另记有一个不同的名称「{name}」，无法确定其名称",
        "zip member '{member}' carries a second, different name '{name}': its name is ambiguous"),
    "file-corrupt:same-name": _corrupt("压缩包内有两个同名文件「{name}」", "the zip holds two members named '{name}'"),
    "file-corrupt:folded-names": _corrupt(
        "压缩包内的「{other}」与「{name}」只有大小写或斜杠不同，无法确定读取哪一个",
        "the zip members '{other}' and '{name}' differ only in case or slashes: which one is read is ambiguous"),
    "file-corrupt:part-outside": _corrupt("「{name}」的位置超出文件", "part '{name}' lies outside the file"),
    "file-corrupt:part-header": _corrupt("「{name}」的文件头缺失", "part '{name}' has no local header"),
    "file-corrupt:part-truncated": _corrupt("「{name}」不完整", "part '{name}' is truncated"),
    "file-corrupt:part-deflate-truncated": _corrupt(
        "「{name}」不完整（压缩数据被截断）", "part '{name}' is truncated (its deflate stream ends early)"),
    "file-corrupt:part-size": _corrupt(
        "「{name}」的大小与目录不符", "part '{name}' does not have the size the zip directory declares"),
    "file-corrupt:part-inflate": _corrupt(
        "「{name}」已损坏，无法解压（{error}）", "part '{name}' is corrupt and cannot be inflated ({error})"),
    "file-corrupt:part-method": _corrupt(
        "「{name}」使用了不支持的压缩方式（{method}）", "part '{name}' uses an unsupported compression method ({method})"),
    "file-corrupt:part-crc": _corrupt("「{name}」校验和（CRC）不符", "part '{name}' fails its CRC check"),
    "file-corrupt:shared-string-count": _corrupt(
        "「{name}」声明有 {count} 个共享字符串，远多于它能容纳的数量",
        "part '{name}' declares {count} shared strings, more than it can possibly hold"),
    "file-corrupt:xml": _corrupt("XML 无法解析（{error}）", "its XML does not parse ({error})"),
    "file-encrypted": (
        _E,
        "{file}：工作簿设有打开密码（已加密），无法读取；请去除密码后另存",
        "{file}: the workbook is password-protected (encrypted) and cannot be read; remove the password and save "
        "again"),
    "file-encrypted:password": (  # python-calamine's own error
        _E,
        "{file}：工作簿设有密码，无法读取；请去除密码后另存",
        "{file}: the workbook is password-protected and cannot be read; remove the password and save again"),
    "file-macro-enabled": (
        _E,
        "{file}：工作簿含宏（.xlsm），出于安全不予读取；请另存为 .xlsx",
        "{file}: the workbook contains macros (.xlsm) and is refused for safety; save it as .xlsx"),
    "file-strict-ooxml": (
        _E,
        "{file}：工作簿为 Strict Open XML 格式，请在 Excel 中另存为普通的「Excel 工作簿 (.xlsx)」",
        "{file}: the workbook is in Strict Open XML format; save it as a regular 'Excel Workbook (.xlsx)'"),
    "zip-too-many-members": (
        _E,
        "{file}：压缩包内有 {count} 个文件，超过上限 {limit}",
        "{file}: the zip holds {count} members, over the limit of {limit}"),
    "zip-unsafe-path": (
        _E, "{file}：压缩包内含不安全的路径「{name}」", "{file}: the zip holds an unsafe member path '{name}'"),
    "zip-bomb": (
        _E,
        "{file}：解压后大小 {size} MiB，超过上限 {limit} MiB（疑似压缩炸弹）",
        "{file}: it would inflate to {size} MiB, over the limit of {limit} MiB (a zip bomb?)"),
    "zip-bomb:ratio": (
        _E,
        "{file}：「{name}」的压缩比超过 {ratio}:1（疑似压缩炸弹）",
        "{file}: member '{name}' has a compression ratio over {ratio}:1 (a zip bomb?)"),
    "zip-bomb:member": (
        _E,
        "{file}：「{name}」解压后超过压缩包目录声明的 {size} 字节（疑似压缩炸弹）",
        "{file}: member '{name}' inflates past the {size} bytes the zip directory declares (a zip bomb?)"),
    "xml-dtd": (
        _E,
        "{file}：「{name}」含 DTD/实体声明，出于安全不予读取（可能是实体膨胀或外部实体攻击）",
        "{file}: part '{name}' declares a DTD or entities, refused for safety (entity expansion or external entities)"),
    "sheet-too-large": (  # at_least: "至少" / "at least " when the sheet was not read to its end
        _E,
        "{file}：工作表「{sheet}」有{at_least} {rows} 行 × {columns} 列，超过上限（{max_rows} 行、{max_columns} 列、"
        "共 {max_cells} 个单元格）；请删除多余的行列或无关的工作表后提交",
        "{file}: sheet '{sheet}' has {at_least}{rows} rows × {columns} columns, over the limit ({max_rows} rows, "
        "{max_columns} columns, {max_cells} cells in all); delete the surplus rows, columns or sheets"),
    "text-too-large": (
        _E,
        "{file}：读取时将生成至少 {size} MiB 的文字，超过上限 {limit} MiB（同一段文字被大量单元格重复引用或重复）；"
        "请删除重复的长文字后另存",
        "{file}: reading it would build at least {size} MiB of text, over the limit of {limit} MiB (one text repeated "
        "in very many cells); remove the repeated long text and save again"),
    "text-too-large:sheet": (
        _E,
        "{file}：读取时将生成至少 {size} MiB 的文字（工作表「{name}」），超过上限 {limit} MiB（同一段文字被大量单元格"
        "重复引用或重复）；请删除重复的长文字后另存",
        "{file}: reading it would build at least {size} MiB of text (sheet '{name}'), over the limit of {limit} MiB "
        "(one text repeated in very many cells); remove the repeated long text and save again"),

    # The reader's (incubator_check/_reader.py), at their sheet and cell. A field is named as each language
    # names it ({field}); where the English names a Chinese header it adds its English name ({gloss}).
    "unknown-sheet": (
        _W, "工作表「{name}」不是申报表的组成部分，已忽略其内容",
        "sheet '{name}' is not part of the application workbook; its contents were ignored"),
    # What a person sees (spec/workbook.md, "What a person sees is what counts"; docs/decisions.md).
    "sheet-hidden-ignored": (
        _W, "工作表「{name}」已隐藏，未读取；已读取可见的「{used}」",
        "sheet '{name}' is hidden and was not read; the visible '{used}' was read"),
    "sheet-hidden-read": (
        _W, "工作表「{name}」已隐藏，但没有可见的同名工作表，已读取它；请确认它是要提交的内容",
        "sheet '{name}' is hidden, but no visible sheet holds the same table, so it was read; check it is what you mean to submit"),
    "sheet-duplicate": (
        _W, "工作表「{name}」与「{used}」是同一张表，已读取「{used}」，未读取「{name}」",
        "sheet '{name}' holds the same table as '{used}'; '{used}' was read, '{name}' was not"),
    "sheet-continued": (
        _I, "工作表「{name}」是「{first}」的续表，已作为同一名单读取（其第 {row} 行起计为名单第 {at} 行起）",
        "sheet '{name}' continues '{first}' and was read as the same roster (its row {row} on counted as roster row {at} on)"),
    "rows-hidden-skipped": (
        _W, "第 {rows} 行已隐藏，未读取（看不见的行不计入）",
        "rows {rows} are hidden and were not read (rows a person cannot see do not count)"),
    "rows-struck-skipped": (
        _W, "第 {rows} 行带删除线，按已删除的行处理，未读取",
        "rows {rows} are struck through and were read as deleted rows"),
    "cells-struck-blank": (
        _W, "单元格 {cells} 带删除线，按已删除的内容处理（视为未填写）",
        "cells {cells} are struck through and were read as deleted (blank)"),
    "column-hidden-ignored": (
        _W, "{letter} 列「{field}」已隐藏，未读取；已读取可见的 {used} 列",
        "column {letter} '{field}' is hidden and was not read; the visible column {used} was read"),
    "column-hidden-read": (
        _W, "{letter} 列「{field}」已隐藏，但没有可见的同名列，已读取它",
        "column {letter} '{field}' is hidden, but no visible column holds it, so it was read"),
    "field-hidden-ignored": (
        _W, "第 {row} 行「{field}」已隐藏，未读取；已读取可见的 {used}",
        "row {row} '{field}' is hidden and was not read; the visible {used} was read"),
    "field-hidden-read": (
        _W, "第 {row} 行「{field}」已隐藏，但没有可见的同一字段，已读取它",
        "row {row} '{field}' is hidden, but no visible row holds it, so it was read"),
    "display-scaled": (
        _W, "「{field}」单元格 {cells} 的数字格式「{format}」使显示值为存储值的 {shown}，已按显示值读取",
        "'{field}': the number format '{format}' of cells {cells} shows {shown} the stored value; the displayed value was read"),
    "unit-caption": (
        _I, "{cell} 注明「{caption}」：未注单位的金额列（{fields}）按{unit}读取",
        "{cell} says '{caption}': the money columns whose headers carry no unit ({fields}) were read in {unit}"),
    "date-partial": (
        _W, "「{field}」只填写到{precision}（{cells}），按该精度读取：只用于只看年份的条款；需要具体日期的，请补填完整日期",
        "'{field}' gives only the {precision} ({cells}); read at that precision: it serves the clauses that need only "
        "the year; give the full date where the day matters"),
    "rows-numbered-blank": (
        _I, "第 {rows} 行只有序号或公式，没有企业名称、信用代码和数据，按空行处理",
        "rows {rows} hold only a number or a formula, no name, credit code or data; read as blank rows"),
    "rows-note-skipped": (
        _I, "第 {rows} 行是「{word}」行，不是企业，未读取", "rows {rows} are '{word}' rows, not enterprises; not read"),
    "invisible-characters": (
        _I, "「{field}」列的 {count} 个单元格含不可见字符（零宽空格、BOM、不间断空格），已删除（如 {cell}）",
        "'{field}': {count} cells held invisible characters (zero-width spaces, BOM, non-breaking spaces); removed (e.g. {cell})"),
    "implausible-figure": (
        _W, "{cells}：{measure}为 {ratio} {unit}，{bound}，可能是{likely}；请核对（本提示不改变任何条款的结论）",
        "{cells}: {measure} is {ratio} {unit}, {bound}; likely {likely}. Please check (this does not change any clause)"),
    "value-not-accepted": (
        _E, "「{field}」的值「{value}」无法使用：{reason}",
        "'{field}': the value '{value}' cannot be used: {reason}"),
    "sheet-missing": (_E, "缺少工作表「{name}」（也可命名为 {alias}）", "sheet '{name}' (or '{alias}') is missing"),
    "merged-cells": (
        _W, "{range} 是合并单元格，已将其值「{value}」用于合并区域的每个单元格，请核对",
        "{range} is a merged range; its value '{value}' was used for every cell in it — please check"),
    "merged-area-too-large": (
        _E,
        "{file}：工作表「{sheet}」的合并单元格（多半互相重叠）覆盖的单元格超过 {limit} 个，其余合并区域未展开；请取消多余的合并后另存",
        "{file}: the merged ranges of sheet '{sheet}' (most likely overlapping) cover more than {limit} cells; the "
        "rest were not filled in. Unmerge the surplus ranges and save again"),
    "unknown-field": (_W, "无法识别的字段「{label}」，已忽略", "unknown field '{label}'; ignored"),
    "duplicate-field": (
        _W, "字段「{field}」重复出现，已使用 {first} 的值", "field '{field}' appears twice; the value at {first} was used"),
    "duplicate-field-disagrees": (
        _E, "「{field}」出现在两行且不一致：{first} 为「{a}」，{second} 为「{b}」；请删除其中一行",
        "'{field}' is given on two rows that disagree: {first} holds '{a}', {second} holds '{b}'; delete one"),
    "field-missing": (
        _E, "缺少字段「{header}」（在 A 列填写该标签，B 列填写值）",
        "field '{header}' ({gloss}) is missing (label in column A, value in column B)"),
    "value-missing": (_E, "「{field}」未填写", "'{field}' is blank"),
    "date-in-future": (_E, "「{field}」为 {value}，晚于今天（{today}）", "'{field}' is {value}, after today ({today})"),
    "unknown-unit": (
        _E, "「{field}」的单位「{unit}」无法识别，应为 {expected}", "'{field}': unknown unit '{unit}', expected {expected}"),
    "unit-converted": (
        _I, "「{field}」以「{unit}」填报，已换算为{canonical}（× {factor}）",
        "'{field}' is given in {unit}; converted to {canonical} (× {factor})"),
    "header-missing": (
        _E, "工作表「{name}」前 {rows} 行中找不到表头（如「{first}」「{second}」）",
        "sheet '{name}' has no header row in its first {rows} rows (expected labels such as '{first}', '{second}')"),
    "header-not-first-row": (
        _I, "表头位于第 {row} 行，其上方的内容已忽略", "the header is on row {row}; the rows above it were ignored"),
    "header-synonym": (_I, "表头「{raw}」按「{header}」读取", "header '{raw}' was read as '{header}' ({gloss})"),
    "header-broader": (
        _W, "表头「{raw}」按「{header}」读取：{reason}", "header '{raw}' was read as '{header}' ({gloss}): {reason}"),
    "column-kept": (
        _I, "列「{header}」检查规则不使用，已保留其内容", "column '{header}' is not used by the rules; its contents were kept"),
    "unknown-column": (_W, "无法识别的列「{header}」，已忽略", "unknown column '{header}'; ignored"),
    "duplicate-column": (
        _W, "列「{field}」重复出现，已使用 {letter} 列", "column '{field}' appears twice; column {letter} was used"),
    "duplicate-column-disagrees": (
        _E, "「{field}」的两列不一致：{first} 为「{a}」，{second} 为「{b}」；请删除其中一列",
        "'{field}' is given in two columns that disagree: {first} holds '{a}', {second} holds '{b}'; delete one"),
    "column-missing": (_E, "缺少列「{header}」", "column '{header}' ({gloss}) is missing"),
    "column-missing:optional": (_W, "缺少列「{header}」", "column '{header}' ({gloss}) is missing"),  # needed sometimes
    "yes-no-coded": (
        _I, "「{field}」按表头所注编码读取：{coding}", "'{field}' read by the coding its header states: {coding}"),
    "value-translated": (
        _I, "行业「{raw}」按「{value}」读取（第 {rows} 行）", "industry '{raw}' was read as '{value}' (rows {rows})"),
    # A value read by the ruleset's value reading ({reading}: its id; {source}, {issued}: the text it rests on).
    "value-read-by-reading": (
        _I, "「{field}」的「{raw}」按解读 {reading}（{source}，{issued}）读作「{value}」（第 {rows} 行）",
        "'{field}': '{raw}' was read as '{value}' under reading {reading} ({source}, {issued}) (rows {rows})"),
    "value-translated:industry-code": (
        _I, "行业代码「{raw}」按 GB/T 4754-2017 归入「{value}」（第 {rows} 行）",
        "industry code '{raw}' is GB/T 4754-2017 for '{value}' (rows {rows})"),
    "formula-no-value": (
        _E, "{cell} 是公式，但文件中没有保存其计算结果（请在 Excel/WPS 中重新计算并保存）",
        "{cell} holds a formula with no cached result (recalculate and save it in Excel/WPS)"),
    "roster-empty": (_E, "在孵企业名单为空：没有一家企业的数据", "the tenant roster is empty: no enterprise is listed"),
    "duplicate-uscc": (
        _E, "统一社会信用代码「{uscc}」与第 {first} 行重复，本行不计入在孵企业",
        "USCC '{uscc}' repeats row {first}; this row is not counted as a tenant"),
    "staff-count-mismatch": (
        _W, "「{field}」填报 {declared}，但「{staff}」工作表列出 {count} 人",
        "'{field}' is declared as {declared}, but sheet '{staff}' lists {count}"),
    # Figures that contradict each other: {part} and {whole} are fields, {figure} and {total} their values.
    "rent-above-total-revenue": (
        _W, "「{part}」{figure} 大于「{whole}」{total}：房租及物业收入不应超过总收入，请核对",
        "'{part}' {figure} is greater than '{whole}' {total}: rent and property revenue cannot exceed the total; "
        "please check"),
    "service-revenue-above-total": (
        _W, "「{part}」{figure} 大于「{whole}」{total}：服务和投资收入不应超过当年总收入，请核对",
        "'{part}' {figure} is greater than '{whole}' {total}: service and investment revenue cannot exceed that year's "
        "total; please check"),
    "fulltime-above-total-staff": (
        _W, "「{part}」{figure} 大于「{whole}」{total}：专职孵化服务人员不应多于机构总人数（占比超过 100%），请核对",
        "'{part}' {figure} is greater than '{whole}' {total}: full-time service staff cannot outnumber the total staff "
        "(a share over 100%); please check"),
    "registered-after-data-year": (
        _W, "第 {row} 行注册日期 {date} 晚于上年度（{year} 年）末，而名单应列出上年度在孵的企业，请核对",
        "row {row} was registered on {date}, after the end of the data year ({year}), while the roster lists the "
        "enterprises incubated during it; please check"),

    # The value parser's (incubator_check/_values.py: ValueProblem): what is wrong with the value; the reader puts
    # the field before it (「field」… / 'field': …). {value} is the cell as written (shortened past 40 characters).
    "invalid-yes-no": (
        _E, "应填 是/否，实为「{value}」", "expected yes/no (是/否, Y/N, true/false, 1/0), found '{value}'"),
    "value-reading-too-early": (
        _E, "填写的「{value}」这一名称自 {first} 起才有（解读 {reading}），而本申报按 {day} 判断：请填写 是/否，或核对申报日期",
        "the name '{value}' exists only from {first} (reading {reading}), but this application is judged on {day}: write "
        "yes/no, or check the application date"),
    "invalid-yes-no:coded": (_E, "表头所注编码为 {coding}，实为「{value}」", "the header's coding is {coding}, found '{value}'"),
    "invalid-number": (_E, "应填数字，实为「{value}」", "expected a number, found '{value}'"),
    "invalid-number:too-large": (
        _E, "数值「{value}」过大，不可能是申报数据", "the number '{value}' is too large to be a figure of an application"),
    "too-many-digits": (
        _E, "数值「{value}」超过 15 位有效数字（Excel 只能保存 15 位）",
        "the number '{value}' has more than 15 significant digits (Excel keeps 15)"),
    "unit-mismatch": (
        _E, "数值的单位「{unit}」与表头的单位「{expected}」不一致",
        "the value's unit '{unit}' differs from the header's unit '{expected}'"),
    "negative-value": (_E, "不能为负数，实为 {value}", "must not be negative, found {value}"),
    "invalid-integer": (_E, "应填整数，实为 {value}", "expected a whole number, found {value}"),
    "invalid-year": (_E, "应填四位年份，实为「{value}」", "expected a four-digit year, found '{value}'"),
    "invalid-date": (
        _E, "应填日期（如 2024-03-15、2024/3/15、2024年3月15日），实为「{value}」",
        "expected a date (e.g. 2024-03-15, 2024/3/15, 2024年3月15日), found '{value}'"),
    "invalid-uscc": (
        _E, "统一社会信用代码应为 18 位（数字及除 I、O、Z、S、V 外的大写字母），实为「{value}」",
        "a USCC is 18 characters of digits and capital letters other than I, O, Z, S, V; found '{value}'"),
    "uscc-check-digit": (
        _W, "统一社会信用代码「{uscc}」校验位应为「{expected}」，实为「{found}」",
        "USCC '{uscc}' should end in check character '{expected}', found '{found}'"),
    "invalid-choice": (_E, "应为以下之一：{choices}；实为「{value}」", "expected one of: {choices}; found '{value}'"),
    "invalid-choice:industry-code": (
        _E, "行业代码 {code}（GB/T 4754-2017）不属于《中小企业划型标准规定》的 16 个行业（如金融业、铁路运输业）",
        "industry code {code} (GB/T 4754-2017) is not one of the 16 industries of the SME classification (e.g. "
        "finance, railway transport)"),
    "invalid-county-code": (_E, "应填 6 位行政区划代码，实为「{value}」", "expected a 6-digit county code, found '{value}'"),

    # The judge's own findings (incubator_check/judge/).
    "tenant-undecided": (
        Severity.WARNING,
        "第 {row} 行「{name}」能否计为在孵企业无法判定：{reasons}",
        "row {row} '{name}': cannot tell whether it counts as a tenant: {reasons}"),  # reasons in each language
    "engine-failure": (
        Severity.ERROR,
        "规则引擎无法计算部分条款（{failure}），相关条款需人工复核",
        "the rules engine could not compute some clauses ({failure}); they need review"),
    "plan-unverified": (
        Severity.ERROR,
        "通过方案复核未通过（{clauses}）：这是程序错误，方案未输出，请报告此问题",
        "the plan to pass failed its own check ({clauses}): this is a bug, so no plan is shown; please report it"),
    "plan-failed": (
        Severity.ERROR,
        "无法制定通过方案（{how}）：这是程序错误，检查结果不受影响，请报告此问题",
        "the plan to pass could not be made ({how}): this is a bug; the check itself stands; please report it"),
    "level-mismatch": (
        Severity.WARNING,
        "申报级别为{level}，但按{ruleset_level}规则集（{ruleset}）检查",
        "the application is for {level}, but was checked against the {ruleset_level} ruleset ({ruleset})"),
    # Where the application is (rulesets/authorities.yaml): {decided} is the 推荐单位 the county code gave.
    "place-contradiction": (
        Severity.WARNING,
        "所在区县行政区划代码 {code} 属于{place}（{province}），与{field}「{given}」不一致；推荐单位按{basis}定为{decided}，请核对",
        "county code {code} is in {place} ({province}), which contradicts the {field} given, '{given}'; the "
        "recommending authority was taken from {basis} ({decided}): please check"),
    "city-province-contradiction": (
        Severity.WARNING,
        "所在地市「{city}」是{place}，属于{province}，与所在省份「{given}」不一致；推荐单位按{basis}定为{decided}，请核对",
        "the city '{city}' is {place}, in {province}, which contradicts the province given, '{given}'; the "
        "recommending authority was taken from {basis} ({decided}): please check"),
    "county-code-unknown": (
        Severity.WARNING,
        "所在区县行政区划代码 {code} 的前两位 {prefix} 不是任何省级行政区的代码（GB/T 2260），请核对；推荐单位按{basis}定为{decided}",
        "county code {code} begins with {prefix}, which is no province's code (GB/T 2260): please check; the "
        "recommending authority was taken from {basis} ({decided})"),
    "ruleset-other-region": (
        Severity.WARNING,
        "申报级别{level}只有{region}的规则集 {ruleset}，已按其检查，但本申报的推荐单位为{authority}：请核对申报级别，或指定规则集",
        "only {region}'s ruleset {ruleset} is for level {level}, and it was applied, but this application's "
        "recommending authority is {authority}: check the level, or choose a ruleset"),
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


class Bilingual(NamedTuple):
    """A parameter that is written differently in each language (a field's label, a list joined with 、 or ,)."""

    zh: str
    en: str


def code_of(key: str) -> str:
    """The finding code of a catalogue key: ``file-corrupt:part-crc`` → ``file-corrupt``."""
    return key.partition(":")[0]


def catalogue_texts(key: str, **params: object) -> tuple[Severity, str, str]:
    """A catalogue entry's severity and its two messages, filled in (each :class:`Bilingual` in its language)."""
    return _texts(key, params)


def _texts(key: str, params: dict[str, object]) -> tuple[Severity, str, str]:
    severity, zh, en = CATALOGUE[key]
    for value in params.values():
        if value.__class__ is Bilingual:
            return (severity, zh.format_map({k: v.zh if v.__class__ is Bilingual else v for k, v in params.items()}),
                    en.format_map({k: v.en if v.__class__ is Bilingual else v for k, v in params.items()}))
    return severity, zh.format_map(params), en.format_map(params)


def from_catalogue(catalogue_code: str, file: str = "", **params: object) -> Finding:
    """A finding built from its catalogue entry; ``file`` is the path, shown by its base name."""
    import os

    base = os.path.basename(file) if file else ""
    severity, zh, en = _texts(catalogue_code, {"file": base, **params})
    sheet = params.get("sheet")
    return Finding(code=code_of(catalogue_code), severity=severity, file=file, message_zh=zh, message_en=en,
                   sheet=sheet if isinstance(sheet, str) else None)


def finding_at(key: str, file: str, sheet: str | None, cell: str | None = None, row: int | None = None,
               column: str | None = None, /, **params: object) -> Finding:
    """A catalogue finding at its place in the workbook: sheet, cell (or range), 1-based row and field key.

    The place is given by position, so a template may have parameters of the same names (``{row}``).
    """
    severity, zh, en = _texts(key, params)
    return Finding(code=key.partition(":")[0], severity=severity, message_zh=zh, message_en=en, file=file, sheet=sheet,
                   cell=cell, row=row, column=column)


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
