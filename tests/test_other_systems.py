"""Rosters from other systems (workbook.md, Headers from other systems) and figures that contradict each other.

One test per header synonym, per coding, per industry code and alias, and per contradiction. The mapping is
data (``rulesets/other-systems.yaml``); these tests read like that file.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import yaml
from click.testing import CliRunner

from conftest import TODAY, tenant_defaults
from incubator_check import Severity, read_workbook
from incubator_check.workbook.readings import industry_of_code, readings, yes_no_coding
from incubator_check.cli import main

OTHER = yaml.safe_load(open(__import__("pathlib").Path(__file__).parent.parent / "rulesets" / "other-systems.yaml",
                            encoding="utf-8"))
SYNONYMS = [(key, header) for key, headers in OTHER["headers"]["tenants"].items() for header in headers]


def read(path):
    return read_workbook(path, today=TODAY)


def _codes(result, severity=None):
    return [f.code for f in result.findings if severity is None or f.severity is severity]


@pytest.mark.parametrize("key, header", SYNONYMS, ids=[f"{k}={h}" for k, h in SYNONYMS])
def test_a_header_of_the_statistics_forms_is_read_as_its_field_with_an_info(workbook_factory, key, header):
    unit = {"employees": "（人）", "total_assets": "（万元）", "revenue_y1": "（万元）", "rd_y1": "（万元）",
            "rd_y2": "（万元）"}.get(key, "")
    path = workbook_factory(headers={key: header + unit})
    result = read(path)
    assert "unknown-column" not in _codes(result) and "column-missing" not in _codes(result)
    infos = [f for f in result.findings if f.code == "header-synonym"]
    assert len(infos) == 1 and infos[0].column == key and infos[0].severity is Severity.INFO
    assert header in infos[0].message_zh and header in infos[0].message_en
    reference = read(workbook_factory("reference.xlsx"))
    assert result.submission.tenants == reference.submission.tenants


def test_science_and_technology_spending_is_read_as_rd_with_a_warning(workbook_factory):
    path = workbook_factory(headers={"rd_y1": "科技活动费用合计（万元）"})
    result = read(path)
    warning = next(f for f in result.findings if f.code == "header-broader")
    assert warning.severity is Severity.WARNING and warning.column == "rd_y1"
    assert "口径宽于研发经费投入" in warning.message_zh and "broader than R&D" in warning.message_en
    assert result.submission.tenants[0].rd_y1 is not None


@pytest.mark.parametrize("header", ["是否科技型中小企业（1.是 2.否）", "是否科技型中小企业(1=是,2=否)", "是否科技型中小企业（1-是 2-否）"])
def test_a_header_stating_its_coding_reads_1_as_yes_and_2_as_no(workbook_factory, header):
    tenants = [dict(tenant_defaults(i), tech_sme=v) for i, v in enumerate([1, 2, "1", "2", "是"])]
    result = read(workbook_factory(headers={"tech_sme": header}, tenants=tenants))
    assert [t.tech_sme for t in result.submission.tenants] == [True, False, True, False, True]
    info = next(f for f in result.findings if f.code == "yes-no-coded")
    assert "1 = 是" in info.message_zh and "2 = 否" in info.message_zh and info.severity is Severity.INFO


def test_under_a_coded_header_a_code_it_does_not_state_is_an_error(workbook_factory):
    tenants = [dict(tenant_defaults(0), tech_sme=0)]
    result = read(workbook_factory(headers={"tech_sme": "是否科技型中小企业（1.是 2.否）"}, tenants=tenants))
    bad = next(f for f in result.findings if f.code == "invalid-yes-no")
    assert bad.cell.endswith("2") and "1 = 是" in bad.message_zh


@pytest.mark.parametrize("mark, value", [("√", True), ("×", False), ("✓", True), ("✗", False)])
def test_ticks_and_crosses_are_yes_and_no(workbook_factory, mark, value):
    result = read(workbook_factory(tenants=[dict(tenant_defaults(0), tech_sme=mark)]))
    assert result.submission.tenants[0].tech_sme is value and not _codes(result, Severity.ERROR)


@pytest.mark.parametrize("code, industry", [
    ("6510", "软件和信息技术服务业"), ("I6510", "软件和信息技术服务业"), (6510, "软件和信息技术服务业"),
    ("3911", "工业"), ("0511", "农、林、牧、渔业"), ("4710", "建筑业"), ("5121", "批发业"), ("5211", "零售业"),
    ("5411", "交通运输业"), ("5911", "仓储业"), ("6010", "邮政业"), ("6110", "住宿业"), ("6210", "餐饮业"),
    ("6311", "信息传输业"), ("6421", "信息传输业"), ("7010", "房地产开发经营"), ("7020", "物业管理"),
    ("7040", "其他未列明行业"), ("7111", "租赁和商务服务业"), ("7320", "其他未列明行业"), ("7514", "其他未列明行业"),
])
def test_a_gbt_4754_code_is_mapped_to_its_sme_industry_with_an_info(workbook_factory, code, industry):
    result = read(workbook_factory(tenants=[dict(tenant_defaults(0), industry=code)]))
    assert result.submission.tenants[0].industry.value == industry
    info = next(f for f in result.findings if f.code == "value-translated")
    assert "GB/T 4754-2017" in info.message_zh and industry in info.message_zh


@pytest.mark.parametrize("code", ["6610", "5310"])  # finance; railway transport, which 交通运输业 excludes
def test_a_code_outside_the_sme_industries_is_an_error_that_says_so(workbook_factory, code):
    result = read(workbook_factory(tenants=[dict(tenant_defaults(0), industry=code)]))
    bad = next(f for f in result.findings if f.code == "invalid-choice")
    assert code in bad.message_zh and "16 个行业" in bad.message_zh and "16 industries" in bad.message_en


def test_an_industry_alias_is_read_with_an_info_naming_the_industry(workbook_factory):
    tenants = [dict(tenant_defaults(i), industry="制造业") for i in range(3)] + [dict(tenant_defaults(3), industry="软件业")]
    result = read(workbook_factory(tenants=tenants))
    assert [t.industry.value for t in result.submission.tenants] == ["工业"] * 3 + ["软件和信息技术服务业"]
    infos = [f for f in result.findings if f.code == "value-translated"]
    assert len(infos) == 2  # one per distinct alias, naming its rows
    assert "「制造业」按「工业」读取（第 2、3、4 行）" in infos[0].message_zh


def test_columns_the_rules_do_not_use_are_kept_and_shown_by_read(workbook_factory):
    path = workbook_factory(extra_columns=[("入孵时间", ["2023-05-01", "2023-06-01", "2023-07-01"]),
                                           ("与科技企业孵化器关系", ["在孵", "在孵", "毕业"])])
    result = read(path)
    assert "unknown-column" not in _codes(result)
    assert {f.code for f in result.findings if f.code == "column-kept"} == {"column-kept"}
    assert result.submission.tenants[2].kept == (("入孵时间", "2023-07-01"), ("与科技企业孵化器关系", "毕业"))
    shown = CliRunner().invoke(main, ["read", str(path), "--format", "json"]).output
    assert "与科技企业孵化器关系" in shown and "毕业" in shown


def test_the_mapping_is_data():
    table = readings()
    assert table.divisions["65"] == "软件和信息技术服务业" and table.classes["7020"] == "物业管理"
    assert industry_of_code("软件业") is None and industry_of_code("6510 软件开发") == ("6510", "软件和信息技术服务业")
    assert yes_no_coding("是否毕业（1.是 2.否）") == {"1": True, "2": False} and yes_no_coding("是否毕业") is None


# --- figures that contradict each other ------------------------------------------------------------------

def _warning(result, code):
    found = [f for f in result.findings if f.code == code]
    assert len(found) == 1, [f.code for f in result.findings]
    assert found[0].severity is Severity.WARNING
    return found[0]


def test_rent_above_total_revenue_is_a_warning_with_both_figures(workbook_factory):
    result = read(workbook_factory(profile={"total_revenue": 800, "rent_property_revenue": 900}))
    warning = _warning(result, "rent-above-total-revenue")
    assert "900" in warning.message_zh and "800" in warning.message_zh and "," in warning.cell  # both cells
    assert result.submission.profile.rent_property_revenue == Decimal(900)  # judged as given


def test_more_fulltime_staff_than_staff_is_a_warning(workbook_factory):
    result = read(workbook_factory(profile={"total_staff": 20, "fulltime_service_staff": 21}))
    warning = _warning(result, "fulltime-above-total-staff")
    assert "21" in warning.message_en and "20" in warning.message_en and "100%" in warning.message_en


def test_service_revenue_above_the_total_is_a_warning(workbook_factory):
    result = read(workbook_factory(profile={"level": "卓越级", "total_revenue": 1000, "service_investment_revenue_y1": 1200}))
    assert "1200" in _warning(result, "service-revenue-above-total").message_zh


def test_a_tenant_registered_after_the_data_year_is_a_warning(workbook_factory):
    tenants = [dict(tenant_defaults(0), registered_on=dt.date(2025, 1, 10))]  # data year 2024 (applying in 2025)
    result = read(workbook_factory(tenants=tenants))
    warning = _warning(result, "registered-after-data-year")
    assert warning.cell == "C2" and "2024" in warning.message_zh


def test_figures_that_agree_give_no_contradiction(workbook_factory):
    result = read(workbook_factory())
    assert not {"rent-above-total-revenue", "fulltime-above-total-staff", "service-revenue-above-total",
                "registered-after-data-year"} & set(_codes(result))


def test_read_shows_how_each_column_and_header_was_understood(workbook_factory):
    path = workbook_factory(headers={"registered_on": "注册时间", "tech_sme": "是否科技型中小企业（1.是 2.否）"},
                            tenants=[dict(tenant_defaults(i), tech_sme=1, industry="6510") for i in range(2)],
                            extra_columns=[("入孵时间", ["2023-05-01", "2023-06-01"])])
    shown = CliRunner().invoke(main, ["read", str(path)]).output
    assert "列：A 企业名称" in shown and "C 注册日期" in shown  # every column: its letter and its field
    assert "表头「注册时间」按「注册日期」读取" in shown  # the synonym
    assert "按表头所注编码读取：1 = 是，2 = 否" in shown  # the coding
    assert "行业代码「6510」按 GB/T 4754-2017 归入「软件和信息技术服务业」" in shown  # every coded value translated
    assert "入孵时间=2023-05-01" in shown  # the kept column


def test_a_graduate_that_is_not_a_qualifying_tenant_is_a_warning_that_says_why(workbook_factory):
    from incubator_check import check

    tenants = [dict(tenant_defaults(i)) for i in range(3)]
    tenants[1].update(graduated="是", registered_in_incubator="否")
    report = check(workbook_factory(tenants=tenants)).as_json()
    warning = next(f for f in report["findings"] if f["code"] == "graduate-not-a-tenant")
    assert warning["severity"] == "warning" and warning["row"] == 3 and warning["cell"].endswith("3")
    assert "未注册在孵化器内" in warning["message_zh"] and "neither as a tenant nor as a graduate" in warning["message_en"]
