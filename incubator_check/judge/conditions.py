"""Clauses made of conditions (Articles 6 and 7), with Article 10's relaxation for remote areas.

Every condition's figure is compared in one zen call (the compiled compare call): at its worst and best,
against the threshold as written and as relaxed (× the factor, for a relaxable condition of an incubator
in a remote area). Whether the relaxation applies is the profile's answer: yes, no, or blank — and when
it is blank, a condition whose two readings disagree is MISSING. A remote incubator also gets Article 10's
review item (its category is for a reviewer to confirm).
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from ..rules.engine import to_engine
from ..workbook.layout import PROFILE
from ..report import ClauseResult, ConditionResult, Status, Text
from . import status as lattice
from ._memo import memo
from .bounds import Figure, ratio
from .messages import clause_reading, condition_message, from_rules
from .numbers import exact, percent
from .shortfall import shortfall

if TYPE_CHECKING:
    from ..rules.compile import CompiledCondition
    from ..rules.ruleset import Clause, Ruleset
    from ..model import Submission


def relaxation(ruleset: "Ruleset", profile) -> tuple[bool | None, Decimal]:
    """Article 10: is the incubator in a remote area (yes, no, unknown), and the factor its thresholds take."""
    if ruleset.relaxation is None:
        return False, Decimal(1)
    return getattr(profile, ruleset.relaxation.when), ruleset.relaxation.factor


def _thresholds(compiled: "CompiledCondition", ruleset: "Ruleset") -> tuple[Any, ...]:
    """A condition's thresholds (as written, as relaxed, relaxable), as zen takes them and as the report writes
    them, and whether it is a yes/no condition: the ruleset's alone, so worked out once (``_memo``)."""
    kept = memo(ruleset)
    key = ("thresholds", compiled.clause_index, compiled.condition_index)
    found = kept.get(key)
    if found is None:
        cond = compiled.condition
        normal, relaxed, relaxable = cond.thresholds(ruleset.relaxation)
        found = kept[key] = (normal, relaxed, relaxable, to_engine(normal), to_engine(relaxed), exact(normal),
                             exact(relaxed), cond.is_flag)
    return found


def comparison_inputs(compiled: "CompiledCondition", figure: Figure, ruleset: "Ruleset") -> dict[str, Any]:
    """The compare call's inputs for one condition, by their compiled names; an unknown figure sends placeholders."""
    names = compiled.comparison
    _, _, _, engine_normal, engine_relaxed, _, _, is_flag = _thresholds(compiled, ruleset)
    default = False if is_flag else 0
    inputs = {names.threshold: engine_normal, names.relaxed_threshold: engine_relaxed}
    for (numerator, denominator), pair in (((names.worst_numerator, names.worst_denominator), figure.worst),
                                           ((names.best_numerator, names.best_denominator), figure.best)):
        inputs[numerator] = to_engine(pair[0]) if figure.known and pair[0] is not None else default
        inputs[denominator] = to_engine(pair[1]) if figure.known and pair[1] is not None else 1
    return inputs


def conditions_clause(clause: "Clause", conds: list[tuple["CompiledCondition", Figure]], answers: dict[str, Any],
                      remote: bool | None, factor: Decimal, ruleset: "Ruleset", submission: "Submission",
                      engine_failed: bool) -> ClauseResult:
    """A clause of conditions judged from its figures and the compare call's answers."""
    source = submission.source
    data_year = submission.profile.data_year
    year_before = None if data_year is None else data_year - 1
    cond_results: list[ConditionResult] = []
    statuses: list[Status] = []
    evidence: list[str] = []
    rows: list[int] = []
    needs: list[str] = []
    relaxed_any = False
    for compiled, figure in conds:
        cond = compiled.condition
        names = compiled.comparison
        evidence += figure.evidence
        thr_normal, thr_relaxed, relaxable, _, _, written_normal, written_relaxed, _ = _thresholds(compiled, ruleset)
        if not figure.known or names.worst_normal not in answers:
            status = Status.MISSING if figure.needs != ["engine"] and not (engine_failed and not answers) else Status.REVIEW
        else:
            normal = lattice.from_bounds(answers[names.worst_normal], answers[names.best_normal])
            relaxed = lattice.from_bounds(answers[names.worst_relaxed], answers[names.best_relaxed])
            if not relaxable or remote is False:
                status = normal
            elif remote is True:
                status = relaxed
            else:
                status = lattice.agreed(normal, relaxed)
                if status is Status.MISSING:
                    ref = source.profile_ref(ruleset.relaxation.when) if ruleset.relaxation else None
                    figure.needs = figure.needs + [ref or PROFILE.field("remote_area").header]
        applied = relaxable and remote is True
        relaxed_any = relaxed_any or applied
        effective = thr_relaxed if applied else thr_normal
        statuses.append(status)
        rows += figure.rows
        if status is Status.MISSING:
            needs += figure.needs
        result = ConditionResult(status=status, operator=cond.operator, threshold=written_normal,
                                 effective_threshold=written_relaxed if applied else written_normal,
                                 shortfall_unit=cond.shortfall_unit,
                                 needs=figure.needs if status is Status.MISSING else [])
        if figure.known:
            wv, bv = ratio(*figure.worst), ratio(*figure.best)
            if isinstance(figure.worst[0], bool):
                result.value = exact(figure.worst[0])
            elif wv is not None and bv is not None and wv != bv:
                result.value_range = [exact(min(wv, bv)), exact(max(wv, bv))]
            elif wv is not None:
                result.value = exact(wv)
                if figure.worst[1] is not None:
                    result.numerator, result.denominator = exact(figure.worst[0]), exact(figure.worst[1])
            elif figure.worst[1] == 0:
                result.numerator, result.denominator = exact(figure.worst[0]), "0"
        if status is Status.FAIL:
            gap = shortfall(cond, figure, effective)  # type: ignore[arg-type]
            result.shortfall = exact(gap) if gap is not None else None
        cond_results.append(result)
    status = lattice.combined(statuses, clause.combine)
    for result, (compiled, _) in zip(cond_results, conds):
        cond = compiled.condition
        # A shortfall is advice for a failing clause only: a passing "any" clause needs no advice on its other branch.
        advice = (cond.shortfall_text or clause.shortfall_text) if status is Status.FAIL else None
        result.message_text = condition_message(result, cond, clause, advice, data_year, year_before)
    if engine_failed and status is Status.MISSING and any(c.needs == ["engine"] for c in cond_results):
        status = Status.REVIEW
    # The figure shown for the clause: the branch that passed in an "any" clause, else the first condition.
    primary = next((c for c in cond_results if c.status is Status.PASS), cond_results[0]) if clause.combine == "any" else cond_results[0]
    gap_text = None
    gap_unit = ""
    if status is Status.FAIL:
        gaps = [c for c in cond_results if c.status is Status.FAIL and c.shortfall is not None]
        if gaps:
            pick = min(gaps, key=lambda c: Fraction(c.shortfall)) if clause.combine == "any" else gaps[0]
            gap_text, gap_unit = pick.shortfall, pick.shortfall_unit or clause.unit
    messages = [c.message_text for c in cond_results if c.message_text]
    if status is Status.PASS and clause.combine == "any":
        messages = [c.message_text for c in cond_results if c.status is Status.PASS][:1] + [
            c.message_text for c in cond_results if c.status is not Status.PASS]
    if relaxed_any:
        basis = ruleset.relaxation.basis if ruleset.relaxation else ""
        lowered = percent(1 - Fraction(factor))
        messages.append(Text(f"已按{basis}降低 {lowered}（× {exact(factor)}）", f"lowered {lowered} under {basis} (× {exact(factor)})"))
    return ClauseResult(
        id=clause.id, article=clause.article, title=Text(clause.title.zh, clause.title.en), status=status,
        value=primary.value, value_range=primary.value_range, unit=clause.unit, operator=primary.operator,
        threshold=primary.threshold, effective_threshold=primary.effective_threshold, relaxed=relaxed_any,
        shortfall=gap_text, shortfall_unit=gap_unit, message=Text.join(messages), reading=clause_reading(ruleset, clause),
        evidence=list(dict.fromkeys(evidence)), rows=sorted(set(rows)), needs=list(dict.fromkeys(needs))[:50],
        conditions=cond_results)


def remote_area_review(ruleset: "Ruleset", profile, source, remote: bool | None) -> ClauseResult | None:
    """Article 10's review item for an incubator that declares a remote area: its category is for a reviewer."""
    if not (ruleset.relaxation and remote is True and ruleset.relaxation.review):
        return None
    item = ruleset.relaxation.review
    category = Text(str(profile.remote_area_category.value)) if profile.remote_area_category else Text(
        "未填类别", "no category given")
    return ClauseResult(
        id=item.id, article=item.article, title=Text(item.title.zh, item.title.en), status=Status.REVIEW,
        message=from_rules(item.message, category=category),
        evidence=[r for r in (source.profile_ref(ruleset.relaxation.when), source.profile_ref("remote_area_category")) if r])
