"""Shenzhen's 市孵化器 ruleset (深工信规〔2025〕10号 Article 4) end to end: its template with the fields it
declares, a workbook read and judged with them (terminal and web), growth of exactly 20 % passing here and
failing under the ministry's Article 6(6), and the 2026 SME tier counting for Article 6(4) with its reading
cited. The clause-by-clause boundaries are in rulesets/cases/shenzhen-2025.yaml.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import sys
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent))

import lawbook  # noqa: E402
from incubator_check import Status, check  # noqa: E402
from incubator_check._template import build_template  # noqa: E402
from incubator_check.cli import main  # noqa: E402
from incubator_check.rules.load import load_ruleset  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHENZHEN_FIELDS = {"是否在深圳市（含深汕特别合作区）实际从事生产经营活动": "是", "是否实际运营满1年": "是",
                   "运营团队人数（人）": 12, "其中专业人员数（人）": 10}


def _profile_rows(sheet) -> dict[str, int]:
    return {str(sheet.cell(r, 1).value): r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value}


@pytest.fixture(scope="module")
def shenzhen_workbook(tmp_path_factory) -> Path:
    """standard-pass.xlsx made a Shenzhen application: 申报级别 市孵化器 and Shenzhen's four profile fields."""
    path = tmp_path_factory.mktemp("shenzhen") / "深圳 申报表.xlsx"
    shutil.copy(ROOT / "fixtures" / "standard-pass.xlsx", path)
    book = openpyxl.load_workbook(path)
    sheet = book["基本信息"]
    rows = _profile_rows(sheet)
    sheet.cell(rows["申报级别"], 2).value = "市孵化器"
    row = sheet.max_row
    for label, value in SHENZHEN_FIELDS.items():
        row += 1
        sheet.cell(row, 1).value, sheet.cell(row, 2).value = label, value
    book.save(path)
    return path


def test_the_template_of_a_ruleset_shows_the_fields_it_declares():
    shenzhen = build_template(ruleset=load_ruleset("shenzhen-2025"))
    labels = [c.value for c in shenzhen["基本信息"]["A"]]
    assert all(label in labels for label in SHENZHEN_FIELDS)
    assert shenzhen["基本信息"]["B" + str(labels.index("申报级别") + 1)].value == "市孵化器"
    columns = [c.value for c in shenzhen["在孵企业"][1]]
    assert "上年度获孵化器股权投资并实缴" in columns and "是否科技和创新型中小企业" in columns
    # A province's field is in its own template only.
    ministry = build_template("标准级")
    assert not any(label in [c.value for c in ministry["基本信息"]["A"]] for label in SHENZHEN_FIELDS)
    assert "上年度获孵化器股权投资并实缴" not in [c.value for c in ministry["在孵企业"][1]]


def test_a_shenzhen_workbook_is_judged_by_its_level_with_its_own_fields(shenzhen_workbook):
    report = check(shenzhen_workbook)
    assert report.ruleset["id"] == "shenzhen-2025" and report.ruleset["authority"] == "深圳市工业和信息化局"
    clauses = {c.id: c for c in report.clauses}
    assert [c for c in clauses if c.startswith("6.")] == []
    assert clauses["4.1"].status is Status.PASS
    assert (clauses["4.3.team"].status, clauses["4.3.team"].value) == (Status.PASS, "12")
    assert (clauses["4.3.staff"].value, clauses["4.3.staff"].status) == ("5/6", Status.PASS)
    assert clauses["4.rest"].status is Status.REVIEW
    assert "level-mismatch" not in [f["code"] for f in report.findings]


def test_a_shenzhen_field_left_out_is_missing_not_an_error(shenzhen_workbook, tmp_path):
    path = tmp_path / "no team.xlsx"
    book = openpyxl.load_workbook(shenzhen_workbook)
    sheet = book["基本信息"]
    sheet.delete_rows(_profile_rows(sheet)["运营团队人数（人）"])
    book.save(path)
    report = check(path, "shenzhen-2025")
    team = next(c for c in report.clauses if c.id == "4.3.team")
    assert team.status is Status.MISSING and any("运营团队人数" in n for n in team.needs)


def test_the_terminal_and_the_web_check_with_shenzhen(shenzhen_workbook):
    out = CliRunner().invoke(main, ["check", str(shenzhen_workbook)], catch_exceptions=False).output
    assert "shenzhen-2025" in out and "4.3.team 运营团队人数" in out
    from incubator_check.web import create_app

    app = create_app({"JOBS": 1})
    try:
        data = app.test_client().post("/api/check", data={"file": (io.BytesIO(shenzhen_workbook.read_bytes()), "sz.xlsx"),
                                                          "ruleset": "shenzhen-2025"},
                                      content_type="multipart/form-data").get_json()
    finally:
        app.extensions["incubator_check"].close()
    assert data["ruleset"]["id"] == "shenzhen-2025"
    assert {c["id"]: c["status"] for c in data["clauses"]}["4.3.team"] == "PASS"


def test_growth_of_exactly_20_percent_passes_in_shenzhen_and_fails_under_the_ministry():
    exactly = {"revenue_y1": Decimal("120"), "revenue_y2": Decimal("100")}
    tenants = lawbook.roster(20, growth=0)
    tenants = [lawbook.tenant(t.row, **{**t.model_dump(exclude={"row"}), **exactly}) if i < 6 else t
               for i, t in enumerate(tenants)]
    ministry = lawbook.judge(lawbook.submission(lawbook.profile(), tenants))
    shenzhen = lawbook.judge(lawbook.submission(lawbook.shenzhen_profile(), tenants), "shenzhen-2025")
    assert lawbook.clause(ministry, "6.6").status is Status.FAIL  # 超过 20 %: exactly 20 % is not growth
    assert lawbook.clause(shenzhen, "4.5").status is Status.PASS  # 不低于 20 %: it is, in 6 of 20 tenants


def test_the_2026_sme_tier_counts_for_6_4_sme_with_its_reading_cited(tmp_path):
    path = tmp_path / "科技和创新型.xlsx"
    shutil.copy(ROOT / "fixtures" / "standard-pass.xlsx", path)
    book = openpyxl.load_workbook(path)
    sheet = book["在孵企业"]
    header = [str(c.value or "") for c in sheet[1]]
    tech, innovative = header.index("是否科技型中小企业") + 1, header.index("是否创新型中小企业") + 1
    new_column = len(header) + 1
    sheet.cell(1, new_column).value = "科技和创新型中小企业"  # the new name as its own column
    for row in range(2, sheet.max_row + 1):
        if "是" in (sheet.cell(row, tech).value, sheet.cell(row, innovative).value):
            sheet.cell(row, new_column).value = "是"
        if sheet.cell(row, 1).value:
            sheet.cell(row, tech).value = sheet.cell(row, innovative).value = "否"
    book.save(path)
    before = next(c for c in check(ROOT / "fixtures" / "standard-pass.xlsx").clauses if c.id == "6.4.sme")
    after = next(c for c in check(path).clauses if c.id == "6.4.sme")
    assert after.status is Status.PASS and after.value == before.value
    assert "科技和创新型中小企业" in after.reading and "2026-01-17" in after.reading
    assert "优质中小企业梯度培育管理办法" in after.reading
    # Without the new column, the same roster has no certified tenant: the column is what counts.
    book = openpyxl.load_workbook(path)
    book["在孵企业"].delete_cols(new_column)
    book.save(path)
    assert next(c for c in check(path).clauses if c.id == "6.4.sme").status is Status.FAIL
