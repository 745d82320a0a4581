"""Lowest and highest: each condition's figure at its worst and at its best, given the blank cells.

A share (Article 6(4)'s 20 % of tenants new in the data year) is counted over the rows that are tenants:
an undecided row counts against wherever it can for the lowest share, and for — or out of the population,
where it would only dilute — for the highest. A profile figure per tenant (the site area per tenant, 6.1)
is computed at the lowest and at the highest tenant count. A :class:`Figure` also keeps the cells that
would decide it and the cells it was computed from (evidence).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from ..rules.compile import DERIVED_YEARS
from ..rules.fields import field_spec, profile_keys
from ..rules.engine import identifiers
from ..workbook.layout import SHEETS
from ._memo import memo, once
from .tenants import TenantOutcome, population_cells, undecided_cells

if TYPE_CHECKING:
    from ..rules.compile import CompiledCondition
    from ..rules.ruleset import Ruleset
    from ..model import Submission

_SHEET_NAMES = {sheet.key: sheet.name for sheet in SHEETS}


@dataclass
class Figure:
    """A condition's figure at its worst and best, as (numerator, denominator); denominator None when not a ratio."""

    known: bool
    worst: tuple[Any, Any] = (0, 0)
    best: tuple[Any, Any] = (0, 0)
    needs: list[str] = field(default_factory=list)  # the cells that would decide it
    rows: list[int] = field(default_factory=list)  # the roster rows counted in it
    evidence: list[str] = field(default_factory=list)  # the cells it was computed from


def ratio(num: Any, den: Any) -> Fraction | None:
    """numerator / denominator, exactly; None for a flag or an empty denominator."""
    if den is None:
        return Fraction(num) if not isinstance(num, bool) else None
    if den == 0:
        return None
    if num.__class__ is int and den.__class__ is int:  # a count of tenants: one fraction, not three
        return Fraction(num, den)
    return Fraction(num) / Fraction(den)


def share_figure(outcomes: list[TenantOutcome], ruleset: "Ruleset", test: str, submission: "Submission",
                 needs_fields: list[str]) -> Figure:
    """The share of the population passing a test, at its lowest and highest; and the cells that would decide it."""
    population = ruleset.population
    read_as_value = blank_read_as_value(ruleset, test)
    tt = tf = tu = ut = uf = uu = 0  # (is a tenant, passes the test): true, false, unknown
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
            missing += population_cells(o, ruleset, source)
        if x is None:
            # A blank the ruleset reads as a value (`blank: false`: no investment round) decides nothing more;
            # only a cell that held something unusable there is still needed.
            missing += [ref for key in needs_fields if getattr(o.tenant, key, None) is None
                        and (key not in read_as_value or source.is_unusable("tenants", key, o.tenant.row))
                        for ref in [source.tenant_ref(key, o.tenant.row)] if ref]
    # Lowest share: undecided rows count against (qualifying but not passing) wherever they can;
    # highest share: they count for, or drop out of the population when they would only dilute it.
    k_min, n_min = tt, tt + tf + tu + uf + uu
    k_max = tt + tu + ut + uu
    n_max = k_max + tf
    return Figure(True, (k_min, n_min), (k_max, n_max), sorted(set(missing)), rows)


def column_evidence(submission: "Submission", fields: list[str]) -> list[str]:
    """The roster columns a figure was computed from, as ranges (``在孵企业!C3:C40``)."""
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


def fields_read_by(ruleset: "Ruleset", name: str) -> list[str]:
    """The roster columns a tenant test reads, following referenced tests and the SME figures."""
    return list(once(ruleset, ("fields_read_by", name), lambda: tuple(_fields_read_by(ruleset, name))))


def _fields_read_by(ruleset: "Ruleset", name: str) -> list[str]:
    fields: list[str] = []
    for term in ruleset.tenant_tests[name].terms:
        if term.expr is not None:
            fields.extend(term.needs)
        elif term.test is not None:
            fields.extend(fields_read_by(ruleset, term.test))
        elif term.sme_class is not None and ruleset.sme is not None:
            fields.append("industry")
            fields.extend(spec["column"] for spec in ruleset.sme.figures.values())
    return list(dict.fromkeys(fields))


def blank_read_as_value(ruleset: "Ruleset", name: str) -> frozenset[str]:
    """The columns a test reads only in terms whose blank the ruleset reads as a value (``blank:``)."""
    return once(ruleset, ("blank_read_as_value", name), lambda: frozenset(_blank_read_as_value(ruleset, name)))


def _blank_read_as_value(ruleset: "Ruleset", name: str) -> set[str]:
    with_blank: set[str] = set()
    without: set[str] = set()
    stack = [name]
    while stack:
        for term in ruleset.tenant_tests[stack.pop()].terms:
            if term.test is not None:
                stack.append(term.test)
            elif term.expr is not None:
                (with_blank if term.blank is not None else without).update(term.needs)
    return with_blank - without


def profile_names_read_by(ruleset: "Ruleset", name: str) -> set[str]:
    """The profile-level names (申报年度's data_year, parameters excluded) a tenant test reads."""
    return set(once(ruleset, ("profile_names_read_by", name), lambda: frozenset(_profile_names_read_by(ruleset, name))))


def _profile_names_read_by(ruleset: "Ruleset", name: str) -> set[str]:
    names: set[str] = set()
    for term in ruleset.tenant_tests[name].terms:
        if term.expr is not None:
            names |= {n for n in identifiers(term.expr.replace("#.", "#_")) if n in profile_keys(ruleset) or n in DERIVED_YEARS}
        elif term.test is not None:
            names |= profile_names_read_by(ruleset, term.test)
    return names


def condition_figure(compiled: "CompiledCondition", ruleset: "Ruleset", submission: "Submission",
                     outcomes: list[TenantOutcome], aggregate_values: dict[str, Any],
                     figures_by_n: dict[int, dict[str, Any]], n_lo: int, n_hi: int, base: dict[str, Any]) -> Figure:
    """One condition's figure at its worst and best: a share of tenants, or a profile figure (per something)."""
    cond = compiled.condition
    source = submission.source
    if cond.share is not None:
        read = fields_read_by(ruleset, cond.share)
        fields = [f for f in read if f != "registered_year"]
        figure = share_figure(outcomes, ruleset, cond.share, submission, fields)
        # A test that reads a profile figure (申报年度 for "registered in the data year") is unknown without it.
        for name in sorted(profile_names_read_by(ruleset, cond.share)):
            if base.get(name) is None:
                source_name = "application_year" if name in DERIVED_YEARS else name
                ref = source.profile_ref(source_name) or field_spec(ruleset, "profile", source_name).header
                figure.needs = [ref] + figure.needs
        figure.evidence = column_evidence(submission, list(dict.fromkeys(read)))
        return figure
    kept = memo(ruleset)
    key = ("names", compiled.clause_index, compiled.condition_index)
    if key not in kept:  # the names the condition reads, and of them those of the profile and of its "per"
        names_read = set(cond.needs or ()) | identifiers(cond.value or "") | identifiers(cond.per or "")
        kept[key] = (frozenset(names_read), frozenset(identifiers(cond.per or "")), profile_keys(ruleset))
    names, per_names, keys = kept[key]
    profile_names = sorted(n for n in names if n in keys)
    evidence = [r for r in (source.profile_ref(n) for n in profile_names) if r]
    missing = [n for n in profile_names if base.get(n) is None]
    missing += [n for n in names if n in aggregate_values and aggregate_values[n] is None]
    if missing:
        # A share of nothing meets no threshold (clauses.md): with the denominator known to be 0, the clause
        # fails whatever the missing part of the numerator is — the blank cannot change the answer.
        vkey, pkey = compiled.value_key, compiled.per_key
        if pkey and not set(missing) & per_names:
            per_value = figures_by_n.get(n_lo, {}).get(pkey)
            if per_value is not None and not isinstance(per_value, bool) and per_value == 0:
                return Figure(True, (0, 0), (0, 0), evidence=evidence)
        needs = []
        for n in missing:
            if n in keys:
                ref = source.profile_ref(n)
                label = field_spec(ruleset, "profile", n).header
                needs.append(f"{ref}（{label}）" if ref else f"{source.sheets.get('profile', '基本信息')}：{label}")
            else:
                sheets = [source.sheets.get(need) or _SHEET_NAMES.get(need, need) for need in ruleset.aggregates[n].needs]
                needs.append("、".join(f"{sheet}（工作表 / sheet）" for sheet in sheets))
        return Figure(False, needs=needs, evidence=evidence)
    vkey, pkey = compiled.value_key, compiled.per_key
    lo_vals, hi_vals = figures_by_n.get(n_lo, {}), figures_by_n.get(n_hi, {})
    if (vkey and vkey not in lo_vals) or (pkey and pkey not in lo_vals):
        return Figure(False, needs=["engine"], evidence=evidence)
    nums = [lo_vals.get(vkey), hi_vals.get(vkey)]
    dens = [lo_vals.get(pkey), hi_vals.get(pkey)] if pkey else [None, None]
    if "N" in names:
        evidence += column_evidence(submission, ["registered_in_incubator", "operating_in_incubator", "industry"])
    if isinstance(nums[0], bool):
        return Figure(True, (nums[0], None), (nums[0], None), evidence=evidence)
    ascending = cond.operator in (">=", ">")
    num_lo, num_hi = min(nums), max(nums)
    den_lo, den_hi = (min(dens), max(dens)) if pkey else (None, None)
    worst = (num_lo, den_hi) if ascending else (num_hi, den_lo)
    best = (num_hi, den_lo) if ascending else (num_lo, den_hi)
    needs = []
    if n_lo != n_hi and "N" in names:
        needs = undecided_cells(outcomes, ruleset, submission)
    return Figure(True, worst, best, needs=needs, evidence=evidence)
