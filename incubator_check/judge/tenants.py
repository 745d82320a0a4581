"""Article 8: which roster rows are tenants (the population every share is of), and why the others are not.

One call (the compiled tenant call: in Python, rules/python_call.py, or zen's for a ruleset the Python call does not
read) classifies every row and folds every tenant test to true, false or unknown (a needed cell is blank). Here those answers become :class:`TenantOutcome`\\ s; a row that is not
surely a tenant gets its reasons (:func:`exclusion_reasons`), a row that might be one a ``tenant-undecided``
finding, and rows a test flags (a graduate that does not qualify, Article 6(6)) the test's own finding.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..rules.engine import EngineFailure, evaluate, to_engine
from ..workbook.layout import TENANTS, FieldSpec
from ..findings import Bilingual, Finding, Severity, from_catalogue
from ..report import ExcludedTenant, Text
from .context import tenant_columns, tenant_rows
from .messages import from_rules

if TYPE_CHECKING:
    from ..rules.compile import CompiledRuleset
    from ..rules.ruleset import Ruleset
    from ..model import Submission, Tenant

K = bool | None  # Kleene truth value: True, False, unknown


@dataclass
class TenantOutcome:
    """One roster row's answers: each tenant test, each term of the population's test, its SME class range."""

    tenant: "Tenant"
    tests: dict[str, K] = field(default_factory=dict)
    terms: dict[str, list[K]] = field(default_factory=dict)
    sme_class: tuple[str | None, str | None] = (None, None)  # (lowest, highest) possible class


#: Building a ruleset's tenant call in Python costs ~5 ms once per process, and importing its builder
#: (rules/python_call.py, with ``ast``) ~4 ms more; the call saves ~7.5 µs a row against zen. A process's first roster of a
#: ruleset with fewer rows than this goes to zen, without either (one check of one workbook pays no more than it did
#: with zen alone); its next roster of the ruleset, or a larger first one, has the call built.
BUILD_AT_ROWS = 1000
_JUDGED: dict[int, Any] = {}  # id → the zen tenant call of each ruleset a roster was judged with in this process


def python_call_of(compiled: "CompiledRuleset", rows: int):
    """The ruleset's tenant call in Python for a roster of ``rows`` (``rules/python_call.py``), or None: zen answers
    (a process's first small roster of the ruleset, or a ruleset the Python call does not read)."""
    key = id(compiled.tenant_call)
    first = _JUDGED.get(key) is not compiled.tenant_call
    _JUDGED[key] = compiled.tenant_call  # held: its id is not reused while kept
    if first and rows < BUILD_AT_ROWS:
        return None
    from ..rules.python_call import python_call_of as built

    return built(compiled)


#: Rows sent to zen in one call. zen holds its own copy of what it is given and of its answer while a call runs
#: (on a 50,000-row roster, 340 MiB), so a large roster goes in slices; a slice of 2,000 rows costs no more time
#: per row than the whole roster in one call (docs/benchmarks.md, Scale).
ROWS_PER_CALL = 2000


def run_tenant_tests(compiled: "CompiledRuleset", submission: "Submission",
                     base: dict[str, Any]) -> tuple[list[TenantOutcome], dict[str, Any], list[str]]:
    """Every row's outcomes, the sheet aggregates (funds, staff) and the engine's failures.

    The tenant call goes over the roster :data:`ROWS_PER_CALL` rows at a time; the aggregates are one call. If
    zen fails on any of it, no row has an answer (each is unknown) and there are no aggregates, as one call had it.
    """
    ruleset = compiled.ruleset
    tenants = submission.tenants
    figures = {figure: spec["column"] for figure, spec in ruleset.sme.figures.items()} if ruleset.sme else {}
    # The sheets' rows go to zen only for the calls that read them (rules/compile.py, ``sheets_read``): a call
    # that reads neither is not given them, so zen does not copy them and they are not converted for it.
    sheets = {"funds": [to_engine(f.__dict__) for f in submission.funds or ()] if "funds" in compiled.sheets_read else [],
              "staff": [to_engine(s.__dict__) for s in submission.staff or ()] if "staff" in compiled.sheets_read else []}
    # The tenant call is given only the names it reads (zen converts every value it is given, at every call).
    reads = compiled.tenant_call_reads
    context = {k: v for k, v in base.items() if k in reads}
    context.update((k, v) for k, v in sheets.items() if k in reads)
    population = ruleset.population
    ranked = ruleset.sme.ranked if ruleset.sme else []
    order = compiled.test_order
    # Where each answer sits in a row of the tenant call's answer (rules/compile.py): [lo, hi, each test in
    # ``test_order``, then the terms of each test in ``terms_returned``].
    first_term = 2 + len(order)
    term_slices = []
    for name in compiled.terms_returned:
        size = len(ruleset.tenant_tests[name].terms)
        term_slices.append((name, first_term, first_term + size))
        first_term += size
    tests_slice = slice(2, 2 + len(order))
    # The terms' answers as (name, slice) pairs read with C calls (zip, map), not a comprehension per row.
    term_names = tuple(name for name, _, _ in term_slices)
    term_parts = tuple(slice(a, b) for _, a, b in term_slices)
    unknown_tests = dict.fromkeys(order)
    unknown_terms = [None] * len(ruleset.tenant_tests[population].terms)

    def outcome_of(tenant: "Tenant", row: list[Any] | None) -> TenantOutcome:
        if row is None:  # zen failed: every answer unknown
            outcome = TenantOutcome(tenant, dict(unknown_tests), {population: list(unknown_terms)}, (None, None))
        else:
            lo, hi = row[0], row[1]
            outcome = TenantOutcome(tenant, dict(zip(order, row[tests_slice])),
                                    dict(zip(term_names, map(row.__getitem__, term_parts))),
                                    (None if lo is None else ranked[int(lo)], None if hi is None else ranked[int(hi)]))
        if tenant.duplicate_of is not None:
            outcome.tests[population] = False  # a repeated USCC is one tenant, counted at its first row
        return outcome

    failures: list[str] = []
    outcomes: list[TenantOutcome] = []
    aggregates: dict[str, Any] = {}
    # The tenant call in Python (rules/python_call.py) answers as zen's does; where it cannot vouch for an answer
    # (a value of a kind the model does not give, a figure zen would round) it defers, and zen answers.
    python_call = python_call_of(compiled, len(tenants))
    answers = None
    if python_call is not None:
        try:
            answers = python_call(tenants, base, submission.source)
        except Exception:  # noqa: BLE001 - Defer, a decimal trap: zen answers the call, its failures included
            answers = None
    try:
        if answers is not None:
            # each row's answer as (lowest rank, highest rank, {test: answer}, {test: [terms]}), made for it alone
            outcomes = [TenantOutcome(tenant, tests, terms, (None if lo is None else ranked[lo],
                                                             None if hi is None else ranked[hi]))
                        for tenant, (lo, hi, tests, terms) in zip(tenants, answers)]
            for outcome in outcomes:
                if outcome.tenant.duplicate_of is not None:
                    outcome.tests[population] = False  # a repeated USCC is one tenant, counted at its first row
        for start in range(0, len(tenants) if answers is None else 0, ROWS_PER_CALL):
            part = tenants[start:start + ROWS_PER_CALL]
            # The slice's columns in a context of its own: each column is a name (rules/compile.py, column_name),
            # and a slice that sends no highest figures must not leave the previous slice's in the call.
            call = dict(context)
            call.update(tenant_columns(part, compiled.tenant_fields, figures, submission.source,
                                       compiled.bad_fields, compiled.industry_codes,
                                       compiled.highest_for_open_rows_only, compiled.columns_read))
            outcomes += map(outcome_of, part, evaluate(compiled.tenant_call, call))
        if compiled.aggregate_call is not None:
            context.update(base)  # the aggregates read the profile's names too
            context.update(sheets)
            context["tenants"] = (tenant_rows(tenants, compiled.tenant_fields, figures, submission.source)
                                  if compiled.aggregates_read_tenants else [])
            aggregates = evaluate(compiled.aggregate_call, context)
    except EngineFailure as exc:
        failures.append(str(exc))
        outcomes, aggregates = [outcome_of(t, None) for t in tenants], {}
    return outcomes, aggregates, failures


def qualifying_tenants(outcomes: list[TenantOutcome], population: str) -> tuple[int, int]:
    """How many rows are tenants: surely (lowest) and at most, if every undecided row were one (highest)."""
    surely = sum(1 for o in outcomes if o.tests[population] is True)
    return surely, surely + sum(1 for o in outcomes if o.tests[population] is None)


def missing_sme_figures(tenant: "Tenant", sme, source) -> list[tuple[str, FieldSpec]]:
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


def _missing_sme_text(tenant: "Tenant", sme, source) -> Text:
    figures = missing_sme_figures(tenant, sme, source)
    return Text("、".join(f"{ref}（{spec.header}）" for ref, spec in figures) or "?",
                ", ".join(f"{ref} ({spec.en})" for ref, spec in figures) or "?")


def exclusion_reasons(o: TenantOutcome, ruleset: "Ruleset", source) -> list[Text]:
    """Why a roster row is not (or not surely) a tenant under Article 8."""
    t = o.tenant
    sme = ruleset.sme
    reasons: list[Text] = []
    if t.duplicate_of is not None:
        reasons.append(Text(f"与第 {t.duplicate_of} 行统一社会信用代码重复", f"duplicates row {t.duplicate_of} (same USCC)"))
    for term, value in zip(ruleset.tenant_tests[ruleset.population].terms, o.terms[ruleset.population]):
        if value is True:
            continue
        if term.sme_class is not None:
            lo = o.sme_class[0]
            if value is False and lo is not None:
                cls = from_rules(sme.classes[lo]) if sme else Text(lo)
                reasons.append(from_rules(term.reason, **{"class": cls}) if term.reason else cls)
            else:
                needed = _missing_sme_text(t, sme, source)
                reasons.append(Text(f"缺少{needed.zh}，无法判定是否为小型或微型企业",
                                    f"cannot be classified as small or micro without {needed.en}"))
        elif value is False:
            reasons.append(from_rules(term.reason) if term.reason else Text(term.expr or ""))
        else:
            cells = [source.tenant_ref(n, t.row) or n for n in term.needs if getattr(t, n, None) is None]
            reasons.append(Text(f"无法判定：{'、'.join(cells)} 未填写", f"undecided: {', '.join(cells)} is blank"))
    return reasons


def _catalogued(code: str, file: str, **params: Any) -> Finding:
    """A catalogue finding whose parameters may be bilingual texts: each language gets its own."""
    # as a Bilingual parameter: the catalogue fills each language's message with its own text, in one finding
    return from_catalogue(code, file, **{k: (Bilingual(v.zh, v.en) if isinstance(v, Text) else v)
                                         for k, v in params.items()})


def excluded_tenants(outcomes: list[TenantOutcome], ruleset: "Ruleset", submission: "Submission",
                     findings: list[Finding]) -> list[ExcludedTenant]:
    """The rows that are not surely tenants, with their reasons; an undecided row is also a finding."""
    population = ruleset.population
    source = submission.source
    excluded = []
    for o in outcomes:
        q = o.tests[population]
        if q is True:
            continue
        t = o.tenant
        reasons = exclusion_reasons(o, ruleset, source)
        sheet, row = source.tenant_place(t.row)  # a continuation sheet's row is named on its own sheet
        if q is None:
            cell = (source.tenant_ref("name", t.row) or "!").split("!", 1)[1] or None
            finding = _catalogued("tenant-undecided", source.path, reasons=Text.join(reasons),
                                  sheet=sheet, row=row, name=t.name or "")
            findings.append(finding.model_copy(update={"row": row, "cell": cell}))
        elif t.graduated:  # workbook.md: 上年度毕业 on a row that is not a tenant is neither counted nor a graduate
            ref = source.tenant_ref("graduated", t.row)
            finding = _catalogued("graduate-not-a-tenant", source.path, reasons=Text.join(reasons),
                                  sheet=sheet, row=row, name=t.name or "")
            findings.append(finding.model_copy(update={"row": row, "cell": ref.split("!", 1)[1] if ref else None,
                                                       "column": "graduated"}))
        excluded.append(ExcludedTenant(row=t.row, name=t.name, uscc=t.uscc, reasons=reasons, undecided=q is None))
    return excluded


def population_cells(o: TenantOutcome, ruleset: "Ruleset", source) -> list[str]:
    """The blank cells that keep a tenant's Article 8 status undecided — only those that could decide it."""
    t = o.tenant
    cells: list[str] = []
    for term, value in zip(ruleset.tenant_tests[ruleset.population].terms, o.terms[ruleset.population]):
        if value is not None:
            continue
        if term.sme_class is not None:
            cells += [ref for ref, _ in missing_sme_figures(t, ruleset.sme, source)]
        else:
            cells += [source.tenant_ref(n, t.row) or n for n in term.needs if getattr(t, n, None) is None]
    return cells


def undecided_cells(outcomes: list[TenantOutcome], ruleset: "Ruleset", submission: "Submission") -> list[str]:
    """The cells that would decide every undecided row."""
    cells = []
    for o in outcomes:
        if o.tests[ruleset.population] is None:
            cells += population_cells(o, ruleset, submission.source)
    return cells


def declared_findings(outcomes: list[TenantOutcome], ruleset: "Ruleset", submission: "Submission",
                  findings: list[Finding]) -> None:
    """The findings tenant tests declare (``finding:`` in the ruleset, e.g. a graduate that is not qualified)."""
    source = submission.source
    for name, test in ruleset.tenant_tests.items():
        rule = test.finding
        if rule is None:
            continue
        first_field = next((n for term in test.terms for n in term.needs), "name")
        # Each (term, answer) the finding asks for, tried in a plain loop: two generators per row cost more than
        # the test itself, on every row of every workbook (issue 21).
        wanted = [(i, True) for i in rule.when_true] + [(i, False) for i in rule.when_false]
        for o in outcomes:
            if o.tests.get(ruleset.population) is False:
                continue
            values = o.terms[name]
            for i, answer in wanted:
                if values[i] is not answer:
                    break
            else:
                ref = source.tenant_ref(first_field, o.tenant.row)
                sheet, row = source.tenant_place(o.tenant.row)
                findings.append(Finding(
                    code=rule.code, severity=Severity(rule.severity), file=source.path,
                    sheet=sheet, cell=ref.split("!", 1)[1] if ref else None, row=row,
                    column=first_field,
                    message_zh=f"第 {row} 行「{o.tenant.name or ''}」{rule.message.zh}",
                    message_en=f"row {row} '{o.tenant.name or ''}': {rule.message.en}"))
