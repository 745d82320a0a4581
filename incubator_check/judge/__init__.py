"""The judge: one submission against one ruleset, every clause PASS, FAIL, MISSING or REVIEW.

Each per-tenant test is true, false or unknown (a needed cell is blank). A clause's figure therefore has
a lowest and a highest possible value; the clause passes when even the lowest passes, fails when even the
highest fails, and is MISSING only in between — a missing value that cannot change the result does not
matter. Every expression runs in zen-engine, compiled once per ruleset (``_compile``): one call classifies
and tests the whole roster, one computes the profile figures, one makes every comparison.

The judge is language-neutral: it writes every text in Chinese and English, and the report chooses.

Its modules, in the order a check uses them:

* :mod:`.context` — the zen inputs from the submission (data_year, year_before, registered_year);
* :mod:`.tenants` — Article 8: who is a tenant, why a row is not, the findings tenant tests raise;
* :mod:`.bounds` — each condition's figure at its lowest and highest;
* :mod:`.conditions` — clauses of conditions, with Article 10's relaxation;
* :mod:`.shortfall` — how far a failing condition is from passing;
* :mod:`.status` — the lattice PASS / FAIL / MISSING and the verdict;
* :mod:`.bans` — Article 20's ban after a revocation;
* :mod:`.review` — clauses for a reviewer, and the ruleset's notes;
* :mod:`.messages`, :mod:`.numbers` — the sentences (both languages) and the numbers in them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..rules.compile import compile_ruleset
from ..rules.engine import EngineFailure, evaluate, from_engine, to_engine
from ..findings import Finding, Severity, bound, from_catalogue
from ..report import ClauseResult, Report, RulesetRef, TenantSummary, Text
from .bans import application_date, ban_clause
from .bounds import condition_figure
from .conditions import comparison_inputs, conditions_clause, relaxation, remote_area_review
from .context import profile_context, with_placeholders
from .numbers import exact, percent
from .review import cited_readings, notes, review_clause
from .status import verdict
from .tenants import declared_findings, excluded_tenants, qualifying_tenants, run_tenant_tests

if TYPE_CHECKING:
    from ..rules.compile import CompiledRuleset
    from ..rules.ruleset import Ruleset
    from ..model import Submission

__all__ = ["CheckOptions", "check_submission", "exact", "percent"]


@dataclass
class CheckOptions:
    """How to check: the date of the check (``--as-of``, for Article 20 when 申报日期 is blank), and the
    language the report is written out in (``lang``; judging never reads it)."""

    lang: str = "zh"
    as_of: dt.date | None = None


def _known_aggregates(ruleset: "Ruleset", submission: "Submission", aggregates: dict[str, Any]) -> dict[str, Any]:
    """The sheet aggregates, None where a sheet they read is absent."""
    values: dict[str, Any] = {}
    for name, agg in ruleset.aggregates.items():
        if any(getattr(submission, need, None) is None for need in agg.needs):
            values[name] = None
        else:
            values[name] = from_engine(aggregates.get(name))
    return values


def _profile_figures(compiled: "CompiledRuleset", base: dict[str, Any], aggregate_values: dict[str, Any],
                     counts: set[int], failures: list[str]) -> dict[int, dict[str, Any]]:
    """The profile figures at each possible tenant count N (the lowest and the highest)."""
    figures_by_n: dict[int, dict[str, Any]] = {}
    if compiled.value_call is None:
        return figures_by_n
    reads = compiled.value_call_reads  # the call is given only the names it reads (zen converts all it is given)
    known = {k: v for k, v in base.items() if k in reads}
    known.update((k, to_engine(v)) for k, v in aggregate_values.items() if k in reads)
    for n in counts:
        ctx = with_placeholders({**known, "N": n})
        try:
            figures_by_n[n] = {k: from_engine(v) for k, v in evaluate(compiled.value_call, ctx).items()}
        except EngineFailure as exc:
            failures.append(str(exc))
            figures_by_n[n] = {}
    return figures_by_n


def _compare(compiled: "CompiledRuleset", inputs: dict[str, Any], failures: list[str]) -> dict[str, Any]:
    """Every comparison in one zen call: answers by their compiled names, none if the engine failed."""
    if compiled.compare_call is None:
        return {}
    try:
        return evaluate(compiled.compare_call, inputs)
    except EngineFailure as exc:
        failures.append(str(exc))
        return {}


def check_submission(submission: "Submission", ruleset: "Ruleset", findings: list[Finding] | None = None,
                     options: CheckOptions | None = None) -> Report:
    """Judge one submission against one ruleset."""
    options = options or CheckOptions()
    profile = submission.profile
    app_date, app_source = application_date(profile, options.as_of)
    # The day the rule values are read on (docs/decisions.md): --as-of when given, else 申报日期, else today.
    values_on, values_from = (options.as_of, "--as-of") if options.as_of is not None else (app_date, app_source)
    ruleset = ruleset.at(values_on)
    compiled = compile_ruleset(ruleset)
    source = submission.source
    findings = list(findings or [])
    base = profile_context(submission, ruleset)

    outcomes, aggregates, failures = run_tenant_tests(compiled, submission, base)
    n_lo, n_hi = qualifying_tenants(outcomes, ruleset.population)
    aggregate_values = _known_aggregates(ruleset, submission, aggregates)
    figures_by_n = _profile_figures(compiled, base, aggregate_values, {n_lo, n_hi}, failures)
    remote, factor = relaxation(ruleset, profile)

    # Every condition's figure, then one zen call makes every comparison.
    by_clause: dict[int, list] = {}
    inputs: dict[str, Any] = {}
    for cond in compiled.conditions:
        figure = condition_figure(cond, ruleset, submission, outcomes, aggregate_values, figures_by_n, n_lo, n_hi, base)
        by_clause.setdefault(cond.clause_index, []).append((cond, figure))
        inputs.update(comparison_inputs(cond, figure, ruleset))
    answers = _compare(compiled, inputs, failures)

    results: list[ClauseResult] = []
    for ci, clause in enumerate(ruleset.clauses):
        if clause.review is not None:
            results.append(review_clause(clause, base, ruleset))
        elif clause.ban:
            results.append(ban_clause(clause, compiled, profile, source, app_date, app_source))
        else:
            results.append(conditions_clause(clause, by_clause.get(ci, []), answers, remote, factor, ruleset,
                                             submission, bool(failures)))
    for clause, result in zip(ruleset.clauses, results):
        if clause.cites:
            result.reading_text = cited_readings(ruleset, clause, result.reading_text)
    remote_review = remote_area_review(ruleset, profile, source, remote)
    if remote_review is not None:
        results.append(remote_review)

    excluded = excluded_tenants(outcomes, ruleset, submission, findings)
    declared_findings(outcomes, ruleset, submission, findings)
    if failures:
        findings.append(from_catalogue("engine-failure", source.path, failure=failures[0]))
    if profile.level is not None and profile.level.value != ruleset.level:
        mismatch = from_catalogue("level-mismatch", source.path, sheet=source.sheets.get("profile"),
                                  level=profile.level.value, ruleset_level=ruleset.level, ruleset=ruleset.id)
        findings.append(mismatch.model_copy(update={"cell": source.profile_cells.get("level")}))
    if ruleset.example:
        findings.append(from_catalogue("example-ruleset", source.path, ruleset=ruleset.id))

    relaxed = None
    if ruleset.relaxation:
        relaxed = {"applied": remote is True, "factor": exact(factor), "basis": ruleset.relaxation.basis,
                   "declared": remote, "category": profile.remote_area_category.value if profile.remote_area_category else None}
    return Report(
        source={"path": source.path, "sha256": source.sha256},
        ruleset=RulesetRef(id=ruleset.id, version=ruleset.version, sha256=ruleset.sha256,
                           title=Text(ruleset.title.zh, ruleset.title.en), citation=ruleset.citation,
                           effective=ruleset.effective.isoformat(), example=ruleset.example,
                           authority=ruleset.authority, values_on=values_on.isoformat(),
                           values_from=values_from),
        incubator={"name": profile.incubator_name, "operator_name": profile.operator_name,
                   "operator_uscc": profile.operator_uscc, "province": profile.province,
                   "level": profile.level.value if profile.level else None,
                   "application_year": profile.application_year, "data_year": profile.data_year,
                   # what the provincial round needs of it (工信厅科函〔2025〕349号): who recommends it, and the
                   # 公示 list's address and area
                   "city": profile.city, "site_address": profile.site_address,
                   "site_area_m2": exact(profile.site_area_m2) if profile.site_area_m2 is not None else None,
                   "former_national": profile.former_national_incubator,
                   "authority": _authority(profile)},
        relaxation=relaxed,
        # A plain ISO day for what reads it back (--as-of of a plan, the what-if page): a 申报日期 known to the
        # year or month stands as its first day there, as it does for the rule values; Article 20 tries every day.
        application_date={"date": dt.date.isoformat(app_date), "source": app_source},
        verdict=verdict([r.status for r in results], any(f.severity is Severity.ERROR for f in findings)),
        clauses=results,
        tenants=TenantSummary(listed=len(submission.tenants), qualifying=n_lo,
                              qualifying_max=n_hi if n_hi != n_lo else None, excluded=excluded),
        findings=bound(findings),
        notes=notes(compiled, base),
        lang=options.lang,
    )


def _authority(profile) -> dict[str, str] | None:
    """The 推荐单位 of the application and how it was found (rulesets/authorities.yaml)."""
    from ..rules.authority import authority_of

    found = authority_of(profile.province, profile.city, profile.county_code)
    return found.as_json() if found else None
