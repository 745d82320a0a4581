"""Article 7 (卓越级) as a whole report.

Each measurable condition at its threshold is a case beside the ruleset,
``rulesets/cases/miit-2025-excellence.yaml`` (run by ``test_clause_cases.py``). What is left here is what a
case about one clause cannot say: which clauses the report has, what is left to review, that Article 10
does not apply anywhere, and the level-mismatch finding.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

from lawbook import (  # noqa: E402
    EXCELLENCE,
    excellence_profile,
    finding_codes,
    fund,
    judge,
    passing_roster,
    profile,
    submission,
)
from incubator_check import Status, Verdict  # noqa: E402

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


def test_excellence_article_10_does_not_apply():
    report = excellence(remote_area=True, remote_area_category="三类", sector_startups_y1=26)
    assert report.relaxation is None
    assert not any(c.relaxed for c in report.clauses)


def test_excellence_standard_level_figures_are_not_checked():
    # A 3000 m² site and 10 tenants do not matter for Article 7's pre-screen.
    report = excellence(site_area_m2="3000", tenants=passing_roster(10))
    assert report.verdict is Verdict.PASS


def test_standard_application_checked_as_excellence_is_flagged():
    report = judge(submission(profile(), funds=FUNDS), EXCELLENCE)
    assert "level-mismatch" in finding_codes(report)
