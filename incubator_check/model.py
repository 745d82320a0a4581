"""The data model of one submission: profile, tenants, staff and funds, in canonical units.

Money is in 万元 and area in 平方米, always as :class:`~decimal.Decimal`; yes/no is
``bool``; a value the applicant left blank (or that could not be read) is ``None``.
Where each value came from is kept in :class:`SourceMap` so that a verdict can
point at the cells behind it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import Enum

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from .workbook.layout import (INDUSTRIES, LEVELS, PROFILE, REMOTE_CATEGORIES, REVOCATION_REASONS, SITE_TENURES, TENANTS,
                              FieldSpec, Kind, SheetSpec)


def _enum(name: str, values: tuple[str, ...], doc: str) -> type[Enum]:
    cls = Enum(name, [(v, v) for v in values], type=str, module=__name__)
    cls.__doc__ = doc
    cls.__str__ = lambda self: self.value  # type: ignore[method-assign]
    return cls


Level = _enum("Level", LEVELS, "申报级别: 标准级 (Article 6) or 卓越级 (Article 7).")
Industry = _enum("Industry", INDUSTRIES, "The 16 industries of the SME classification standard.")
RemoteCategory = _enum("RemoteCategory", REMOTE_CATEGORIES, "艰苦边远地区类别, 一类 to 六类 (MOHRSS).")
RevocationReason = _enum("RevocationReason", REVOCATION_REASONS, "Why an earlier accreditation was revoked (Article 20).")
SiteTenure = _enum("SiteTenure", SITE_TENURES, "How the site is held: 自有 / 租赁 / 协议使用 (Article 6(2)).")

# defer_build, here and on every model of the package: a model's validator is built when it is first used, not
# when its class is defined. A one-file check uses some of the ~50 models, and building them all at import was
# a tenth of its CPU (issue 21); what a model accepts is unchanged.
_MODEL = ConfigDict(frozen=True, extra="forbid", use_enum_values=False, defer_build=True)


#: Money (万元) or area (平方米): exact, non-negative, at most 15 significant digits — what a spreadsheet cell
#: keeps, and what travels to zen-engine without loss. pydantic-core counts the digits as decimal's normalize()
#: would (no leading zero, no trailing decimal zeros), in Rust, which matters on a 10,000-row roster.
Amount = Annotated[Decimal, Field(ge=0, max_digits=15)]


def _annotation(spec: FieldSpec) -> Any:
    """The model type of a field of the layout, from its kind: one declaration, two uses."""
    kind = spec.kind
    if kind in (Kind.ENUM, Kind.ENUM_LIST):
        enum = _ENUMS[spec.key]
        return enum if kind is Kind.ENUM else tuple[enum, ...]  # type: ignore[valid-type]
    return _KINDS[kind]


_KINDS: dict[Kind, Any] = {
    Kind.TEXT: str, Kind.USCC: str, Kind.COUNTY: str, Kind.YESNO: bool, Kind.DATE: dt.date, Kind.YEAR: int,
    Kind.INTEGER: Annotated[int, Field(ge=0)], Kind.MONEY: Amount, Kind.AREA: Amount,
}
#: The enumeration of each enumerated field of the layout, by key.
_ENUMS: dict[str, type[Enum]] = {"level": Level, "remote_area_category": RemoteCategory,
                                 "revocation_reason": RevocationReason, "site_tenure": SiteTenure,
                                 "industry": Industry}


def _fields(sheet: SheetSpec) -> dict[str, Any]:
    """Every field of a sheet of the layout as an optional model field: blank is None."""
    return {spec.key: (_annotation(spec) | None, None) for spec in sheet.fields}


class _ProfileBase(BaseModel):
    model_config = _MODEL

    # The fields a ruleset declares beyond the core layout (rules/fields.py), by key, as the reader read them.
    declared: dict[str, Any] = Field(default_factory=dict)

    @property
    def data_year(self) -> int | None:
        """上年度: the year the figures describe, 申报年度 − 1."""
        return None if self.application_year is None else self.application_year - 1  # type: ignore[attr-defined]


#: 基本信息: the incubator's own figures — one field for each field of ``layout.PROFILE``.
Profile = create_model("Profile", __base__=_ProfileBase, __module__=__name__, **_fields(PROFILE))
Profile.__doc__ = "基本信息: the incubator's own figures (one field per field of workbook/layout.py's PROFILE)."


class _TenantBase(BaseModel):
    model_config = _MODEL

    row: int  # the worksheet row, 1-based
    duplicate_of: int | None = None  # the row this USCC first appeared on
    # Columns the rules do not use (入孵时间, 毕业时间… of the statistics forms): (header, value as text), kept.
    kept: tuple[tuple[str, str], ...] = ()
    declared: dict[str, Any] = Field(default_factory=dict)  # columns a ruleset declares (rules/fields.py)


#: One row of 在孵企业: an enterprise incubated during the data year — a field per column of ``layout.TENANTS``.
Tenant = create_model("Tenant", __base__=_TenantBase, __module__=__name__, **_fields(TENANTS))
Tenant.__doc__ = "One row of 在孵企业 (one field per column of workbook/layout.py's TENANTS)."


class StaffMember(BaseModel):
    """One row of 人员."""

    model_config = _MODEL

    row: int
    name: str | None = None
    role: str | None = None
    fulltime_service: bool | None = None
    mentor: bool | None = None


class Fund(BaseModel):
    """One row of 投资基金: an equity fund the incubator works with."""

    model_config = _MODEL

    row: int
    name: str | None = None
    amac_code: str | None = None
    sector: str | None = None


class SourceMap(BaseModel):
    """Where each value was read: the sheets' names as found, profile cells, roster columns."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    path: str = ""
    sha256: str = ""
    sheets: dict[str, str] = Field(default_factory=dict)  # sheet key → name in the file
    profile_cells: dict[str, str] = Field(default_factory=dict)  # field key → "B9"
    columns: dict[str, dict[str, str]] = Field(default_factory=dict)  # sheet key → field key → "C"
    units: dict[str, str] = Field(default_factory=dict)  # "tenants.revenue_y1" → unit found in the header
    # Cells that hold something unusable (an error finding), as "profile.revoked_on" or "tenants.largest_round.12":
    # unknown, which is not the same as blank where a blank has a meaning (no revocation, no investment round).
    unusable: frozenset[str] = frozenset()
    # A roster continued on other sheets (在孵企业（续）): a continuation row's id (after the rows of the sheets
    # before it) → (its sheet, its worksheet row), and each continuation sheet's field key → column letter.
    continued: dict[int, tuple[str, int]] = Field(default_factory=dict)
    continued_columns: dict[str, dict[str, str]] = Field(default_factory=dict)

    def is_unusable(self, sheet_key: str, field: str, row: int | None = None) -> bool:
        """Whether a value was given but could not be used."""
        key = f"{sheet_key}.{field}" if row is None else f"{sheet_key}.{field}.{row}"
        return key in self.unusable

    def profile_ref(self, key: str) -> str | None:
        """``基本信息!B9`` for a profile field, if it was found."""
        cell = self.profile_cells.get(key)
        return f"{self.sheets.get('profile', '基本信息')}!{cell}" if cell else None

    def tenant_place(self, row: int) -> tuple[str | None, int]:
        """A tenant row's sheet and worksheet row (a continuation sheet's own, for a row read from one)."""
        return self.continued.get(row) or (self.sheets.get("tenants"), row)

    def tenant_ref(self, key: str, row: int) -> str | None:
        """``在孵企业!C12`` for one tenant's value, if the column was found."""
        if row in self.continued:
            sheet, real = self.continued[row]
            col = self.continued_columns.get(sheet, {}).get(key)
            return f"{sheet}!{col}{real}" if col else None
        col = self.columns.get("tenants", {}).get(key)
        return f"{self.sheets.get('tenants', '在孵企业')}!{col}{row}" if col else None


class Submission(BaseModel):
    """One incubator's application: one workbook, read and converted."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    profile: Profile
    tenants: tuple[Tenant, ...] = ()
    staff: tuple[StaffMember, ...] | None = None  # None when the sheet is absent
    funds: tuple[Fund, ...] | None = None
    source: SourceMap = Field(default_factory=SourceMap)
