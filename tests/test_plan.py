"""The plan to pass (issue 20): the smallest joint change after which every measurable clause passes.

Cases for each interaction (tenants added dilute every share; mentors per 10 tenants; 6.5's "or"; Article 10's
relaxation; a provincial ruleset; a fact that blocks every plan; blanks), then the mechanism: the solver's cost
against a brute-force search over every combination, and soundness over a few hundred generated failing
submissions under the real judge.
"""

from __future__ import annotations

import datetime as dt
import itertools
import pathlib
import random
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incubator_check import check
from incubator_check.judge import CheckOptions, check_submission
from incubator_check.model import Profile, SourceMap, Submission, Tenant
from incubator_check.plan import PlanOptions, plan_submission
from incubator_check.plan.apply import applied
from incubator_check.plan.levers import load_levers
from incubator_check.plan.program import build_program
from incubator_check.plan.solve import solve
from incubator_check.report import Status
from incubator_check.rules.ruleset import load_ruleset

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures"
PROVINCE = pathlib.Path(__file__).resolve().parent / "rulesets" / "example-province-zj.yaml"
STANDARD = load_ruleset("miit-2025-standard")


def tenant(row: int, *, new: bool = False, certified: bool = False, equity: bool = False, financing: bool = False,
           growth: bool = False, graduate: bool = False, blank_certified: bool = False) -> Tenant:
    """One roster row of a micro 工业 tenant (Article 8) with the attributes asked for; the data year is 2025."""
    return Tenant.model_validate({
        "row": row, "name": f"企业{row}", "registered_on": dt.date(2025, 3, 1) if new else dt.date(2021, 5, 1),
        "registered_in_incubator": True, "operating_in_incubator": True, "industry": "工业", "employees": 10,
        "revenue_y1": Decimal(100), "revenue_y2": Decimal(0 if new else 100), "rd_y1": Decimal(20 if growth else 10),
        "rd_y2": Decimal(0 if new else 10), "total_assets": Decimal(100),
        "tech_sme": None if blank_certified else certified, "innovative_sme": False if not blank_certified else None,
        "incubator_equity_invested": equity, "financing_received": financing, "newly_certified": graduate,
        "acquired_or_listed": False, "graduated": graduate})


def submission(n: int = 30, *, new: int = 6, certified: int = 10, equity: int = 3, financing: int = 0,
               growth: int = 10, graduates: int = 3, blank_certified: int = 0, **profile) -> Submission:
    """A 标准级 submission that passes every clause with the defaults; each keyword moves one figure."""
    fields = {"incubator_name": "测试孵化器", "level": "标准级", "application_year": 2026,
              "application_date": dt.date(2026, 4, 15), "independent_legal_person": True, "remote_area": False,
              "site_area_m2": Decimal(6000), "total_staff": 10, "fulltime_service_staff": 9, "mentors": 3,
              "total_revenue": Decimal(1000), "rent_property_revenue": Decimal(300),
              "service_revenue_accounted_separately": True, "statistics_years_reported": 2,
              "major_accident_3y": False, "serious_dishonesty": False, "major_violation": False,
              "former_national_incubator": False, **profile}
    rows = []
    for i in range(n):
        rows.append(tenant(i + 3, new=i < new, certified=i < certified, equity=i < equity,
                           financing=i < financing, growth=new <= i < new + growth,
                           graduate=n - graduates <= i, blank_certified=certified <= i < certified + blank_certified))
    return Submission(profile=Profile.model_validate(fields), tenants=tuple(rows), source=SourceMap(path="测试.xlsx"))


def plan_of(sub: Submission, ruleset=STANDARD, **options) -> dict:
    report = check_submission(sub, ruleset)
    return plan_submission(sub, ruleset, report, PlanOptions(**options))


def actions(plan: dict) -> dict[str, dict]:
    return {a["lever"]: a for a in plan["actions"]}


def test_the_defaults_pass_and_need_no_plan():
    plan = plan_of(submission())
    assert plan["status"] == "pass" and plan["actions"] == []


# --- the interactions ------------------------------------------------------------------------------------------

def test_standard_fail_tenants_needs_three_tenants_two_of_them_new_and_one_graduate():
    """The issue's case: read one by one the shortfalls add up to 6 tenants; jointly it is 3 + 1 graduate."""
    report = check(FIXTURES / "standard-fail-tenants.xlsx", plan=PlanOptions())
    plan = report.as_json()["plan"]
    assert plan["status"] == "plan" and plan["verified"] is True
    assert plan["text_zh"] == "通过方案：新增在孵企业 3 家，其中上年度新注册 2 家；另需 1 家在孵企业毕业"
    assert plan["text_en"] == "Plan to pass: 3 new tenants, of which 2 registered in the data year; 1 more tenant must graduate"
    by_id = {c["id"]: c for c in plan["clauses"]}
    assert by_id["6.4.count"]["before"]["value"] == "27" and by_id["6.4.count"]["after"]["value"] == "30"
    assert (by_id["6.4.new"]["after"]["numerator"], by_id["6.4.new"]["after"]["denominator"]) == ("6", "30")
    assert (by_id["6.8"]["after"]["numerator"], by_id["6.8"]["after"]["denominator"]) == ("3", "30")
    assert all(c["after"]["status"] == "PASS" for c in plan["clauses"])


def test_ordinary_tenants_alone_would_leave_the_shares_failing():
    """Adding the 3 tenants 6.4.count asks for, as ordinary tenants, leaves 6.4.new and 6.8 failing: why a joint plan."""
    sub = submission(27, new=4, graduates=2)
    levers = load_levers(STANDARD)
    program = build_program(sub, STANDARD, check_submission(sub, STANDARD), levers)
    x = [3 if v.name == "add:" else 0 for v in program.variables]
    after = check_submission(applied(sub, STANDARD, levers, program, x), STANDARD)
    failing = {c.id for c in after.clauses if c.status is Status.FAIL}
    assert failing == {"6.4.new", "6.8"}


def test_mentors_break_when_tenants_are_added():
    """30 tenants and 3 mentors pass 6.3.mentors; the 2 new tenants 6.4.new needs make 32, which need 4 mentors.
    (Every other share has room for 32: 4 invested, 4 graduates.)"""
    sub = submission(30, new=5, mentors=3, equity=4, graduates=4)
    assert next(c for c in check_submission(sub, STANDARD).clauses if c.id == "6.3.mentors").status is Status.PASS
    plan = plan_of(sub)
    assert plan["status"] == "plan"
    got = actions(plan)
    assert got["tenants"]["count"] == 2 and got["tenants"]["attributes"] == {"new_in_data_year": 2}
    assert got["mentors"]["amount"] == "1" and set(got) == {"tenants", "mentors"}
    mentors = next(c for c in plan["clauses"] if c["id"] == "6.3.mentors")
    assert mentors["after"]["status"] == "PASS" and (mentors["after"]["numerator"], mentors["after"]["denominator"]) == ("4", "32")


def test_article_6_5_takes_the_cheaper_branch_of_its_or():
    """Equity 1/30 needs 2 more for 10 %; financing 5/30 needs 1 more for 20 %: one financing is the plan."""
    plan = plan_of(submission(30, equity=1, financing=5))
    assert [(a["lever"], a["count"]) for a in plan["actions"]] == [("financing_received", 1)]
    plan = plan_of(submission(30, equity=2, financing=3))
    assert [(a["lever"], a["count"]) for a in plan["actions"]] == [("equity_invested", 1)]


def test_a_weight_changes_the_branch():
    """With equity weighted 5 and financing 1, three financings (cost 3) beat one equity (cost 5)."""
    plan = plan_of(submission(30, equity=2, financing=3), costs={"equity_invested": Decimal(5)})
    assert [(a["lever"], a["count"]) for a in plan["actions"]] == [("financing_received", 3)]


def test_remote_relaxation_lowers_what_the_plan_must_reach():
    """Article 10: 30 × 0.85 = 25.5, so 26 tenants; a remote incubator with 24 needs 2, not 6."""
    far = plan_of(submission(24, new=5, graduates=3, remote_area=True))
    near = plan_of(submission(24, new=5, graduates=3, remote_area=False))
    assert actions(far)["tenants"]["count"] == 2
    assert actions(near)["tenants"]["count"] == 6
    assert "10.remote" in far["unchanged"]


def test_a_provincial_ruleset_gets_its_own_plan(tmp_path):
    """The example province asks for 20 tenants: 18 need 2 more — no code change, only its thresholds."""
    province = load_ruleset(str(PROVINCE))
    plan = plan_of(submission(18, new=4, graduates=2), ruleset=province)
    assert actions(plan)["tenants"]["count"] == 2


def test_a_ruleset_may_weight_its_own_levers(tmp_path):
    """A <ruleset>.levers.yaml beside a ruleset file is merged over the bundled levers."""
    province = _province_with_levers(tmp_path, "tenants:\n  attributes:\n    equity_invested:\n      cost: 9\n")
    plan = plan_of(submission(30, equity=2, financing=3), ruleset=province)
    assert [(a["lever"], a["count"]) for a in plan["actions"]] == [("financing_received", 3)]


def test_a_fact_blocks_every_plan_and_says_which_clause():
    plan = plan_of(submission(27, new=4, independent_legal_person=False))
    assert plan["status"] == "blocked"
    assert [b["clause"] for b in plan["blocking"]] == ["6.1"]
    assert "6.1" in plan["text_zh"] and "独立法人资格" in plan["text_zh"]


def test_the_ban_of_article_20_blocks_every_plan():
    plan = check(FIXTURES / "standard-fail-banned.xlsx", plan=PlanOptions()).as_json()["plan"]
    assert plan["status"] == "blocked" and [b["clause"] for b in plan["blocking"]] == ["20"]


def test_an_empty_roster_cannot_graduate_anyone():
    """Graduates come from existing tenants (a tenant added for the plan has not graduated): with no tenant at all,
    6.8 blocks every plan, and the plan says so."""
    plan = plan_of(submission(0, new=0, graduates=0, certified=0, equity=0, growth=0))
    assert plan["status"] == "blocked" and [b["clause"] for b in plan["blocking"]] == ["6.8"]
    assert "6.8" in plan["text_en"] and "bounds" in plan["text_en"]


def _province_with_levers(tmp_path, levers_yaml: str):
    source = PROVINCE
    (tmp_path / "province.yaml").write_text(source.read_text(encoding="utf-8").replace(
        "extends: miit-2025-standard", f"extends: {STANDARD.path}"), encoding="utf-8")
    (tmp_path / "province.levers.yaml").write_text(levers_yaml, encoding="utf-8")
    return load_ruleset(str(tmp_path / "province.yaml"))


def test_a_plan_beyond_the_levers_bounds_names_the_clause(tmp_path):
    """A province that allows at most 1 tenant added: 18 tenants cannot reach 20, and 6.4.count is named."""
    province = _province_with_levers(tmp_path, "tenants:\n  add:\n    max: 1\n")
    plan = plan_of(submission(18, new=4, graduates=2), ruleset=province)
    assert plan["status"] == "blocked" and [b["clause"] for b in plan["blocking"]] == ["6.4.count"]


def test_a_flag_the_incubator_can_turn_is_a_lever():
    plan = plan_of(submission(30, service_revenue_accounted_separately=False))
    assert [a["lever"] for a in plan["actions"]] == ["service_revenue_accounted_separately"]


def test_money_is_planned_to_the_yuan():
    """6.7: (1000 − 800 + r) / (1000 + r) ≥ 30 % ⇒ r ≥ 142.857…, so 142.8572 万元."""
    plan = plan_of(submission(30, rent_property_revenue=Decimal(800)))
    assert actions(plan)["non_rent_income"]["amount"] == "142.8572"


# --- blanks --------------------------------------------------------------------------------------------------

def test_blanks_must_be_filled_first_unless_the_worst_case_is_asked_for():
    sub = submission(30, certified=7, blank_certified=3)  # 7 certified, 3 blank: 6.4.sme is MISSING
    plan = plan_of(sub)
    assert plan["status"] == "fill" and plan["clauses_missing"] == ["6.4.sme"] and "actions" not in plan
    worst = plan_of(sub, worst=True)
    assert worst["status"] == "plan" and worst["mode"] == "worst"
    assert actions(worst)["certified_sme"]["count"] == 2  # the 3 blanks read as "no": 7 + 2 = 9 of 30


def test_a_blank_profile_figure_must_be_filled_even_for_the_worst_case():
    """standard-incomplete.xlsx leaves 场地面积 blank: no lever can plan around a figure nobody gave."""
    plan = check(FIXTURES / "standard-incomplete.xlsx", plan=PlanOptions(worst=True)).as_json()["plan"]
    assert plan["status"] == "fill" and plan["clauses_missing"] == ["6.2"] and plan["needs"] == ["基本信息!B13"]


# --- the mechanism -------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def small_ruleset(tmp_path_factory):
    folder = tmp_path_factory.mktemp("small")
    path = folder / "small.yaml"
    path.write_text(f"""\
id: small-test
kind: ruleset
version: "0"
level: 标准级
extends: {STANDARD.path}
example: true
title: {{zh: 小规模测试, en: small test}}
citation: 测试
effective: 2025-01-01
overrides:
  "6.4.count":
    conditions:
      - threshold: "8"
""", encoding="utf-8")
    return load_ruleset(str(path))


def _few_levers(ruleset):
    """Three tenant attributes, few tenants to add, mentors: a space a brute-force search covers."""
    levers = load_levers(ruleset)
    attributes = {"new_in_data_year": levers.tenants.attributes["new_in_data_year"],
                  "graduate": levers.tenants.attributes["graduate"].model_copy(update={"max_convert": 3}),
                  "financing_received": levers.tenants.attributes["financing_received"].model_copy(
                      update={"max_convert": 3, "on_new": None})}
    tenants = levers.tenants.model_copy(update={"add": levers.tenants.add.model_copy(update={"max": 5}),
                                                "attributes": attributes})
    figures = {"mentors": levers.figures["mentors"].model_copy(update={"max": Decimal(2)})}
    return levers.model_copy(update={"tenants": tenants, "figures": figures})


def _brute_force(program):
    """The least cost over every combination of the variables within their bounds."""
    best = None
    for x in itertools.product(*(range(v.upper + 1) for v in program.variables)):
        x = list(x)
        cost = program.cost(x)
        if (best is None or cost < best) and program.feasible(x):
            best = cost
    return best


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n=st.integers(0, 12), data=st.data())
def test_the_solver_finds_the_brute_force_minimum(small_ruleset, n, data):
    """Optimality by mechanism: on N ≤ 12 and few levers, the solver's cost is the least over every combination."""
    draw = lambda hi: data.draw(st.integers(0, hi))  # noqa: E731
    sub = submission(n, new=draw(n), certified=n, equity=n, financing=draw(n), growth=n, graduates=draw(n),
                     mentors=draw(2))
    levers = _few_levers(small_ruleset)
    report = check_submission(sub, small_ruleset)
    program = build_program(sub, small_ruleset, report, levers)
    if program.blockers:
        return
    x = solve(program)
    best = _brute_force(program)
    if best is None:
        assert x is None
        return
    assert x is not None and program.feasible(x) and program.cost(x) == best
    after = check_submission(applied(sub, small_ruleset, levers, program, x), small_ruleset)
    assert all(c.status in (Status.PASS, Status.REVIEW) for c in after.clauses)


def test_no_cheaper_plan_passes_the_real_judge(small_ruleset):
    """Independent of the model: every plan cheaper than the solver's, applied and judged, fails some clause."""
    sub = submission(6, new=1, certified=6, equity=6, financing=1, growth=6, graduates=0, mentors=1)
    levers = _few_levers(small_ruleset)
    program = build_program(sub, small_ruleset, check_submission(sub, small_ruleset), levers)
    x = solve(program)
    best = program.cost(x)
    assert best == 4  # 2 tenants (8 needed), 1 of them new (2/8 ≥ 20 %), and 1 graduate (1/8 ≥ 10 %)
    tried = 0
    for y in itertools.product(*(range(min(v.upper, 3) + 1) for v in program.variables)):
        y = list(y)
        if program.cost(y) >= best:
            continue
        tried += 1
        after = check_submission(applied(sub, small_ruleset, levers, program, y), small_ruleset)
        assert any(c.status is Status.FAIL for c in after.clauses), y
    assert tried > 50


def _random_failing(rng: random.Random) -> Submission:
    n = rng.randint(0, 45)
    pick = lambda: rng.randint(0, n)  # noqa: E731
    profile = {"mentors": rng.randint(0, 6), "site_area_m2": Decimal(rng.choice([3000, 4999, 5000, 8000])),
               "total_staff": rng.randint(0, 12), "remote_area": rng.random() < 0.2,
               "rent_property_revenue": Decimal(rng.choice([0, 300, 700, 1000])),
               "statistics_years_reported": rng.choice([0, 1, 2]),
               "service_revenue_accounted_separately": rng.random() < 0.9}
    profile["fulltime_service_staff"] = rng.randint(0, profile["total_staff"])
    return submission(n, new=pick(), certified=pick(), equity=pick(), financing=pick(),
                      growth=rng.randint(0, n), graduates=pick(), **profile)


def test_every_plan_over_generated_failing_submissions_passes_the_real_judge():
    """Soundness: 300 generated failing submissions; plan_submission judges each plan again and raises if any
    measurable clause does not pass — here the judge is asked once more, independently."""
    rng = random.Random(20)
    planned = 0
    for _ in range(300):
        sub = _random_failing(rng)
        report = check_submission(sub, STANDARD)
        plan = plan_submission(sub, STANDARD, report, PlanOptions())
        if report.verdict.value == "PASS":
            assert plan["status"] == "pass"
            continue
        assert plan["status"] in ("plan", "blocked"), plan
        if plan["status"] == "plan":
            planned += 1
            assert all(c["after"]["status"] == "PASS" for c in plan["clauses"])
    assert planned > 200


# --- verified, never trusted -----------------------------------------------------------------------------------

def test_a_plan_that_fails_its_own_check_is_an_error_never_output(monkeypatch):
    """If the plan, applied, did not pass (here: applied as no change at all), the report has no plan but an
    error finding, and the check's own result stands."""
    import incubator_check.plan.apply as apply_module

    monkeypatch.setattr(apply_module, "applied", lambda submission, *args: submission)
    report = check(FIXTURES / "standard-fail-tenants.xlsx", plan=PlanOptions())
    data = report.as_json()
    assert data["plan"]["status"] == "error" and "actions" not in data["plan"]
    assert [f["code"] for f in data["findings"]][-1] == "plan-unverified"
    assert "6.4.count" in data["findings"][-1]["message"]
    assert data["verdict"] == "FAIL" and {c["id"] for c in data["clauses"] if c["status"] == "FAIL"} == {"6.4.count", "6.4.new", "6.8"}


def test_a_bug_in_the_plan_costs_the_plan_only(monkeypatch):
    import incubator_check.plan.program as program_module

    def broken(*args):
        raise ZeroDivisionError

    monkeypatch.setattr(program_module, "build_program", broken)
    data = check(FIXTURES / "standard-fail-tenants.xlsx", plan=PlanOptions()).as_json()
    assert data["plan"]["status"] == "error" and data["findings"][-1]["code"] == "plan-failed"
    assert data["verdict"] == "FAIL" and len(data["clauses"]) >= 15


def test_a_report_without_plan_has_no_plan_key():
    assert "plan" not in check(FIXTURES / "standard-fail-tenants.xlsx").as_json()


def test_the_plan_is_written_in_the_reports_language():
    report = check(FIXTURES / "standard-fail-tenants.xlsx", plan=PlanOptions())
    assert report.as_json()["plan"]["text"].startswith("通过方案：")
    assert report.in_language("en").as_json()["plan"]["text"].startswith("Plan to pass: 3 new tenants")


# --- the what-if's figures -------------------------------------------------------------------------------------

def test_the_what_if_rebuilds_the_same_judgement_from_the_figures():
    """The figures of the plan object, judged as a what-if, give every clause the status the workbook had."""
    from incubator_check.plan.whatif import judged_what_if

    report = check(FIXTURES / "standard-fail-tenants.xlsx", plan=PlanOptions())
    figures = report.as_json()["plan"]["figures"]
    form = {**{k: "" if v is None else str(v).lower() for k, v in figures["profile"].items()},
            "application_year": figures["application_year"], "tenants": figures["tenants"],
            **{f"attr_{a}": n for a, n in figures["attributes"].items()}}
    again = judged_what_if(STANDARD, load_levers(STANDARD), form)
    assert [(c.id, c.status) for c in again.clauses] == [(c.id, c.status) for c in report.clauses]
    form.update(tenants=30, attr_new_in_data_year=6, attr_graduate=3)
    assert judged_what_if(STANDARD, load_levers(STANDARD), form).verdict.value == "PASS"


@pytest.mark.parametrize("change, said", [
    ({"tenants": "abc"}, "abc"),
    ({"tenants": "10", "attr_graduate": "11"}, "11"),
    ({"tenants": "10", "attr_new_in_data_year": "6", "attr_growth": "5"}, "growing over 20%"),
    ({"tenants": "999999"}, "5,000"),
    ({"site_area_m2": "1e30"}, "site_area_m2"),
    ({"mentors": "-1"}, "-1"),
])
def test_figures_that_cannot_be_a_submission_are_said_so(change, said):
    from incubator_check.plan.whatif import WhatIfError, judged_what_if

    form = {"application_year": "2026", "tenants": "30", "mentors": "3", **change}
    with pytest.raises(WhatIfError) as caught:
        judged_what_if(STANDARD, load_levers(STANDARD), form, "en")
    assert said in caught.value.message("en")


def test_worst_case_plans_over_generated_submissions_with_blanks_pass_the_real_judge():
    """--plan worst: blank certifications and rows that may or may not be tenants (registered in the incubator
    blank); the plan must make every measurable clause PASS whatever the blanks hold."""
    rng = random.Random(7)
    planned = 0
    for _ in range(60):
        sub = _random_failing(rng)
        n = len(sub.tenants)
        undecided = set(rng.sample(range(n), min(n, rng.randint(0, 4))))
        blank = set(rng.sample(range(n), min(n, rng.randint(0, 4))))
        tenants = tuple(t.model_copy(update={"registered_in_incubator": None if i in undecided else True,
                                             "tech_sme": None if i in blank else t.tech_sme,
                                             "innovative_sme": None if i in blank else t.innovative_sme})
                        for i, t in enumerate(sub.tenants))
        sub = sub.model_copy(update={"tenants": tenants})
        report = check_submission(sub, STANDARD)
        plan = plan_submission(sub, STANDARD, report, PlanOptions(worst=True))
        assert plan["status"] in ("plan", "blocked", "pass"), plan
        if plan["status"] == "plan":
            planned += 1
            assert all(c["after"]["status"] == "PASS" for c in plan["clauses"])
    assert planned > 30


def test_the_shenzhen_ruleset_gets_its_own_plan_from_its_levers_file():
    """shenzhen-2025: 20 tenants, its own growth (≥ 20 %) and equity tests, levers from shenzhen-2025.levers.yaml;
    18 tenants, 2 growing of them (20 % needs 4 of 20), 1 professional short of 80 % of a team of 5."""
    shenzhen = load_ruleset("shenzhen-2025")
    sub = submission(18, new=4, graduates=2, growth=2, equity=4)
    profile = sub.profile.model_copy(update={"declared": {"operating_in_shenzhen": True, "operating_one_year": True,
                                                          "operating_team": 5, "professional_staff": 3}})
    sub = sub.model_copy(update={"profile": profile})
    plan = plan_of(sub, ruleset=shenzhen)
    assert plan["status"] == "plan" and plan["verified"] is True, plan
    got = actions(plan)
    assert got["tenants"]["count"] == 2
    assert "professionals" in got or "operating_team" in got
    assert all(c["after"]["status"] == "PASS" for c in plan["clauses"])


def test_the_shenzhen_what_if_carries_its_declared_fields():
    from incubator_check.plan.whatif import judged_what_if, starting_figures

    shenzhen = load_ruleset("shenzhen-2025")
    sub = submission(20, new=4, graduates=2, growth=4, equity=4)
    sub = sub.model_copy(update={"profile": sub.profile.model_copy(update={"declared": {
        "operating_in_shenzhen": True, "operating_one_year": True, "operating_team": 5, "professional_staff": 4}})})
    levers = load_levers(shenzhen)
    figures = starting_figures(sub, shenzhen, levers)
    assert figures["profile"]["operating_team"] == 5
    form = {**{k: "" if v is None else str(v).lower() for k, v in figures["profile"].items()},
            "application_year": figures["application_year"], "tenants": figures["tenants"],
            **{f"attr_{a}": n for a, n in figures["attributes"].items()}}
    before = check_submission(sub, shenzhen)
    again = judged_what_if(shenzhen, levers, form)
    assert [(c.id, c.status) for c in again.clauses] == [(c.id, c.status) for c in before.clauses]
    form["professional_staff"] = "3"
    assert next(c for c in judged_what_if(shenzhen, levers, form).clauses if c.id == "4.3.staff").status is Status.FAIL
