"""The law in time: a value that changes on a day, written in YAML alone (docs/rulesets.md, "Dated values").

The fixture ``tests/rulesets/miit-2027-new-25.yaml`` supposes that Article 6(4)'s 20 % of newly registered
tenants becomes 25 % from 2027-01-01. The same workbook checked for 2026-12-31 and for 2027-01-01 differs
exactly there: in the JSON report, in the terminal and in ``rules show``. Rulesets that claim one level and
authority on one day are a load error; a dated value has exactly one value on every day of its range.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from incubator_check.cli import main
from incubator_check.errors import RulesetError
from incubator_check.rules.load import bundled_ids, index_of, load_ruleset
from incubator_check.rules.schema import Condition, is_dated, value_on

ROOT = Path(__file__).resolve().parents[1]
FIXTURE_RULES = Path(__file__).resolve().parent / "rulesets"
DATED = str(FIXTURE_RULES / "miit-2027-new-25.yaml")
BEFORE, AFTER = "2026-12-31", "2027-01-01"


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def workbook_at_22_5_percent(tmp_path_factory) -> Path:
    """standard-pass.xlsx with one newly registered tenant registered long ago: 9 of 40 new, 22.5 %."""
    path = tmp_path_factory.mktemp("dated") / "新注册 22.5%.xlsx"
    shutil.copy(ROOT / "fixtures" / "standard-pass.xlsx", path)
    book = openpyxl.load_workbook(path)
    sheet = book["在孵企业"]
    header = [c.value for c in sheet[1]]
    column = next(i for i, h in enumerate(header, start=1) if h and str(h).startswith("注册日期"))
    for row in range(2, sheet.max_row + 1):
        cell = sheet.cell(row, column)
        if isinstance(cell.value, dt.datetime) and cell.value.year == 2025:
            cell.value = dt.datetime(2019, 1, 1)
            break
    book.save(path)
    return path


def _json(path: Path, day: str) -> dict:
    result = run("check", str(path), "--ruleset", DATED, "--as-of", day, "--format", "json")
    return json.loads(result.output)


def _clause(report: dict, clause_id: str) -> dict:
    return next(c for c in report["clauses"] if c["id"] == clause_id)


def test_the_json_reports_differ_exactly_at_6_4_new(workbook_at_22_5_percent):
    before, after = _json(workbook_at_22_5_percent, BEFORE), _json(workbook_at_22_5_percent, AFTER)
    assert (before["ruleset"]["values_on"], after["ruleset"]["values_on"]) == (BEFORE, AFTER)
    assert before["ruleset"]["values_from"] == after["ruleset"]["values_from"] == "--as-of"
    new_before, new_after = _clause(before, "6.4.new"), _clause(after, "6.4.new")
    assert new_before["value"] == new_after["value"] == "0.225"
    assert (new_before["status"], new_before["threshold"]) == ("PASS", "0.2")
    assert (new_after["status"], new_after["threshold"], new_after["shortfall"]) == ("FAIL", "0.25", "2")
    differing = [c["id"] for c, d in zip(before["clauses"], after["clauses"]) if c != d]
    assert differing == ["6.4.new"]


def test_the_terminal_shows_the_day_and_the_threshold_of_that_day(workbook_at_22_5_percent):
    before = run("check", str(workbook_at_22_5_percent), "--ruleset", DATED, "--as-of", BEFORE).output
    after = run("check", str(workbook_at_22_5_percent), "--ruleset", DATED, "--as-of", AFTER).output
    assert f"规则取值日期：{BEFORE}（--as-of）" in before and f"规则取值日期：{AFTER}（--as-of）" in after
    line_before = next(line for line in before.splitlines() if "6.4.new" in line)
    line_after = next(line for line in after.splitlines() if "6.4.new" in line)
    assert "≥ 20%" in line_before and line_before.startswith("通过")
    assert "≥ 25%" in line_after and line_after.startswith("不通过")


def test_rules_show_gives_each_value_with_its_day_and_the_value_of_a_day():
    every = run("rules", "show", "6.4.new", "--ruleset", DATED, "--lang", "en").output
    assert ">= 0.2   (relaxed 0.17, 第十条)   [from 2025-07-10]" in every
    assert ">= 0.25   (relaxed 0.2125, 第十条)   [from 2027-01-01]" in every
    before = run("rules", "show", "6.4.new", "--ruleset", DATED, "--as-of", BEFORE, "--lang", "en").output
    after = run("rules", "show", "6.4.new", "--ruleset", DATED, "--as-of", AFTER, "--lang", "en").output
    assert f">= 0.2   (relaxed 0.17, 第十条)   [as of {BEFORE}]" in before and "0.25" not in before
    assert f">= 0.25   (relaxed 0.2125, 第十条)   [as of {AFTER}]" in after


def test_nothing_after_at_sees_a_series():
    rules = load_ruleset(DATED)
    assert is_dated(rules.clause("6.4.new").conditions[0].threshold)
    with pytest.raises(RulesetError):
        rules.clause("6.4.new").conditions[0].thresholds(rules.relaxation)  # a series is resolved first
    for day, want in ((dt.date(2026, 12, 31), "0.2"), (dt.date(2027, 1, 1), "0.25")):
        resolved = rules.at(day)
        assert resolved.resolved_on == day and resolved.dated_values() == []
        assert str(resolved.clause("6.4.new").conditions[0].threshold) == want
    assert rules.at(dt.date(2027, 1, 1)) is rules.at(dt.date(2027, 1, 1))  # resolved once per day


def _every_ruleset():
    yield from (load_ruleset(rid) for rid in bundled_ids())
    yield from (load_ruleset(str(p)) for p in sorted(FIXTURE_RULES.glob("*.yaml")))


def test_each_dated_value_has_exactly_one_value_on_every_day_of_its_range():
    checked = 0
    for rules in _every_ruleset():
        for name, series in rules.dated_values():
            days = [day for day, _ in series]
            assert days == sorted(set(days)), f"{rules.id} {name}: days out of order or repeated"
            first, last = days[0], days[-1] + dt.timedelta(days=1)
            day = first
            while day <= last:
                holding = [value for start, value in series if start <= day]
                assert holding, f"{rules.id} {name}: no value on {day}"
                assert value_on(series, day) == holding[-1]  # the latest start: one value, never two
                day += dt.timedelta(days=1)
            with pytest.raises(RulesetError):
                value_on(series, first - dt.timedelta(days=1))
            checked += 1
    assert checked >= 1


def test_a_day_given_twice_is_a_load_error():
    with pytest.raises(ValueError, match="given twice"):
        Condition(value="x", operator=">=", threshold={"2027-01-01": "0.25", dt.date(2027, 1, 1): "0.3"})


def _ruleset_file(folder: Path, rid: str, effective: str, until: str | None = None, default: bool = True) -> None:
    text = (f"id: {rid}\nkind: ruleset\nversion: '1'\nextends: miit-2025-standard\nlevel: 标准级\n"
            f"default: {'true' if default else 'false'}\ntitle: {{zh: 测试, en: test}}\ncitation: 测试\n"
            f"effective: {effective}\n" + (f"until: {until}\n" if until else ""))
    (folder / f"{rid}.yaml").write_text(text, encoding="utf-8")


def test_two_rulesets_claiming_one_level_authority_and_day_are_a_load_error(tmp_path):
    shutil.copy(ROOT / "rulesets" / "miit-2025-standard.yaml", tmp_path)
    shutil.copy(ROOT / "rulesets" / "sme-2011.yaml", tmp_path)
    (tmp_path / "plausibility.yaml").write_text("- a list another stage owns\n", encoding="utf-8")  # not a ruleset
    _ruleset_file(tmp_path, "amended-2027", "2027-01-01")
    with pytest.raises(RulesetError) as error:
        index_of(str(tmp_path))
    assert "amended-2027" in error.value.zh and "miit-2025-standard" in error.value.zh
    assert "2027-01-01" in error.value.en and "until" in error.value.en
    # Ended the day before, the ministry's ruleset hands over: no claim is shared.
    text = (tmp_path / "miit-2025-standard.yaml").read_text(encoding="utf-8")
    (tmp_path / "miit-2025-standard.yaml").write_text(text.replace("effective: 2025-07-10", "effective: 2025-07-10\nuntil: 2026-12-31"), encoding="utf-8")
    heads = index_of(str(tmp_path))
    assert set(heads) == {"amended-2027", "miit-2025-standard"}  # plausibility.yaml and sme-2011 are not rulesets


def test_the_web_rules_page_shows_each_value_with_its_day():
    from incubator_check.web._ruleview import clause_view as _clause_view

    rules = load_ruleset(DATED)
    view = _clause_view(rules, rules.clause("6.4.new"), "zh")
    assert view["thresholds"] == ["≥ 20%（自 2025-07-10 起）；≥ 25%（自 2027-01-01 起）"]
    assert view["relaxed"] == ["≥ 17%（第十条）（自 2025-07-10 起）；≥ 21.25%（第十条）（自 2027-01-01 起）"]
    plain = _clause_view(rules, rules.clause("6.2"), "en")
    assert plain["thresholds"] == ["≥ 5000 m²"]
