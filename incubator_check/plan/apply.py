"""A plan applied to a copy of the submission: synthetic tenants and figures, for the real judge to check.

The submission itself is never changed (it is frozen); the copy's rows are built from the levers file's row
and attribute fields, validated by the model as if read from a workbook.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..model import Fund, Profile, Tenant
from ..rules.compile import compile_ruleset
from ..judge.context import profile_context
from ..judge.tenants import run_tenant_tests

if TYPE_CHECKING:
    from ..model import Submission
    from ..rules.ruleset import Ruleset
    from .levers import Levers
    from .program import Program

__all__ = ["applied"]


def _filled(fields: dict[str, Any], profile: Profile) -> dict[str, Any]:
    data_year = profile.data_year
    years = {"data_year": data_year, "year_before": None if data_year is None else data_year - 1}
    return {k: (v.format(**years) if isinstance(v, str) and "{" in v else v) for k, v in fields.items()}


def applied(submission: "Submission", ruleset: "Ruleset", levers: "Levers", program: "Program",
            x: list[int]) -> "Submission":
    """The submission as it would be after the plan ``x``."""
    profile = submission.profile
    tenants = list(submission.tenants)
    # Existing tenants given an attribute: the first rows (in roster order) that are tenants without it.
    converting = {v.lever: n for v, n in zip(program.variables, x) if v.kind == "convert" and n}
    if converting:
        compiled = compile_ruleset(ruleset)
        outcomes, _, _ = run_tenant_tests(compiled, submission, profile_context(submission, ruleset))
        for attribute, count in converting.items():
            fields = _filled(levers.tenants.attributes[attribute].convert or {}, profile)
            for index, outcome in enumerate(outcomes):
                if count == 0:
                    break
                if outcome.tests[ruleset.population] is True and outcome.tests[attribute] is False:
                    tenants[index] = Tenant.model_validate({**tenants[index].model_dump(), **fields})
                    count -= 1
    # Tenants added, each with its combination of attributes.
    row = max((t.row for t in submission.tenants), default=1)
    for variable, count in zip(program.variables, x):
        if variable.kind != "add":
            continue
        fields = dict(levers.tenants.add.row)
        for attribute in sorted(variable.attributes):
            fields.update(levers.tenants.attributes[attribute].on_new or {})
        fields = _filled(fields, profile)
        for _ in range(count):
            row += 1
            tenants.append(Tenant.model_validate({**fields, "row": row, "name": f"方案新增企业{row}"}))
    # Figures raised, yes/no answers turned, rows added to a sheet.
    update: dict[str, Any] = {}
    funds = list(submission.funds or ())
    for variable, count in zip(program.variables, x):
        if not count:
            continue
        if variable.kind == "figure":
            spec = levers.figures[variable.lever]
            for name, per_unit in spec.raises.items():
                delta = per_unit * spec.step * count
                if name in Profile.model_fields:
                    now = update.get(name, getattr(profile, name))
                    update[name] = (now + int(delta)) if isinstance(now, int) else Decimal(now) + delta
                elif name in profile.declared:  # a field the ruleset declares (rules/fields.py)
                    declared = update.setdefault("declared", dict(profile.declared))
                    now = declared[name]
                    declared[name] = (now + int(delta)) if isinstance(now, int) else Decimal(str(now)) + delta
            if spec.adds_row and spec.adds_row.get("sheet") == "funds":
                for k in range(count):
                    funds.append(Fund.model_validate({**spec.adds_row["row"], "row": 10_000 + len(funds) + k}))
        elif variable.kind == "flag":
            update[variable.lever] = levers.flags[variable.lever].to
    new_profile = Profile.model_validate({**profile.model_dump(), **update}) if update else profile
    changes: dict[str, Any] = {"profile": new_profile, "tenants": tuple(tenants)}
    if submission.funds is not None or funds:
        changes["funds"] = tuple(funds)
    return submission.model_copy(update=changes)
