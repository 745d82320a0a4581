"""Cell values: every form of ``spec/workbook.md`` parsed to one canonical Python value.

A parser takes the raw cell value python-calamine gives (str, int, float, bool,
date, datetime, time, timedelta or ``""``) and returns the canonical value, or raises
:class:`ValueProblem` with a catalogue code and its parameters (``findings.CATALOGUE``). The reader adds the
field and the cell.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from .layout import Kind
from ..findings import catalogue_texts, code_of

# --- labels -----------------------------------------------------------------

_SPACES = re.compile(r"\s+")
#: Characters a person cannot see, pasted from web pages and other systems: zero-width spaces and joiners, the
#: word joiner, the byte-order mark, soft hyphen. Removed before a value is read (non-breaking spaces are spaces).
INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e]")
_NO_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"))


def visible_text(text: str) -> str:
    """Text without the characters a person cannot see (:data:`INVISIBLE`)."""
    # str.translate is slow on non-ASCII text (~3 µs for a company name); the search finds the rare text it changes.
    # Every character INVISIBLE matches is of category Cf, which str.isprintable() refuses: printable text (a name,
    # an address) holds none, and that test runs in C without the regex machinery.
    if text.isascii() or text.isprintable() or not INVISIBLE.search(text):
        return text
    return text.translate(_NO_INVISIBLE)


_UNIT_SUFFIX = re.compile(r"^(.*?)\(([^()]*)\)$")


def _normalized_label(text: object) -> str:
    return _SPACES.sub("", unicodedata.normalize("NFKC", visible_text(str(text)))).lower()


def normalize_label(text: object) -> str:
    """A label as compared: NFKC (full-width brackets and digits to half-width), no spaces, lower-case."""
    if text.__class__ is not str:  # a number or date cell: str() of it first, as ever; not memoised (1 == 1.0 == True)
        return _normalized_label(text)
    return _normalized_label_of_text(text)


#: Labels already normalised, by their exact text: every workbook repeats the same headers and field labels, and a
#: read looks each one up several times (header search, label match, unit split).
_normalized_label_of_text = lru_cache(maxsize=4096)(_normalized_label)


def split_unit(label: str) -> tuple[str, str]:
    """``上年度总收入(万元)`` → (``上年度总收入``, ``万元``), for a label already normalised."""
    match = _UNIT_SUFFIX.match(label)
    if match and match.group(1):
        return match.group(1), match.group(2)
    return label, ""


# --- units ------------------------------------------------------------------

# Factor to the canonical unit (万元 for money, 平方米 for area), keyed by the
# normalised spelling: NFKC turns ㎡ into "m2" and m² into "m2".
MONEY_UNITS = {"万元": Decimal(1), "元": Decimal("0.0001"), "千元": Decimal("0.1"), "人民币万元": Decimal(1), "万": Decimal(1)}
AREA_UNITS = {"平方米": Decimal(1), "m2": Decimal(1), "平米": Decimal(1), "公顷": Decimal(10000)}
COUNT_UNITS = {"人", "家", "年", "个", "名", "位"}


#: Members looked up once (on their enum class each lookup costs ~40 ns in Python 3.11): the same objects.
_MONEY, _AREA, _COUNTS = Kind.MONEY, Kind.AREA, (Kind.INTEGER, Kind.YEAR)


def unit_factor(kind: Kind, unit: str) -> Decimal | None:
    """The factor from a header's unit to the canonical one; None if the unit is not one of the kind's."""
    if kind is _MONEY:
        return MONEY_UNITS.get(unit, None) if unit else Decimal(1)
    if kind is _AREA:
        return AREA_UNITS.get(unit, None) if unit else Decimal(1)
    if kind in _COUNTS:
        return Decimal(1) if (not unit or unit in COUNT_UNITS) else None
    return Decimal(1)


# --- problems ---------------------------------------------------------------


class ValueProblem(Exception):
    """A cell's value is not of the form its field expects: a catalogue key (``code`` or ``code:variant``) and its
    parameters; ``zh`` and ``en`` say what is wrong with the value, the reader puts the field before them."""

    def __init__(self, key: str, **params: object):
        self.severity, self.zh, self.en = catalogue_texts(key, **params)
        super().__init__(self.en)
        self.code = code_of(key)


def _shown(raw: object) -> str:
    text = str(raw)
    return text if len(text) <= 40 else text[:37] + "…"


# --- yes/no -----------------------------------------------------------------

_YES = {"是", "y", "yes", "true", "1", "√", "✓"}
_NO = {"否", "n", "no", "false", "0", "×", "✗"}


def parse_yesno(raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, (int, float)) and raw in (0, 1):
        return bool(raw)
    text = normalize_label(raw)
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise ValueProblem("invalid-yes-no", value=_shown(raw))


# --- numbers ----------------------------------------------------------------

_NUMBER = re.compile(r"^([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?)(.*)$")


def to_decimal(value: float | int) -> Decimal:
    """A numeric cell as the decimal the applicant sees: the shortest repr of the binary float, or, when that
    needs more than 15 significant digits (a formula's 0.30000000000000004), the 15 digits Excel shows."""
    if isinstance(value, int):
        return Decimal(value)
    text = repr(value)
    if len(text) <= MAX_DIGITS + 1:  # sign or point included: at most 15 digits
        return Decimal(text)
    decimal = Decimal(text)
    if len(decimal.as_tuple().digits) > MAX_DIGITS:
        decimal = Decimal(format(value, ".15g"))
    return decimal


def parse_decimal(raw: object, kind: Kind, header_unit: str) -> Decimal:
    """A number from a numeric cell or text (thousands separators, full-width digits, a trailing unit)."""
    if isinstance(raw, bool):
        raise ValueProblem("invalid-number", value=raw)
    if isinstance(raw, (int, float)):
        if raw != raw or raw in (float("inf"), float("-inf")):
            raise ValueProblem("invalid-number", value=raw)
        return _bounded(to_decimal(raw), raw)
    if not isinstance(raw, str):
        raise ValueProblem("invalid-number", value=_shown(raw))
    text = unicodedata.normalize("NFKC", visible_text(raw))
    text = _SPACES.sub("", text).replace(",", "").replace("，", "").lower()
    match = _NUMBER.match(text)
    if not match:
        raise ValueProblem("invalid-number", value=_shown(raw))
    number, unit = match.group(1), match.group(2)
    if unit and unit not in AREA_UNITS and (unit[0] in "0123456789.+-" or any(ch.isdigit() for ch in unit)):
        # "2024.3.15" in a money cell is not 2024.3 with a unit ".15": it is not a number at all.
        raise ValueProblem("invalid-number", value=_shown(raw))
    if unit:
        if kind in (Kind.INTEGER, Kind.YEAR):
            # Counts have no conversions: 家 under a 人 header is a different thing, not a different unit.
            same = unit == header_unit or (not header_unit and unit in COUNT_UNITS)
        else:
            factor = unit_factor(kind, unit)
            same = unit == header_unit or (factor is not None and factor == unit_factor(kind, header_unit))
        if not same:
            raise ValueProblem("unit-mismatch", unit=unit, expected=header_unit or "（无单位）")
    try:
        value = Decimal(number)
    except InvalidOperation:  # pragma: no cover - the regex admits only valid numbers
        raise ValueProblem("invalid-number", value=_shown(raw))
    return _bounded(value, raw)


#: No figure of an application comes near this (10^15 万元); larger numbers are typing accidents.
MAX_MAGNITUDE = Decimal("1e15")


#: Excel and WPS keep 15 significant digits; a figure with more could not have come from a numeric cell.
MAX_DIGITS = 15


def _bounded(value: Decimal, raw: object) -> Decimal:
    if not value.is_finite() or abs(value) > MAX_MAGNITUDE:
        raise ValueProblem("invalid-number:too-large", value=_shown(raw))
    if not fits_spreadsheet(value):
        raise ValueProblem("too-many-digits", value=_shown(raw))
    return value


def fits_spreadsheet(value: Decimal) -> bool:
    """Whether a decimal has at most 15 significant digits, as a spreadsheet cell can hold (and a double carries exactly)."""
    if len(value.as_tuple().digits) <= MAX_DIGITS:
        return True
    return len(value.normalize().as_tuple().digits) <= MAX_DIGITS  # 5000.000…0 has few significant digits


_ONE = Decimal(1)


def within_model(value: Decimal) -> bool:
    """Whether the model takes this amount as it is (model.py, ``Amount``: at most 15 digits as pydantic-core
    counts them, the integer digits and the decimal places of the normalised value). The parsers already
    guarantee 15 significant digits and at most 10^15; this adds the two edges where the model counts
    otherwise: 10^15 itself (16 integer digits) and a figure below 1 with more than 15 decimal places
    (0.00123456789012345). For a value of the parsers (at most 15 significant digits), one of 1 or more and below
    10^15 needs no counting: it has at most 14 decimal places."""
    if _ONE <= value < MAX_MAGNITUDE:
        return True
    sign, digits, exponent = value.normalize().as_tuple()
    if not isinstance(exponent, int) or sign:
        return False
    return (len(digits) + exponent if exponent >= 0 else max(len(digits), -exponent)) <= MAX_DIGITS


def parse_amount(raw: object, kind: Kind, header_unit: str) -> Decimal:
    """Money, area or a count, non-negative, converted to the canonical unit."""
    value = parse_decimal(raw, kind, header_unit)
    if value < 0:
        raise ValueProblem("negative-value", value=value)
    factor = unit_factor(kind, header_unit) or Decimal(1)
    if factor != 1:
        value = value * factor
    return canonical_decimal(value)


def canonical_decimal(value: Decimal) -> Decimal:
    """5000.00 → 5000 and 12.50 → 12.5, never 5E+3: the form a report prints."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def amount_parser(kind: Kind, header_unit: str):
    """A parser for one column's amounts, with a fast path for the usual case: a non-negative numeric cell."""
    factor = unit_factor(kind, header_unit) or Decimal(1)
    unscaled = factor == 1  # compared once, not per cell
    def parse(raw: object) -> Decimal:
        cls = raw.__class__
        if (cls is float or cls is int) and 0 <= raw <= 1e15:
            if cls is int or raw.is_integer():
                value = Decimal(int(raw))
            else:  # to_decimal's first case inlined: a repr of at most 15 digits is the decimal itself
                text = repr(raw)
                value = Decimal(text) if len(text) <= MAX_DIGITS + 1 else to_decimal(raw)
            return value if unscaled else canonical_decimal(value * factor)
        return parse_amount(raw, kind, header_unit)

    parse.unscaled = unscaled  # the reader's cell loop reads a column's usual floats itself when this is true
    return parse


def parse_integer(raw: object, kind: Kind, header_unit: str) -> int:
    value = parse_amount(raw, kind, header_unit)
    if value != value.to_integral():
        raise ValueProblem("invalid-integer", value=value)
    return int(value)


def integer_parser(kind: Kind, header_unit: str):
    """A parser for one column's counts, with a fast path for the usual case: a whole non-negative numeric cell up
    to 10^15, which :func:`parse_integer` reads as itself (a count has no unit conversion: its factor is 1)."""
    def parse(raw: object) -> int:
        cls = raw.__class__
        if cls is float:
            if 0 <= raw <= 1e15 and raw.is_integer():
                return int(raw)
        elif cls is int and 0 <= raw <= _INTEGER_MAX:
            return raw
        return parse_integer(raw, kind, header_unit)

    return parse


_INTEGER_MAX = 10 ** 15


def parse_year(raw: object) -> int:
    if isinstance(raw, (_dt.date, _dt.datetime)):
        return raw.year
    text = raw
    if isinstance(raw, str):
        text = unicodedata.normalize("NFKC", visible_text(raw)).strip().removesuffix("年")
    year = parse_integer(text, Kind.YEAR, "")
    if not 1990 <= year <= 2100:
        raise ValueProblem("invalid-year", value=_shown(raw))
    return year


# --- dates ------------------------------------------------------------------

_EXCEL_EPOCH = _dt.date(1899, 12, 30)
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ t]0{1,2}:0{2}(?::0{2}(?:\.0+)?)?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


class PartialDate(_dt.date):
    """A date known to the year (``2025``) or to the month (``2025-03``) only: what a person typed is a date of
    that precision, never an Excel serial number (2025 is not 1905-07-17). It stands as the first day of its year
    or month for the clauses that need only the year; ``precision`` says which, and the reader warns."""

    precision: str = "year"

    def __new__(cls, year: int, month: int | None = None):
        self = super().__new__(cls, year, month or 1, 1)
        self.precision = "month" if month else "year"
        return self

    def __reduce__(self):
        return (PartialDate, (self.year, self.month if self.precision == "month" else None))

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}" if self.precision == "month" else f"{self.year:04d}"

    isoformat = __str__

    @property
    def last_day(self) -> _dt.date:
        """The last day the date may be: 31 December of its year, or the last day of its month."""
        if self.precision == "year":
            return _dt.date(self.year, 12, 31)
        following = _dt.date(self.year + self.month // 12, self.month % 12 + 1, 1)
        return following - _dt.timedelta(days=1)


def day_range(day: _dt.date) -> tuple[_dt.date, _dt.date]:
    """The first and last plain day a date may be: itself twice, or a partial date's first and last day. A clause
    that compares days tries both ends, so a partial date decides it only when the day cannot change the answer."""
    if day.__class__ is PartialDate:
        return _dt.date(day.year, day.month, 1), day.last_day
    return day, day


#: Years a bare year in a date column may be (a registration, a revocation); outside it, a number is a serial.
_YEARS = range(1949, 2101)
_PARTIAL_PATTERNS = (
    re.compile(r"^(\d{4})年?$"),
    re.compile(r"^(\d{4})(?:[-/.]|年)(\d{1,2})月?$"),
)


def parse_date(raw: object) -> _dt.date:
    """A date cell, an Excel serial number, or text in one of the spec's five forms; a bare year or year and month
    (``2025``, ``2025年``, ``2025-03``, ``2025年3月``) is a :class:`PartialDate`."""
    if isinstance(raw, _dt.datetime):
        return raw.date()
    if isinstance(raw, _dt.date):
        return raw
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and math.isfinite(raw):  # nan, inf: no date
        if raw == int(raw) and int(raw) in _YEARS:
            return PartialDate(int(raw))
        # 20240315 typed as a number is a date in the compact form, not a serial.
        if 19000101 <= raw <= 21001231 and raw == int(raw):
            return parse_date(str(int(raw)))
        if 1 <= raw < 2958466 and raw == int(raw):
            return _EXCEL_EPOCH + _dt.timedelta(days=int(raw))
    if isinstance(raw, str):
        text = _SPACES.sub(" ", unicodedata.normalize("NFKC", visible_text(raw))).strip().lower()
        text = text.replace(" 年", "年").replace("年 ", "年").replace(" 月", "月").replace("月 ", "月").replace(" 日", "日")
        for pattern in _DATE_PATTERNS:
            match = pattern.match(text)
            if match:
                try:
                    return _dt.date(*(int(g) for g in match.groups()))
                except ValueError:
                    break
        for pattern in _PARTIAL_PATTERNS:
            match = pattern.match(text)
            if match and int(match.group(1)) in _YEARS:
                month = int(match.group(2)) if pattern.groups > 1 else None
                if month is None or 1 <= month <= 12:
                    return PartialDate(int(match.group(1)), month)
    raise ValueProblem("invalid-date", value=_shown(raw))


# --- unified social credit code (GB 32100-2015) ------------------------------

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {c: i for i, c in enumerate(USCC_ALPHABET)}
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_USCC_CHARS = frozenset(USCC_ALPHABET)


#: Each byte of the alphabet → the digit of its value in base 34 (0–9, A–U); every other byte → '!', no digit.
_USCC_BASE34 = bytes(ord("0123456789ABCDEFGHIJKLMNOPQRSTU"[_USCC_VALUE[chr(b)]]) if chr(b) in _USCC_CHARS else ord("!")
                     for b in range(256))


def uscc_check_character(first17: str) -> str:
    """The 18th character of a USCC: 31 − (Σ value × 3^(i−1) mod 31) mod 31."""
    if first17.__class__ is str and first17.isascii():
        # The weighted sum read as one number, in C: this runs for every distinct code of a roster. The characters'
        # values as base-34 digits (one bytes.translate: the alphabet is ASCII), the first character last, make
        # int(…, 34) = Σ value × 34^(i−1); and 34 ≡ 3 (mod 31), so it is the sum above modulo 31. A character outside
        # the alphabet becomes '!', which int() refuses (it takes no sign, space or '_' here: the table makes none),
        # as does an empty text; those take the loop ('' → '0', any other a KeyError). [:17] as zip() truncates.
        try:
            total = int(first17[:17].encode().translate(_USCC_BASE34)[::-1], 34)
        except ValueError:
            pass
        else:
            return USCC_ALPHABET[(31 - total % 31) % 31]
    values = _USCC_VALUE
    total = 0
    for c, w in zip(first17, _USCC_WEIGHTS):
        total += values[c] * w
    return USCC_ALPHABET[(31 - total % 31) % 31]


def parse_uscc(raw: object) -> str:
    """An 18-character USCC, upper-cased; the check character is verified by :func:`uscc_problem`."""
    text = raw.upper() if raw.__class__ is str and raw.isascii() and raw.isalnum() else \
        _SPACES.sub("", unicodedata.normalize("NFKC", visible_text(str(raw)))).upper()
    if len(text) != 18 or not _USCC_CHARS.issuperset(text):
        raise ValueProblem("invalid-uscc", value=_shown(raw))
    return text


def usual_uscc(raw: object) -> str | None:
    """A cell's code when it holds a well-formed USCC written plainly, with its right check character: 18 ASCII
    letters and digits of the alphabet, in any case. None for anything else (which :func:`parse_uscc` and
    :func:`uscc_problem` then read as ever).

    For such a cell this is ``parse_uscc(raw)`` (the ASCII alphanumeric text upper-cased, 18 characters of the
    alphabet: the first 17 because int() took their base-34 digits, the last because it is the check character)
    and ``uscc_problem`` of it is None (the same check character, :func:`uscc_check_character`'s number)."""
    if raw.__class__ is str and len(raw) == 18 and raw.isascii() and raw.isalnum():
        text = raw.upper()
        try:
            total = int(text[:17].encode().translate(_USCC_BASE34)[::-1], 34)
        except ValueError:
            return None
        if USCC_ALPHABET[(31 - total % 31) % 31] == text[17]:
            return text
    return None


def uscc_problem(code: str) -> ValueProblem | None:
    """The check-character problem of a well-formed USCC, if any."""
    expected = uscc_check_character(code[:17])
    if code[17] == expected:
        return None
    return ValueProblem("uscc-check-digit", uscc=code, expected=expected, found=code[17])


# --- text and enumerations ---------------------------------------------------


def parse_text(raw: object) -> str:
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = visible_text(str(raw)).replace("\u00a0", " ").strip()
    return unicodedata.normalize("NFC", text)


_ENUM_SEPARATORS = re.compile(r"[、,，;；/\s]")


def _enum_key_of(text: object) -> str:
    return _ENUM_SEPARATORS.sub("", unicodedata.normalize("NFKC", visible_text(str(text)))).lower()


def _enum_key(text: object) -> str:
    if text.__class__ is not str:  # str() of a number or date first, as ever; not memoised (1 == 1.0 == True)
        return _enum_key_of(text)
    return _enum_key_of_text(text)


#: Enumeration keys by their exact text: parse_enum keys every choice again for each value it reads (16
#: industries), the same few texts each time.
_enum_key_of_text = lru_cache(maxsize=4096)(_enum_key_of)


def parse_enum(raw: object, choices: tuple[str, ...], aliases: dict[str, str]) -> str:
    key = _enum_key(raw)
    for choice in choices:
        if _enum_key(choice) == key:
            return choice
    if key in aliases:
        return aliases[key]
    raise ValueProblem("invalid-choice", choices="、".join(choices), value=_shown(raw))


_LIST_SPLIT = re.compile(r"[、,，;；/]")


def parse_enum_list(raw: object, choices: tuple[str, ...]) -> tuple[str, ...]:
    parts = [p for p in _LIST_SPLIT.split(unicodedata.normalize("NFKC", visible_text(str(raw)))) if p.strip()]
    return tuple(dict.fromkeys(parse_enum(p, choices, {}) for p in parts))


def parse_county(raw: object) -> str:
    text = parse_text(raw)
    text = unicodedata.normalize("NFKC", text)
    if not re.fullmatch(r"\d{6}", text):
        raise ValueProblem("invalid-county-code", value=_shown(raw))
    return text
