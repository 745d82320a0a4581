"""`check --format xlsx --output FILE`: one submission's report as a workbook (report.md, "For people")."""

from __future__ import annotations

import os

import openpyxl
from click.testing import CliRunner

from incubator_check.cli import main

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures")


def test_check_writes_the_report_workbook(tmp_path):
    out = tmp_path / "报告.xlsx"
    result = CliRunner().invoke(main, ["check", os.path.join(FIXTURES, "standard-fail-tenants.xlsx"),
                                       "--format", "xlsx", "--output", str(out)])
    assert result.exit_code == 1  # the verdict is FAIL
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["结论", "条款", "未计入的企业", "问题清单"]
    head = [c.value for c in book["条款"][1]]
    rows = {r[0]: r for r in book["条款"].iter_rows(min_row=2, values_only=True)}
    assert rows["6.4.count"][head.index("结果")] == "不通过" and rows["6.4.count"][head.index("差额")] == "3 家"
    assert rows["6.2"][3] == "通过"
    excluded = list(book["未计入的企业"].iter_rows(min_row=2, values_only=True))
    assert len(excluded) == 2


def test_check_xlsx_needs_output_and_never_overwrites_its_input(tmp_path):
    source = os.path.join(FIXTURES, "standard-pass.xlsx")
    assert CliRunner().invoke(main, ["check", source, "--format", "xlsx"]).exit_code == 2
    assert CliRunner().invoke(main, ["check", source, "--format", "json", "--output", source]).exit_code == 2


def test_check_json_to_a_file(tmp_path):
    out = tmp_path / "r.json"
    result = CliRunner().invoke(main, ["check", os.path.join(FIXTURES, "standard-pass.xlsx"), "--format", "json",
                                       "--output", str(out)])
    assert result.exit_code == 0 and result.output == ""
    assert '"verdict": "PASS"' in out.read_text(encoding="utf-8")
