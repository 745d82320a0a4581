"""Clause cases: the YAML tests beside each ruleset (``rulesets/cases/<ruleset id>.yaml``), in the spirit of
OpenFisca's YAML tests — law → ruleset entry → its cases is one hop.

A case file names its ruleset and a passing baseline; each case changes only the fields that matter and
says what one clause must come out as::

    ruleset: miit-2025-standard
    baseline:
      profile: standard              # tests/lawbook.py: profile() passes every profile clause
      roster: {passing: 40}          # passing_roster(40)
    cases:
      - name: 6.4.new at exactly 20 % passes
        clause: "6.4.new"
        roster: {n: 30, new: 6}      # roster(30, new=6): 30 qualifying tenants, the first 6 new
        expect: {status: PASS, value: "0.2", threshold: "0.2", effective_threshold: "0.2"}

A case may give ``profile`` (field → value; ``null`` blanks it), ``roster`` (``{passing: n, …}`` or
``{n: …, new: …, sme: …, equity: …, financing: …, growth: …, graduates: …}``), ``tenants`` (worksheet row →
fields changed on that row), ``extra_tenants`` (rows appended), ``funds`` (``null``: no 投资基金 sheet),
``as_of`` and ``lang``. ``expect`` checks every key it names — ``status``, ``value``, ``value_range``,
``threshold``, ``effective_threshold``, ``shortfall``, ``shortfall_unit``, ``relaxed``, ``rows``, ``article``,
``numerator`` and ``denominator`` (of the first condition), ``conditions`` (a list, one mapping a
condition), ``message_contains`` / ``message_excludes``, ``needs`` (exactly) / ``needs_include`` /
``evidence`` (a profile field stands for its cell), ``verdict`` of the whole report, and ``absent: true``
(the clause is not in the report). Whatever a case says, a clause that is not FAIL must have no shortfall.
Unknown keys are errors, so a misspelt expectation cannot pass unnoticed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

sys.path.insert(0, os.path.dirname(__file__))

import lawbook  # noqa: E402
from incubator_check import ClauseResult, Fund, Report, Status, Verdict  # noqa: E402
from incubator_check.rules.ruleset import bundled_ids  # noqa: E402

CASES = Path(__file__).resolve().parents[1] / "rulesets" / "cases"
# Cases of the test fixtures' rulesets (tests/rulesets/: an invented province, a dated change): the ruleset
# is the file beside the case folder of that name.
FIXTURE_CASES = Path(__file__).resolve().parent / "rulesets" / "cases"

_TOP = {"ruleset", "baseline", "definitions", "cases"}
_BASELINE = {"profile", "roster", "funds"}
_CASE = {"name", "clause", "profile", "roster", "tenants", "extra_tenants", "funds", "as_of", "lang", "expect",
         "__line__", "__where__"}
_EXPECT = {"status", "value", "value_range", "threshold", "effective_threshold", "shortfall", "shortfall_unit",
           "relaxed", "rows", "article", "numerator", "denominator", "conditions", "message_contains",
           "message_excludes", "needs", "needs_include", "evidence", "verdict", "absent"}
_CONDITION = {"status", "value", "threshold", "effective_threshold", "shortfall", "numerator", "denominator"}
_TEXT = {"value", "threshold", "effective_threshold", "shortfall", "shortfall_unit", "numerator", "denominator",
         "article"}
_PROFILES = {"standard": lawbook.profile, "excellence": lawbook.excellence_profile,
             "shenzhen": lawbook.shenzhen_profile}


class CaseError(Exception):
    """A case file that does not fit the format (a typo must not become a test that cannot fail)."""


class _LineLoader(yaml.SafeLoader):
    """Safe YAML that remembers the line of every case, so a failure points into the case file."""


def _mapping_with_line(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    if "name" in mapping and "expect" in mapping:
        mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_with_line)


def _unknown(given: dict[str, Any], allowed: set[str], where: str) -> None:
    extra = set(given) - allowed
    if extra:
        raise CaseError(f"{where}: unknown key(s) {sorted(extra)}; allowed: {sorted(allowed - {'__line__'})}")


def load_cases(path: Path) -> tuple[str, dict[str, Any], list[dict[str, Any]]]:
    """(ruleset id, baseline, cases) of one case file, checked against the format."""
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    _unknown(data, _TOP, path.name)
    baseline = data.get("baseline") or {}
    _unknown(baseline, _BASELINE, f"{path.name} baseline")
    names = set()
    for case in data["cases"]:
        where = f"{path.relative_to(CASES.parent.parent) if path.is_relative_to(CASES.parent.parent) else path}:{case.get('__line__')}"
        case["__where__"] = where
        _unknown(case, _CASE, where)
        _unknown(case["expect"], _EXPECT, f"{where} expect")
        for cond in case["expect"].get("conditions", []):
            _unknown(cond, _CONDITION, f"{where} expect.conditions")
        for key in _TEXT & set(case["expect"]):
            value = case["expect"][key]
            if value is not None and not isinstance(value, (str, int)) or isinstance(value, bool):
                # A report writes figures as exact text ("0.2", "1/6"); a YAML float is a binary approximation.
                raise CaseError(f"{where}: expect.{key} must be quoted text, not {value!r}")
        if case["name"] in names:
            raise CaseError(f"{where}: a second case named {case['name']!r}")
        names.add(case["name"])
        if not case.get("clause"):
            raise CaseError(f"{where}: no clause")
    return data["ruleset"], baseline, data["cases"]


def _tenants(spec: dict[str, Any] | None) -> list:
    spec = dict(spec or {"passing": 40})
    if "passing" in spec:
        return lawbook.passing_roster(spec.pop("passing"), **spec)
    return lawbook.roster(spec.pop("n"), **spec)


def build(baseline: dict[str, Any], case: dict[str, Any]) -> lawbook.Submission:
    """The case's submission: the baseline with the case's fields changed."""
    make_profile = _PROFILES[baseline.get("profile", "standard")]
    profile = make_profile(**(case.get("profile") or {}))
    tenants = _tenants(case["roster"] if "roster" in case else baseline.get("roster"))
    by_row = {t.row: i for i, t in enumerate(tenants)}
    for row, fields in (case.get("tenants") or {}).items():
        old = tenants[by_row[row]]
        tenants[by_row[row]] = lawbook.tenant(row, **{**old.model_dump(exclude={"row"}), **fields})
    next_row = max(by_row, default=lawbook.FIRST_TENANT_ROW - 1) + 1
    for i, fields in enumerate(case.get("extra_tenants") or []):
        tenants.append(lawbook.tenant(next_row + i, **fields))
    funds_spec = case["funds"] if "funds" in case else baseline.get("funds")
    funds = None if funds_spec is None else [Fund(**f) for f in funds_spec]
    return lawbook.submission(profile, tenants, funds=funds)


def _cell(item: str) -> str:
    """A profile field key stands for its cell (基本信息!B13); anything else is taken as written."""
    return lawbook.cell(item) if item in lawbook.PROFILE_CELLS else item


def _fail(case: dict[str, Any], what: str, expected: Any, actual: Any, c: ClauseResult | None) -> str:
    detail = f" — {c.status.value}: {c.message}" if c is not None else ""
    return f"{case.get('__where__', '')} {case['name']} ({case['clause']}): {what} expected {expected!r}, got {actual!r}{detail}"


def verify(case: dict[str, Any], report: Report) -> None:
    """Assert the case's expectations of its clause (and of the report's verdict)."""
    expect = case["expect"]
    found = [c for c in report.clauses if c.id == case["clause"]]
    if expect.get("absent"):
        assert not found, _fail(case, "clause", "absent", "present", found[0])
        return
    assert found, f"{case['name']}: no clause {case['clause']} in {[c.id for c in report.clauses]}"
    c = found[0]
    if "verdict" in expect:
        assert report.verdict is Verdict(expect["verdict"]), _fail(case, "verdict", expect["verdict"],
                                                                      report.verdict.value, c)
    if "status" in expect:
        assert c.status is Status(expect["status"]), _fail(case, "status", expect["status"], c.status.value, c)
    if c.status is not Status.FAIL:
        assert c.shortfall is None, _fail(case, "shortfall of a clause that does not fail", None, c.shortfall, c)
    for key in ("value", "value_range", "threshold", "effective_threshold", "shortfall", "shortfall_unit",
                "relaxed", "rows", "article"):
        if key in expect:
            want = expect[key]
            want = str(want) if isinstance(want, int) and not isinstance(want, bool) and key in _TEXT else want
            assert getattr(c, key) == want, _fail(case, key, want, getattr(c, key), c)
    for key in ("numerator", "denominator"):
        if key in expect:
            got = getattr(c.conditions[0], key)
            assert got == str(expect[key]), _fail(case, key, str(expect[key]), got, c)
    if "conditions" in expect:
        assert len(c.conditions) == len(expect["conditions"]), _fail(case, "conditions", len(expect["conditions"]),
                                                                     len(c.conditions), c)
        for i, (want, got) in enumerate(zip(expect["conditions"], c.conditions)):
            for key, value in want.items():
                actual = getattr(got, key)
                actual = actual.value if isinstance(actual, Status) else actual
                value = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
                assert actual == value, _fail(case, f"conditions[{i}].{key}", value, actual, c)
    for text in expect.get("message_contains", []):
        assert text in c.message, _fail(case, "message containing", text, c.message, c)
    for text in expect.get("message_excludes", []):
        assert text not in c.message, _fail(case, "message without", text, c.message, c)
    if "needs" in expect:
        want = [_cell(n) for n in expect["needs"]]
        assert c.needs == want, _fail(case, "needs", want, c.needs, c)
    for item in expect.get("needs_include", []):
        assert any(_cell(item) in n for n in c.needs), _fail(case, "needs naming", _cell(item), c.needs, c)
    if "evidence" in expect:
        want = [_cell(n) for n in expect["evidence"]]
        assert c.evidence == want, _fail(case, "evidence", want, c.evidence, c)


def run(ruleset_id: str, baseline: dict[str, Any], case: dict[str, Any]) -> None:
    report = lawbook.judge(build(baseline, case), ruleset_id, lang=case.get("lang", "zh"), as_of=case.get("as_of"))
    verify(case, report)


def _collect() -> list:
    params = []
    for path in sorted(CASES.glob("*.yaml")) + sorted(FIXTURE_CASES.glob("*.yaml")):
        ruleset_id, baseline, cases = load_cases(path)
        ref = str(path.parent.parent / f"{ruleset_id}.yaml") if path.parent == FIXTURE_CASES else ruleset_id
        for case in cases:
            params.append(pytest.param(ref, baseline, case, id=f"{ruleset_id}: {case['name']}"))
    return params


@pytest.mark.parametrize("ruleset_id,baseline,case", _collect())
def test_clause_case(ruleset_id, baseline, case):
    run(ruleset_id, baseline, case)


# --- the cases themselves -------------------------------------------------------------------------------


def test_every_bundled_ruleset_has_its_case_file():
    assert sorted(p.stem for p in CASES.glob("*.yaml")) == sorted(bundled_ids())
    for path in CASES.glob("*.yaml"):
        assert load_cases(path)[0] == path.stem


@pytest.mark.parametrize("ruleset_id", ["miit-2025-standard", "miit-2025-excellence", "shenzhen-2025"])
def test_every_clause_has_cases_and_every_threshold_a_pass_and_a_fail(ruleset_id):
    _, _, cases = load_cases(CASES / f"{ruleset_id}.yaml")
    statuses: dict[str, set[str]] = {}
    for case in cases:
        statuses.setdefault(str(case["clause"]), set()).add(case["expect"].get("status", ""))
    for clause in lawbook.ruleset(ruleset_id).clauses:
        assert clause.id in statuses, f"{ruleset_id}: no case for {clause.id}"
        if clause.conditions or clause.ban:
            assert {"PASS", "FAIL"} <= statuses[clause.id], f"{ruleset_id} {clause.id}: {statuses[clause.id]}"


def test_the_province_cases_cover_what_the_province_overrides():
    _, _, cases = load_cases(FIXTURE_CASES / "example-province-zj.yaml")
    clauses = {str(c["clause"]) for c in cases}
    overridden = set(yaml.safe_load((FIXTURE_CASES.parent / "example-province-zj.yaml").read_text(encoding="utf-8"))["overrides"])
    assert overridden <= clauses


# --- a case can fail ------------------------------------------------------------------------------------

_PASSING = {"name": "6.4.new at exactly 20 % passes", "clause": "6.4.new", "roster": {"n": 30, "new": 6},
            "expect": {"status": "PASS", "value": "0.2", "threshold": "0.2", "effective_threshold": "0.2"}}


def test_the_reference_case_passes():
    run("miit-2025-standard", {}, _PASSING)


@pytest.mark.parametrize("wrong", [
    {"status": "FAIL"}, {"value": "1/5"}, {"threshold": "0.25"}, {"effective_threshold": "0.17"},
    {"shortfall": "1"}, {"relaxed": True}, {"rows": [2, 3]}, {"message_contains": ["不通过"]},
    {"conditions": [{"status": "FAIL"}]}, {"verdict": "PASS"}, {"absent": True}, {"numerator": "5"},
])
def test_a_wrong_expectation_fails(wrong):
    case = {**_PASSING, "expect": {**_PASSING["expect"], **wrong}}
    with pytest.raises(AssertionError):
        run("miit-2025-standard", {}, case)


def test_a_fail_with_the_wrong_shortfall_fails():
    case = {"name": "x", "clause": "6.4.new", "roster": {"n": 30, "new": 5},
            "expect": {"status": "FAIL", "shortfall": "1"}}  # 5/30 needs 2 more (6/31 < 20 %)
    with pytest.raises(AssertionError):
        run("miit-2025-standard", {}, case)


@pytest.mark.parametrize("bad", [
    "cases: [{name: a, clause: '6.2', expect: {shortfal: '1'}}]\nruleset: x\n",
    "cases: [{name: a, clause: '6.2', expect: {value: 0.2}}]\nruleset: x\n",
    "cases: [{name: a, clause: '6.2', expect: {}}, {name: a, clause: '6.2', expect: {}}]\nruleset: x\n",
    "cases: [{name: a, clause: '6.2', profil: {}, expect: {}}]\nruleset: x\n",
    "cases: [{name: a, clause: '6.2', expect: {conditions: [{stat: PASS}]}}]\nruleset: x\n",
])
def test_a_malformed_case_file_is_refused(tmp_path, bad):
    path = tmp_path / "x.yaml"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(CaseError):
        load_cases(path)
