"""Article 6 (标准级) clause by clause, with Articles 10 and 20: the law's thresholds at their edges.

Every threshold is tested exactly at the threshold (passes: 不低于/不少于/至少/以上 include the
figure) and just below it (fails), for the normal threshold and for the relaxed one of Article 10
(threshold × 0.85 for an applicant in a 艰苦边远地区). Figures are compared exactly, never in binary
floating point, and reported as exact decimals or fractions.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from decimal import Decimal

import pytest
from pydantic import ValidationError

sys.path.insert(0, os.path.dirname(__file__))

from lawbook import (  # noqa: E402
    DATA_YEAR,
    cell,
    clause,
    judge,
    passing_roster,
    profile,
    roster,
    submission,
    tenant,
)
from incubator_check.report import Status, Verdict  # noqa: E402

REMOTE = {"remote_area": True, "remote_area_category": "三类"}
RELAXABLE = ["6.2", "6.3.staff", "6.3.mentors", "6.4.count", "6.4.new", "6.4.sme", "6.5", "6.6", "6.7", "6.8"]
NOT_RELAXABLE = ["6.1", "6.1.capacity", "6.3.leader", "6.9", "6.10", "20"]


def check_clause(clause_id: str, tenants=None, *, remote: bool = False, **profile_overrides):
    prof = profile(**({**REMOTE, **profile_overrides} if remote else profile_overrides))
    return clause(judge(submission(prof, tenants)), clause_id)


def assert_clause(c, status, value=None, threshold=None, effective=None, shortfall=None, relaxed=None):
    assert c.status is status, (c.id, c.status, c.message)
    if value is not None:
        assert c.value == value, (c.id, c.value)
    if threshold is not None:
        assert c.threshold == threshold, (c.id, c.threshold)
    if effective is not None:
        assert c.effective_threshold == effective, (c.id, c.effective_threshold)
    if status is Status.FAIL:
        assert c.shortfall == shortfall, (c.id, c.shortfall)
    else:
        assert c.shortfall is None
    if relaxed is not None:
        assert c.relaxed is relaxed


# --- 6.1 独立法人资格 -----------------------------------------------------------------------------------


def test_6_1_independent_legal_person_passes():
    assert_clause(check_clause("6.1", independent_legal_person=True), Status.PASS, "true", "true", "true")


def test_6_1_not_independent_legal_person_fails():
    c = check_clause("6.1", independent_legal_person=False)
    assert_clause(c, Status.FAIL, "false", "true", "true", shortfall=None)
    assert "独立法人资格" in c.message


def test_6_1_blank_is_missing_and_names_the_cell():
    c = check_clause("6.1", independent_legal_person=None)
    assert c.status is Status.MISSING
    assert any(cell("independent_legal_person") in n for n in c.needs)


def test_6_1_is_not_relaxed_in_a_remote_area():
    c = check_clause("6.1", remote=True, independent_legal_person=False)
    assert_clause(c, Status.FAIL, "false", "true", "true", relaxed=False)


def test_6_1_capacity_and_6_3_leader_are_always_review():
    report = judge(submission())
    assert clause(report, "6.1.capacity").status is Status.REVIEW
    assert clause(report, "6.3.leader").status is Status.REVIEW


# --- 6.2 孵化场地面积 ≥ 5000 m² (relaxed 4250) ------------------------------------------------------------


def test_6_2_site_exactly_5000_passes():
    assert_clause(check_clause("6.2", site_area_m2="5000"), Status.PASS, "5000", "5000", "5000", relaxed=False)


def test_6_2_site_just_below_5000_fails():
    assert_clause(check_clause("6.2", site_area_m2="4999.99"), Status.FAIL, "4999.99", "5000", "5000", "0.01")


def test_6_2_site_4612_fails_with_shortfall_388():
    c = check_clause("6.2", site_area_m2="4612")
    assert_clause(c, Status.FAIL, "4612", "5000", "5000", "388")
    assert c.evidence == [cell("site_area_m2")]
    assert "388" in c.message


def test_6_2_relaxed_site_exactly_4250_passes():
    c = check_clause("6.2", remote=True, site_area_m2="4250")
    assert_clause(c, Status.PASS, "4250", "5000", "4250", relaxed=True)


def test_6_2_relaxed_site_just_below_4250_fails():
    c = check_clause("6.2", remote=True, site_area_m2="4249.99")
    assert_clause(c, Status.FAIL, "4249.99", "5000", "4250", "0.01", relaxed=True)


def test_6_2_4250_fails_without_relaxation():
    assert_clause(check_clause("6.2", site_area_m2="4250"), Status.FAIL, "4250", "5000", "5000", "750")


def test_6_2_blank_site_is_missing():
    c = check_clause("6.2", site_area_m2=None)
    assert c.status is Status.MISSING
    assert any(cell("site_area_m2") in n for n in c.needs)


# --- 6.3 专职孵化服务人员占比 ≥ 80% (relaxed 68%) --------------------------------------------------------


def test_6_3_staff_exactly_80_percent_passes():
    c = check_clause("6.3.staff", total_staff=20, fulltime_service_staff=16)
    assert_clause(c, Status.PASS, "0.8", "0.8", "0.8")


def test_6_3_staff_just_below_80_percent_fails():
    # 39/49 = 79.6 %; one more full-time person (40/50) reaches 80 %.
    c = check_clause("6.3.staff", total_staff=49, fulltime_service_staff=39)
    assert_clause(c, Status.FAIL, "39/49", "0.8", "0.8", "1")


def test_6_3_staff_15_of_20_needs_5_more_fulltime():
    # add mode: (15 + x) / (20 + x) >= 0.8 -> x = 5 (20/25).
    assert_clause(check_clause("6.3.staff", total_staff=20, fulltime_service_staff=15), Status.FAIL, "0.75",
                  shortfall="5")


def test_6_3_staff_17_of_25_is_68_percent_passes_relaxed():
    c = check_clause("6.3.staff", remote=True, total_staff=25, fulltime_service_staff=17)
    assert_clause(c, Status.PASS, "0.68", "0.8", "0.68", relaxed=True)


def test_6_3_staff_17_of_25_fails_normal():
    # (17 + x) / (25 + x) >= 0.8 -> x = 15 (32/40).
    c = check_clause("6.3.staff", total_staff=25, fulltime_service_staff=17)
    assert_clause(c, Status.FAIL, "0.68", "0.8", "0.8", "15", relaxed=False)


def test_6_3_staff_just_below_68_percent_fails_relaxed():
    # 16/25 = 64 %; (16 + x) / (25 + x) >= 0.68 -> x = 4 (20/29 = 68.97 %; 19/28 = 67.9 % is not enough).
    c = check_clause("6.3.staff", remote=True, total_staff=25, fulltime_service_staff=16)
    assert_clause(c, Status.FAIL, "0.64", "0.8", "0.68", "4", relaxed=True)


def test_6_3_staff_zero_total_staff_fails():
    c = check_clause("6.3.staff", total_staff=0, fulltime_service_staff=0)
    assert c.status is Status.FAIL


def test_6_3_staff_blank_is_missing():
    c = check_clause("6.3.staff", fulltime_service_staff=None)
    assert c.status is Status.MISSING
    assert any(cell("fulltime_service_staff") in n for n in c.needs)


# --- 6.3 每 10 家在孵企业至少 1 名创业导师 (relaxed 0.085) ---------------------------------------------------


def test_6_3_mentors_exactly_one_per_10_tenants_passes():
    assert_clause(check_clause("6.3.mentors", passing_roster(30), mentors=3), Status.PASS, "0.1", "0.1", "0.1")


def test_6_3_mentors_31_tenants_need_4_mentors():
    c = check_clause("6.3.mentors", passing_roster(31), mentors=3)
    assert_clause(c, Status.FAIL, "3/31", "0.1", "0.1", "1")
    assert check_clause("6.3.mentors", passing_roster(31), mentors=4).status is Status.PASS


def test_6_3_mentors_relaxed_exactly_0_085_passes():
    c = check_clause("6.3.mentors", passing_roster(200), remote=True, mentors=17)
    assert_clause(c, Status.PASS, "0.085", "0.1", "0.085", relaxed=True)


def test_6_3_mentors_relaxed_just_below_0_085_fails():
    c = check_clause("6.3.mentors", passing_roster(200), remote=True, mentors=16)
    assert_clause(c, Status.FAIL, "0.08", "0.1", "0.085", "1", relaxed=True)


def test_6_3_mentors_31_tenants_3_mentors_pass_relaxed():
    assert check_clause("6.3.mentors", passing_roster(31), remote=True, mentors=3).status is Status.PASS


# --- 6.4 在孵企业不少于 30 家 (relaxed 25.5, so 26) ----------------------------------------------------------


def test_6_4_count_exactly_30_passes():
    assert_clause(check_clause("6.4.count", passing_roster(30)), Status.PASS, "30", "30", "30")


def test_6_4_count_29_fails_short_1():
    assert_clause(check_clause("6.4.count", passing_roster(29)), Status.FAIL, "29", "30", "30", "1")


def test_6_4_count_27_fails_short_3():
    assert_clause(check_clause("6.4.count", passing_roster(27)), Status.FAIL, "27", "30", "30", "3")


def test_6_4_count_26_passes_relaxed():
    assert_clause(check_clause("6.4.count", passing_roster(26), remote=True), Status.PASS, "26", "30", "25.5",
                  relaxed=True)


def test_6_4_count_25_fails_relaxed_short_1():
    assert_clause(check_clause("6.4.count", passing_roster(25), remote=True), Status.FAIL, "25", "30", "25.5", "1",
                  relaxed=True)


def test_6_4_count_26_fails_normal():
    assert_clause(check_clause("6.4.count", passing_roster(26)), Status.FAIL, "26", "30", "30", "4")


def test_6_4_count_counts_only_qualifying_tenants():
    tenants = passing_roster(29) + [tenant(31, registered_in_incubator=False)]
    c = check_clause("6.4.count", tenants)
    assert_clause(c, Status.FAIL, "29", shortfall="1")


# --- 6.4 上年度新增注册企业数占比不低于 20% (relaxed 17%) ---------------------------------------------------


def test_6_4_new_exactly_20_percent_passes():
    assert_clause(check_clause("6.4.new", roster(30, new=6)), Status.PASS, "0.2", "0.2", "0.2")


def test_6_4_new_just_below_20_percent_fails():
    # 5/30: (5 + x) / (30 + x) >= 0.2 -> x = 1.25 -> 2 new tenants.
    assert_clause(check_clause("6.4.new", roster(30, new=5)), Status.FAIL, "1/6", "0.2", "0.2", "2")


def test_6_4_new_4_of_27_fails_with_add_mode_shortfall_2():
    # 20 % of 27 is 5.4; adding new tenants also grows N: 6/29 = 20.7 % passes, 5/28 = 17.9 % does not.
    assert_clause(check_clause("6.4.new", roster(27, new=4)), Status.FAIL, "4/27", "0.2", "0.2", "2")


def test_6_4_new_exactly_17_percent_passes_relaxed():
    assert_clause(check_clause("6.4.new", roster(100, new=17), remote=True), Status.PASS, "0.17", "0.2", "0.17",
                  relaxed=True)


def test_6_4_new_just_below_17_percent_fails_relaxed():
    # (16 + x) / (100 + x) >= 0.17 -> x = 1.2 -> 2.
    assert_clause(check_clause("6.4.new", roster(100, new=16), remote=True), Status.FAIL, "0.16", "0.2", "0.17", "2",
                  relaxed=True)


def test_6_4_new_5_of_26_passes_relaxed_fails_normal():
    assert check_clause("6.4.new", roster(26, new=5), remote=True).status is Status.PASS
    assert check_clause("6.4.new", roster(26, new=5)).status is Status.FAIL


def test_6_4_new_counts_registration_in_the_data_year_only():
    tenants = roster(10, new=0)
    tenants[0] = tenant(2, registered_on=dt.date(DATA_YEAR, 1, 1))
    tenants[1] = tenant(3, registered_on=dt.date(DATA_YEAR, 12, 31))
    tenants[2] = tenant(4, registered_on=dt.date(DATA_YEAR + 1, 1, 2))  # the application year: not 上年度
    tenants[3] = tenant(5, registered_on=dt.date(DATA_YEAR - 1, 12, 31))
    c = check_clause("6.4.new", tenants)
    assert c.value == "0.2"
    assert c.rows == [2, 3]


# --- 6.4 科技型中小企业、创新型中小企业占比不低于 30% (relaxed 25.5%) ----------------------------------------


def test_6_4_sme_exactly_30_percent_passes():
    assert_clause(check_clause("6.4.sme", roster(30, sme=9)), Status.PASS, "0.3", "0.3", "0.3")


def test_6_4_sme_just_below_30_percent_fails():
    assert_clause(check_clause("6.4.sme", roster(30, sme=8)), Status.FAIL, "4/15", "0.3", "0.3", "1")


def test_6_4_sme_exactly_25_5_percent_passes_relaxed():
    assert_clause(check_clause("6.4.sme", roster(200, sme=51), remote=True), Status.PASS, "0.255", "0.3", "0.255",
                  relaxed=True)


def test_6_4_sme_just_below_25_5_percent_fails_relaxed():
    assert_clause(check_clause("6.4.sme", roster(200, sme=50), remote=True), Status.FAIL, "0.25", "0.3", "0.255",
                  "1", relaxed=True)


def test_6_4_sme_tech_or_innovative_either_counts():
    tenants = roster(10)
    tenants[0] = tenant(2, tech_sme=True)
    tenants[1] = tenant(3, innovative_sme=True)
    tenants[2] = tenant(4, tech_sme=True, innovative_sme=True)
    c = check_clause("6.4.sme", tenants)
    assert c.value == "0.3" and c.rows == [2, 3, 4]


# --- 6.5 股权投资 ≥ 10% 或 投融资 ≥ 20% (relaxed 8.5% / 17%) -------------------------------------------------


def test_6_5_equity_exactly_10_percent_passes_alone():
    c = check_clause("6.5", roster(30, equity=3))
    assert_clause(c, Status.PASS, "0.1", "0.1", "0.1")
    assert [k.status for k in c.conditions] == [Status.PASS, Status.FAIL]


def test_6_5_financing_exactly_20_percent_passes_alone():
    c = check_clause("6.5", roster(30, financing=6))
    assert_clause(c, Status.PASS, "0.2", "0.2", "0.2")
    assert [k.status for k in c.conditions] == [Status.FAIL, Status.PASS]


def test_6_5_both_just_below_fails():
    # equity 2/30 needs 3 (1 more); financing 5/30 needs 6 (1 more): the smaller shortfall is shown.
    c = check_clause("6.5", roster(30, equity=2, financing=5))
    assert_clause(c, Status.FAIL, "1/15", "0.1", "0.1", "1")
    assert [k.shortfall for k in c.conditions] == ["1", "1"]


def test_6_5_shortfall_is_the_cheaper_branch():
    # equity 0/40 needs 4; financing 7/40 needs 8: one more financed tenant is the cheaper way.
    c = check_clause("6.5", roster(40, equity=0, financing=7))
    assert c.status is Status.FAIL
    assert [k.shortfall for k in c.conditions] == ["4", "1"]
    assert c.shortfall == "1"


def test_6_5_equity_exactly_8_5_percent_passes_relaxed():
    c = check_clause("6.5", roster(200, equity=17), remote=True)
    assert_clause(c, Status.PASS, "0.085", "0.1", "0.085", relaxed=True)


def test_6_5_equity_just_below_8_5_percent_fails_relaxed():
    c = check_clause("6.5", roster(200, equity=16), remote=True)
    assert_clause(c, Status.FAIL, "0.08", "0.1", "0.085", "1", relaxed=True)
    assert c.conditions[1].effective_threshold == "0.17"


def test_6_5_financing_exactly_17_percent_passes_relaxed():
    c = check_clause("6.5", roster(100, financing=17), remote=True)
    assert_clause(c, Status.PASS, "0.17", "0.2", "0.17", relaxed=True)


def test_6_5_financing_just_below_17_percent_fails_relaxed():
    c = check_clause("6.5", roster(100, financing=16), remote=True)
    assert c.status is Status.FAIL
    assert c.conditions[1].value == "0.16"
    assert c.conditions[1].effective_threshold == "0.17"
    assert c.conditions[1].shortfall == "1"


# --- 6.6 不少于 30% 的在孵企业营业收入或研发经费投入同比增长超过 20% (relaxed 25.5%) ---------------------------


def test_6_6_exactly_30_percent_growing_passes():
    assert_clause(check_clause("6.6", roster(30, growth=9)), Status.PASS, "0.3", "0.3", "0.3")


def test_6_6_just_below_30_percent_growing_fails():
    assert_clause(check_clause("6.6", roster(30, growth=8)), Status.FAIL, "4/15", "0.3", "0.3", "1")


def test_6_6_exactly_25_5_percent_passes_relaxed():
    assert_clause(check_clause("6.6", roster(200, growth=51), remote=True), Status.PASS, "0.255", "0.3", "0.255",
                  relaxed=True)


def test_6_6_just_below_25_5_percent_fails_relaxed():
    assert_clause(check_clause("6.6", roster(200, growth=50), remote=True), Status.FAIL, "0.25", "0.3", "0.255", "1",
                  relaxed=True)


# --- 6.7 除房租及物业之外的收入占比 ≥ 30% (relaxed 25.5%) 且单独核算 -------------------------------------------


def test_6_7_exactly_30_percent_non_rent_passes():
    c = check_clause("6.7", total_revenue="1000", rent_property_revenue="700")
    assert_clause(c, Status.PASS, "0.3", "0.3", "0.3")
    assert c.conditions[0].numerator == "300" and c.conditions[0].denominator == "1000"


def test_6_7_just_below_30_percent_non_rent_fails():
    # (299.99 + x) / (1000 + x) >= 0.3 -> x = 0.0142857… -> rounded up to the yuan: 0.0143 万元.
    c = check_clause("6.7", total_revenue="1000", rent_property_revenue="700.01")
    assert_clause(c, Status.FAIL, "0.29999", "0.3", "0.3", "0.0143")
    assert [k.status for k in c.conditions] == [Status.FAIL, Status.PASS]


def test_6_7_exactly_30_percent_is_exact_not_binary_float():
    # In binary floating point (3.3 − 2.31) / 3.3 = 0.29999999999999993 < 0.3.
    assert (3.3 - 2.31) / 3.3 < 0.3
    c = check_clause("6.7", total_revenue="3.3", rent_property_revenue="2.31")
    assert_clause(c, Status.PASS, "0.3")


def test_6_7_exactly_25_5_percent_passes_relaxed():
    c = check_clause("6.7", remote=True, total_revenue="1000", rent_property_revenue="745")
    assert_clause(c, Status.PASS, "0.255", "0.3", "0.255", relaxed=True)


def test_6_7_just_below_25_5_percent_fails_relaxed():
    # (254.99 + x) / (1000 + x) >= 0.255 -> x = 0.01 / 0.745 = 0.01342… -> 0.0135 万元.
    c = check_clause("6.7", remote=True, total_revenue="1000", rent_property_revenue="745.01")
    assert_clause(c, Status.FAIL, "0.25499", "0.3", "0.255", "0.0135", relaxed=True)


def test_6_7_not_accounted_separately_fails_even_with_the_share_met():
    c = check_clause("6.7", total_revenue="1000", rent_property_revenue="100",
                     service_revenue_accounted_separately=False)
    assert c.status is Status.FAIL
    assert [k.status for k in c.conditions] == [Status.PASS, Status.FAIL]
    assert c.conditions[1].value == "false" and c.conditions[1].threshold == "true"
    assert "单独核算" in c.message


def test_6_7_accounted_separately_is_not_relaxed():
    c = check_clause("6.7", remote=True, service_revenue_accounted_separately=False)
    assert c.status is Status.FAIL
    assert c.conditions[1].effective_threshold == "true"


def test_6_7_zero_total_revenue_fails():
    assert check_clause("6.7", total_revenue="0", rent_property_revenue="0").status is Status.FAIL


def test_6_7_blank_rent_is_missing():
    c = check_clause("6.7", rent_property_revenue=None)
    assert c.status is Status.MISSING
    assert any(cell("rent_property_revenue") in n for n in c.needs)


# --- 6.8 至少 10% 的在孵企业成为毕业企业 (relaxed 8.5%) --------------------------------------------------------


def test_6_8_exactly_10_percent_graduates_passes():
    assert_clause(check_clause("6.8", roster(30, graduates=3)), Status.PASS, "0.1", "0.1", "0.1")


def test_6_8_just_below_10_percent_graduates_fails():
    assert_clause(check_clause("6.8", roster(30, graduates=2)), Status.FAIL, "1/15", "0.1", "0.1", "1")


def test_6_8_2_of_27_needs_1_more():
    assert_clause(check_clause("6.8", roster(27, graduates=2)), Status.FAIL, "2/27", shortfall="1")


def test_6_8_exactly_8_5_percent_passes_relaxed():
    assert_clause(check_clause("6.8", roster(200, graduates=17), remote=True), Status.PASS, "0.085", "0.1", "0.085",
                  relaxed=True)


def test_6_8_just_below_8_5_percent_fails_relaxed():
    assert_clause(check_clause("6.8", roster(200, graduates=16), remote=True), Status.FAIL, "0.08", "0.1", "0.085",
                  "1", relaxed=True)


# --- 6.9 至少报送 1 年统计数据 (not relaxed) ---------------------------------------------------------------


def test_6_9_one_year_of_statistics_passes():
    assert_clause(check_clause("6.9", statistics_years_reported=1), Status.PASS, "1", "1", "1")


def test_6_9_no_statistics_fails():
    assert_clause(check_clause("6.9", statistics_years_reported=0), Status.FAIL, "0", "1", "1", "1")


def test_6_9_is_not_relaxed():
    c = check_clause("6.9", remote=True, statistics_years_reported=0)
    assert_clause(c, Status.FAIL, "0", "1", "1", "1", relaxed=False)


# --- 6.10 3 年内无重大事故、非严重失信、无重大违法 (each flag) ---------------------------------------------------


FLAGS_6_10 = {
    "major_accident_3y": "重大环保、质量和安全事故",
    "serious_dishonesty": "严重失信主体",
    "major_violation": "重大违法",
}


def test_6_10_all_no_passes():
    c = check_clause("6.10")
    assert_clause(c, Status.PASS, "false", "false", "false")
    assert [k.status for k in c.conditions] == [Status.PASS] * 3


@pytest.mark.parametrize("flag", list(FLAGS_6_10))
def test_6_10_each_flag_alone_fails(flag):
    c = check_clause("6.10", **{flag: True})
    assert c.status is Status.FAIL
    failing = [i for i, k in enumerate(c.conditions) if k.status is Status.FAIL]
    assert failing == [list(FLAGS_6_10).index(flag)]
    assert FLAGS_6_10[flag] in c.message


@pytest.mark.parametrize("flag", list(FLAGS_6_10))
def test_6_10_each_flag_fails_in_a_remote_area_too(flag):
    c = check_clause("6.10", remote=True, **{flag: True})
    assert c.status is Status.FAIL and c.relaxed is False


@pytest.mark.parametrize("flag", list(FLAGS_6_10))
def test_6_10_each_flag_blank_is_missing(flag):
    c = check_clause("6.10", **{flag: None})
    assert c.status is Status.MISSING
    assert any(cell(flag) in n for n in c.needs)


# --- Article 10: relaxation ------------------------------------------------------------------------------


def test_10_relaxed_clauses_say_so_and_show_both_thresholds():
    report = judge(submission(profile(**REMOTE)))
    assert report.relaxation["applied"] is True and report.relaxation["factor"] == "0.85"
    assert report.relaxation["basis"] == "第十条"
    for cid in RELAXABLE:
        c = clause(report, cid)
        assert c.relaxed is True, cid
        assert c.threshold != c.effective_threshold, cid
        assert "第十条" in c.message, cid
    for cid in NOT_RELAXABLE:
        assert clause(report, cid).relaxed is False, cid


def test_10_relaxed_thresholds_are_the_thresholds_times_0_85():
    report = judge(submission(profile(**REMOTE)))
    expected = {"6.2": ("5000", "4250"), "6.3.staff": ("0.8", "0.68"), "6.3.mentors": ("0.1", "0.085"),
                "6.4.count": ("30", "25.5"), "6.4.new": ("0.2", "0.17"), "6.4.sme": ("0.3", "0.255"),
                "6.5": ("0.1", "0.085"), "6.6": ("0.3", "0.255"), "6.7": ("0.3", "0.255"), "6.8": ("0.1", "0.085")}
    for cid, (normal, relaxed) in expected.items():
        c = clause(report, cid)
        assert (c.threshold, c.effective_threshold) == (normal, relaxed), cid


def test_10_remote_review_item_appears_when_relaxation_applies():
    report = judge(submission(profile(**REMOTE)))
    item = clause(report, "10.remote")
    assert item.status is Status.REVIEW
    assert item.article == "第十条"
    assert "三类" in item.message
    assert cell("remote_area") in item.evidence


@pytest.mark.parametrize("remote", [False, None])
def test_10_remote_review_item_absent_without_relaxation(remote):
    report = judge(submission(profile(remote_area=remote)))
    assert "10.remote" not in [c.id for c in report.clauses]
    assert report.relaxation["applied"] is False
    assert not any(c.relaxed for c in report.clauses)


def test_10_no_relaxation_in_the_report_when_not_remote():
    report = judge(submission())
    for cid in RELAXABLE:
        c = clause(report, cid)
        assert c.threshold == c.effective_threshold and c.relaxed is False


def test_10_unknown_remote_status_is_missing_only_where_it_matters():
    # 4300 m² passes relaxed and fails normal: whether the site is enough depends on the blank remote status.
    report = judge(submission(profile(remote_area=None, site_area_m2="4300")))
    c = clause(report, "6.2")
    assert c.status is Status.MISSING
    assert any(cell("remote_area") in n for n in c.needs)
    # 6000 m² passes either way.
    assert clause(judge(submission(profile(remote_area=None))), "6.2").status is Status.PASS


def test_10_a_remote_pass_fails_every_relaxed_clause_unrelaxed():
    """The remote-pass fixture's figures: passes relaxed, fails 8 clauses unrelaxed (fixtures/README.md)."""
    tenants = roster(26, new=5, sme=7, equity=2, financing=5, growth=7, graduates=3)
    figures = dict(site_area_m2="4300", total_staff=25, fulltime_service_staff=17, mentors=3,
                   total_revenue="500", rent_property_revenue="370")
    relaxed = judge(submission(profile(**REMOTE, **figures), tenants))
    normal = judge(submission(profile(**figures), tenants))
    assert relaxed.verdict is Verdict.PASS
    assert normal.verdict is Verdict.FAIL
    assert sorted(c.id for c in normal.failed()) == sorted(
        ["6.2", "6.3.staff", "6.4.count", "6.4.new", "6.4.sme", "6.5", "6.6", "6.7"])


# --- exact arithmetic and how figures are written -----------------------------------------------------------


def test_exact_6_of_30_is_20_percent_and_written_0_2():
    c = check_clause("6.4.new", roster(30, new=6))
    assert c.value == "0.2" and c.status is Status.PASS
    assert c.conditions[0].numerator == "6" and c.conditions[0].denominator == "30"


def test_exact_17_of_25_is_written_0_68():
    assert check_clause("6.3.staff", remote=True, total_staff=25, fulltime_service_staff=17).value == "0.68"


def test_exact_one_third_is_written_as_a_fraction():
    c = check_clause("6.4.new", roster(30, new=10))
    assert c.value == "1/3"
    assert "33.33%" in c.message


def test_exact_thresholds_are_written_as_decimals_not_floats():
    report = judge(submission(profile(**REMOTE)))
    for c in report.clauses:
        for text in (c.value, c.threshold, c.effective_threshold):
            if text is not None:
                assert "e" not in text.lower() or text in ("true", "false"), (c.id, text)
                assert "000000" not in text, (c.id, text)


# --- Article 20: bans after a revocation -------------------------------------------------------------------

TWO_YEARS = ["绩效评价", "复核不通过", "自行申请"]
THREE_YEARS = ["违法违规", "重大事故"]


def ban(reason, revoked_on, application_date, **extra):
    prof = profile(revoked_on=revoked_on, revocation_reason=reason, application_date=application_date, **extra)
    return judge(submission(prof))


@pytest.mark.parametrize("reason,years", [(r, 2) for r in TWO_YEARS] + [(r, 3) for r in THREE_YEARS])
def test_20_ban_in_force_the_day_before_the_anniversary(reason, years):
    revoked = dt.date(2024 - (years - 2), 4, 15)
    c = clause(ban(reason, revoked, dt.date(2026, 4, 14)), "20")
    assert c.status is Status.FAIL
    assert c.threshold == "2026-04-15"
    assert c.shortfall == "2026-04-16"  # the earliest day an application is allowed


@pytest.mark.parametrize("reason,years", [(r, 2) for r in TWO_YEARS] + [(r, 3) for r in THREE_YEARS])
def test_20_ban_in_force_on_the_anniversary_inclusive(reason, years):
    # 以内 includes the figure (Civil Code Art. 1259): the N-th anniversary is still inside the ban.
    revoked = dt.date(2024 - (years - 2), 4, 15)
    c = clause(ban(reason, revoked, dt.date(2026, 4, 15)), "20")
    assert c.status is Status.FAIL
    assert str(years) in c.message


@pytest.mark.parametrize("reason,years", [(r, 2) for r in TWO_YEARS] + [(r, 3) for r in THREE_YEARS])
def test_20_ban_expired_the_day_after_the_anniversary(reason, years):
    revoked = dt.date(2024 - (years - 2), 4, 15)
    report = ban(reason, revoked, dt.date(2026, 4, 16))
    c = clause(report, "20")
    assert c.status is Status.PASS
    assert c.shortfall is None
    assert report.verdict is Verdict.PASS


@pytest.mark.parametrize("reason", THREE_YEARS)
def test_20_three_year_reasons_still_banned_after_two_years(reason):
    assert clause(ban(reason, dt.date(2024, 4, 15), dt.date(2026, 4, 16)), "20").status is Status.FAIL


def test_20_ban_from_29_february_ends_on_28_february():
    assert clause(ban("绩效评价", dt.date(2024, 2, 29), dt.date(2026, 2, 28)), "20").status is Status.FAIL
    assert clause(ban("绩效评价", dt.date(2024, 2, 29), dt.date(2026, 3, 1)), "20").status is Status.PASS


def test_20_never_revoked_passes():
    c = clause(judge(submission()), "20")
    assert c.status is Status.PASS


def test_20_missing_reason_between_2_and_3_years_is_missing():
    c = clause(ban(None, dt.date(2023, 10, 1), dt.date(2026, 4, 15)), "20")
    assert c.status is Status.MISSING
    assert c.needs == [cell("revocation_reason")]


def test_20_missing_reason_within_2_years_fails():
    c = clause(ban(None, dt.date(2025, 3, 1), dt.date(2026, 4, 15)), "20")
    assert c.status is Status.FAIL


def test_20_missing_reason_after_3_years_passes():
    assert clause(ban(None, dt.date(2023, 1, 1), dt.date(2026, 4, 15)), "20").status is Status.PASS


def test_20_application_date_from_the_profile_wins_over_as_of():
    prof = profile(revoked_on=dt.date(2024, 4, 15), revocation_reason="绩效评价", application_date=dt.date(2026, 4, 16))
    report = judge(submission(prof), as_of=dt.date(2026, 4, 15))
    assert report.application_date == {"date": "2026-04-16", "source": "申报日期"}
    assert clause(report, "20").status is Status.PASS


def test_20_as_of_is_used_without_an_application_date():
    prof = profile(revoked_on=dt.date(2024, 4, 15), revocation_reason="绩效评价", application_date=None)
    inside = judge(submission(prof), as_of=dt.date(2026, 4, 15))
    after = judge(submission(prof), as_of=dt.date(2026, 4, 16))
    assert inside.application_date == {"date": "2026-04-15", "source": "--as-of"}
    assert clause(inside, "20").status is Status.FAIL
    assert clause(after, "20").status is Status.PASS
    assert "--as-of" in clause(after, "20").message


def test_20_date_of_the_check_without_either():
    report = judge(submission(profile(application_date=None)))
    assert report.application_date == {"date": dt.date.today().isoformat(), "source": "检查当日"}


def test_20_ban_message_in_english():
    report = judge(submission(profile(revoked_on=dt.date(2025, 3, 1), revocation_reason="违法违规")), lang="en")
    c = clause(report, "20")
    assert c.status is Status.FAIL
    assert "3 years" in c.message and "2028-03-01" in c.message


# --- transition note (解读第五问) ------------------------------------------------------------------------


def test_transition_note_for_a_former_national_incubator():
    report = judge(submission(profile(former_national_incubator=True)))
    notes = {n["id"]: n for n in report.notes}
    assert "transition" in notes
    assert "2027-12-31" in notes["transition"]["message"]


@pytest.mark.parametrize("former", [False, None])
def test_no_transition_note_otherwise(former):
    assert judge(submission(profile(former_national_incubator=former))).notes == []


# --- verdicts ---------------------------------------------------------------------------------------------


def test_verdict_pass_even_with_review_items():
    report = judge(submission())
    assert report.verdict is Verdict.PASS
    assert {c.status for c in report.clauses} == {Status.PASS, Status.REVIEW}


def test_verdict_pass_with_the_remote_review_item():
    report = judge(submission(profile(**REMOTE)))
    assert clause(report, "10.remote").status is Status.REVIEW
    assert report.verdict is Verdict.PASS


def test_verdict_fail_when_any_clause_fails():
    report = judge(submission(profile(site_area_m2="4999")))
    assert [c.id for c in report.failed()] == ["6.2"]
    assert report.verdict is Verdict.FAIL


def test_verdict_incomplete_when_a_clause_is_missing_and_none_fails():
    report = judge(submission(profile(site_area_m2=None)))
    assert [c.id for c in report.clauses if c.status is Status.MISSING] == ["6.2"]
    assert report.verdict is Verdict.INCOMPLETE


def test_verdict_fail_beats_missing():
    report = judge(submission(profile(site_area_m2=None, statistics_years_reported=0)))
    statuses = {c.id: c.status for c in report.clauses}
    assert statuses["6.2"] is Status.MISSING and statuses["6.9"] is Status.FAIL
    assert report.verdict is Verdict.FAIL


def test_report_header_fields():
    report = judge(submission())
    assert report.incubator["application_year"] == 2026 and report.incubator["data_year"] == 2025
    assert report.incubator["level"] == "标准级"
    assert report.ruleset["id"] == "miit-2025-standard"
    assert report.as_json()["schema"] == "incubator-check/report/v1"


def test_english_titles_and_messages():
    report = judge(submission(profile(site_area_m2="4612")), lang="en")
    c = clause(report, "6.2")
    assert c.title == "Incubation site area"
    assert "388" in c.message and "m²" in c.message
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in c.message)


# --- engine bugs these tests found, now fixed --------------------------------------------------------------


def test_6_4_new_without_application_year_is_missing():
    report = judge(submission(profile(application_year=None)))
    c = clause(report, "6.4.new")
    assert c.status is Status.MISSING
    assert any(cell("application_year") in n for n in c.needs)
    assert report.verdict is Verdict.INCOMPLETE


def test_20_reason_without_revocation_date_is_missing():
    c = clause(judge(submission(profile(revocation_reason="违法违规", revoked_on=None))), "20")
    assert c.status is Status.MISSING
    assert c.needs == [cell("revoked_on")]


def test_6_2_figures_beyond_spreadsheet_precision_are_refused_by_the_model():
    # A cell keeps 15 significant digits; within them every figure reaches zen exactly, so the model
    # refuses more rather than round it (the reader reports such text as a too-many-digits cell finding).
    with pytest.raises(ValidationError):
        profile(site_area_m2=Decimal("4999.99999999999999"))


def test_6_2_compared_exactly_at_fifteen_digits():
    c = check_clause("6.2", site_area_m2=Decimal("4999.99999999999"))
    assert c.status is Status.FAIL
    assert c.value == "4999.99999999999"


def test_6_7_failing_message_does_not_show_the_value_equal_to_the_threshold():
    c = check_clause("6.7", total_revenue="1000", rent_property_revenue="700.01")
    assert c.status is Status.FAIL
    assert "= 30%" not in c.message
