"""Article 7 (卓越级): the measurable conditions at their thresholds, what is left to review, and that
Article 10 does not apply."""

from __future__ import annotations

import datetime as dt
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from lawbook import (  # noqa: E402
    EXCELLENCE,
    cell,
    clause,
    excellence_profile,
    finding_codes,
    fund,
    judge,
    passing_roster,
    profile,
    submission,
)
from incubator_check.report import Status, Verdict  # noqa: E402

FUNDS = [fund(2, "SXY123"), fund(3, None)]


def excellence(funds=FUNDS, tenants=None, **overrides):
    return judge(submission(excellence_profile(**overrides), passing_roster(40) if tenants is None else tenants,
                            funds=funds), EXCELLENCE)


def test_excellence_passing_application_passes_pending_review():
    report = excellence()
    assert report.verdict is Verdict.PASS
    assert [c.id for c in report.clauses if c.status is Status.REVIEW] == ["7.1.focus", "7.3", "7.5"]
    assert report.ruleset["id"] == "miit-2025-excellence"
    assert report.incubator["level"] == "卓越级"


def test_excellence_has_article_7_clauses_plus_6_10_and_20_only():
    ids = [c.id for c in excellence().clauses]
    assert sorted(ids) == sorted(["6.10", "20", "7.1", "7.1.focus", "7.2", "7.3", "7.4", "7.5"])


# --- 7.1 近两年每年服务的细分产业领域的创业企业不少于 30 家 --------------------------------------------------


def test_7_1_exactly_30_each_year_passes():
    c = clause(excellence(sector_startups_y1=30, sector_startups_y2=30), "7.1")
    assert c.status is Status.PASS
    assert [k.value for k in c.conditions] == ["30", "30"]
    assert [k.threshold for k in c.conditions] == ["30", "30"]


def test_7_1_29_in_the_data_year_fails():
    c = clause(excellence(sector_startups_y1=29, sector_startups_y2=30), "7.1")
    assert c.status is Status.FAIL
    assert c.value == "29" and c.shortfall == "1"
    assert [k.status for k in c.conditions] == [Status.FAIL, Status.PASS]


def test_7_1_29_in_the_year_before_fails():
    c = clause(excellence(sector_startups_y1=30, sector_startups_y2=29), "7.1")
    assert c.status is Status.FAIL
    assert [k.status for k in c.conditions] == [Status.PASS, Status.FAIL]
    assert c.conditions[1].shortfall == "1"
    assert c.shortfall == "1"
    assert "前年度服务的细分产业领域创业企业还差 1 家" in c.message


def test_7_1_blank_year_before_is_missing():
    c = clause(excellence(sector_startups_y2=None), "7.1")
    assert c.status is Status.MISSING
    assert any(cell("sector_startups_y2") in n for n in c.needs)


def test_7_1_focus_is_review_and_quotes_the_declared_sector():
    c = clause(excellence(focus_sector="量子计算"), "7.1.focus")
    assert c.status is Status.REVIEW
    assert "量子计算" in c.message


# --- 7.2 近两年每年服务和投资收入占总收入比重不低于 50% ------------------------------------------------------


def test_7_2_exactly_50_percent_each_year_passes():
    c = clause(excellence(service_investment_revenue_y1="500", total_revenue="1000",
                          service_investment_revenue_y2="450", total_revenue_y2="900"), "7.2")
    assert c.status is Status.PASS
    assert [k.value for k in c.conditions] == ["0.5", "0.5"]


def test_7_2_just_below_50_percent_in_the_data_year_fails():
    # (499.99 + x) / (1000 + x) >= 0.5 -> x = 0.02 万元.
    c = clause(excellence(service_investment_revenue_y1="499.99", total_revenue="1000"), "7.2")
    assert c.status is Status.FAIL
    assert c.value == "0.49999"
    assert c.shortfall == "0.02"


def test_7_2_just_below_50_percent_in_the_year_before_fails():
    c = clause(excellence(service_investment_revenue_y2="449.99", total_revenue_y2="900"), "7.2")
    assert c.status is Status.FAIL
    assert [k.status for k in c.conditions] == [Status.PASS, Status.FAIL]
    assert c.conditions[1].shortfall == "0.02"


def test_7_2_zero_total_revenue_fails():
    assert clause(excellence(service_investment_revenue_y2="0", total_revenue_y2="0"), "7.2").status is Status.FAIL


# --- 7.4 至少一支在中国证券投资基金业协会备案的股权投资基金 ---------------------------------------------------


def test_7_4_one_fund_with_an_amac_code_passes():
    c = clause(excellence(funds=[fund(2, "SXY123")]), "7.4")
    assert c.status is Status.PASS and c.value == "1"


def test_7_4_funds_without_a_code_fail():
    c = clause(excellence(funds=[fund(2, None), fund(3, "")]), "7.4")
    assert c.status is Status.FAIL
    assert c.value == "0" and c.shortfall == "1"


def test_7_4_without_a_funds_sheet_is_missing():
    report = excellence(funds=None)
    assert clause(report, "7.4").status is Status.MISSING
    assert report.verdict is Verdict.INCOMPLETE


def test_7_4_missing_names_the_funds_sheet():
    c = clause(excellence(funds=None), "7.4")
    assert any("投资基金" in n for n in c.needs)


# --- 7.3, 7.5 review; 6.10 and 20 as at standard level; Article 10 does not apply --------------------------


def test_7_3_and_7_5_are_review():
    report = excellence()
    assert clause(report, "7.3").status is Status.REVIEW
    assert clause(report, "7.5").status is Status.REVIEW


def test_excellence_6_10_applies():
    assert clause(excellence(serious_dishonesty=True), "6.10").status is Status.FAIL


def test_excellence_20_applies():
    report = excellence(revoked_on=dt.date(2025, 3, 1), revocation_reason="违法违规")
    assert clause(report, "20").status is Status.FAIL
    assert report.verdict is Verdict.FAIL


def test_excellence_article_10_does_not_apply():
    report = excellence(remote_area=True, remote_area_category="三类", sector_startups_y1=26)
    assert report.relaxation is None
    assert "10.remote" not in [c.id for c in report.clauses]
    c = clause(report, "7.1")
    assert c.status is Status.FAIL
    assert c.effective_threshold == "30" and c.relaxed is False
    assert not any(c.relaxed for c in report.clauses)


def test_excellence_standard_level_figures_are_not_checked():
    # A 3000 m² site and 10 tenants do not matter for Article 7's pre-screen.
    report = excellence(site_area_m2="3000", tenants=passing_roster(10))
    assert report.verdict is Verdict.PASS


def test_standard_application_checked_as_excellence_is_flagged():
    report = judge(submission(profile(), funds=FUNDS), EXCELLENCE)
    assert "level-mismatch" in finding_codes(report)
