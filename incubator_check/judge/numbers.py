"""Numbers as a report writes them: exact decimals (or p/q), and percentages for display only.

The judge computes with :class:`~fractions.Fraction` and zen's exact decimals; a report never shows a
rounded figure as if it were exact, so a share of 2/7 is written ``2/7`` and displayed ``≈28.57%``.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from ..workbook.values import canonical_decimal


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
    frac = value if value.__class__ is Fraction else Fraction(value)
    # A figure is mostly a share of a roster (k/n, n a few hundred at most), the same in many workbooks: its
    # text is kept by its exact value (numerator, denominator), bounded as messages.shown is.
    key = (frac.numerator, frac.denominator)
    text = _WRITTEN.get(key)
    if text is None:
        if len(_WRITTEN) >= _WRITTEN_MAX:
            _WRITTEN.clear()
        text = _WRITTEN[key] = _written(frac)
    return text


_WRITTEN: dict[tuple[int, int], str] = {}
_WRITTEN_MAX = 4096


def _written(frac: Fraction) -> str:
    """:func:`exact` of a fraction."""
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


def fraction(text: str) -> Fraction:
    """A number the report wrote (``exact``) read back: ``0.25`` or ``2/7``."""
    return Fraction(text) if "/" not in text else Fraction(*map(int, text.split("/")))
