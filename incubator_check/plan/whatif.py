"""What if: the figures a plan starts from, and a submission rebuilt from edited figures for the real judge.

The report page's what-if form shows the figures every measurable clause reads — the profile's (site area,
staff, mentors, revenue, yes/no answers) and the roster's as counts (tenants, and how many of them are newly
registered, certified, invested, financed, growing, graduates) — and sends them back edited. The server builds
a submission with those figures (each tenant a row of the levers file, an attribute on as many rows as its
count) and judges it with the real judge: the same rules, the same thresholds, no second implementation.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from ..errors import IncubatorCheckError
from ..model import Profile, SourceMap, Submission, Tenant
from ..rules.compile import PROFILE_KEYS, compile_ruleset
from ..rules.engine import identifiers
from ..judge import CheckOptions, check_submission
from ..judge.context import profile_context
from ..judge.tenants import qualifying_tenants, run_tenant_tests
from ..workbook.layout import PROFILE

if TYPE_CHECKING:
    from ..report import Report
    from ..rules.ruleset import Ruleset
    from .levers import Levers

__all__ = ["starting_figures", "judged_what_if", "WhatIfError", "MAX_TENANTS"]

MAX_TENANTS = 5000


class WhatIfError(IncubatorCheckError):
    """Figures that cannot be a submission (a count over the tenants, a number that is not one)."""


def _declared(ruleset: "Ruleset") -> dict[str, Any]:
    """The profile fields the ruleset declares beyond the core layout (rules/fields.py), by key."""
    from ..rules.fields import declared_specs

    return {spec.key: spec for spec in declared_specs(ruleset).get("profile", ())}


def _profile_names(ruleset: "Ruleset") -> list[str]:
    known = PROFILE_KEYS | set(_declared(ruleset))
    names: list[str] = []
    for clause in ruleset.clauses:
        for cond in clause.conditions:
            if cond.value is None:
                continue
            used = set(cond.needs or ()) | identifiers(cond.value) | identifiers(cond.per or "")
            names += sorted(n for n in used if n in known)
    if ruleset.relaxation is not None:
        names.append(ruleset.relaxation.when)
    return list(dict.fromkeys(names))


def _attributes(ruleset: "Ruleset", levers: "Levers") -> list[str]:
    shares = {cond.share for clause in ruleset.clauses for cond in clause.conditions if cond.share}
    return [a for a in levers.tenants.attributes if a in shares and a in ruleset.tenant_tests]


def starting_figures(submission: "Submission", ruleset: "Ruleset", levers: "Levers") -> dict[str, Any]:
    """The figures the clauses read, as the what-if form starts from them (a blank is None)."""
    base = profile_context(submission, ruleset)
    outcomes, _, _ = run_tenant_tests(compile_ruleset(ruleset), submission, base)
    n_lo, _ = qualifying_tenants(outcomes, ruleset.population)
    profile = {}
    for name in _profile_names(ruleset):
        value = getattr(submission.profile, name) if name in PROFILE_KEYS else submission.profile.declared.get(name)
        profile[name] = value if value is None or isinstance(value, (bool, int)) else str(value)
    counts = {a: sum(1 for o in outcomes if o.tests[ruleset.population] is True and o.tests[a] is True)
              for a in _attributes(ruleset, levers)}
    return {"application_year": submission.profile.application_year, "profile": profile, "tenants": n_lo,
            "attributes": counts}


def _number(name: str, text: Any, whole: bool) -> Any:
    try:
        value = Decimal(str(text).strip().replace(",", ""))
        if not value.is_finite() or value < 0 or (whole and value != value.to_integral_value()):
            raise InvalidOperation
    except InvalidOperation:
        label = PROFILE.field(name).header if name in PROFILE_KEYS else name
        kind = ("a whole number ≥ 0", "非负整数") if whole else ("a number ≥ 0", "非负数")
        raise WhatIfError(f"{label}：「{text}」不是{kind[1]}", f"{label}: '{text}' is not {kind[0]}") from None
    return int(value) if whole else value


def judged_what_if(ruleset: "Ruleset", levers: "Levers", form: dict[str, Any], lang: str = "zh",
                   as_of: dt.date | None = None) -> "Report":
    """The report of a submission with the form's figures, judged by the real judge."""
    year = _number("application_year", form.get("application_year") or dt.date.today().year, True)
    fields: dict[str, Any] = {"level": ruleset.level, "application_year": year, "incubator_name": "what-if"}
    declared_specs = _declared(ruleset)
    declared: dict[str, Any] = {}
    for name in _profile_names(ruleset):
        text = form.get(name)
        if name in declared_specs:
            kind = declared_specs[name].kind.value
            flag, whole, into = kind == "yesno", kind in ("integer", "year"), declared
        else:
            annotation = str(Profile.model_fields[name].annotation)
            flag, whole, into = "bool" in annotation, "int" in annotation and "Decimal" not in annotation, fields
        if text is None or str(text).strip() == "":
            into[name] = None
        elif flag:
            into[name] = str(text).strip().lower() in ("true", "1", "是", "yes", "on")
        else:
            into[name] = _number(name, text, whole)
    fields["declared"] = {k: v for k, v in declared.items() if v is not None}
    try:
        profile = Profile.model_validate(fields)
    except ValueError as exc:  # pydantic's ValidationError: a figure out of the model's range (15 digits, ≥ 0)
        raise WhatIfError(f"数据超出范围：{exc.errors()[0]['loc'][0]}", f"a figure is out of range: {exc.errors()[0]['loc'][0]}") from None
    n = _number("tenants", form.get("tenants", 0), True)
    # The server judges the what-if in its own process: a roster it builds stays small enough to answer at once.
    if n > MAX_TENANTS:
        raise WhatIfError(f"在孵企业数过大（最多 {MAX_TENANTS} 家）", f"too many tenants (at most {MAX_TENANTS:,})")
    counts = {a: _number(a, form.get(f"attr_{a}", 0), True) for a in _attributes(ruleset, levers)}
    for a, k in counts.items():
        if k > n:
            title = levers.tenants.attributes[a].title
            raise WhatIfError(f"{title.zh}的企业数 {k} 超过在孵企业数 {n}", f"{k} tenants {title.en} is more than the {n} tenants")
    # Each attribute on as many rows as its count: from the first row, except one another attribute excludes
    # (growing, which a newly registered tenant cannot be), from the last; the two together must fit.
    data_year = profile.data_year
    years = {"data_year": data_year, "year_before": None if data_year is None else data_year - 1}

    def filled(values: dict[str, Any]) -> dict[str, Any]:
        return {k: (v.format(**years) if isinstance(v, str) and "{" in v else v) for k, v in values.items()}

    rows: list[dict[str, Any]] = [filled(levers.tenants.add.row) for _ in range(n)]
    spec_of = levers.tenants.attributes
    excluded = {b for a in counts for b in spec_of[a].excludes}
    for a, k in counts.items():
        for b in spec_of[a].excludes:
            if b in counts and k + counts[b] > n:
                raise WhatIfError(f"{spec_of[a].title.zh}与{spec_of[b].title.zh}不能是同一家企业：两者之和超过在孵企业数",
                                  f"a tenant cannot be both {spec_of[a].title.en} and {spec_of[b].title.en}: "
                                  "together they are more than the tenants")
        values = filled(spec_of[a].convert if spec_of[a].convert is not None else spec_of[a].on_new or {})
        for i in (range(n - k, n) if a in excluded else range(k)):
            rows[i].update(values)
    tenants = tuple(Tenant.model_validate({**row, "row": i + 3, "name": f"企业{i + 1}"}) for i, row in enumerate(rows))
    submission = Submission(profile=profile, tenants=tenants, source=SourceMap(path="what-if"))
    return check_submission(submission, ruleset, [], CheckOptions(lang=lang, as_of=as_of))
