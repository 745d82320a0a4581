"""Article 6 (标准级) as a whole report, with Articles 10 and 20.

Each clause at its edges — at the threshold, just below it, relaxed and not — is a case beside the ruleset,
``rulesets/cases/miit-2025-standard.yaml`` (run by ``test_clause_cases.py``). What is left here is what a
case about one clause cannot say: Article 10 across every clause, the verdict over all clauses, the
report's header, notes and application date, English output, and the model refusing a figure.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from decimal import Decimal

import pytest
from pydantic import ValidationError

sys.path.insert(0, os.path.dirname(__file__))

from lawbook import clause, judge, profile, roster, submission  # noqa: E402
from incubator_check import Status, Verdict  # noqa: E402

REMOTE = {"remote_area": True, "remote_area_category": "三类"}
RELAXABLE = ["6.2", "6.3.staff", "6.3.mentors", "6.4.count", "6.4.new", "6.4.sme", "6.5", "6.6", "6.7", "6.8"]
NOT_RELAXABLE = ["6.1", "6.1.capacity", "6.3.leader", "6.9", "6.10", "20"]


# --- Article 10: relaxation, across the clauses --------------------------------------------------------------


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


@pytest.mark.parametrize("remote", [False, None])
def test_10_no_relaxation_in_the_report_when_not_remote(remote):
    report = judge(submission(profile(remote_area=remote)))
    assert report.relaxation["applied"] is False
    assert not any(c.relaxed for c in report.clauses)
    for cid in RELAXABLE:
        c = clause(report, cid)
        assert c.threshold == c.effective_threshold, cid


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


def test_exact_thresholds_are_written_as_decimals_not_floats():
    report = judge(submission(profile(**REMOTE)))
    for c in report.clauses:
        for text in (c.value, c.threshold, c.effective_threshold):
            if text is not None:
                assert "e" not in text.lower() or text in ("true", "false"), (c.id, text)
                assert "000000" not in text, (c.id, text)


def test_6_2_figures_beyond_spreadsheet_precision_are_refused_by_the_model():
    # A cell keeps 15 significant digits; within them every figure reaches zen exactly, so the model
    # refuses more rather than round it (the reader reports such text as a too-many-digits cell finding).
    with pytest.raises(ValidationError):
        profile(site_area_m2=Decimal("4999.99999999999999"))


# --- Article 20: where the application date comes from ---------------------------------------------------------


def test_20_application_date_from_the_profile_wins_over_as_of():
    prof = profile(revoked_on=dt.date(2024, 4, 15), revocation_reason="绩效评价", application_date=dt.date(2026, 4, 16))
    report = judge(submission(prof), as_of=dt.date(2026, 4, 15))
    assert report.application_date == {"date": "2026-04-16", "source": "申报日期"}


def test_20_as_of_is_used_without_an_application_date():
    prof = profile(revoked_on=dt.date(2024, 4, 15), revocation_reason="绩效评价", application_date=None)
    assert judge(submission(prof), as_of=dt.date(2026, 4, 15)).application_date == {"date": "2026-04-15",
                                                                                     "source": "--as-of"}


def test_20_date_of_the_check_without_either():
    report = judge(submission(profile(application_date=None)))
    assert report.application_date == {"date": dt.date.today().isoformat(), "source": "检查当日"}


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
