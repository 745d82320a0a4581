"""Judging a submission against a ruleset: every clause PASS, FAIL, MISSING or REVIEW.

Each per-tenant test is true, false or unknown (a needed cell is blank). A clause's
figure therefore has a lowest and a highest possible value; the clause passes when
even the lowest passes, fails when even the highest fails, and is MISSING only in
between — a missing value that cannot change the result does not matter.

All expressions and comparisons run in zen-engine, compiled once per ruleset:
one call classifies and tests the whole roster, one computes the profile figures,
one makes every comparison.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal
from fractions import Fraction
from typing import Any

from ._engine import EngineFailure, compile_expression, evaluate, from_engine, identifiers, to_engine
from ._layout import PROFILE, SHEETS, TENANTS, FieldSpec
from ._ruleset import Clause, Condition, Ruleset, TenantTest, Term, Text, in_language
from ._values import canonical_decimal
from .findings import Finding, Severity, bound
from .model import Submission, Tenant
from .report import ClauseResult, ConditionResult, ExcludedTenant, Report, Status, TenantSummary, Verdict

K = bool | None  # Kleene truth value: True, False, unknown (folded in zen, see _fold)

_PROFILE_KEYS = {f.key for f in PROFILE.fields}
_SHEET_NAMES = {sheet.key: sheet.name for sheet in SHEETS}
_BIG = 10**15  # a missing classification figure's "highest possible" value
INTEGER_UNITS = {"人", "家", "年", "支", "个", "名"}


def exact(value: Fraction | Decimal | int | bool | None) -> str | None:
    """A number as the report writes it: an exact decimal, or p/q when the decimal does not terminate."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(canonical_decimal(value), "f")
    if isinstance(value, int):
        return str(value)
    frac = Fraction(value)
    den = frac.denominator
    while den % 2 == 0:
        den //= 2
    while den % 5 == 0:
        den //= 5
    if den == 1:
        return format(canonical_decimal(Decimal(frac.numerator) / Decimal(frac.denominator)), "f")
    return f"{frac.numerator}/{frac.denominator}"


def percent(value: Fraction) -> str:
    """Display only: 0.68 → 68%, 0.29999 → 29.999% (exact when it terminates), 1/3 → 33.33%."""
    text = exact(value * 100)
    if text is not None and "/" not in text:
        return f"{text}%"
    pct = Decimal(value.numerator * 100) / Decimal(value.denominator)
    return f"≈{canonical_decimal(pct.quantize(Decimal('0.01')))}%"


# --- the compiled form of a ruleset -------------------------------------------------------------


@dataclass
class _Compiled:
    ruleset: Ruleset
    tenant_call: Any
    test_order: list[str]
    value_call: Any | None
    value_slots: dict[tuple[int, int], tuple[str | None, str | None]]  # (clause, condition) → (value key, per key)
    compare_call: Any | None
    ban_call: Any | None
    note_calls: list[Any]
    tenant_fields: tuple[str, ...]  # the roster fields the tests read: only these are sent to zen


def _guarded(term_expr: str, needs: tuple[str, ...], blank: bool | None) -> str:
    """A term that is null (unknown) when a field it needs is missing, never a zen comparison with null.

    With ``blank`` set, a blank cell means that value (e.g. no investment round), but a cell that held
    something unusable (``#.bad``) stays unknown.
    """
    if not needs:
        return f"({term_expr})"
    test = " or ".join(f"#.{n} == null" for n in needs)
    if blank is None:
        return f"(({test}) ? null : ({term_expr}))"
    bad = " or ".join(f"#.bad.{n} == true" for n in needs)
    return f"(({test}) ? (({bad}) ? null : {'true' if blank else 'false'}) : ({term_expr}))"


def _sme_expression(ruleset: Ruleset, side: str) -> str:
    """The class rank (its index in ``sme.ranked``: 0 is the smallest) from the figures on one side (lowest or
    highest possible), trying the classes from the largest down as the standard does."""
    sme = ruleset.sme
    assert sme is not None
    rank = {cls: i for i, cls in enumerate(sme.ranked)}
    parts = []
    for industry in sme.industries:
        chain = ""
        for cls in sme.bounded:
            bounds = sme.bounds(industry, cls)
            test = " and ".join(f"#.{side}.{fig} >= {bound}" for fig, bound in bounds.items())
            chain += f"({test}) ? {rank[cls]} : "
        chain += "0"
        parts.append(f"#.industry == '{industry}' ? ({chain})")
    return " : ".join(parts) + " : null"


def _class_table(allowed: tuple[str, ...], ranked: list[str]) -> str:
    """Kleene truth of "the class is one of `allowed`" for every (lowest, highest) rank pair, as a zen array."""
    ranks = {ranked.index(c) for c in allowed}
    size = len(ranked)
    cells = []
    for lo in range(size):
        for hi in range(size):
            possible = set(range(lo, hi + 1))
            cells.append("true" if possible and possible <= ranks else "false" if not possible & ranks else "null")
    return "[" + ", ".join(cells) + "]"


def _term_expression(term: Term, ruleset: Ruleset, folded: dict[str, str]) -> str:
    if term.test is not None:
        return folded[term.test]
    if term.sme_class is not None:
        ranked = ruleset.sme.ranked
        table = _class_table(term.sme_class, ranked)
        return f"((#.lo == null or #.hi == null) ? null : {table}[#.lo * {len(ranked)} + #.hi])"
    # Within the outer map `#` is {r: tenant, lo, hi}: the ruleset's `#.field` is the tenant's `#.r.field`.
    expr = _guarded(term.expr or "", term.needs, term.blank).replace("#.", "#.r.")
    # A profile figure the term reads (申报年度 → data_year) may be blank too: then the term is unknown.
    profile_names = sorted(n for n in identifiers(term.expr or "") if n in _PROFILE_KEYS or n in ("data_year", "year_before"))
    if profile_names:
        test = " or ".join(f"{n} == null" for n in profile_names)
        expr = f"(({test}) ? null : {expr})"
    return expr


def _fold(terms: list[str], how: str) -> str:
    """Kleene AND (all) or OR (any) of term expressions, in zen."""
    if len(terms) == 1:
        return terms[0]
    decisive, other = ("false", "true") if how == "all" else ("true", "false")
    any_decisive = " or ".join(f"{t} == {decisive}" for t in terms)
    any_unknown = " or ".join(f"{t} == null" for t in terms)
    return f"(({any_decisive}) ? {decisive} : (({any_unknown}) ? null : {other}))"


def _tenant_fields(ruleset: Ruleset) -> tuple[str, ...]:
    fields = {"industry", "registered_year"}
    for test in ruleset.tenant_tests.values():
        for term in test.terms:
            fields.update(term.needs)
            if term.expr:
                fields.update(re.findall(r"#\.([A-Za-z_]\w*)", term.expr))
    if ruleset.sme is not None:
        fields.update(spec["column"] for spec in ruleset.sme.figures.values())
    return tuple(sorted(fields))


def _test_order(tests: dict[str, TenantTest]) -> list[str]:
    order: list[str] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in order:
            return
        if name in visiting:
            from .errors import RulesetError

            raise RulesetError(f"在孵企业检验 {name} 循环引用", f"tenant test {name} refers to itself in a cycle")
        visiting.add(name)
        for term in tests[name].terms:
            if term.test:
                visit(term.test)
        visiting.discard(name)
        order.append(name)

    for name in tests:
        visit(name)
    return order


def _comparison(i: int, cond: Condition, side: str, which: str) -> str:
    n, d, t = f"c{i}{side}n", f"c{i}{side}d", f"c{i}t{which}"
    if isinstance(cond.threshold, bool):
        return f"{n} {cond.operator} {t}"
    if cond.share is not None or cond.per is not None:
        # A share of nothing meets no threshold: a denominator of zero fails the clause.
        return f"({d} > 0 and {n} {cond.operator} {t} * {d})"
    return f"{n} {cond.operator} {t}"


_COMPILED: dict[tuple[str, str], _Compiled] = {}


def _compile(ruleset: Ruleset) -> _Compiled:
    """The ruleset's expressions compiled once per process (keyed by id and content hash)."""
    key = (ruleset.id, ruleset.sha256)
    if key not in _COMPILED:
        _COMPILED[key] = _compile_uncached(ruleset)
    return _COMPILED[key]


def _compile_uncached(ruleset: Ruleset) -> _Compiled:
    where = ruleset.id
    tests = ruleset.tenant_tests
    order = _test_order(tests)
    folded: dict[str, str] = {}
    term_lists: dict[str, list[str]] = {}
    for name in order:
        terms = [_term_expression(term, ruleset, folded) for term in tests[name].terms]
        term_lists[name] = terms
        folded[name] = _fold(terms, "all" if tests[name].all is not None else "any")
    # Two maps over the roster in one call: the inner classifies each tenant once (lowest and highest
    # possible class); the outer folds every test with Kleene logic. `#.r` is the tenant's row.
    inner = f"map(tenants, {{r: #, lo: {_sme_expression(ruleset, 'lo')}, hi: {_sme_expression(ruleset, 'hi')}}})"
    entries = [f"'{name}': {folded[name]}" for name in order]
    entries.append(f"'terms:{ruleset.population}': [{', '.join(term_lists[ruleset.population])}]")
    for name, test in tests.items():
        if test.finding is not None:
            entries.append(f"'terms:{name}': [{', '.join(term_lists[name])}]")
    entries += ["lo: #.lo", "hi: #.hi"]
    aggregates = ", ".join(f"'{name}': {agg.expr}" for name, agg in ruleset.aggregates.items())
    tenant_call = compile_expression(f"{{t: map({inner}, {{{', '.join(entries)}}}), a: {{{aggregates}}}}}", where)
    tenant_fields = _tenant_fields(ruleset)

    value_parts = []
    value_slots: dict[tuple[int, int], tuple[str | None, str | None]] = {}
    compare_parts = []
    cond_index = 0
    for ci, clause in enumerate(ruleset.clauses):
        for ki, cond in enumerate(clause.conditions):
            vkey = pkey = None
            if cond.value is not None:
                vkey = f"v{ci}_{ki}"
                value_parts.append(f"'{vkey}': {cond.value}")
            if cond.per is not None:
                pkey = f"p{ci}_{ki}"
                value_parts.append(f"'{pkey}': {cond.per}")
            value_slots[(ci, ki)] = (vkey, pkey)
            for side in ("w", "b"):
                for which in ("n", "r"):
                    compare_parts.append(_comparison(cond_index, cond, side, which))
            cond_index += 1
    value_call = compile_expression("{" + ", ".join(value_parts) + "}", where) if value_parts else None
    compare_call = compile_expression("[" + ", ".join(compare_parts) + "]", where) if compare_parts else None
    ban_call = compile_expression(ruleset.bans.in_force, where) if ruleset.bans else None
    note_calls = [compile_expression(note.when, f"{where} note {note.id}") for note in ruleset.notes]
    return _Compiled(ruleset, tenant_call, order, value_call, value_slots, compare_call,
                     ban_call, note_calls, tenant_fields)


# --- per-tenant tests ---------------------------------------------------------------------------


@dataclass
class _TenantOutcome:
    tenant: Tenant
    tests: dict[str, K] = field(default_factory=dict)
    terms: dict[str, list[K]] = field(default_factory=dict)
    sme_class: tuple[str | None, str | None] = (None, None)


_PLAIN = {type(None), bool, int, str, float}


def _tenant_context(tenant: Tenant, fields: tuple[str, ...], figures: dict[str, str], source) -> dict[str, Any]:
    values = tenant.__dict__
    row: dict[str, Any] = {}
    for key in fields:
        value = values.get(key)
        cls = value.__class__
        if cls is Decimal:
            # zen reads a float as its shortest decimal, so a figure typed in a cell arrives exactly.
            value = float(value)
        elif cls not in _PLAIN:
            value = to_engine(value)
        row[key] = value
    row["registered_year"] = tenant.registered_on.year if tenant.registered_on else None
    lo, hi = {}, {}
    for figure, column in figures.items():
        value = row.get(column)
        lo[figure] = 0 if value is None else value
        hi[figure] = _BIG if value is None else value
    row["lo"], row["hi"] = lo, hi
    row["bad"] = {key: True for key in unusable_fields(tenant, source)} if source.unusable else {}
    return row


def unusable_fields(tenant: Tenant, source) -> list[str]:
    suffix = f".{tenant.row}"
    return [u.split(".")[1] for u in source.unusable if u.startswith("tenants.") and u.endswith(suffix)]


def _run_tenant_tests(compiled: _Compiled, submission: Submission, base: dict[str, Any]):
    ruleset = compiled.ruleset
    tenants = submission.tenants
    figures = {figure: spec["column"] for figure, spec in ruleset.sme.figures.items()} if ruleset.sme else {}
    context = dict(base)
    context["tenants"] = [_tenant_context(t, compiled.tenant_fields, figures, submission.source) for t in tenants]
    context["funds"] = [to_engine(f.__dict__) for f in submission.funds or ()]
    context["staff"] = [to_engine(s.__dict__) for s in submission.staff or ()]
    failures: list[str] = []
    try:
        result = evaluate(compiled.tenant_call, context)
        rows, aggregates = result["t"], result["a"]
    except EngineFailure as exc:
        failures.append(str(exc))
        rows, aggregates = [{} for _ in tenants], {}
    population = ruleset.population
    ranked = ruleset.sme.ranked if ruleset.sme else []
    outcomes = []
    for tenant, row in zip(tenants, rows):
        outcome = _TenantOutcome(tenant)
        lo, hi = row.get("lo"), row.get("hi")
        outcome.sme_class = (None if lo is None else ranked[int(lo)], None if hi is None else ranked[int(hi)])
        outcome.tests = {name: row.get(name) for name in compiled.test_order}
        outcome.terms = {key[6:]: value for key, value in row.items() if key.startswith("terms:")}
        if population not in outcome.terms:
            outcome.terms[population] = [None] * len(ruleset.tenant_tests[population].terms)
        if tenant.duplicate_of is not None:
            outcome.tests[population] = False
        outcomes.append(outcome)
    return outcomes, aggregates, failures


# --- figures of a condition -----------------------------------------------------------------------


@dataclass
class _Figure:
    known: bool
    worst: tuple[Any, Any] = (0, 0)  # (numerator, denominator); denominator None when not a ratio
    best: tuple[Any, Any] = (0, 0)
    needs: list[str] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)


def _share_figure(outcomes: list[_TenantOutcome], ruleset: Ruleset, test: str, submission: Submission,
                  needs_fields: list[str]) -> _Figure:
    """The share of the population passing a test, at its lowest and highest; and the cells that would decide it."""
    population = ruleset.population
    tt = tf = tu = ut = uf = uu = 0
    rows: list[int] = []
    missing: list[str] = []
    source = submission.source
    for o in outcomes:
        q, x = o.tests[population], o.tests[test]
        if q is False:
            continue
        if q is True:
            if x is True:
                tt += 1
                rows.append(o.tenant.row)
            elif x is False:
                tf += 1
            else:
                tu += 1
        else:
            if x is True:
                ut += 1
            elif x is False:
                uf += 1
            else:
                uu += 1
        if q is None:
            missing += _population_cells(o, ruleset, source)
        if x is None:
            missing += [ref for key in needs_fields if getattr(o.tenant, key, None) is None
                        for ref in [source.tenant_ref(key, o.tenant.row)] if ref]
    # Lowest share: undecided rows count against (qualifying but not passing) wherever they can;
    # highest share: they count for, or drop out of the population when they would only dilute it.
    k_min, n_min = tt, tt + tf + tu + uf + uu
    k_max = tt + tu + ut + uu
    n_max = k_max + tf
    return _Figure(True, (k_min, n_min), (k_max, n_max), sorted(set(missing)), rows)


def _column_evidence(submission: Submission, fields: list[str]) -> list[str]:
    source = submission.source
    if not submission.tenants:
        return []
    first, last = submission.tenants[0].row, submission.tenants[-1].row
    refs = []
    for key in fields:
        col = source.columns.get("tenants", {}).get(key)
        if col:
            refs.append(f"{source.sheets.get('tenants', '在孵企业')}!{col}{first}:{col}{last}")
    return refs


def _test_fields(ruleset: Ruleset, name: str) -> list[str]:
    """The roster columns a tenant test reads, following referenced tests and the SME figures."""
    fields: list[str] = []
    for term in ruleset.tenant_tests[name].terms:
        if term.expr is not None:
            fields.extend(term.needs)
        elif term.test is not None:
            fields.extend(_test_fields(ruleset, term.test))
        elif term.sme_class is not None and ruleset.sme is not None:
            fields.append("industry")
            fields.extend(spec["column"] for spec in ruleset.sme.figures.values())
    return list(dict.fromkeys(fields))


# --- the check ------------------------------------------------------------------------------------


def _profile_context(submission: Submission, ruleset: Ruleset) -> dict[str, Any]:
    profile = submission.profile
    context = {key: to_engine(getattr(profile, key)) for key in _PROFILE_KEYS}
    context["data_year"] = profile.data_year
    context["year_before"] = None if profile.application_year is None else profile.application_year - 2
    for name, parameter in ruleset.parameters.items():
        context[name] = to_engine(parameter.value)
    return context


def _placeholder(context: dict[str, Any]) -> dict[str, Any]:
    """Missing values replaced so that one zen call can compute every figure; figures that read them are discarded."""
    return {k: (0 if v is None else v) for k, v in context.items()}


def _shortfall(cond: Condition, figure: _Figure, threshold: Decimal) -> Fraction | None:
    """The smallest change that passes the condition, in its own unit, from the most favourable figure."""
    if isinstance(cond.threshold, bool) or cond.shortfall is None:
        return None
    num, den = figure.best
    num = Fraction(num)
    t = Fraction(threshold)
    integer = cond.shortfall_unit in INTEGER_UNITS
    strict = cond.operator == ">"
    if cond.shortfall == "amount" or den is None:
        gap = t - num
        if integer:
            target = math.floor(t) + 1 if strict else math.ceil(t)
            return Fraction(max(target - num, 0))
        return max(gap, Fraction(0))
    den = Fraction(den)
    if den == 0:
        # Nothing to convert in an empty population; adding one qualifying item is the least that can pass.
        return Fraction(1) if cond.shortfall == "add" and integer else None
    if cond.shortfall == "convert":
        need = t * den
        target = math.floor(need) + 1 if strict else math.ceil(need)
        return Fraction(max(target - num, 0)) if integer else max(need - num, Fraction(0))
    # "add": new items that count in both numerator and denominator: (num + x) / (den + x) ≥ t.
    if t >= 1:
        return None
    need = (t * den - num) / (1 - t)
    if integer:
        x = math.floor(need) + 1 if strict else math.ceil(need)
        return Fraction(max(x, 0))
    if need <= 0:
        return Fraction(0)
    # Money is rounded up to the yuan (0.0001 万元): the smallest amount that is enough.
    return Fraction((Decimal(need.numerator) / Decimal(need.denominator)).quantize(Decimal("0.0001"), rounding=ROUND_CEILING))


def _status(worst_pass: bool, best_pass: bool) -> Status:
    if worst_pass:
        return Status.PASS
    if not best_pass:
        return Status.FAIL
    return Status.MISSING


def _merge(a: Status, b: Status) -> Status:
    return a if a == b else Status.MISSING


def _combine(statuses: list[Status], how: str) -> Status:
    if how == "any":
        if Status.PASS in statuses:
            return Status.PASS
        return Status.MISSING if Status.MISSING in statuses else Status.FAIL
    if Status.FAIL in statuses:
        return Status.FAIL
    return Status.MISSING if Status.MISSING in statuses else Status.PASS


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February → 28 February
        return day.replace(year=day.year + years, day=28)


@dataclass
class CheckOptions:
    """How to check: the language of messages, and the date of the check (``--as-of``)."""

    lang: str = "zh"
    as_of: dt.date | None = None


def check_submission(submission: Submission, ruleset: Ruleset, findings: list[Finding] | None = None,
                     options: CheckOptions | None = None) -> Report:
    """Judge one submission against one ruleset."""
    options = options or CheckOptions()
    lang = options.lang
    en = lang == "en"
    compiled = _compile(ruleset)
    profile = submission.profile
    source = submission.source
    findings = list(findings or [])
    base = _profile_context(submission, ruleset)

    outcomes, aggregates, failures = _run_tenant_tests(compiled, submission, base)
    population = ruleset.population
    n_lo = sum(1 for o in outcomes if o.tests[population] is True)
    n_hi = n_lo + sum(1 for o in outcomes if o.tests[population] is None)

    # Which aggregates are unknown (a sheet they read is absent).
    aggregate_values: dict[str, Any] = {}
    for name, agg in ruleset.aggregates.items():
        if any(getattr(submission, need, None) is None for need in agg.needs):
            aggregate_values[name] = None
        else:
            aggregate_values[name] = from_engine(aggregates.get(name))

    # Profile figures, at the lowest and at the highest population.
    figures_by_n: dict[int, dict[str, Any]] = {}
    if compiled.value_call is not None:
        for n in {n_lo, n_hi}:
            ctx = _placeholder({**base, **{k: to_engine(v) for k, v in aggregate_values.items()}, "N": n})
            try:
                figures_by_n[n] = {k: from_engine(v) for k, v in evaluate(compiled.value_call, ctx).items()}
            except EngineFailure as exc:
                failures.append(str(exc))
                figures_by_n[n] = {}

    remote = getattr(profile, ruleset.relaxation.when) if ruleset.relaxation else False
    factor = ruleset.relaxation.factor if ruleset.relaxation else Decimal(1)

    # Build every condition's figure, then one zen call makes every comparison.
    plans: list[tuple[int, int, Condition, _Figure]] = []
    compare_ctx: dict[str, Any] = {}
    index = 0
    for ci, clause in enumerate(ruleset.clauses):
        for ki, cond in enumerate(clause.conditions):
            figure = _condition_figure(ci, ki, cond, compiled, submission, outcomes, aggregate_values,
                                       figures_by_n, n_lo, n_hi, base)
            plans.append((ci, ki, cond, figure))
            relaxed_threshold = cond.threshold if isinstance(cond.threshold, bool) or not cond.relaxable else cond.threshold * factor
            compare_ctx[f"c{index}tn"] = to_engine(cond.threshold)
            compare_ctx[f"c{index}tr"] = to_engine(relaxed_threshold)
            for side, pair in (("w", figure.worst), ("b", figure.best)):
                default = False if isinstance(cond.threshold, bool) else 0
                compare_ctx[f"c{index}{side}n"] = to_engine(pair[0]) if figure.known and pair[0] is not None else default
                compare_ctx[f"c{index}{side}d"] = to_engine(pair[1]) if figure.known and pair[1] is not None else 1
            index += 1
    comparisons: list[Any] = []
    if compiled.compare_call is not None:
        try:
            comparisons = evaluate(compiled.compare_call, compare_ctx)
        except EngineFailure as exc:
            failures.append(str(exc))
            comparisons = []

    results: list[ClauseResult] = []
    plan_iter = iter(enumerate(plans))
    by_clause: dict[int, list[tuple[int, Condition, _Figure]]] = {}
    for i, (ci, ki, cond, figure) in plan_iter:
        by_clause.setdefault(ci, []).append((i, cond, figure))

    app_date, app_source = _application_date(profile, options)
    for ci, clause in enumerate(ruleset.clauses):
        if clause.review is not None:
            results.append(_review_result(clause, lang, base))
        elif clause.ban:
            results.append(_ban_result(clause, ruleset, compiled, profile, source, app_date, app_source, lang))
        else:
            results.append(_condition_clause(clause, by_clause.get(ci, []), comparisons, remote, factor, ruleset,
                                             submission, lang, bool(failures)))

    if ruleset.relaxation and remote is True and ruleset.relaxation.review:
        item = ruleset.relaxation.review
        category = str(profile.remote_area_category.value) if profile.remote_area_category else ("未填类别" if not en else "no category given")
        results.append(ClauseResult(
            id=item.id, article=item.article, title=item.title(lang), title_zh=item.title.zh, title_en=item.title.en,
            status=Status.REVIEW, message=item.message(lang, category=category),
            evidence=[r for r in (source.profile_ref(ruleset.relaxation.when), source.profile_ref("remote_area_category")) if r]))

    excluded = _excluded(outcomes, ruleset, submission, lang, findings)
    _test_findings(outcomes, ruleset, submission, findings)
    if failures:
        findings.append(Finding(code="engine-failure", severity=Severity.ERROR, file=source.path,
                                message_zh=f"规则引擎无法计算部分条款（{failures[0]}），相关条款需人工复核",
                                message_en=f"the rules engine could not compute some clauses ({failures[0]}); they need review"))
    if profile.level is not None and profile.level.value != ruleset.level:
        findings.append(Finding(code="level-mismatch", severity=Severity.WARNING, file=source.path,
                                sheet=source.sheets.get("profile"), cell=source.profile_cells.get("level"),
                                message_zh=f"申报级别为{profile.level.value}，但按{ruleset.level}规则集（{ruleset.id}）检查",
                                message_en=f"the application is for {profile.level.value}, but was checked against the {ruleset.level} ruleset ({ruleset.id})"))
    if ruleset.example:
        findings.append(Finding(code="example-ruleset", severity=Severity.WARNING, file=source.path,
                                message_zh=f"所用规则集 {ruleset.id} 仅为示例，并非真实的认定条件",
                                message_en=f"ruleset {ruleset.id} is an example only, not real accreditation criteria"))

    statuses = [r.status for r in results]
    if Status.FAIL in statuses:
        verdict = Verdict.FAIL
    elif Status.MISSING in statuses:
        verdict = Verdict.INCOMPLETE
    else:
        verdict = Verdict.PASS

    notes = []
    for note, call in zip(ruleset.notes, compiled.note_calls):
        names = identifiers(note.when)
        if any(base.get(n) is None for n in names if n in base):
            continue
        try:
            if evaluate(call, base) is True:
                notes.append({"id": note.id, "article": note.article, "message": note.message(lang),
                              "message_zh": note.message.zh, "message_en": note.message.en})
        except EngineFailure:
            continue

    relaxation = None
    if ruleset.relaxation:
        relaxation = {"applied": remote is True, "factor": exact(factor), "basis": ruleset.relaxation.basis,
                      "declared": remote, "category": profile.remote_area_category.value if profile.remote_area_category else None}
    return Report(
        source={"path": source.path, "sha256": source.sha256},
        ruleset={"id": ruleset.id, "version": ruleset.version, "sha256": ruleset.sha256, "title": ruleset.title(lang),
                 "citation": ruleset.citation, "effective": ruleset.effective.isoformat(), "example": ruleset.example},
        incubator={"name": profile.incubator_name, "operator_name": profile.operator_name,
                   "operator_uscc": profile.operator_uscc, "province": profile.province,
                   "level": profile.level.value if profile.level else None,
                   "application_year": profile.application_year, "data_year": profile.data_year},
        relaxation=relaxation,
        application_date={"date": app_date.isoformat(), "source": app_source},
        verdict=verdict,
        clauses=results,
        tenants=TenantSummary(listed=len(submission.tenants), qualifying=n_lo,
                              qualifying_max=n_hi if n_hi != n_lo else None, excluded=excluded),
        findings=[f.as_json(lang) for f in bound(findings)],
        notes=notes,
        lang=lang,
    )


def _condition_figure(ci: int, ki: int, cond: Condition, compiled: _Compiled, submission: Submission,
                      outcomes: list[_TenantOutcome], aggregate_values: dict[str, Any],
                      figures_by_n: dict[int, dict[str, Any]], n_lo: int, n_hi: int, base: dict[str, Any]) -> _Figure:
    ruleset = compiled.ruleset
    source = submission.source
    if cond.share is not None:
        fields = [f for f in _test_fields(ruleset, cond.share) if f != "registered_year"]
        figure = _share_figure(outcomes, ruleset, cond.share, submission, fields)
        # A test that reads a profile figure (申报年度 for "registered in the data year") is unknown without it.
        for name in sorted(_test_profile_names(ruleset, cond.share)):
            if base.get(name) is None:
                source_name = "application_year" if name in ("data_year", "year_before") else name
                ref = source.profile_ref(source_name) or PROFILE.field(source_name).header
                figure.needs = [ref] + figure.needs
        figure.evidence = _column_evidence(submission, list(dict.fromkeys(_test_fields(ruleset, cond.share))))
        return figure
    names = set(cond.needs or ()) | identifiers(cond.value or "") | identifiers(cond.per or "")
    profile_names = sorted(n for n in names if n in _PROFILE_KEYS)
    evidence = [r for r in (source.profile_ref(n) for n in profile_names) if r]
    missing = [n for n in profile_names if base.get(n) is None]
    missing += [n for n in names if n in aggregate_values and aggregate_values[n] is None]
    if missing:
        needs = []
        for n in missing:
            if n in _PROFILE_KEYS:
                ref = source.profile_ref(n)
                label = PROFILE.field(n).header
                needs.append(f"{ref}（{label}）" if ref else f"{source.sheets.get('profile', '基本信息')}：{label}")
            else:
                sheets = [source.sheets.get(need) or _SHEET_NAMES.get(need, need) for need in ruleset.aggregates[n].needs]
                needs.append("、".join(f"{sheet}（工作表 / sheet）" for sheet in sheets))
        return _Figure(False, needs=needs, evidence=evidence)
    vkey, pkey = compiled.value_slots[(ci, ki)]
    lo_vals, hi_vals = figures_by_n.get(n_lo, {}), figures_by_n.get(n_hi, {})
    if (vkey and vkey not in lo_vals) or (pkey and pkey not in lo_vals):
        return _Figure(False, needs=["engine"], evidence=evidence)
    nums = [lo_vals.get(vkey), hi_vals.get(vkey)]
    dens = [lo_vals.get(pkey), hi_vals.get(pkey)] if pkey else [None, None]
    if "N" in names:
        evidence += _column_evidence(submission, ["registered_in_incubator", "operating_in_incubator", "industry"])
    if isinstance(nums[0], bool):
        return _Figure(True, (nums[0], None), (nums[0], None), evidence=evidence)
    ascending = cond.operator in (">=", ">")
    num_lo, num_hi = min(nums), max(nums)
    den_lo, den_hi = (min(dens), max(dens)) if pkey else (None, None)
    worst = (num_lo, den_hi) if ascending else (num_hi, den_lo)
    best = (num_hi, den_lo) if ascending else (num_lo, den_hi)
    needs = []
    if n_lo != n_hi and "N" in names:
        needs = _undecided_cells(outcomes, ruleset, submission)
    return _Figure(True, worst, best, needs=needs, evidence=evidence)


def _undecided_cells(outcomes: list[_TenantOutcome], ruleset: Ruleset, submission: Submission) -> list[str]:
    cells = []
    for o in outcomes:
        if o.tests[ruleset.population] is None:
            cells += _population_cells(o, ruleset, submission.source)
    return cells


def _population_cells(o: _TenantOutcome, ruleset: Ruleset, source) -> list[str]:
    """The blank cells that keep a tenant's Article 8 status undecided — only those that could decide it."""
    t = o.tenant
    cells: list[str] = []
    for term, value in zip(ruleset.tenant_tests[ruleset.population].terms, o.terms[ruleset.population]):
        if value is not None:
            continue
        if term.sme_class is not None:
            cells += [ref for ref, _ in _missing_sme_figures(t, ruleset.sme, source)]
        else:
            cells += [source.tenant_ref(n, t.row) or n for n in term.needs if getattr(t, n, None) is None]
    return cells


def _test_profile_names(ruleset: Ruleset, name: str) -> set[str]:
    """The profile-level names (申报年度's data_year, parameters excluded) a tenant test reads."""
    names: set[str] = set()
    for term in ruleset.tenant_tests[name].terms:
        if term.expr is not None:
            names |= {n for n in identifiers(term.expr.replace("#.", "#_")) if n in _PROFILE_KEYS or n in ("data_year", "year_before")}
        elif term.test is not None:
            names |= _test_profile_names(ruleset, term.test)
    return names


def _ratio(num: Any, den: Any) -> Fraction | None:
    if den is None:
        return Fraction(num) if not isinstance(num, bool) else None
    if den == 0:
        return None
    return Fraction(num) / Fraction(den)


def _condition_clause(clause: Clause, conds: list[tuple[int, Condition, _Figure]], comparisons: list[Any],
                      remote: K, factor: Decimal, ruleset: Ruleset, submission: Submission, lang: str,
                      engine_failed: bool) -> ClauseResult:
    en = lang == "en"
    source = submission.source
    data_year = submission.profile.data_year
    year_before = None if data_year is None else data_year - 1
    cond_results: list[ConditionResult] = []
    statuses: list[Status] = []
    evidence: list[str] = []
    rows: list[int] = []
    needs: list[str] = []
    relaxed_any = False
    for i, cond, figure in conds:
        evidence += figure.evidence
        relaxable = cond.relaxable and ruleset.relaxation is not None and not isinstance(cond.threshold, bool)
        thr_normal = cond.threshold
        thr_relaxed = cond.threshold * factor if relaxable else cond.threshold  # type: ignore[operator]
        base_index = i * 4
        if not figure.known or len(comparisons) <= base_index + 3:
            status = Status.MISSING if figure.needs != ["engine"] and not (engine_failed and not comparisons) else Status.REVIEW
        else:
            wn, wr, bn, br = comparisons[base_index: base_index + 4]
            normal = _status(wn, bn)
            relaxed = _status(wr, br)
            if not relaxable or remote is False:
                status = normal
            elif remote is True:
                status = relaxed
            else:
                status = _merge(normal, relaxed)
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
        result = ConditionResult(status=status, operator=cond.operator, threshold=exact(thr_normal),
                                 effective_threshold=exact(effective), shortfall_unit=cond.shortfall_unit,
                                 needs=figure.needs if status is Status.MISSING else [])
        if figure.known:
            wv, bv = _ratio(*figure.worst), _ratio(*figure.best)
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
            gap = _shortfall(cond, figure, effective)  # type: ignore[arg-type]
            result.shortfall = exact(gap) if gap is not None else None
        cond_results.append(result)
    status = _combine(statuses, clause.combine)
    for result, (_, cond, _) in zip(cond_results, conds):
        # A shortfall is advice for a failing clause only: a passing "any" clause needs no advice on its other branch.
        text = (cond.shortfall_text or clause.shortfall_text) if status is Status.FAIL else None
        result.message = _condition_message(result, cond, clause, text, lang, data_year, year_before)
    if engine_failed and status is Status.MISSING and any(c.needs == ["engine"] for c in cond_results):
        status = Status.REVIEW
    # The figure shown for the clause: the branch that passed in an "any" clause, else the first condition.
    primary = next((c for c in cond_results if c.status is Status.PASS), cond_results[0]) if clause.combine == "any" else cond_results[0]
    shortfall = None
    shortfall_unit = ""
    if status is Status.FAIL:
        gaps = [c for c in cond_results if c.status is Status.FAIL and c.shortfall is not None]
        if gaps:
            pick = min(gaps, key=lambda c: Fraction(c.shortfall)) if clause.combine == "any" else gaps[0]
            shortfall, shortfall_unit = pick.shortfall, pick.shortfall_unit or clause.unit
    messages = [c.message for c in cond_results if c.message]
    if status is Status.PASS and clause.combine == "any":
        messages = [c.message for c in cond_results if c.status is Status.PASS][:1] + [
            c.message for c in cond_results if c.status is not Status.PASS]
    if relaxed_any:
        basis = ruleset.relaxation.basis if ruleset.relaxation else ""
        lowered = percent(1 - Fraction(factor))
        messages.append(f"lowered {lowered} under {basis} (× {exact(factor)})" if en else f"已按{basis}降低 {lowered}（× {exact(factor)}）")
    return ClauseResult(
        id=clause.id, article=clause.article, title=clause.title(lang), title_zh=clause.title.zh,
        title_en=clause.title.en, status=status, value=primary.value, value_range=primary.value_range,
        unit=clause.unit, operator=primary.operator, threshold=primary.threshold,
        effective_threshold=primary.effective_threshold, relaxed=relaxed_any, shortfall=shortfall,
        shortfall_unit=shortfall_unit,
        message=("；" if not en else "; ").join(messages), reading=in_language(clause.reading, lang),
        evidence=list(dict.fromkeys(evidence)), rows=sorted(set(rows)), needs=list(dict.fromkeys(needs))[:50],
        conditions=cond_results)


def _show(value: str | None, unit: str, lang: str) -> str:
    if value is None:
        return "—"
    if value in ("true", "false"):
        return ("yes" if value == "true" else "no") if lang == "en" else ("是" if value == "true" else "否")
    if unit == "ratio":
        frac = Fraction(value) if "/" not in value else Fraction(*map(int, value.split("/")))
        return percent(frac)
    return value


def _condition_message(result: ConditionResult, cond: Condition, clause: Clause, text: Text | None, lang: str,
                       data_year: int | None, year_before: int | None) -> str:
    en = lang == "en"
    unit = "ratio" if (cond.share is not None or cond.per is not None) else clause.unit
    unit_word = "" if unit in ("ratio", "flag", "date") else (" m²" if unit == "m2" and en else (" 平方米" if unit == "m2" else f" {unit}"))
    op = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "="}[cond.operator]
    if result.value_range:
        shown = f"{_show(result.value_range[0], unit, lang)}–{_show(result.value_range[1], unit, lang)}"
    else:
        shown = _show(result.value, unit, lang) + ("" if result.value is None else unit_word)
    if result.numerator is not None and result.denominator is not None:
        shown = f"{result.numerator}/{result.denominator}" + (f" = {shown}" if result.value is not None else "")
    thr = _show(result.threshold, unit, lang)
    if result.effective_threshold != result.threshold:
        relaxed = _show(result.effective_threshold, unit, lang)
        thr += f" (relaxed {relaxed})" if en else f"（降低后 {relaxed}）"
    if result.status is Status.MISSING:
        needed = "、".join(result.needs[:5]) + ("…" if len(result.needs) > 5 else "")
        return (f"missing data decides it: {needed}" if en else f"取决于缺失的数据：{needed}") if needed else (
            "missing data decides it" if en else "取决于缺失的数据")
    if result.status is Status.REVIEW:
        return "could not be computed; needs review" if en else "无法计算，需人工复核"
    if isinstance(cond.threshold, bool):
        base = f"{shown} (expected {thr})" if en else f"{shown}（应为{thr}）"
    else:
        base = f"{shown}, threshold {op} {thr}" if en else f"{shown}，门槛 {op} {thr}"
    if result.status is Status.FAIL and text is not None:
        base += ("；" if not en else "; ") + text(lang, shortfall=result.shortfall or "", data_year=data_year or "",
                                                   year_before=year_before or "")
    return base


def _review_result(clause: Clause, lang: str, base: dict[str, Any]) -> ClauseResult:
    values = {k: ("—" if v is None else v) for k, v in base.items()}
    return ClauseResult(id=clause.id, article=clause.article, title=clause.title(lang), title_zh=clause.title.zh,
                        title_en=clause.title.en, status=Status.REVIEW, message=clause.review(lang, **values),  # type: ignore[misc]
                        reading=in_language(clause.reading, lang))


def _application_date(profile, options: CheckOptions) -> tuple[dt.date, str]:
    if profile.application_date is not None:
        return profile.application_date, "申报日期"
    if options.as_of is not None:
        return options.as_of, "--as-of"
    return dt.date.today(), "检查当日"


def _ban_result(clause: Clause, ruleset: Ruleset, compiled: _Compiled, profile, source, app_date: dt.date,
                app_source: str, lang: str) -> ClauseResult:
    en = lang == "en"
    bans = ruleset.bans
    common = dict(id=clause.id, article=clause.article, title=clause.title(lang), title_zh=clause.title.zh,
                  title_en=clause.title.en, unit="date", operator=">", reading=bans.reading(lang) if bans else "")
    evidence = [r for r in (source.profile_ref("revoked_on"), source.profile_ref("revocation_reason"),
                            source.profile_ref("application_date")) if r]
    used = {"申报日期": ("申报日期", "the application date"), "--as-of": ("--as-of 指定日期", "the --as-of date"),
            "检查当日": ("检查当日", "the date of the check")}[app_source]
    when = f"{used[1]} {app_date}" if en else f"{used[0]} {app_date}"
    if profile.revoked_on is None and (source.is_unusable("profile", "revoked_on") or profile.revocation_reason is not None):
        # A reason without a date (or a date that could not be read) declares a revocation whose ban cannot be dated.
        ref = source.profile_ref("revoked_on") or "revoked_on"
        return ClauseResult(**common, status=Status.MISSING, evidence=evidence, needs=[ref],
                            message=f"the revocation date at {ref} is blank or unusable" if en else f"撤销日期 {ref} 未填写或无法识别，无法判断禁止期")
    if bans is None or profile.revoked_on is None:
        return ClauseResult(**common, status=Status.PASS, value=app_date.isoformat(), evidence=evidence,
                            message=("no earlier revocation declared; " + when) if en else f"未填报撤销记录；{when}")
    revoked = profile.revoked_on
    reason = profile.revocation_reason.value if profile.revocation_reason else None
    candidates = sorted(set(bans.years.values())) if reason is None else [bans.years.get(reason, max(bans.years.values()))]
    results = []
    for years in candidates:
        end = _add_years(revoked, years)
        try:
            in_force = evaluate(compiled.ban_call, {"application_day": app_date.toordinal(), "ban_end_day": end.toordinal()})
        except EngineFailure:
            in_force = None
        results.append((years, end, in_force))
    if any(r[2] is None for r in results):
        return ClauseResult(**common, status=Status.REVIEW, evidence=evidence,
                            message="could not be computed; needs review" if en else "无法计算，需人工复核")
    if all(r[2] for r in results):
        status = Status.FAIL
    elif not any(r[2] for r in results):
        status = Status.PASS
    else:
        status = Status.MISSING
    years, end, _ = results[-1] if status is not Status.PASS else results[0]
    earliest = end + dt.timedelta(days=1)
    reason_text = reason or ("reason not given" if en else "未填写撤销原因")
    if status is Status.FAIL:
        message = (f"revoked on {revoked} ({reason_text}): no application for {years} years, until {end}; {when}; "
                   f"earliest application {earliest}") if en else (
            f"{revoked} 被撤销（{reason_text}），{years} 年内不得再次申报，至 {end}；{when}；最早可于 {earliest} 申报")
    elif status is Status.PASS:
        message = (f"revoked on {revoked} ({reason_text}); the {years}-year ban ended on {end}; {when}") if en else (
            f"{revoked} 被撤销（{reason_text}），{years} 年禁止期已于 {end} 届满；{when}")
    else:
        message = (f"revoked on {revoked}; whether the ban is 2 or 3 years depends on the reason (撤销原因); {when}") if en else (
            f"{revoked} 被撤销；禁止期为 2 年或 3 年取决于撤销原因，请填写；{when}")
    needs = [source.profile_ref("revocation_reason") or "撤销原因"] if status is Status.MISSING else []
    return ClauseResult(**common, status=status, value=app_date.isoformat(), threshold=end.isoformat(),
                        effective_threshold=end.isoformat(), shortfall=earliest.isoformat() if status is Status.FAIL else None,
                        shortfall_unit="date" if status is Status.FAIL else "",
                        message=message, evidence=evidence, needs=needs)


def _exclusion_reasons(o: _TenantOutcome, ruleset: Ruleset, source, lang: str) -> list[str]:
    """Why a roster row is not (or not surely) a tenant under Article 8, in one language."""
    en = lang == "en"
    t = o.tenant
    sme = ruleset.sme
    reasons: list[str] = []
    if t.duplicate_of is not None:
        reasons.append(f"duplicates row {t.duplicate_of} (same USCC)" if en else f"与第 {t.duplicate_of} 行统一社会信用代码重复")
    for term, value in zip(ruleset.tenant_tests[ruleset.population].terms, o.terms[ruleset.population]):
        if value is True:
            continue
        if term.sme_class is not None:
            lo = o.sme_class[0]
            if value is False and lo is not None:
                cls = sme.classes[lo](lang) if sme else lo
                reasons.append(term.reason(lang, **{"class": cls}) if term.reason else cls)
            else:
                needed = _missing_sme_text(t, sme, source, lang)
                reasons.append(f"cannot be classified as small or micro without {needed}" if en
                               else f"缺少{needed}，无法判定是否为小型或微型企业")
        elif value is False:
            reasons.append(term.reason(lang) if term.reason else (term.expr or ""))
        else:
            cells = [source.tenant_ref(n, t.row) or n for n in term.needs if getattr(t, n, None) is None]
            reasons.append(f"undecided: {', '.join(cells)} is blank" if en else f"无法判定：{'、'.join(cells)} 未填写")
    return reasons


def _excluded(outcomes: list[_TenantOutcome], ruleset: Ruleset, submission: Submission, lang: str,
              findings: list[Finding]) -> list[ExcludedTenant]:
    population = ruleset.population
    source = submission.source
    excluded = []
    for o in outcomes:
        q = o.tests[population]
        if q is True:
            continue
        t = o.tenant
        reasons = _exclusion_reasons(o, ruleset, source, lang)
        if q is None:
            zh = "；".join(_exclusion_reasons(o, ruleset, source, "zh"))
            en = "; ".join(_exclusion_reasons(o, ruleset, source, "en"))
            findings.append(Finding(code="tenant-undecided", severity=Severity.WARNING, file=source.path,
                                    sheet=source.sheets.get("tenants"), row=t.row,
                                    cell=(source.tenant_ref("name", t.row) or "!").split("!", 1)[1] or None,
                                    message_zh=f"第 {t.row} 行「{t.name or ''}」能否计为在孵企业无法判定：{zh}",
                                    message_en=f"row {t.row} '{t.name or ''}': cannot tell whether it counts as a tenant: {en}"))
        excluded.append(ExcludedTenant(row=t.row, name=t.name, uscc=t.uscc, reasons=reasons, undecided=q is None))
    return excluded


def _missing_sme_figures(tenant: Tenant, sme, source) -> list[tuple[str, FieldSpec]]:
    """(cell, field) of each classification figure this tenant's industry needs and the row leaves blank."""
    if tenant.industry is None:
        return [(source.tenant_ref("industry", tenant.row) or "industry", TENANTS.field("industry"))]
    bounds = sme.industries[tenant.industry.value]
    figures = sorted({fig for cls in sme.bounded for fig in bounds[cls]})
    missing = []
    for fig in figures:
        column = sme.figures[fig]["column"]
        if getattr(tenant, column) is None:
            missing.append((source.tenant_ref(column, tenant.row) or column, TENANTS.field(column)))
    return missing


def _missing_sme_text(tenant: Tenant, sme, source, lang: str) -> str:
    parts = [f"{ref} ({spec.en})" if lang == "en" else f"{ref}（{spec.header}）"
             for ref, spec in _missing_sme_figures(tenant, sme, source)]
    return ("、" if lang != "en" else ", ").join(parts) or "?"


def _test_findings(outcomes: list[_TenantOutcome], ruleset: Ruleset, submission: Submission,
                   findings: list[Finding]) -> None:
    source = submission.source
    for name, test in ruleset.tenant_tests.items():
        rule = test.finding
        if rule is None:
            continue
        first_field = next((n for term in test.terms for n in term.needs), "name")
        for o in outcomes:
            if o.tests.get(ruleset.population) is False:
                continue
            values = o.terms[name]
            if all(values[i] is True for i in rule.when_true) and all(values[i] is False for i in rule.when_false):
                ref = source.tenant_ref(first_field, o.tenant.row)
                findings.append(Finding(
                    code=rule.code, severity=Severity(rule.severity), file=source.path,
                    sheet=source.sheets.get("tenants"), cell=ref.split("!", 1)[1] if ref else None, row=o.tenant.row,
                    column=first_field,
                    message_zh=f"第 {o.tenant.row} 行「{o.tenant.name or ''}」{rule.message.zh}",
                    message_en=f"row {o.tenant.row} '{o.tenant.name or ''}': {rule.message.en}"))
