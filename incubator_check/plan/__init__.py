"""A plan to pass: the smallest joint change to an application after which every measurable clause passes.

Each failing clause has its own shortfall, worked out as if no other clause existed; they interact, because
every share is a share of the tenants (adding 3 tenants to pass 6.4.count dilutes 6.4.new and 6.8). The plan is
their joint form: an integer program over the levers (``rulesets/levers.yaml``) — tenants added with chosen
attributes, existing tenants given one, profile figures raised, a yes/no turned — at least total cost, then
fewest changes (:mod:`.program`, :mod:`.solve`).

Verified, never trusted: the plan is applied to a copy of the submission (:mod:`.apply`) and judged again with
the real judge; it is shown only if every measurable clause then passes, and otherwise it is a bug
(:class:`PlanUnverified`), never output. Clauses for a reviewer stay as they are; a fact (Article 20's ban, an
operator that is not an independent legal person, an accident in the last three years) blocks every plan, and
the plan says which. Blank cells: the plan assumes nothing about them. By default it says they must be filled
first; with ``worst=True`` it plans for the worst the blanks could be.

The plan object is documented in docs/report-plan.md.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from ..errors import IncubatorCheckError
from ..report import Status, Text
from ..judge import CheckOptions, check_submission
from ..judge.bans import application_date
from ..judge.messages import Amount
from ..judge.numbers import exact
from .levers import TENANTS_LEVER, Levers, load_levers

if TYPE_CHECKING:
    from ..model import Submission
    from ..report import ClauseResult, Report
    from ..rules.ruleset import Ruleset
    from .program import Program

__all__ = ["PlanOptions", "PlanUnverified", "plan_submission", "load_levers", "Levers"]


@dataclass
class PlanOptions:
    """How to plan: for the worst case of the blank cells (``worst``), with the user's lever costs."""

    worst: bool = False
    costs: dict[str, Decimal] = field(default_factory=dict)
    as_of: dt.date | None = None


class PlanUnverified(IncubatorCheckError):
    """The solver's plan, applied to a copy of the submission, did not pass every measurable clause: a bug."""

    def __init__(self, clauses: list[str]):
        self.clauses = clauses
        listed = "、".join(clauses)
        super().__init__(f"通过方案复核未通过（{listed}）", f"the plan failed its own check ({', '.join(clauses)})")


def _texts(text: Text) -> dict[str, str]:
    return {"text_zh": text.zh, "text_en": text.en}


def _fill(template, n: str) -> Text:
    return Text(template("zh", n=Amount(n)), template("en", n=Amount(n)))


def _measurable(clause: "ClauseResult") -> bool:
    return clause.status is not Status.REVIEW


def _figure(clause: "ClauseResult") -> dict[str, Any]:
    shown: dict[str, Any] = {"status": clause.status.value, "value": clause.value, "unit": clause.unit}
    if clause.value_range:
        shown["value_range"] = clause.value_range
    primary = clause.conditions[0] if clause.conditions else None
    if primary is not None and primary.numerator is not None:
        shown["numerator"], shown["denominator"] = primary.numerator, primary.denominator
    return shown


def _actions(program: "Program", x: list[int], levers: Levers) -> tuple[list[dict[str, Any]], list[Text]]:
    actions: list[dict[str, Any]] = []
    parts: list[Text] = []
    added = sum(n for v, n in zip(program.variables, x) if v.kind == "add")
    if added:
        by_attribute: dict[str, int] = {}
        for v, n in zip(program.variables, x):
            if v.kind == "add" and n:
                for a in v.attributes:
                    by_attribute[a] = by_attribute.get(a, 0) + n
        unit = levers.tenants.add.unit
        words = Text(f"新增在孵企业 {added} {unit.zh}", f"{added} new {'tenant' if added == 1 else 'tenants'}")
        if by_attribute:
            inner = [(levers.tenants.attributes[a].title, by_attribute[a]) for a in levers.tenants.attributes
                     if a in by_attribute]
            words = words + Text("，其中" + "、".join(f"{title.zh} {n} {unit.zh}" for title, n in inner),
                                 ", of which " + ", ".join(f"{n} {title.en}" for title, n in inner))
        parts.append(words)
        actions.append({"lever": TENANTS_LEVER, "kind": "add", "count": added, "attributes": by_attribute,
                        "combinations": [{"attributes": sorted(v.attributes), "count": n}
                                         for v, n in zip(program.variables, x) if v.kind == "add" and n],
                        **_texts(words)})
    for v, n in zip(program.variables, x):
        if not n or v.kind in ("add", "choice"):
            continue
        if v.kind == "convert":
            spec = levers.tenants.attributes[v.lever]
            words = _fill(spec.convert_text, str(n)) if spec.convert_text else Text(
                f"另需 {n} 家现有在孵企业：{spec.title.zh}", f"{n} existing tenants: {spec.title.en}")
            actions.append({"lever": v.lever, "kind": "convert", "count": n, **_texts(words)})
        elif v.kind == "figure":
            spec = levers.figures[v.lever]
            amount = exact(Fraction(n) * v.step)
            words = _fill(spec.text, amount)
            actions.append({"lever": v.lever, "kind": "figure", "amount": amount, "unit": spec.unit.zh, **_texts(words)})
        else:
            words = Text(levers.flags[v.lever].text.zh, levers.flags[v.lever].text.en)
            actions.append({"lever": v.lever, "kind": "flag", "to": levers.flags[v.lever].to, **_texts(words)})
        parts.append(words)
    return actions, parts


def plan_submission(submission: "Submission", ruleset: "Ruleset", report: "Report",
                    options: PlanOptions | None = None) -> dict[str, Any]:
    """The plan object of the report (docs/report-plan.md) for a submission already judged into ``report``."""
    from .apply import applied
    from .program import build_program

    options = options or PlanOptions()
    levers = load_levers(ruleset, options.costs)
    # The rule values of the day the submission was judged on (--as-of, else 申报日期, else today), as the judge reads them.
    ruleset = ruleset.at(options.as_of or application_date(submission.profile, None)[0])
    mode = "worst" if options.worst else "as-is"
    unchanged = [c.id for c in report.clauses if c.status is Status.REVIEW]
    from .whatif import starting_figures

    plan: dict[str, Any] = {"mode": mode, "unchanged": unchanged,
                            "figures": starting_figures(submission, ruleset, levers)}
    measurable = [c for c in report.clauses if _measurable(c)]
    missing = [c for c in measurable if c.status is Status.MISSING]
    if missing and not options.worst:
        needs = list(dict.fromkeys(n for c in missing for n in c.needs))
        text = Text("通过方案：须先填写空白单元格（" + "、".join(c.id for c in missing) + "），再制定方案；或用 --plan worst 按空白的最不利情形制定",
                    "Plan to pass: the blank cells must be filled first (" + ", ".join(c.id for c in missing)
                    + "); or use --plan worst to plan for the worst the blanks could be")
        return {**plan, "status": "fill", "clauses_missing": [c.id for c in missing], "needs": needs[:50], **_texts(text)}
    if all(c.status is Status.PASS for c in measurable):
        text = Text("通过方案：所有可计量条款均已满足，无需调整", "Plan to pass: every measurable clause passes; nothing to change")
        return {**plan, "status": "pass", "actions": [], "cost": "0", "changes": 0, **_texts(text)}

    started = time.perf_counter()
    program = build_program(submission, ruleset, report, levers)
    built = time.perf_counter()
    if program.blockers:
        return {**plan, **_blocked(program.blockers, report)}
    from .solve import SOLVER, solve

    x = solve(program)
    solved = time.perf_counter()
    if x is None:
        return {**plan, **_infeasible(program, report)}
    after_submission = applied(submission, ruleset, levers, program, x)
    after = check_submission(after_submission, ruleset, [], CheckOptions(lang=report.lang, as_of=options.as_of))
    failing = [c.id for c in after.clauses if _measurable(c) and c.status is not Status.PASS]
    if failing:
        raise PlanUnverified(failing)
    verified = time.perf_counter()
    actions, parts = _actions(program, x, levers)
    text = Text("通过方案：" + "；".join(p.zh for p in parts), "Plan to pass: " + "; ".join(p.en for p in parts))
    before = {c.id: c for c in report.clauses}
    clauses = [{"id": c.id, "title_zh": c.title_text.zh, "title_en": c.title_text.en,
                "before": _figure(before[c.id]), "after": _figure(c)}
               for c in after.clauses if c.id in before and _measurable(before[c.id])]
    return {**plan, "status": "plan", "actions": actions, "cost": exact(program.cost(x)),
            "changes": program.changes(x), "clauses": clauses, "verified": True, "solver": SOLVER,
            "timing_ms": {"model": round((built - started) * 1000, 2), "solve": round((solved - built) * 1000, 2),
                          "verify": round((verified - solved) * 1000, 2)},
            **_texts(text)}


def _title(report: "Report", clause_id: str) -> Text:
    for c in report.clauses:
        if c.id == clause_id:
            return Text(f"{c.id}（{c.title_text.zh}）", f"{c.id} ({c.title_text.en})")
    return Text(clause_id)


def _blocked(blockers, report: "Report") -> dict[str, Any]:
    fill = [b for b in blockers if b.needs]
    items = []
    for b in blockers:
        title = _title(report, b.clause)
        items.append({"clause": b.clause, "needs": b.needs, **_texts(title + Text("：", ": ") + b.reason)})
    if fill and len(fill) == len(blockers):
        text = Text("通过方案：须先填写空白单元格（" + "、".join(b.clause for b in fill) + "）",
                    "Plan to pass: the blank cells must be filled first (" + ", ".join(b.clause for b in fill) + ")")
        return {"status": "fill", "clauses_missing": [b.clause for b in fill],
                "needs": list(dict.fromkeys(n for b in fill for n in b.needs))[:50], "blocking": items, **_texts(text)}
    text = Text("无法制定通过方案：" + "；".join(f"{i['text_zh']}" for i in items),
                "No plan can pass: " + "; ".join(i["text_en"] for i in items))
    return {"status": "blocked", "blocking": items, **_texts(text)}


def _infeasible(program: "Program", report: "Report") -> dict[str, Any]:
    """No plan within the levers' bounds: the clauses that cannot pass even on their own, else all of them."""
    from .program import Blocker, Program
    from .solve import solve

    alone = []
    for clause in dict.fromkeys(c.clause for c in program.constraints):
        sub = Program(program.variables, [c for c in program.constraints if c.clause == clause], [],
                      limits=program.limits)
        if solve(sub) is None:
            alone.append(clause)
    clauses = alone or list(dict.fromkeys(c.clause for c in program.constraints))
    reason = Text("在调整项的上限内无法满足", "cannot be met within the levers' bounds")
    return _blocked([Blocker(c, reason) for c in clauses], report)
