"""The verdict (report.md): an error finding keeps a submission from PASS — it is INCOMPLETE (待补正) — and the
terminal, the report and the summary say what must be corrected, and where. Warnings and infos do not."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
from click.testing import CliRunner

from incubator_check import check
from incubator_check.cli import main

FIXTURES = Path(__file__).parent.parent / "fixtures"


def test_errors_in_cells_no_clause_reads_make_the_verdict_incomplete():
    report = check(FIXTURES / "broken-values.xlsx")
    assert all(c.status.value in ("PASS", "REVIEW") for c in report.clauses)  # every clause passes …
    assert report.verdict.value == "INCOMPLETE"  # … but the workbook has errors to correct first


def test_a_missing_required_column_is_incomplete_not_pass():
    assert check(FIXTURES / "broken-missing-column.xlsx").verdict.value == "INCOMPLETE"


def test_warnings_and_infos_do_not_stop_a_pass():
    report = check(FIXTURES / "messy-valid.xlsx")
    assert report.findings and {f["severity"] for f in report.as_json()["findings"]} <= {"warning", "info"}
    assert report.verdict.value == "PASS"


def test_the_terminal_says_what_to_correct_and_where_and_exits_1():
    result = CliRunner().invoke(main, ["check", str(FIXTURES / "broken-values.xlsx")])
    assert result.exit_code == 1
    assert "提交前须改正：5 处错误（在孵企业!M4、在孵企业!C5" in result.output and "结论：待补正" in result.output
    english = CliRunner().invoke(main, ["check", str(FIXTURES / "broken-values.xlsx"), "--lang", "en"]).output
    assert "To correct before filing: 5 errors" in english and "Verdict: INCOMPLETE" in english


def test_the_summary_says_what_to_correct(tmp_path):
    folder = tmp_path / "f"
    folder.mkdir()
    shutil.copyfile(FIXTURES / "broken-values.xlsx", folder / "a.xlsx")
    shutil.copyfile(FIXTURES / "standard-pass.xlsx", folder / "b.xlsx")
    out = tmp_path / "s.xlsx"
    assert CliRunner().invoke(main, ["batch", str(folder), "-o", str(out)]).exit_code == 1
    ws = openpyxl.load_workbook(out)["条款矩阵"]
    head = [c.value for c in ws[1]]
    rows = {r[1]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    assert rows["a.xlsx"][head.index("结论")] == "待补正"
    assert "提交前须改正：5 处错误" in rows["a.xlsx"][head.index("未通过条款")]
    assert rows["b.xlsx"][head.index("结论")] == "通过"
    lines = [json.loads(line) for line in
             CliRunner().invoke(main, ["batch", str(folder), "--format", "json"]).output.splitlines()]
    assert [r["verdict"] for r in lines] == ["INCOMPLETE", "PASS"]
