"""Workbooks as people really make them (issue 15), each with its figures and verdict worked out by hand.

Every case is a clean application from ``fixtures/build.py`` that a person then edits the way applicants do in
Excel, WPS or LibreOffice: a row struck through instead of deleted, a stale copy of a sheet hidden, a unit
caption above the table, a year typed alone in a date column, 序号 filled down past the last enterprise... The
expected figures come from the regulation applied to the application the person *meant* (the clean one): N is
the number of qualifying tenants the person lists visibly and undeleted, the verdict is what the clauses give on
those tenants (``expect``). Each case also names the finding that must say what the reader did (``codes``).

``python tests/people_corpus.py FOLDER`` writes the corpus into FOLDER and prints, for the code on the path,
how many cases read as a reviewer expects; with ``--judge-only`` it judges a corpus written before (so an older
commit's code, first on ``PYTHONPATH``, can be compared on the same files).
"""

from __future__ import annotations

import copy
import datetime as dt
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

from openpyxl.styles import Font

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "fixtures"))

import build  # noqa: E402

DATA_YEAR = build.DATA_YEAR
#: The day the corpus is checked on (the fixtures' application date).
AS_OF = build.APPLICATION_DATE
MONEY = ("revenue_y1", "revenue_y2", "rd_y1", "rd_y2", "total_assets", "largest_round")


@dataclass
class Case:
    name: str
    cls: str  # the class of misread
    make: Callable[[Path], None]
    verdict: str  # PASS / FAIL / INCOMPLETE
    qualifying: int
    statuses: dict[str, str] = field(default_factory=dict)  # clause id → status
    codes: frozenset[str] = frozenset()  # findings that must say what was read
    suffix: str = ".xlsx"
    convert: str | None = None  # "xls" / "ods": the .xlsx written, then saved by LibreOffice in that format

    @property
    def file(self) -> str:
        return self.name + (f".{self.convert}" if self.convert else self.suffix)


# --- the applications ------------------------------------------------------------------------------------------


def _application(n: int, seed: int, **kw: Any) -> dict:
    return build.standard_application(n, seed=seed, **kw)


def _wb(data: dict, header_row: int = 1):
    return build.build_workbook(data, header_row=header_row)


def _save(wb, path: Path) -> None:
    build.save(wb, path)


def _columns(ws, header_row: int = 1) -> dict[str, int]:
    """Field key → 1-based column of a sheet written by build (its headers are the layout's)."""
    from incubator_check.workbook.layout import TENANTS

    by_header = {spec.header: spec.key for spec in TENANTS.fields}
    return {by_header[c.value]: c.column for c in ws[header_row] if c.value in by_header}


def _extra_tenants(data: dict, k: int, seed: str) -> list[dict]:
    """``k`` more qualifying tenants (copies of qualifying rows with their own names and credit codes)."""
    base = [t for t in data["tenants"] if t["registered_in_incubator"] and t["employees"] and t["employees"] < 20]
    extra = []
    for i in range(k):
        t = copy.deepcopy(base[i % len(base)])
        t["name"] = f"杭州删改{i}号科技有限公司"
        t["uscc"] = build.uscc(f"{seed}:{i}", "330106")
        t["graduated"] = False
        t["newly_certified"] = False
        extra.append(t)
    return extra


# --- the edits people make --------------------------------------------------------------------------------------


def bare_year(form: Any, k: int = 3):
    """A 30-tenant application with exactly 6 registered in the data year (20 %: 6.4.new passes on the margin);
    ``k`` of those 6 have their 注册日期 typed as a year alone (or a year and month)."""

    def make(path: Path) -> None:
        data = _application(30, 11, n_new=6)
        wb = _wb(data)
        ws = wb[build.TENANTS.name]
        col = _columns(ws)["registered_on"]
        done = 0
        for i, t in enumerate(data["tenants"]):
            if t["registered_on"].year == DATA_YEAR and done < k:
                cell = ws.cell(row=i + 2, column=col)
                cell.value = form(t["registered_on"]) if callable(form) else form
                cell.number_format = "General"
                done += 1
        _save(wb, path)

    return make


def struck_rows(n: int, k: int, where: str = "end", only_name: bool = False):
    """``n`` qualifying tenants listed, and ``k`` more struck through (删除线) rather than deleted."""

    def make(path: Path) -> None:
        data = _application(n, 12)
        extra = _extra_tenants(data, k, f"struck{n}{where}")
        at = len(data["tenants"]) if where == "end" else 10
        data["tenants"][at:at] = extra
        wb = _wb(data)
        ws = wb[build.TENANTS.name]
        name_col = _columns(ws)["name"]
        for r in range(at + 2, at + 2 + k):
            for c in range(1, ws.max_column + 1):
                if only_name and c != name_col:
                    continue
                ws.cell(row=r, column=c).font = Font(strike=True)
        _save(wb, path)

    return make


def hidden_rows(n: int, k: int):
    """``k`` stale rows hidden in the roster below ``n`` visible qualifying tenants."""

    def make(path: Path) -> None:
        data = _application(n, 13)
        extra = _extra_tenants(data, k, f"hidden{n}")
        data["tenants"][5:5] = extra
        wb = _wb(data)
        ws = wb[build.TENANTS.name]
        for r in range(7, 7 + k):
            ws.row_dimensions[r].hidden = True
        _save(wb, path)

    return make


def _graduate_trap(data: dict) -> None:
    """Two tenants marked graduated that meet no condition of Article 9 (two years' revenue 550 万元, not over
    1,000): read ten times too large they would become revenue graduates."""
    marked = 0
    for t in data["tenants"]:
        if marked == 2:
            break
        if not t["graduated"] and t["registered_in_incubator"] and t["registered_on"].year < DATA_YEAR:
            t.update(graduated=True, newly_certified=False, largest_round=None, acquired_or_listed=False,
                     revenue_y1=Decimal("300"), revenue_y2=Decimal("250"))
            marked += 1


def unit_caption(caption: str, factor: int, place: str = "line"):
    """Money written in the caption's unit (``factor`` × 万元), under headers without a unit; the unit stated once
    above the table. One graduate (1/30 < 10 %: 6.8 fails) and two marked graduates that meet no condition."""

    def make(path: Path) -> None:
        data = _application(30, 14, n_graduates=1)
        _graduate_trap(data)
        header_row = 3 if place == "line" else 2
        wb = _wb(data, header_row=header_row)
        ws = wb[build.TENANTS.name]
        cols = _columns(ws, header_row)
        from incubator_check.workbook.layout import TENANTS

        for key in MONEY:
            if key not in cols:
                continue
            ws.cell(row=header_row, column=cols[key], value=TENANTS.field(key).label)
            for r in range(header_row + 1, ws.max_row + 1):
                cell = ws.cell(row=r, column=cols[key])
                if isinstance(cell.value, (int, float, Decimal)):
                    cell.value = float(Decimal(str(cell.value)) * factor)
        if place == "line":
            ws.cell(row=2, column=1, value=caption)
        elif place == "title":
            ws.cell(row=1, column=1, value=f"{DATA_YEAR}年度在孵企业名单{caption}")
        elif place == "beside":
            ws.cell(row=1, column=1).value = f"{DATA_YEAR}年度在孵企业名单"
            ws.unmerge_cells(start_row=1, start_column=1, end_row=1, end_column=ws.max_column)
            ws.cell(row=1, column=ws.max_column, value=caption)
        _save(wb, path)

    return make


def scaled_format(fmt: str, keys: tuple[str, ...] = MONEY):
    """Money kept in 元 while the cells' number format shows 千元 under （千元） headers: what the person sees is
    thousands of yuan."""

    def make(path: Path) -> None:
        data = _application(30, 15)
        wb = _wb(data)
        ws = wb[build.TENANTS.name]
        cols = _columns(ws)
        from incubator_check.workbook.layout import TENANTS

        for key in keys:
            c = cols.get(key)
            if c is None:
                continue
            ws.cell(row=1, column=c, value=f"{TENANTS.field(key).label}（千元）")
            for r in range(2, ws.max_row + 1):
                cell = ws.cell(row=r, column=c)
                if isinstance(cell.value, (int, float, Decimal)):
                    cell.value = float(Decimal(str(cell.value)) * 10000)
                    cell.number_format = fmt
        _save(wb, path)

    return make


def hidden_sheet(kind: str):
    """A stale copy of a sheet left hidden beside the one the person sees.

    roster-copy: hidden 在孵企业 (40 tenants, last year's) and the visible 在孵企业 (2) with 27: N = 27, 6.4.count fails.
    tenants-first: a hidden ``Tenants`` sheet (40) placed first, the visible 在孵企业 with 27.
    very-hidden: as roster-copy, the stale sheet very hidden.
    profile-copy: a hidden 基本信息 (site 8,600 m²) and the visible 基本信息 (2) with 4,000 m²: 6.2 fails.
    roster-pass: hidden stale 在孵企业 with 20, visible 在孵企业 (2) with 31: passes.
    """

    def make(path: Path) -> None:
        seen_n = {"roster-pass": 31}.get(kind, 27 if kind != "profile-copy" else 30)
        data = _application(seen_n, 16, **({"site_area_m2": Decimal("4000")} if kind == "profile-copy" else {}))
        stale = _application({"roster-pass": 20}.get(kind, 40), 17)
        wb = _wb(data)
        if kind == "profile-copy":
            visible = wb[build.PROFILE.name]
            visible.title = "基本信息 (2)"
            old = _wb(stale)[build.PROFILE.name]
            ws = wb.create_sheet(build.PROFILE.name, 0)
            for row in old.iter_rows(values_only=True):
                ws.append(row)
            ws.sheet_state = "hidden"
        else:
            visible = wb[build.TENANTS.name]
            old = _wb(stale)[build.TENANTS.name]
            name = "Tenants" if kind == "tenants-first" else build.TENANTS.name
            if kind != "tenants-first":
                visible.title = "在孵企业 (2)"
            ws = wb.create_sheet(name, 0 if kind == "tenants-first" else 1)
            for row in old.iter_rows(values_only=True):
                ws.append(row)
            ws.sheet_state = "veryHidden" if kind == "very-hidden" else "hidden"
        wb.active = wb.sheetnames.index(visible.title)
        _save(wb, path)

    return make


def hidden_column(key: str):
    """The column of ``key`` twice, the first one hidden and stale.

    registered_on: the stale one says every tenant registered in 2020; the visible one has 8 of 30 new (pass).
    revenue_y1: the stale one repeats last year's revenue (no growth); the visible one has this year's (pass).
    """

    def make(path: Path) -> None:
        data = _application(30, 18)
        wb = _wb(data)
        ws = wb[build.TENANTS.name]
        c = _columns(ws)[key]
        ws.insert_cols(c)
        ws.cell(row=1, column=c, value=ws.cell(row=1, column=c + 1).value)
        y2 = _columns(ws).get("revenue_y2")
        for r in range(2, ws.max_row + 1):
            if key == "registered_on":
                ws.cell(row=r, column=c, value=dt.date(2020, 6, 1)).number_format = "yyyy-mm-dd"
            else:
                ws.cell(row=r, column=c, value=ws.cell(row=r, column=y2).value)
        ws.column_dimensions[build.get_column_letter(c)].hidden = True
        _save(wb, path)

    return make


def hidden_profile_row(key: str, stale: Any, seen: Any):
    """A profile field on two rows, the first one hidden and stale."""

    def make(path: Path) -> None:
        data = _application(30, 19, **{key: seen})
        wb = _wb(data)
        ws = wb[build.PROFILE.name]
        r = next(c.row for c in ws["A"] if c.value == build.PROFILE.field(key).header)
        ws.insert_rows(r)
        ws.cell(row=r, column=1, value=build.PROFILE.field(key).header)
        build._set(ws, r, 2, build._plain_cell(stale))
        ws.row_dimensions[r].hidden = True
        _save(wb, path)

    return make


def continued(second: str, first_rows: int = 21):
    """The roster split over two sheets: 在孵企业 with the first rows, ``second`` with the rest (40 in all)."""

    def make(path: Path) -> None:
        data = _application(40, 20)
        wb = _wb(data)
        ws = wb[build.TENANTS.name]
        rest = wb.create_sheet(second, wb.sheetnames.index(build.TENANTS.name) + 1)
        rest.append([c.value for c in ws[1]])
        for r in range(first_rows + 2, ws.max_row + 1):
            rest.append([c.value for c in ws[r]])
            for c in rest[rest.max_row]:
                if isinstance(c.value, dt.date):
                    c.number_format = "yyyy-mm-dd"
        ws.delete_rows(first_rows + 2, ws.max_row)
        _save(wb, path)

    return make


def numbered_blank(upto: int, helper: bool = False, middle: bool = False):
    """序号 pre-filled to ``upto`` in a first column (and a helper column filled down), 30 tenants listed."""

    def make(path: Path) -> None:
        data = _application(30, 21)
        wb = _wb(data)
        ws = wb[build.TENANTS.name]
        if middle:
            ws.insert_rows(12, 3)
        ws.insert_cols(1)
        ws.cell(row=1, column=1, value="序号")
        for r in range(2, upto + 2):
            ws.cell(row=r, column=1, value=r - 1)
        if helper:
            c = ws.max_column + 1
            ws.cell(row=1, column=c, value="辅助列")
            for r in range(2, upto + 2):
                ws.cell(row=r, column=c, value=r)  # the cached value of =ROW(), filled down
        _save(wb, path)

    return make


def note_rows(kind: str):
    """Lines under the table that are not enterprises: notes, a total, the form's signature lines."""

    def make(path: Path) -> None:
        data = _application(30, 22)
        wb = _wb(data)
        ws = wb[build.TENANTS.name]
        cols = _columns(ws)
        last = ws.max_row
        if kind == "notes":
            ws.cell(row=last + 2, column=1, value="注：1. 金额单位为万元。")
            ws.cell(row=last + 3, column=1, value="注：2. 上年度指 2025 年。")
        elif kind == "total":
            ws.cell(row=last + 1, column=1, value="合计")
            for key in MONEY[:4]:
                ws.cell(row=last + 1, column=cols[key], value=sum(float(t[key]) for t in data["tenants"]))
        elif kind == "signature":
            ws.cell(row=last + 2, column=1, value="填表人：张伟")
            ws.cell(row=last + 2, column=3, value="制表人：李娜")
            ws.cell(row=last + 3, column=1, value="填表日期：2026年4月10日")
        elif kind == "remark":
            ws.cell(row=last + 1, column=1, value="备注：名单按入孵时间排序")
            ws.cell(row=last + 2, column=1, value="小计")
            ws.cell(row=last + 2, column=cols["employees"], value=sum(t["employees"] or 0 for t in data["tenants"]))
        _save(wb, path)

    return make


def invisible(where: str):
    """Characters a person cannot see, pasted from a web page into the roster."""

    def make(path: Path) -> None:
        data = _application(30, 23)
        wb = _wb(data)
        ws = wb[build.TENANTS.name]
        cols = _columns(ws)
        for r in range(2, 12):
            if where == "names":
                for key in ("name", "uscc"):
                    cell = ws.cell(row=r, column=cols[key])
                    cell.value = "\u200b" + cell.value + "\u200b"
            elif where == "yesno":
                cell = ws.cell(row=r, column=cols["registered_in_incubator"])
                cell.value = cell.value + "\ufeff"
            elif where == "headers":
                for c in ws[1]:
                    c.value = "\ufeff" + c.value if r == 2 else c.value
        _save(wb, path)

    return make


def profile_coding(remote: bool = False):
    """Profile labels that state the statistics forms' coding （1.是 2.否）, with values 1 and 2."""

    def make(path: Path) -> None:
        data = _application(30, 24)
        wb = _wb(data)
        ws = wb[build.PROFILE.name]
        keys = ("independent_legal_person", "serious_dishonesty", "major_violation") + (("remote_area",) if remote else ())
        for key in keys:
            r = next(c.row for c in ws["A"] if c.value == build.PROFILE.field(key).header)
            ws.cell(row=r, column=1, value=build.PROFILE.field(key).header + "（1.是 2.否）")
            ws.cell(row=r, column=2, value=1 if data["profile"][key] else 2)
        _save(wb, path)

    return make


def plain(n: int = 30, seed: int = 25, messy: bool = False, header_row: int = 1, **kw: Any):
    def make(path: Path) -> None:
        build.write_workbook(_application(n, seed, **kw), path, messy=messy, header_row=header_row)

    return make


def stream_name_in_a_cell():
    """A tenant called EncryptionInfo信息技术有限公司: the words are a name, not a stream of the file."""

    def make(path: Path) -> None:
        data = _application(30, 26)
        data["tenants"][3]["name"] = "EncryptionInfo信息技术有限公司"
        data["tenants"][4]["name"] = "EncryptedPackage数据科技有限公司"
        _save(_wb(data), path)

    return make


# --- the corpus --------------------------------------------------------------------------------------------------


def cases() -> list[Case]:
    P, F = "PASS", "FAIL"
    c: list[Case] = []
    year = frozenset({"date-partial"})
    for name, form in (("year-number", DATA_YEAR), ("year-text", str(DATA_YEAR)), ("year-nian", f"{DATA_YEAR}年"),
                       ("year-month-dash", f"{DATA_YEAR}-03"), ("year-month-nian", f"{DATA_YEAR}年3月"),
                       ("year-month-dot", f"{DATA_YEAR}.3"), ("year-number-all-six", DATA_YEAR)):
        c.append(Case(name, "bare-year", bare_year(form, 6 if "six" in name else 3), P, 30, {"6.4.new": P}, year))
    struck = frozenset({"rows-struck-skipped"})
    c += [Case("struck-end", "struck", struck_rows(29, 3), F, 29, {"6.4.count": F}, struck),
          Case("struck-middle", "struck", struck_rows(29, 3, "middle"), F, 29, {"6.4.count": F}, struck),
          Case("struck-name-only", "struck", struck_rows(29, 3, only_name=True), F, 29, {"6.4.count": F}, struck),
          Case("struck-pass", "struck", struck_rows(30, 4), P, 30, {"6.4.count": P}, struck)]
    cap = frozenset({"unit-caption"})
    c += [Case("caption-line-qianyuan", "unit-caption", unit_caption("金额单位：千元", 10), F, 30, {"6.8": F}, cap),
          Case("caption-title", "unit-caption", unit_caption("（单位：千元）", 10, "title"), F, 30, {"6.8": F}, cap),
          Case("caption-yuan", "unit-caption", unit_caption("单位：元", 10000), F, 30, {"6.8": F}, cap),
          Case("caption-beside", "unit-caption", unit_caption("金额单位：千元", 10, "beside"), F, 30, {"6.8": F}, cap),
          Case("caption-wanyuan", "unit-caption", unit_caption("金额单位：万元", 1), F, 30, {"6.8": F}, cap)]
    sc = frozenset({"display-scaled"})
    c += [Case("scaled-thousands", "scaled-format", scaled_format("#,##0,"), P, 30, {"6.4.count": P}, sc),
          Case("scaled-thousands-decimal", "scaled-format", scaled_format("#,##0.0,"), P, 30, {"6.4.count": P}, sc),
          Case("scaled-revenue-only", "scaled-format", scaled_format("#,##0,", ("revenue_y1", "revenue_y2")), P, 30,
               {"6.4.count": P}, sc)]
    hs = frozenset({"sheet-hidden-ignored"})
    c += [Case("hidden-roster-copy", "hidden-sheet", hidden_sheet("roster-copy"), F, 27, {"6.4.count": F}, hs),
          Case("hidden-tenants-first", "hidden-sheet", hidden_sheet("tenants-first"), F, 27, {"6.4.count": F}, hs),
          Case("very-hidden-roster", "hidden-sheet", hidden_sheet("very-hidden"), F, 27, {"6.4.count": F}, hs),
          Case("hidden-profile-copy", "hidden-sheet", hidden_sheet("profile-copy"), F, 30, {"6.2": F}, hs),
          Case("hidden-roster-pass", "hidden-sheet", hidden_sheet("roster-pass"), P, 31, {"6.4.count": P}, hs)]
    hc = frozenset({"column-hidden-ignored"})
    c += [Case("hidden-column-date", "hidden-column", hidden_column("registered_on"), P, 30, {"6.4.new": P}, hc),
          Case("hidden-column-revenue", "hidden-column", hidden_column("revenue_y1"), P, 30, {"6.6": P}, hc)]
    hp = frozenset({"field-hidden-ignored"})
    c += [Case("hidden-profile-area", "hidden-profile-row",
               hidden_profile_row("site_area_m2", Decimal("8600"), Decimal("4000")), F, 30, {"6.2": F}, hp),
          Case("hidden-profile-dishonesty", "hidden-profile-row",
               hidden_profile_row("serious_dishonesty", False, True), F, 30, {"6.10": F}, hp)]
    hr = frozenset({"rows-hidden-skipped"})
    c += [Case("hidden-rows", "hidden-rows", hidden_rows(29, 3), F, 29, {"6.4.count": F}, hr),
          Case("hidden-rows-pass", "hidden-rows", hidden_rows(31, 2), P, 31, {"6.4.count": P}, hr)]
    co = frozenset({"sheet-continued"})
    c += [Case("continued-xu", "continuation", continued("在孵企业（续）"), P, 40, {"6.4.count": P}, co),
          Case("continued-2", "continuation", continued("在孵企业2"), P, 40, {"6.4.count": P}, co),
          Case("continued-dash", "continuation", continued("在孵企业-2", 30), P, 40, {"6.4.count": P}, co)]
    nb = frozenset({"rows-numbered-blank"})
    c += [Case("numbered-200", "numbered-blank", numbered_blank(200), P, 30, {"6.4.count": P}, nb),
          Case("numbered-helper", "numbered-blank", numbered_blank(120, helper=True), P, 30, {"6.4.count": P}, nb),
          Case("numbered-middle", "numbered-blank", numbered_blank(60, middle=True), P, 30, {"6.4.count": P}, nb)]
    nr = frozenset({"rows-note-skipped"})
    c += [Case("notes-two", "note-rows", note_rows("notes"), P, 30, {}, nr),
          Case("notes-total", "note-rows", note_rows("total"), P, 30, {}, nr),
          Case("notes-signature", "note-rows", note_rows("signature"), P, 30, {}, nr),
          Case("notes-remark-subtotal", "note-rows", note_rows("remark"), P, 30, {}, nr)]
    iv = frozenset({"invisible-characters"})
    c += [Case("invisible-names", "invisible", invisible("names"), P, 30, {}, iv),
          Case("invisible-yesno", "invisible", invisible("yesno"), P, 30, {}, iv),
          Case("invisible-headers", "invisible", invisible("headers"), P, 30, {}, frozenset())]
    yc = frozenset({"yes-no-coded"})
    c += [Case("profile-coding", "profile-coding", profile_coding(), P, 30, {"6.1": P}, yc),
          Case("profile-coding-remote", "profile-coding", profile_coding(True), P, 30, {"6.1": P}, yc)]
    c += [Case("plain-pass", "control", plain(), P, 30),
          Case("messy-pass", "control", plain(messy=True), P, 30),
          Case("title-rows-pass", "control", plain(header_row=3), P, 30),
          Case("plain-fail-area", "control", plain(site_area_m2=Decimal("4000")), F, 30, {"6.2": F}),
          Case("stream-name-in-cell", "crafted", stream_name_in_a_cell(), P, 30)]
    # Saved by LibreOffice as .xls and .ods: the same readings from the other formats (what they can carry:
    # hidden sheets, text, dates, numbers; LibreOffice keeps struck fonts and hidden rows too).
    for base in ("year-number", "year-month-nian", "hidden-roster-copy", "hidden-tenants-first", "numbered-200",
                 "notes-two", "caption-line-qianyuan", "invisible-names", "stream-name-in-cell"):
        source = next(x for x in c if x.name == base)
        for fmt in ("xls", "ods"):
            c.append(Case(f"{base}-{fmt}", source.cls, source.make, source.verdict, source.qualifying,
                          dict(source.statuses), source.codes, convert=fmt))
    return c


def write_corpus(folder: Path, which: list[Case] | None = None) -> list[Case]:
    """Write every case into ``folder`` (the LibreOffice ones only when ``soffice`` is installed)."""
    folder.mkdir(parents=True, exist_ok=True)
    chosen = which if which is not None else cases()
    written, to_convert = [], {}
    for case in chosen:
        if case.convert:
            source = folder / "_src" / f"{case.name}.xlsx"
            source.parent.mkdir(exist_ok=True)
            case.make(source)
            to_convert.setdefault(case.convert, []).append((case, source))
        else:
            case.make(folder / case.file)
            written.append(case)
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice:
        for fmt, items in to_convert.items():
            filt = {"xls": "xls:MS Excel 97", "ods": "ods"}[fmt]
            subprocess.run([soffice, "--headless", "--calc", "--convert-to", filt, "--outdir", str(folder)]
                           + [str(src) for _, src in items], check=True, capture_output=True, timeout=600)
            written += [case for case, _ in items if (folder / case.file).exists()]
    shutil.rmtree(folder / "_src", ignore_errors=True)
    return written


def judged(case: Case, folder: Path) -> list[str]:
    """What in the check of a case differs from what a reviewer expects (empty: read as expected)."""
    from incubator_check import check

    report = check(folder / case.file, as_of=AS_OF)
    wrong = []
    if report.verdict.value != case.verdict:
        wrong.append(f"verdict {report.verdict.value} ≠ {case.verdict}")
    qualifying = report.tenants.qualifying if report.tenants else None
    if qualifying != case.qualifying:
        wrong.append(f"N {qualifying} ≠ {case.qualifying}")
    statuses = {c.id: c.status.value for c in report.clauses}
    for clause, status in case.statuses.items():
        if statuses.get(clause) != status:
            wrong.append(f"{clause} {statuses.get(clause)} ≠ {status}")
    codes = {f.code for f in report.finding_list}
    if not case.codes <= codes:
        wrong.append(f"no finding {sorted(case.codes - codes)}")
    return wrong


def main(argv: list[str]) -> int:
    folder = Path(argv[0])
    if "--judge-only" in argv:  # the corpus written before, judged by the code on the path (e.g. an older commit)
        written = [case for case in cases() if (folder / case.file).exists()]
    else:
        written = write_corpus(folder)
    good = 0
    for case in written:
        wrong = judged(case, folder)
        good += not wrong
        print(f"{'ok ' if not wrong else 'BAD'} {case.file:42} {case.cls:18} {'; '.join(wrong)}")
    print(f"{good} of {len(written)} read as a reviewer expects")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
