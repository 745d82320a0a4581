"""The blank application workbook: every sheet, label, unit, note and drop-down of ``_layout``.

``write_template`` writes what ``spec/workbook.md`` describes, so that a workbook
filled in from it reads back without a single unknown sheet, field or column.
Labels, units, choices, notes and articles all come from :mod:`.workbook.layout`; nothing
here spells a field's label again.
"""

from __future__ import annotations

from dataclasses import replace

import os
import unicodedata
from typing import Iterable, Mapping

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ._files import atomic_path
from .workbook.layout import (
    FUNDS,
    INSTRUCTIONS_NAME,
    levels,
    PROFILE,
    STAFF,
    TENANTS,
    FieldSpec,
    Kind,
    Required,
    SheetSpec,
)

#: Roster rows (1-based, inclusive) that get number formats and drop-downs.
FIRST_DATA_ROW = 2
LAST_DATA_ROW = 1000

#: The profile sheet's own header row; the reader skips a row of these words.
PROFILE_HEADER = ("项目", "填报内容", "填写说明")

DATE_FORMAT = "yyyy-mm-dd"
MONEY_FORMAT = "#,##0.00"
AREA_FORMAT = "#,##0.00"
INTEGER_FORMAT = "0"
TEXT_FORMAT = "@"

_NUMBER_FORMATS = {
    Kind.DATE: DATE_FORMAT,
    Kind.MONEY: MONEY_FORMAT,
    Kind.AREA: AREA_FORMAT,
    Kind.INTEGER: INTEGER_FORMAT,
    Kind.YEAR: INTEGER_FORMAT,
    Kind.USCC: TEXT_FORMAT,
    Kind.COUNTY: TEXT_FORMAT,
    Kind.TEXT: TEXT_FORMAT,
}

#: Enumerations offered as drop-downs; their choices are written as cells of the 说明 sheet.
DROPDOWN_KINDS = (Kind.ENUM,)
YESNO_FORMULA = '"是,否"'

REQUIRED_ZH = {
    Required.YES: "必填",
    Required.NO: "选填",
    Required.WHEN_REMOTE: "位于艰苦边远地区时必填",
    Required.WITH_REVOKED_ON: "填写撤销日期时必填",
    Required.ARTICLE_8: "按行业划型需要时必填",
    Required.EXCELLENCE: "卓越级必填",
}

KIND_ZH = {
    Kind.TEXT: "文本",
    Kind.USCC: "统一社会信用代码（18 位）",
    Kind.YESNO: "是/否",
    Kind.DATE: "日期",
    Kind.YEAR: "年份（四位）",
    Kind.INTEGER: "整数",
    Kind.MONEY: "金额",
    Kind.AREA: "面积",
    Kind.ENUM: "单选",
    Kind.ENUM_LIST: "多选",
    Kind.COUNTY: "行政区划代码（6 位）",
}

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", start_color="FFDDEBF7", end_color="FFDDEBF7")
_LIST_FILL = PatternFill("solid", start_color="FFF2F2F2", end_color="FFF2F2F2")
_TITLE_FONT = Font(bold=True, size=14)
_THIN = Side(style="thin", color="FFBFBFBF")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP_TOP = Alignment(wrap_text=True, vertical="top")
_HEADER_ALIGN = Alignment(wrap_text=True, vertical="center")

MAX_WIDTH = 60
MIN_WIDTH = 8
PADDING = 4


def text_width(text: object) -> int:
    """How many columns a text needs: East Asian wide and full-width characters count 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in str(text))


def _fit(*texts: object, minimum: int = MIN_WIDTH, maximum: int = MAX_WIDTH) -> float:
    widest = max((text_width(t) for t in texts if t is not None), default=0)
    return float(min(max(widest + PADDING, minimum), maximum))


def _min_width(spec: FieldSpec) -> int:
    """Room for a typical value of the field, beyond its header."""
    return {Kind.USCC: 22, Kind.DATE: 13, Kind.MONEY: 14, Kind.AREA: 14, Kind.COUNTY: 10, Kind.TEXT: 16}.get(
        spec.kind, MIN_WIDTH)


def profile_fields(level: str, declared: tuple[FieldSpec, ...] = (),
                   choices: Mapping[str, tuple[str, ...]] | None = None) -> tuple[FieldSpec, ...]:
    """The profile fields a template of this level lists: excellence-only fields only for 卓越级; then the
    fields the template's ruleset declares (rules/fields.py). ``choices`` are its ruleset's values for an
    enumeration of the law's (rules/fields.py: choices_of), shown in its drop-down."""
    return _with_choices(tuple(f for f in PROFILE.fields if f.required is not Required.EXCELLENCE or level == "卓越级"),
                         choices) + declared


def _with_choices(fields: tuple[FieldSpec, ...], choices: Mapping[str, tuple[str, ...]] | None) -> tuple[FieldSpec, ...]:
    choices = choices or {}
    return tuple(replace(f, options=choices[f.key]) if f.key in choices else f for f in fields)


def _requirement(spec: FieldSpec) -> str:
    return REQUIRED_ZH[spec.required]


def _kind_text(spec: FieldSpec) -> str:
    kind = KIND_ZH[spec.kind]
    if spec.choices:
        kind += "：" + " / ".join(spec.choices)
    if spec.kind is Kind.ENUM_LIST:
        kind += "（可多选，用 、 或 , 分隔）"
    return kind


def _style_header(cell) -> None:
    cell.font = _HEADER_FONT
    cell.fill = _HEADER_FILL
    cell.alignment = _HEADER_ALIGN
    cell.border = _BORDER


class _Lists:
    """The choice lists, written as columns of the 说明 sheet and referenced by the drop-downs."""

    def __init__(self, sheet: Worksheet, first_column: int, header_row: int):
        self.sheet = sheet
        self.next_column = first_column
        self.header_row = header_row
        self.refs: dict[str, str] = {}

    def add(self, key: str, title: str, choices: Iterable[str]) -> str:
        if key in self.refs:
            return self.refs[key]
        choices = tuple(choices)
        col = self.next_column
        self.next_column += 1
        letter = get_column_letter(col)
        head = self.sheet.cell(row=self.header_row, column=col, value=f"可选值：{title}")
        _style_header(head)
        for i, choice in enumerate(choices, start=1):
            cell = self.sheet.cell(row=self.header_row + i, column=col, value=choice)
            cell.number_format = TEXT_FORMAT
            cell.fill = _LIST_FILL
            cell.border = _BORDER
        self.sheet.column_dimensions[letter].width = _fit(head.value, *choices, minimum=12)
        first, last = self.header_row + 1, self.header_row + len(choices)
        ref = f"'{self.sheet.title}'!${letter}${first}:${letter}${last}"
        self.refs[key] = ref
        return ref


class _Validations:
    """One DataValidation per distinct list on a sheet, collecting the ranges it covers."""

    def __init__(self, sheet: Worksheet):
        self.sheet = sheet
        self.by_formula: dict[str, DataValidation] = {}

    def add(self, formula: str, ref: str, spec: FieldSpec) -> None:
        dv = self.by_formula.get(formula)
        if dv is None:
            if spec.kind is Kind.YESNO:
                error = "请填写「是」或「否」（也接受 Y/N、yes/no、true/false、1/0）。"
                prompt = "请选择 是 或 否"
            else:
                error = "请从下拉列表中选择；其他写法可能无法识别。"
                prompt = "请从下拉列表中选择"
            dv = DataValidation(type="list", formula1=formula, allow_blank=True, showDropDown=False,
                                showErrorMessage=True, errorStyle="warning", errorTitle="填写提示",
                                error=error, showInputMessage=True, promptTitle="填写提示", prompt=prompt)
            self.sheet.add_data_validation(dv)
            self.by_formula[formula] = dv
        dv.add(ref)


def _formula_for(spec: FieldSpec, lists: _Lists) -> str | None:
    if spec.kind is Kind.YESNO:
        return YESNO_FORMULA
    if spec.kind in DROPDOWN_KINDS and spec.choices:
        # OOXML stores formulas without the leading "=" that Excel shows in its dialog.
        return lists.add(spec.key, spec.label, spec.choices)
    return None  # free text, numbers, dates, and multi-valued choices (site tenure) have no drop-down


def _write_profile(sheet: Worksheet, level: str, lists: _Lists, declared: tuple[FieldSpec, ...] = (),
                   choices: Mapping[str, tuple[str, ...]] | None = None) -> None:
    validations = _Validations(sheet)
    for c, word in enumerate(PROFILE_HEADER, start=1):
        _style_header(sheet.cell(row=1, column=c, value=word))
    fields = profile_fields(level, declared, choices)
    for r, spec in enumerate(fields, start=2):
        label = sheet.cell(row=r, column=1, value=spec.header)
        label.alignment = _WRAP_TOP
        label.border = _BORDER
        if spec.required in (Required.YES, Required.EXCELLENCE):
            label.font = _HEADER_FONT
        value = sheet.cell(row=r, column=2, value=level if spec.key == "level" else None)
        value.border = _BORDER
        value.alignment = Alignment(vertical="top")
        if spec.kind in _NUMBER_FORMATS:
            value.number_format = _NUMBER_FORMATS[spec.kind]
        note = sheet.cell(row=r, column=3, value=f"【{_requirement(spec)}】{spec.note}")
        note.alignment = _WRAP_TOP
        note.border = _BORDER
        formula = _formula_for(spec, lists)
        if formula:
            validations.add(formula, value.coordinate, spec)
    sheet.column_dimensions["A"].width = _fit(PROFILE_HEADER[0], *(f.header for f in fields))
    sheet.column_dimensions["B"].width = 30.0
    sheet.column_dimensions["C"].width = _fit(PROFILE_HEADER[2], *(f"【{_requirement(f)}】{f.note}" for f in fields))
    sheet.freeze_panes = "B2"


def _write_roster(sheet: Worksheet, spec_sheet: SheetSpec, lists: _Lists) -> None:
    validations = _Validations(sheet)
    for c, spec in enumerate(spec_sheet.fields, start=1):
        letter = get_column_letter(c)
        head = sheet.cell(row=1, column=c, value=spec.header)
        _style_header(head)
        comment = Comment(f"{spec.note}\n（{_requirement(spec)}；{_kind_text(spec)}）", "incubator-check")
        comment.width, comment.height = 260, 110
        head.comment = comment
        sheet.column_dimensions[letter].width = _fit(spec.header, minimum=_min_width(spec), maximum=MAX_WIDTH)
        number_format = _NUMBER_FORMATS.get(spec.kind)
        if number_format:
            for r in range(FIRST_DATA_ROW, LAST_DATA_ROW + 1):
                sheet.cell(row=r, column=c).number_format = number_format
        formula = _formula_for(spec, lists)
        if formula:
            validations.add(formula, f"{letter}{FIRST_DATA_ROW}:{letter}{LAST_DATA_ROW}", spec)
    sheet.row_dimensions[1].height = 32
    sheet.freeze_panes = "A2"


def _instructions(level: str) -> list[str]:
    lines = [
        "本工作簿共五个工作表：「基本信息」「在孵企业」为必填；「人员」「投资基金」为选填；本「说明」工作表不参与检查。",
        "程序按工作表名称和字段名称（表头）识别数据，请勿修改工作表名称和表头文字；行、列的顺序可以调整，空行会被忽略。",
        "「基本信息」：在 B 列「填报内容」中填写各项的值；C 列「填写说明」仅供参考，不参与检查。",
        "「在孵企业」：每行填写一家企业，应列出上年度内的全部在孵企业，包括上年度内毕业的企业。",
        "「人员」：每行填写一人；如填写，其人数应与「基本信息」中的机构总人数、专职孵化服务人员数、创业导师人数一致。",
        "「投资基金」：每行填写一只联动的股权投资基金。",
        "年度：上年度 = 申报年度 − 1，前年度 = 申报年度 − 2。例如申报年度为 2025 年，则上年度为 2024 年，前年度为 2023 年。",
        "单位：金额以万元为单位，面积以平方米为单位，人数以人为单位，均见表头括号内。"
        "如以元或千元填报，请将表头括号内的单位改为（元）或（千元），程序将换算为万元；面积也可写作 ㎡、m²。",
        "数字：填写数值，不得为负数；金额、面积可保留两位小数；人数、企业数、年数为整数。"
        "公式单元格以其计算结果为准，请在保存前重新计算。",
        "是/否：填写「是」或「否」（可从下拉列表选择）；也接受 Y/N、yes/no、true/false、1/0，不区分大小写。",
        "日期：填写日期格式的单元格，或文本 2024-03-15、2024/3/15、2024.3.15、2024年3月15日、20240315。",
        "统一社会信用代码：18 位数字和大写字母（不含 I、O、Z、S、V），校验位将被核验；相关单元格已设为文本格式，以免开头的 0 丢失。",
        "下拉列表：申报级别、艰苦边远地区类别、撤销原因、所属行业以及各「是/否」项可从下拉列表选择，可选值列于本表右侧；"
        "场地使用方式可多选（自有、租赁、协议使用），用 、 或 , 分隔。",
    ]
    if level == "卓越级":
        lines.append("卓越级申报：「基本信息」末尾的聚焦细分产业领域、服务细分产业领域创业企业数、服务和投资收入、"
                     "前年度总收入等字段为卓越级必填。")
    else:
        lines.append("本模板为标准级申报表；申报卓越级请使用卓越级模板（incubator-check template 文件名.xlsx --level 卓越级），"
                     "其中含卓越级必填字段。")
    return [f"{i}. {line}" for i, line in enumerate(lines, start=1)]


TABLE_HEADER = ("工作表", "字段/列", "英文键", "类型", "单位", "是否必填", "服务条款", "说明")
_TABLE_WIDTHS = (12, 40, 34, 30, 8, 24, 18, 60)


def _write_instructions(sheet: Worksheet, level: str, sheets: tuple[SheetSpec, ...] = (),
                        declared: tuple[FieldSpec, ...] = (),
                        choices: Mapping[str, tuple[str, ...]] | None = None) -> _Lists:
    """The 说明 sheet: title, how to fill in the workbook, the table of fields; returns the choice lists."""
    width = len(TABLE_HEADER)
    last_letter = get_column_letter(width)
    title = sheet.cell(row=1, column=1, value=f"科技型企业孵化器申报表填写说明（{level}）")
    title.font = _TITLE_FONT
    sheet.merge_cells(f"A1:{last_letter}1")
    sheet.row_dimensions[1].height = 26
    row = 2
    for line in _instructions(level):
        cell = sheet.cell(row=row, column=1, value=line)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.merge_cells(f"A{row}:{last_letter}{row}")
        # A merged, wrapped row does not grow by itself: size it for its text (~200 columns wide).
        sheet.row_dimensions[row].height = 16 * max(1, -(-text_width(line) // 190))
        row += 1
    row += 1
    header_row = row
    for c, word in enumerate(TABLE_HEADER, start=1):
        _style_header(sheet.cell(row=header_row, column=c, value=word))
    for spec_sheet in (PROFILE, *(sheets or (TENANTS, STAFF, FUNDS))):
        fields = profile_fields(level, declared, choices) if spec_sheet is PROFILE else spec_sheet.fields
        for spec in fields:
            row += 1
            values = (spec_sheet.name, spec.header, spec.key, _kind_text(spec), spec.unit,
                      _requirement(spec), spec.article, spec.note)
            for c, value in enumerate(values, start=1):
                cell = sheet.cell(row=row, column=c, value=value)
                cell.alignment = _WRAP_TOP
                cell.border = _BORDER
    for c, w in enumerate(_TABLE_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(c)].width = float(w)
    return _Lists(sheet, first_column=width + 3, header_row=header_row)


def build_template(level: str | None = None, ruleset=None) -> Workbook:
    """The blank application workbook of one level (标准级 by default), in memory. With a ruleset, of that
    ruleset: its level, and the profile fields and roster columns it declares beyond the core layout."""
    from .rules.fields import choices_of, declared_specs

    level = level or (ruleset.level if ruleset is not None else "标准级")
    if level not in levels():
        raise ValueError(f"level must be one of {', '.join(levels())}, not {level!r}")
    declared = declared_specs(ruleset)
    workbook = Workbook()
    profile = workbook.active
    profile.title = PROFILE.name
    choices = choices_of(ruleset)  # its industries and revocation reasons in the drop-downs (every bundled one's without)
    roster_sheets = tuple(replace(s, fields=_with_choices(s.fields, choices) + declared.get(s.key, ()))
                          for s in (TENANTS, STAFF, FUNDS))
    rosters = [(workbook.create_sheet(s.name), s) for s in roster_sheets]
    instructions = workbook.create_sheet(INSTRUCTIONS_NAME)
    lists = _write_instructions(instructions, level, roster_sheets, declared.get("profile", ()), choices)
    _write_profile(profile, level, lists, declared.get("profile", ()), choices)
    for sheet, spec_sheet in rosters:
        _write_roster(sheet, spec_sheet, lists)
    from .present.workbook import print_setup

    # Every sheet prints on A4, the 说明 sheet too: its field table's header repeats on every page.
    for sheet in (profile, *(s for s, _ in rosters)):
        print_setup(sheet, "1:1")
    print_setup(instructions, f"{lists.header_row}:{lists.header_row}")
    # The choice lists to the right of the field table feed the drop-downs; they are not for paper.
    instructions.print_area = f"A1:{get_column_letter(len(TABLE_HEADER))}{instructions.max_row}"
    workbook.active = 0
    return workbook


def write_template(path: str | os.PathLike[str], level: str | None = None, ruleset=None) -> None:
    """Write the blank application workbook to ``path``, atomically (temp file, then rename)."""
    workbook = build_template(level, ruleset)
    with atomic_path(path) as tmp:
        workbook.save(tmp)
