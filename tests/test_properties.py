"""Properties of the value parsers and the reader (hypothesis).

* A parser given any cell value (text, number, bool, date, None) returns a value or raises
  :class:`ValueProblem` — nothing else.
* A value written in any form the spec accepts parses back to itself.
* Roster rows written with openpyxl read back equal; garbage bytes give a WorkbookError, nothing else.
"""

from __future__ import annotations

import datetime as dt
import re
import struct
import tempfile
import unicodedata
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from incubator_check import WorkbookError, read_workbook
from incubator_check.workbook.layout import ALIASES, INDUSTRIES, LEVELS, REMOTE_CATEGORIES, Kind
from incubator_check.workbook.values import (
    PartialDate,
    USCC_ALPHABET,
    MONEY_UNITS,
    ValueProblem,
    canonical_decimal,
    parse_amount,
    parse_date,
    parse_enum,
    parse_integer,
    parse_text,
    parse_uscc,
    parse_year,
    parse_yesno,
    uscc_check_character,
    uscc_problem,
)

from conftest import TODAY, build_workbook

# --- strategies ------------------------------------------------------------------------

#: Numbers as a spreadsheet can hold them, below the size where decimal's 28-digit context overflows
#: (that case is tested on its own below).
moderate_floats = st.floats(min_value=-1e20, max_value=1e20, allow_nan=False, allow_infinity=False)
any_floats = st.floats(allow_nan=True, allow_infinity=True)

cell_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**15), max_value=10**15),
    moderate_floats,
    st.text(max_size=40),
    st.dates(),
    st.datetimes(),
    st.times(),
    st.timedeltas(),
)

#: Text that looks like a number: digits, separators, signs, exponents, units and full-width forms.
numberish_text = st.text(
    alphabet=st.sampled_from(list("0123456789０１２３４５６７８９.,，-+eE 万元千平方米㎡m²2人家公顷%")), max_size=25)

_HUGE = re.compile(r"\d{20}|e\+?\d{2,}")


def _moderate(text: str) -> bool:
    """False for text whose number would reach 1e20 (digits or exponent), kept for the overflow test."""
    flat = unicodedata.normalize("NFKC", text).replace(",", "").replace("，", "").replace(" ", "").lower()
    return not _HUGE.search(flat)


NUMBER_PARSERS = {
    "parse_amount_money": lambda raw: parse_amount(raw, Kind.MONEY, "万元"),
    "parse_amount_money_yuan": lambda raw: parse_amount(raw, Kind.MONEY, "元"),
    "parse_amount_area_hectare": lambda raw: parse_amount(raw, Kind.AREA, "公顷"),
    "parse_integer": lambda raw: parse_integer(raw, Kind.INTEGER, "人"),
    "parse_year": parse_year,
}

OTHER_PARSERS = {
    "parse_yesno": parse_yesno,
    "parse_date": parse_date,
    "parse_uscc": parse_uscc,
    "parse_enum_industry": lambda raw: parse_enum(raw, INDUSTRIES, ALIASES["industry"]),
    "parse_enum_level": lambda raw: parse_enum(raw, LEVELS, ALIASES["level"]),
    "parse_text": parse_text,
}


def _only_value_problems(parser, raw) -> None:
    try:
        parser(raw)
    except ValueProblem as problem:
        assert problem.code and problem.zh and problem.en


# --- nothing but ValueProblem --------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(OTHER_PARSERS))
@given(raw=cell_values)
@settings(max_examples=300)
def test_parsers_raise_only_value_problem(name, raw):
    _only_value_problems(OTHER_PARSERS[name], raw)


@pytest.mark.parametrize("name", sorted(NUMBER_PARSERS))
@given(raw=st.one_of(cell_values, numberish_text))
@settings(max_examples=300)
def test_number_parsers_raise_only_value_problem(name, raw):
    assume(not isinstance(raw, str) or _moderate(raw))
    _only_value_problems(NUMBER_PARSERS[name], raw)


@pytest.mark.parametrize("name", sorted(OTHER_PARSERS))
@given(raw=any_floats)
def test_parsers_on_any_float_except_text(name, raw):
    """yes/no, date, USCC and enumerations take nan, inf and huge floats in their stride."""
    if name == "parse_text":
        assume(raw == raw and raw not in (float("inf"), float("-inf")))
    _only_value_problems(OTHER_PARSERS[name], raw)


@given(raw=st.sampled_from([float("inf"), float("-inf"), float("nan")]))
def test_parse_text_on_nan_and_infinity(raw):
    _only_value_problems(parse_text, raw)


@pytest.mark.parametrize("name", sorted(NUMBER_PARSERS))
@given(raw=st.one_of(st.floats(min_value=1e28, allow_infinity=False), st.integers(min_value=10**28),
                     st.integers(min_value=28, max_value=400).map(lambda e: f"1e{e}")))
@example(raw=1e30)
def test_number_parsers_on_huge_numbers(name, raw):
    _only_value_problems(NUMBER_PARSERS[name], raw)


# --- accepted forms parse back to themselves -------------------------------------------------

FULL_WIDTH = str.maketrans("0123456789-/.", "０１２３４５６７８９－／．")

readable_dates = st.dates(min_value=dt.date(1000, 1, 1), max_value=dt.date(9999, 12, 31))


def date_forms(d: dt.date) -> list[str]:
    forms = [
        d.isoformat(),
        f"{d.year}/{d.month}/{d.day}",
        f"{d.year}/{d.month:02d}/{d.day:02d}",
        f"{d.year}.{d.month}.{d.day}",
        f"{d.year}-{d.month}-{d.day}",
        f"{d.year}年{d.month}月{d.day}日",
        f"{d.year}年{d.month:02d}月{d.day:02d}日",
        f"{d.year:04d}{d.month:02d}{d.day:02d}",
    ]
    return forms + [f.translate(FULL_WIDTH) for f in forms] + [f"  {forms[0]} "]


@given(d=readable_dates)
def test_dates_round_trip_through_every_text_form(d):
    for text in date_forms(d):
        assert parse_date(text) == d, text


@given(d=st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(9999, 12, 31)))
@example(d=dt.date(1905, 5, 2))  # serial 1949: the first number read as a year
@example(d=dt.date(1905, 9, 30))  # serial 2100: the last
def test_dates_round_trip_through_cells_and_serials(d):
    assert parse_date(d) == d
    assert parse_date(dt.datetime.combine(d, dt.time(13, 5))) == d
    serial = (d - dt.date(1899, 12, 30)).days
    if 1949 <= serial <= 2100:
        # A number that is a year is the year a person typed, never a serial (issue 15: 2025 is not 1905-07-17):
        # the dates 1905-05-02 to 1905-09-30 cannot come from a serial number.
        for number in (serial, float(serial)):
            got = parse_date(number)
            assert isinstance(got, PartialDate) and (got.year, got.precision) == (serial, "year")
    else:
        assert parse_date(serial) == d
        assert parse_date(float(serial)) == d
    if dt.date(1900, 1, 1) <= d <= dt.date(2100, 12, 31):
        assert parse_date(int(d.strftime("%Y%m%d"))) == d


# Figures as a spreadsheet holds them: at most 15 significant digits (larger ones are a cell finding).
amounts = st.decimals(min_value=0, max_value=Decimal("99999999999"), places=4, allow_nan=False, allow_infinity=False)


@given(value=amounts)
def test_decimals_round_trip_through_thousands_separated_text(value):
    expected = canonical_decimal(value)
    for text in (f"{value:,}", f"{value:f}", f"{value:,}".translate(FULL_WIDTH).replace(",", "，"),
                 f"{value:,}万元", f" {value:,} 万元 "):
        got = parse_amount(text, Kind.MONEY, "万元")
        assert got == value and str(got) == str(expected), text


@given(value=amounts, unit=st.sampled_from(sorted(MONEY_UNITS)))
def test_decimals_are_converted_exactly(value, unit):
    got = parse_amount(f"{value:,}", Kind.MONEY, unit)
    assert got == value * MONEY_UNITS[unit]
    assert "E" not in str(got) or got == 0 or abs(got) < Decimal("1e-6")


@given(value=amounts.filter(lambda v: v > 0))
def test_negative_amounts_are_negative_value(value):
    with pytest.raises(ValueProblem) as info:
        parse_amount(f"-{value:,}", Kind.MONEY, "万元")
    assert info.value.code == "negative-value"


@given(x=st.floats(min_value=0, max_value=1e15, allow_nan=False))
def test_float_cells_read_as_their_shortest_decimal(x):
    shortest = Decimal(repr(x))
    # Beyond 15 significant digits a cell shows (and the reader keeps) the 15 digits Excel displays.
    expected = shortest if len(shortest.as_tuple().digits) <= 15 else Decimal(format(x, ".15g"))
    assert parse_amount(x, Kind.MONEY, "万元") == expected


@given(n=st.integers(min_value=0, max_value=10**12))
def test_integers_round_trip_through_text(n):
    for text in (str(n), f"{n:,}", f"{n:,}".translate(FULL_WIDTH), f"{n}人", f"{n}.0"):
        assert parse_integer(text, Kind.INTEGER, "人") == n, text
    assert parse_integer(n, Kind.INTEGER, "人") == n
    assert parse_integer(float(n), Kind.INTEGER, "人") == n


@given(year=st.integers(min_value=1990, max_value=2100))
def test_years_round_trip(year):
    for raw in (year, float(year), str(year), f"{year}年", str(year).translate(FULL_WIDTH), dt.date(year, 6, 1)):
        assert parse_year(raw) == year


usccs = st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17).map(lambda body: body + uscc_check_character(body))


@given(code=usccs)
def test_uscc_round_trips_through_lower_case(code):
    assert parse_uscc(code) == code
    assert parse_uscc(code.lower()) == code
    assert parse_uscc(f" {code[:6]} {code[6:].lower()} ") == code
    assert uscc_problem(code) is None


@given(code=usccs, shift=st.integers(min_value=1, max_value=30))
def test_uscc_any_other_check_character_is_reported(code, shift):
    wrong = code[:17] + USCC_ALPHABET[(USCC_ALPHABET.index(code[17]) + shift) % 31]
    problem = uscc_problem(parse_uscc(wrong))
    assert problem is not None and problem.code == "uscc-check-digit"


@given(answer=st.booleans(), data=st.data())
def test_yes_no_round_trips_through_any_spelling_and_case(answer, data):
    spellings = ["是", "Y", "yes", "true", "1"] if answer else ["否", "N", "no", "false", "0"]
    word = data.draw(st.sampled_from(spellings))
    cased = "".join(c.upper() if data.draw(st.booleans()) else c.lower() for c in word)
    assert parse_yesno(cased) is answer
    assert parse_yesno(f" {cased} ") is answer


@given(choice=st.sampled_from(INDUSTRIES + LEVELS + REMOTE_CATEGORIES), pad=st.sampled_from(["", " ", "\u3000"]))
def test_enumeration_values_round_trip(choice, pad):
    choices = next(c for c in (INDUSTRIES, LEVELS, REMOTE_CATEGORIES) if choice in c)
    assert parse_enum(f"{pad}{choice}{pad}", choices, {}) == choice


@given(alias=st.sampled_from(sorted(ALIASES["industry"])))
def test_industry_aliases_land_on_an_industry(alias):
    assert parse_enum(alias, INDUSTRIES, ALIASES["industry"]) in INDUSTRIES


@given(text=st.text(max_size=40))
def test_parse_text_is_idempotent(text):
    once = parse_text(text)
    assert parse_text(once) == once
    assert once == once.strip()


# --- the reader ----------------------------------------------------------------------------------

safe_text = st.text(
    alphabet=st.characters(whitelist_categories=("Lu", "Ll", "Lo", "Nd"), max_codepoint=0x9FFF),
    min_size=1, max_size=20,
).map(lambda s: unicodedata.normalize("NFC", s)).filter(lambda s: s.strip() == s and s and not s.startswith("="))

YES_NO_FORMS = {True: ["是", "Y", "yes", "TRUE", "1", 1, True], False: ["否", "n", "No", "false", "0", 0, False]}
money = st.decimals(min_value=0, max_value=Decimal("1e9"), places=2, allow_nan=False, allow_infinity=False)


@st.composite
def tenant_rows(draw):
    """(cells to write, what the reader must make of them)."""
    row_cells, row_expected = {}, {}
    row_cells["name"] = row_expected["name"] = draw(safe_text)
    uscc = draw(usccs)
    row_cells["uscc"], row_expected["uscc"] = draw(st.sampled_from([uscc, uscc.lower()])), uscc
    day = draw(st.dates(min_value=dt.date(1990, 1, 1), max_value=TODAY))
    row_cells["registered_on"] = draw(st.sampled_from([day, dt.datetime.combine(day, dt.time()), *date_forms(day)[:8]]))
    row_expected["registered_on"] = day
    for key in ("registered_in_incubator", "operating_in_incubator", "tech_sme", "innovative_sme",
                "incubator_equity_invested", "financing_received", "newly_certified", "acquired_or_listed", "graduated"):
        answer = draw(st.booleans())
        row_cells[key], row_expected[key] = draw(st.sampled_from(YES_NO_FORMS[answer])), answer
    industry = draw(st.sampled_from(INDUSTRIES))
    row_cells["industry"] = row_expected["industry"] = industry
    employees = draw(st.integers(min_value=0, max_value=100000))
    row_cells["employees"] = draw(st.sampled_from([employees, f"{employees:,}", f"{employees}人"]))
    row_expected["employees"] = employees
    for key in ("revenue_y1", "revenue_y2", "rd_y1", "rd_y2", "total_assets", "largest_round"):
        value = draw(money)
        row_cells[key] = draw(st.sampled_from([float(value), f"{value:,}", f"{value}万元"]))
        row_expected[key] = canonical_decimal(value)
    return row_cells, row_expected


@given(rows=st.lists(tenant_rows(), min_size=1, max_size=6, unique_by=lambda r: r[1]["uscc"]))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
def test_generated_tenant_rows_read_back_equal(rows):
    with tempfile.TemporaryDirectory() as tmp:
        path = build_workbook(Path(tmp) / "generated.xlsx", tenants=[cells for cells, _ in rows])
        result = read_workbook(path, today=TODAY)
    # The only reading finding: a tenant registered after the data year (workbook.md, figures that contradict each
    # other). Random figures may also be implausible for their unit (rulesets/plausibility.yaml): a warning only.
    data_year = result.submission.profile.data_year
    late = {i + 2 for i, (_, expected) in enumerate(rows) if expected["registered_on"].year > data_year}
    plausibility = [f for f in result.findings if f.code == "implausible-figure"]
    assert all(f.severity.value == "warning" for f in plausibility)
    assert [(f.code, f.row) for f in result.findings if f.code != "implausible-figure"] == \
        [("registered-after-data-year", row) for row in sorted(late)]
    tenants = result.submission.tenants
    assert len(tenants) == len(rows)
    for i, (tenant, (_, expected)) in enumerate(zip(tenants, rows)):
        assert tenant.row == i + 2
        got = tenant.model_dump(exclude={"row", "duplicate_of", "kept", "declared"})
        got["industry"] = got["industry"].value
        assert got == expected


# Garbage: random bytes, random bytes behind the magic numbers of the formats the gate recognises,
# and a valid workbook with bytes overwritten.

MAGICS = [b"", b"PK\x03\x04", b"PK\x05\x06", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"%PDF-", b"<html>", b"\xef\xbb\xbf"]

_VALID: dict[str, bytes] = {}


def _valid_xlsx() -> bytes:
    if "xlsx" not in _VALID:
        with tempfile.TemporaryDirectory() as tmp:
            _VALID["xlsx"] = build_workbook(Path(tmp) / "valid.xlsx").read_bytes()
    return _VALID["xlsx"]


def _read_bytes_expecting_workbook_error(data: bytes, suffix: str = ".xlsx") -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"garbage{suffix}"
        path.write_bytes(data)
        try:
            read_workbook(path, today=TODAY)
        except WorkbookError as exc:
            assert exc.finding.code and exc.zh and exc.en


@given(magic=st.sampled_from(MAGICS), body=st.binary(max_size=4096), suffix=st.sampled_from([".xlsx", ".xls", ".ods"]))
@settings(max_examples=25, deadline=None)
def test_read_workbook_raises_only_workbook_error_on_garbage(magic, body, suffix):
    _read_bytes_expecting_workbook_error(magic + body, suffix)


@given(cut=st.integers(min_value=0, max_value=20000))
@settings(max_examples=25, deadline=None)
def test_read_workbook_raises_only_workbook_error_on_truncated_workbook(cut):
    data = _valid_xlsx()
    _read_bytes_expecting_workbook_error(data[: cut % len(data)])


def _damaged_deflate_example() -> list[tuple[int, int]]:
    """Overwrite the first byte of xl/workbook.xml's deflate stream with an invalid block type."""
    data = _valid_xlsx()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "v.xlsx"
        path.write_bytes(data)
        with zipfile.ZipFile(path) as z:
            info = z.getinfo("xl/workbook.xml")
    name_len, extra_len = struct.unpack("<HH", data[info.header_offset + 26: info.header_offset + 30])
    return [(info.header_offset + 30 + name_len + extra_len, 0xFF)]


@given(edits=st.lists(st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=255)), min_size=1, max_size=8))
@example(edits=_damaged_deflate_example())
@settings(max_examples=25, deadline=None)
def test_read_workbook_raises_only_workbook_error_on_damaged_workbook(edits):
    data = bytearray(_valid_xlsx())
    for pos, byte in edits:
        data[pos % len(data)] = byte
    _read_bytes_expecting_workbook_error(bytes(data))
