"""Readings of other systems' rosters: header synonyms, yes/no codings and GB/T 4754 industry codes, as data.

Incubators paste their rosters from the national statistics survey's forms (火炬统计) and from their
management systems. ``rulesets/other-systems.yaml`` lists what those write (headers, the ``（1.是 2.否）``
coding, four-digit industry codes) and what it means here; this module loads it once and answers the
reader's questions. Nothing here is a rule of the law: it is how a cell is understood.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any


@dataclass(frozen=True)
class Readings:
    """The loaded ``other-systems.yaml``."""

    headers: dict[str, dict[str, str]]  # sheet key → normalised header → field key
    broader: dict[str, dict[str, tuple[str, str, str]]]  # sheet key → normalised header → (field, zh, en)
    kept: dict[str, frozenset[str]]  # sheet key → normalised headers kept as they are
    yes_no_coding: re.Pattern[str]
    divisions: dict[str, str]  # GB/T 4754 two-digit division → SME industry
    classes: dict[str, str]  # four-digit class → SME industry, where it differs from its division's
    standard: str


@lru_cache(maxsize=1)
def readings() -> Readings:
    from .layout import load_yaml, rule_data
    from .values import normalize_label

    data: dict[str, Any] = load_yaml(rule_data("other-systems.yaml"))
    headers = {sheet: {normalize_label(h): key for key, names in fields.items() for h in names}
               for sheet, fields in data.get("headers", {}).items()}
    broader = {sheet: {normalize_label(h): (key, spec["zh"], spec["en"]) for key, spec in fields.items()
                       for h in spec["headers"]}
               for sheet, fields in data.get("broader", {}).items()}
    kept = {sheet: frozenset(normalize_label(h) for h in names) for sheet, names in data.get("kept", {}).items()}
    codes = data.get("industry_codes", {})
    return Readings(headers, broader, kept, re.compile(data["yes_no_coding"]),
                    {str(k): v for k, v in codes.get("divisions", {}).items()},
                    {str(k): v for k, v in codes.get("classes", {}).items()}, codes.get("standard", "GB/T 4754"))


@dataclass(frozen=True)
class ValueMeaning:
    """A value a column may hold beyond its own forms, as the ruleset being applied reads it (``values:`` of a
    ruleset, ``rules/fields.py``): what is written (normalised as labels are), what it reads as, and the cited
    reading it rests on (its id, the document and the day it was issued), from ``first_day`` on."""

    written: frozenset[str]
    value: Any
    reading: str
    source: str
    issued: dt.date
    first_day: dt.date | None = None


_CODE = re.compile(r"^[a-tA-T]?\s*(\d{2})(\d{1,2})?\b")


def industry_of_code(raw: object) -> tuple[str, str] | None:
    """For a GB/T 4754 code (``6510``, ``I6510``, ``65``, ``6510 软件开发``): (the code, its SME industry).

    None when the value is not a code; ``(code, "")`` for a code whose division is no SME industry.
    """
    if isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        if raw != int(raw) or not 1 <= raw <= 9999:
            return None
        text = str(int(raw)).zfill(4 if raw >= 100 else 2)
    elif isinstance(raw, str):
        text = raw.strip()
    else:
        return None
    match = _CODE.match(text)
    if not match:
        return None
    division, rest = match.group(1), match.group(2) or ""
    code = division + rest
    table = readings()
    return code, table.classes.get(code, table.divisions.get(division, ""))


def yes_no_coding(header: str) -> dict[str, bool] | None:
    """The coding a yes/no header states (``是否科技型中小企业（1.是 2.否）`` → {"1": True, "2": False})."""
    import unicodedata

    match = readings().yes_no_coding.search(unicodedata.normalize("NFKC", header))
    if not match or match.group(1) == match.group(2):
        return None
    return {match.group(1): True, match.group(2): False}
