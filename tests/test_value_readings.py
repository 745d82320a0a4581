"""Values a column reads as, declared by the ruleset (``values:``), each resting on a cited, dated reading.

MIIT's revised 《优质中小企业梯度培育管理办法》 (2026-01-17) calls the tech-based SME tier 科技和创新型中小企业. A
roster that writes that name in 是否科技型中小企业 (or 是否创新型中小企业) instead of 是 means 是 — but only
from the day the name exists: before it, no certificate bore it, and the cell is an error to correct. The
accepted values and that day are rule data (miit-2025-standard.yaml, reading sme-2026), not reader code.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pytest

from incubator_check import Status, check
from incubator_check.errors import RulesetError
from incubator_check.rules.load import load_ruleset

ROOT = Path(__file__).resolve().parents[1]
NEW_NAME = "科技和创新型中小企业"
AFTER, BEFORE = dt.date(2026, 3, 1), dt.date(2026, 1, 16)


def _roster_with_the_new_name(path: Path, column: str) -> int:
    """standard-pass.xlsx with every certified tenant written as 科技和创新型中小企业 in ``column`` (the other
    certification column 否): the same tenants are certified, under the new name. Returns how many rows."""
    shutil.copy(ROOT / "fixtures" / "standard-pass.xlsx", path)
    book = openpyxl.load_workbook(path)
    sheet = book["在孵企业"]
    header = [str(c.value or "") for c in sheet[1]]
    tech, innovative = header.index("是否科技型中小企业") + 1, header.index("是否创新型中小企业") + 1
    target = tech if column == "tech" else innovative
    written = 0
    for row in range(2, sheet.max_row + 1):
        if "是" in (sheet.cell(row, tech).value, sheet.cell(row, innovative).value):
            sheet.cell(row, tech).value = sheet.cell(row, innovative).value = "否"
            sheet.cell(row, target).value = NEW_NAME
            written += 1
    book.save(path)
    return written


def _clause(report, cid):
    return next(c for c in report.clauses if c.id == cid)


@pytest.mark.parametrize("column", ["tech", "innovative"])
def test_the_new_name_written_as_a_value_counts_for_6_4_sme_from_the_day_it_exists(tmp_path, column):
    path = tmp_path / "新名称.xlsx"
    rows = _roster_with_the_new_name(path, column)
    before = _clause(check(ROOT / "fixtures" / "standard-pass.xlsx", as_of=AFTER), "6.4.sme")
    report = check(path, as_of=AFTER)
    after = _clause(report, "6.4.sme")
    assert after.status is Status.PASS and after.value == before.value and report.verdict.value == "PASS"
    # the clause cites the reading, with its source, its date and what it makes of the value
    assert "优质中小企业梯度培育管理办法" in after.reading and "2026-01-17" in after.reading
    assert "写“科技和创新型中小企业”的，读作“是”" in after.reading
    [read] = [f for f in report.findings if f["code"] == "value-read-by-reading"]
    assert read["severity"] == "info" and read["sheet"] == "在孵企业"
    assert f"「{NEW_NAME}」按解读 sme-2026（" in read["message"] and "2026-01-17）读作「是」" in read["message"]
    assert "优质中小企业梯度培育管理办法" in read["message"]
    assert read["message"].count("、") == min(rows, 10) - 1  # one finding naming the rows, not one per cell
    english = report.in_language("en").findings
    assert any(f"'{NEW_NAME}' was read as 'yes' under reading sme-2026" in f["message"] for f in english)


def test_before_the_name_existed_the_value_is_an_error_at_its_cell_never_a_guessed_yes(tmp_path):
    path = tmp_path / "早于新名称.xlsx"
    rows = _roster_with_the_new_name(path, "tech")
    report = check(path, as_of=BEFORE)
    errors = [f for f in report.findings if f["code"] == "value-reading-too-early"]
    assert len(errors) == rows and all(f["severity"] == "error" and f["cell"] for f in errors)
    assert "自 2026-01-17 起才有（解读 sme-2026），而本申报按 2026-01-16 判断" in errors[0]["message"]
    assert _clause(report, "6.4.sme").status is Status.MISSING and report.verdict.value == "INCOMPLETE"


def test_the_accepted_values_are_the_ruleset_s_data_not_the_reader_s(tmp_path):
    # The same ruleset with the reading's values taken out: the new name is then an ordinary wrong value.
    (tmp_path / "no-values.yaml").write_text(
        "id: no-values\nkind: ruleset\nversion: '1'\nextends: miit-2025-standard\n"
        "values:\n  tenants:\n    tech_sme: []\n", encoding="utf-8")
    path = tmp_path / "新名称.xlsx"
    _roster_with_the_new_name(path, "tech")
    report = check(path, str(tmp_path / "no-values.yaml"), as_of=AFTER)
    assert any(f["code"] == "invalid-yes-no" and NEW_NAME in f["message"] for f in report.findings)
    assert not any(f["code"] == "value-read-by-reading" for f in report.findings)
    ministry = load_ruleset("miit-2025-standard")
    [reading] = ministry.values.tenants["tech_sme"]
    assert reading.written == (NEW_NAME,) and reading.reads is True and reading.reading == "sme-2026"
    assert reading.from_ == ministry.readings["sme-2026"].issued == dt.date(2026, 1, 17)
    # inherited by every ruleset that extends the ministry's, Shenzhen's included
    assert load_ruleset("shenzhen-2025").values == load_ruleset("miit-2025-excellence").values == ministry.values


@pytest.mark.parametrize("values, wrong", [
    ("    industry:\n      - {written: [x], reads: true, reading: sme-2026}\n", "only a yes/no field"),
    ("    tech_sme:\n      - {written: [x], reads: true, reading: nowhere}\n", "cites unknown reading nowhere"),
])
def test_a_value_reading_that_cannot_be_applied_is_a_load_error(tmp_path, values, wrong):
    path = tmp_path / "bad.yaml"
    path.write_text("id: bad\nkind: ruleset\nversion: '1'\nextends: miit-2025-standard\nvalues:\n  tenants:\n" + values,
                    encoding="utf-8")
    with pytest.raises(RulesetError) as error:
        load_ruleset(str(path))
    assert wrong in error.value.en
