"""The fields a ruleset reads: the core layout's (``workbook/layout.py``) and those it declares itself.

A province's clause that needs a figure the core template lacks (Shenzhen's 运营团队人数) declares it in its
ruleset (``fields:``); the template for that ruleset shows it, the reader reads it, and the judge finds it
here by key — no Python changes for a province's field.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from ..workbook.layout import PROFILE, TENANTS, FieldSpec, Kind, Required
from ..workbook.readings import ValueMeaning
from ..workbook.values import normalize_label

if TYPE_CHECKING:
    from .schema import CitedReading, DeclaredField, DeclaredFields, Ruleset, ValueReadings

__all__ = ["value_meanings", "choices_of", "declared_specs", "field_spec", "numeric_tenant_fields", "profile_keys", "yes_no_tenant_fields"]

_SHEETS = {"profile": PROFILE, "tenants": TENANTS}


def as_spec(declared: "DeclaredField") -> FieldSpec:
    """A declared field as the layout writes a field: what the reader and the template work from."""
    return FieldSpec(declared.key, declared.label, Kind(declared.kind), Required.YES if declared.required else Required.NO,
                     declared.en, unit=declared.unit, note=declared.note, article=declared.article,
                     aliases=declared.aliases)


def choices_of(ruleset: "Ruleset | None") -> dict[str, tuple[str, ...]]:
    """Field key → the values this ruleset allows for an enumeration whose values are the law's: the industries
    of the SME classification it names, and the reasons its ban (``bans.years``) lasts for. A ruleset without
    bans (Shenzhen's, whose copy of the text has no Article 20) leaves the reasons to the bundled ones."""
    if ruleset is None:
        return {}
    found = {}
    if ruleset.sme is not None:
        found["industry"] = tuple(ruleset.sme.industries)
    if ruleset.bans is not None:
        found["revocation_reason"] = tuple(ruleset.bans.years)
    return found


def value_meanings(ruleset: "Ruleset | None") -> dict[str, dict[str, tuple[ValueMeaning, ...]]]:
    """Sheet key → field key → the values this ruleset reads in that column beyond its own forms (``values:``),
    each with the cited reading it rests on: what ``read_workbook(values=)`` takes."""
    if ruleset is None or not ruleset.values.tenants:
        return {}
    key = (ruleset.path, ruleset.sha256)
    if key not in _MEANINGS:
        _MEANINGS[key] = _meanings(ruleset)
    return _MEANINGS[key]


_MEANINGS: dict[tuple[str, str], dict[str, dict[str, tuple[ValueMeaning, ...]]]] = {}


def _meanings(ruleset: "Ruleset") -> dict[str, dict[str, tuple[ValueMeaning, ...]]]:
    return meanings_of(ruleset.values, ruleset.readings)


def meanings_of(values: "ValueReadings", readings: "dict[str, CitedReading]") -> dict[str, dict[str, tuple[ValueMeaning, ...]]]:
    """The value readings (``values:``) with the cited readings (``readings:``) they rest on, as the reader takes
    them; of a loaded ruleset, or of a bundled one's data before it is loaded (``load.bundled_values``)."""
    if not values.tenants:
        return {}
    out: dict[str, tuple[ValueMeaning, ...]] = {}
    for key, items in values.tenants.items():
        out[key] = tuple(ValueMeaning(frozenset(normalize_label(w) for w in item.written), item.reads, item.reading,
                                      readings[item.reading].source, readings[item.reading].issued,
                                      item.from_) for item in items)
    return {"tenants": out}


@lru_cache(maxsize=64)
def _declared(fields: "DeclaredFields") -> dict[str, tuple[FieldSpec, ...]]:
    return {"profile": tuple(as_spec(d) for d in fields.profile), "tenants": tuple(as_spec(d) for d in fields.tenants)}


def declared_specs(ruleset: "Ruleset | None") -> dict[str, tuple[FieldSpec, ...]]:
    """Sheet key → the fields the ruleset declares beyond the core layout (none for a ruleset that declares none)."""
    if ruleset is None or not (ruleset.fields.profile or ruleset.fields.tenants):
        return {}
    return _declared(ruleset.fields)


def field_spec(ruleset: "Ruleset | None", sheet: str, key: str) -> FieldSpec:
    """One field of the core layout or of the ruleset's own."""
    for spec in declared_specs(ruleset).get(sheet, ()):
        if spec.key == key:
            return spec
    return _SHEETS[sheet].field(key)


_CORE_PROFILE_KEYS = frozenset(f.key for f in PROFILE.fields)


def profile_keys(ruleset: "Ruleset | None") -> frozenset[str]:
    """The profile fields' keys: the core ones and the ruleset's own."""
    extra = declared_specs(ruleset).get("profile", ())
    return _CORE_PROFILE_KEYS | {f.key for f in extra} if extra else _CORE_PROFILE_KEYS


_NUMERIC = (Kind.MONEY, Kind.INTEGER, Kind.AREA)


def numeric_tenant_fields(ruleset: "Ruleset | None") -> frozenset[str]:
    """A tenant's figures, never negative (the model refuses it), with the derived registered_year."""
    fields = TENANTS.fields + declared_specs(ruleset).get("tenants", ())
    return frozenset({f.key for f in fields if f.kind in _NUMERIC} | {"registered_year"})


def yes_no_tenant_fields(ruleset: "Ruleset | None") -> frozenset[str]:
    fields = TENANTS.fields + declared_specs(ruleset).get("tenants", ())
    return frozenset(f.key for f in fields if f.kind is Kind.YESNO)
