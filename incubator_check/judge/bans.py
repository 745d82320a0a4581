"""Article 20: an incubator whose accreditation was revoked may not apply again for some years.

How many years depends on why it was revoked (``bans.years`` in the ruleset: 2 after a failed evaluation
or review or at its own request, 3 after a violation or a major accident). Whether the ban is still in
force on the application date is the ruleset's ``bans.in_force`` expression. Without a reason, every
possible ban is tried: if all of them agree the answer stands, otherwise the reason decides (MISSING).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from ..rules.engine import EngineFailure, evaluate
from ..report import ClauseResult, Status, Text
from ..workbook.values import PartialDate, day_range
from .messages import NEEDS_REVIEW, either, from_rules

if TYPE_CHECKING:
    from ..rules.compile import CompiledRuleset
    from ..rules.ruleset import Clause

# Where the application date came from: (as the report records it, how a sentence names it).
_DATE_SOURCES = {"申报日期": Text("申报日期", "the application date"), "--as-of": Text("--as-of 指定日期", "the --as-of date"),
                 "检查当日": Text("检查当日", "the date of the check")}


def application_date(profile, as_of: dt.date | None) -> tuple[dt.date, str]:
    """The date Article 20 is judged on: 申报日期, else ``--as-of``, else today; and which it was."""
    if profile.application_date is not None:
        return profile.application_date, "申报日期"
    if as_of is not None:
        return as_of, "--as-of"
    return dt.date.today(), "检查当日"


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February → 28 February
        return day.replace(year=day.year + years, day=28)


def ban_clause(clause: "Clause", compiled: "CompiledRuleset", profile, source, app_date: dt.date,
               app_source: str) -> ClauseResult:
    """Article 20's clause: PASS when no ban is in force on the application date, FAIL with the earliest date if one is."""
    bans = compiled.ruleset.bans
    common = dict(id=clause.id, article=clause.article, title=Text(clause.title.zh, clause.title.en), unit="date",
                  operator=">", reading=from_rules(bans.reading) if bans else Text(""))
    evidence = [r for r in (source.profile_ref("revoked_on"), source.profile_ref("revocation_reason"),
                            source.profile_ref("application_date")) if r]
    used = _DATE_SOURCES[app_source]
    when = Text(f"{used.zh} {app_date}", f"{used.en} {app_date}")
    if profile.revoked_on is None and (source.is_unusable("profile", "revoked_on") or profile.revocation_reason is not None):
        # A reason without a date (or a date that could not be read) declares a revocation whose ban cannot be dated.
        ref = source.profile_ref("revoked_on") or "revoked_on"
        return ClauseResult(**common, status=Status.MISSING, evidence=evidence, needs=[ref],
                            message=Text(f"撤销日期 {ref} 未填写或无法识别，无法判断禁止期",
                                         f"the revocation date at {ref} is blank or unusable"))
    if bans is None or profile.revoked_on is None:
        return ClauseResult(**common, status=Status.PASS, value=app_date.isoformat(), evidence=evidence,
                            message=Text(f"未填报撤销记录；{when.zh}", "no earlier revocation declared; " + when.en))
    revoked = profile.revoked_on
    reason = profile.revocation_reason.value if profile.revocation_reason else None
    possible_years = sorted(set(bans.years.values()))
    candidates = possible_years if reason is None else [bans.years.get(reason, max(bans.years.values()))]
    # A date given to the year or month only (values.PartialDate) is every day of its period: the ban is surest in
    # force for the latest revocation and the earliest application, least sure for the reverse. Both ends are
    # judged; where they differ the day decides, and the clause waits for it rather than guessing a day.
    revoked_first, revoked_last = day_range(revoked)
    app_first, app_last = day_range(app_date)
    results, undecided = [], False
    for years in candidates:
        end = add_years(revoked_last, years)
        try:
            in_force = evaluate(compiled.ban_call, {"application_day": app_first.toordinal(), "ban_end_day": end.toordinal()})
            if (revoked_first, app_first) != (revoked_last, app_last):
                other = evaluate(compiled.ban_call, {"application_day": app_last.toordinal(),
                                                     "ban_end_day": add_years(revoked_first, years).toordinal()})
                undecided = undecided or other != in_force
        except EngineFailure:
            in_force = None
        results.append((years, end, in_force))
    if any(r[2] is None for r in results):
        return ClauseResult(**common, status=Status.REVIEW, evidence=evidence, message=NEEDS_REVIEW)
    if undecided:
        partial = [source.profile_ref(key) or label for key, label, day in
                   (("revoked_on", "撤销日期", revoked), ("application_date", "申报日期", app_date))
                   if day.__class__ is PartialDate]  # only the profile's dates can be partial
        cells = "、".join(partial)
        return ClauseResult(**common, status=Status.MISSING, value=str(app_date), evidence=evidence, needs=partial,
                            message=Text(f"{cells} 只填到年份或年月；{revoked} 被撤销的禁止期是否已届满取决于具体日期，请填写完整日期；{when.zh}",
                                         f"{', '.join(partial)} gives only a year or month; whether the ban after the "
                                         f"revocation of {revoked} has ended depends on the day: give the full date; {when.en}"))
    if all(r[2] for r in results):
        status = Status.FAIL
    elif not any(r[2] for r in results):
        status = Status.PASS
    else:
        status = Status.MISSING
    years, end, _ = results[-1] if status is not Status.PASS else results[0]
    earliest = end + dt.timedelta(days=1)
    reason_text = Text(reason) if reason else Text("未填写撤销原因", "reason not given")
    if status is Status.FAIL:
        message = Text(f"{revoked} 被撤销（{reason_text.zh}），{years} 年内不得再次申报，至 {end}；{when.zh}；最早可于 {earliest} 申报",
                       f"revoked on {revoked} ({reason_text.en}): no application for {years} years, until {end}; "
                       f"{when.en}; earliest application {earliest}")
    elif status is Status.PASS:
        message = Text(f"{revoked} 被撤销（{reason_text.zh}），{years} 年禁止期已于 {end} 届满；{when.zh}",
                       f"revoked on {revoked} ({reason_text.en}); the {years}-year ban ended on {end}; {when.en}")
    else:
        lengths = either([Text(f"{y} 年", str(y)) for y in possible_years])  # bans.years: "2 年或 3 年"
        message = Text(f"{revoked} 被撤销；禁止期为 {lengths.zh}取决于撤销原因，请填写；{when.zh}",
                       f"revoked on {revoked}; whether the ban is {lengths.en} years depends on the reason (撤销原因); {when.en}")
    needs = [source.profile_ref("revocation_reason") or "撤销原因"] if status is Status.MISSING else []
    return ClauseResult(**common, status=status, value=app_date.isoformat(), threshold=end.isoformat(),
                        effective_threshold=end.isoformat(), shortfall=earliest.isoformat() if status is Status.FAIL else None,
                        shortfall_unit="date" if status is Status.FAIL else "",
                        message=message, evidence=evidence, needs=needs)
