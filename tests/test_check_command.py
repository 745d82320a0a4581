"""The ``incubator-check`` command on the fixture workbooks: the JSON report of report.md, the verdicts
documented in fixtures/README.md, exit codes, languages, --as-of, colour, and the ``rules`` command."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import sys
from pathlib import Path

import click.testing
import pytest
from click.testing import CliRunner

sys.path.insert(0, os.path.dirname(__file__))

from incubator_check.cli import main  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
WORKBOOKS = sorted(p for p in FIXTURES.iterdir() if p.suffix in (".xlsx", ".xls", ".ods"))
ANSI = re.compile(r"\x1b\[")
CJK = re.compile(r"[\u4e00-\u9fff]")
AS_OF = "2026-04-15"  # the fixtures' 申报日期; used so that the date of the run never matters

# fixtures/README.md: the verdict of each fixture ("—" where the README documents only findings).
VERDICTS = {
    "standard-pass.xlsx": "PASS",
    "standard-pass.xls": "PASS",
    "standard-pass.ods": "PASS",
    "standard-pass-libreoffice.xlsx": "PASS",
    "messy-valid.xlsx": "PASS",
    "remote-pass.xlsx": "PASS",
    "excellence-pass.xlsx": "PASS",
    "duplicate-a.xlsx": "PASS",
    "duplicate-b.xlsx": "PASS",
    "standard-fail-area.xlsx": "FAIL",
    "standard-fail-tenants.xlsx": "FAIL",
    "standard-fail-revenue.xlsx": "FAIL",
    "standard-fail-banned.xlsx": "FAIL",
    "standard-incomplete.xlsx": "INCOMPLETE",
    "broken-not-a-workbook.xlsx": "ERROR",
    "broken-missing-sheet.xlsx": "ERROR",
    "broken-missing-column.xlsx": None,
    "broken-values.xlsx": None,
    "broken-empty-roster.xlsx": None,
}
# fixtures/README.md "Broken files": the finding each must report, and where.
BROKEN_FINDINGS = {
    "broken-not-a-workbook.xlsx": [("not-a-workbook", "")],
    "broken-missing-sheet.xlsx": [("sheet-missing", None)],
    "broken-missing-column.xlsx": [("column-missing", "在孵企业!T1")],
    "broken-empty-roster.xlsx": [("roster-empty", None)],
    "broken-values.xlsx": [("invalid-yes-no", "在孵企业!M4"), ("invalid-date", "在孵企业!C5"),
                           ("negative-value", "在孵企业!J6"), ("uscc-check-digit", "在孵企业!B7"),
                           ("duplicate-uscc", "在孵企业!B11"), ("formula-no-value", "在孵企业!H12"),
                           ("merged-cells", "在孵企业!F14:F15")],
}
# fixtures/README.md: standard-pass's clause values.
STANDARD_PASS_VALUES = {
    "6.1": "true", "6.2": "8600", "6.3.staff": "0.85", "6.3.mentors": "0.15", "6.4.count": "40", "6.4.new": "0.25",
    "6.4.sme": "0.4", "6.5": "0.15", "6.6": "0.4", "6.7": "0.54", "6.8": "0.125", "6.9": "3", "6.10": "false",
}


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


_REPORTS: dict[tuple, tuple[int, dict]] = {}


def check_json(path: Path | str, *extra: str) -> tuple[int, dict]:
    key = (str(path),) + extra
    if key not in _REPORTS:
        result = run("check", str(path), "--format", "json", "--as-of", AS_OF, *extra)
        _REPORTS[key] = (result.exit_code, json.loads(result.stdout))
    return _REPORTS[key]


def by_id(report: dict) -> dict[str, dict]:
    return {c["id"]: c for c in report["clauses"]}


def test_every_fixture_is_covered():
    assert sorted(p.name for p in WORKBOOKS) == sorted(VERDICTS)


# --- check: the JSON report ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", WORKBOOKS, ids=[p.name for p in WORKBOOKS])
def test_check_json_has_the_documented_fields(path):
    code, report = check_json(path)
    assert report["schema"] == "incubator-check/report/v1"
    assert report["source"]["path"] == str(path)
    assert report["source"]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert report["verdict"] in ("PASS", "FAIL", "INCOMPLETE", "ERROR")
    assert isinstance(report["findings"], list)
    for f in report["findings"]:
        assert {"severity", "code", "where", "message"} <= set(f)
        assert f["severity"] in ("error", "warning", "info")
    if report["verdict"] == "ERROR":
        assert report["error"]["code"] and report["error"]["message"]
        return
    assert {"id", "version", "sha256"} <= set(report["ruleset"])
    assert re.fullmatch(r"[0-9a-f]{64}", report["ruleset"]["sha256"])
    assert {"name", "operator_uscc", "province", "level", "application_year", "data_year"} <= set(report["incubator"])
    assert report["incubator"]["data_year"] == report["incubator"]["application_year"] - 1
    if report["ruleset"]["id"] == "miit-2025-standard":
        assert {"applied", "factor", "basis"} <= set(report["relaxation"])
    assert report["clauses"]
    for c in report["clauses"]:
        assert {"id", "article", "title", "status", "value", "unit", "operator", "threshold", "effective_threshold",
                "shortfall", "message", "evidence"} <= set(c)
        assert c["status"] in ("PASS", "FAIL", "MISSING", "REVIEW")
        for key in ("value", "threshold", "effective_threshold", "shortfall"):
            assert c[key] is None or isinstance(c[key], str), (c["id"], key)  # exact numbers travel as text
        assert isinstance(c["evidence"], list)
    tenants = report["tenants"]
    assert {"listed", "qualifying", "excluded"} <= set(tenants)
    for e in tenants["excluded"]:
        assert {"row", "name", "reasons"} <= set(e) and e["reasons"]


@pytest.mark.parametrize("path", WORKBOOKS, ids=[p.name for p in WORKBOOKS])
def test_check_gives_the_documented_verdict_and_exit_code(path):
    code, report = check_json(path)
    expected = VERDICTS[path.name]
    if expected is not None:
        assert report["verdict"] == expected
    assert code == (0 if report["verdict"] == "PASS" else 1)


@pytest.mark.parametrize("name", sorted(BROKEN_FINDINGS))
def test_broken_fixtures_report_their_findings(name):
    _, report = check_json(FIXTURES / name)
    found = {(f["code"], f["where"]) for f in report["findings"]}
    codes = {f["code"] for f in report["findings"]}
    for code, where in BROKEN_FINDINGS[name]:
        if where is None:
            assert code in codes, (code, found)
        else:
            assert (code, where) in found, (code, where, found)


def test_broken_empty_roster_is_not_a_pass():
    _, report = check_json(FIXTURES / "broken-empty-roster.xlsx")
    assert report["verdict"] in ("FAIL", "ERROR")


@pytest.mark.parametrize("name", ["standard-pass.xlsx", "standard-pass.xls", "standard-pass.ods",
                                  "standard-pass-libreoffice.xlsx", "messy-valid.xlsx"])
def test_standard_pass_and_its_copies_give_the_documented_figures(name):
    _, report = check_json(FIXTURES / name)
    clauses = by_id(report)
    assert {cid: clauses[cid]["value"] for cid in STANDARD_PASS_VALUES} == STANDARD_PASS_VALUES
    assert report["tenants"]["listed"] == 42 and report["tenants"]["qualifying"] == 40
    assert report["incubator"]["name"] == "西溪科创园科技企业孵化器"
    assert report["incubator"]["operator_uscc"] == "913301069317259664"


def test_standard_pass_excludes_rows_9_and_28():
    _, report = check_json(FIXTURES / "standard-pass.xlsx")
    excluded = {e["row"]: e["reasons"] for e in report["tenants"]["excluded"]}
    assert excluded == {9: ["未注册在孵化器内"], 28: ["不是小型或微型企业（中型）"]}
    # row 28 is also marked graduated; it must not count (6.8 is 5/40).
    assert 28 not in by_id(report)["6.8"]["rows"]


def test_standard_fail_area_shortfall_388():
    _, report = check_json(FIXTURES / "standard-fail-area.xlsx")
    failed = {c["id"]: c for c in report["clauses"] if c["status"] == "FAIL"}
    assert list(failed) == ["6.2"]
    assert failed["6.2"]["value"] == "4612" and failed["6.2"]["shortfall"] == "388"
    assert failed["6.2"]["evidence"] == ["基本信息!B13"]


def test_standard_fail_tenants_shortfalls():
    _, report = check_json(FIXTURES / "standard-fail-tenants.xlsx")
    failed = {c["id"]: c["shortfall"] for c in report["clauses"] if c["status"] == "FAIL"}
    assert failed == {"6.4.count": "3", "6.4.new": "2", "6.8": "1"}
    assert report["tenants"]["qualifying"] == 27


def test_standard_fail_revenue_fails_6_7_on_both_counts():
    _, report = check_json(FIXTURES / "standard-fail-revenue.xlsx")
    failed = {c["id"]: c for c in report["clauses"] if c["status"] == "FAIL"}
    assert list(failed) == ["6.7"]
    assert failed["6.7"]["value"] == "0.2"
    assert [k["status"] for k in failed["6.7"]["conditions"]] == ["FAIL", "FAIL"]


def test_standard_fail_banned_until_2028_03_01():
    _, report = check_json(FIXTURES / "standard-fail-banned.xlsx")
    failed = {c["id"]: c for c in report["clauses"] if c["status"] == "FAIL"}
    assert list(failed) == ["20"]
    assert failed["20"]["threshold"] == "2028-03-01"
    assert report["application_date"] == {"date": "2026-04-15", "source": "申报日期"}


def test_standard_incomplete_is_missing_6_2_and_6_4_count():
    _, report = check_json(FIXTURES / "standard-incomplete.xlsx")
    missing = {c["id"]: c for c in report["clauses"] if c["status"] == "MISSING"}
    assert sorted(missing) == ["6.2", "6.4.count"]
    assert any("基本信息!B13" in n for n in missing["6.2"]["needs"])
    # the blank 从业人员 of the four undecided rows (column G); row 3's blank cannot matter and is not asked for
    assert missing["6.4.count"]["needs"] == ["在孵企业!G2", "在孵企业!G12", "在孵企业!G19", "在孵企业!G27"]
    assert report["tenants"]["qualifying"] == 29 and report["tenants"]["qualifying_max"] == 33
    undecided = sorted(e["row"] for e in report["tenants"]["excluded"] if e.get("undecided"))
    assert undecided == [2, 12, 19, 27]
    assert "value-missing" in {f["code"] for f in report["findings"]}


def test_remote_pass_applies_article_10():
    _, report = check_json(FIXTURES / "remote-pass.xlsx")
    assert report["relaxation"]["applied"] is True and report["relaxation"]["factor"] == "0.85"
    clauses = by_id(report)
    assert clauses["10.remote"]["status"] == "REVIEW"
    assert clauses["6.3.staff"]["value"] == "0.68" and clauses["6.3.staff"]["effective_threshold"] == "0.68"
    assert clauses["6.2"]["value"] == "4300" and clauses["6.2"]["effective_threshold"] == "4250"
    assert clauses["6.4.count"]["value"] == "26"
    assert all(clauses[cid]["relaxed"] for cid in ("6.2", "6.3.staff", "6.4.count", "6.4.new", "6.7"))


def test_excellence_pass_uses_the_excellence_ruleset():
    _, report = check_json(FIXTURES / "excellence-pass.xlsx")
    assert report["ruleset"]["id"] == "miit-2025-excellence"
    clauses = by_id(report)
    assert clauses["7.4"]["status"] == "PASS"
    assert [k["value"] for k in clauses["7.1"]["conditions"]] == ["46", "38"]


def test_check_with_a_provincial_ruleset_changes_the_verdict():
    example = Path(__file__).resolve().parent / "rulesets" / "example-province-zj.yaml"  # an invented province
    code, report = check_json(FIXTURES / "standard-fail-area.xlsx", "--ruleset", str(example))
    assert report["ruleset"]["id"] == "example-province-zj"
    assert by_id(report)["6.2"]["status"] == "PASS"
    assert report["verdict"] == "PASS" and code == 0


def test_check_with_a_ruleset_file(tmp_path):
    path = tmp_path / "strict.yaml"
    path.write_text('id: strict\nkind: ruleset\nversion: "1"\nlevel: 标准级\nextends: miit-2025-standard\n'
                    'title: {zh: 严格, en: strict}\ncitation: 测试\neffective: 2026-01-01\n'
                    'overrides:\n  "6.2":\n    conditions:\n      - threshold: "9000"\n', encoding="utf-8")
    code, report = check_json(FIXTURES / "standard-pass.xlsx", "--ruleset", str(path))
    assert report["ruleset"]["id"] == "strict"
    assert by_id(report)["6.2"]["shortfall"] == "400"
    assert code == 1


# --- exit codes ----------------------------------------------------------------------------------------------


def test_exit_0_for_pass():
    assert run("check", str(FIXTURES / "standard-pass.xlsx"), "--as-of", AS_OF).exit_code == 0


@pytest.mark.parametrize("name", ["standard-fail-area.xlsx", "standard-incomplete.xlsx", "broken-not-a-workbook.xlsx"])
def test_exit_1_for_fail_incomplete_error(name):
    assert run("check", str(FIXTURES / name), "--as-of", AS_OF).exit_code == 1


@pytest.mark.parametrize("args", [
    ["--format", "xml"],
    ["--lang", "fr"],
    ["--as-of", "2026-13-01"],
    ["--as-of", "yesterday"],
    ["--ruleset", "no-such-ruleset"],
    ["--no-such-option"],
])
def test_exit_2_for_a_bad_option(args):
    result = run("check", str(FIXTURES / "standard-pass.xlsx"), *args)
    assert result.exit_code == 2
    assert result.stdout == ""


def test_exit_2_for_a_missing_file(tmp_path):
    result = run("check", str(tmp_path / "nowhere.xlsx"))
    assert result.exit_code == 2


def test_exit_2_for_a_malformed_ruleset_file(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("id: bad\nkind: ruleset\nclauses: 3\n", encoding="utf-8")
    result = run("check", str(FIXTURES / "standard-pass.xlsx"), "--ruleset", str(path))
    assert result.exit_code == 2
    assert "bad.yaml" in result.stderr


def test_exit_2_for_a_ruleset_with_a_bad_expression(tmp_path):
    path = tmp_path / "bad-expr.yaml"
    path.write_text('id: bad-expr\nkind: ruleset\nversion: "1"\nlevel: 标准级\nextends: miit-2025-standard\n'
                    'title: {zh: 坏, en: bad}\ncitation: 测试\neffective: 2026-01-01\n'
                    'tenant_tests:\n  growth:\n    any:\n      - expr: "#.revenue_y1 > > 1"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(FIXTURES / "standard-pass.xlsx"), "--ruleset", str(path)])
    assert result.exit_code == 2


# --- language, --as-of, colour ---------------------------------------------------------------------------------


def test_lang_en_gives_english_messages():
    code, report = check_json(FIXTURES / "standard-fail-area.xlsx", "--lang", "en")
    c = by_id(report)["6.2"]
    assert c["title"] == "Incubation site area"
    assert "388" in c["message"] and not CJK.search(c["message"])
    assert report["lang"] == "en"


def test_lang_en_table_output():
    result = run("check", str(FIXTURES / "standard-fail-area.xlsx"), "--lang", "en", "--as-of", AS_OF)
    assert "Verdict: FAIL" in result.stdout
    assert "Incubation site area" in result.stdout
    assert "结论" not in result.stdout


def test_zh_is_the_default():
    result = run("check", str(FIXTURES / "standard-fail-area.xlsx"), "--as-of", AS_OF,
                 env={"INCUBATOR_CHECK_LANG": ""})
    assert "结论：不通过" in result.stdout
    assert "孵化场地面积" in result.stdout


def _banned_without_application_date(tmp_path: Path) -> Path:
    import importlib.util

    spec = importlib.util.spec_from_file_location("fixture_build", FIXTURES / "build.py")
    build = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("fixture_build", build)
    spec.loader.exec_module(build)
    data = build.standard_application(seed=4, revoked_on=dt.date(2025, 3, 1), revocation_reason="违法违规",
                                      application_date=None)
    path = tmp_path / "banned-undated.xlsx"
    build.write_workbook(data, path)
    return path


def test_as_of_decides_article_20_without_an_application_date(tmp_path):
    path = _banned_without_application_date(tmp_path)
    inside = json.loads(run("check", str(path), "--format", "json", "--as-of", "2028-03-01").stdout)
    after = json.loads(run("check", str(path), "--format", "json", "--as-of", "2028-03-02").stdout)
    assert by_id(inside)["20"]["status"] == "FAIL"
    assert by_id(after)["20"]["status"] == "PASS"
    assert inside["application_date"] == {"date": "2028-03-01", "source": "--as-of"}
    assert inside["verdict"] == "FAIL" and after["verdict"] == "PASS"
    assert run("check", str(path), "--as-of", "2028-03-02").exit_code == 0


def test_as_of_does_not_override_the_application_date():
    _, report = check_json(FIXTURES / "standard-fail-banned.xlsx", "--as-of", "2030-01-01")
    assert report["application_date"]["source"] == "申报日期"
    assert by_id(report)["20"]["status"] == "FAIL"


def test_no_ansi_escapes_when_not_a_terminal():
    result = run("check", str(FIXTURES / "standard-fail-area.xlsx"), "--as-of", AS_OF)
    assert not ANSI.search(result.stdout)


def test_no_colour_with_no_color_even_on_a_terminal(monkeypatch):
    monkeypatch.setattr(click.testing._NamedTextIOWrapper, "isatty", lambda self: True, raising=False)
    coloured = CliRunner().invoke(main, ["check", str(FIXTURES / "standard-fail-area.xlsx"), "--as-of", AS_OF],
                                  env={"NO_COLOR": None}, color=True)
    plain = CliRunner().invoke(main, ["check", str(FIXTURES / "standard-fail-area.xlsx"), "--as-of", AS_OF],
                               env={"NO_COLOR": "1"}, color=True)
    assert ANSI.search(coloured.stdout), "a terminal without NO_COLOR should get colour"
    assert not ANSI.search(plain.stdout)


def test_json_output_is_only_json():
    result = run("check", str(FIXTURES / "standard-pass.xlsx"), "--format", "json", "--as-of", AS_OF)
    json.loads(result.stdout)


# --- rules ---------------------------------------------------------------------------------------------------


def test_rules_lists_the_rulesets():
    result = run("rules")
    assert result.exit_code == 0
    for rid in ("miit-2025-standard", "miit-2025-excellence", "shenzhen-2025"):
        assert rid in result.stdout


def test_rules_of_one_ruleset_lists_its_clauses():
    result = run("rules", "miit-2025-standard")
    assert result.exit_code == 0
    for cid in ("6.1", "6.2", "6.3.staff", "6.4.new", "6.10", "20"):
        assert re.search(rf"^\s+{re.escape(cid)}\s", result.stdout, re.M), cid
    assert re.search(r"^\s+6\.2\s.*>= 5000$", result.stdout, re.M)
    assert re.search(r"^\s+6\.1\.capacity\s.*REVIEW$", result.stdout, re.M)


def test_rules_show_6_4_new_shows_the_legal_text_and_relaxed_threshold():
    result = run("rules", "show", "6.4.new")
    assert result.exit_code == 0
    assert "其中上年度新增注册企业数占比不低于 20%" in result.stdout
    assert "0.2" in result.stdout and "0.17" in result.stdout
    assert "第六条第（四）项" in result.stdout


def test_rules_show_in_english():
    result = run("rules", "show", "6.2", "--lang", "en")
    assert result.exit_code == 0
    assert "Legal text" in result.stdout and "4250" in result.stdout


def test_rules_show_finds_an_excellence_clause():
    result = run("rules", "show", "7.4")
    assert result.exit_code == 0
    assert "中国证券投资基金业协会" in result.stdout


def test_rules_show_the_ban():
    result = run("rules", "show", "20")
    assert result.exit_code == 0
    assert "违法违规: 3" in result.stdout and "绩效评价: 2" in result.stdout


def test_rules_show_unknown_clause_is_a_usage_error():
    assert run("rules", "show", "9.99").exit_code == 2


def test_rules_unknown_ruleset_is_a_usage_error():
    assert run("rules", "no-such-ruleset").exit_code == 2


# --- help ------------------------------------------------------------------------------------------------------


def test_help_on_the_group():
    result = run("--help")
    assert result.exit_code == 0
    for name in main.commands:
        assert name in result.stdout


@pytest.mark.parametrize("command", sorted(main.commands))
def test_help_on_every_command(command):
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "Usage" in result.stdout
