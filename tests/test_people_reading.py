"""Workbooks read as a person reads them (issue 15): no silent misreads, no silent skips.

Each case of ``tests/people_corpus.py`` is an application edited the way people do; its figures (N, the
clauses the edit could flip) and verdict are worked out by hand from the regulation on what the person meant,
and a finding must say what the reader did. A hypothesis test adds the edits to a valid workbook at random and
asserts that the verdict and the figures never move.
"""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.styles import Font

import people_corpus as corpus
from incubator_check import check, read_workbook

CASES = corpus.cases()
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.fixture(scope="session")
def corpus_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("people-corpus")
    corpus.write_corpus(folder, [c for c in CASES if not c.convert or SOFFICE])
    return folder


def test_the_corpus_covers_every_class_of_the_issue_and_both_other_formats():
    classes = {c.cls for c in CASES}
    assert {"bare-year", "struck", "unit-caption", "scaled-format", "hidden-sheet", "hidden-column",
            "hidden-profile-row", "hidden-rows", "continuation", "numbered-blank", "note-rows", "invisible",
            "profile-coding", "crafted"} <= classes
    assert len(CASES) >= 60 and {c.convert for c in CASES} >= {"xls", "ods"}


@pytest.mark.parametrize("case", CASES, ids=[c.file for c in CASES])
def test_a_workbook_as_people_make_it_reads_as_a_reviewer_expects(case, corpus_folder):
    if case.convert and not (corpus_folder / case.file).exists():
        pytest.skip("LibreOffice is not installed")
    assert corpus.judged(case, corpus_folder) == []


def _finding(folder: Path, name: str, code: str):
    result = read_workbook(folder / name, today=corpus.AS_OF)
    return next(f for f in result.findings if f.code == code), result


def test_a_bare_year_is_read_as_that_year_and_the_warning_names_the_cells(corpus_folder):
    finding, result = _finding(corpus_folder, "year-number.xlsx", "date-partial")
    years = [t.registered_on for t in result.submission.tenants if str(t.registered_on) == "2025"]
    assert len(years) == 3 and all(d.year == 2025 for d in years)
    assert finding.severity.value == "warning" and finding.sheet == "在孵企业" and "年份" in finding.message_zh
    assert finding.cell and finding.cell in finding.message_zh


def test_struck_rows_are_listed_once_and_not_counted(corpus_folder):
    finding, result = _finding(corpus_folder, "struck-middle.xlsx", "rows-struck-skipped")
    assert "12、13、14" in finding.message_zh and "12, 13, 14" in finding.message_en
    assert not any("删改" in (t.name or "") for t in result.submission.tenants)


def test_a_unit_caption_applies_to_the_money_columns_without_a_unit(corpus_folder):
    finding, result = _finding(corpus_folder, "caption-line-qianyuan.xlsx", "unit-caption")
    assert finding.severity.value == "info" and finding.cell == "A2" and "千元" in finding.message_zh
    trap = [t for t in result.submission.tenants if t.graduated and t.revenue_y1 == 300]
    assert len(trap) == 2 and all(t.revenue_y2 == 250 for t in trap)  # 3000 千元 is 300 万元, not 3000


def test_a_scaling_format_is_read_as_displayed_and_named(corpus_folder):
    finding, result = _finding(corpus_folder, "scaled-thousands.xlsx", "display-scaled")
    assert "#,##0," in finding.message_zh and "1/1,000" in finding.message_en
    source = corpus.build.standard_application(30, seed=15)
    assert [t.revenue_y1 for t in result.submission.tenants] == [t["revenue_y1"] for t in source["tenants"]]


def test_hidden_stale_copies_are_ignored_with_a_warning_naming_what_was_read(corpus_folder):
    finding, result = _finding(corpus_folder, "hidden-tenants-first.xlsx", "sheet-hidden-ignored")
    assert finding.sheet == "Tenants" and "在孵企业" in finding.message_zh
    assert result.submission.source.sheets["tenants"] == "在孵企业"
    assert not any(f.code == "unknown-sheet" for f in result.findings)
    finding, result = _finding(corpus_folder, "hidden-column-date.xlsx", "column-hidden-ignored")
    assert finding.cell == "C1" and "D" in finding.message_zh
    finding, result = _finding(corpus_folder, "hidden-profile-area.xlsx", "field-hidden-ignored")
    assert result.submission.profile.site_area_m2 == 4000


def test_continuation_rows_keep_their_own_sheet_and_cell(corpus_folder):
    finding, result = _finding(corpus_folder, "continued-xu.xlsx", "sheet-continued")
    source = result.submission.source
    last = result.submission.tenants[-1]
    assert len(result.submission.tenants) == 42 and source.tenant_ref("name", last.row).startswith("在孵企业（续）!A")
    first = result.submission.tenants[0]
    assert source.tenant_ref("name", first.row) == "在孵企业!A2"


def test_numbered_blank_rows_and_note_rows_are_said_once(corpus_folder):
    _, result = _finding(corpus_folder, "numbered-200.xlsx", "rows-numbered-blank")
    assert len([f for f in result.findings if f.code == "rows-numbered-blank"]) == 1
    assert not result.errors
    _, result = _finding(corpus_folder, "notes-two.xlsx", "rows-note-skipped")
    assert not result.errors


def test_invisible_characters_are_removed_with_one_finding_a_column(corpus_folder):
    result = read_workbook(corpus_folder / "invisible-names.xlsx", today=corpus.AS_OF)
    notes = [f for f in result.findings if f.code == "invisible-characters"]
    assert {f.column for f in notes} == {"name", "uscc"} and len(notes) == 2
    assert not result.errors and all("\u200b" not in t.name for t in result.submission.tenants)


def test_the_profile_honours_a_coding_label(corpus_folder):
    result = read_workbook(corpus_folder / "profile-coding.xlsx", today=corpus.AS_OF)
    assert result.submission.profile.independent_legal_person is True
    assert result.submission.profile.serious_dishonesty is False and not result.errors


def test_an_xls_with_a_stream_name_in_a_cell_reads(corpus_folder):
    path = corpus_folder / "stream-name-in-cell-xls.xls"
    if not path.exists():
        pytest.skip("LibreOffice is not installed")
    assert "EncryptionInfo".encode("utf-16-le") in path.read_bytes()  # the words are in the file's bytes
    result = read_workbook(path, today=corpus.AS_OF)
    assert any(t.name.startswith("EncryptionInfo") for t in result.submission.tenants)


def test_edge_values_read_with_a_finding_at_each_bad_cell_never_a_pydantic_message(tmp_path):
    """1e308, NaN, inf, -0, 1e-320, serial 60 and 2958466: each is a finding at its cell (or a value), the
    workbook is read, and no message of pydantic's reaches the user."""
    data = corpus._application(30, 27)
    wb = corpus._wb(data)
    ws = wb[corpus.build.TENANTS.name]
    cols = corpus._columns(ws)
    edges = {("employees", 2): 1e308, ("revenue_y1", 3): float("nan"), ("revenue_y2", 4): float("inf"),
             ("rd_y1", 5): -0.0, ("rd_y2", 6): 1e-320, ("registered_on", 7): 60, ("registered_on", 8): 2958466,
             ("total_assets", 9): -1e-320}
    for (key, r), value in edges.items():
        ws.cell(row=r, column=cols[key], value=value)
    path = tmp_path / "edges.xlsx"
    corpus._save(wb, path)
    result = read_workbook(path, today=corpus.AS_OF)
    assert result.submission is not None
    texts = " ".join(f.message_zh + f.message_en for f in result.findings)
    assert "validation error" not in texts and "pydantic" not in texts.lower()
    by_cell = {f.cell for f in result.findings if f.severity.value == "error"}
    from openpyxl.utils import get_column_letter

    for key, r in (("employees", 2), ("revenue_y2", 4), ("registered_on", 8)):
        assert f"{get_column_letter(cols[key])}{r}" in by_cell, key
    report = check(path, as_of=corpus.AS_OF)
    assert report.verdict.value in ("INCOMPLETE", "FAIL", "PASS")


def test_a_value_the_model_refuses_is_a_finding_at_its_cell():
    from incubator_check.model import Tenant
    from incubator_check.workbook.reader import _Collector, _rows_of

    collector = _Collector("x.xlsx")
    rows = _rows_of(Tenant, [{"row": 5, "name": "甲公司", "employees": -3}], collector, "在孵企业", {"employees": "G"})
    assert rows[0].employees is None and rows[0].name == "甲公司"
    (finding,) = collector.findings
    assert finding.code == "value-not-accepted" and finding.cell == "G5" and "-3" in finding.message_zh
    assert "validation" not in finding.message_zh


# --- the hypothesis test -----------------------------------------------------------------------------------------

_BASE: dict = {}


def _base(tmp: Path):
    if not _BASE:
        path = tmp / "base.xlsx"
        data = corpus._application(30, 28)
        corpus.build.write_workbook(data, path)
        report = check(path, as_of=corpus.AS_OF)
        _BASE.update(data=data, verdict=report.verdict, figures=_figures(report))
    return _BASE


def _figures(report) -> dict:
    return {"N": report.tenants.qualifying, **{c.id: (c.status.value, c.value) for c in report.clauses}}


edits = st.lists(st.sampled_from(["hidden-sheet", "hidden-column", "hidden-profile-row", "struck-rows",
                                  "numbered-rows", "note-rows", "hidden-rows"]), min_size=1, max_size=4, unique=True)


@given(chosen=edits, k=st.integers(1, 4))
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_hidden_struck_blank_and_note_rows_never_change_the_verdict_or_the_figures(chosen, k, tmp_path):
    base = _base(tmp_path)
    data = base["data"]
    wb = corpus._wb(data)
    ws = wb[corpus.build.TENANTS.name]
    cols = corpus._columns(ws)
    last = ws.max_row
    if "struck-rows" in chosen:
        for t in corpus._extra_tenants(data, k, "hyp-struck"):
            ws.append([None] * ws.max_column)
            for key, c in cols.items():
                corpus.build._set(ws, ws.max_row, c, corpus.build._plain_cell(t.get(key)))
                ws.cell(row=ws.max_row, column=c).font = Font(strike=True)
    if "hidden-rows" in chosen:
        for t in corpus._extra_tenants(data, k, "hyp-hidden"):
            ws.append([None] * ws.max_column)
            for key, c in cols.items():
                corpus.build._set(ws, ws.max_row, c, corpus.build._plain_cell(t.get(key)))
            ws.row_dimensions[ws.max_row].hidden = True
    if "note-rows" in chosen:
        ws.cell(row=ws.max_row + 2, column=1, value="注：金额单位为万元")
        ws.cell(row=ws.max_row + 1, column=1, value="填表人：王伟")
    if "numbered-rows" in chosen:
        c = ws.max_column + 1
        ws.cell(row=1, column=c, value="序号")
        for r in range(2, last + 20 * k):
            ws.cell(row=r, column=c, value=r - 1)
    if "hidden-column" in chosen:
        c = cols["registered_on"]
        ws.insert_cols(c)
        ws.cell(row=1, column=c, value=ws.cell(row=1, column=c + 1).value)
        for r in range(2, last + 1):
            ws.cell(row=r, column=c, value=dt.date(2019, 1, 1)).number_format = "yyyy-mm-dd"
        ws.column_dimensions[corpus.build.get_column_letter(c)].hidden = True
    if "hidden-profile-row" in chosen:
        pws = wb[corpus.build.PROFILE.name]
        r = next(cell.row for cell in pws["A"] if cell.value == corpus.build.PROFILE.field("site_area_m2").header)
        pws.insert_rows(r)
        pws.cell(row=r, column=1, value=corpus.build.PROFILE.field("site_area_m2").header)
        pws.cell(row=r, column=2, value=100 * k)
        pws.row_dimensions[r].hidden = True
    if "hidden-sheet" in chosen:
        stale = wb.create_sheet("Tenants", 0)
        for row in ws.iter_rows(min_row=1, max_row=1 + k, values_only=True):
            stale.append(row)
        stale.sheet_state = "hidden"
        wb.active = wb.sheetnames.index(corpus.build.PROFILE.name)
    path = tmp_path / f"edited-{'-'.join(chosen)}-{k}.xlsx"
    corpus._save(wb, path)
    report = check(path, as_of=corpus.AS_OF)
    assert report.verdict == base["verdict"]
    assert _figures(report) == base["figures"]


# --- plausibility: unit slips found by their size ---------------------------------------------------------------


def _slipped(tmp_path: Path) -> Path:
    """A 47-person tenant whose revenue was typed in 元 under the 万元 header (61 亿元 read), and a site area typed
    in 万平方米."""
    data = corpus._application(30, 29, site_area_m2=Decimal("0.86"))
    t = next(t for t in data["tenants"] if t["registered_in_incubator"] and t["employees"])
    t.update(employees=47, revenue_y1=Decimal("610000"))
    path = tmp_path / "slipped.xlsx"
    corpus.build.write_workbook(data, path)
    return path


def test_a_figure_off_by_a_unit_gets_a_warning_naming_the_likely_unit(tmp_path):
    result = read_workbook(_slipped(tmp_path), today=corpus.AS_OF)
    warned = [f for f in result.findings if f.code == "implausible-figure"]
    assert {"revenue_y1", "site_area_m2"} <= {f.column for f in warned}
    revenue = next(f for f in warned if "每名从业人员的上年度营业收入" in f.message_zh)
    assert any("两个年度按不同单位" in f.message_zh for f in warned)  # 610,000 against last year's 715.4
    assert revenue.severity.value == "warning" and "元或千元" in revenue.message_zh and "12,979" in revenue.message_zh
    assert revenue.sheet == "在孵企业" and revenue.cell and revenue.cell in revenue.message_zh
    assert "万平方米" in next(f for f in warned if f.column == "site_area_m2").message_zh


def test_a_plausibility_warning_never_changes_a_status(tmp_path, monkeypatch):
    from incubator_check.workbook import plausibility

    path = _slipped(tmp_path)
    warned = check(path, as_of=corpus.AS_OF)
    assert any(f.code == "implausible-figure" for f in warned.finding_list)
    monkeypatch.setattr(plausibility, "checks", lambda: ())
    silent = check(path, as_of=corpus.AS_OF)
    assert not any(f.code == "implausible-figure" for f in silent.finding_list)
    assert warned.verdict == silent.verdict
    assert [(c.id, c.status, c.value) for c in warned.clauses] == [(c.id, c.status, c.value) for c in silent.clauses]


def test_the_plausibility_bounds_are_rule_data():
    from incubator_check.workbook.plausibility import checks

    loaded = {c.id: c for c in checks()}
    assert loaded["revenue-per-employee"].above == 5000 and loaded["site-area-per-tenant"].below == Decimal("0.1")


# --- each field declared once: the layout and the model agree ------------------------------------------------


@pytest.mark.parametrize("sheet, model", [("PROFILE", "Profile"), ("TENANTS", "Tenant"), ("STAFF", "StaffMember"),
                                          ("FUNDS", "Fund")])
def test_every_field_of_the_layout_is_a_field_of_the_model(sheet, model):
    """A field added to the layout alone made every check end in 内部错误 (AttributeError)."""
    from incubator_check import model as models
    from incubator_check.workbook import layout

    keys = {spec.key for spec in getattr(layout, sheet).fields}
    assert keys <= set(getattr(models, model).model_fields)


def test_two_visible_columns_that_disagree_make_that_value_unusable(tmp_path):
    data = corpus._application(30, 30)
    wb = corpus._wb(data)
    ws = wb[corpus.build.TENANTS.name]
    c = corpus._columns(ws)["employees"]
    extra = ws.max_column + 1
    ws.cell(row=1, column=extra, value=ws.cell(row=1, column=c).value)
    for r in range(2, ws.max_row + 1):
        ws.cell(row=r, column=extra, value=ws.cell(row=r, column=c).value)
    ws.cell(row=5, column=extra, value=999)
    path = tmp_path / "twins.xlsx"
    corpus._save(wb, path)
    result = read_workbook(path, today=corpus.AS_OF)
    (finding,) = [f for f in result.findings if f.code == "duplicate-column-disagrees"]
    assert finding.severity.value == "error" and finding.row == 5 and "999" in finding.message_zh
    assert result.submission.source.is_unusable("tenants", "employees", 5)
