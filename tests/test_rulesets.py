"""Rulesets: the regulation as data. Every bundled ruleset loads and quotes the law; a ruleset (a
province's, or a different reading) changes results with no code change; a broken ruleset is a
RulesetError with a message in Chinese and English, never a raw engine error."""

from __future__ import annotations

import os
import re
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from lawbook import (  # noqa: E402
    EXCELLENCE, STANDARD, clause, finding_codes, judge, passing_roster, profile, roster, submission, tenant,
)
from incubator_check import RulesetError, Status, Verdict, load_ruleset  # noqa: E402
from incubator_check.rules.ruleset import bundled_ids, default_for_level  # noqa: E402  (not public: the CLI's)

SPEC = Path(__file__).resolve().parents[2] / "shared" / "spec" / "clauses.md"
if not SPEC.exists():
    SPEC = Path("/work/shared/spec/clauses.md")

# The clause ids of spec/clauses.md, by ruleset.
STANDARD_IDS = ["6.1", "6.1.capacity", "6.2", "6.3.leader", "6.3.staff", "6.3.mentors", "6.4.count", "6.4.new",
                "6.4.sme", "6.5", "6.6", "6.7", "6.8", "6.9", "6.10", "20"]
EXCELLENCE_IDS = ["7.1", "7.2", "7.3", "7.4", "7.5", "6.10", "20"]
BUNDLED = ["miit-2025-excellence", "miit-2025-standard", "shenzhen-2025"]
# An invented province (a test fixture since Shenzhen's real measures replaced it as the example).
EXAMPLE = str(Path(__file__).resolve().parent / "rulesets" / "example-province-zj.yaml")

CJK = re.compile(r"[\u4e00-\u9fff]")


def has_cjk(text: str) -> bool:
    return bool(CJK.search(text))


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return str(path)


# --- the bundled rulesets --------------------------------------------------------------------------------


def test_bundled_ruleset_ids():
    assert sorted(bundled_ids()) == BUNDLED


@pytest.mark.parametrize("ruleset_id", BUNDLED)
def test_every_bundled_ruleset_loads(ruleset_id):
    rs = load_ruleset(ruleset_id)
    assert rs.id == ruleset_id
    assert rs.version and rs.citation and rs.effective
    assert rs.sme is not None and rs.sme.id == "sme-2011"
    assert len(rs.sha256) == 64


def test_the_value_readings_read_before_a_ruleset_is_chosen_are_those_of_every_bundled_ruleset_loaded():
    """A workbook is read with the value readings of every bundled ruleset before its own is chosen; they are taken
    from the rulesets' data without loading them (``bundled_values``), and must be what each full load gives."""
    from incubator_check.rules.fields import value_meanings
    from incubator_check.rules.load import bundled_values

    expected: dict = {}
    for rid in bundled_ids():
        for sheet, fields in value_meanings(load_ruleset(rid)).items():
            for key, meanings in fields.items():
                known = expected.setdefault(sheet, {}).get(key, ())
                expected[sheet][key] = known + tuple(m for m in meanings if m not in known)
    assert expected["tenants"]  # there are some: the 2026 name of the certified SMEs at least
    assert bundled_values() == expected


@pytest.mark.parametrize("ruleset_id", BUNDLED)
def test_every_clause_quotes_the_law_and_has_bilingual_titles(ruleset_id):
    for c in load_ruleset(ruleset_id).clauses:
        assert c.id, c
        assert c.article.startswith("第"), (c.id, c.article)
        assert c.legal_text.strip(), c.id
        assert c.title.zh.strip() and has_cjk(c.title.zh), c.id
        assert c.title.en.strip() and not has_cjk(c.title.en), c.id


@pytest.mark.parametrize("ruleset_id", BUNDLED)
def test_every_bundled_ruleset_judges_a_submission(ruleset_id):
    report = judge(submission(), ruleset_id)
    assert report.ruleset["id"] == ruleset_id
    assert not any(f["code"] == "engine-failure" for f in report.findings)


def test_standard_ruleset_has_the_clauses_of_the_spec():
    assert [c.id for c in load_ruleset(STANDARD).clauses] == STANDARD_IDS


def test_excellence_ruleset_has_the_clauses_of_the_spec():
    ids = [c.id for c in load_ruleset(EXCELLENCE).clauses]
    for cid in EXCELLENCE_IDS:
        assert cid in ids
    assert not set(ids) & (set(STANDARD_IDS) - {"6.10", "20"})


@pytest.mark.skipif(not SPEC.exists(), reason="spec/clauses.md not available")
def test_every_clause_id_of_the_spec_exists_in_its_ruleset():
    text = SPEC.read_text(encoding="utf-8")
    standard_part, excellence_part = text.split("## Excellence level", 1)
    standard_ids = re.findall(r"^\| `([\d.]+[a-z.]*)` \|", standard_part, re.M)
    excellence_ids = re.findall(r"^\| `([\d.]+[a-z.]*)`(?:, `([\d.]+)`)? \|", excellence_part, re.M)
    excellence_flat = [i for pair in excellence_ids for i in pair if i]
    assert set(standard_ids) == set(STANDARD_IDS)
    assert set(excellence_flat) == set(EXCELLENCE_IDS)
    std = {c.id for c in load_ruleset(STANDARD).clauses}
    exc = {c.id for c in load_ruleset(EXCELLENCE).clauses}
    assert set(standard_ids) <= std
    assert set(excellence_flat) <= exc


def test_standard_thresholds_are_those_of_article_6():
    rs = load_ruleset(STANDARD)
    thresholds = {c.id: [k.threshold for k in c.conditions] for c in rs.clauses if c.conditions}
    assert thresholds == {
        "6.1": [True], "6.2": [Decimal("5000")], "6.3.staff": [Decimal("0.8")], "6.3.mentors": [Decimal("0.1")],
        "6.4.count": [Decimal("30")], "6.4.new": [Decimal("0.2")], "6.4.sme": [Decimal("0.3")],
        "6.5": [Decimal("0.1"), Decimal("0.2")], "6.6": [Decimal("0.3")], "6.7": [Decimal("0.3"), True],
        "6.8": [Decimal("0.1")], "6.9": [Decimal("1")], "6.10": [False, False, False],
    }
    for c in rs.clauses:
        for k in c.conditions:
            if not isinstance(k.threshold, bool):
                assert k.operator == ">=", c.id  # 不低于 / 不少于 / 至少 / 以上 include the figure
    assert rs.relaxation.factor == Decimal("0.85") and rs.relaxation.basis == "第十条"
    assert rs.bans.years == {"绩效评价": 2, "复核不通过": 2, "自行申请": 2, "违法违规": 3, "重大事故": 3}
    assert rs.parameters["growth_factor"].value == Decimal("1.2")
    assert rs.parameters["graduate_round_over"].value == Decimal("500")
    assert rs.parameters["graduate_revenue_over"].value == Decimal("1000")


def test_excellence_has_no_relaxation():
    assert load_ruleset(EXCELLENCE).relaxation is None


def test_default_ruleset_per_level():
    assert default_for_level("标准级") == STANDARD
    assert default_for_level("卓越级") == EXCELLENCE
    assert default_for_level(None) == STANDARD


def test_unknown_ruleset_id_is_a_bilingual_error():
    with pytest.raises(RulesetError) as info:
        load_ruleset("no-such-ruleset")
    assert has_cjk(info.value.zh) and "no-such-ruleset" in info.value.en
    assert "miit-2025-standard" in info.value.en  # says what is available


def test_the_sme_classification_is_not_a_ruleset():
    with pytest.raises(RulesetError):
        load_ruleset("sme-2011")


# --- a ruleset changes results, not the code ----------------------------------------------------------------


def test_example_province_ruleset_changes_6_2_with_no_code_change():
    sub = submission(profile(site_area_m2="4000"))
    ministry = judge(sub, STANDARD)
    province = judge(sub, EXAMPLE)
    assert clause(ministry, "6.2").status is Status.FAIL
    assert clause(ministry, "6.2").shortfall == "1000"
    assert clause(province, "6.2").status is Status.PASS
    assert clause(province, "6.2").threshold == "3000"
    assert ministry.verdict is Verdict.FAIL and province.verdict is Verdict.PASS


def test_example_province_ruleset_changes_6_4_count():
    sub = submission(profile(), passing_roster(20))
    assert clause(judge(sub, STANDARD), "6.4.count").status is Status.FAIL
    assert clause(judge(sub, EXAMPLE), "6.4.count").status is Status.PASS


def test_example_province_ruleset_keeps_the_rest_of_the_ministry_ruleset():
    example = load_ruleset(EXAMPLE)
    ministry = load_ruleset(STANDARD)
    assert [c.id for c in example.clauses] == [c.id for c in ministry.clauses]
    assert example.relaxation == ministry.relaxation
    assert example.clause("6.4.new") == ministry.clause("6.4.new")


def test_example_ruleset_is_flagged_as_an_example():
    report = judge(submission(), EXAMPLE)
    assert report.ruleset["example"] is True
    assert "example-ruleset" in finding_codes(report)


GROWTH_FROM_ZERO = """\
    # A different reading of 6.6: growth from a base of zero counts.
    id: growth-from-zero
    kind: ruleset
    version: "0.1-test"
    level: 标准级
    extends: miit-2025-standard
    title:
      zh: 测试：前年度为 0 也计为增长
      en: "Test: growth from zero counts"
    citation: 测试
    effective: 2026-01-01
    tenant_tests:
      growth:
        article: 第六条第（六）项
        reading: 前年度为 0 而上年度大于 0 也计为同比增长。
        any:
          - expr: "#.revenue_y1 > growth_factor * #.revenue_y2"
            needs: [revenue_y1, revenue_y2]
          - expr: "#.rd_y1 > growth_factor * #.rd_y2"
            needs: [rd_y1, rd_y2]
"""


def test_a_ruleset_in_yaml_can_count_growth_from_zero(tmp_path):
    path = write(tmp_path, "growth-from-zero.yaml", GROWTH_FROM_ZERO)
    # Three of ten tenants grow from a zero base; none grows otherwise.
    sub = submission(profile(), roster(7) + [tenant(20 + i, revenue_y1="80", revenue_y2="0") for i in range(3)])
    ministry = clause(judge(sub, STANDARD), "6.6")
    reading = clause(judge(sub, path), "6.6")
    assert ministry.status is Status.FAIL and ministry.value == "0"
    assert reading.status is Status.PASS and reading.value == "0.3"
    assert reading.rows == [20, 21, 22]
    rs = load_ruleset(path)
    assert rs.id == "growth-from-zero"
    assert [c.id for c in rs.clauses] == STANDARD_IDS  # everything else inherited


def test_a_ruleset_override_of_a_threshold_in_yaml(tmp_path):
    path = write(tmp_path, "strict.yaml", """\
        id: strict-site
        kind: ruleset
        version: "0.1-test"
        level: 标准级
        extends: miit-2025-standard
        title: {zh: 测试, en: test}
        citation: 测试
        effective: 2026-01-01
        overrides:
          "6.2":
            conditions:
              - threshold: "8000"
        """)
    c = clause(judge(submission(profile(site_area_m2="6000")), path), "6.2")
    assert c.status is Status.FAIL and c.threshold == "8000" and c.shortfall == "2000"


# --- broken rulesets -----------------------------------------------------------------------------------------


def assert_bilingual(error: RulesetError):
    assert error.zh and error.en
    assert has_cjk(error.zh)
    assert error.en != error.zh
    assert error.message("en") == error.en and error.message("zh") == error.zh


def test_malformed_ruleset_is_a_bilingual_ruleset_error(tmp_path):
    path = write(tmp_path, "malformed.yaml", """\
        id: malformed
        kind: ruleset
        version: "0.1"
        level: 标准级
        title: {zh: 坏, en: bad}
        citation: 测试
        effective: 2026-01-01
        clauses:
          - id: "6.2"
            article: 第六条第（二）项
            legal_text: 孵化场地面积不低于 5000 平方米。
            conditions:
              - value: site_area_m2
                operator: "≥"
                threshold: "5000"
        """)
    with pytest.raises(RulesetError) as info:
        load_ruleset(path)
    assert_bilingual(info.value)
    assert "title" in info.value.en and "operator" in info.value.en


def test_invalid_yaml_is_a_bilingual_ruleset_error(tmp_path):
    path = write(tmp_path, "broken.yaml", "id: [unclosed\n  kind: : ruleset\n")
    with pytest.raises(RulesetError) as info:
        load_ruleset(path)
    assert_bilingual(info.value)
    assert "YAML" in info.value.en


def test_a_ruleset_that_is_not_a_mapping_is_an_error(tmp_path):
    path = write(tmp_path, "list.yaml", "- just\n- a list\n")
    with pytest.raises(RulesetError) as info:
        load_ruleset(path)
    assert_bilingual(info.value)


def test_override_of_an_unknown_clause_is_an_error(tmp_path):
    path = write(tmp_path, "unknown.yaml", """\
        id: unknown-override
        kind: ruleset
        version: "0.1"
        level: 标准级
        extends: miit-2025-standard
        title: {zh: 测试, en: test}
        citation: 测试
        effective: 2026-01-01
        overrides:
          "6.99":
            conditions:
              - threshold: "1"
        """)
    with pytest.raises(RulesetError) as info:
        load_ruleset(path)
    assert_bilingual(info.value)
    assert "6.99" in info.value.en


def test_a_share_of_an_unknown_tenant_test_is_an_error(tmp_path):
    path = write(tmp_path, "unknown-share.yaml", """\
        id: unknown-share
        kind: ruleset
        version: "0.1"
        level: 标准级
        extends: miit-2025-standard
        title: {zh: 测试, en: test}
        citation: 测试
        effective: 2026-01-01
        overrides:
          "6.6":
            conditions:
              - share: no_such_test
        """)
    with pytest.raises(RulesetError) as info:
        load_ruleset(path)
    assert "no_such_test" in info.value.en


def test_extends_cycle_is_an_error(tmp_path):
    write(tmp_path, "a.yaml", """\
        id: a
        kind: ruleset
        version: "0.1"
        level: 标准级
        extends: b
        title: {zh: 甲, en: a}
        citation: 测试
        effective: 2026-01-01
        clauses: []
        """)
    path_b = write(tmp_path, "b.yaml", """\
        id: b
        kind: ruleset
        version: "0.1"
        level: 标准级
        extends: a
        title: {zh: 乙, en: b}
        citation: 测试
        effective: 2026-01-01
        clauses: []
        """)
    with pytest.raises(RulesetError):
        load_ruleset(path_b)


BAD_EXPRESSION = """\
    id: bad-expression
    kind: ruleset
    version: "0.1"
    level: 标准级
    extends: miit-2025-standard
    title: {zh: 坏表达式, en: bad expression}
    citation: 测试
    effective: 2026-01-01
    tenant_tests:
      growth:
        any:
          - expr: "#.revenue_y1 > > growth_factor *"
            needs: [revenue_y1]
"""


def test_a_syntax_error_in_an_expression_is_a_ruleset_error_not_a_zen_error(tmp_path):
    path = write(tmp_path, "bad-expression.yaml", BAD_EXPRESSION)
    with pytest.raises(RulesetError) as info:
        judge(submission(), load_ruleset(path))
    assert_bilingual(info.value)
    assert "bad-expression" in info.value.en
    assert "Traceback" not in info.value.en and "backtrace" not in info.value.en.lower()


def test_a_syntax_error_in_a_clause_value_is_a_ruleset_error(tmp_path):
    path = write(tmp_path, "bad-value.yaml", """\
        id: bad-value
        kind: ruleset
        version: "0.1"
        level: 标准级
        extends: miit-2025-standard
        title: {zh: 坏, en: bad}
        citation: 测试
        effective: 2026-01-01
        overrides:
          "6.2":
            conditions:
              - value: "site_area_m2 +* 1"
        """)
    with pytest.raises(RulesetError) as info:
        judge(submission(), load_ruleset(path))
    assert_bilingual(info.value)
