"""A ruleset compiled to zen-engine expressions, once per ruleset: the rules stage's last step.

The loader (``_ruleset.load_ruleset``) compiles every ruleset it loads, so that a bad expression is a load
error, not a check error; the judge reuses the cached :class:`CompiledRuleset`. These calls judge a workbook:

* the **tenant call** classifies every roster row (its lowest and highest possible SME class), evaluates
  every term of every tenant test once, and folds every test with Kleene logic (true, false, null for
  unknown) from those answers, over a slice of the roster sent as columns (the judge sends a large roster
  in slices, so that zen's copy of it stays small); the sheet aggregates (funds, staff) are one more call;
* the **value call** computes every condition's profile figure (``value`` and ``per``);
* the **compare call** makes every comparison: each condition's lowest ("worst") and highest ("best")
  figure against its normal and its relaxed (Article 10) threshold.

Every input and answer of these calls has a name, kept in :class:`Comparison` and :class:`CompiledCondition`,
and the generated sources are kept in :attr:`CompiledRuleset.sources`, so the compiled form can be read.

This module reads a ruleset only through its attributes: it imports no rules module, so the loader may
import it (one way) and the judge may import it too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from .engine import compile_expression, identifiers
from .fields import numeric_tenant_fields, profile_keys, yes_no_tenant_fields
from .intervals import fold, over_blanks
from ..workbook.layout import PROFILE, TENANTS, Kind
from ..errors import RulesetError

if TYPE_CHECKING:
    from .ruleset import Condition, Ruleset, TenantTest, Term

PROFILE_KEYS = frozenset(f.key for f in PROFILE.fields)
DERIVED_YEARS = ("data_year", "year_before")  # made from 申报年度 by the judge (judge/context.py)
# A tenant's figures, never negative (the model refuses it), and its yes/no fields: what a blank may be.
NUMERIC_FIELDS = frozenset({f.key for f in TENANTS.fields if f.kind in (Kind.MONEY, Kind.INTEGER, Kind.AREA)}
                           | {"registered_year"})
YES_NO_FIELDS = frozenset(f.key for f in TENANTS.fields if f.kind is Kind.YESNO)


@dataclass(frozen=True)
class Comparison:
    """The names of one condition's comparisons in the compare call: six inputs, four answers.

    "Worst" is the figure least favourable to the applicant that the missing data allows, "best" the
    most favourable; each is compared with the threshold as written and as relaxed under Article 10.
    A share's figure travels as numerator and denominator, so no division is made before comparing.
    """

    worst_numerator: str
    worst_denominator: str
    best_numerator: str
    best_denominator: str
    threshold: str
    relaxed_threshold: str
    worst_normal: str
    worst_relaxed: str
    best_normal: str
    best_relaxed: str

    @classmethod
    def named(cls, index: int) -> "Comparison":
        p = f"c{index}"
        return cls(f"{p}wn", f"{p}wd", f"{p}bn", f"{p}bd", f"{p}tn", f"{p}tr",
                   f"{p}_worst_normal", f"{p}_worst_relaxed", f"{p}_best_normal", f"{p}_best_relaxed")


@dataclass(frozen=True)
class CompiledCondition:
    """One condition of one clause, with where its figure and its comparisons travel."""

    clause_index: int
    condition_index: int
    condition: "Condition"
    value_key: str | None  # the condition's figure in the value call's answer
    per_key: str | None  # its denominator ("per"), for a figure per something
    comparison: Comparison


@dataclass(frozen=True)
class CompiledRuleset:
    """A ruleset's zen calls and the names that decode their answers."""

    ruleset: "Ruleset"
    tenant_call: Any  # over a slice of the roster (``tenants``): one answer per row
    aggregate_call: Any | None  # the sheet aggregates (funds, staff), once per submission
    aggregates_read_tenants: bool  # an aggregate counts roster rows: it is given the whole roster
    test_order: tuple[str, ...]  # the tenant tests, each after the tests it refers to
    tenant_fields: tuple[str, ...]  # the roster fields the tests read: only these are sent to zen
    bad_fields: tuple[str, ...]  # the fields whose unusable cells the tests read (``tenant_bad``)
    sheets_read: frozenset[str]  # of the sheets' rows (funds, staff), those a tenant or an aggregate call reads
    tenant_call_reads: frozenset[str]  # the names the tenant call reads
    columns_read: frozenset[str]  # the roster columns it reads as they are (``tenant_columns__FIELD``)
    value_call_reads: frozenset[str]  # the names the value call reads
    note_reads: tuple[frozenset[str], ...]  # the names each note's call reads
    industry_codes: dict[str, int]  # each industry's code in the tenant call (``tenant_industry``)
    sme_columns: tuple[str, ...]  # the roster fields the classification reads: a blank in one opens a row
    highest_for_open_rows_only: bool  # ``tenant_hi`` is read only for a row with a blank figure (``tenant_open``)
    terms_returned: tuple[str, ...]  # the tests whose terms come back one by one, in that order, after the tests
    value_call: Any | None
    compare_call: Any | None
    conditions: tuple[CompiledCondition, ...]  # every condition of every clause, in ruleset order
    ban_call: Any | None  # Article 20: is the ban in force on the application day?
    note_calls: tuple[Any, ...]  # one per ruleset note, in order
    # The generated zen source of each call ("tenants", "values", "comparisons"), and of two parts of the tenant
    # call: "ranks" (its first map) and "terms" (every term once: the items of the second map's array after lo, hi).
    sources: dict[str, str]

    def conditions_of(self, clause_index: int) -> list[CompiledCondition]:
        return [c for c in self.conditions if c.clause_index == clause_index]


# --- expressions ---------------------------------------------------------------------------------------


def guarded(term_expr: str, needs: tuple[str, ...], blank: bool | None, numeric: frozenset[str] = NUMERIC_FIELDS,
            yes_no: frozenset[str] = YES_NO_FIELDS) -> str:
    """A term that is never a zen comparison with null: with every field it needs, the term itself; with a
    blank, the term over the range of its blanks (``_intervals``: unknown only when some non-negative value of
    the blank would change the answer), or unknown where the term cannot be read that way.

    With ``blank`` set, a blank cell means that value (e.g. no investment round), but a cell that held
    something unusable (``#.bad``) stays unknown.
    """
    if not needs:
        return f"({term_expr})"
    test = " or ".join(f"#.{n} == null" for n in needs)
    if blank is None:
        ranged = over_blanks(term_expr, numeric, yes_no)
        if ranged == term_expr:  # a yes/no field by itself is its own range (blank: unknown): no test needed
            return f"({term_expr})"
        return f"(({test}) ? {ranged or 'null'} : ({term_expr}))"
    bad = " or ".join(f"#.bad.{n} == true" for n in needs)
    return f"(({test}) ? (({bad}) ? null : {'true' if blank else 'false'}) : ({term_expr}))"


def sme_rank_expression(ruleset: "Ruleset", side: str) -> str:
    """The class rank (its index in ``sme.ranked``: 0 is the smallest) from the figures on one side (lowest or
    highest possible), trying the classes from the largest down as the standard does.

    The industry is read as its code (its place in ``sme.industries``: the column ``tenant_industry``, null for a
    blank or an industry the ruleset does not list) and found by halving the list: four integer comparisons
    among 16 industries, where comparing its text with each industry in turn took up to 16 (issue 21)."""
    sme = ruleset.sme
    assert sme is not None
    rank = {cls: i for i, cls in enumerate(sme.ranked)}
    chains = []
    for industry in sme.industries:
        chain = ""
        for cls in sme.bounded:
            bounds = sme.bounds(industry, cls)
            test = " and ".join(f"#.{side}.{fig} >= {bound}" for fig, bound in bounds.items())
            chain += f"({test}) ? {rank[cls]} : "
        chains.append(f"({chain}0)")

    def halves(first: int, end: int) -> str:
        if end - first == 1:
            return chains[first]
        middle = (first + end) // 2
        return f"(tenant_industry[#] < {middle} ? {halves(first, middle)} : {halves(middle, end)})"

    if not chains:
        return "null"
    return f"(tenant_industry[#] == null ? null : {halves(0, len(chains))})"


def class_table(allowed: tuple[str, ...], ranked: list[str]) -> str:
    """Kleene truth of "the class is one of `allowed`" for every (lowest, highest) rank pair, as a zen array."""
    ranks = {ranked.index(c) for c in allowed}
    size = len(ranked)
    cells = []
    for lo in range(size):
        for hi in range(size):
            possible = set(range(lo, hi + 1))
            cells.append("true" if possible and possible <= ranks else "false" if not possible & ranks else "null")
    return "[" + ", ".join(cells) + "]"


def class_term(allowed: tuple[str, ...], ranked: list[str], row: tuple[str, str, str]) -> str:
    """Kleene truth of "the row's class is one of ``allowed``", from its lowest and highest class rank.

    The tenant call's second map has a row's highest rank as ``#[2]`` only on a row with a blank classification
    figure (``tenant_open``), null elsewhere, and ``RANK_HI`` reads the lowest's then. On such a row (nearly every
    row) the lowest is the highest, and the answer is whether that one rank is allowed: a few integer comparisons,
    where reading :func:`class_table` built zen's array of every (lowest, highest) pair for every row (issue 21).
    An open row still reads the table, so every answer is the table's."""
    _, rank_lo, rank_hi = row
    size = len(ranked)
    table = class_table(allowed, ranked)
    by_table = f"(({rank_lo} == null or {rank_hi} == null) ? null : {table}[{rank_lo} * {size} + {rank_hi}])"
    if row != ("#[0]", "#[1]", RANK_HI):  # only the tenant call's second map has the highest as #[2]
        return by_table
    ranks = sorted({ranked.index(c) for c in allowed})
    one = " or ".join(f"#[1] == {r}" for r in ranks) or "false"
    return f"(#[1] == null ? null : (#[2] == null ? ({one}) : {by_table}))"


def term_expression(term: "Term", ruleset: "Ruleset", folded: dict[str, str],
                    row: tuple[str, str, str] = ("#.i", "#.lo", "#.hi")) -> str:
    """One term on one roster row; ``row`` says where the row's index and its lowest and highest class rank are
    read (the tenant call's second map has them as ``[index, lo, hi]``: ``#[0]``, ``#[1]``, ``#[2]``)."""
    index, rank_lo, rank_hi = row
    if term.test is not None:
        return folded[term.test]
    if term.sme_class is not None:
        return class_term(term.sme_class, ruleset.sme.ranked, row)
    # Within the second map the ruleset's `#.field` is read from its column at the row's index.
    expr = in_columns(guarded(term.expr or "", term.needs, term.blank, numeric_tenant_fields(ruleset),
                              yes_no_tenant_fields(ruleset)), index)
    # A profile figure the term reads (申报年度 → data_year) may be blank too: then the term is unknown.
    keys = profile_keys(ruleset)
    profile_names = sorted(n for n in identifiers(term.expr or "") if n in keys or n in DERIVED_YEARS)
    if profile_names:
        test = " or ".join(f"{n} == null" for n in profile_names)
        expr = f"(({test}) ? null : {expr})"
    return expr


_ROW_READ = re.compile(r"#\.(?:(bad|lo|hi)\.)?([A-Za-z_]\w*)")
#: The roster as the tenant call receives it: a column (a list, one value per row) per field, not a dict per row.
#: zen copies its whole input at each call, and a list of plain values copies at a fraction of the cost of the
#: same values in a dict per row (issue 21). ``tenant_index`` is 0 … n−1, what the first map goes over.
COLUMNS = {None: "tenant_columns", "bad": "tenant_bad", "lo": "tenant_lo", "hi": "tenant_hi"}


def column_name(group: str, field: str) -> str:
    """The name one column travels under in the tenant call: ``tenant_columns__revenue_y1``, each column a name of
    its own rather than a member of an object ``tenant_columns``: zen then finds it in one lookup where a member
    took two, at every read of every row, and the call costs ~10 % less (issue 21)."""
    return f"{group}__{field}"


def in_columns(expr: str, index: str) -> str:
    """A row expression (``#.revenue_y1``, ``#.bad.revenue_y1``, ``#.lo.revenue``) as reads of the roster's
    columns at row ``index`` (``tenant_columns__revenue_y1[#.i]``)."""
    return _ROW_READ.sub(lambda m: f"{column_name(COLUMNS[m.group(1)], m.group(2))}[{index}]", expr)


def bad_fields(ruleset: "Ruleset") -> tuple[str, ...]:
    """The fields whose unusable cells a term reads (``#.bad.FIELD``: a term whose blank has a meaning)."""
    return tuple(sorted({n for test in ruleset.tenant_tests.values() for term in test.terms
                         if term.expr and term.blank is not None for n in term.needs}))


def tenant_fields(ruleset: "Ruleset") -> tuple[str, ...]:
    fields = {"industry", "registered_year"}
    for test in ruleset.tenant_tests.values():
        for term in test.terms:
            fields.update(term.needs)
            if term.expr:
                fields.update(re.findall(r"#\.([A-Za-z_]\w*)", term.expr))
    if ruleset.sme is not None:
        fields.update(spec["column"] for spec in ruleset.sme.figures.values())
    return tuple(sorted(fields))


def usual_first(terms: list[str], how: str) -> str:
    """The Kleene fold (``intervals.fold``) with its usual answer tried first: most rows pass every term of an
    ``all`` test and fail every term of an ``any`` test, and then one pass over the terms decides it, where the
    fold itself makes two (is any decisive, is any unknown). The shortcut answers only when every term is the
    plain boolean it tests for, where the fold gives the same answer; any other row goes on to the fold."""
    full = fold(terms, how)
    if len(terms) == 1:
        return full
    usual = "true" if how == "all" else "false"
    every = " and ".join(f"{t} == {usual}" for t in terms)
    return f"(({every}) ? {usual} : {full})"


def order_of_tests(tests: dict[str, "TenantTest"]) -> list[str]:
    order: list[str] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in order:
            return
        if name in visiting:
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


def comparison_expression(cond: "Condition", names: Comparison, figure: str, threshold: str) -> str:
    """``figure`` (worst or best) against ``threshold`` (normal or relaxed), in zen."""
    n, d = (names.worst_numerator, names.worst_denominator) if figure == "worst" else (
        names.best_numerator, names.best_denominator)
    t = names.threshold if threshold == "normal" else names.relaxed_threshold
    if cond.is_flag:
        return f"{n} {cond.operator} {t}"
    if cond.share is not None or cond.per is not None:
        # A share of nothing meets no threshold: a denominator of zero fails the clause.
        return f"({d} > 0 and {n} {cond.operator} {t} * {d})"
    return f"{n} {cond.operator} {t}"


# --- compiling -----------------------------------------------------------------------------------------

_COMPILED: dict[tuple[str, str], CompiledRuleset] = {}
_BOUND: dict[int, CompiledRuleset] = {}  # id(ruleset) → its calls bound to its own conditions
RANK_HI = "(#[2] == null ? #[1] : #[2])"  # in the second map: a row's highest class (the lowest's when not worked out)


def compile_ruleset(ruleset: "Ruleset") -> CompiledRuleset:
    """The ruleset's expressions compiled once per process (keyed by id and content hash). Thresholds are the
    compare call's inputs, not part of an expression, so a ruleset resolved for a day (``Ruleset.at``) reuses
    the compiled calls, bound to its own conditions."""
    bound = _BOUND.get(id(ruleset))
    if bound is not None and bound.ruleset is ruleset:
        return bound
    key = (ruleset.id, ruleset.sha256)
    if key not in _COMPILED:
        _COMPILED[key] = _compile_uncached(ruleset)
    compiled = _COMPILED[key]
    if compiled.ruleset is not ruleset:
        conditions = tuple(replace(c, condition=ruleset.clauses[c.clause_index].conditions[c.condition_index])
                           for c in compiled.conditions)
        compiled = replace(compiled, ruleset=ruleset, conditions=conditions)
    # A ruleset is frozen, so its bound calls are kept for the next check (the entry holds the ruleset: its id is
    # not reused while kept); rulesets are few: each one loaded, and one per day ``Ruleset.at`` resolves.
    _BOUND[id(ruleset)] = compiled
    return compiled


def _compile_uncached(ruleset: "Ruleset") -> CompiledRuleset:
    where = ruleset.id
    tests = ruleset.tenant_tests
    order = order_of_tests(tests)
    # Three maps over the roster in one call, so that every term is evaluated once per row. The first classifies
    # each tenant (its lowest and highest possible class); the second evaluates every term of every test once;
    # the third folds each test with Kleene logic from those answers alone (a fold reads a term's answer twice,
    # and a test another test refers to is folded again: only array reads, never the term again).
    # Every row travels as a flat array, never an object: zen builds, reads and hands back an array at a fraction
    # of the cost of an object with named keys (issue 21; the names are kept here, in the compiled ruleset):
    # the first map gives [index, lo, hi], the second [lo, hi, term 0, term 1, …], the third (the answer)
    # [lo, hi, each test in ``test_order``, then the terms of each test in ``terms_returned``].
    slots: list[str] = []
    read: dict[str, list[str]] = {}  # per test, where each of its terms' answers is read in the third map
    folded: dict[str, str] = {}
    for name in order:
        reads = []
        for term in tests[name].terms:
            if term.test is not None:
                reads.append(folded[term.test])
            else:
                reads.append(f"#[{len(slots) + 2}]")
                slots.append(term_expression(term, ruleset, folded, ("#[0]", "#[1]", RANK_HI)))
        read[name] = reads
        folded[name] = usual_first(reads, "all" if tests[name].all is not None else "any")
    lo, hi = (in_columns(sme_rank_expression(ruleset, side), "#") for side in ("lo", "hi"))
    # The highest class is worked out only on a row with a blank classification figure (``tenant_open``): on any
    # other row its figures are the lowest's, and so is its class (null in the first map, the lowest's after).
    ranks = f"map(tenant_index, [#, {lo}, tenant_open[#] ? {hi} : null])"
    judged = f"map({ranks}, [#[1], {RANK_HI}, {', '.join(slots)}])"
    # The population's terms one by one (why a row is excluded), and those of tests that raise findings.
    terms_returned = [ruleset.population] + [name for name, test in tests.items() if test.finding is not None]
    terms_returned = list(dict.fromkeys(terms_returned))
    answer = ["#[0]", "#[1]"] + [folded[name] for name in order] + [r for name in terms_returned for r in read[name]]
    tenant_source = f"map({judged}, [{', '.join(answer)}])"
    aggregate_source = "{" + ", ".join(f"'{name}': {agg.expr}" for name, agg in ruleset.aggregates.items()) + "}"

    value_parts = []
    compare_parts = []
    conditions = []
    index = 0
    for ci, clause in enumerate(ruleset.clauses):
        for ki, cond in enumerate(clause.conditions):
            value_key = per_key = None
            if cond.value is not None:
                value_key = f"v{ci}_{ki}"
                value_parts.append(f"'{value_key}': {cond.value}")
            if cond.per is not None:
                per_key = f"p{ci}_{ki}"
                value_parts.append(f"'{per_key}': {cond.per}")
            names = Comparison.named(index)
            for figure in ("worst", "best"):
                for threshold in ("normal", "relaxed"):
                    answer = getattr(names, f"{figure}_{threshold}")
                    compare_parts.append(f"'{answer}': {comparison_expression(cond, names, figure, threshold)}")
            conditions.append(CompiledCondition(ci, ki, cond, value_key, per_key, names))
            index += 1
    value_source = "{" + ", ".join(value_parts) + "}"
    compare_source = "{" + ", ".join(compare_parts) + "}"
    return CompiledRuleset(
        ruleset=ruleset,
        tenant_call=compile_expression(tenant_source, where),
        aggregate_call=compile_expression(aggregate_source, where) if ruleset.aggregates else None,
        aggregates_read_tenants=any("tenants" in identifiers(agg.expr) for agg in ruleset.aggregates.values()),
        test_order=tuple(order),
        tenant_fields=tenant_fields(ruleset),
        bad_fields=bad_fields(ruleset),
        sheets_read=frozenset({"funds", "staff"} & (identifiers(tenant_source) | identifiers(aggregate_source))),
        tenant_call_reads=frozenset(identifiers(tenant_source)),
        columns_read=frozenset(re.findall(rf"\b{column_name(COLUMNS[None], '')}(\w+)\[", tenant_source)),
        value_call_reads=frozenset(identifiers(value_source)),
        note_reads=tuple(frozenset(identifiers(note.when)) for note in ruleset.notes),
        highest_for_open_rows_only=column_name(COLUMNS["hi"], "") not in ", ".join(slots),
        industry_codes={industry: code for code, industry in enumerate(ruleset.sme.industries)} if ruleset.sme else {},
        sme_columns=tuple(dict.fromkeys(spec["column"] for spec in ruleset.sme.figures.values())) if ruleset.sme else (),
        terms_returned=tuple(terms_returned),
        value_call=compile_expression(value_source, where) if value_parts else None,
        compare_call=compile_expression(compare_source, where) if compare_parts else None,
        conditions=tuple(conditions),
        ban_call=compile_expression(ruleset.bans.in_force, where) if ruleset.bans else None,
        note_calls=tuple(compile_expression(note.when, f"{where} note {note.id}") for note in ruleset.notes),
        sources={"tenants": tenant_source, "ranks": ranks, "terms": ", ".join(slots),
                 "aggregates": aggregate_source, "values": value_source,
                 "comparisons": compare_source},
    )
