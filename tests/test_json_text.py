"""The JSON a batch writes (``_text.dumps``) is the same text whichever encoder writes it: orjson for plain data,
``json`` for everything else, byte for byte what ``json.dumps(ensure_ascii=False)`` gives (issue 21)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from incubator_check._check import check
from incubator_check._text import _plain, dumps

FIXTURES = sorted(p for p in (Path(__file__).resolve().parents[1] / "fixtures").iterdir()
                  if p.suffix in (".xlsx", ".xls", ".ods"))


def _json(data, indent: bool) -> str:
    return json.dumps(data, ensure_ascii=False, **({"indent": 2} if indent else {"separators": (",", ":")}))


EVERY_CHARACTER = "".join(chr(c) for c in range(0x30000) if not 0xD800 <= c <= 0xDFFF)


@pytest.mark.parametrize("indent", [False, True])
@pytest.mark.parametrize("data", [
    {"text": EVERY_CHARACTER, "控制": "\x00\x01\x1f\x7f\u2028\u2029\"\\/", "": ""},
    [0, -1, 2**63 - 1, -(2**63), 2**64 - 1, True, False, None, [], {}, [[]], {"a": {}}],
    ("a tuple", ["nested", {"k": ("v",)}]),
])
def test_plain_data_is_written_as_json_writes_it(data, indent):
    assert _plain(data)
    assert dumps(data, indent=indent) == _json(data, indent)


@pytest.mark.parametrize("data", [
    {"big": 2**64}, {"float": 1e16}, {"float": 1e-7}, {"nan": float("nan")}, {1: "an integer key"},
    {"lone surrogate": "name\udcff.xlsx"},
])
def test_what_orjson_would_write_otherwise_is_written_by_json(data):
    written = dumps(data)
    if "lone surrogate" in data:  # json_safe's escape of a byte that was not UTF-8, as before
        data = {"lone surrogate": "name\\xff.xlsx"}
    assert written == json.dumps(data, ensure_ascii=False, separators=(",", ":"))


@pytest.mark.parametrize("data", [{"d": Decimal("1")}, {"day": dt.date(2026, 1, 1)}])
def test_a_value_json_cannot_write_is_still_an_error(data):
    assert not _plain(data)
    with pytest.raises(TypeError):
        dumps(data)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_every_fixtures_report_is_written_as_json_writes_it(path):
    try:
        report = check(str(path), None, lang="zh", as_of=dt.date(2026, 5, 1))
    except Exception:  # noqa: BLE001 - a fixture that is no workbook: its error report is tested elsewhere
        pytest.skip("not a workbook")
    data = report.as_json()
    assert _plain(data)
    assert dumps(data) == _json(data, False)
    assert dumps(data, indent=True) == _json(data, True)


def test_an_indented_report_with_a_name_that_is_not_utf8_is_written_as_before():
    data = {"source": {"path": "申报\udcff.xlsx"}, "n": 1}
    assert dumps(data, indent=True) == json.dumps(data, ensure_ascii=False, indent=2)


_RAW_CHARACTERS = "\x00\x01\x08\t\n\x0c\r\x1f\x7f\u2028\u2029\"\\/é中𠀀"


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_a_report_written_by_pydantic_in_one_call_is_the_text_dumps_writes(path, lang):
    """``Report.as_json_text`` (pydantic's serializer where it can only agree) gives exactly ``dumps(as_json())``: every
    fixture's report in both languages, with a name of every kind of character, a float or a lone surrogate where
    the report holds free-form parts (which then take the long way)."""
    try:
        report = check(str(path), None, lang=lang, as_of=dt.date(2026, 5, 1))
    except Exception:  # noqa: BLE001 - a fixture that is no workbook
        pytest.skip("not a workbook")
    assert report.as_json_text() == dumps(report.as_json())
    report.source["path"] = "申报" + _RAW_CHARACTERS + ".xlsx"
    if report.incubator:
        report.incubator["name"] = _RAW_CHARACTERS
    assert report.as_json_text() == dumps(report.as_json())
    report.source["path"] = "申报\udcff.xlsx"  # a byte that was not UTF-8: json_safe's escape, as before
    assert report.as_json_text() == dumps(report.as_json()) and "\\xff" in report.as_json_text()
    report.source["area"] = 1e16  # a float is written by json's rules (1e+16), not pydantic's
    assert report.as_json_text() == dumps(report.as_json()) and "1e+16" in report.as_json_text()


def test_a_report_with_its_first_check_is_written_by_pydantic_as_dumps_writes_it(tmp_path):
    """A former national-level incubator applying at excellence level: its report carries the 初核 (first_check)."""
    import openpyxl

    book = openpyxl.load_workbook(FIXTURES[0].parent / "excellence-pass.xlsx")
    sheet = book["基本信息"]
    row = next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == "是否为原国家级科技企业孵化器")
    sheet.cell(row, 2).value = "是"
    book.save(tmp_path / "former.xlsx")
    for lang in ("zh", "en"):
        report = check(str(tmp_path / "former.xlsx"), None, lang=lang, as_of=dt.date(2026, 5, 1))
        assert report.first_check is not None
        assert report.as_json_text() == dumps(report.as_json())


def test_an_ordinary_report_is_written_by_pydantic_without_the_long_way(monkeypatch):
    from incubator_check import _text

    report = check(str(FIXTURES[0].parent / "standard-pass.xlsx"), None, lang="zh", as_of=dt.date(2026, 5, 1))
    expected = dumps(report.as_json())

    def no_long_way(*args, **kwargs):
        raise AssertionError("as_json_text went the long way")

    monkeypatch.setattr(_text, "dumps", no_long_way)
    assert report.as_json_text() == expected
