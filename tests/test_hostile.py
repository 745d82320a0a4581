"""Issue 5: hostile and broken workbooks get one clear ERROR, within bounded time and memory, and a batch carries on.

The corpus is built by ``tests/hostile_corpus.py`` (nothing downloaded, nothing binary
committed). Every hostile file is read in a child process, so that a regression that
makes python-calamine abort or swallow gigabytes fails one test instead of killing the
test run; the child reports the code, the wall time and its peak RSS. The bounds are the
ones ``docs/limits.md`` documents.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import json
import os
import stat
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest

from incubator_check import Limits, WorkbookError, read_workbook
from incubator_check._batch import SUFFIXES
from incubator_check.workbook.layout import TENANTS

from conftest import TODAY, build_workbook
from hostile_corpus import CASES, ODD_NAMES, build_corpus

#: docs/limits.md: what refusing (or reading) any one file may cost, read and check together.
TIME_LIMIT_S = 5.0
MEMORY_LIMIT_MIB = 300

HOSTILE = [name for name, case in CASES.items() if case.code]
ODD = [name for name, case in CASES.items() if case.code is None and case.intact]
#: Files that read, with values of no interest (what a malformed but readable sheet happens to hold).
READABLE = [name for name, case in CASES.items() if case.code is None and not case.intact]

_CHILD = r"""
import datetime as dt, json, sys, time
try:
    import resource
except ImportError:  # Windows
    resource = None
from incubator_check import WorkbookError, read_workbook
from incubator_check._check import check

path, run_check = sys.argv[1], sys.argv[2] == "check"
out = {}
start = time.perf_counter()
try:
    result = read_workbook(path, today=dt.date(2025, 6, 30))
    out["read"] = {"code": None, "errors": [f.code for f in result.errors]}
except WorkbookError as exc:
    f = exc.finding
    out["read"] = {"code": f.code, "severity": f.severity.value, "sheet": f.sheet, "file": f.file,
                   "message_zh": f.message_zh, "message_en": f.message_en}
out["read_seconds"] = time.perf_counter() - start
if run_check:
    start = time.perf_counter()
    report = check(path, as_of=dt.date(2025, 6, 30)).as_json()
    out["check"] = {"verdict": report["verdict"], "error": report.get("error")}
    out["check_seconds"] = time.perf_counter() - start
try:  # Linux: the high-water mark of this process's own memory (ru_maxrss would include the parent's, from vfork)
    with open("/proc/self/status") as status:
        peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
except OSError:
    peak = None
if peak is None and resource is not None:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak = peak / (1 << 20) if sys.platform == "darwin" else peak / 1024
out["peak_rss_mib"] = peak
print(json.dumps(out, ensure_ascii=False))
"""


def _run_child(path: Path, run_check: bool) -> dict:
    try:
        proc = subprocess.run([sys.executable, "-c", _CHILD, os.fspath(path), "check" if run_check else "read"],
                              capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        return {"failed": "timed out after 120 s"}
    if proc.returncode != 0 or not proc.stdout.strip():
        return {"failed": f"exit {proc.returncode}: {proc.stderr.strip()[-2000:]}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> dict[str, Path]:
    return build_corpus(tmp_path_factory.mktemp("hostile"))


@pytest.fixture(scope="session")
def measured(corpus) -> dict[str, dict]:
    """Every corpus file read (and checked) in a child process of its own, two at a time."""
    # check() on a FIFO blocks in _check._file_sha256 (see test_check_of_a_fifo_returns); only read it.
    jobs = {name: (path, name != "pipe.xlsx") for name, path in corpus.items()}
    with cf.ThreadPoolExecutor(max_workers=2) as pool:
        futures = {name: pool.submit(_run_child, path, run_check) for name, (path, run_check) in jobs.items()}
        return {name: future.result() for name, future in futures.items()}


def _bounded(m: dict) -> None:
    """Bounded in memory here; in time by benchmarks/hostile.py (TIME_LIMIT_S), because a test that fails on a slow
    or busy machine (Wine, a shared CI runner) says nothing about the file. The child's own 120 s timeout still
    catches a hang."""
    assert "failed" not in m, m.get("failed")
    if m["peak_rss_mib"] is not None:  # None on Windows, which has no getrusage
        assert m["peak_rss_mib"] < MEMORY_LIMIT_MIB, f"peak RSS {m['peak_rss_mib']:.0f} MiB"


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_file_is_refused_with_its_code(name, corpus, measured, record_property):
    if name not in corpus:
        pytest.skip(f"{name} cannot be made here ({CASES[name].what})")
    m = measured[name]
    _bounded(m)
    record_property("seconds", round(m["read_seconds"] + m.get("check_seconds", 0.0), 3))
    record_property("peak_rss_mib", m["peak_rss_mib"] and round(m["peak_rss_mib"]))
    code = CASES[name].code
    read = m["read"]
    assert read["code"] == code, read
    assert read["severity"] == "error"
    assert read["file"] == os.fspath(corpus[name])
    assert read["message_zh"].startswith(f"{name}：") and read["message_en"].startswith(f"{name}: ")
    if "check" in m:
        assert m["check"]["verdict"] == "ERROR"
        assert m["check"]["error"]["code"] == code
        assert m["check"]["error"]["message_zh"] == read["message_zh"]


@pytest.mark.parametrize("name", ODD)
def test_odd_content_reads_with_values_intact(name, corpus, measured):
    m = measured[name]
    _bounded(m)
    assert m["read"]["code"] is None and not m["read"]["errors"], m["read"]
    assert m["check"]["verdict"] != "ERROR"
    result = read_workbook(corpus[name], today=TODAY)  # safe in-process: it just read in a child
    names = [t.name for t in result.submission.tenants]
    expected = ODD_NAMES.get(name) or [t.name for t in read_workbook(corpus["good.xlsx"], today=TODAY).submission.tenants]
    for i, want in enumerate(expected):
        cell = f"{TENANTS.name}!A{i + 2}"
        cell_findings = [f for f in result.findings if f.where == cell]
        assert names[i] == want or cell_findings, (i, names[i][:80], want[:80])
    if name in ("odd-no-cell-refs.xlsx", "odd-prefixed.xlsx"):
        good = read_workbook(corpus["good.xlsx"], today=TODAY)
        assert result.submission.profile == good.submission.profile
        assert result.submission.tenants == good.submission.tenants
        assert [f.code for f in result.findings] == [f.code for f in good.findings]


@pytest.mark.parametrize("name", READABLE)
def test_malformed_but_readable_content_reads_in_bounds(name, measured):
    m = measured[name]
    _bounded(m)
    assert m["read"]["code"] is None, m["read"]
    assert m["check"]["verdict"] != "ERROR"


def test_rare_characters_in_the_profile_round_trip(corpus):
    result = read_workbook(corpus["odd-rare-cjk-emoji.xlsx"], today=TODAY)
    assert result.submission.profile.incubator_name == "𠀀𪚥孵化器 🚀"


def test_a_folder_named_like_a_workbook(corpus):
    with pytest.raises(WorkbookError) as info:
        read_workbook(corpus["folder.xlsx"])
    assert info.value.finding.code == "file-unreadable"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads any file")
def test_a_file_without_read_permission(corpus):
    with pytest.raises(WorkbookError) as info:
        read_workbook(corpus["no-permission.xlsx"])
    assert info.value.finding.code == "file-unreadable"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_check_of_a_fifo_returns(corpus):
    child = ("import sys; from incubator_check._check import check; "
             "print(check(sys.argv[1]).as_json()['error']['code'])")
    try:
        proc = subprocess.run([sys.executable, "-c", child, os.fspath(corpus["pipe.xlsx"])], capture_output=True,
                              text=True, timeout=5)
    except subprocess.TimeoutExpired:
        pytest.fail("check() blocked on a FIFO for 5 s")
    assert proc.stdout.strip() == "file-unreadable"


# --- the corpus is what it claims to be -------------------------------------------------------------------


def test_the_zip_bombs_are_small_files_that_inflate_to_a_gibibyte(corpus):
    bomb = corpus["zip-bomb.xlsx"]
    assert bomb.stat().st_size < 2 << 20
    with zipfile.ZipFile(bomb) as z:
        assert z.getinfo("xl/worksheets/sheet1.xml").file_size > 1 << 30
    lying = corpus["zip-bomb-lying.xlsx"]
    with zipfile.ZipFile(lying) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
        assert info.file_size < 2000
        assert len(z.read(info)) == info.file_size  # zipfile stops at the declared size, and the CRC matches it
    with open(lying, "rb") as f:
        f.seek(info.header_offset + 30 + len(info.filename.encode()))
        inflated = zlib.decompressobj(-15).decompress(f.read(info.compress_size), 10 << 20)
    assert len(inflated) == 10 << 20  # the stream goes on well past what the directory says


def test_the_hand_written_xls_files_are_real_biff(tmp_path):
    """The BIFF and compound-file writer of the corpus makes files python-calamine reads (so the hostile .xls
    are refused for what they hold, not for being garbage), and its FILEPASS file is one calamine calls encrypted."""
    import python_calamine

    from hostile_corpus import _label, _number, _rec, xls_file

    path = tmp_path / "benign.xls"
    path.write_bytes(xls_file({"基本信息": [_label(0, 0, "项目"), _label(1, 0, "孵化器名称"), _label(1, 1, "示例")],
                               "在孵企业": [_label(0, 0, "企业名称"), _number(1, 1, 42.0)]}))
    book = python_calamine.CalamineWorkbook.from_path(os.fspath(path))
    assert book.sheet_names == ["基本信息", "在孵企业"]
    assert book.get_sheet_by_name("在孵企业").to_python() == [["企业名称", ""], ["", 42.0]]
    book.close()
    path.write_bytes(xls_file({"S": [_label(0, 0, "x")]}, _rec(0x002F, bytes([1, 0, 1, 0, 1, 0]) + bytes(48))))
    with pytest.raises(python_calamine.PasswordError):
        python_calamine.CalamineWorkbook.from_path(os.fspath(path))


# --- a batch over the whole corpus --------------------------------------------------------------------------


def _snapshot(folder: Path) -> dict[str, str]:
    """Every entry under the folder: a file's SHA-256, or what else it is (never opening a FIFO)."""
    seen = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(root) / name
            mode = path.lstat().st_mode
            rel = path.relative_to(folder).as_posix()
            if stat.S_ISREG(mode):
                try:
                    seen[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
                except PermissionError:
                    seen[rel] = f"unreadable {path.stat().st_size}"
            else:
                seen[rel] = f"mode {stat.S_IFMT(mode):o}"
    return seen


@pytest.fixture(scope="session")
def batch_run(corpus):
    folder = next(iter(corpus.values())).parent
    before = _snapshot(folder)
    proc = subprocess.run([sys.executable, "-c", "import sys; from incubator_check.cli import run; sys.argv[0] = 'incubator-check'; run()",
                           "batch", os.fspath(folder), "--format", "json", "--as-of", "2025-06-30"],
                          capture_output=True, text=True, timeout=600)
    return folder, before, proc, _snapshot(folder)


def test_batch_over_the_corpus_carries_on(corpus, batch_run):
    folder, _, proc, _ = batch_run
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    rows = {Path(d["source"]["path"]).name: d for d in map(json.loads, proc.stdout.splitlines())}
    expected = {name for name, path in corpus.items() if not name.startswith((".", "~$"))}
    assert set(rows) == expected  # every entry has its row, a FIFO and a folder included (issue 15)
    for name in expected:
        row = rows[name]
        if stat.S_ISDIR(corpus[name].lstat().st_mode):
            assert row["verdict"] == "ERROR" and row["error"]["code"] == "file-unreadable", name
            continue
        if CASES[name].code:
            assert row["verdict"] == "ERROR", name
            assert row["error"]["code"] == CASES[name].code, (name, row["error"])
            assert row["error"]["message_zh"] and row["error"]["message_en"]
        else:
            assert row["verdict"] in ("PASS", "FAIL", "INCOMPLETE"), (name, row.get("error"))
            assert row["clauses"], name


def test_batch_never_writes_to_its_input(batch_run):
    folder, before, proc, after = batch_run
    assert proc.returncode == 1
    assert after == before


# --- the limits are configurable ----------------------------------------------------------------------------


def _refused(path, limits: Limits) -> WorkbookError:
    with pytest.raises(WorkbookError) as info:
        read_workbook(path, today=TODAY, limits=limits)
    return info.value


def test_max_rows_is_configurable(tmp_path):
    path = build_workbook(tmp_path / "sixty.xlsx", n_tenants=60)
    assert read_workbook(path, today=TODAY).submission is not None
    exc = _refused(path, Limits(max_rows=50))
    assert exc.finding.code == "sheet-too-large"
    assert exc.finding.sheet == TENANTS.name
    assert "61 rows" in exc.finding.message_en and "50 rows" in exc.finding.message_en
    assert "61 行" in exc.finding.message_zh and "50 行" in exc.finding.message_zh


@pytest.mark.parametrize("limits", [Limits(max_columns=10), Limits(max_cells=1000)], ids=["columns", "cells"])
def test_max_columns_and_cells_are_configurable(tmp_path, limits):
    path = build_workbook(tmp_path / "sixty.xlsx", n_tenants=60)  # the roster: 61 rows × 20 columns
    assert _refused(path, limits).finding.code == "sheet-too-large"


FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@pytest.mark.parametrize("name", ["standard-pass.xlsx", "standard-pass-libreoffice.xlsx", "standard-pass.xls",
                                  "standard-pass.ods"])
def test_limits_measure_every_format_the_same(name):
    """The guard measures .xlsx (cell references), .xls (BIFF records) and .ods (repeated rows and columns) itself,
    before python-calamine reads them, and finds the same extent in each: the roster is 43 rows × 20 columns."""
    path = FIXTURES / name
    assert read_workbook(path, today=TODAY, limits=Limits(max_rows=43, max_columns=20, max_cells=43 * 20)).submission
    for limits in (Limits(max_rows=42), Limits(max_columns=19), Limits(max_cells=43 * 20 - 1)):
        exc = _refused(path, limits)
        assert exc.finding.code == "sheet-too-large"
        assert exc.finding.sheet == TENANTS.name
        assert "43 rows × 20 columns" in exc.finding.message_en


def test_default_limits_are_the_documented_ones():
    doc = (Path(__file__).resolve().parent.parent / "docs" / "limits.md").read_text(encoding="utf-8")
    limits = Limits()
    for field, value in vars(limits).items():
        assert f"`{field}`" in doc, field
        shown = f"{value:,}" if value < (1 << 20) or value % (1 << 20) else f"{value >> 20} MiB"
        assert shown in doc, (field, shown)
    for code in {case.code for case in CASES.values() if case.code} | {"file-too-large", "zip-too-many-members"}:
        assert f"`{code}`" in doc, code
    assert f"{TIME_LIMIT_S:g} s" in doc and f"{MEMORY_LIMIT_MIB} MiB" in doc


# --- the guard's measure of a worksheet is never smaller than python-calamine's ---------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_cell = st.tuples(st.booleans(), st.integers(1, 40), st.integers(1, 30), st.sampled_from(["value", "value", "empty", "bare"]),
                  st.sampled_from(['r="{}"', "r='{}'", 's="0" r="{}"', 'r = "{}"', 'r="{}" t="n"']), st.booleans())
_row = st.tuples(st.one_of(st.none(), st.integers(1, 40)), st.lists(_cell, max_size=5), st.booleans())


def _letters(col: int) -> str:
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def _sheet_xml(rows, prefix: str) -> bytes:
    p = f"{prefix}:" if prefix else ""
    body = []
    for r, cells, bare_row in rows:
        attr = f' r="{r}"' if r else ""
        if bare_row:
            body.append(f"<{p}row{attr}/>")
            continue
        parts = []
        for has_ref, cr, cc, kind, form, lower in cells:
            letters = _letters(cc).lower() if lower else _letters(cc)
            ref = " " + form.format(f"{letters}{cr}") if has_ref else ""
            parts.append({"value": f"<{p}c{ref}><{p}v>1</{p}v></{p}c>", "empty": f"<{p}c{ref}></{p}c>",
                          "bare": f"<{p}c{ref} ph=\"1\"/>"}[kind])
        body.append(f"<{p}row{attr}>{''.join(parts)}</{p}row>")
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    xmlns = f'xmlns:{prefix}="{ns}"' if prefix else f'xmlns="{ns}"'
    return f"<{p}worksheet {xmlns}><{p}sheetData>{''.join(body)}</{p}sheetData></{p}worksheet>".encode()


@pytest.fixture(scope="module")
def base_workbook(tmp_path_factory):
    return build_workbook(tmp_path_factory.mktemp("extent") / "base.xlsx")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(_row, max_size=8), prefix=st.sampled_from(["", "x"]))
def test_guard_extent_covers_what_calamine_builds(base_workbook, tmp_path_factory, rows, prefix):
    import python_calamine

    from hostile_corpus import _rezip
    from incubator_check.workbook.guard import container as _zip, sheet as _sheet

    path = tmp_path_factory.mktemp("sheet") / "sheet.xlsx"
    part = "xl/worksheets/sheet2.xml"
    _rezip(base_workbook, path, {part: _sheet_xml(rows, prefix)})
    with zipfile.ZipFile(path) as z, open(path, "rb") as handle:
        _, (guard_rows, guard_cols) = _sheet._scan_worksheet(os.fspath(path), _zip._Package(os.fspath(path), handle),
                                                             z.getinfo(part), TENANTS.name, Limits())
    book = python_calamine.CalamineWorkbook.from_path(os.fspath(path))
    grid = book.get_sheet_by_name(TENANTS.name).to_python(skip_empty_area=False)
    book.close()
    height, width = len(grid), max((len(r) for r in grid), default=0)
    assert guard_rows >= height and guard_cols >= width
    if all(cell[3] == "value" for _, cells, bare in rows if not bare for cell in cells):
        assert (guard_rows, guard_cols) == (height, width)


@pytest.mark.parametrize("grown_to, refused", [(4096, False), (3 * 1024 * 1024, True)])
def test_a_file_that_grows_after_its_size_is_taken_is_read_whole_up_to_the_limit(tmp_path, monkeypatch, grown_to,
                                                                                   refused):
    """The read takes the size the file had when opened, and one byte more: a file that has grown since (its size
    taken before it was written to) is read on to the limit, and is too large past it."""
    from incubator_check.workbook.guard import Limits, file as guard_file
    from incubator_check.errors import WorkbookError

    path = tmp_path / "growing.xlsx"
    path.write_bytes(b"x" * grown_to)
    real_fstat = os.fstat

    def fstat_before_it_grew(fd):
        info = real_fstat(fd)
        return os.stat_result((info.st_mode, info.st_ino, info.st_dev, info.st_nlink, info.st_uid, info.st_gid,
                               100, info.st_atime, info.st_mtime, info.st_ctime))

    monkeypatch.setattr(guard_file.os, "fstat", fstat_before_it_grew)
    limits = Limits(max_file_bytes=2 * 1024 * 1024)
    if refused:
        with pytest.raises(WorkbookError) as caught:
            guard_file.read_bytes(os.fspath(path), limits)
        assert caught.value.finding.code == "file-too-large"
    else:
        assert guard_file.read_bytes(os.fspath(path), limits) == b"x" * grown_to
