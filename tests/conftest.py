"""Shared test helpers: a factory for minimal valid submission workbooks written with openpyxl.

``workbook_factory(**overrides)`` (fixture, writes into ``tmp_path``) and
``build_workbook(path, **overrides)`` (plain function, for hypothesis tests that
cannot use function-scoped fixtures) write a workbook that reads with no error,
laid out exactly as ``spec/workbook.md`` describes: a 基本信息 sheet of
label/value rows under a 项目/填报内容 header, and a 在孵企业 sheet with one
header row followed by one enterprise a row. Every part can be overridden.

The returned path is a :class:`BuiltWorkbook` (a ``pathlib.Path``) that also
knows where it put each value: ``path.profile_cell("total_staff") == "B15"``,
``path.tenant_cell("revenue_y1", 0) == "H2"`` (0 = first tenant).
"""

from __future__ import annotations

import datetime as dt
import locale
import multiprocessing
import os
import pathlib
import shutil
import tempfile
from typing import Any, Iterable

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from incubator_check import _supervise
from incubator_check.workbook.layout import PROFILE, STAFF, FUNDS, TENANTS, EXCELLENCE_KEYS
from incubator_check.workbook.values import USCC_ALPHABET, uscc_check_character

# The rule data's parse cache of a test run (``incubator_check._yaml_cache.VARIABLE``): a folder of its own, set
# before any test is collected (collection loads rulesets) and inherited by every command a test starts, so that
# no test reads or writes the user's real cache. Set by pytest's hook, not at import: benchmarks/compare_reports.py
# imports this module for build_workbook.
CACHE_VARIABLE = "INCUBATOR_CHECK_CACHE_DIR"
_cache_folder: str | None = None


def pytest_configure(config: pytest.Config) -> None:
    global _cache_folder
    _cache_folder = tempfile.mkdtemp(prefix="incubator-check-test-cache-")
    os.environ[CACHE_VARIABLE] = _cache_folder


def pytest_unconfigure(config: pytest.Config) -> None:
    if _cache_folder is not None:
        shutil.rmtree(_cache_folder, ignore_errors=True)


# INCUBATOR_CHECK_START_METHOD=spawn runs the suite with spawned workers, as on Windows and macOS (.ci/run does,
# once): every ReaderPool, in the tests and in the commands they start, then spawns. A misspelt name would let
# the run fork silently and prove nothing, so it stops the run here.
START_METHOD = os.environ.get(_supervise.START_METHOD_VARIABLE)
if START_METHOD:
    if START_METHOD not in multiprocessing.get_all_start_methods():
        raise pytest.UsageError(f"{_supervise.START_METHOD_VARIABLE}={START_METHOD!r}: not one of "
                                f"{multiprocessing.get_all_start_methods()}")
    multiprocessing.set_start_method(START_METHOD, force=True)


#: What a command's redirected standard output and error carry: the console text is in the locale's encoding (GBK,
#: cp936, through a pipe on a Chinese Windows; UTF-8 on Linux), or PYTHONIOENCODING's when set. JSON output is
#: UTF-8 whatever this is, and is decoded as UTF-8.
CONSOLE_ENCODING = os.environ.get("PYTHONIOENCODING", "").partition(":")[0] or locale.getpreferredencoding(False)


def pytest_report_header(config: pytest.Config) -> str:
    return f"reader workers start by: {_supervise._default_context()}"


class _Drop:
    def __repr__(self) -> str:
        return "DROP"


#: Leave a profile row, a roster column or a sheet out of the workbook altogether.
DROP = _Drop()

#: The date the tests pass as ``today`` so that "date-in-future" does not depend on the clock.
TODAY = dt.date(2025, 6, 30)


def make_uscc(n: int, prefix: str = "91330106MA") -> str:
    """A valid 18-character USCC: ``prefix`` + ``n`` in base 31 over the USCC alphabet + check character."""
    width = 17 - len(prefix)
    digits = []
    for _ in range(width):
        n, rem = divmod(n, 31)
        digits.append(USCC_ALPHABET[rem])
    body = prefix + "".join(reversed(digits))
    return body + uscc_check_character(body)


def bad_check(uscc: str) -> str:
    """The same USCC with a wrong check character."""
    wrong = USCC_ALPHABET[(USCC_ALPHABET.index(uscc[17]) + 1) % 31]
    return uscc[:17] + wrong


PROFILE_DEFAULTS: dict[str, Any] = {
    "incubator_name": "示例科技企业孵化器",
    "operator_name": "示例孵化器运营管理有限公司",
    "operator_uscc": make_uscc(7, prefix="91330106"),
    "level": "标准级",
    "application_year": 2025,
    "application_date": dt.date(2025, 3, 15),
    "province": "浙江省",
    "county_code": "330106",
    "independent_legal_person": "是",
    "remote_area": "否",
    "remote_area_category": None,
    "site_area_m2": 5000,
    "site_tenure": "自有、租赁",
    "total_staff": 10,
    "fulltime_service_staff": 9,
    "mentors": 3,
    "leader_profile": "十年产业园区运营经验",
    "total_revenue": 1000,
    "rent_property_revenue": 300,
    "service_revenue_accounted_separately": "是",
    "statistics_years_reported": 3,
    "major_accident_3y": "否",
    "serious_dishonesty": "否",
    "major_violation": "否",
    "former_national_incubator": "否",
    "revoked_on": None,
    "revocation_reason": None,
}

EXCELLENCE_DEFAULTS: dict[str, Any] = {
    "focus_sector": "人工智能",
    "sector_startups_y1": 35,
    "sector_startups_y2": 32,
    "service_investment_revenue_y1": 600,
    "service_investment_revenue_y2": 550,
    "total_revenue_y2": 900,
}

#: What the reader makes of PROFILE_DEFAULTS (blank optional fields are None and left out here).
PROFILE_EXPECTED: dict[str, Any] = {
    "incubator_name": "示例科技企业孵化器",
    "operator_name": "示例孵化器运营管理有限公司",
    "operator_uscc": PROFILE_DEFAULTS["operator_uscc"],
    "application_year": 2025,
    "application_date": dt.date(2025, 3, 15),
    "province": "浙江省",
    "county_code": "330106",
    "independent_legal_person": True,
    "remote_area": False,
    "total_staff": 10,
    "fulltime_service_staff": 9,
    "mentors": 3,
    "service_revenue_accounted_separately": True,
    "statistics_years_reported": 3,
    "major_accident_3y": False,
    "serious_dishonesty": False,
    "major_violation": False,
    "former_national_incubator": False,
}


def tenant_defaults(i: int) -> dict[str, Any]:
    """The i-th (0-based) default roster row: a valid small industrial tenant."""
    return {
        "name": f"测试企业{i + 1}有限公司",
        "uscc": make_uscc(i + 1),
        "registered_on": dt.date(2021, 1, 1) + dt.timedelta(days=i % 1000),
        "registered_in_incubator": "是",
        "operating_in_incubator": "是",
        "industry": "工业",
        "employees": 20 + i % 50,
        "revenue_y1": 500.5,
        "revenue_y2": 400,
        "rd_y1": 50,
        "rd_y2": 40,
        "total_assets": 800,
        "tech_sme": "是",
        "innovative_sme": "否",
        "incubator_equity_invested": "否",
        "financing_received": "否",
        "newly_certified": "否",
        "largest_round": None,
        "acquired_or_listed": "否",
        "graduated": "否",
    }


def default_staff(total: int = 10, fulltime: int = 9, mentors: int = 3) -> list[dict[str, Any]]:
    """A 人员 list whose counts agree with the given profile figures."""
    return [
        {"name": f"员工{i + 1}", "role": "孵化服务", "fulltime_service": "是" if i < fulltime else "否",
         "mentor": "是" if i < mentors else "否"}
        for i in range(total)
    ]


class BuiltWorkbook(type(pathlib.Path())):  # type: ignore[misc]
    """A path to a written workbook that remembers where its values are."""

    def _init_layout(self, profile_cells: dict[str, str], tenant_columns: dict[str, str], first_tenant_row: int,
                     sheet_names: dict[str, str | None]) -> "BuiltWorkbook":
        self.profile_cells = profile_cells
        self.tenant_columns = tenant_columns
        self.first_tenant_row = first_tenant_row
        self.sheet_names = sheet_names
        return self

    def profile_cell(self, key: str) -> str:
        """``B9``: the value cell of a profile field."""
        return self.profile_cells[key]

    def tenant_cell(self, key: str, index: int = 0) -> str:
        """``C12``: the cell of one tenant's value (index 0 = first tenant row)."""
        return f"{self.tenant_columns[key]}{self.first_tenant_row + index}"

    def tenant_row(self, index: int = 0) -> int:
        return self.first_tenant_row + index


def _write_table(ws, spec, records: Iterable[dict[str, Any]], headers: dict[str, Any] | None = None) -> None:
    headers = headers or {}
    keys = [f.key for f in spec.fields if headers.get(f.key) is not DROP]
    ws.append([headers.get(k, spec.field(k).header) for k in keys])
    for record in records:
        ws.append([record.get(k) for k in keys])


def build_workbook(
    path: str | pathlib.Path,
    *,
    profile: dict[str, Any] | None = None,
    profile_labels: dict[str, str] | None = None,
    extra_profile_rows: list[tuple[Any, ...]] | None = None,
    profile_header: tuple[Any, ...] | None = ("项目", "填报内容", "填写说明"),
    profile_order: list[str] | None = None,
    tenants: list[dict[str, Any]] | None = None,
    n_tenants: int = 3,
    headers: dict[str, Any] | None = None,
    column_order: list[str] | None = None,
    extra_columns: list[tuple[Any, list[Any]]] | None = None,
    rows_above: list[list[Any]] | None = None,
    sheet_names: dict[str, str | None] | None = None,
    staff: list[dict[str, Any]] | None = None,
    staff_headers: dict[str, Any] | None = None,
    funds: list[dict[str, Any]] | None = None,
    extra_sheets: dict[str, list[list[Any]]] | None = None,
    merges: list[tuple[str, str]] | None = None,
    cells: list[tuple[str, str, Any]] | None = None,
    write_only: bool = False,
) -> BuiltWorkbook:
    """Write a minimal valid submission to ``path`` with any part overridden.

    profile             field key → value overriding PROFILE_DEFAULTS (DROP leaves the row out;
                        None leaves the value blank). 卓越级 fields are written when level is 卓越级
                        or when one of them is given.
    profile_labels      field key → label written in column A instead of ``FieldSpec.header``.
    extra_profile_rows  further rows (label, value, ...) appended to the profile sheet.
    profile_header      the profile sheet's first row (None: no header row).
    profile_order       the field keys in the order to write them.
    tenants             one dict a roster row, each overriding ``tenant_defaults(i)``; the default is
                        ``n_tenants`` default rows. None as a value leaves the cell blank.
    headers             field key → roster header label (DROP leaves the column out).
    column_order        roster field keys in the order to write them.
    extra_columns       (header, [value per row]) roster columns appended on the right.
    rows_above          rows written above the roster header.
    sheet_names         sheet key ("profile", "tenants", "staff", "funds") → name (None: omit the sheet).
    staff, funds        records of the optional sheets (omitted when None).
    extra_sheets        sheet name → rows, for unknown or instruction sheets.
    merges              (sheet key or name, "A2:A4") ranges to merge after writing.
    cells               (sheet key or name, "C5", value) writes applied last, overriding anything.
    write_only          use openpyxl's streaming writer (for very large rosters; merges/cells unsupported).
    """
    names = {"profile": PROFILE.name, "tenants": TENANTS.name, "staff": STAFF.name, "funds": FUNDS.name}
    names.update(sheet_names or {})
    profile_values = dict(PROFILE_DEFAULTS)
    given = profile or {}
    if given.get("level") == "卓越级" or any(k in EXCELLENCE_KEYS for k in given):
        profile_values.update(EXCELLENCE_DEFAULTS)
    profile_values.update(given)
    labels = profile_labels or {}
    headers = dict(headers or {})

    wb = openpyxl.Workbook(write_only=write_only)
    if not write_only:
        wb.remove(wb.active)
    sheets: dict[str, Any] = {}

    # 基本信息
    profile_cells: dict[str, str] = {}
    if names["profile"] is not None:
        ws = wb.create_sheet(names["profile"])
        sheets["profile"] = ws
        row = 0
        if profile_header is not None:
            ws.append(list(profile_header))
            row += 1
        order = profile_order or [f.key for f in PROFILE.fields] + [k for k in given if k not in {f.key for f in PROFILE.fields}]
        for key in order:
            if key not in profile_values or profile_values[key] is DROP:
                continue
            try:
                label = labels.get(key, PROFILE.field(key).header)
            except KeyError:  # an unknown key given on purpose: written as its own label
                label = labels.get(key, key)
            ws.append([label, profile_values[key]])
            row += 1
            profile_cells[key] = f"B{row}"
        for extra in extra_profile_rows or []:
            ws.append(list(extra))

    # 在孵企业
    records = [{**tenant_defaults(i), **t} for i, t in enumerate(tenants)] if tenants is not None else [
        tenant_defaults(i) for i in range(n_tenants)]
    keys = column_order or [f.key for f in TENANTS.fields]
    keys = [k for k in keys if headers.get(k) is not DROP]
    tenant_columns = {k: get_column_letter(c + 1) for c, k in enumerate(keys)}
    above = rows_above or []
    first_tenant_row = len(above) + 2
    if names["tenants"] is not None:
        ws = wb.create_sheet(names["tenants"])
        sheets["tenants"] = ws
        for r in above:
            ws.append(list(r))
        extra = extra_columns or []
        ws.append([headers.get(k, TENANTS.field(k).header) for k in keys] + [h for h, _ in extra])
        for i, record in enumerate(records):
            ws.append([record.get(k) for k in keys] + [vals[i] if i < len(vals) else None for _, vals in extra])

    if staff is not None and names["staff"] is not None:
        ws = wb.create_sheet(names["staff"])
        sheets["staff"] = ws
        _write_table(ws, STAFF, staff, staff_headers)
    if funds is not None and names["funds"] is not None:
        ws = wb.create_sheet(names["funds"])
        sheets["funds"] = ws
        _write_table(ws, FUNDS, funds)
    for name, rows in (extra_sheets or {}).items():
        ws = wb.create_sheet(name)
        sheets[name] = ws
        for r in rows:
            ws.append(list(r))

    for key in ("profile", "tenants", "staff", "funds"):
        if key in sheets:
            sheets.setdefault(names[key], sheets[key])  # address a sheet by key or by its name
    for where, ref in merges or []:
        sheets[where].merge_cells(ref)
    for where, ref, value in cells or []:
        sheets[where][ref] = value

    target = BuiltWorkbook(path)
    wb.save(target)
    return target._init_layout(profile_cells, tenant_columns, first_tenant_row, names)


@pytest.fixture
def workbook_factory(tmp_path):
    """``workbook_factory(name="x.xlsx", **overrides)`` → a BuiltWorkbook path in tmp_path; see build_workbook."""
    counter = iter(range(1_000_000))

    def make(name: str | None = None, **overrides: Any) -> BuiltWorkbook:
        return build_workbook(tmp_path / (name or f"submission-{next(counter)}.xlsx"), **overrides)

    return make


@pytest.fixture(scope="session")
def workbook_builder():
    """The plain ``build_workbook`` function, for tests (e.g. hypothesis) that manage their own paths."""
    return build_workbook
