"""The value parsers of ``_values.py``, one test per value form of ``spec/workbook.md`` § Values."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from incubator_check.workbook.layout import (
    ALIASES,
    INDUSTRIES,
    LEVELS,
    PROFILE,
    REMOTE_CATEGORIES,
    SITE_TENURES,
    TENANTS,
    Kind,
)
from incubator_check.workbook.values import (
    USCC_ALPHABET,
    ValueProblem,
    canonical_decimal,
    normalize_label,
    parse_amount,
    parse_county,
    parse_date,
    parse_enum,
    parse_enum_list,
    parse_integer,
    parse_text,
    parse_uscc,
    parse_year,
    parse_yesno,
    split_unit,
    to_decimal,
    unit_factor,
    uscc_check_character,
    uscc_problem,
)

from conftest import bad_check, make_uscc


def problem_code(fn, *args) -> str:
    with pytest.raises(ValueProblem) as info:
        fn(*args)
    problem = info.value
    assert problem.zh and problem.en, "every problem carries a Chinese and an English message"
    return problem.code


# --- yes/no -------------------------------------------------------------------

YES_SPELLINGS = ["是", "Y", "y", "yes", "YES", "Yes", "true", "TRUE", "True", "1", " 是 ", "ｙｅｓ", "１"]
NO_SPELLINGS = ["否", "N", "n", "no", "NO", "No", "false", "FALSE", "False", "0", " 否", "０"]


@pytest.mark.parametrize("text", YES_SPELLINGS)
def test_yesno_yes_spellings_any_case(text):
    assert parse_yesno(text) is True


@pytest.mark.parametrize("text", NO_SPELLINGS)
def test_yesno_no_spellings_any_case(text):
    assert parse_yesno(text) is False


@pytest.mark.parametrize("raw, expected", [(True, True), (False, False), (1, True), (0, False), (1.0, True), (0.0, False)])
def test_yesno_boolean_and_numeric_cells(raw, expected):
    assert parse_yesno(raw) is expected


@pytest.mark.parametrize("raw", ["有", "不是", "maybe", "2", "是的吧", "yes no", "T", "F", 2, 0.5, -1, None, dt.date(2024, 1, 1)])
def test_yesno_anything_else_is_invalid_yes_no(raw):
    assert problem_code(parse_yesno, raw) == "invalid-yes-no"


# --- dates --------------------------------------------------------------------

MARCH_15 = dt.date(2024, 3, 15)


def test_date_real_date_cell():
    assert parse_date(MARCH_15) == MARCH_15


def test_date_datetime_cell_keeps_the_day():
    value = parse_date(dt.datetime(2024, 3, 15, 0, 0))
    assert value == MARCH_15 and type(value) is dt.date
    assert parse_date(dt.datetime(2024, 3, 15, 17, 45)) == MARCH_15


def test_date_iso_text():
    assert parse_date("2024-03-15") == MARCH_15


def test_date_slash_text_without_leading_zeros():
    assert parse_date("2024/3/15") == MARCH_15
    assert parse_date("2024/03/15") == MARCH_15


def test_date_dotted_text():
    assert parse_date("2024.3.15") == MARCH_15


def test_date_chinese_text():
    assert parse_date("2024年3月15日") == MARCH_15
    assert parse_date("2024年03月15日") == MARCH_15
    assert parse_date("2024年3月15") == MARCH_15


def test_date_chinese_text_with_spaces():
    assert parse_date("2024 年 3 月 15 日") == MARCH_15


def test_date_compact_text():
    assert parse_date("20240315") == MARCH_15


def test_date_compact_number_cell():
    assert parse_date(20240315) == MARCH_15
    assert parse_date(20240315.0) == MARCH_15


def test_date_excel_serial_number():
    assert parse_date(45366) == MARCH_15
    assert parse_date(45366.0) == MARCH_15
    assert parse_date(1) == dt.date(1899, 12, 31)


def test_date_full_width_digits():
    assert parse_date("２０２４－０３－１５") == MARCH_15
    assert parse_date("２０２４年３月１５日") == MARCH_15
    assert parse_date("２０２４０３１５") == MARCH_15


def test_date_surrounding_spaces():
    assert parse_date("  2024-03-15 ") == MARCH_15


def test_date_text_with_midnight_time():
    assert parse_date("2024-03-15 00:00:00") == MARCH_15


@pytest.mark.parametrize("raw", ["2024-13-45", "2024-02-30", "2023/2/29", "20241345", "2024年13月1日", "15/03/2024",
                                 "March 15, 2024", "2024-13", "1800", "昨天", "", 0, -5, 3.5, True, None])
def test_date_invalid_is_invalid_date(raw):
    assert problem_code(parse_date, raw) == "invalid-date"


@pytest.mark.parametrize("raw, shown, precision", [
    (2025, "2025", "year"), (2025.0, "2025", "year"), ("2025", "2025", "year"), ("2025年", "2025", "year"),
    ("2025-03", "2025-03", "month"), ("2025年3月", "2025-03", "month"), ("2025.3", "2025-03", "month"),
    ("2025/03", "2025-03", "month")])
def test_a_bare_year_or_year_and_month_is_a_date_of_that_precision_never_a_serial(raw, shown, precision):
    """2025 typed in a date column is the year 2025, not Excel serial 2025 (1905-07-17)."""
    value = parse_date(raw)
    assert value.year == 2025 and str(value) == shown and value.precision == precision


def test_a_serial_number_outside_the_years_is_still_a_serial():
    assert parse_date(45000) == dt.date(2023, 3, 15) and type(parse_date(45000)) is dt.date


def test_date_leap_day_is_accepted():
    assert parse_date("2024-02-29") == dt.date(2024, 2, 29)


# --- numbers ------------------------------------------------------------------


def test_number_numeric_cells():
    assert parse_amount(1234, Kind.MONEY, "万元") == Decimal(1234)
    assert parse_amount(1234.5, Kind.MONEY, "万元") == Decimal("1234.5")
    assert parse_integer(12, Kind.INTEGER, "人") == 12
    assert parse_integer(12.0, Kind.INTEGER, "人") == 12


def test_number_text_with_thousands_separators():
    assert parse_amount("1,234.5", Kind.MONEY, "万元") == Decimal("1234.5")
    assert parse_amount("1,234,567", Kind.MONEY, "万元") == Decimal(1234567)
    assert parse_amount("1，234.5", Kind.MONEY, "万元") == Decimal("1234.5")  # full-width comma


def test_number_full_width_digits():
    assert parse_amount("１２３４", Kind.MONEY, "万元") == Decimal(1234)
    assert parse_amount("１，２３４．５", Kind.MONEY, "万元") == Decimal("1234.5")
    assert parse_integer("１２", Kind.INTEGER, "人") == 12


def test_number_surrounding_spaces():
    assert parse_amount("  500 ", Kind.MONEY, "万元") == Decimal(500)


def test_number_trailing_unit_matching_the_header():
    assert parse_amount("500万元", Kind.MONEY, "万元") == Decimal(500)
    assert parse_amount("500 万元", Kind.MONEY, "万元") == Decimal(500)
    assert parse_amount("1,200平方米", Kind.AREA, "平方米") == Decimal(1200)
    assert parse_integer("12人", Kind.INTEGER, "人") == 12


def test_number_trailing_unit_same_as_unitless_header():
    # A header without a unit means the canonical unit, so 万元 matches it.
    assert parse_amount("500万元", Kind.MONEY, "") == Decimal(500)


def test_number_trailing_unit_spelled_differently_but_equal():
    assert parse_amount("1000㎡", Kind.AREA, "平方米") == Decimal(1000)
    assert parse_amount("1000m²", Kind.AREA, "平方米") == Decimal(1000)
    assert parse_amount("1000 m2", Kind.AREA, "平方米") == Decimal(1000)


def test_number_trailing_unit_under_a_converted_header():
    # Under a （元） header, "5000元" is 5000 元 = 0.5 万元.
    assert parse_amount("5000元", Kind.MONEY, "元") == Decimal("0.5")


@pytest.mark.parametrize("raw, kind, header_unit", [
    ("500元", Kind.MONEY, "万元"),
    ("500万元", Kind.MONEY, "元"),
    ("500千元", Kind.MONEY, "万元"),
    ("500公顷", Kind.AREA, "平方米"),
    ("500美元", Kind.MONEY, "万元"),
])
def test_number_mismatched_unit_is_unit_mismatch(raw, kind, header_unit):
    assert problem_code(parse_amount, raw, kind, header_unit) == "unit-mismatch"


def test_number_mismatched_count_unit_is_unit_mismatch():
    assert problem_code(parse_integer, "12家", Kind.INTEGER, "人") == "unit-mismatch"


@pytest.mark.parametrize("raw, kind, unit", [
    (-1, Kind.MONEY, "万元"),
    (-0.5, Kind.MONEY, "万元"),
    ("-1,000", Kind.MONEY, "万元"),
    ("-100", Kind.AREA, "平方米"),
    (-3, Kind.INTEGER, "人"),
    ("-3", Kind.INTEGER, "人"),
])
def test_number_negative_is_negative_value(raw, kind, unit):
    parse = parse_integer if kind is Kind.INTEGER else parse_amount
    assert problem_code(parse, raw, kind, unit) == "negative-value"


@pytest.mark.parametrize("raw", [2.5, "2.5", "12.1人", 0.1])
def test_number_non_integer_for_integer_is_invalid_integer(raw):
    assert problem_code(parse_integer, raw, Kind.INTEGER, "人") == "invalid-integer"


def test_number_integer_given_with_zero_fraction():
    assert parse_integer("12.0", Kind.INTEGER, "人") == 12
    assert parse_integer("1,000", Kind.INTEGER, "人") == 1000


@pytest.mark.parametrize("raw", ["abc", "五百", "", "万元", True, False, None, float("nan"), dt.date(2024, 1, 1)])
def test_number_not_a_number_is_invalid_number(raw):
    assert problem_code(parse_amount, raw, Kind.MONEY, "万元") == "invalid-number"


@pytest.mark.parametrize("raw", ["2024.3.15", "1.2.3", "12-5"])
def test_number_with_trailing_digits_is_invalid_number_not_unit_mismatch(raw):
    assert problem_code(parse_amount, raw, Kind.MONEY, "万元") == "invalid-number"


def test_number_zero_is_not_negative():
    assert parse_amount(0, Kind.MONEY, "万元") == Decimal(0)
    assert parse_amount("-0", Kind.MONEY, "万元") == Decimal(0)


def test_number_canonical_form_has_no_exponent_or_trailing_zeros():
    assert str(parse_amount("5000.00", Kind.MONEY, "万元")) == "5000"
    assert str(parse_amount("12.50", Kind.MONEY, "万元")) == "12.5"
    assert str(parse_amount(5e3, Kind.MONEY, "万元")) == "5000"
    assert str(canonical_decimal(Decimal("5E+3"))) == "5000"


# --- units --------------------------------------------------------------------


def _header_unit(header: str) -> str:
    return split_unit(normalize_label(header))[1]


def test_unit_yuan_is_ten_thousandth():
    assert unit_factor(Kind.MONEY, "元") == Decimal("0.0001")
    assert parse_amount(12345, Kind.MONEY, "元") == Decimal("1.2345")
    assert str(parse_amount(12345, Kind.MONEY, "元")) == "1.2345"
    assert parse_amount(5000000, Kind.MONEY, "元") == Decimal(500)
    assert str(parse_amount(5000000, Kind.MONEY, "元")) == "500"


def test_unit_thousand_yuan_is_tenth():
    assert unit_factor(Kind.MONEY, "千元") == Decimal("0.1")
    assert parse_amount(1234, Kind.MONEY, "千元") == Decimal("123.4")
    assert parse_amount("5,000", Kind.MONEY, "千元") == Decimal(500)


def test_unit_wan_yuan_is_canonical():
    assert unit_factor(Kind.MONEY, "万元") == 1
    assert unit_factor(Kind.MONEY, "") == 1
    assert parse_amount(1234.5, Kind.MONEY, "万元") == Decimal("1234.5")


@pytest.mark.parametrize("spelling", ["平方米", "㎡", "m²", "m2", "M2", "平米"])
def test_unit_square_metre_spellings_are_the_same(spelling):
    unit = _header_unit(f"可自主支配孵化场地面积（{spelling}）")
    assert unit_factor(Kind.AREA, unit) == 1
    assert parse_amount(1234.5, Kind.AREA, unit) == Decimal("1234.5")


def test_unit_hectare_is_ten_thousand_square_metres():
    assert unit_factor(Kind.AREA, "公顷") == Decimal(10000)
    assert parse_amount(1.5, Kind.AREA, "公顷") == Decimal(15000)
    assert str(parse_amount("0.25", Kind.AREA, "公顷")) == "2500"


@pytest.mark.parametrize("kind, unit", [(Kind.MONEY, "美元"), (Kind.MONEY, "亿元"), (Kind.AREA, "亩"), (Kind.AREA, "km2"),
                                        (Kind.INTEGER, "万元")])
def test_unit_unknown_has_no_factor(kind, unit):
    assert unit_factor(kind, unit) is None


@pytest.mark.parametrize("unit", ["人", "家", "年", ""])
def test_unit_count_units_are_neutral(unit):
    assert unit_factor(Kind.INTEGER, unit) == 1


def test_float_cells_are_read_as_their_shortest_decimal():
    assert to_decimal(0.1) == Decimal("0.1")
    assert to_decimal(1234.56) == Decimal("1234.56")
    # A formula's 0.1 + 0.2 is cached as 0.30000000000000004; Excel shows 15 significant digits: 0.3.
    assert to_decimal(0.1 + 0.2) == Decimal("0.3")
    assert parse_amount(0.1, Kind.MONEY, "万元") == Decimal("0.1")
    assert parse_amount(0.1, Kind.MONEY, "元") == Decimal("0.00001")
    assert parse_amount(123.45, Kind.MONEY, "千元") == Decimal("12.345")
    assert parse_amount(1e-7, Kind.MONEY, "万元") == Decimal("1E-7")


# --- USCC -------------------------------------------------------------------------

# Published codes in the real-world format (verified with the GB 32100-2015 algorithm below).
REAL_WORLD_USCCS = ["9144030071526726XG", "914403001922038216", "91110108551385082Q", "91310000717854505W"]


def _reference_check(first17: str) -> str:
    """GB 32100-2015 §5, written out independently of the package."""
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, weights))
    check = 31 - total % 31
    return USCC_ALPHABET[0 if check == 31 else check]


@pytest.mark.parametrize("code", REAL_WORLD_USCCS)
def test_uscc_real_world_codes_are_valid(code):
    assert parse_uscc(code) == code
    assert uscc_problem(code) is None
    assert uscc_check_character(code[:17]) == _reference_check(code[:17]) == code[17]


def test_uscc_computed_code_in_real_world_format():
    body = "91330106MA2H3K4L5"  # 统一代码: 9 (工商) 1 (企业) + 330106 (杭州西湖区) + 9-character 组织机构代码
    code = body + _reference_check(body)
    assert uscc_check_character(body) == code[17]
    assert parse_uscc(code) == code
    assert uscc_problem(code) is None


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17))
def test_uscc_check_character_is_the_standards_on_any_code(first17):
    """The check character read as one base-34 number (values.uscc_check_character) is the weighted sum's."""
    assert uscc_check_character(first17) == _reference_check(first17)


@settings(max_examples=800, deadline=None)
@given(st.one_of(
    st.text(alphabet=USCC_ALPHABET + USCC_ALPHABET.lower() + "IOSVZ -é９", min_size=16, max_size=20),
    st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17).map(lambda body: body + uscc_check_character(body)),
    st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17).map(lambda body: (body + uscc_check_character(body)).lower()),
))
def test_a_usual_uscc_is_what_parse_uscc_and_uscc_problem_make_of_it(raw):
    """The reader's fast reading of a USCC cell (values.usual_uscc) answers only for a cell the parser reads as that
    code with no problem, and answers for every plainly written valid code."""
    from incubator_check.workbook.values import usual_uscc

    try:
        parsed = parse_uscc(raw)
        problem = uscc_problem(parsed)
    except ValueProblem:
        parsed = problem = None
    code = usual_uscc(raw)
    if code is not None:
        assert code == parsed and problem is None
    elif raw.isascii() and raw.isalnum() and len(raw) == 18:
        assert parsed is None or problem is not None


def test_uscc_check_character_outside_the_alphabet_takes_the_loop():
    assert uscc_check_character("") == "0"
    for text in ("9144030071526726I", "91440300715267 6X", "+1440300715267260", "9_44030071526726X", "914403007152672é6"):
        with pytest.raises(KeyError):
            uscc_check_character(text)


def test_uscc_check_character_zero_when_sum_is_multiple_of_31():
    # A code whose weighted sum is ≡ 0 (mod 31) gets check character 0 (31 → 0).
    assert uscc_check_character("0" * 17) == "0"


@pytest.mark.parametrize("n", [0, 1, 30, 31, 12345, 987654321])
def test_uscc_generated_codes_are_valid(n):
    code = make_uscc(n)
    assert uscc_check_character(code[:17]) == _reference_check(code[:17])
    assert uscc_problem(parse_uscc(code)) is None


def test_uscc_lower_case_is_normalised():
    assert parse_uscc("9144030071526726xg") == "9144030071526726XG"
    assert parse_uscc("91110108551385082q") == "91110108551385082Q"


def test_uscc_full_width_and_spaces_are_normalised():
    assert parse_uscc("９１１１０１０８５５１３８５０８２Ｑ") == "91110108551385082Q"
    assert parse_uscc(" 9111 0108 5513 8508 2Q ") == "91110108551385082Q"


@pytest.mark.parametrize("raw", [
    "9144030071526726X",  # 17 characters
    "9144030071526726XGG",  # 19 characters
    "9144030071526726XI",  # I is not in the alphabet
    "91440300715267260O",  # O
    "9144030071526726ZG",  # Z
    "914403007152672S6G",  # S
    "9144030071526726VG",  # V
    "9144030071526726-G",
    "",
    None,
    91440300715267268,
])
def test_uscc_wrong_length_or_alphabet_is_invalid_uscc(raw):
    assert problem_code(parse_uscc, raw) == "invalid-uscc"


@pytest.mark.parametrize("code", REAL_WORLD_USCCS + [make_uscc(5)])
def test_uscc_wrong_check_character_is_uscc_check_digit(code):
    wrong = bad_check(code)
    assert parse_uscc(wrong) == wrong  # well-formed: parse_uscc does not verify the check
    problem = uscc_problem(wrong)
    assert problem is not None
    assert problem.code == "uscc-check-digit"
    assert code[17] in problem.en and code[17] in problem.zh  # names the expected check character


# --- enumerations with aliases -----------------------------------------------------

INDUSTRY_ALIASES = ALIASES["industry"]


@pytest.mark.parametrize("choice", INDUSTRIES)
def test_enum_every_industry_reads_as_itself(choice):
    assert parse_enum(choice, INDUSTRIES, INDUSTRY_ALIASES) == choice


@pytest.mark.parametrize("raw, expected", [
    ("制造业", "工业"),
    ("采矿业", "工业"),
    ("电力、热力、燃气及水生产和供应业", "工业"),
    ("科学研究和技术服务业", "其他未列明行业"),
    ("科技服务业", "其他未列明行业"),
    ("农林牧渔业", "农、林、牧、渔业"),
    ("信息传输、软件和信息技术服务业", "软件和信息技术服务业"),
    ("租赁业", "租赁和商务服务业"),
    (" 制造业 ", "工业"),
])
def test_enum_industry_aliases(raw, expected):
    assert parse_enum(raw, INDUSTRIES, INDUSTRY_ALIASES) == expected


def test_enum_industry_ignores_list_punctuation_and_width():
    assert parse_enum("农，林，牧，渔业", INDUSTRIES, INDUSTRY_ALIASES) == "农、林、牧、渔业"
    assert parse_enum("软件和信息技术服务业 ", INDUSTRIES, INDUSTRY_ALIASES) == "软件和信息技术服务业"


@pytest.mark.parametrize("raw, expected", [("标准级", "标准级"), ("卓越", "卓越级"), ("Standard", "标准级"), ("EXCELLENCE", "卓越级")])
def test_enum_level_aliases(raw, expected):
    assert parse_enum(raw, LEVELS, ALIASES["level"]) == expected


@pytest.mark.parametrize("raw, expected", [("三类", "三类"), ("3类", "三类"), ("六类区", "六类"), ("1类区", "一类")])
def test_enum_remote_category_aliases(raw, expected):
    assert parse_enum(raw, REMOTE_CATEGORIES, ALIASES["remote_area_category"]) == expected


@pytest.mark.parametrize("raw", ["金融业", "教育", "", "工业制造业", None])
def test_enum_unknown_value_is_invalid_choice(raw):
    assert problem_code(parse_enum, raw, INDUSTRIES, INDUSTRY_ALIASES) == "invalid-choice"


@pytest.mark.parametrize("raw, expected", [
    ("自有", ("自有",)),
    ("自有、租赁", ("自有", "租赁")),
    ("租赁,协议使用", ("租赁", "协议使用")),
    ("租赁，自有，租赁", ("租赁", "自有")),
])
def test_enum_list_separated_by_dunhao_or_comma(raw, expected):
    assert parse_enum_list(raw, SITE_TENURES) == expected


def test_enum_list_unknown_part_is_invalid_choice():
    assert problem_code(parse_enum_list, "自有、借用", SITE_TENURES) == "invalid-choice"


# --- text, year, county --------------------------------------------------------


def test_text_is_stripped_and_nfc():
    assert parse_text("  示例孵化器 ") == "示例孵化器"
    assert parse_text("e\u0301") == "\u00e9"


def test_text_from_whole_number_cell_has_no_decimal_point():
    assert parse_text(330106.0) == "330106"
    assert parse_text(12) == "12"


@pytest.mark.parametrize("raw", [2025, 2025.0, "2025", "2025年", "２０２５", dt.date(2025, 1, 1)])
def test_year_forms(raw):
    assert parse_year(raw) == 2025


@pytest.mark.parametrize("raw, code", [("25", "invalid-year"), (1800, "invalid-year"), ("明年", "invalid-number"),
                                       (2025.5, "invalid-integer")])
def test_year_invalid(raw, code):
    assert problem_code(parse_year, raw) == code


@pytest.mark.parametrize("raw", ["330106", 330106, 330106.0, "３３０１０６"])
def test_county_code_six_digits(raw):
    assert parse_county(raw) == "330106"


@pytest.mark.parametrize("raw", ["33010", "3301066", "杭州", "33010A"])
def test_county_code_invalid(raw):
    assert problem_code(parse_county, raw) == "invalid-county-code"


# --- label normalisation -----------------------------------------------------------


def test_label_full_width_and_half_width_brackets_are_the_same():
    assert normalize_label("上年度总收入（万元）") == normalize_label("上年度总收入(万元)") == "上年度总收入(万元)"


def test_label_spaces_are_ignored():
    assert normalize_label("  上年度 总收入 （ 万元 ）\u3000") == "上年度总收入(万元)"
    assert normalize_label("孵化器\n名称") == "孵化器名称"


def test_label_english_keys_compare_case_insensitively():
    assert normalize_label("Total Staff") == normalize_label("total staff") == "totalstaff"
    assert normalize_label("REVENUE_Y1") == "revenue_y1"


def test_label_full_width_digits_and_letters_are_half_width():
    assert normalize_label("近３年是否发生重大环保、质量和安全事故") == normalize_label("近3年是否发生重大环保、质量和安全事故")
    assert normalize_label("ＵＳＣＣ") == "uscc"


@pytest.mark.parametrize("header, base, unit", [
    ("上年度营业收入（万元）", "上年度营业收入", "万元"),
    ("上年度营业收入(元)", "上年度营业收入", "元"),
    ("上年度营业收入 （ 千元 ）", "上年度营业收入", "千元"),
    ("可自主支配孵化场地面积（㎡）", "可自主支配孵化场地面积", "m2"),
    ("可自主支配孵化场地面积（m²）", "可自主支配孵化场地面积", "m2"),
    ("从业人员（人）", "从业人员", "人"),
    ("Revenue (data year) (万元)", "revenue(datayear)", "万元"),
    ("企业名称", "企业名称", ""),
    ("(万元)", "(万元)", ""),
])
def test_label_units_in_headers_via_split_unit(header, base, unit):
    assert split_unit(normalize_label(header)) == (base, unit)


@pytest.mark.parametrize("spec", PROFILE.fields + TENANTS.fields, ids=lambda s: s.key)
def test_label_every_template_header_splits_to_its_label_and_unit(spec):
    base, unit = split_unit(normalize_label(spec.header))
    if spec.unit:
        assert (base, unit) == (normalize_label(spec.label), normalize_label(spec.unit))
    else:
        assert normalize_label(spec.header) == normalize_label(spec.label)


def test_every_invisible_character_is_unprintable_so_printable_text_skips_the_search():
    """visible_text and the reader test str.isprintable() before INVISIBLE.search: only sound while every character
    INVISIBLE matches is one isprintable() refuses (category Cf today)."""
    import sys

    from incubator_check.workbook.values import INVISIBLE, visible_text

    matched = [chr(c) for c in range(sys.maxunicode + 1) if INVISIBLE.match(chr(c))]
    assert matched and not any(c.isprintable() for c in matched)
    assert visible_text("甲\u200b公司\u00ad") == "甲公司"
    assert visible_text("甲公司") == "甲公司"
