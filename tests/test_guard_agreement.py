"""Issue 8, item 3: the guard reads a workbook the way python-calamine does, bounds the text it would build, and
costs time linear in the file.

The corpus files of the groups "disagreement", "amplification" and "quadratic" (``tests/hostile_corpus.py``) are
each checked through the command line, ``incubator-check check FILE --format json``, in a process of its own
(``tests/test_hostile.py`` reads the same files through the Python API). What bare python-calamine does with each
is in ``docs/limits.md``.
"""

from __future__ import annotations

import concurrent.futures as cf
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from incubator_check import Limits, WorkbookError, read_workbook
from incubator_check.workbook import guard as _guard
from incubator_check.workbook.guard import sheet as _sheet
from incubator_check.workbook.layout import TENANTS

from conftest import TODAY, build_workbook
from hostile_corpus import CASES, _entry, _members, _noisy, _write_zip, build_corpus
from test_hostile import MEMORY_LIMIT_MIB

ISSUE_8 = [name for name, case in CASES.items() if case.group != "issue 5"]
TRACEBACK_SIGNS = ("Traceback", "PanicException", "panicked at", "RUST_BACKTRACE", "core dumped", "Fatal Python error")


def test_the_corpus_grew_by_the_three_classes():
    groups = {CASES[name].group for name in ISSUE_8}
    assert groups == {"disagreement", "amplification", "quadratic"}
    assert len(ISSUE_8) >= 30


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, Path]:
    return build_corpus(tmp_path_factory.mktemp("agreement"))


#: The command line in a child, which records its own peak memory and that of the processes it waited for (a
#: reader worker) in PEAK_FILE. (wait4's figure would include the test process's pages, shared until exec.)
_CHILD = r"""
import os, sys
try:
    import resource
except ImportError:  # Windows
    resource = None
from incubator_check.cli import run

def peak():
    try:
        with open("/proc/self/status") as status:
            own = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
    except OSError:
        if resource is None:
            return None
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / ((1 << 20) if sys.platform == "darwin" else 1024)
    if resource is None:
        return own
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / ((1 << 20) if sys.platform == "darwin" else 1024)
    return max(own, children)

sys.argv[0] = "incubator-check"
try:
    run()
    code = 0
except SystemExit as exc:
    code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
with open(os.environ["PEAK_FILE"], "w") as f:
    f.write(repr(peak()))
sys.exit(code)
"""


def _cli_measured(path: Path, peak_file: Path) -> dict:
    """``incubator-check check PATH --format json`` in a child: its exit code, report, stderr, wall time and peak
    resident memory."""
    start = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, "-c", _CHILD, "check", os.fspath(path), "--format", "json",
                               "--as-of", "2025-06-30"], capture_output=True, timeout=120,
                              env=dict(os.environ, PEAK_FILE=os.fspath(peak_file)))
    except subprocess.TimeoutExpired:
        return {"failed": "timed out after 120 s"}
    peak = eval(peak_file.read_text()) if peak_file.exists() else None  # noqa: S307 - a float or None we wrote
    return {"exit": proc.returncode, "stdout": proc.stdout.decode("utf-8", "replace"),
            "stderr": proc.stderr.decode("utf-8", "replace"), "seconds": time.perf_counter() - start, "peak_mib": peak}


@pytest.fixture(scope="module")
def checked(corpus, tmp_path_factory) -> dict[str, dict]:
    peaks = tmp_path_factory.mktemp("peaks")
    with cf.ThreadPoolExecutor(max_workers=2) as pool:
        futures = {name: pool.submit(_cli_measured, corpus[name], peaks / f"{i}.txt") for i, name in enumerate(ISSUE_8)}
        return {name: future.result() for name, future in futures.items()}


@pytest.mark.parametrize("name", ISSUE_8)
def test_check_command_on_each_file(name, corpus, checked):
    m = checked[name]
    assert "failed" not in m, m.get("failed")
    assert not any(sign in m["stderr"] for sign in TRACEBACK_SIGNS), m["stderr"][-2000:]
    assert m["exit"] in (0, 1), (m["exit"], m["stderr"][-2000:])
    report = json.loads(m["stdout"])
    code = CASES[name].code
    if code:
        assert m["exit"] == 1
        assert report["verdict"] == "ERROR"
        assert report["error"]["code"] == code, report["error"]
        assert report["error"]["message_zh"].startswith(f"{name}：")
        assert report["error"]["message_en"].startswith(f"{name}: ")
    else:
        assert report["verdict"] in ("PASS", "FAIL", "INCOMPLETE"), report.get("error")
    if m["peak_mib"] is not None:
        assert m["peak_mib"] < MEMORY_LIMIT_MIB, f"peak {m['peak_mib']:.0f} MiB"


@pytest.mark.parametrize("name", [n for n in ISSUE_8 if CASES[n].code is None and CASES[n].intact])
def test_a_benign_disagreement_reads_like_the_plain_workbook(name, corpus):
    """A member found by its folded name, renamed by 0x7075, or a workbook outside xl/: python-calamine reads the
    same application from it, and the guard lets it through."""
    result = read_workbook(corpus[name], today=TODAY)
    good = read_workbook(corpus["good.xlsx"], today=TODAY)
    assert result.submission.tenants == good.submission.tenants
    assert result.submission.profile == good.submission.profile


def guard_answer(path: str) -> tuple[str | None, float]:
    """The guard alone on a file's bytes: the code it refuses the file with (None: let through), and its seconds."""
    data = Path(path).read_bytes()
    start = time.perf_counter()
    try:
        _guard.check_data(path, data, Limits())
        code = None
    except WorkbookError as exc:
        code = exc.finding.code
    return code, time.perf_counter() - start


@pytest.mark.parametrize("name", ISSUE_8)
def test_the_guard_alone_answers_with_the_files_code(name, corpus):
    """The guard's own answer (benchmarks/hostile.py holds it to under a second a file)."""
    code, _ = guard_answer(os.fspath(corpus[name]))
    if code is not None or CASES[name].code not in ("file-corrupt",):  # python-calamine may find a fault the guard lets by
        assert code == CASES[name].code


# --- linear cost ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def roster_parts(tmp_path_factory) -> dict[str, bytes]:
    return _members(build_workbook(tmp_path_factory.mktemp("linear") / "base.xlsx"))


def _guard_seconds(parts: dict[str, bytes], sheet: bytes, folder: Path, name: str, full: bool = True) -> float:
    path = folder / name
    members = dict(parts, **{"xl/worksheets/sheet2.xml": sheet})
    _write_zip(path, [_entry(n, d) for n, d in members.items()])
    data = path.read_bytes()
    best = float("inf")
    for _ in range(5):  # this process's CPU time, the least of five: other processes' load does not count
        start = time.process_time()
        try:
            _guard.check_data(os.fspath(path), data, Limits(), full=full)
        except WorkbookError:
            pass
        best = min(best, time.process_time() - start)
    return best


@pytest.mark.parametrize("unit", [b'<row><c r="B5"><v>%d</v></c>', b'<c r="B5"><v>%d</v></c>', b'<mergeCell ref="A1:B%d"',
                                  b'<c r="B5"><f>%d', b"<row>%d"],
                         ids=["open-rows", "one-long-row", "unclosed-merges", "unclosed-formulas", "bare-rows"])
def test_doubling_the_input_about_doubles_the_time(unit, roster_parts, tmp_path, monkeypatch):
    """Four times the input may take at most eight times as long (linear: four; the old guard: sixteen and more).
    Pieces are made small, so that both sizes go the same way (a piece too long for the pattern searches is
    parsed element by element: a step in the cost, not a slope)."""
    monkeypatch.setattr(_sheet, "_MAX_PIECE", 256 << 10)
    roster = roster_parts["xl/worksheets/sheet2.xml"]
    at = roster.rindex(b"</sheetData>")

    def sheet(size: int) -> bytes:
        return roster[:at] + b'<row r="5">' + _noisy(unit, size, 7) + roster[at:]

    small = _guard_seconds(roster_parts, sheet(2 << 20), tmp_path, "small.xlsx")
    large = _guard_seconds(roster_parts, sheet(8 << 20), tmp_path, "large.xlsx")
    assert large < 8 * small + 0.05, (small, large)
    # The screen (which reads a sheet whole, up to 4 MiB) on sizes it takes: linear too.
    monkeypatch.setattr(_sheet, "_MAX_PIECE", 8 << 20)
    small = _guard_seconds(roster_parts, sheet(512 << 10), tmp_path, "small.xlsx", full=False)
    large = _guard_seconds(roster_parts, sheet(2 << 20), tmp_path, "large.xlsx", full=False)
    assert large < 8 * small + 0.05, (small, large)


# --- the guard's reading covers python-calamine's, whatever the names ------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from test_hostile import _row, _sheet_xml  # noqa: E402


def _variant(name: str, flips: list[bool], backslash: bool) -> str:
    letters = [ch.upper() if flip and ch.isalpha() else ch for ch, flip in zip(name, flips + [False] * len(name))]
    out = "".join(letters)
    return out.replace("/", "\\") if backslash else out


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(_row, max_size=6), prefix=st.sampled_from(["", "x"]),
       flips=st.lists(st.booleans(), max_size=24), backslash=st.booleans(), elsewhere=st.booleans(),
       duplicate_r=st.booleans())
def test_guard_covers_calamine_under_any_naming(roster_parts, tmp_path_factory, rows, prefix, flips, backslash, elsewhere,
                                               duplicate_r):
    """The roster under a name in another case or with backslashes, in a workbook _rels/.rels puts outside xl/,
    with or without a second r on a cell: whatever grid python-calamine builds, the guard refuses a limit just
    below it (or refuses the file as ambiguous)."""
    import python_calamine

    xml = _sheet_xml(rows, prefix)
    if duplicate_r:
        xml = xml.replace(b"<c ", b'<c r="ZZ99" ', 1) if b"<c r" in xml or b"<x:c r" in xml else xml
    members = {n: d for n, d in roster_parts.items() if n != "xl/worksheets/sheet2.xml"}
    sheet_name = "xl/worksheets/sheet2.xml"
    if elsewhere:
        members["_rels/.rels"] = members["_rels/.rels"].replace(b"xl/workbook.xml", b"wb/workbook.xml")
        members["wb/workbook.xml"] = members.pop("xl/workbook.xml")
        members["wb/_rels/workbook.xml.rels"] = members.pop("xl/_rels/workbook.xml.rels").replace(
            b"/xl/worksheets/", b"/wb/worksheets/")
        members["wb/worksheets/sheet1.xml"] = members.pop("xl/worksheets/sheet1.xml")
        sheet_name = "wb/worksheets/sheet2.xml"
    members[_variant(sheet_name, flips, backslash)] = xml
    path = tmp_path_factory.mktemp("named") / "named.xlsx"
    _write_zip(path, [_entry(n, d) for n, d in members.items()])
    try:
        book = python_calamine.CalamineWorkbook.from_path(os.fspath(path))
        grid = book.get_sheet_by_name(TENANTS.name).to_python(skip_empty_area=False)
        book.close()
    except Exception:  # noqa: BLE001 - a sheet python-calamine cannot read builds no grid to cover
        return
    height, width = len(grid), max((len(r) for r in grid), default=0)
    if not height or not width:
        return
    data = path.read_bytes()
    for limits in (Limits(max_rows=height - 1), Limits(max_columns=width - 1)):
        with pytest.raises(WorkbookError) as info:
            _guard.check_data(os.fspath(path), data, limits)
        assert info.value.finding.code in ("sheet-too-large", "file-corrupt")


# --- the text budget -------------------------------------------------------------------------------------------


def test_max_text_bytes_is_configurable_and_ordinary_rosters_are_far_below_it(tmp_path, roster_parts):
    path = tmp_path / "sst.xlsx"
    sst = (b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
           b"<si><t>" + b"y" * 1000 + b"</t></si></sst>")
    roster = roster_parts["xl/worksheets/sheet2.xml"]
    at = roster.rindex(b"</sheetData>")
    cells = b"".join(b'<row r="%d"><c r="A%d" t="s"><v>0</v></c></row>' % (r, r) for r in range(5, 1005))
    members = dict(roster_parts)
    members["xl/worksheets/sheet2.xml"] = roster[:at] + cells + roster[at:]
    members["xl/sharedStrings.xml"] = sst
    members["xl/_rels/workbook.xml.rels"] = members["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        b'sharedStrings" Target="sharedStrings.xml" Id="rId99"/></Relationships>')
    _write_zip(path, [_entry(n, d) for n, d in members.items()])
    data = path.read_bytes()
    _guard.check_data(os.fspath(path), data, Limits())  # 1 MB of copies: far below the default
    with pytest.raises(WorkbookError) as info:
        _guard.check_data(os.fspath(path), data, Limits(max_text_bytes=500_000))
    assert info.value.finding.code == "text-too-large"
    assert info.value.finding.message_en.startswith("sst.xlsx: ") and info.value.finding.message_zh.startswith("sst.xlsx：")


def test_the_fixtures_read_within_the_text_budget():
    fixtures = Path(__file__).resolve().parent.parent / "fixtures"
    for path in sorted(fixtures.glob("standard-pass*")):
        assert read_workbook(path, today=TODAY).submission is not None, path.name


# --- the screen: an ordinary workbook bounded with a few searches, anything else measured in full (issue 21) ------

from incubator_check.workbook.guard import container as _container  # noqa: E402


def _answer(path: str, data: bytes, limits: Limits, full: bool) -> tuple:
    """The guard's whole answer: the finding (code, both messages) it refuses with, or the formula cells it found."""
    try:
        return ("cells", _guard.check_data(path, data, limits, full=full))
    except WorkbookError as exc:
        f = exc.finding
        return ("refused", f.code, f.message_zh, f.message_en, f.sheet)


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_screened_guard_answers_every_corpus_file_as_the_full_scan(name, corpus):
    path = corpus.get(name)
    if path is None or not path.is_file():
        pytest.skip("not a regular file here")
    data = path.read_bytes()
    assert _answer(os.fspath(path), data, Limits(), False) == _answer(os.fspath(path), data, Limits(), True)


def test_an_ordinary_workbook_passes_the_screen_without_the_full_scan(corpus, monkeypatch):
    """The point of the screen: the fixtures' workbooks never reach the cell-by-cell scan."""
    def no_full_scan(*args, **kwargs):
        raise AssertionError("the full scan ran")

    fixtures = Path(__file__).resolve().parent.parent / "fixtures"
    paths = [p for p in sorted(fixtures.glob("*.xlsx")) if not p.name.startswith("broken-not-a")] + [corpus["good.xlsx"]]
    expected = {p.name: _guard.check_data(os.fspath(p), p.read_bytes(), Limits(), full=True) for p in paths}
    monkeypatch.setattr(_container, "_scan_worksheet", no_full_scan)
    for p in paths:
        assert _guard.check_data(os.fspath(p), p.read_bytes(), Limits()) == expected[p.name], p.name


#: Things a worksheet may hold that the screen must bound or pass to the full scan: formulas with and without a
#: cached value, merged ranges (one far), shared-string cells, wide and long references, a comment, a second r,
#: text with ' = ' in it, a '>' in an attribute value, a prefixed cell, a DTD.
_ODDITIES = [
    b'<row r="3"><c r="B3"><f>1+1</f></c><c r="C3"><f>2</f><v>2</v></c></row>',
    b'<row r="4"><c r="D4" t="s"><v>0</v></c><c r="E4" t="s"><v>7</v></c></row>',
    b'<row r="5"><c r="AB5"><v>1</v></c></row>',
    b'<row r="12000"><c r="A12000"><v>1</v></c></row>',
    b'<row r="6"><c r="XFD6"><v>1</v></c></row>',
    b"<!-- a comment -->",
    b'<row r="7"><c r="A7" r="B7"><v>1</v></c></row>',
    b'<row r="8"><c r="A8" t="inlineStr"><is><t>\xe5\xb9\xb4 = \xe5\xb9\xb4</t></is></c></row>',
    b'<row r="9"><c r="A9" x="a>b"><f>1</f></c></row>',
    b'<row r="10"><x:c r="A10"><v>1</v></x:c></row>',
    b"<row r='11'><c r=\"A11\" x=\"a<b\"><v>1</v></c></row>",
    b'<row r="13" r="14"><c r="A13"><v>1</v></c></row>',
]
_MERGES = [b'<mergeCells><mergeCell ref="A1:B2"/></mergeCells>', b'<mergeCells><mergeCell ref="A1:XFD9"/></mergeCells>']


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(_row, max_size=5), extras=st.lists(st.sampled_from(_ODDITIES), max_size=3),
       merge=st.sampled_from([b""] + _MERGES), shared=st.booleans(), dtd=st.booleans(),
       limits=st.sampled_from([Limits(), Limits(max_rows=20), Limits(max_columns=10), Limits(max_text_bytes=4000)]))
def test_the_screen_agrees_with_the_full_scan_on_generated_sheets(roster_parts, tmp_path_factory, rows, extras, merge,
                                                                  shared, dtd, limits):
    """Whatever the roster holds, the screened guard refuses with the full scan's finding, or lets the workbook by
    with the same formula cells."""
    roster = roster_parts["xl/worksheets/sheet2.xml"]
    at = roster.rindex(b"</sheetData>")
    body = _sheet_xml(rows, "")
    body = body[body.index(b"<sheetData>") + len(b"<sheetData>"):body.index(b"</sheetData>")]
    sheet = roster[:at] + body + b"".join(extras) + roster[at:at + len(b"</sheetData>")] + merge + \
        roster[at + len(b"</sheetData>"):]
    if dtd:
        sheet = b'<!DOCTYPE worksheet [<!ENTITY a "b">]>' + sheet
    members = dict(roster_parts, **{"xl/worksheets/sheet2.xml": sheet})
    if shared:
        members["xl/sharedStrings.xml"] = (b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                                           b'count="2" uniqueCount="2"><si><t>' + b"y" * 300 + b"</t></si><si><t>z</t>"
                                           b"</si></sst>")
    path = tmp_path_factory.mktemp("screen") / "screen.xlsx"
    _write_zip(path, [_entry(n, d) for n, d in members.items()])
    data = path.read_bytes()
    assert _answer(os.fspath(path), data, limits, False) == _answer(os.fspath(path), data, limits, True)


def test_a_file_calamine_fails_on_gets_the_full_scans_finding(corpus, monkeypatch):
    """Should the screen let by a file the full scan refuses, and python-calamine fail on it, the finding is the
    full scan's (the reader asks it again), not the calamine error's."""
    import types

    from incubator_check.workbook import reader as _reader

    def broken(*args, **kwargs):
        raise RuntimeError("calamine failed")

    monkeypatch.setattr(_container, "_screen_worksheet", lambda *args, **kwargs: set())
    monkeypatch.setattr(_reader, "python_calamine",
                        types.SimpleNamespace(CalamineWorkbook=types.SimpleNamespace(from_filelike=broken)))
    with pytest.raises(WorkbookError) as info:
        read_workbook(corpus["far-cell.xlsx"], today=TODAY)
    assert info.value.finding.code == "sheet-too-large"
    with pytest.raises(WorkbookError) as info:
        read_workbook(corpus["good.xlsx"], today=TODAY)
    assert info.value.finding.code == "file-unreadable"


def test_a_worker_that_died_is_followed_by_the_full_scan(corpus, monkeypatch):
    """A screen that lets a far cell by: python-calamine then takes the worker down (it would allocate 512 GiB), and
    the pool checks the file once more with the full scan, whose code the file gets, not the death's."""
    from incubator_check._supervise import ReaderPool

    monkeypatch.setattr(_container, "_screen_worksheet", lambda *args, **kwargs: set())
    with ReaderPool(workers=1, context="fork") as pool:
        report = pool.check(os.fspath(corpus["far-cell.xlsx"]))
    assert report["verdict"] == "ERROR"
    assert report["error"]["code"] == "sheet-too-large"


#: Bytes of the screen's needles, each needle's rare byte often without it, and the bytes around them in a sheet.
_NEEDLE_BYTES = b"<!f:cmergeCell r=\"A1>/\xe5\xb9\xb4"


@settings(max_examples=400, deadline=None)
@given(data=st.lists(st.sampled_from([bytes([b]) for b in _NEEDLE_BYTES] + [b"<!", b"<f", b":c", b"mergeCell", b"f" * 20,
                                                                         b"C" * 20, b"!" * 20, b":" * 20]),
                     max_size=60).map(b"".join),
       needle=st.sampled_from([(b"<!", 1, _sheet._HAS_MARKUP_DECLARATION), (b"<f", 1, _sheet._HAS_FORMULA),
                               (b":c", 0, _sheet._HAS_COLON_C), (b"mergeCell", 5, _sheet._HAS_MERGE)]))
def test_a_needle_found_from_its_rare_byte_is_found_as_its_pattern_finds_it(data, needle):
    """The screen's few-byte tests (``_holds``) answer as the search they stand for, also past the rare byte's few
    tries (a part full of 'f' or ':') and with the needle at the very start or end."""
    text, rare, pattern = needle
    assert _sheet._holds(data, text, rare, pattern) == (pattern.search(data) is not None)


def test_the_kept_elements_of_a_part_are_copies_and_a_refused_part_names_its_own_file():
    """The guard keeps expat's elements of a part by its bytes (container._elements): a caller changing what it was
    given changes no later answer, and a part expat refuses is refused again under each file's own name."""
    from incubator_check.workbook.guard import container

    rels = b'<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>'
    first = container._elements("a.xlsx", rels, frozenset({"Relationship"}))
    first[0][1]["Target"] = "elsewhere.xml"
    assert container._elements("b.xlsx", rels, frozenset({"Relationship"})) == [
        ("Relationship", {"Id": "rId1", "Target": "worksheets/sheet1.xml"})]
    for name in ("one.xlsx", "two.xlsx"):
        with pytest.raises(WorkbookError) as refused:
            container._elements(name, b"<a><b></a>", frozenset({"b"}))
        assert refused.value.finding.code == "file-corrupt" and refused.value.finding.file == name
