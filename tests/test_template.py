"""The blank application workbook: its sheets, labels, formats and drop-downs, and a full round trip through the reader."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.utils import get_column_letter, range_boundaries

from incubator_check import Fund, Profile, Severity, StaffMember, Tenant, read_workbook
from incubator_check.workbook.layout import (
    EXCELLENCE_KEYS,
    FUNDS,
    INDUSTRIES,
    INSTRUCTIONS_NAME,
    LEVELS,
    PROFILE,
    REMOTE_CATEGORIES,
    REVOCATION_REASONS,
    STAFF,
    TENANTS,
    Kind,
    Required,
)
from incubator_check._template import LAST_DATA_ROW, REQUIRED_ZH, text_width, write_template
from incubator_check.workbook.values import uscc_check_character
from incubator_check.cli import main

TODAY = dt.date(2025, 6, 30)
ROSTERS = (TENANTS, STAFF, FUNDS)


def uscc(first17: str) -> str:
    return first17 + uscc_check_character(first17)


@pytest.fixture(params=LEVELS)
def level(request) -> str:
    return request.param


@pytest.fixture
def template(tmp_path, level) -> str:
    path = tmp_path / f"template-{level}.xlsx"
    write_template(path, level=level)
    return str(path)


def _profile_rows(ws) -> dict[str, int]:
    """Profile header (column A) → row number."""
    return {ws.cell(row=r, column=1).value: r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=1).value}


def _validations(ws) -> list:
    return list(ws.data_validations.dataValidation)


def _validation_for(ws, coordinate: str):
    found = [dv for dv in _validations(ws) if coordinate in dv]
    assert len(found) <= 1, f"{ws.title}!{coordinate} has {len(found)} validations"
    return found[0] if found else None


def _list_values(wb, formula: str) -> list:
    """The values a list validation offers: an inline list or the cells of a range on another sheet."""
    formula = formula.lstrip("=")
    if formula.startswith('"'):
        return formula.strip('"').split(",")
    sheet, ref = formula.rsplit("!", 1)
    ws = wb[sheet.strip("'")]
    min_col, min_row, max_col, max_row = range_boundaries(ref.replace("$", ""))
    return [ws.cell(row=r, column=c).value for r in range(min_row, max_row + 1) for c in range(min_col, max_col + 1)]


# --- shape -------------------------------------------------------------------


def test_sheets_and_every_label(template, level):
    wb = openpyxl.load_workbook(template)
    assert wb.sheetnames == [PROFILE.name, TENANTS.name, STAFF.name, FUNDS.name, INSTRUCTIONS_NAME]

    ws = wb[PROFILE.name]
    assert [ws.cell(row=1, column=c).value for c in (1, 2, 3)] == ["项目", "填报内容", "填写说明"]
    rows = _profile_rows(ws)
    expected = [f for f in PROFILE.fields if f.required is not Required.EXCELLENCE or level == "卓越级"]
    assert list(rows) == [f.header for f in expected]
    for spec in expected:
        r = rows[spec.header]
        value = ws.cell(row=r, column=2).value
        assert value == (level if spec.key == "level" else None), spec.key
        assert spec.note in ws.cell(row=r, column=3).value

    for sheet in ROSTERS:
        ws = wb[sheet.name]
        assert [c.value for c in ws[1]] == [f.header for f in sheet.fields]
        assert all(cell.value is None for row in ws.iter_rows(min_row=2) for cell in row), sheet.name


def test_excellence_fields_only_for_excellence(tmp_path):
    write_template(tmp_path / "s.xlsx", level="标准级")
    write_template(tmp_path / "e.xlsx", level="卓越级")
    standard = _profile_rows(openpyxl.load_workbook(tmp_path / "s.xlsx")[PROFILE.name])
    excellence = _profile_rows(openpyxl.load_workbook(tmp_path / "e.xlsx")[PROFILE.name])
    headers = {PROFILE.field(k).header for k in EXCELLENCE_KEYS}
    assert len(headers) == 6
    assert not headers & set(standard)
    assert headers <= set(excellence)
    assert set(excellence) - set(standard) == headers


def test_unknown_level_is_refused(tmp_path):
    with pytest.raises(ValueError):
        write_template(tmp_path / "x.xlsx", level="金牌级")
    assert os.listdir(tmp_path) == []


def test_blank_template_reads_without_unknown_labels(template, level):
    result = read_workbook(template, today=TODAY)
    codes = {f.code for f in result.findings}
    assert not codes & {"unknown-sheet", "unknown-field", "unknown-column", "duplicate-field", "duplicate-column",
                        "column-missing", "field-missing", "unknown-unit", "header-missing", "merged-cells"}
    # Only the blanks are reported: required values not yet filled in, and the empty tenant roster.
    assert codes <= {"value-missing", "roster-empty"}
    assert result.submission is not None
    assert result.submission.profile.level == level
    missing = {f.column for f in result.findings if f.code == "value-missing"}
    required = {f.key for f in PROFILE.fields if f.required is Required.YES and f.key != "level"}
    if level == "卓越级":
        required |= EXCELLENCE_KEYS
    assert missing == required
    assert result.submission.source.columns["tenants"] == {f.key: get_column_letter(i) for i, f in enumerate(TENANTS.fields, 1)}


# --- formats, drop-downs, layout ---------------------------------------------------


_FORMATS = {
    Kind.DATE: "yyyy-mm-dd",
    Kind.MONEY: "#,##0.00",
    Kind.AREA: "#,##0.00",
    Kind.INTEGER: "0",
    Kind.YEAR: "0",
    Kind.USCC: "@",
    Kind.COUNTY: "@",
}


def test_number_formats(template, level):
    wb = openpyxl.load_workbook(template)
    ws = wb[PROFILE.name]
    for header, r in _profile_rows(ws).items():
        spec = next(f for f in PROFILE.fields if f.header == header)
        if spec.kind in _FORMATS:
            assert ws.cell(row=r, column=2).number_format == _FORMATS[spec.kind], spec.key
    for sheet in ROSTERS:
        ws = wb[sheet.name]
        for c, spec in enumerate(sheet.fields, start=1):
            if spec.kind in _FORMATS:
                for r in (2, 500, LAST_DATA_ROW):
                    assert ws.cell(row=r, column=c).number_format == _FORMATS[spec.kind], (sheet.name, spec.key, r)


def test_dropdowns(template, level):
    wb = openpyxl.load_workbook(template)
    ws = wb[PROFILE.name]
    rows = _profile_rows(ws)
    for spec in PROFILE.fields:
        if spec.header not in rows:
            continue
        dv = _validation_for(ws, f"B{rows[spec.header]}")
        if spec.kind is Kind.YESNO:
            assert dv is not None and _list_values(wb, dv.formula1) == ["是", "否"], spec.key
        elif spec.kind is Kind.ENUM:
            assert dv is not None and _list_values(wb, dv.formula1) == list(spec.choices), spec.key
            assert len(dv.formula1) <= 255
        else:  # site tenure is multi-valued: a note, no drop-down
            assert dv is None, spec.key
    assert {PROFILE.field(k).choices for k in ("level", "remote_area_category", "revocation_reason")} == {
        LEVELS, REMOTE_CATEGORIES, REVOCATION_REASONS}

    for sheet in ROSTERS:
        ws = wb[sheet.name]
        for c, spec in enumerate(sheet.fields, start=1):
            letter = get_column_letter(c)
            dv = _validation_for(ws, f"{letter}2")
            if spec.kind is Kind.YESNO:
                assert dv is not None and _list_values(wb, dv.formula1) == ["是", "否"], (sheet.name, spec.key)
            elif spec.kind is Kind.ENUM:
                assert dv is not None and _list_values(wb, dv.formula1) == list(spec.choices), (sheet.name, spec.key)
            else:
                assert dv is None, (sheet.name, spec.key)
            if dv is not None:
                assert f"{letter}{LAST_DATA_ROW}" in dv and f"{letter}{LAST_DATA_ROW + 1}" not in dv
                assert f"{letter}1" not in dv
    industry = _validation_for(wb[TENANTS.name], f"{get_column_letter(TENANTS.fields.index(TENANTS.field('industry')) + 1)}2")
    assert _list_values(wb, industry.formula1) == list(INDUSTRIES)
    assert "说明" in industry.formula1 and "$" in industry.formula1


def test_frozen_headers_widths_and_styles(template):
    wb = openpyxl.load_workbook(template)
    assert wb[PROFILE.name].freeze_panes == "B2"
    for sheet in ROSTERS:
        ws = wb[sheet.name]
        assert ws.freeze_panes == "A2"
        for c, spec in enumerate(sheet.fields, start=1):
            cell = ws.cell(row=1, column=c)
            assert cell.font.bold and cell.fill.fill_type == "solid"
            width = ws.column_dimensions[get_column_letter(c)].width
            assert min(text_width(spec.header), 56) <= width <= 60, (sheet.name, spec.key, width)
    ws = wb[PROFILE.name]
    assert ws.column_dimensions["A"].width >= max(text_width(f.header) for f in PROFILE.fields if f.key not in EXCELLENCE_KEYS)


def test_instructions_sheet(template, level):
    wb = openpyxl.load_workbook(template)
    ws = wb[INSTRUCTIONS_NAME]
    text = "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)
    for phrase in ("上年度 = 申报年度 − 1", "万元", "平方米", "Y/N", "true/false", "1/0", "2024年3月15日", "20240315", "2024/3/15"):
        assert phrase in text, phrase
    header = next(r for r in ws.iter_rows() if r[0].value == "工作表")
    assert [c.value for c in header[:8]] == ["工作表", "字段/列", "英文键", "类型", "单位", "是否必填", "服务条款", "说明"]
    table = {}
    for row in ws.iter_rows(min_row=header[0].row + 1, max_col=8, values_only=True):
        if row[0] is None:
            continue
        table[(row[0], row[2])] = row
    for sheet in (PROFILE, *ROSTERS):
        for spec in sheet.fields:
            if sheet is PROFILE and spec.key in EXCELLENCE_KEYS and level != "卓越级":
                assert (sheet.name, spec.key) not in table
                continue
            row = table[(sheet.name, spec.key)]
            assert row[1] == spec.header
            assert (row[4] or "") == spec.unit
            assert row[5] == REQUIRED_ZH[spec.required]
            assert row[6] == spec.article
            assert row[7] == spec.note
    assert set(REQUIRED_ZH.values()) >= {"必填", "选填", "位于艰苦边远地区时必填", "填写撤销日期时必填", "按行业划型需要时必填", "卓越级必填"}


# --- round trip --------------------------------------------------------------------------


def _profile_values(level: str) -> dict[str, tuple[object, object]]:
    """key → (what is typed into the cell, what the reader must give back)."""
    values = {
        "incubator_name": ("杭州某某科技企业孵化器", "杭州某某科技企业孵化器"),
        "operator_name": ("杭州某某孵化器管理有限公司", "杭州某某孵化器管理有限公司"),
        "operator_uscc": (uscc("91330106MA2B3C4D5"), uscc("91330106MA2B3C4D5")),
        "level": (level, level),
        "application_year": (2025, 2025),
        "application_date": (dt.date(2025, 3, 15), dt.date(2025, 3, 15)),
        "province": ("浙江省", "浙江省"),
        "city": ("杭州市", "杭州市"),
        "county_code": ("330106", "330106"),
        "independent_legal_person": ("是", True),
        "remote_area": ("是", True),
        "remote_area_category": ("三类", "三类"),
        "site_address": ("杭州市西湖区文三路 1 号；西湖区古墩路 2 号", "杭州市西湖区文三路 1 号；西湖区古墩路 2 号"),
        "site_area_m2": (5123.45, Decimal("5123.45")),
        "site_tenure": ("自有、租赁", ("自有", "租赁")),
        "total_staff": (2, 2),
        "fulltime_service_staff": (2, 2),
        "mentors": (1, 1),
        "leader_profile": ("十年产业投资与企业管理经历", "十年产业投资与企业管理经历"),
        "total_revenue": (1234.5, Decimal("1234.5")),
        "rent_property_revenue": (400.25, Decimal("400.25")),
        "service_revenue_accounted_separately": ("是", True),
        "statistics_years_reported": (3, 3),
        "major_accident_3y": ("否", False),
        "serious_dishonesty": ("否", False),
        "major_violation": ("否", False),
        "former_national_incubator": ("否", False),
        "revoked_on": (dt.date(2019, 5, 20), dt.date(2019, 5, 20)),
        "revocation_reason": ("自行申请", "自行申请"),
    }
    if level == "卓越级":
        values.update({
            "focus_sector": ("人工智能", "人工智能"),
            "sector_startups_y1": (35, 35),
            "sector_startups_y2": (31, 31),
            "service_investment_revenue_y1": (700.1, Decimal("700.1")),
            "service_investment_revenue_y2": (650, Decimal("650")),
            "total_revenue_y2": (1100.75, Decimal("1100.75")),
        })
    assert set(values) == {f.key for f in PROFILE.fields if f.required is not Required.EXCELLENCE or level == "卓越级"}
    return values


_TENANT_ROWS = [
    {
        "name": ("杭州甲科技有限公司", "杭州甲科技有限公司"),
        "uscc": (uscc("91330106MA2H0J1K2"), uscc("91330106MA2H0J1K2")),
        "registered_on": (dt.date(2021, 4, 1), dt.date(2021, 4, 1)),
        "registered_in_incubator": ("是", True),
        "operating_in_incubator": ("是", True),
        "industry": ("软件和信息技术服务业", "软件和信息技术服务业"),
        "employees": (25, 25),
        "revenue_y1": (320.5, Decimal("320.5")),
        "revenue_y2": (210, Decimal("210")),
        "rd_y1": (45.67, Decimal("45.67")),
        "rd_y2": (30.01, Decimal("30.01")),
        "total_assets": (880.88, Decimal("880.88")),
        "tech_sme": ("是", True),
        "innovative_sme": ("否", False),
        "incubator_equity_invested": ("是", True),
        "financing_received": ("是", True),
        "newly_certified": ("否", False),
        "largest_round": (600, Decimal("600")),
        "acquired_or_listed": ("否", False),
        "graduated": ("是", True),
    },
    {
        "name": ("杭州乙农业科技有限公司", "杭州乙农业科技有限公司"),
        "uscc": (uscc("91330106MA2L3M4N5"), uscc("91330106MA2L3M4N5")),
        "registered_on": (dt.date(2022, 11, 30), dt.date(2022, 11, 30)),
        "registered_in_incubator": ("Y", True),
        "operating_in_incubator": ("yes", True),
        "industry": ("农、林、牧、渔业", "农、林、牧、渔业"),
        "employees": (8, 8),
        "revenue_y1": (75.25, Decimal("75.25")),
        "revenue_y2": (50, Decimal("50")),
        "rd_y1": (12.5, Decimal("12.5")),
        "rd_y2": (9.99, Decimal("9.99")),
        "total_assets": (100, Decimal("100")),
        "tech_sme": ("N", False),
        "innovative_sme": ("no", False),
        "incubator_equity_invested": ("false", False),
        "financing_received": ("true", True),
        "newly_certified": ("否", False),
        "largest_round": (0.5, Decimal("0.5")),
        "acquired_or_listed": ("否", False),
        "graduated": ("否", False),
    },
    {
        "name": ("杭州丙建设工程有限公司", "杭州丙建设工程有限公司"),
        "uscc": (uscc("91330106MA2P0Q1R2"), uscc("91330106MA2P0Q1R2")),
        "registered_on": (dt.date(2023, 1, 9), dt.date(2023, 1, 9)),
        "registered_in_incubator": ("是", True),
        "operating_in_incubator": ("是", True),
        "industry": ("建筑业", "建筑业"),
        "employees": (40, 40),
        "revenue_y1": (5123.45, Decimal("5123.45")),
        "revenue_y2": (4000.1, Decimal("4000.1")),
        "rd_y1": (200, Decimal("200")),
        "rd_y2": (150.55, Decimal("150.55")),
        "total_assets": (9999.99, Decimal("9999.99")),
        "tech_sme": ("是", True),
        "innovative_sme": ("是", True),
        "incubator_equity_invested": ("否", False),
        "financing_received": ("否", False),
        "newly_certified": ("是", True),
        "largest_round": (0, Decimal("0")),
        "acquired_or_listed": ("是", True),
        "graduated": ("否", False),
    },
]

_STAFF_ROWS = [
    {"name": ("张三", "张三"), "role": ("孵化服务经理", "孵化服务经理"), "fulltime_service": ("是", True), "mentor": ("否", False)},
    {"name": ("李四", "李四"), "role": ("创业导师", "创业导师"), "fulltime_service": ("是", True), "mentor": ("是", True)},
]

_FUND_ROWS = [
    {"name": ("杭州某某创业投资合伙企业（有限合伙）", "杭州某某创业投资合伙企业（有限合伙）"),
     "amac_code": ("SXX123", "SXX123"), "sector": ("人工智能", "人工智能")},
]


def _fill_roster(ws, sheet, rows) -> None:
    columns = {ws.cell(row=1, column=c).value: c for c in range(1, ws.max_column + 1)}
    for r, values in enumerate(rows, start=2):
        assert set(values) == {f.key for f in sheet.fields}
        for key, (typed, _) in values.items():
            ws.cell(row=r, column=columns[sheet.field(key).header], value=typed)


def test_round_trip(template, level, tmp_path):
    wb = openpyxl.load_workbook(template)
    ws = wb[PROFILE.name]
    rows = _profile_rows(ws)
    profile_values = _profile_values(level)
    for key, (typed, _) in profile_values.items():
        ws.cell(row=rows[PROFILE.field(key).header], column=2, value=typed)
    _fill_roster(wb[TENANTS.name], TENANTS, _TENANT_ROWS)
    _fill_roster(wb[STAFF.name], STAFF, _STAFF_ROWS)
    _fill_roster(wb[FUNDS.name], FUNDS, _FUND_ROWS)
    filled = tmp_path / "filled.xlsx"
    wb.save(filled)

    result = read_workbook(filled, today=TODAY)
    bad = [f for f in result.findings if f.severity in (Severity.ERROR, Severity.WARNING)]
    assert bad == []
    submission = result.submission
    assert submission is not None

    expected_profile = {k: parsed for k, (_, parsed) in profile_values.items()}
    profile = submission.profile
    for key, parsed in expected_profile.items():
        got = getattr(profile, key)
        assert got == parsed, key
        if isinstance(parsed, Decimal):
            assert isinstance(got, Decimal) and got == parsed, key
    assert profile == Profile(**expected_profile)

    def expect(model, rows):
        return tuple(model(row=r, **{k: parsed for k, (_, parsed) in values.items()}) for r, values in enumerate(rows, start=2))

    assert submission.tenants == expect(Tenant, _TENANT_ROWS)
    assert submission.staff == expect(StaffMember, _STAFF_ROWS)
    assert submission.funds == expect(Fund, _FUND_ROWS)
    for tenant in submission.tenants:
        for key in ("revenue_y1", "revenue_y2", "rd_y1", "rd_y2", "total_assets", "largest_round"):
            assert isinstance(getattr(tenant, key), Decimal)


def test_optional_sheets_left_blank_give_no_warnings(tmp_path):
    path = tmp_path / "t.xlsx"
    write_template(path)
    wb = openpyxl.load_workbook(path)
    ws = wb[PROFILE.name]
    rows = _profile_rows(ws)
    for key, (typed, _) in _profile_values("标准级").items():
        ws.cell(row=rows[PROFILE.field(key).header], column=2, value=typed)
    _fill_roster(wb[TENANTS.name], TENANTS, _TENANT_ROWS)
    wb.save(path)
    result = read_workbook(path, today=TODAY)
    assert [f.code for f in result.findings if f.severity is not Severity.INFO] == []


# --- writing ---------------------------------------------------------------------------


def test_write_is_atomic_and_overwrites(tmp_path, monkeypatch):
    path = tmp_path / "t.xlsx"
    path.write_bytes(b"old")
    write_template(path)
    assert openpyxl.load_workbook(path).sheetnames[0] == PROFILE.name
    assert os.listdir(tmp_path) == ["t.xlsx"]

    def broken_save(self, filename):
        with open(filename, "wb") as handle:
            handle.write(b"partial")
        raise OSError("disk full")

    before = path.read_bytes()
    monkeypatch.setattr(openpyxl.Workbook, "save", broken_save)
    with pytest.raises(OSError):
        write_template(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["t.xlsx"]


def test_cli_template(tmp_path):
    runner = CliRunner()
    out = tmp_path / "t.xlsx"
    result = runner.invoke(main, ["template", str(out)])
    assert result.exit_code == 0, result.output
    assert out.exists()
    assert openpyxl.load_workbook(out)[PROFILE.name]["B5"].value == "标准级"

    before = out.read_bytes()
    again = runner.invoke(main, ["template", str(out), "--level", "卓越级"])
    assert again.exit_code == 2
    assert out.read_bytes() == before

    forced = runner.invoke(main, ["template", str(out), "--level", "卓越级", "--force"])
    assert forced.exit_code == 0, forced.output
    rows = _profile_rows(openpyxl.load_workbook(out)[PROFILE.name])
    assert PROFILE.field("focus_sector").header in rows
