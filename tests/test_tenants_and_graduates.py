"""Article 8 (who is a tenant), Article 9 (who is a graduate), 6.6 growth, and missing data.

A qualifying tenant is registered in the incubator, operates in it, and is small or micro under
the 2011 SME standard; N counts them and is the denominator of every share. A graduate is a
qualifying tenant marked 上年度毕业 that meets at least one of Article 9's four conditions.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from decimal import Decimal

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from lawbook import (  # noqa: E402
    DATA_YEAR,
    clause,
    finding_codes,
    judge,
    passing_roster,
    profile,
    roster,
    submission,
    tenant,
    tenant_cell,
)
from incubator_check import Status, Verdict  # noqa: E402

REMOTE = {"remote_area": True, "remote_area_category": "三类"}


def one(lang: str = "zh", remote: bool = False, **overrides):
    """The report of a one-tenant submission (tenant at row 2)."""
    prof = profile(**REMOTE) if remote else profile()
    return judge(submission(prof, [tenant(2, **overrides)]), lang=lang)


def grows(**overrides) -> bool:
    value = clause(one(**overrides), "6.6").value
    assert value in ("0", "1"), value
    return value == "1"


def graduates(**overrides) -> bool:
    value = clause(one(**overrides), "6.8").value
    assert value in ("0", "1"), value
    return value == "1"


# --- 6.6 growth: 同比增长超过 20% ------------------------------------------------------------------------


def test_6_6_growth_of_exactly_20_percent_does_not_count():
    # 超过 excludes the figure itself: 120 is not more than 1.2 × 100.
    assert not grows(revenue_y1="120", revenue_y2="100")


def test_6_6_growth_just_over_20_percent_counts():
    assert grows(revenue_y1="120.01", revenue_y2="100")


def test_6_6_growth_from_zero_does_not_count():
    assert not grows(revenue_y1="100", revenue_y2="0")
    assert not grows(revenue_y1="100", revenue_y2="100", rd_y1="10", rd_y2="0")


def test_6_6_rd_growth_alone_counts():
    assert grows(revenue_y1="100", revenue_y2="100", rd_y1="12.01", rd_y2="10")


def test_6_6_rd_growth_of_exactly_20_percent_does_not_count():
    assert not grows(revenue_y1="100", revenue_y2="100", rd_y1="12", rd_y2="10")


def test_6_6_revenue_growth_alone_counts_with_flat_rd():
    assert grows(revenue_y1="150", revenue_y2="100", rd_y1="10", rd_y2="10")


def test_6_6_falling_figures_do_not_count():
    assert not grows(revenue_y1="50", revenue_y2="100", rd_y1="5", rd_y2="10")


@pytest.mark.parametrize("y2", ["10.1", "33.3", "0.07", "7.77", "1234.56"])
def test_6_6_exactly_20_percent_is_exact_for_any_base(y2):
    y1 = Decimal(y2) * Decimal("1.2")
    assert not grows(revenue_y1=y1, revenue_y2=y2)
    assert grows(revenue_y1=y1 + Decimal("0.0001"), revenue_y2=y2)


def test_6_6_growth_definition_is_not_relaxed():
    # 18 % growth exceeds 0.85 × 20 % = 17 %, but the definition of growth is not lowered by Article 10.
    assert clause(one(remote=True, revenue_y1="118", revenue_y2="100"), "6.6").value == "0"


def test_6_6_blank_prior_year_revenue_is_undecided_unless_rd_grew():
    c = clause(one(revenue_y2=None), "6.6")
    assert c.status is Status.MISSING
    assert c.value_range == ["0", "1"]
    assert tenant_cell("revenue_y2", 2) in c.needs
    assert grows(revenue_y2=None, rd_y1="13", rd_y2="10")


# --- Article 9: graduates -------------------------------------------------------------------------------


def test_9_newly_certified_graduate_counts():
    assert graduates(graduated=True, newly_certified=True)


def test_9_round_over_500_counts():
    assert graduates(graduated=True, largest_round="500.01")


def test_9_round_of_exactly_500_does_not_count():
    report = one(graduated=True, largest_round="500")
    assert clause(report, "6.8").value == "0"
    assert "graduate-not-qualified" in finding_codes(report)


def test_9_two_years_revenue_over_1000_counts():
    assert graduates(graduated=True, revenue_y1="600.01", revenue_y2="400")


def test_9_two_years_revenue_of_exactly_1000_does_not_count():
    assert not graduates(graduated=True, revenue_y1="600", revenue_y2="400")


def test_9_acquired_or_listed_counts():
    assert graduates(graduated=True, acquired_or_listed=True)


def test_9_marked_graduate_meeting_no_condition_is_not_counted_and_is_a_finding():
    report = one(graduated=True)
    assert clause(report, "6.8").value == "0"
    findings = [f for f in report.findings if f["code"] == "graduate-not-qualified"]
    assert len(findings) == 1
    assert findings[0]["row"] == 2
    assert findings[0]["severity"] == "warning"
    assert findings[0]["where"].startswith("在孵企业!")
    assert "第九条" in findings[0]["message_zh"] and "Article 9" in findings[0]["message_en"]


def test_9_unmarked_tenant_meeting_a_condition_is_not_a_graduate():
    for condition in ({"newly_certified": True}, {"largest_round": "800"}, {"acquired_or_listed": True},
                      {"revenue_y1": "700", "revenue_y2": "600"}):
        report = one(graduated=False, **condition)
        assert clause(report, "6.8").value == "0", condition
        assert "graduate-not-qualified" not in finding_codes(report)


def test_9_a_real_graduate_gives_no_finding():
    assert "graduate-not-qualified" not in finding_codes(one(graduated=True, newly_certified=True))


def test_9_graduate_that_is_not_a_qualifying_tenant_does_not_count():
    # A graduated medium-sized enterprise is not an 在孵企业, so it is not a 毕业企业 either.
    tenants = roster(10, graduates=1) + [tenant(12, graduated=True, newly_certified=True, employees=168)]
    report = judge(submission(profile(), tenants))
    c = clause(report, "6.8")
    assert c.value == "0.1" and c.rows == [2]
    assert report.tenants.qualifying == 10


def test_9_graduate_conditions_are_not_relaxed():
    # 450 > 0.85 × 500 and 900 > 0.85 × 1000, but Article 10 lowers thresholds, not definitions.
    assert clause(one(remote=True, graduated=True, largest_round="450"), "6.8").value == "0"
    assert clause(one(remote=True, graduated=True, revenue_y1="500", revenue_y2="400"), "6.8").value == "0"


# --- Article 8: who is a tenant --------------------------------------------------------------------------


def excluded(report):
    return {e.row: e for e in report.tenants.excluded}


def test_8_not_registered_in_the_incubator_is_excluded():
    report = one(registered_in_incubator=False)
    assert report.tenants.listed == 1 and report.tenants.qualifying == 0
    assert excluded(report)[2].reasons == ["未注册在孵化器内"]


def test_8_not_operating_in_the_incubator_is_excluded():
    report = one(operating_in_incubator=False)
    assert excluded(report)[2].reasons == ["未在孵化器内实际运营"]


def test_8_medium_sized_enterprise_is_excluded():
    report = one(employees=100)  # 其他未列明行业: 100 people is medium
    assert report.tenants.qualifying == 0
    assert excluded(report)[2].reasons == ["不是小型或微型企业（中型）"]


def test_8_large_enterprise_is_excluded():
    report = one(employees=300)
    assert excluded(report)[2].reasons == ["不是小型或微型企业（大型）"]


def test_8_micro_and_small_enterprises_qualify():
    assert one(employees=9).tenants.qualifying == 1  # micro
    assert one(employees=10).tenants.qualifying == 1  # small
    assert one(employees=99).tenants.qualifying == 1  # small


def test_8_every_reason_is_listed():
    report = one(registered_in_incubator=False, operating_in_incubator=False, employees=300)
    assert excluded(report)[2].reasons == ["未注册在孵化器内", "未在孵化器内实际运营", "不是小型或微型企业（大型）"]


def test_8_reasons_in_english():
    report = one(lang="en", registered_in_incubator=False, operating_in_incubator=False, employees=100)
    assert excluded(report)[2].reasons == ["not registered in the incubator", "not operating in the incubator",
                                          "not a small or micro enterprise (medium)"]


def test_8_duplicate_uscc_is_excluded():
    tenants = [tenant(2, uscc="913205068261903226"), tenant(3, uscc="913205068261903226", duplicate_of=2)]
    report = judge(submission(profile(), tenants))
    assert report.tenants.listed == 2 and report.tenants.qualifying == 1
    ex = excluded(report)
    assert list(ex) == [3]
    assert ex[3].reasons == ["与第 2 行统一社会信用代码重复"]
    assert ex[3].uscc == "913205068261903226"


def test_8_excluded_tenants_count_towards_no_share():
    tenants = roster(30, new=6) + [
        tenant(40, registered_on=dt.date(DATA_YEAR, 6, 1), registered_in_incubator=False),
        tenant(41, registered_on=dt.date(DATA_YEAR, 6, 1), employees=100),
        tenant(42, registered_on=dt.date(DATA_YEAR, 6, 1), duplicate_of=2),
    ]
    report = judge(submission(profile(), tenants))
    c = clause(report, "6.4.new")
    assert c.value == "0.2"
    assert c.conditions[0].numerator == "6" and c.conditions[0].denominator == "30"
    assert clause(report, "6.4.count").value == "30"
    assert report.tenants.listed == 33 and report.tenants.qualifying == 30


def test_8_blank_registered_in_incubator_is_undecided():
    report = one(registered_in_incubator=None)
    ex = excluded(report)[2]
    assert ex.undecided is True
    assert tenant_cell("registered_in_incubator", 2) in ex.reasons[0]
    assert "tenant-undecided" in finding_codes(report)


# --- missing data that does and does not matter -----------------------------------------------------------


def test_missing_registration_dates_that_cannot_matter_6_4_new_passes():
    # clauses.md: 40 qualifying tenants, 12 newly registered, two rows with no registration date.
    tenants = roster(40, new=12)
    tenants[38] = tenant(40, registered_on=None)
    tenants[39] = tenant(41, registered_on=None)
    c = clause(judge(submission(profile(), tenants)), "6.4.new")
    assert c.status is Status.PASS
    assert c.needs == []


def test_missing_registration_dates_that_straddle_20_percent_are_missing():
    # 7/40 = 17.5 % if neither undated row is new, 9/40 = 22.5 % if both are: the blanks decide it.
    tenants = passing_roster(40, new=7)
    tenants[38] = tenant(40, registered_on=None)
    tenants[39] = tenant(41, registered_on=None)
    report = judge(submission(profile(), tenants))
    c = clause(report, "6.4.new")
    assert c.status is Status.MISSING
    assert c.value_range == ["0.175", "0.225"]
    assert c.needs == [tenant_cell("registered_on", 40), tenant_cell("registered_on", 41)]
    assert tenant_cell("registered_on", 40) in c.message
    assert report.verdict is Verdict.INCOMPLETE


def test_missing_registration_dates_that_cannot_reach_20_percent_fail():
    tenants = roster(40, new=5)
    tenants[38] = tenant(40, registered_on=None)
    tenants[39] = tenant(41, registered_on=None)
    c = clause(judge(submission(profile(), tenants)), "6.4.new")
    assert c.status is Status.FAIL
    assert c.value_range == ["0.125", "0.175"]


def test_blank_headcount_of_a_small_industrial_tenant_still_qualifies():
    # 工业 with revenue below 300 万元 is micro whatever its headcount.
    report = one(industry="工业", employees=None, revenue_y1="250", revenue_y2="200")
    assert report.tenants.qualifying == 1
    assert report.tenants.qualifying_max is None
    assert report.tenants.excluded == []
    assert "tenant-undecided" not in finding_codes(report)


def test_blank_headcount_of_a_software_tenant_under_1000_revenue_still_qualifies():
    # 软件和信息技术服务业: medium needs 100 people AND 1000 万元; at 777.9 it is small or micro.
    report = one(industry="软件和信息技术服务业", employees=None, revenue_y1="777.9")
    assert report.tenants.qualifying == 1


def test_blank_headcount_in_other_industries_is_undecided():
    report = one(employees=None)  # 其他未列明行业 classifies on headcount alone
    assert report.tenants.qualifying == 0 and report.tenants.qualifying_max == 1
    ex = excluded(report)[2]
    assert ex.undecided is True
    assert tenant_cell("employees", 2) in ex.reasons[0]
    codes = finding_codes(report)
    assert "tenant-undecided" in codes
    finding = next(f for f in report.findings if f["code"] == "tenant-undecided")
    assert finding["row"] == 2


def test_undecided_tenant_makes_6_4_count_missing_only_when_it_can_take_n_below_30():
    # 30 certain + 1 undecided: N is 30 or 31, either passes.
    report = judge(submission(profile(), passing_roster(30) + [tenant(40, employees=None)]))
    assert clause(report, "6.4.count").status is Status.PASS
    assert report.tenants.qualifying == 30 and report.tenants.qualifying_max == 31
    # 29 certain + 1 undecided: N is 29 or 30, the blank decides it.
    report = judge(submission(profile(), passing_roster(29) + [tenant(40, employees=None)]))
    c = clause(report, "6.4.count")
    assert c.status is Status.MISSING
    assert c.value_range == ["29", "30"]
    assert tenant_cell("employees", 40) in c.needs
    # 28 certain + 1 undecided: at most 29, fails whatever the blank.
    report = judge(submission(profile(), passing_roster(28) + [tenant(40, employees=None)]))
    c = clause(report, "6.4.count")
    assert c.status is Status.FAIL
    assert c.shortfall == "1"


def test_undecided_tenant_is_in_the_worst_case_denominator_of_a_share():
    # 6 new of 30 certain tenants, plus one undecided old tenant: 6/31 < 20 % if it qualifies.
    tenants = roster(30, new=6) + [tenant(40, employees=None)]
    c = clause(judge(submission(profile(), tenants)), "6.4.new")
    assert c.status is Status.MISSING
    assert c.value_range == ["6/31", "0.2"]
    assert tenant_cell("employees", 40) in c.needs


def test_undecided_finding_is_bilingual():
    report = one(employees=None)
    finding = next(f for f in report.findings if f["code"] == "tenant-undecided")
    assert "cannot be classified" in finding["message_en"]
    assert "无法判定" in finding["message_zh"]
    assert "无法判定是否为小型或微型企业" not in finding["message_en"]


def test_6_5_any_combination_is_missing_when_no_branch_passes_and_one_is_undecided():
    # equity 2/30 fails whatever; financing 5/30 … 7/32 depends on two undecided (but financed) rows.
    tenants = passing_roster(30, equity=2, financing=5) + [
        tenant(50, employees=None, financing_received=True), tenant(51, employees=None, financing_received=True)]
    c = clause(judge(submission(profile(), tenants)), "6.5")
    assert c.status is Status.MISSING
    assert [k.status for k in c.conditions] == [Status.FAIL, Status.MISSING]
    assert c.conditions[1].value_range == ["1/6", "0.21875"]
    assert c.needs == [tenant_cell("employees", 50), tenant_cell("employees", 51)]


def test_missing_names_only_the_cells_that_decide_it():
    tenants = passing_roster(40, new=7)
    tenants[38] = tenant(40, registered_on=None, total_assets=None, revenue_y1=None)
    tenants[39] = tenant(41, registered_on=None)
    c = clause(judge(submission(profile(), tenants)), "6.4.new")
    assert c.status is Status.MISSING
    assert c.needs == [tenant_cell("registered_on", 40), tenant_cell("registered_on", 41)]


def test_8_small_and_micro_bounds_are_not_relaxed_in_a_remote_area():
    # 100 people in 其他未列明行业 is medium; Article 10 lowers thresholds, not the SME classification.
    report = one(remote=True, employees=100)
    assert report.tenants.qualifying == 0
    assert report.tenants.excluded[0].reasons == ["不是小型或微型企业（中型）"]


def test_undecided_tenant_against_the_relaxed_count():
    # remote: 25 certain + 1 undecided: 25 fails 25.5, 26 passes — the blank decides it.
    prof = profile(**REMOTE)
    c = clause(judge(submission(prof, passing_roster(25) + [tenant(40, employees=None)])), "6.4.count")
    assert c.status is Status.MISSING and c.value_range == ["25", "26"]
    c = clause(judge(submission(prof, passing_roster(26) + [tenant(40, employees=None)])), "6.4.count")
    assert c.status is Status.PASS


@pytest.mark.parametrize("fixture", ["standard-pass.xlsx", "standard-incomplete.xlsx", "excellence-pass.xlsx",
                                     "messy-valid.xlsx", "standard-fail-tenants.xlsx"])
def test_a_roster_sent_to_zen_in_slices_is_judged_as_in_one_call(fixture, monkeypatch):
    """The tenant call goes over a large roster in slices (memory); slicing changes no answer and no order."""
    from incubator_check import check
    from incubator_check.judge import tenants

    path = os.path.join(os.path.dirname(__file__), "..", "fixtures", fixture)
    whole = check(path).as_json()
    monkeypatch.setattr(tenants, "ROWS_PER_CALL", 7)  # the fixtures' 20–100 rows become 3–15 calls
    assert check(path).as_json() == whole
