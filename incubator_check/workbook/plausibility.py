"""Plausibility of figures: unit slips found by their size (``rulesets/plausibility.yaml``).

A figure written in 元 under a 万元 header is 10,000 times too large, and nothing in its cell says so. Figures of
one row (or of the profile) that should be of a known order are compared; a ratio beyond the bound the rule data
gives is a warning naming the cells, the ratio and the likely unit. A warning never changes a status: the figure
is judged as written, and the reviewer decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

__all__ = ["Check", "checks", "implausible"]


@dataclass(frozen=True)
class Check:
    id: str
    sheet: str  # "tenants" or "profile"
    figure: str
    per: str | None
    against: str | None
    above: Decimal | None
    below: Decimal | None
    measure: tuple[str, str]
    unit: tuple[str, str]
    likely: tuple[str, str]


@lru_cache(maxsize=1)
def checks() -> tuple[Check, ...]:
    """The checks of ``rulesets/plausibility.yaml``, loaded once."""
    from .layout import load_yaml, rule_data

    data = load_yaml(rule_data("plausibility.yaml"))

    def pair(value: dict) -> tuple[str, str]:
        return value["zh"], value["en"]

    return tuple(Check(c["id"], c["sheet"], c["figure"], c.get("per"), c.get("against"),
                       Decimal(str(c["above"])) if "above" in c else None,
                       Decimal(str(c["below"])) if "below" in c else None,
                       pair(c["measure"]), pair(c["unit"]), pair(c["likely"])) for c in data["checks"])


_ZERO = Decimal(0)


def _number(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    return None


def _ratio(check: Check, figure: Any, other: Any) -> Decimal | None:
    a, b = _number(figure), _number(other)
    if a is None or b is None or a <= 0 or b <= 0:
        return None
    if check.against is not None:
        return max(a, b) / min(a, b)
    return a / b


def _beyond(check: Check, ratio: Decimal) -> bool:
    return (check.above is not None and ratio > check.above) or (check.below is not None and ratio < check.below)


def implausible(profile, tenants, source) -> list[tuple[Check, str | None, int | None, list[str], Decimal]]:
    """Each figure beyond its check's bound: (check, sheet, row, cells, ratio); rows of one check together."""
    found = []
    for check in checks():
        other_key = check.per or check.against
        if check.sheet == "profile":
            other = len(tenants) if other_key == "tenants" else getattr(profile, other_key, None)
            ratio = _ratio(check, getattr(profile, check.figure, None), other)
            if ratio is not None and _beyond(check, ratio):
                cells = [c for c in (source.profile_cells.get(check.figure),
                                     source.profile_cells.get(other_key) if other_key != "tenants" else None) if c]
                found.append((check, source.sheets.get("profile"), None, cells, ratio))
            continue
        # _ratio and _beyond inlined for the roster's rows (a check runs once per row): an amount is a Decimal
        # already, which _number would copy; any other value goes through _number as before.
        # A count (int) becomes its Decimal here as _number makes it, without the call; compared with a Decimal zero,
        # which Decimal compares faster than an int; max(a, b) / min(a, b) written out (a / a when they are equal, as
        # max and min both give the first then), without two calls to builtins.
        figure_key, above, below, against = check.figure, check.above, check.below, check.against is not None
        zero = _ZERO
        for tenant in tenants:
            a, b = getattr(tenant, figure_key, None), getattr(tenant, other_key, None)
            if a.__class__ is not Decimal:
                a = Decimal(a) if a.__class__ is int else _number(a)
                if a is None:
                    continue
            if b.__class__ is not Decimal:
                b = Decimal(b) if b.__class__ is int else _number(b)
                if b is None:
                    continue
            if a <= zero or b <= zero:
                continue
            if against:
                ratio = a / b if a > b else b / a if b > a else a / a
            else:
                ratio = a / b
            if (above is not None and ratio > above) or (below is not None and ratio < below):
                sheet, row = source.tenant_place(tenant.row)
                cells = [ref.split("!", 1)[1] for ref in (source.tenant_ref(check.figure, tenant.row),
                                                          source.tenant_ref(other_key, tenant.row)) if ref]
                found.append((check, sheet, row, cells, ratio))
    return found
