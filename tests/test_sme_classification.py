"""中小企业划型标准规定 (工信部联企业〔2011〕300号), which Article 8 refers to, industry by industry.

The table below is copied from ``shared/regulation/sme-classification-2011.md`` — not from the
ruleset — so that the ruleset is checked against the regulation. Large, medium and small must meet
ALL their lower bounds, otherwise the enterprise drops a class; micro is whatever is below small.
The classification is executed by zen: the compiled ruleset's tenant call, through
``judge.tenants.run_tenant_tests``.
"""

from __future__ import annotations

import os
import sys
from decimal import Decimal

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from lawbook import STANDARD, finding_codes, judge, profile, submission, tenant, tenant_cell  # noqa: E402
from incubator_check import load_ruleset  # noqa: E402
from incubator_check.rules.compile import compile_ruleset  # noqa: E402  (a tenant's class is not in a report)
from incubator_check.judge.context import profile_context  # noqa: E402
from incubator_check.judge.tenants import run_tenant_tests  # noqa: E402

# industry → class → figure → lower bound (persons; 万元)
REGULATION = {
    "农、林、牧、渔业": {"large": {"revenue": 20000}, "medium": {"revenue": 500}, "small": {"revenue": 50}},
    "工业": {"large": {"employees": 1000, "revenue": 40000}, "medium": {"employees": 300, "revenue": 2000},
           "small": {"employees": 20, "revenue": 300}},
    "建筑业": {"large": {"revenue": 80000, "assets": 80000}, "medium": {"revenue": 6000, "assets": 5000},
            "small": {"revenue": 300, "assets": 300}},
    "批发业": {"large": {"employees": 200, "revenue": 40000}, "medium": {"employees": 20, "revenue": 5000},
            "small": {"employees": 5, "revenue": 1000}},
    "零售业": {"large": {"employees": 300, "revenue": 20000}, "medium": {"employees": 50, "revenue": 500},
            "small": {"employees": 10, "revenue": 100}},
    "交通运输业": {"large": {"employees": 1000, "revenue": 30000}, "medium": {"employees": 300, "revenue": 3000},
              "small": {"employees": 20, "revenue": 200}},
    "仓储业": {"large": {"employees": 200, "revenue": 30000}, "medium": {"employees": 100, "revenue": 1000},
            "small": {"employees": 20, "revenue": 100}},
    "邮政业": {"large": {"employees": 1000, "revenue": 30000}, "medium": {"employees": 300, "revenue": 2000},
            "small": {"employees": 20, "revenue": 100}},
    "住宿业": {"large": {"employees": 300, "revenue": 10000}, "medium": {"employees": 100, "revenue": 2000},
            "small": {"employees": 10, "revenue": 100}},
    "餐饮业": {"large": {"employees": 300, "revenue": 10000}, "medium": {"employees": 100, "revenue": 2000},
            "small": {"employees": 10, "revenue": 100}},
    "信息传输业": {"large": {"employees": 2000, "revenue": 100000}, "medium": {"employees": 100, "revenue": 1000},
              "small": {"employees": 10, "revenue": 100}},
    "软件和信息技术服务业": {"large": {"employees": 300, "revenue": 10000},
                    "medium": {"employees": 100, "revenue": 1000}, "small": {"employees": 10, "revenue": 50}},
    "房地产开发经营": {"large": {"revenue": 200000, "assets": 10000}, "medium": {"revenue": 1000, "assets": 5000},
                "small": {"revenue": 100, "assets": 2000}},
    "物业管理": {"large": {"employees": 1000, "revenue": 5000}, "medium": {"employees": 300, "revenue": 1000},
             "small": {"employees": 100, "revenue": 500}},
    "租赁和商务服务业": {"large": {"employees": 300, "assets": 120000}, "medium": {"employees": 100, "assets": 8000},
                 "small": {"employees": 10, "assets": 100}},
    "其他未列明行业": {"large": {"employees": 300}, "medium": {"employees": 100}, "small": {"employees": 10}},
}
CLASSES = ["micro", "small", "medium", "large"]
CLASS_ZH = {"micro": "微型", "small": "小型", "medium": "中型", "large": "大型"}
COLUMN = {"employees": "employees", "revenue": "revenue_y1", "assets": "total_assets"}
# One below a bound: one person, or one yuan (0.0001 万元).
EPSILON = {"employees": 1, "revenue": Decimal("0.0001"), "assets": Decimal("0.0001")}


def below(cls: str) -> str:
    return CLASSES[CLASSES.index(cls) - 1]


def figures_at(industry: str, cls: str) -> dict[str, Decimal | int]:
    return dict(REGULATION[industry][cls])


def classify_many(cases: list[tuple[str, dict]]) -> list[tuple[str | None, str | None]]:
    """(industry, {figure: value}) → (lowest, highest possible class), computed by zen in one call."""
    ruleset = load_ruleset(STANDARD)
    compiled = compile_ruleset(ruleset)
    tenants = []
    for i, (industry, figures) in enumerate(cases):
        values = {"employees": None, "revenue_y1": None, "total_assets": None}
        values.update({COLUMN[f]: v for f, v in figures.items()})
        tenants.append(tenant(2 + i, industry=industry, **values))
    sub = submission(profile(), tenants)
    base = profile_context(sub, ruleset)
    outcomes, _, failures = run_tenant_tests(compiled, sub, base)
    assert failures == []
    return [o.sme_class for o in outcomes]


def classify(industry: str, **figures) -> tuple[str | None, str | None]:
    return classify_many([(industry, figures)])[0]


def test_the_ruleset_has_the_regulation_bounds():
    sme = load_ruleset(STANDARD).sme
    assert sorted(sme.industries) == sorted(REGULATION)
    for industry, classes in REGULATION.items():
        for cls, bounds in classes.items():
            assert sme.bounds(industry, cls) == {f: Decimal(v) for f, v in bounds.items()}, (industry, cls)


def test_the_regulation_covers_the_16_industries():
    from incubator_check.workbook.layout import INDUSTRIES

    assert len(REGULATION) == 16
    assert sorted(INDUSTRIES) == sorted(REGULATION)


@pytest.mark.parametrize("industry", list(REGULATION))
@pytest.mark.parametrize("cls", ["large", "medium", "small"])
def test_at_the_lower_bounds_is_that_class(industry, cls):
    assert classify(industry, **figures_at(industry, cls)) == (cls, cls)


@pytest.mark.parametrize("industry", list(REGULATION))
@pytest.mark.parametrize("cls", ["large", "medium", "small"])
def test_one_below_any_lower_bound_is_the_class_below(industry, cls):
    cases = []
    for figure in REGULATION[industry][cls]:
        figures = figures_at(industry, cls)
        figures[figure] = figures[figure] - EPSILON[figure]
        cases.append((industry, figures))
    expected = below(cls)
    for (case, got) in zip(cases, classify_many(cases)):
        assert got == (expected, expected), (case, got)


@pytest.mark.parametrize("industry", list(REGULATION))
def test_below_every_small_bound_is_micro(industry):
    figures = {f: v - EPSILON[f] for f, v in figures_at(industry, "small").items()}
    assert classify(industry, **figures) == ("micro", "micro")


@pytest.mark.parametrize("industry", [i for i, c in REGULATION.items() if len(c["large"]) > 1])
def test_one_figure_at_the_large_bound_alone_is_not_large(industry):
    cases = []
    for figure in REGULATION[industry]["large"]:
        figures = figures_at(industry, "medium")
        figures[figure] = REGULATION[industry]["large"][figure]
        cases.append((industry, figures))
        huge = figures_at(industry, "medium")
        huge[figure] = REGULATION[industry]["large"][figure] * 100
        cases.append((industry, huge))
    for case, got in zip(cases, classify_many(cases)):
        assert got == ("medium", "medium"), (case, got)


@pytest.mark.parametrize("industry", list(REGULATION))
def test_far_above_the_large_bounds_is_large(industry):
    figures = {f: v * 10 for f, v in figures_at(industry, "large").items()}
    assert classify(industry, **figures) == ("large", "large")


def test_information_transmission_sme_revenue_bound_is_100000_not_10000():
    assert classify("信息传输业", employees=2000, revenue=10000) == ("medium", "medium")
    assert classify("信息传输业", employees=2000, revenue=Decimal("99999.9999")) == ("medium", "medium")
    assert classify("信息传输业", employees=2000, revenue=100000) == ("large", "large")
    assert classify("信息传输业", employees=1999, revenue=100000) == ("medium", "medium")


def test_warehousing_bounds_as_in_the_regulation():
    cases = [
        (dict(employees=200, revenue=30000), "large"),
        (dict(employees=199, revenue=30000), "medium"),
        (dict(employees=200, revenue=Decimal("29999.9999")), "medium"),
        (dict(employees=100, revenue=1000), "medium"),
        (dict(employees=99, revenue=1000), "small"),
        (dict(employees=100, revenue=Decimal("999.9999")), "small"),
        (dict(employees=20, revenue=100), "small"),
        (dict(employees=19, revenue=100), "micro"),
        (dict(employees=20, revenue=Decimal("99.9999")), "micro"),
    ]
    got = classify_many([("仓储业", figures) for figures, _ in cases])
    assert got == [(cls, cls) for _, cls in cases]


def test_other_industries_classify_on_headcount_alone():
    assert classify("其他未列明行业", employees=99, revenue=999999, assets=999999) == ("small", "small")
    assert classify("其他未列明行业", employees=9) == ("micro", "micro")


# --- Article 8 through check_submission: small and micro qualify, medium and large do not ---------------------


@pytest.mark.parametrize("industry", list(REGULATION))
def test_article_8_small_and_micro_qualify_medium_and_large_do_not(industry):
    def at(cls):
        return {COLUMN[f]: v for f, v in figures_at(industry, cls).items()}

    just_below_medium = {COLUMN[f]: v for f, v in figures_at(industry, "medium").items()}
    first = next(iter(REGULATION[industry]["medium"]))
    just_below_medium[COLUMN[first]] -= EPSILON[first]
    blank = {"employees": None, "revenue_y1": None, "total_assets": None}
    rows = [
        tenant(2, industry=industry, **{**blank, **at("small")}),
        tenant(3, industry=industry, **{**blank, **just_below_medium}),
        tenant(4, industry=industry, **{**blank, **at("medium")}),
        tenant(5, industry=industry, **{**blank, **at("large")}),
        tenant(6, industry=industry, employees=0, revenue_y1=0, total_assets=0),
    ]
    report = judge(submission(profile(), rows))
    assert report.tenants.qualifying == 3
    reasons = {e.row: e.reasons for e in report.tenants.excluded}
    assert reasons == {4: ["不是小型或微型企业（中型）"], 5: ["不是小型或微型企业（大型）"]}


# --- a missing figure matters only when it can change the answer -------------------------------------------


def test_industrial_12_employees_without_revenue_is_micro_and_qualifies():
    assert classify("工业", employees=12) == ("micro", "micro")
    report = judge(submission(profile(), [tenant(2, industry="工业", employees=12, revenue_y1=None)]))
    assert report.tenants.qualifying == 1 and report.tenants.qualifying_max is None


def test_industrial_25_employees_without_revenue_is_small_or_micro_and_still_qualifies():
    # 25 people: small if revenue >= 300, micro otherwise; it cannot be medium (that needs 300 people),
    # so the class is undecided but Article 8 is not.
    assert classify("工业", employees=25) == ("micro", "small")
    report = judge(submission(profile(), [tenant(2, industry="工业", employees=25, revenue_y1=None)]))
    assert report.tenants.qualifying == 1
    assert "tenant-undecided" not in finding_codes(report)


def test_industrial_300_employees_without_revenue_is_undecided():
    # 300 people: medium if revenue >= 2000, micro if under 300 — the blank revenue decides Article 8.
    assert classify("工业", employees=300) == ("micro", "medium")
    report = judge(submission(profile(), [tenant(2, industry="工业", employees=300, revenue_y1=None)]))
    assert report.tenants.qualifying == 0 and report.tenants.qualifying_max == 1
    ex = report.tenants.excluded[0]
    assert ex.undecided is True
    assert tenant_cell("revenue_y1", 2) in ex.reasons[0]
    assert "tenant-undecided" in finding_codes(report)


def test_other_industry_without_headcount_is_undecided():
    assert classify("其他未列明行业") == ("micro", "large")
    report = judge(submission(profile(), [tenant(2, employees=None)]))
    assert report.tenants.excluded[0].undecided is True
    assert tenant_cell("employees", 2) in report.tenants.excluded[0].reasons[0]


def test_assets_missing_where_revenue_decides():
    assert classify("建筑业", revenue=200) == ("micro", "micro")
    assert classify("房地产开发经营", revenue=50) == ("micro", "micro")
    assert classify("租赁和商务服务业", employees=5) == ("micro", "micro")
    assert classify("建筑业", revenue=7000) == ("micro", "medium")


def test_a_figure_the_industry_does_not_use_never_matters():
    assert classify("工业", employees=30, revenue=500) == ("small", "small")  # assets blank
    assert classify("农、林、牧、渔业", revenue=100) == ("small", "small")  # headcount and assets blank


def test_unknown_industry_is_undecided():
    report = judge(submission(profile(), [tenant(2, industry=None)]))
    assert report.tenants.excluded[0].undecided is True
    assert tenant_cell("industry", 2) in report.tenants.excluded[0].reasons[0]
