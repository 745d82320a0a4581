"""In-memory submissions for the tests of the law: no workbook, just the pydantic models.

``profile(**overrides)`` is a standard-level profile that passes every profile clause of
``miit-2025-standard``; ``tenant(row, **overrides)`` is a qualifying small tenant that
counts towards no share (not new, not certified, not invested in, not growing, not a
graduate); ``submission(profile, tenants, funds=None)`` puts them together with a
:class:`SourceMap` laid out like the template, so that evidence and ``needs`` name cells
(``基本信息!B13``, ``在孵企业!C5``).

``roster(n, new=…, sme=…, …)`` builds n qualifying tenants of which the first k have each
property, and ``passing_roster(n)`` the shares of a comfortable pass (25 % new, 40 %
certified, 15 % equity, 25 % financing, 40 % growing, 12.5 % graduates).

``judge(sub, ruleset=…, lang=…, as_of=…)`` runs ``check_submission`` and returns the report;
``clause(report, "6.2")`` picks one clause.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any, Iterable

from openpyxl.utils import get_column_letter

from incubator_check import (CheckOptions, ClauseResult, Fund, Profile, Report, Ruleset, Submission, Tenant,
                             check_submission, load_ruleset)
from incubator_check.workbook.layout import PROFILE, TENANTS  # where the template puts each field, for cell names
from incubator_check.model import SourceMap

STANDARD = "miit-2025-standard"
EXCELLENCE = "miit-2025-excellence"
APPLICATION_YEAR = 2026
DATA_YEAR = APPLICATION_YEAR - 1
APPLICATION_DATE = dt.date(2026, 4, 15)
OPERATOR_USCC = "913301069317259664"  # a valid GB 32100 code (standard-pass fixture)

PROFILE_SHEET = "基本信息"
TENANT_SHEET = "在孵企业"
FIRST_TENANT_ROW = 2

# The template's layout: profile labels in A from row 2 (row 1 is the 项目/填报内容 header),
# roster columns A… in the order of the layout.
PROFILE_CELLS = {f.key: f"B{i + 2}" for i, f in enumerate(PROFILE.fields)}
TENANT_COLUMNS = {f.key: get_column_letter(i + 1) for i, f in enumerate(TENANTS.fields)}


def D(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


_MONEY_PROFILE = {"site_area_m2", "total_revenue", "rent_property_revenue", "service_investment_revenue_y1",
                  "service_investment_revenue_y2", "total_revenue_y2"}
_MONEY_TENANT = {"revenue_y1", "revenue_y2", "rd_y1", "rd_y2", "total_assets", "largest_round"}


def _decimals(values: dict[str, Any], keys: set[str]) -> dict[str, Any]:
    return {k: (D(v) if k in keys and v is not None and not isinstance(v, Decimal) else v) for k, v in values.items()}


PROFILE_DEFAULTS: dict[str, Any] = {
    "incubator_name": "测试科技企业孵化器",
    "operator_name": "测试孵化器运营管理有限公司",
    "operator_uscc": OPERATOR_USCC,
    "level": "标准级",
    "application_year": APPLICATION_YEAR,
    "application_date": APPLICATION_DATE,
    "province": "浙江省",
    "county_code": "330106",
    "independent_legal_person": True,
    "remote_area": False,
    "remote_area_category": None,
    "site_area_m2": Decimal("6000"),
    "site_tenure": ("租赁",),
    "total_staff": 20,
    "fulltime_service_staff": 17,
    "mentors": 5,
    "leader_profile": "十年产业投资与企业管理经历",
    "total_revenue": Decimal("1000"),
    "rent_property_revenue": Decimal("600"),
    "service_revenue_accounted_separately": True,
    "statistics_years_reported": 2,
    "major_accident_3y": False,
    "serious_dishonesty": False,
    "major_violation": False,
    "former_national_incubator": False,
    "revoked_on": None,
    "revocation_reason": None,
}

EXCELLENCE_DEFAULTS: dict[str, Any] = {
    "level": "卓越级",
    "focus_sector": "集成电路设计",
    "sector_startups_y1": 40,
    "sector_startups_y2": 35,
    "service_investment_revenue_y1": Decimal("700"),
    "service_investment_revenue_y2": Decimal("600"),
    "total_revenue_y2": Decimal("900"),
}


def profile(**overrides: Any) -> Profile:
    """A standard-level profile passing 6.1, 6.2, 6.3.staff, 6.7, 6.9, 6.10 and 20 (mentors 5: enough for 50 tenants)."""
    values = {**PROFILE_DEFAULTS, **overrides}
    return Profile(**_decimals(values, _MONEY_PROFILE))


#: Shenzhen's own profile fields (rulesets/shenzhen-2025.yaml), set to pass Article 4 (一) and (三).
SHENZHEN_DECLARED: dict[str, Any] = {"operating_in_shenzhen": True, "operating_one_year": True, "operating_team": 10,
                                     "professional_staff": 8}


def shenzhen_profile(**overrides: Any) -> Profile:
    """A 市孵化器 profile of Shenzhen passing Article 4 (一), (二), (三) and (七); ``declared`` changes its own fields."""
    declared = {**SHENZHEN_DECLARED, **(overrides.pop("declared", None) or {})}
    return profile(**{"level": "市孵化器", "province": "广东省", "county_code": "440305", "declared": declared, **overrides})


def excellence_profile(**overrides: Any) -> Profile:
    """A 卓越级 profile passing 7.1 and 7.2 (and 6.10, 20)."""
    return profile(**{**EXCELLENCE_DEFAULTS, **overrides})


TENANT_DEFAULTS: dict[str, Any] = {
    "registered_on": dt.date(2020, 3, 1),
    "registered_in_incubator": True,
    "operating_in_incubator": True,
    "industry": "其他未列明行业",
    "employees": 15,
    "revenue_y1": Decimal("100"),
    "revenue_y2": Decimal("100"),
    "rd_y1": Decimal("10"),
    "rd_y2": Decimal("10"),
    "total_assets": Decimal("200"),
    "tech_sme": False,
    "innovative_sme": False,
    "incubator_equity_invested": False,
    "financing_received": False,
    "newly_certified": False,
    "largest_round": None,
    "acquired_or_listed": False,
    "graduated": False,
    "duplicate_of": None,
}


def tenant(row: int, **overrides: Any) -> Tenant:
    """A qualifying small tenant (其他未列明行业, 15 people) at worksheet ``row`` that counts towards no share."""
    values = {"row": row, "name": f"测试企业{row:03d}有限公司", "uscc": None, **TENANT_DEFAULTS, **overrides}
    return Tenant(**_decimals(values, _MONEY_TENANT))


# What makes a tenant count towards each share (and nothing else).
NEW = {"registered_on": dt.date(DATA_YEAR, 5, 20)}
CERTIFIED = {"tech_sme": True}
EQUITY = {"incubator_equity_invested": True}
FINANCING = {"financing_received": True}
GROWTH = {"revenue_y1": Decimal("150"), "revenue_y2": Decimal("100")}
GRADUATE = {"graduated": True, "newly_certified": True}


def roster(n: int, *, new: int = 0, sme: int = 0, equity: int = 0, financing: int = 0, growth: int = 0,
           graduates: int = 0, first_row: int = FIRST_TENANT_ROW, **common: Any) -> list[Tenant]:
    """n qualifying tenants; the first ``new`` are new in the data year, the first ``sme`` certified, and so on."""
    tenants = []
    for i in range(n):
        values: dict[str, Any] = dict(common)
        for count, props in ((new, NEW), (sme, CERTIFIED), (equity, EQUITY), (financing, FINANCING),
                             (growth, GROWTH), (graduates, GRADUATE)):
            if i < count:
                values.update(props)
        tenants.append(tenant(first_row + i, **values))
    return tenants


def passing_roster(n: int = 40, **overrides: int) -> list[Tenant]:
    """n qualifying tenants whose shares pass every standard-level clause with margin."""
    counts = {"new": math.ceil(n * 0.25), "sme": math.ceil(n * 0.4), "equity": math.ceil(n * 0.15),
              "financing": math.ceil(n * 0.25), "growth": math.ceil(n * 0.4), "graduates": math.ceil(n * 0.125)}
    counts.update(overrides)
    return roster(n, **counts)


def source_map(path: str = "lawbook.xlsx") -> SourceMap:
    return SourceMap(path=path, sha256="0" * 64, sheets={"profile": PROFILE_SHEET, "tenants": TENANT_SHEET},
                     profile_cells=dict(PROFILE_CELLS), columns={"tenants": dict(TENANT_COLUMNS)})


def submission(profile: Profile | None = None, tenants: Iterable[Tenant] | None = None,
               funds: Iterable[Fund] | None = None) -> Submission:
    """A submission; the default is the passing profile with a passing roster of 40."""
    return Submission(profile=profile if profile is not None else globals()["profile"](),
                      tenants=tuple(passing_roster(40) if tenants is None else tenants),
                      funds=None if funds is None else tuple(funds), source=source_map())


def fund(row: int, amac_code: str | None = "SXY123", **overrides: Any) -> Fund:
    return Fund(row=row, name=overrides.pop("name", f"测试创业投资基金{row}号"), amac_code=amac_code, **overrides)


def cell(key: str) -> str:
    """``基本信息!B13``: where the lawbook puts a profile field."""
    return f"{PROFILE_SHEET}!{PROFILE_CELLS[key]}"


def tenant_cell(key: str, row: int) -> str:
    """``在孵企业!C5``: where the lawbook puts one tenant's value."""
    return f"{TENANT_SHEET}!{TENANT_COLUMNS[key]}{row}"


def ruleset(ref: str | Ruleset = STANDARD) -> Ruleset:
    return ref if isinstance(ref, Ruleset) else load_ruleset(ref)


def judge(sub: Submission, rules: str | Ruleset = STANDARD, *, lang: str = "zh",
          as_of: dt.date | None = None) -> Report:
    """``check_submission`` with no reader findings."""
    return check_submission(sub, ruleset(rules), [], CheckOptions(lang=lang, as_of=as_of))


def clause(report: Report, clause_id: str) -> ClauseResult:
    for c in report.clauses:
        if c.id == clause_id:
            return c
    raise KeyError(f"no clause {clause_id} in {[c.id for c in report.clauses]}")


def finding_codes(report: Report) -> list[str]:
    return [f["code"] for f in report.findings]
