"""The reader (``_reader.py`` and its gate, the ``_guard`` package): one test per finding code it can emit, then whole-workbook behaviour."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
import subprocess
import time
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from incubator_check import Limits, ReadResult, Severity, WorkbookError, read_workbook
from incubator_check.workbook.layout import PROFILE, TENANTS

from conftest import DROP, TODAY, PROFILE_EXPECTED, bad_check, default_staff, make_uscc, tenant_defaults

ERROR, WARNING, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO
P, T = PROFILE.name, TENANTS.name  # 基本信息, 在孵企业


def read(path, **kwargs) -> ReadResult:
    return read_workbook(path, today=TODAY, **kwargs)


def codes(result: ReadResult) -> list[str]:
    return [f.code for f in result.findings]


def finding(result: ReadResult, code: str, *, severity: Severity, sheet: str | None, cell: str | None, path=None):
    """The one finding of ``code``; checks its severity, place and both messages."""
    matches = [f for f in result.findings if f.code == code]
    assert len(matches) == 1, f"expected one {code}, got {result.findings}"
    f = matches[0]
    assert f.severity is severity
    assert f.sheet == sheet
    assert f.cell == cell
    if sheet and cell:
        assert f.where == f"{sheet}!{cell}"
    assert f.message_zh.strip() and f.message_en.strip()
    if path is not None:
        assert f.file == os.fspath(path)
    return f


def refused(path, code: str, **kwargs):
    """read_workbook raises WorkbookError carrying a finding of ``code``."""
    with pytest.raises(WorkbookError) as info:
        read(path, **kwargs)
    f = info.value.finding
    assert f.code == code, f
    assert f.severity is ERROR
    assert f.message_zh.strip() and f.message_en.strip()
    assert info.value.zh and info.value.en
    assert f.file == os.fspath(path)
    return f


def rewrite_zip(src: Path, dst: Path, *, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None,
                compression=zipfile.ZIP_DEFLATED) -> Path:
    """Copy an .xlsx member by member, replacing or adding members."""
    replace = replace or {}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", compression) as zout:
        for item in zin.infolist():
            zout.writestr(item.filename, replace.get(item.filename, zin.read(item.filename)))
        for name, data in (add or {}).items():
            zout.writestr(name, data)
    return dst


# --- the baseline ------------------------------------------------------------------


def test_default_workbook_reads_without_findings(workbook_factory):
    path = workbook_factory()
    result = read(path)
    assert result.findings == []
    sub = result.submission
    for key, value in PROFILE_EXPECTED.items():
        assert getattr(sub.profile, key) == value, key
    assert sub.profile.level.value == "标准级"
    assert sub.profile.site_area_m2 == Decimal(5000)
    assert [t.value for t in sub.profile.site_tenure] == ["自有", "租赁"]
    assert len(sub.tenants) == 3
    first = sub.tenants[0]
    assert first.row == 2 and first.name == "测试企业1有限公司" and first.uscc == make_uscc(1)
    assert first.revenue_y1 == Decimal("500.5") and first.industry.value == "工业"
    assert first.registered_on == dt.date(2021, 1, 1) and first.graduated is False
    assert sub.staff is None and sub.funds is None
    assert sub.source.sheets == {"profile": P, "tenants": T}
    assert sub.source.profile_ref("total_staff") == f"{P}!{path.profile_cell('total_staff')}"
    assert sub.source.tenant_ref("revenue_y1", 3) == f"{T}!{path.tenant_cell('revenue_y1', 1)}"


# --- one test per finding code -------------------------------------------------------


def test_sheet_missing(workbook_factory):
    path = workbook_factory(sheet_names={"tenants": None})
    result = read(path)
    finding(result, "sheet-missing", severity=ERROR, sheet=T, cell=None, path=path)
    assert result.submission is None


def test_sheet_missing_profile(workbook_factory):
    result = read(workbook_factory(sheet_names={"profile": None}))
    finding(result, "sheet-missing", severity=ERROR, sheet=P, cell=None)
    assert result.submission is None


def test_unknown_sheet(workbook_factory):
    path = workbook_factory(extra_sheets={"草稿": [["随便写写"]], "说明": [["填表说明"]], "Instructions": [["x"]]})
    result = read(path)
    finding(result, "unknown-sheet", severity=WARNING, sheet="草稿", cell=None, path=path)
    assert result.submission is not None


def test_unknown_field(workbook_factory):
    path = workbook_factory(extra_profile_rows=[("孵化器微信公众号", "incubator_wx")])
    row = len(path.profile_cells) + 2  # header row, the fields, then the extra row
    result = read(path)
    f = finding(result, "unknown-field", severity=WARNING, sheet=P, cell=f"A{row}", path=path)
    assert "孵化器微信公众号" in f.message_zh and "孵化器微信公众号" in f.message_en


def test_duplicate_field(workbook_factory):
    path = workbook_factory(extra_profile_rows=[("机构总人数（人）", "10")])
    row = len(path.profile_cells) + 2
    result = read(path)
    finding(result, "duplicate-field", severity=WARNING, sheet=P, cell=f"B{row}", path=path)
    assert result.submission.profile.total_staff == 10  # the same answer twice: the first one is used


def test_duplicate_field_that_disagrees_is_an_error_at_both_cells(workbook_factory):
    path = workbook_factory(extra_profile_rows=[("机构总人数（人）", 99)])
    row = len(path.profile_cells) + 2
    result = read(path)
    errors = [f for f in result.findings if f.code == "duplicate-field-disagrees"]
    assert {f.cell for f in errors} == {path.profile_cells["total_staff"], f"B{row}"}
    assert all(f.severity is ERROR and "99" in f.message_zh for f in errors)
    assert result.submission.profile.total_staff is None and not any(f.code == "duplicate-field" for f in result.findings)


def test_field_missing(workbook_factory):
    path = workbook_factory(profile={"total_staff": DROP})
    result = read(path)
    f = finding(result, "field-missing", severity=ERROR, sheet=P, cell=None, path=path)
    assert f.column == "total_staff"
    assert result.submission.profile.total_staff is None


def test_field_missing_excellence_only_on_excellence(workbook_factory):
    result = read(workbook_factory(profile={"level": "卓越级", "total_revenue_y2": DROP}))
    f = finding(result, "field-missing", severity=ERROR, sheet=P, cell=None)
    assert f.column == "total_revenue_y2"
    assert read(workbook_factory()).findings == []  # 标准级 needs no 卓越级 field


def test_value_missing_profile(workbook_factory):
    path = workbook_factory(profile={"province": None})
    result = read(path)
    f = finding(result, "value-missing", severity=ERROR, sheet=P, cell=path.profile_cell("province"), path=path)
    assert f.column == "province"


def test_value_missing_when_remote(workbook_factory):
    path = workbook_factory(profile={"remote_area": "是", "remote_area_category": None})
    result = read(path)
    finding(result, "value-missing", severity=ERROR, sheet=P, cell=path.profile_cell("remote_area_category"))


def test_value_missing_tenant(workbook_factory):
    path = workbook_factory(tenants=[{}, {"registered_on": None}])
    result = read(path)
    f = finding(result, "value-missing", severity=ERROR, sheet=T, cell=path.tenant_cell("registered_on", 1), path=path)
    assert f.row == 3 and f.column == "registered_on"


def test_column_missing_required(workbook_factory):
    path = workbook_factory(headers={"uscc": DROP})
    result = read(path)
    f = [f for f in result.findings if f.code == "column-missing"]
    assert len(f) == 1 and f[0].severity is ERROR and f[0].sheet == T and f[0].column == "uscc"
    assert f[0].cell and f[0].cell.endswith("1")  # on the header row
    assert f[0].message_zh and f[0].message_en


def test_column_missing_article_8_is_warning(workbook_factory):
    result = read(workbook_factory(headers={"employees": DROP}))
    f = [f for f in result.findings if f.code == "column-missing"]
    assert len(f) == 1 and f[0].severity is WARNING and f[0].column == "employees" and f[0].sheet == T


def test_column_missing_not_reported_for_optional_column(workbook_factory):
    assert read(workbook_factory(headers={"largest_round": DROP})).findings == []


def test_unknown_column(workbook_factory):
    path = workbook_factory(extra_columns=[("联系人电话", ["138", "139", "137"])])
    col = chr(ord("A") + len(TENANTS.fields))
    result = read(path)
    f = finding(result, "unknown-column", severity=WARNING, sheet=T, cell=f"{col}1", path=path)
    assert "联系人电话" in f.message_zh


def test_duplicate_column(workbook_factory):
    path = workbook_factory(extra_columns=[("企业名称", ["别名1", "别名2", "别名3"])])
    col = chr(ord("A") + len(TENANTS.fields))
    result = read(path)
    finding(result, "duplicate-column", severity=WARNING, sheet=T, cell=f"{col}1", path=path)
    assert result.submission.tenants[0].name == "测试企业1有限公司"  # the first column is used


def test_header_missing(workbook_factory):
    path = workbook_factory(headers={f.key: f"第{i}列" for i, f in enumerate(TENANTS.fields)})
    result = read(path)
    finding(result, "header-missing", severity=ERROR, sheet=T, cell="A1", path=path)


def test_header_not_first_row(workbook_factory):
    path = workbook_factory(rows_above=[["示例孵化器 2024 年度在孵企业名单"], []])
    result = read(path)
    finding(result, "header-not-first-row", severity=INFO, sheet=T, cell="A3", path=path)
    assert [t.row for t in result.submission.tenants] == [4, 5, 6]


def test_merged_cells(workbook_factory):
    path = workbook_factory(tenants=[{}, {"industry": None}, {"industry": None}], merges=[(T, "F2:F4")])
    assert path.tenant_cell("industry", 0) == "F2"
    result = read(path)
    finding(result, "merged-cells", severity=WARNING, sheet=T, cell="F2:F4", path=path)
    assert [t.industry.value for t in result.submission.tenants] == ["工业"] * 3


def test_unit_converted_tenant_column(workbook_factory):
    path = workbook_factory(headers={"revenue_y1": "上年度营业收入（元）"},
                            tenants=[{"revenue_y1": 5_000_000}, {"revenue_y1": "1,234,567"}, {"revenue_y1": 0.5}])
    result = read(path)
    cell = f"{path.tenant_columns['revenue_y1']}1"
    f = finding(result, "unit-converted", severity=INFO, sheet=T, cell=cell, path=path)
    assert "元" in f.message_zh and f.column == "revenue_y1"
    assert [t.revenue_y1 for t in result.submission.tenants] == [Decimal(500), Decimal("123.4567"), Decimal("0.00005")]
    assert result.submission.source.units["tenants.revenue_y1"] == "元"


#: Amounts at the edges of the cell loop's own reading of a float (reader._read_table, plain_amounts): below 1, 1
#: itself, a whole float, a repr of exactly 16 characters, a longer one (15 digits kept), a tiny one, text, an int.
_EDGE_AMOUNTS = [1.0, 0.99, 1.5, 155.2, 999999999999999.0, 12345678901234.5, 0.30000000000000004, 3e-05, "1,234.50",
                 200, 2.5e-7, 1234.0]


def test_an_amount_column_reads_every_float_as_its_parser_does(workbook_factory):
    """The loop's fast reading of an amount column's floats gives the parser's very Decimal (value and exponent)."""
    from incubator_check.workbook.layout import Kind
    from incubator_check.workbook.values import amount_parser

    path = workbook_factory(tenants=[{"revenue_y1": v} for v in _EDGE_AMOUNTS])
    result = read(path)
    parse = amount_parser(Kind.MONEY, "万元")
    got = [str(t.revenue_y1) for t in result.submission.tenants]
    assert got == [str(parse(float(v) if isinstance(v, int) else v)) for v in _EDGE_AMOUNTS]
    assert not [f for f in result.findings if f.column == "revenue_y1" and f.severity is Severity.ERROR]


#: Company names at the edges of the cell loop's own reading of a text (printable, stripped, NFC): spaces around it, a
#: decomposed accent, a no-break space and a zero-width space (not printable: the loop's), an ideographic space.
_EDGE_NAMES = ["  甲科技有限公司 ", "Cafe\u0301 Ltd", "乙\u00a0科技有限公司", "丙\u200b科技有限公司", "\u3000丁科技有限公司\u3000",
               "ＡＢＣ有限公司", "戊科技有限公司"]


def test_a_text_column_reads_every_name_as_its_parser_does(workbook_factory):
    """The loop's fast reading of a printable text gives parse_text's value; the others still get their findings."""
    from incubator_check.workbook.values import parse_text

    path = workbook_factory(tenants=[{"name": v} for v in _EDGE_NAMES])
    result = read(path)
    assert [t.name for t in result.submission.tenants] == [parse_text(v) for v in _EDGE_NAMES]
    finding(result, "invisible-characters", severity=INFO, sheet=T, cell=f"{path.tenant_columns['name']}5",
            path=path)


def test_unit_converted_profile_field(workbook_factory):
    path = workbook_factory(profile_labels={"site_area_m2": "可自主支配孵化场地面积（公顷）", "total_revenue": "上年度总收入（千元）"},
                            profile={"site_area_m2": 0.5, "total_revenue": 12345})
    result = read(path)
    converted = {f.column: f for f in result.findings if f.code == "unit-converted"}
    assert set(converted) == {"site_area_m2", "total_revenue"}
    assert all(f.severity is INFO and f.sheet == P and f.message_zh and f.message_en for f in converted.values())
    assert converted["site_area_m2"].cell == "A" + path.profile_cell("site_area_m2")[1:]
    assert result.submission.profile.site_area_m2 == Decimal(5000)
    assert result.submission.profile.total_revenue == Decimal("1234.5")


def test_unknown_unit(workbook_factory):
    path = workbook_factory(headers={"revenue_y1": "上年度营业收入（美元）"})
    result = read(path)
    cell = f"{path.tenant_columns['revenue_y1']}1"
    f = finding(result, "unknown-unit", severity=ERROR, sheet=T, cell=cell, path=path)
    assert "美元" in f.message_zh and "美元" in f.message_en


def test_unknown_unit_profile(workbook_factory):
    path = workbook_factory(profile_labels={"site_area_m2": "可自主支配孵化场地面积（亩）"})
    result = read(path)
    finding(result, "unknown-unit", severity=ERROR, sheet=P, cell="A" + path.profile_cell("site_area_m2")[1:])


CELL_CODES = [  # code, column, bad value, what the message must quote
    ("invalid-yes-no", "graduated", "也许", "也许"),
    ("invalid-date", "registered_on", "2024-13-45", "2024-13-45"),
    ("invalid-number", "revenue_y1", "很多", "很多"),
    ("invalid-integer", "employees", 12.5, "12.5"),
    ("invalid-choice", "industry", "金融业", "金融业"),
    ("invalid-uscc", "uscc", "12345", "12345"),
    ("negative-value", "rd_y1", -5, "-5"),
    ("unit-mismatch", "revenue_y1", "500元", "元"),
]


@pytest.mark.parametrize("code, key, value, quoted", CELL_CODES, ids=[c[0] for c in CELL_CODES])
def test_tenant_cell_value_error(workbook_factory, code, key, value, quoted):
    path = workbook_factory(tenants=[{}, {}, {key: value}])
    result = read(path)
    cell = path.tenant_cell(key, 2)
    f = finding(result, code, severity=ERROR, sheet=T, cell=cell, path=path)
    assert f.row == 4 and f.column == key
    assert getattr(result.submission.tenants[2], key) is None  # an unreadable value is None, not a guess
    assert quoted in f.message_zh and quoted in f.message_en  # says what was found


PROFILE_CELL_CODES = [
    ("invalid-year", "application_year", "25"),
    ("invalid-county-code", "county_code", "杭州西湖"),
    ("invalid-choice", "level", "特级"),
    ("invalid-yes-no", "remote_area", "不确定"),
    ("invalid-date", "application_date", "2025-02-30"),
    ("invalid-uscc", "operator_uscc", "ABC"),
    ("negative-value", "site_area_m2", -1),
    ("invalid-integer", "mentors", "2.5"),
    ("invalid-number", "total_revenue", "一千"),
]


@pytest.mark.parametrize("code, key, value", PROFILE_CELL_CODES, ids=[f"{c[0]}-{c[1]}" for c in PROFILE_CELL_CODES])
def test_profile_cell_value_error(workbook_factory, code, key, value):
    path = workbook_factory(profile={key: value})
    result = read(path)
    f = finding(result, code, severity=ERROR, sheet=P, cell=path.profile_cell(key), path=path)
    assert f.column == key
    assert getattr(result.submission.profile, key) is None
    assert "value-missing" not in codes(result)  # a bad value is not reported a second time as blank


def test_uscc_check_digit(workbook_factory):
    wrong = bad_check(make_uscc(2))
    path = workbook_factory(tenants=[{}, {"uscc": wrong}])
    result = read(path)
    f = finding(result, "uscc-check-digit", severity=WARNING, sheet=T, cell=path.tenant_cell("uscc", 1), path=path)
    assert make_uscc(2)[17] in f.message_en
    assert result.submission.tenants[1].uscc == wrong  # kept: a reviewer decides


def test_uscc_check_digit_profile(workbook_factory):
    path = workbook_factory(profile={"operator_uscc": bad_check(make_uscc(3))})
    finding(read(path), "uscc-check-digit", severity=WARNING, sheet=P, cell=path.profile_cell("operator_uscc"))


def test_uscc_lower_case_is_normalised_in_reader(workbook_factory):
    path = workbook_factory(tenants=[{"uscc": make_uscc(1).lower()}])
    result = read(path)
    assert result.findings == []
    assert result.submission.tenants[0].uscc == make_uscc(1)


def test_date_in_future(workbook_factory):
    path = workbook_factory(tenants=[{}, {"registered_on": TODAY + dt.timedelta(days=1)}])
    result = read(path)
    f = finding(result, "date-in-future", severity=ERROR, sheet=T, cell=path.tenant_cell("registered_on", 1), path=path)
    assert str(TODAY) in f.message_en


def test_date_in_future_not_for_application_date(workbook_factory):
    result = read(workbook_factory(profile={"application_date": TODAY + dt.timedelta(days=30)}))
    assert "date-in-future" not in codes(result)


def test_duplicate_uscc(workbook_factory):
    path = workbook_factory(tenants=[{}, {}, {"uscc": make_uscc(1)}])
    result = read(path)
    f = finding(result, "duplicate-uscc", severity=ERROR, sheet=T, cell=path.tenant_cell("uscc", 2), path=path)
    assert "2" in f.message_zh  # names the first row
    assert result.submission.tenants[2].duplicate_of == 2


def test_duplicate_uscc_after_case_normalisation(workbook_factory):
    path = workbook_factory(tenants=[{}, {"uscc": make_uscc(1).lower()}])
    finding(read(path), "duplicate-uscc", severity=ERROR, sheet=T, cell=path.tenant_cell("uscc", 1))


def test_formula_no_value_tenant(workbook_factory):
    path = workbook_factory(tenants=[{}, {"revenue_y1": "=I3*1.1"}])
    result = read(path)
    finding(result, "formula-no-value", severity=ERROR, sheet=T, cell=path.tenant_cell("revenue_y1", 1), path=path)
    assert "value-missing" not in codes(result)


def test_formula_no_value_profile(workbook_factory):
    path = workbook_factory(profile={"total_revenue": "=1000"})
    result = read(path)
    finding(result, "formula-no-value", severity=ERROR, sheet=P, cell=path.profile_cell("total_revenue"), path=path)


def test_formula_with_cached_value_counts(workbook_factory, tmp_path):
    """A formula cell counts by its cached value: write one with a <v> like Excel does."""
    path = workbook_factory(tenants=[{"revenue_y1": "=100+23.5"}])
    sheet_part = "xl/worksheets/sheet2.xml"  # the roster, the second sheet the factory writes
    with zipfile.ZipFile(path) as z:
        xml = z.read(sheet_part).decode()
    xml, n = re.subn(r"<f>100\+23\.5</f>(<v\s*/>|<v></v>)?", "<f>100+23.5</f><v>123.5</v>", xml)
    assert n == 1
    cached = rewrite_zip(path, tmp_path / "cached.xlsx", replace={sheet_part: xml.encode()})
    result = read(cached)
    assert result.findings == []
    assert result.submission.tenants[0].revenue_y1 == Decimal("123.5")


@pytest.mark.parametrize("key", ["largest_round", "employees"])
def test_formula_no_value_in_optional_tenant_cell(workbook_factory, key):
    path = workbook_factory(tenants=[{key: "=1+1"}])
    finding(read(path), "formula-no-value", severity=ERROR, sheet=T, cell=path.tenant_cell(key, 0))


def test_formula_no_value_in_optional_profile_field(workbook_factory):
    path = workbook_factory(profile={"revoked_on": "=DATE(2022,1,1)", "revocation_reason": "自行申请"})
    finding(read(path), "formula-no-value", severity=ERROR, sheet=P, cell=path.profile_cell("revoked_on"))


def test_roster_empty(workbook_factory):
    path = workbook_factory(tenants=[])
    result = read(path)
    finding(result, "roster-empty", severity=ERROR, sheet=T, cell=None, path=path)
    assert result.submission is not None and result.submission.tenants == ()


def test_staff_count_mismatch(workbook_factory):
    path = workbook_factory(staff=default_staff(total=8, fulltime=8, mentors=3))
    result = read(path)
    mismatches = {f.column: f for f in result.findings if f.code == "staff-count-mismatch"}
    assert set(mismatches) == {"total_staff", "fulltime_service_staff"}
    for key, f in mismatches.items():
        assert f.severity is WARNING and f.sheet == P and f.cell == path.profile_cell(key)
        assert f.message_zh and f.message_en


def test_staff_count_matching_gives_no_finding(workbook_factory):
    result = read(workbook_factory(staff=default_staff(total=10, fulltime=9, mentors=3)))
    assert result.findings == []
    assert len(result.submission.staff) == 10 and sum(s.mentor for s in result.submission.staff) == 3


# --- files that are not usable workbooks ----------------------------------------------


@pytest.mark.parametrize("name, content", [
    ("scan.xlsx", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"),
    ("roster.xlsx", "企业名称,统一社会信用代码\n甲公司,91330106MA00000016\n".encode("utf-8")),
    ("photo.xlsx", b"\x89PNG\r\n\x1a\n" + b"\0" * 64),
    ("page.xls", b"<html><body><table><tr><td>1</td></tr></table></body></html>"),
    ("empty.xlsx", b""),
])
def test_not_a_workbook(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    refused(path, "not-a-workbook")


def test_not_a_workbook_docx(tmp_path):
    path = tmp_path / "letter.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<document/>")
    refused(path, "not-a-workbook")


def test_file_corrupt_truncated(workbook_factory, tmp_path):
    data = workbook_factory().read_bytes()
    path = tmp_path / "truncated.xlsx"
    path.write_bytes(data[: len(data) // 2])
    refused(path, "file-corrupt")


def test_file_corrupt_member(workbook_factory, tmp_path):
    """A zip whose directory is sound but whose sheet XML is garbage."""
    src = workbook_factory()
    path = rewrite_zip(src, tmp_path / "badxml.xlsx", replace={"xl/worksheets/sheet1.xml": b"<worksheet><sheetData><row"})
    with pytest.raises(WorkbookError) as info:
        read(path)
    assert info.value.finding.code in ("file-corrupt", "file-unreadable")


def _encrypted_ole() -> bytes:
    """What an Excel file with an open password is: a compound file whose directory holds EncryptionInfo and
    EncryptedPackage (the guard reads the directory entries, not the bytes)."""
    from hostile_corpus import _cfb

    return _cfb({"EncryptionInfo": b"\x04\x00\x04\x00" + os.urandom(200), "EncryptedPackage": os.urandom(5000)})


def test_file_encrypted(tmp_path):
    path = tmp_path / "locked.xlsx"
    path.write_bytes(_encrypted_ole())
    refused(path, "file-encrypted")


def test_a_stream_name_in_the_bytes_of_a_plain_compound_file_is_not_encryption(tmp_path):
    """Only a directory entry says a file is encrypted: the words in a cell or a stray stream's bytes do not."""
    from hostile_corpus import _cfb

    path = tmp_path / "not-locked.xls"
    path.write_bytes(_cfb({"Data": "EncryptionInfo EncryptedPackage".encode("utf-16-le") + os.urandom(5000)}))
    with pytest.raises(WorkbookError) as info:
        read(path)
    assert info.value.finding.code == "not-a-workbook"


def test_file_unreadable_missing_file(tmp_path):
    refused(tmp_path / "nowhere.xlsx", "file-unreadable")


def test_file_too_large(workbook_factory):
    refused(workbook_factory(), "file-too-large", limits=Limits(max_file_bytes=1000))


def test_sheet_too_large(workbook_factory):
    # The profile sheet has under 30 rows; the roster 41.
    f = refused(workbook_factory(n_tenants=40), "sheet-too-large", limits=Limits(max_rows=35))
    assert f.sheet == T


def test_zip_too_many_members(workbook_factory):
    refused(workbook_factory(), "zip-too-many-members", limits=Limits(max_members=3))


def test_zip_bomb_total_size(workbook_factory):
    refused(workbook_factory(), "zip-bomb", limits=Limits(max_inflated_bytes=1000))


def test_zip_bomb_ratio(workbook_factory, tmp_path):
    path = rewrite_zip(workbook_factory(), tmp_path / "bomb.xlsx", add={"xl/media/zeros.bin": b"\0" * (3 << 20)})
    refused(path, "zip-bomb")


def test_zip_unsafe_path(workbook_factory, tmp_path):
    path = rewrite_zip(workbook_factory(), tmp_path / "slip.xlsx", add={"../../evil.txt": b"x"})
    refused(path, "zip-unsafe-path")


def test_file_macro_enabled(workbook_factory, tmp_path):
    path = rewrite_zip(workbook_factory(), tmp_path / "macro.xlsx", add={"xl/vbaProject.bin": b"\0" * 100})
    refused(path, "file-macro-enabled")


def test_xml_dtd(workbook_factory, tmp_path):
    lol = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><x>&lol;</x>'
    path = rewrite_zip(workbook_factory(), tmp_path / "dtd.xlsx", add={"xl/custom.xml": lol})
    refused(path, "xml-dtd")


def test_file_strict_ooxml(workbook_factory, tmp_path):
    src = workbook_factory()
    with zipfile.ZipFile(src) as z:
        xml = z.read("xl/workbook.xml")
    xml = xml.replace(b"<workbook ", b'<workbook xmlns:s="http://purl.oclc.org/ooxml/spreadsheetml/main" ', 1)
    path = rewrite_zip(src, tmp_path / "strict.xlsx", replace={"xl/workbook.xml": xml})
    refused(path, "file-strict-ooxml")


# --- whole-workbook behaviour ------------------------------------------------------------


def test_all_problems_are_collected_at_once(workbook_factory):
    path = workbook_factory(
        profile={"total_staff": "十人"},
        tenants=[{"graduated": "也许"}, {"registered_on": "2024-13-45"}, {}, {"industry": "金融业", "rd_y1": -1}],
    )
    result = read(path)
    assert sorted((f.code, f.where) for f in result.findings) == sorted([
        ("invalid-number", f"{P}!{path.profile_cell('total_staff')}"),
        ("invalid-yes-no", f"{T}!{path.tenant_cell('graduated', 0)}"),
        ("invalid-date", f"{T}!{path.tenant_cell('registered_on', 1)}"),
        ("invalid-choice", f"{T}!{path.tenant_cell('industry', 3)}"),
        ("negative-value", f"{T}!{path.tenant_cell('rd_y1', 3)}"),
    ])
    assert len(result.findings) == 5
    assert len(result.submission.tenants) == 4


def test_english_sheet_names(workbook_factory):
    path = workbook_factory(sheet_names={"profile": "Profile", "tenants": "Tenants", "staff": "Staff", "funds": "Funds"},
                            staff=default_staff(), funds=[{"name": "示例创投基金", "amac_code": "SXX123"}],
                            extra_sheets={"Instructions": [["how to fill in"]]})
    result = read(path)
    assert result.findings == []
    sub = result.submission
    assert sub.source.sheets == {"profile": "Profile", "tenants": "Tenants", "staff": "Staff", "funds": "Funds"}
    assert len(sub.tenants) == 3 and len(sub.staff) == 10 and sub.funds[0].amac_code == "SXX123"


def test_sheet_names_case_and_spaces_ignored(workbook_factory):
    result = read(workbook_factory(sheet_names={"profile": " profile ", "tenants": "TENANTS"}))
    assert result.findings == []


def test_english_keys_and_names_as_labels(workbook_factory):
    path = workbook_factory(profile_labels={f.key: f.key for f in PROFILE.fields},
                            headers={f.key: (f.en if i % 2 else f.key.upper()) for i, f in enumerate(TENANTS.fields)})
    result = read(path)
    assert result.findings == []
    default = read(workbook_factory()).submission
    assert result.submission.profile == default.profile
    assert result.submission.tenants == default.tenants


def test_labels_with_half_width_brackets_and_spaces(workbook_factory):
    path = workbook_factory(
        profile_labels={f.key: " " + f.header.replace("（", " (").replace("）", ") ") for f in PROFILE.fields},
        headers={f.key: f.header.replace("（", "(").replace("）", ")") + "\u3000" for f in TENANTS.fields},
    )
    result = read(path)
    assert result.findings == []
    assert result.submission.profile == read(workbook_factory()).submission.profile


def test_headers_without_units_mean_canonical_units(workbook_factory):
    path = workbook_factory(headers={f.key: f.label for f in TENANTS.fields},
                            profile_labels={f.key: f.label for f in PROFILE.fields})
    result = read(path)
    assert result.findings == []
    assert result.submission.tenants == read(workbook_factory()).submission.tenants


def test_columns_found_by_label_not_position(workbook_factory):
    order = [f.key for f in reversed(TENANTS.fields)]
    result = read(workbook_factory(column_order=order))
    assert result.findings == []
    assert result.submission.tenants == read(workbook_factory()).submission.tenants


def test_profile_notes_column_and_blank_rows_ignored(workbook_factory):
    path = workbook_factory(cells=[(P, "C5", "这是备注"), (P, "C9", 12345)],
                            extra_profile_rows=[(), ()])
    assert read(path).findings == []


def test_profile_order_does_not_matter(workbook_factory):
    order = [f.key for f in reversed(PROFILE.fields)]
    result = read(workbook_factory(profile_order=order))
    assert result.findings == []
    assert result.submission.profile == read(workbook_factory()).submission.profile


def test_header_on_row_3(workbook_factory):
    path = workbook_factory(rows_above=[["示例孵化器在孵企业名单"], ["填报单位：示例孵化器", None, "填报日期：2025-03-15"]])
    result = read(path)
    assert codes(result) == ["header-not-first-row"]
    assert path.first_tenant_row == 4
    assert result.submission.source.tenant_ref("name", 4) == f"{T}!A4"
    assert [t.row for t in result.submission.tenants] == [4, 5, 6]
    assert [t.name for t in result.submission.tenants] == [tenant_defaults(i)["name"] for i in range(3)]


def test_header_below_blank_rows_is_silent(workbook_factory):
    result = read(workbook_factory(rows_above=[[], []]))
    assert result.findings == []
    assert [t.row for t in result.submission.tenants] == [4, 5, 6]


def test_blank_rows_in_roster_are_skipped(workbook_factory):
    result = read(workbook_factory(tenants=[{}, {k: None for k in tenant_defaults(0)}, {}]))
    assert result.findings == []
    assert [t.row for t in result.submission.tenants] == [2, 4]


def test_value_forms_in_cells(workbook_factory):
    """The spec's value forms as a workbook really holds them."""
    path = workbook_factory(tenants=[
        {"registered_on": "2024/3/15", "graduated": "Y", "tech_sme": "TRUE", "revenue_y1": "1,234.5", "employees": "１２",
         "industry": "制造业"},
        {"registered_on": "2024年3月15日", "graduated": "n", "tech_sme": 0, "revenue_y1": "500万元", "employees": "30人",
         "industry": "科学研究和技术服务业"},
        {"registered_on": "20240315", "graduated": True, "tech_sme": "false", "revenue_y1": 0.1, "employees": 7.0,
         "industry": "软件和信息技术服务业"},
        {"registered_on": dt.datetime(2024, 3, 15, 9, 30), "graduated": "yes", "tech_sme": "否", "revenue_y1": "１２３４",
         "industry": "工业"},
        {"registered_on": "2024.3.15", "graduated": 1},
    ])
    result = read(path)
    # The aliases (制造业 → 工业, …) are read, each with an info finding naming what it was read as (workbook.md).
    # 0.1 against a 前年度 of 100 is also a plausible unit slip: a warning that changes nothing.
    assert {f.code for f in result.findings} <= {"value-translated", "implausible-figure"}
    assert all(f.severity is Severity.INFO or f.code == "implausible-figure" for f in result.findings)
    t = result.submission.tenants
    assert {x.registered_on for x in t} == {dt.date(2024, 3, 15)}
    assert [x.graduated for x in t] == [True, False, True, True, True]
    assert [x.tech_sme for x in t[:4]] == [True, False, False, False]
    assert [x.revenue_y1 for x in t[:4]] == [Decimal("1234.5"), Decimal(500), Decimal("0.1"), Decimal(1234)]
    assert [x.employees for x in t[:3]] == [12, 30, 7]
    assert [x.industry.value for x in t[:4]] == ["工业", "其他未列明行业", "软件和信息技术服务业", "工业"]


def test_area_header_spellings(workbook_factory):
    for spelling in ("㎡", "m²", "m2", "平方米"):
        path = workbook_factory(profile_labels={"site_area_m2": f"可自主支配孵化场地面积（{spelling}）"},
                                profile={"site_area_m2": "1,200.5"})
        result = read(path)
        assert result.findings == [], spelling
        assert result.submission.profile.site_area_m2 == Decimal("1200.5")


def test_reader_handles_10000_row_roster(workbook_factory, record_property, capsys):
    n = 10_000
    path = workbook_factory(n_tenants=n, write_only=True)
    start = time.perf_counter()
    result = read(path)
    elapsed = time.perf_counter() - start
    record_property("read_10000_rows_seconds", round(elapsed, 2))
    with capsys.disabled():
        print(f"\n[test_reader] 10,000-row roster read in {elapsed:.2f} s ({path.stat().st_size // 1024} KiB)")
    assert result.findings == []
    assert len(result.submission.tenants) == n
    assert result.submission.tenants[-1].row == n + 1
    assert result.submission.tenants[-1].uscc == make_uscc(n)  # its speed: benchmarks/reader.py and scale.py


def test_reader_never_modifies_the_input(workbook_factory):
    path = workbook_factory(tenants=[{}, {"graduated": "也许"}], merges=[(T, "F2:F3")], staff=default_staff(total=3))
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    mtime = path.stat().st_mtime_ns
    result = read(path)
    assert result.findings  # there was something to report
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert path.stat().st_mtime_ns == mtime
    assert result.submission.source.sha256 == before
    assert sorted(os.listdir(path.parent)) == [path.name]  # no stray files either


def test_huge_number_is_a_cell_finding_not_an_unreadable_file(workbook_factory):
    path = workbook_factory(tenants=[{}, {"revenue_y1": 1e30}])
    result = read(path)  # must not raise
    assert result.submission is not None and len(result.submission.tenants) == 2
    assert result.submission.tenants[1].revenue_y1 in (None, Decimal("1E+30"))


# --- other formats -------------------------------------------------------------------------

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def _convert(src: Path, fmt: str, outdir: Path) -> Path:
    profile_dir = outdir / "lo-profile"
    subprocess.run([SOFFICE, "--headless", "--norestore", f"-env:UserInstallation=file://{profile_dir}",
                    "--convert-to", fmt, "--outdir", str(outdir), str(src)],
                   check=True, capture_output=True, timeout=180)
    out = outdir / f"{src.stem}.{fmt.split(':')[0]}"
    assert out.exists(), f"soffice did not write {out}"
    return out


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    """One rich workbook as .xlsx and as LibreOffice saved it in .xls and .ods."""
    if SOFFICE is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    d = tmp_path_factory.mktemp("formats")
    from conftest import build_workbook

    src = build_workbook(
        d / "submission.xlsx",
        profile={"level": "卓越级", "remote_area": "是", "remote_area_category": "三类", "site_area_m2": 1234.5},
        tenants=[{}, {"registered_on": "2022/5/6", "revenue_y1": "1,234.5", "largest_round": 600, "industry": "制造业"},
                 {"graduated": "是", "newly_certified": "是", "rd_y1": 0.1}, {"uscc": make_uscc(9).lower()}],
        staff=default_staff(), funds=[{"name": "示例创投基金", "amac_code": "SXX123", "sector": "人工智能"}],
        extra_sheets={"说明": [["填表说明"]]},
    )
    return {"xlsx": src, "xls": _convert(src, "xls", d), "ods": _convert(src, "ods", d)}


def _comparable(result: ReadResult) -> tuple:
    sub = result.submission
    return (sub.profile, sub.tenants, sub.staff, sub.funds, sub.source.sheets, sub.source.profile_cells,
            sub.source.columns, [(f.code, f.where) for f in result.findings])


@pytest.mark.parametrize("fmt", ["xls", "ods"])
def test_other_formats_read_to_the_same_submission(converted, fmt):
    expected = read(converted["xlsx"])
    assert [f.code for f in expected.findings] in ([], ["value-translated"])  # an industry alias, read with an info
    got = read(converted[fmt])
    assert _comparable(got) == _comparable(expected)
    assert got.submission.source.path == os.fspath(converted[fmt])
    assert got.submission.profile.site_area_m2 == Decimal("1234.5")
    assert got.submission.tenants[2].rd_y1 == Decimal("0.1")


@pytest.mark.parametrize("fmt", ["xls", "ods"])
def test_other_formats_report_cells_the_same(converted, fmt, tmp_path):
    """A bad cell in an .ods/.xls is reported at the same place as in the .xlsx."""
    from conftest import build_workbook

    src = build_workbook(tmp_path / "bad.xlsx", tenants=[{}, {"graduated": "也许", "registered_on": "2024-13-45"}])
    other = _convert(src, fmt, tmp_path)
    expected = sorted((f.code, f.where) for f in read(src).findings)
    assert expected == sorted([("invalid-yes-no", f"{T}!{src.tenant_cell('graduated', 1)}"),
                               ("invalid-date", f"{T}!{src.tenant_cell('registered_on', 1)}")])
    assert sorted((f.code, f.where) for f in read(other).findings) == expected


# --- damaged zip containers: every failure must still be a WorkbookError ---------------------


def _member_data_offset(data: bytes, path: Path, member: str) -> int:
    import struct

    with zipfile.ZipFile(path) as z:
        info = z.getinfo(member)
    name_len, extra_len = struct.unpack("<HH", data[info.header_offset + 26: info.header_offset + 30])
    return info.header_offset + 30 + name_len + extra_len


def test_file_corrupt_deflate_stream(workbook_factory, tmp_path):
    src = workbook_factory()
    data = bytearray(src.read_bytes())
    start = _member_data_offset(bytes(data), src, "xl/workbook.xml")
    data[start:start + 4] = b"\xff\xff\xff\xff"  # BTYPE=11: an invalid deflate block
    path = tmp_path / "damaged.xlsx"
    path.write_bytes(bytes(data))
    refused(path, "file-corrupt")


def _set_compression_method(data: bytearray, method: int, member: bytes) -> None:
    """Set the compression method of one member in its local header and its central directory entry."""
    import struct

    for sig, method_at, name_at in ((b"PK\x03\x04", 8, 30), (b"PK\x01\x02", 10, 46)):
        pos = data.find(sig)
        while pos != -1:
            if data[pos + name_at: pos + name_at + len(member)] == member:
                data[pos + method_at: pos + method_at + 2] = struct.pack("<H", method)
            pos = data.find(sig, pos + 4)


@pytest.mark.parametrize("method", [9, 99], ids=["deflate64", "aes"])
@pytest.mark.parametrize("member", [b"[Content_Types].xml", b"xl/worksheets/sheet2.xml"], ids=["content-types", "roster"])
def test_file_unsupported_zip_compression(workbook_factory, tmp_path, method, member):
    """A member compressed with a method zipfile lacks (Deflate64, WinZip AES): read, or refused as a WorkbookError."""
    data = bytearray(workbook_factory().read_bytes())
    _set_compression_method(data, method, member)
    path = tmp_path / "method.xlsx"
    path.write_bytes(bytes(data))
    try:
        read(path)
    except WorkbookError as exc:
        assert exc.finding.code in ("file-corrupt", "file-unreadable")


def test_file_unsupported_zip_version(workbook_factory, tmp_path):
    data = bytearray(workbook_factory().read_bytes())
    pos = data.find(b"PK\x01\x02")
    data[pos + 6: pos + 8] = (100).to_bytes(2, "little")  # version needed to extract: 10.0
    path = tmp_path / "version.xlsx"
    path.write_bytes(bytes(data))
    with pytest.raises(WorkbookError) as info:
        read(path)
    assert info.value.finding.code in ("file-corrupt", "file-unreadable")


def test_the_roster_is_built_directly_only_from_the_models_own_fields():
    """_built_tenants leaves a record with a key the model lacks (or no row) to the model's validation."""
    from incubator_check.workbook import reader as _reader

    built = _reader._built_tenants([{"row": 2, "name": "甲科技有限公司", "employees": 5}])
    assert built is not None and built[0].name == "甲科技有限公司" and built[0].employees == 5 and built[0].row == 2
    assert _reader._built_tenants([{"row": 2, "name": "甲", "not_a_field": 1}]) is None
    assert _reader._built_tenants([{"name": "甲"}]) is None
