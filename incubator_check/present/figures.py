"""A clause's figures as a person writes them, and what to correct first: for every output alike.

The terminal, the workbooks, the round's documents, the letters and the web pages all show a clause's value,
threshold and shortfall through :func:`clause_figures`, and the cells to correct through :func:`must_correct`.
"""

from __future__ import annotations

import unicodedata as _ud
from typing import Any

from .._text import visible
from .._words import with_unit

__all__ = ["clause_figures", "must_correct", "width", "pad"]


def width(text: str) -> int:
    """Display width in a terminal: CJK characters take two columns."""
    return sum(2 if _ud.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, size: int) -> str:
    return text + " " * max(size - width(text), 0)


def _shown(value: str | None, unit: str, lang: str) -> str:
    """A figure of the report as a person writes it: 是/否, 85%, or the exact decimal."""
    if value is None:
        return "—"
    if value in ("true", "false"):
        return ("yes" if value == "true" else "no") if lang == "en" else ("是" if value == "true" else "否")
    if unit == "ratio":
        from fractions import Fraction

        from ..judge.numbers import percent

        try:
            return percent(Fraction(value))
        except (ValueError, ZeroDivisionError):
            return value
    return value


_OPERATORS = {"==": "=", ">=": "≥", "<=": "≤", ">": ">", "<": "<"}


def clause_figures(clause: dict[str, Any], lang: str) -> tuple[str, str, str]:
    """(value, threshold → relaxed, shortfall) of a clause of the JSON report, as a person writes them
    (85%, ≥ 80%, 是, 3 家) — for the terminal, the workbooks and the web pages alike."""
    unit = clause.get("unit") or ""
    if clause.get("value_range"):
        low, high = clause["value_range"]
        value = f"{_shown(low, unit, lang)}–{_shown(high, unit, lang)}"
    else:
        value = _shown(clause.get("value"), unit, lang)
    operator = _OPERATORS.get(clause.get("operator") or "", clause.get("operator") or "")
    threshold = "" if clause.get("threshold") is None else f"{operator} {_shown(clause['threshold'], unit, lang)}"
    effective = clause.get("effective_threshold")
    if effective and effective != clause.get("threshold"):
        threshold += f" → {_shown(effective, unit, lang)}"
    shortfall = "" if clause.get("shortfall") is None else with_unit(clause["shortfall"], clause.get("shortfall_unit") or "", lang)
    return value, threshold, shortfall


def must_correct(findings: list, lang: str, most: int = 8) -> str:
    """What must be corrected before the workbook is filed, and where: its error findings' cells (report.md)."""
    errors = [f for f in findings if (f["severity"] if isinstance(f, dict) else f.severity.value) == "error"]
    if not errors:
        return ""
    cells = [visible(f["where"] if isinstance(f, dict) else f.where) or (f["code"] if isinstance(f, dict) else f.code)
             for f in errors]
    shown = ("、" if lang != "en" else ", ").join(cells[:most]) + ("…" if len(cells) > most else "")
    if lang == "en":
        return f"To correct before filing: {len(errors)} error{'s' if len(errors) != 1 else ''} ({shown})"
    return f"提交前须改正：{len(errors)} 处错误（{shown}）"
