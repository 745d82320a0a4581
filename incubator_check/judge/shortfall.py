"""Shortfall arithmetic: the smallest change that would pass a failing condition, in its own unit.

A condition says how its shortfall is counted (``shortfall:`` in the ruleset): ``amount`` (more of the
figure itself), ``convert`` (more of the existing items must pass, e.g. tenants that become SMEs) or
``add`` (new items that pass, which also grow the denominator). Counts of things (家, 人 …) are whole.
"""

from __future__ import annotations

import math
from decimal import ROUND_CEILING, Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..rules.ruleset import Condition
    from .bounds import Figure

INTEGER_UNITS = {"人", "家", "年", "支", "个", "名"}


def shortfall(cond: "Condition", figure: "Figure", threshold: Decimal) -> Fraction | None:
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
