"""The integer program of a plan: every measurable condition as a linear constraint over the levers.

Variables are whole numbers: tenants added with each allowed combination of attributes, existing tenants given
an attribute, steps of a profile figure (a mentor, a yuan), a yes/no turned, and one 0/1 choice per branch of an
"any" clause (6.5: equity or financing). A share of a tenant test is ``k + y + Σ x_c[a∈c] ≥ t·(n + Σ x_c)``; a
profile figure is ``V + Σ cV·z ≥ t·(P + Σ cP·z)``, where the coefficients are found by asking the ruleset's own
value call what one more unit of each lever (one more tenant, N + 1) does to the figure — so a province's
expression needs no code here. Every coefficient is an exact fraction; the solver works in floats, so a plan
is checked here exactly and then by the real judge.

Figures are taken at their worst given the blank cells (what the judge's PASS needs), and thresholds as the
judge applies them: Article 10's relaxation only when the profile says the incubator is remote.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from ..report import Status, Text
from ..rules.compile import PROFILE_KEYS, compile_ruleset
from ..rules.engine import EngineFailure, evaluate, from_engine, identifiers, to_engine
from ..judge import _known_aggregates
from ..judge.bounds import profile_names_read_by, share_figure
from ..judge.conditions import relaxation
from ..judge.context import profile_context, with_placeholders
from ..judge.tenants import qualifying_tenants, run_tenant_tests
from ..workbook.layout import PROFILE
from .levers import TENANTS_LEVER

if TYPE_CHECKING:
    from ..model import Submission
    from ..report import Report
    from ..rules.ruleset import Ruleset
    from .levers import Levers

__all__ = ["Variable", "Constraint", "Blocker", "Program", "build_program"]


@dataclass(frozen=True)
class Variable:
    """One whole-number decision: how many of something (``upper`` at most), at ``cost`` each."""

    name: str
    kind: str  # add | convert | figure | flag | choice
    lever: str
    upper: int
    cost: Fraction
    attributes: frozenset[str] = frozenset()  # of an added tenant
    step: Fraction = Fraction(1)  # of a figure: one unit of the variable is this much of the figure


@dataclass
class Constraint:
    """Σ coeffs[i]·x[i] ≥ rhs, exactly."""

    clause: str
    coeffs: dict[int, Fraction]
    rhs: Fraction

    def holds(self, x: list[int]) -> bool:
        return sum((c * x[i] for i, c in self.coeffs.items()), Fraction(0)) >= self.rhs

    def best(self, variables: list[Variable]) -> Fraction:
        """The largest the left side can be within the variables' bounds."""
        return sum((max(Fraction(0), c * variables[i].upper) for i, c in self.coeffs.items()), Fraction(0))


@dataclass
class Blocker:
    """A clause no lever can make pass: a fact (a ban, an independent-legal-person 否) or a blank to fill."""

    clause: str
    reason: Text
    needs: list[str] = field(default_factory=list)


@dataclass
class Program:
    variables: list[Variable]
    constraints: list[Constraint]
    blockers: list[Blocker]
    shares: dict[str, tuple[int, int]] = field(default_factory=dict)  # test → (passing, convertible) among tenants
    limits: list[Constraint] = field(default_factory=list)  # the levers' joint bounds (tenants added in all)

    def rows(self) -> list[Constraint]:
        """Every constraint the solver is given: the clauses' and the levers' joint bounds."""
        return self.constraints + self.limits

    def cost(self, x: list[int]) -> Fraction:
        return sum((v.cost * n for v, n in zip(self.variables, x)), Fraction(0))

    def feasible(self, x: list[int]) -> bool:
        return all(0 <= n <= v.upper for v, n in zip(self.variables, x)) and all(c.holds(x) for c in self.rows())

    def changes(self, x: list[int]) -> int:
        return sum(1 for v, n in zip(self.variables, x) if n and v.kind != "choice")


_FACT = Text("这是既成事实，没有可调整的事项", "it is a fact no lever changes")
_NO_LEVER = Text("没有可调整的事项能使其通过", "no lever can make it pass")
_FILL = Text("须先填写空白单元格", "its blank cells must be filled first")


def _fraction(value: Any) -> Fraction:
    return Fraction(Decimal(value)) if isinstance(value, Decimal) else Fraction(value)


def _threshold(cond, ruleset: "Ruleset", remote: bool | None, factor: Decimal) -> Fraction:
    """The threshold the judge holds the figure to for a PASS: relaxed only for a declared remote area (when
    that answer is blank the judge needs both readings to pass, so the stricter, as written, binds)."""
    thresholds = cond.thresholds(ruleset.relaxation)  # the rules' one place a relaxed threshold is computed
    return _fraction(thresholds.relaxed if thresholds.relaxable and remote is True else thresholds.normal)


def _oriented(coeffs: dict[int, Fraction], rhs: Fraction, operator: str) -> tuple[dict[int, Fraction], Fraction]:
    """``Σ c·x (op) rhs`` as ``Σ c·x ≥ rhs``: ≤ and < flip; > and < need a strict margin, which for whole-number
    variables and rational coefficients is 1 / (the common denominator)."""
    if operator in ("<=", "<"):
        coeffs, rhs = {i: -c for i, c in coeffs.items()}, -rhs
    if operator in (">", "<"):
        denominators = [c.denominator for c in coeffs.values()] + [rhs.denominator]
        rhs += Fraction(1, math.lcm(*denominators))
    return {i: c for i, c in coeffs.items() if c}, rhs


def _combos(attributes: list[str], levers: "Levers") -> list[frozenset[str]]:
    """Every combination of attributes an added tenant may carry (none included), minus the excluded pairs."""
    out = []
    for r in range(len(attributes) + 1):
        for combo in itertools.combinations(attributes, r):
            chosen = set(combo)
            if any(set(levers.tenants.attributes[a].excludes) & chosen for a in combo):
                continue
            out.append(frozenset(combo))
    return out


def build_program(submission: "Submission", ruleset: "Ruleset", report: "Report", levers: "Levers") -> Program:
    """The integer program of a submission's plan, from its figures at their worst."""
    compiled = compile_ruleset(ruleset)
    base = profile_context(submission, ruleset)
    outcomes, aggregates, failures = run_tenant_tests(compiled, submission, base)
    n_lo, n_hi = qualifying_tenants(outcomes, ruleset.population)
    aggregate_values = _known_aggregates(ruleset, submission, aggregates)
    remote, factor = relaxation(ruleset, submission.profile)
    population = ruleset.population

    # Which attributes matter: the tests the ruleset takes a share of and the levers file can make true.
    share_tests = {c.condition.share for c in compiled.conditions if c.condition.share}
    attributes = [a for a in levers.tenants.attributes if a in share_tests and a in ruleset.tenant_tests]
    variables: list[Variable] = []
    add = levers.tenants.add
    on_new = [a for a in attributes if levers.tenants.attributes[a].on_new is not None]
    for combo in _combos(on_new, levers):
        cost = Fraction(add.cost) + sum((Fraction(levers.tenants.attributes[a].cost) for a in combo), Fraction(0))
        name = "add:" + "+".join(sorted(combo)) if combo else "add:"
        variables.append(Variable(name, "add", TENANTS_LEVER, add.max, cost, combo))
    shares: dict[str, tuple[int, int]] = {}
    for a in attributes:
        passing = sum(1 for o in outcomes if o.tests[population] is True and o.tests[a] is True)
        convertible = sum(1 for o in outcomes if o.tests[population] is True and o.tests[a] is False)
        shares[a] = (passing, convertible)
        spec = levers.tenants.attributes[a]
        if spec.convert is not None and convertible:
            upper = convertible if spec.max_convert is None else min(convertible, spec.max_convert)
            variables.append(Variable(f"convert:{a}", "convert", a, upper, Fraction(spec.cost)))
    adds = [i for i, v in enumerate(variables) if v.kind == "add"]

    # The profile figures' answers, and what one unit of each figure lever (and one more tenant) does to them.
    ctx = {**base, **{k: to_engine(v) for k, v in aggregate_values.items()}}

    def values_at(n: int, bump: dict[str, Decimal] | None = None) -> dict[str, Any]:
        c = dict(ctx, N=n)
        for name, by in (bump or {}).items():
            if c.get(name) is not None:
                c[name] = to_engine(Decimal(str(c[name])) + by)
        if compiled.value_call is None:
            return {}
        try:
            return {k: from_engine(v) for k, v in evaluate(compiled.value_call, with_placeholders(c)).items()}
        except EngineFailure as exc:
            failures.append(str(exc))
            return {}

    at_lo, at_hi = values_at(n_lo), values_at(n_hi)
    at_more = values_at(n_hi + 1)
    figure_levers: list[tuple[int, dict[str, Any]]] = []
    for name, spec in levers.figures.items():
        bumped = values_at(n_hi, {k: v * spec.step for k, v in spec.raises.items()})
        if any(bumped.get(k) != at_hi.get(k) for k in at_hi):
            step = Fraction(spec.step)
            variables.append(Variable(f"figure:{name}", "figure", name, int(Fraction(spec.max) / step),
                                      Fraction(spec.cost) * step, step=step))
            figure_levers.append((len(variables) - 1, bumped))

    constraints: list[Constraint] = []
    blockers: list[Blocker] = []
    statuses = {c.id: c for c in report.clauses}
    by_clause: dict[int, list] = {}
    for cond in compiled.conditions:
        by_clause.setdefault(cond.clause_index, []).append(cond)

    for ci, clause in enumerate(ruleset.clauses):
        result = statuses.get(clause.id)
        if clause.review is not None:
            continue
        if clause.ban:
            if result is not None and result.status is Status.FAIL:
                blockers.append(Blocker(clause.id, Text("撤销认定后的禁止申报期内，", "a ban after revocation is in force: ") + _FACT))
            elif result is not None and result.status is Status.MISSING:
                blockers.append(Blocker(clause.id, _FILL, list(result.needs)))
            continue
        branches: list[Constraint | Blocker] = []
        for cc in by_clause.get(ci, []):
            branches.append(_condition(cc, ruleset, submission, outcomes, base, aggregate_values, remote, factor,
                                       variables, adds, at_lo, at_hi, at_more, figure_levers, levers, clause.id,
                                       bool(failures)))
        blocked = [b for b in branches if isinstance(b, Blocker)]
        options: list[list[Constraint]] = []
        for branch in branches:
            if isinstance(branch, Blocker):
                continue
            if all(c.best(variables) >= c.rhs for c in branch):
                options.append(branch)
            else:
                blocked.append(Blocker(clause.id, _NO_LEVER))
        if clause.combine == "all" and blocked or not options and blocked:
            blockers.append(blocked[0])
            continue
        if len(options) == 1 or clause.combine == "all":
            constraints.extend(c for option in options for c in option)
            continue
        # An "any" clause: one 0/1 choice per branch, at least one chosen; a branch not chosen is relaxed by big M.
        choices = []
        for k, option in enumerate(options):
            variables.append(Variable(f"choice:{clause.id}#{k}", "choice", clause.id, 1, Fraction(0)))
            j = len(variables) - 1
            choices.append(j)
            for c in option:
                lowest = sum((min(Fraction(0), a * variables[i].upper) for i, a in c.coeffs.items()), Fraction(0))
                big_m = max(Fraction(0), c.rhs - lowest)
                c.coeffs[j] = -big_m
                c.rhs -= big_m
                constraints.append(c)
        constraints.append(Constraint(clause.id, {j: Fraction(1) for j in choices}, Fraction(1)))
    # However they combine their attributes, at most tenants.add.max tenants are added in all.
    limits = [Constraint(TENANTS_LEVER, {i: Fraction(-1) for i in adds}, Fraction(-add.max))] if adds else []
    return Program(variables, constraints, blockers, shares, limits)


def _condition(cc, ruleset, submission, outcomes, base, aggregate_values, remote, factor, variables, adds,
               at_lo, at_hi, at_more, figure_levers, levers, clause_id, engine_failed) -> "list[Constraint] | Blocker":
    """One condition as its constraints (a share of nothing meets no threshold: its denominator must become
    positive too), or what blocks it."""
    cond = cc.condition
    source = submission.source
    if cond.share is not None:
        blank = [n for n in sorted(profile_names_read_by(ruleset, cond.share)) if base.get(n) is None]
        if blank:
            names = ["application_year" if n in ("data_year", "year_before") else n for n in blank]
            return Blocker(clause_id, _FILL, [source.profile_ref(n) or PROFILE.field(n).header for n in names])
        figure = share_figure(outcomes, ruleset, cond.share, submission, [])
        k, n = (Fraction(v) for v in figure.worst)
        t = _threshold(cond, ruleset, remote, factor)
        coeffs: dict[int, Fraction] = {}
        for i in adds:
            coeffs[i] = (1 if cond.share in variables[i].attributes else 0) - t
        for i, v in enumerate(variables):
            if v.kind == "convert" and v.lever == cond.share:
                coeffs[i] = Fraction(1)
        out = [Constraint(clause_id, *_oriented(coeffs, t * n - k, cond.operator))]
        if n == 0:
            out.append(Constraint(clause_id, {i: Fraction(1) for i in adds}, Fraction(1)))
        return out
    names = set(cond.needs or ()) | identifiers(cond.value or "") | identifiers(cond.per or "")
    blank = [n for n in sorted(names) if (n in PROFILE_KEYS and base.get(n) is None)
             or (n in aggregate_values and aggregate_values[n] is None)]
    if blank:
        return Blocker(clause_id, _FILL, [source.profile_ref(n) or (PROFILE.field(n).header if n in PROFILE_KEYS else n)
                                          for n in blank])
    if cond.is_flag:
        if base.get(cond.value) == cond.threshold:
            return []
        flag = levers.flags.get(cond.value or "")
        if flag is None or flag.to != cond.threshold:
            return Blocker(clause_id, _FACT)
        variables.append(Variable(f"flag:{cond.value}", "flag", cond.value, 1, Fraction(flag.cost)))
        return [Constraint(clause_id, {len(variables) - 1: Fraction(1)}, Fraction(1))]
    vkey, pkey = cc.value_key, cc.per_key
    if engine_failed or vkey not in at_hi or (pkey and pkey not in at_hi):
        return Blocker(clause_id, Text("规则引擎无法计算该条款", "the rules engine could not compute it"))
    ascending = cond.operator in (">=", ">")
    pick_v, pick_p = (min, max) if ascending else (max, min)
    v0 = pick_v(_fraction(at_lo[vkey]), _fraction(at_hi[vkey]))
    p0 = pick_p(_fraction(at_lo[pkey]), _fraction(at_hi[pkey])) if pkey else Fraction(1)
    t = _threshold(cond, ruleset, remote, factor)

    def change(after: dict[str, Any], key: str | None) -> Fraction:
        return _fraction(after[key]) - _fraction(at_hi[key]) if key else Fraction(0)

    coeffs: dict[int, Fraction] = {}
    per: dict[int, Fraction] = {}
    for indices, after in [(adds, at_more)] + [([i], bumped) for i, bumped in figure_levers]:
        dv, dp = change(after, vkey), change(after, pkey)
        for i in indices:
            if dv - t * dp:
                coeffs[i] = dv - t * dp
            if dp:
                per[i] = dp
    out = [Constraint(clause_id, *_oriented(coeffs, t * p0 - v0, cond.operator))]
    if pkey and p0 <= 0:
        # A ratio of nothing meets no threshold (clauses.md): its denominator must grow from 0.
        positive = [c for c in per.values() if c > 0]
        if not positive:
            return Blocker(clause_id, _NO_LEVER)
        out.append(Constraint(clause_id, {i: c for i, c in per.items() if c > 0}, min(positive)))
    return out
