"""The inputs of the zen calls, built from the submission: the profile's figures and the roster's rows.

Two figures are made here rather than read: ``data_year`` (the year the figures are for, 申报年度 − 1,
which Article 6(4) counts new tenants in) and ``year_before`` (the year before it); and each tenant's
``registered_year``. A tenant row carries its SME figures twice, at their lowest (a blank is 0) and at
their highest (a blank is :data:`UNBOUNDED`), so one call classifies it both ways.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .._compile import PROFILE_KEYS
from .._engine import to_engine

if TYPE_CHECKING:
    from .._ruleset import Ruleset
    from ..model import Submission, Tenant

UNBOUNDED = 10**15  # a missing classification figure's "highest possible" value
_PLAIN = {type(None), bool, int, str, float}


def profile_context(submission: "Submission", ruleset: "Ruleset") -> dict[str, Any]:
    """The profile figures, the derived years and the ruleset's parameters, by name."""
    profile = submission.profile
    context = {key: to_engine(getattr(profile, key)) for key in PROFILE_KEYS}
    context["data_year"] = profile.data_year
    context["year_before"] = None if profile.application_year is None else profile.application_year - 2
    for name, parameter in ruleset.parameters.items():
        context[name] = to_engine(parameter.value)
    return context


def with_placeholders(context: dict[str, Any]) -> dict[str, Any]:
    """Missing values replaced so that one zen call can compute every figure; figures that read them are discarded."""
    return {k: (0 if v is None else v) for k, v in context.items()}


def tenant_context(tenant: "Tenant", fields: tuple[str, ...], figures: dict[str, str], source) -> dict[str, Any]:
    """One roster row as the tenant call reads it: the fields it needs, the SME figures low and high, the bad cells."""
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
        hi[figure] = UNBOUNDED if value is None else value
    row["lo"], row["hi"] = lo, hi
    row["bad"] = {key: True for key in unusable_fields(tenant, source)} if source.unusable else {}
    return row


def unusable_fields(tenant: "Tenant", source) -> list[str]:
    """The fields of this row whose cell held something that could not be read (not merely blank)."""
    suffix = f".{tenant.row}"
    return [u.split(".")[1] for u in source.unusable if u.startswith("tenants.") and u.endswith(suffix)]
