"""Workbooks for people (report.md, For people): what a reviewer opens, prints and files."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from incubator_check.cli import main

FIXTURES = Path(__file__).parent.parent / "fixtures"


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("people")
    folder = tmp / "申报材料"
    folder.mkdir()
    for name in ("standard-pass.xlsx", "standard-fail-tenants.xlsx", "standard-fail-area.xlsx", "remote-pass.xlsx"):
        shutil.copyfile(FIXTURES / name, folder / name)
    made = {"report": tmp / "报告.xlsx", "summary": tmp / "汇总.xlsx", "template": tmp / "模板.xlsx",
            "report_en": tmp / "report.xlsx"}
    runner = CliRunner()
    runner.invoke(main, ["check", str(FIXTURES / "standard-fail-tenants.xlsx"), "-o", str(made["report"])])
    runner.invoke(main, ["check", str(FIXTURES / "remote-pass.xlsx"), "-o", str(made["report_en"]), "--lang", "en"])
    runner.invoke(main, ["batch", str(folder), "-o", str(made["summary"])])
    runner.invoke(main, ["template", str(made["template"])])
    return made


@pytest.mark.parametrize("which", ["report", "summary", "template", "report_en"])
def test_every_sheet_is_set_up_for_a4_landscape_fitted_to_width(outputs, which):
    book = openpyxl.load_workbook(outputs[which])
    for ws in book:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.page_setup.paperSize in ("9", 9), ws.title
        if ws.title == "条款矩阵":  # a column per clause: printed across pages at full size, its first columns repeated
            assert not ws.sheet_properties.pageSetUpPr.fitToPage and ws.print_title_cols, ws.title
        else:
            assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (1, "1"), ws.title
        assert ws.print_title_rows, ws.title  # the header rows repeat on every page
        assert "&P" in (ws.oddFooter.right.text or "") and "&F" in (ws.oddFooter.left.text or ""), ws.title


def _texts(path: Path, sheet: int) -> list[str]:
    ws = openpyxl.load_workbook(path).worksheets[sheet]
    return [c for row in ws.iter_rows(min_row=2, values_only=True) for c in row if isinstance(c, str)]


def test_the_check_report_writes_values_as_a_person_does(outputs):
    clauses = openpyxl.load_workbook(outputs["report"])["条款"]
    rows = {r[0]: r for r in clauses.iter_rows(min_row=2, values_only=True)}
    head = [c.value for c in clauses[1]]
    staff = rows["6.3.staff"]
    assert staff[head.index("数值")] == "85%" and staff[head.index("门槛")] == "≥ 80%"
    assert staff[head.index("计数")] == "17/20 人"
    assert rows["6.1"][head.index("数值")] == "是" and rows["6.1"][head.index("门槛")] == "= 是"
    assert rows["6.4.count"][head.index("差额")] == "3 家" and rows["6.4.count"][head.index("结果")] == "不通过"
    texts = _texts(outputs["report"], 1)
    assert not {"true", "false", ">=", "0.85", "PASS", "FAIL"} & set(texts)


def test_the_overview_says_yes_or_no_and_the_verdict_in_words(outputs):
    overview = dict(openpyxl.load_workbook(outputs["report"])["结论"].iter_rows(min_row=2, values_only=True))
    assert overview["是否降低门槛"] == "否" and overview["结论"] == "不通过"
    english = dict(openpyxl.load_workbook(outputs["report_en"])["Verdict"].iter_rows(min_row=2, values_only=True))
    assert english["relaxation applied"].startswith("yes (× 0.85")


def test_the_summary_heads_each_clause_column_with_its_title_and_words_its_shortfalls(outputs):
    ws = openpyxl.load_workbook(outputs["summary"])["条款矩阵"]
    head = [c.value for c in ws[1]]
    assert "6.4.new 上年度新注册在孵企业占比" in head and "6.2 孵化场地面积" in head
    rows = {r[1]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    assert "差 388 平方米" in rows["standard-fail-area.xlsx"][head.index("未通过条款")]
    assert rows["standard-pass.xlsx"][head.index("结论")] == "通过"


def test_severities_are_words_of_the_report_language(outputs):
    findings = openpyxl.load_workbook(outputs["summary"])["问题清单"]
    severities = {r[3] for r in findings.iter_rows(min_row=2, values_only=True)}
    assert severities <= {"错误", "警告", "说明"} and severities
