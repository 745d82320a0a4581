"""The inputs of the zen calls, built from the submission: the profile's figures and the roster's rows.

Two figures are made here rather than read: ``data_year`` (the year the figures are for, 申报年度 − 1,
which Article 6(4) counts new tenants in) and ``year_before`` (the year before it); and each tenant's
``registered_year``. A tenant row carries its SME figures twice, at their lowest (a blank is 0) and at
their highest (a blank is :data:`UNBOUNDED`), so one call classifies it both ways.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Sequence

from ..rules.compile import COLUMNS, column_name
from ..rules.fields import profile_keys
from ..rules.engine import to_engine

if TYPE_CHECKING:
    from ..rules.ruleset import Ruleset
    from ..model import Submission, Tenant

UNBOUNDED = 10**15  # a missing classification figure's "highest possible" value
_PLAIN = {type(None), bool, int, str, float}
_PLAIN_OR_DECIMAL = _PLAIN | {Decimal}
_DAY_OR_NONE = {type(None), dt.date}
_DAY = {dt.date}
_DECIMAL = {Decimal}


def profile_context(submission: "Submission", ruleset: "Ruleset") -> dict[str, Any]:
    """The profile figures, the derived years and the ruleset's parameters, by name."""
    profile = submission.profile
    context = {key: to_engine(getattr(profile, key)) for key in profile_keys(None)}
    # The fields the ruleset declares (blank when the workbook left them out).
    for spec in ruleset.fields.profile:
        context[spec.key] = to_engine(profile.declared.get(spec.key))
    context["data_year"] = profile.data_year
    context["year_before"] = None if profile.application_year is None else profile.application_year - 2
    for name, parameter in ruleset.parameters.items():
        context[name] = to_engine(parameter.value)
    return context


def with_placeholders(context: dict[str, Any]) -> dict[str, Any]:
    """Missing values replaced so that one zen call can compute every figure; figures that read them are discarded."""
    return {k: (0 if v is None else v) for k, v in context.items()}


def tenant_rows(tenants: "Sequence[Tenant]", fields: tuple[str, ...], figures: dict[str, str],
                source) -> list[dict[str, Any]]:
    """The roster as the tenant call reads it: per row, the fields it needs, the SME figures at their lowest
    and highest, and the cells that could not be read. Built for the whole roster at once: the loop over
    fields is the judge's hottest Python, so what is the same for every row is worked out before it."""
    figure_columns = tuple(figures.items())
    bad_rows = _bad_fields_by_row(source)
    rows = []
    for tenant in tenants:
        values = tenant.__dict__
        if tenant.declared:  # columns a ruleset declares (rules/fields.py)
            values = {**values, **tenant.declared}
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
        registered_on = values.get("registered_on")
        row["registered_year"] = registered_on.year if registered_on else None
        lo, hi = {}, {}
        for figure, column in figure_columns:
            value = row.get(column)
            if value is None:
                lo[figure], hi[figure] = 0, UNBOUNDED
            else:
                lo[figure] = hi[figure] = value
        row["lo"], row["hi"] = lo, hi
        row["bad"] = bad_rows.get(tenant.row, {})
        rows.append(row)
    return rows


def tenant_columns(tenants: "Sequence[Tenant]", fields: tuple[str, ...], figures: dict[str, str], source,
                   bad: tuple[str, ...], industry_codes: dict[str, int] | None = None,
                   highest_for_open_rows_only: bool = False,
                   columns_read: "frozenset[str] | None" = None) -> dict[str, Any]:
    """The roster as the tenant call reads it (rules/compile.py, ``COLUMNS``): a list per field, the SME figures
    at their lowest and highest, and whether a cell could not be read — the same values :func:`tenant_rows`
    gives a row, arranged by column, with the row indexes the call goes over; and for the classification, each
    row's industry code (``tenant_industry``, ``industry_codes``) and whether one of its figures is blank
    (``tenant_open``: only then are its lowest and highest class apart)."""
    values = [t.__dict__ if not t.declared else {**t.__dict__, **t.declared} for t in tenants]
    held = _held_columns(values, fields)
    columns: dict[str, list[Any]] = {}
    for key in fields:
        column = held[key] if key in held else [v.get(key) for v in values]
        kinds = set(map(type, column))  # most columns hold one kind of value: convert by kind, not value by value
        if kinds <= _PLAIN:
            pass
        elif kinds == _DECIMAL:  # no blank: every value a float, in C
            column = list(map(float, column))
        elif kinds <= _PLAIN_OR_DECIMAL:
            # zen reads a float as its shortest decimal: a typed figure arrives exactly
            column = [float(value) if value.__class__ is Decimal else value for value in column]
        elif kinds == _DAY:  # a date column with no blank: to_engine writes a day as ISO text, here in C
            column = list(map(dt.date.isoformat, column))
        elif kinds <= _DAY_OR_NONE:  # a date column (registered_on): to_engine writes a day as ISO text
            column = [None if value is None else value.isoformat() for value in column]
        elif all(issubclass(kind, str) for kind in kinds - _PLAIN):  # an enumeration: to_engine keeps its text
            pass
        else:
            column = [value if value.__class__ in _PLAIN else float(value) if value.__class__ is Decimal
                      else to_engine(value) for value in column]
        columns[key] = column
    columns["registered_year"] = [d.year if (d := v.get("registered_on")) else None for v in values]
    lo: dict[str, list[Any]] = {}
    hi: dict[str, list[Any]] = {}
    blank = [False] * len(values)
    for figure, column in figures.items():
        known = columns.get(column) or [None] * len(values)
        if None in known:
            lo[figure] = [0 if v is None else v for v in known]
            hi[figure] = [UNBOUNDED if v is None else v for v in known]
            blank = [b or v is None for b, v in zip(blank, known)]
        else:  # nothing blank: the lowest and the highest are the figures (zen copies what it is given)
            lo[figure] = hi[figure] = known
    if highest_for_open_rows_only and not any(blank):
        hi = {}  # no row is open: the call reads no highest figure (zen converts every value it is given)
    bad_rows = _bad_fields_by_row(source) if bad else {}
    if bad_rows:
        unusable = {key: [bad_rows.get(t.row, {}).get(key) for t in tenants] for key in bad}
    else:  # no roster cell was unusable (nearly every workbook): every row's answer is None, made in C
        unusable = {key: [None] * len(tenants) for key in bad}
    codes = industry_codes or {}
    industry = columns.get("industry") or [None] * len(values)
    # the text zen would compare (an Industry is a str: its text, as zen reads it), as a code; once per value
    code_of = {v: codes.get(str.__str__(v)) if isinstance(v, str) else None for v in set(industry)}
    sent = columns if columns_read is None else {k: v for k, v in columns.items() if k in columns_read}
    # Each column under a name of its own (rules/compile.py, ``column_name``), not as a member of an object.
    call = {"tenant_index": list(range(len(values)))}
    for group, group_columns in ((COLUMNS[None], sent), (COLUMNS["lo"], lo), (COLUMNS["hi"], hi),
                                 (COLUMNS["bad"], unusable)):
        call.update((column_name(group, key), column) for key, column in group_columns.items())
    call["tenant_industry"] = [code_of[v] for v in industry]
    call["tenant_open"] = blank
    return call


def _held_columns(values: list[dict[str, Any]], fields: tuple[str, ...]) -> dict[str, list[Any]]:
    """The columns of ``fields`` that every row holds (a model's fields, always in its ``__dict__``), read in C:
    one ``itemgetter`` per row and one transposition, where a ``get`` per field and row was the roster's hottest
    Python (issue 21). A field some row lacks (``registered_year``, made here; a declared column) is left out, for
    the caller's ``get``, which reads it as None; so is everything when a row lacks one the first row holds."""
    if not values:
        return {}
    first = values[0]
    keys = tuple(key for key in fields if key in first)
    if len(keys) < 2:  # itemgetter of one key gives the value itself, not a tuple
        return {}
    try:
        rows = list(map(itemgetter(*keys), values))
    except KeyError:
        return {}
    return dict(zip(keys, map(list, zip(*rows))))


def _bad_fields_by_row(source) -> dict[int, dict[str, bool]]:
    """Worksheet row → {field: True} for each roster cell that held something that could not be read."""
    by_row: dict[int, dict[str, bool]] = {}
    for unusable in sorted(source.unusable):
        parts = unusable.split(".")
        if len(parts) == 3 and parts[0] == "tenants" and parts[2].isdigit():
            by_row.setdefault(int(parts[2]), {})[parts[1]] = True
    return by_row
