"""One workbook in, one report out: read, choose the ruleset, judge; an unreadable file is an ERROR report."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from typing import TYPE_CHECKING

from ._environment import collector_paused
from .judge import CheckOptions, check_submission
from .workbook.guard import Limits, read_bytes
from .workbook.layout import PROFILE, TENANTS
from .workbook.reader import read_workbook
from .judge.bans import application_date
from .rules.fields import choices_of, declared_specs, value_meanings
from .rules.authority import authority_of, place_findings, region_of
from .rules.load import bundled_fields, bundled_values, load_ruleset, ruleset_for, ruleset_for_place
from .rules.schema import Ruleset
from .errors import WorkbookError
from .findings import Finding, Severity, bound, from_catalogue
from .model import Submission
from .report import FirstCheck, Report, Text, Verdict

if TYPE_CHECKING:  # the plan (its levers' models, the solver) is imported only when a plan is asked for
    from .plan import PlanOptions


def error_report(path: str, finding: Finding, lang: str = "zh", findings: list[Finding] | None = None, *,
                 sha256: str | None = None) -> Report:
    """The report of a workbook that cannot be checked at all; ``sha256`` is that of the bytes read, if any were."""
    all_findings = findings or [finding]
    return Report(source={"path": path, "sha256": sha256}, verdict=Verdict.ERROR,
                  error={"code": finding.code, "message": finding.message(lang), "message_zh": finding.message_zh,
                         "message_en": finding.message_en},
                  findings=[f.as_json(lang) for f in bound(all_findings)], lang=lang)


def check(path: str | os.PathLike[str], ruleset: str | Ruleset | None = None, *, lang: str = "zh",
          as_of: dt.date | None = None, plan: "PlanOptions | None" = None) -> Report:
    """Check one workbook against a ruleset (by default the one for its 申报级别) and return the report; with
    ``plan``, the report also holds the plan to pass (docs/report-plan.md)."""
    return check_with_submission(path, ruleset, lang=lang, as_of=as_of, plan=plan)[0]


def check_with_submission(path: str | os.PathLike[str], ruleset: str | Ruleset | None = None, *, lang: str = "zh",
                          as_of: dt.date | None = None, data: bytes | None = None,
                          sha256: str | None = None, plan: "PlanOptions | None" = None) -> tuple[Report, Submission | None]:
    """:func:`check`, also returning the submission it read (None when the workbook could not be read).

    ``data`` is the file's bytes when the caller has read them already (the supervised reader does), and
    ``sha256`` their hash; otherwise the file is read here, once.
    """
    path = os.fspath(path)
    if data is None:
        try:
            data = read_bytes(path, Limits())
        except WorkbookError as exc:
            return error_report(path, exc.finding, lang), None
    with collector_paused():
        return _checked(path, ruleset, lang, as_of, data, sha256 or hashlib.sha256(data).hexdigest(), plan)


def _checked(path: str, ruleset: str | Ruleset | None, lang: str, as_of: dt.date | None, data: bytes,
             sha256: str, plan: "PlanOptions | None" = None) -> tuple[Report, Submission | None]:
    if isinstance(ruleset, str):
        ruleset = load_ruleset(ruleset)
    # A chosen ruleset's own fields are read with the core ones; before the 申报级别 chooses one, every bundled
    # ruleset's (rules/fields.py).
    # Its industries and revocation reasons are the ruleset's too; before one is chosen, every bundled one's.
    # Its value readings (values:) too: before one is chosen, every bundled ruleset's.
    fields = declared_specs(ruleset) if ruleset is not None else bundled_fields()
    values = value_meanings(ruleset) if ruleset is not None else bundled_values()
    try:
        result = read_workbook(path, today=as_of, data=data, fields=fields, choices=choices_of(ruleset), values=values,
                               sha256=sha256)
    except WorkbookError as exc:
        return error_report(path, exc.finding, lang, sha256=sha256), None
    chosen_here = False
    if result.submission is not None and ruleset is None:
        profile = result.submission.profile
        level = profile.level.value if profile.level else None
        # The claim of the application's own place first (a city's 市孵化器), then the ministry's (docs/decisions.md).
        place = authority_of(profile.province, profile.city, profile.county_code)
        ruleset = load_ruleset(ruleset_for_place(level, place.name if place else None,
                                                 as_of or application_date(profile, as_of)[0]))
        chosen_here = True
        if _narrower(choices_of(ruleset)) or value_meanings(ruleset) != values:
            # The chosen ruleset allows fewer values than the bundled ones together, or reads other values: read
            # again with its own, so a value it does not allow is a finding at its cell (the same bytes, in memory).
            values = value_meanings(ruleset)
            result = read_workbook(path, today=as_of, data=data, fields=fields, choices=choices_of(ruleset),
                                   values=values, sha256=sha256)
    if result.submission is None:
        fatal = next(f for f in result.findings if f.severity is Severity.ERROR)
        return error_report(path, fatal, lang, result.findings, sha256=sha256), None
    submission = result.submission
    findings = result.findings + place_findings(submission.profile, submission.source)
    if chosen_here:
        findings += _other_region(submission, ruleset)
    report = check_submission(submission, ruleset, findings, CheckOptions(lang=lang, as_of=as_of))
    first = first_check(submission, ruleset, findings, lang, as_of, report)
    if first is not None:
        report = report.model_copy(update={"first_check": first})
    if plan is not None:
        report = with_plan(report, submission, ruleset, plan)
    return report, submission


def _other_region(submission: Submission, ruleset: Ruleset) -> list[Finding]:
    """A warning when the ruleset chosen by the 申报级别 is another place's (a 浙江省 application for 市孵化器,
    which only 深圳市 has): judged by it all the same, and the reviewer told."""
    profile = submission.profile
    place, region = authority_of(profile.province, profile.city, profile.county_code), region_of(ruleset.authority)
    if place is None or region is None or region == place.name:
        return []
    return [from_catalogue("ruleset-other-region", submission.source.path, sheet=submission.source.sheets.get("profile"),
                           level=ruleset.level, region=region, ruleset=ruleset.id, authority=place.name)
            .model_copy(update={"cell": submission.source.profile_cells.get("level"), "column": "level"})]


def first_check(submission: Submission, ruleset: Ruleset, findings: list[Finding], lang: str, as_of: dt.date | None,
                report: Report) -> FirstCheck | None:
    """The 初核 the ruleset asks for (``first_check``: a former national-level incubator applying at excellence
    level is also judged against the standard level's conditions, 工信厅科函〔2025〕349号), or None.

    The other level's ruleset is the one its authority's claim gives on the same deciding day; the submission is
    the one already read (a second judgement, never a second read)."""
    rule = ruleset.first_check
    if rule is None or rule.level == ruleset.level or getattr(submission.profile, rule.when, None) is not True:
        return None
    day = dt.date.fromisoformat(report.ruleset_ref.values_on) if report.ruleset_ref and report.ruleset_ref.values_on \
        else application_date(submission.profile, as_of)[0]
    other = load_ruleset(ruleset_for(rule.level, ruleset.authority, day))
    judged = check_submission(submission, other, findings, CheckOptions(lang=lang, as_of=as_of))
    return FirstCheck(ruleset=judged.ruleset_ref, citation=rule.citation, reading=Text(rule.reading.zh, rule.reading.en),
                      verdict=judged.verdict, clauses=judged.clauses)


def _narrower(choices: dict[str, tuple[str, ...]]) -> bool:
    """Does a ruleset allow fewer values for an enumeration than the layout does (every bundled ruleset's)?"""
    layout = {spec.key: spec.choices for sheet in (PROFILE, TENANTS) for spec in sheet.fields}
    return any(set(layout[key]) - set(values) for key, values in choices.items())


def with_plan(report: Report, submission: Submission, ruleset: Ruleset, options: "PlanOptions") -> Report:
    """The report with its plan to pass. A plan that failed its own check is a bug: an error finding, no plan."""
    from .plan import PlanOptions, PlanUnverified, plan_submission

    if options.as_of is None and report.application_date:
        # The copy is judged on the same day as the submission (Article 20 counts from it).
        options = PlanOptions(worst=options.worst, costs=options.costs,
                              as_of=dt.date.fromisoformat(report.application_date["date"]))
    try:
        plan = plan_submission(submission, ruleset, report, options)
    except Exception as exc:  # noqa: BLE001 - a plan's bug must not cost the check its report: an error finding
        finding = (from_catalogue("plan-unverified", submission.source.path, clauses="、".join(exc.clauses))
                   if isinstance(exc, PlanUnverified) else
                   from_catalogue("plan-failed", submission.source.path, how=type(exc).__name__))
        return report.model_copy(update={"plan": {"status": "error", "mode": "worst" if options.worst else "as-is",
                                                  "text_zh": finding.message_zh, "text_en": finding.message_en},
                                         "finding_list": [*report.finding_list, finding]})
    return report.model_copy(update={"plan": plan})
