"""The command line as a Chinese Windows user meets it: click's messages, exit codes, a GBK console, date forms."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import CONSOLE_ENCODING, build_workbook, tenant_defaults

FIXTURES = Path(__file__).parent.parent / "fixtures"
GOOD = os.fspath(FIXTURES / "standard-pass.xlsx")


def _cli(*args: str, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    program = "import sys; from incubator_check.cli import run; sys.argv[0] = 'incubator-check'; run()"
    full_env = {**os.environ, **(env or {})}
    full_env.pop("INCUBATOR_CHECK_LANG", None) if not env or "INCUBATOR_CHECK_LANG" not in env else None
    return subprocess.run([sys.executable, "-c", program, *args], capture_output=True, env=full_env, timeout=120,
                          **kwargs)


def test_click_usage_errors_are_in_chinese_by_default():
    proc = _cli("check", "--nope", GOOD)
    assert proc.returncode == 2
    err = proc.stderr.decode(CONSOLE_ENCODING)
    assert "错误：没有选项 '--nope'。" in err and "用法:" in err and "No such option" not in err


def test_click_usage_errors_stay_english_with_lang_en():
    proc = _cli("check", "--nope", GOOD, "--lang", "en")
    assert proc.returncode == 2 and "No such option '--nope'" in proc.stderr.decode(CONSOLE_ENCODING)


@pytest.mark.parametrize("form", ["2026-05-01", "2026/05/01", "2026/5/1", "2026年5月1日", "20260501"])
def test_as_of_takes_the_date_forms_the_workbook_takes(form):
    proc = _cli("check", GOOD, "--as-of", form, "--format", "json")
    assert proc.returncode == 0, proc.stderr.decode(CONSOLE_ENCODING)


def test_as_of_that_is_not_a_date_is_a_usage_error_in_both_languages():
    proc = _cli("check", GOOD, "--as-of", "明天")
    assert proc.returncode == 2
    err = proc.stderr.decode(CONSOLE_ENCODING)
    assert "应填日期" in err and "expected a date" in err


def test_exit_0_pass_1_fail_2_usage_3_unwritable(tmp_path):
    assert _cli("check", GOOD).returncode == 0
    assert _cli("check", os.fspath(FIXTURES / "standard-fail-area.xlsx")).returncode == 1
    assert _cli("check", os.fspath(tmp_path / "missing.xlsx")).returncode == 2
    assert _cli("check", GOOD, "-o", os.fspath(tmp_path / "no" / "such" / "folder.json")).returncode == 3


_NOTE_AT_EXIT = (  # each process's teardown noted but multiprocessing's resource tracker's (POSIX spawn starts one,
    # with a bare `-c`; a spawned child has --multiprocessing-fork, the command its module's path)
    "import atexit, os, sys\n"
    "if 'EXIT_LOG' in os.environ and sys.argv != ['-c']:\n"
    "    atexit.register(lambda: open(os.environ['EXIT_LOG'], 'a').write(f'{os.getpid()}\\n'))\n"
)


@pytest.mark.parametrize("args, code, torn_down", [
    (["check", "--format", "json", GOOD], 0, False),
    (["check", "--format", "json", os.fspath(FIXTURES / "standard-fail-area.xlsx")], 1, False),
    (["check", "--format", "json", "no-such-file.xlsx"], 2, False),
    (["rules"], 0, True),  # other commands keep the interpreter's exit: they may hold pools and temporaries
])
def test_a_check_ends_once_its_answer_is_out_without_the_interpreters_teardown(tmp_path, args, code, torn_down):
    (tmp_path / "sitecustomize.py").write_text(_NOTE_AT_EXIT, encoding="utf-8")
    log = tmp_path / "exit.log"
    env = dict(os.environ, EXIT_LOG=os.fspath(log),
               PYTHONPATH=os.pathsep.join(p for p in (os.fspath(tmp_path), os.environ.get("PYTHONPATH")) if p))
    process = subprocess.Popen([sys.executable, "-m", "incubator_check", *args], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    stdout, stderr = process.communicate(timeout=120)
    done = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    assert done.returncode == code, done.stderr.decode(CONSOLE_ENCODING, "replace")
    # the process started, and for a check its child too (a spawned one runs an interpreter of its own): whatever the
    # start method, a check's processes end without their teardown
    torn = log.read_text().split() if log.exists() else []
    assert torn == ([str(process.pid)] if torn_down else []), torn
    if args[0] != "check":
        assert b"miit-2025-standard" in done.stdout
    elif code < 2:  # the whole report came through the pipe, flushed before the process ended
        assert json.loads(done.stdout)["verdict"] == ("PASS" if code == 0 else "FAIL")
    else:
        assert "no-such-file.xlsx" in done.stderr.decode(CONSOLE_ENCODING, "replace")


@pytest.mark.skipif(os.name != "posix", reason="sends SIGINT to a child")
def test_ctrl_c_exits_130_and_leaves_no_partial_output(tmp_path):
    import signal
    import time

    folder = tmp_path / "many"
    folder.mkdir()
    import shutil

    for i in range(1000):  # long enough at --jobs 1 that the interrupt comes in the middle (copies: links are one file)
        shutil.copyfile(GOOD, folder / f"a{i:04}.xlsx")
    out = tmp_path / "out.xlsx"
    program = "import sys; from incubator_check.cli import run; sys.argv[0] = 'incubator-check'; run()"
    child = subprocess.Popen([sys.executable, "-c", program, "batch", os.fspath(folder), "-o", os.fspath(out),
                              "--jobs", "1"], stderr=subprocess.PIPE)
    time.sleep(2.0)
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=60)
    assert child.returncode == 130, err.decode(CONSOLE_ENCODING)
    assert "已中断" in err.decode(CONSOLE_ENCODING) and "Traceback" not in err.decode(CONSOLE_ENCODING)
    assert not out.exists() and [p for p in os.listdir(tmp_path) if p.endswith(".part")] == []


@pytest.fixture(scope="module")
def rare_roster(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("gbk")
    tenants = [tenant_defaults(i) for i in range(3)]
    tenants[0]["name"] = "𬌗𠀀科技有限公司"  # outside GBK
    build_workbook(folder / "𬌗申报表.xlsx", tenants=tenants, n_tenants=3)
    return folder / "𬌗申报表.xlsx"


@pytest.mark.parametrize("args", [["check", "{file}"], ["batch", "{folder}"], ["rules", "show", "6.4.new"],
                                  ["read", "{file}"], ["check", "{file}", "--format", "json"]])
def test_a_gbk_console_never_crashes(rare_roster, args):
    args = [a.format(file=os.fspath(rare_roster), folder=os.fspath(rare_roster.parent)) for a in args]
    proc = _cli(*args, env={"PYTHONIOENCODING": "cp936"})
    assert proc.returncode in (0, 1), proc.stderr.decode("gbk", "replace")
    assert b"Traceback" not in proc.stderr and b"UnicodeEncodeError" not in proc.stderr
    if "json" in args:
        assert json.loads(proc.stdout.decode("utf-8"))["schema"]  # JSON is UTF-8 whatever the console
    else:
        proc.stdout.decode("gbk")  # console text in the console's encoding, the rest replaced


def test_an_empty_folder_with_workbooks_below_hints_at_recursive(tmp_path):
    (tmp_path / "sub").mkdir()
    os.link(GOOD, tmp_path / "sub" / "a.xlsx")
    proc = _cli("batch", os.fspath(tmp_path))
    assert proc.returncode == 2
    err = proc.stderr.decode(CONSOLE_ENCODING)
    assert "-r" in err and "子文件夹中有 1 份" in err and "1 in its sub-folders" in err
    assert _cli("batch", os.fspath(tmp_path), "-r").returncode == 0


def test_a_summary_the_tool_wrote_in_the_folder_is_skipped_with_a_note(tmp_path):
    import shutil

    import openpyxl

    shutil.copyfile(GOOD, tmp_path / "a.xlsx")
    assert _cli("batch", os.fspath(tmp_path), "-o", os.fspath(tmp_path / "汇总.xlsx")).returncode == 0
    assert _cli("check", GOOD, "-o", os.fspath(tmp_path / "报告.xlsx")).returncode == 0
    assert openpyxl.load_workbook(tmp_path / "汇总.xlsx").sheetnames[0] == "汇总表"  # still an ordinary workbook
    proc = _cli("batch", os.fspath(tmp_path), "--format", "json")
    assert proc.returncode == 0, proc.stderr.decode(CONSOLE_ENCODING)
    assert [json.loads(line)["source"]["path"] for line in proc.stdout.decode("utf-8").splitlines()] == ["a.xlsx"]
    err = proc.stderr.decode(CONSOLE_ENCODING)
    assert "汇总.xlsx 是本工具生成的汇总表或报告，已跳过" in err and "报告.xlsx" in err


@pytest.mark.parametrize("suffix, kind", [(".json", "json"), (".jsonl", "json"), (".xlsx", "xlsx"), (".txt", "table")])
def test_the_output_format_follows_the_extension(tmp_path, suffix, kind):
    out = tmp_path / f"out{suffix}"
    assert _cli("check", GOOD, "-o", os.fspath(out)).returncode == 0
    data = out.read_bytes()
    if kind == "json":
        assert json.loads(data)["verdict"] == "PASS"
    elif kind == "xlsx":
        assert data[:2] == b"PK"
    else:
        assert "通过" in data.decode("utf-8")


@pytest.mark.parametrize("amount, unit, lang, shown", [
    ("3", "家", "zh", "3 家"), ("3", "家", "en", "3 tenants"), ("1", "家", "en", "1 tenant"),
    ("2", "人", "en", "2 people"), ("1", "人", "en", "1 person"), ("388", "m2", "zh", "388 平方米"),
    ("388", "m2", "en", "388 m²"), ("12.5", "万元", "en", "12.5 × 10,000 yuan"), ("2028-03-02", "date", "en", "2028-03-02"),
])
def test_a_shortfall_is_shown_with_its_unit_in_each_language(amount, unit, lang, shown):
    from incubator_check._words import with_unit

    assert with_unit(amount, unit, lang) == shown


def test_terminal_columns_line_up_by_display_width_in_both_languages():
    from incubator_check.present.figures import width

    path = os.fspath(FIXTURES / "standard-fail-tenants.xlsx")
    for lang in ("zh", "en"):
        report = json.loads(_cli("check", path, "--format", "json", "--lang", lang).stdout.decode("utf-8"))
        lines = _cli("check", path, "--lang", lang).stdout.decode(CONSOLE_ENCODING).splitlines()
        starts = set()
        for clause in report["clauses"]:
            title = f"{clause['id']} {clause['title']}"
            line = next(line for line in lines if f"  {title}  " in line or line.endswith(f"  {title}"))
            end = line.index(title) + len(title)
            rest = line[end:]
            if rest.strip():  # where the value column starts, in display columns
                starts.add(width(line[:end]) + len(rest) - len(rest.lstrip()))
        assert len(starts) == 1, (lang, starts)


def test_english_messages_have_units_and_plurals():
    from incubator_check import check

    report = check(FIXTURES / "standard-fail-tenants.xlsx", lang="en").as_json()
    messages = {c["id"]: c["message"] for c in report["clauses"]}
    assert messages["6.4.count"].startswith("27 tenants, threshold ≥ 30; 3 more tenants are needed")
    assert "1 more tenant must graduate" in messages["6.8"]
    assert not any("家" in m or "万元" in m or "1 more tenants" in m for m in messages.values())
    chinese = {c["id"]: c["message"] for c in check(FIXTURES / "standard-fail-tenants.xlsx").as_json()["clauses"]}
    assert chinese["6.4.count"] == "27 家，门槛 ≥ 30；需再增加 3 家在孵企业"


def test_an_empty_roster_says_what_is_missing_instead_of_leaving_blanks():
    from incubator_check import check

    for lang in ("zh", "en"):
        clauses = {c["id"]: c for c in check(FIXTURES / "broken-empty-roster.xlsx", lang=lang).as_json()["clauses"]}
        mentors = clauses["6.3.mentors"]["message"]
        assert "分母为 0" in mentors if lang == "zh" else "the denominator is 0" in mentors
        assert "5/0" not in mentors and "  " not in mentors  # no bare 5/0, no blank where a figure should be
        assert all("  " not in c["message"] for c in clauses.values())


# What the child forked at the program's start had imported: noted by the child, then the real child runs.
_NOTE_THE_EARLY_CHILDS_IMPORTS = (
    "import os, sys; from incubator_check import _early, _start; real = _early._wait_for_a_file\n"
    "def noting(*pipes):\n"
    "    with open(os.environ['EARLY_CHILD_LOG'], 'w', encoding='utf-8') as log:\n"
    "        log.write(' '.join(m for m in ('click', 'incubator_check.cli', 'pydantic', 'python_calamine') if m in sys.modules))\n"
    "    real(*pipes)\n"
    "_early._wait_for_a_file = noting; sys.argv[0] = 'incubator-check'; _start.run()\n"
)


@pytest.mark.parametrize("fmt", ["json", "table"])
def test_a_one_file_check_starts_its_child_before_the_command_line_and_says_the_same(tmp_path, fmt):
    """``incubator-check check``: the child is started before click or the checker is imported (it imports the
    checker while the parent parses the command line), and the report is the one the command gives with a child
    started after parsing (``cli.run``, which starts no early child)."""
    log = tmp_path / "imports.log"
    args = ["check", "--format", fmt, "--lang", "en", os.fspath(FIXTURES / "standard-fail-tenants.xlsx")]
    from incubator_check._environment import default_start_method

    forked = default_start_method() == "fork"  # a spawned child begins with a bare interpreter and runs no patch
    program = _NOTE_THE_EARLY_CHILDS_IMPORTS if forked else \
        "import sys; from incubator_check import _start; sys.argv[0] = 'incubator-check'; _start.run()"
    early = subprocess.run([sys.executable, "-c", program, *args], capture_output=True, timeout=120,
                           env={**os.environ, "EARLY_CHILD_LOG": os.fspath(log)})
    late = subprocess.run([sys.executable, "-c", "import sys; from incubator_check.cli import run; "
                           "sys.argv[0] = 'incubator-check'; run()", *args], capture_output=True, timeout=120)
    assert (early.returncode, late.returncode) == (1, 1), early.stderr.decode("utf-8", "replace")
    assert early.stdout == late.stdout and early.stderr == late.stderr == b""
    if forked:
        assert log.read_text(encoding="utf-8") == ""  # none of them: the child began with a bare interpreter


# pydantic searches every installed distribution for plugins when it builds its first model (a tenth of a one-file
# check's CPU); the command turns that search off unless the user set the variable (issue 21). The spy is a
# sitecustomize module, so that it is in every process of the check: the command and its child, forked or spawned.
# pydantic's plugin search reads the installed distributions' entry points: through ``entry_points(group=...)`` since
# 2.14, through ``distributions()`` before (CI's Python had 2.13). The spy notes either call made from pydantic.
_SPY_ON_PLUGIN_SEARCH = (
    "import importlib.metadata as metadata, os, sys\n"
    "def spying(real):\n"
    "    def spy(*args, **kw):\n"
    "        if sys._getframe(1).f_globals.get('__name__', '').startswith('pydantic') and 'PLUGIN_SEARCH_LOG' in os.environ:\n"
    "            open(os.environ['PLUGIN_SEARCH_LOG'], 'a').write('searched\\n')\n"
    "        return real(*args, **kw)\n"
    "    return spy\n"
    "metadata.entry_points = spying(metadata.entry_points)\n"
    "metadata.distributions = spying(metadata.distributions)\n"
)


@pytest.mark.parametrize("user_value, searched", [(None, False), ("", True)])
def test_a_check_builds_its_models_without_pydantics_plugin_search(tmp_path, user_value, searched):
    (tmp_path / "sitecustomize.py").write_text(_SPY_ON_PLUGIN_SEARCH, encoding="utf-8")
    log = tmp_path / "search.log"
    env = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    env["PLUGIN_SEARCH_LOG"] = os.fspath(log)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (os.fspath(tmp_path), os.environ.get("PYTHONPATH")) if p)
    if user_value is not None:
        env["PYDANTIC_DISABLE_PLUGINS"] = user_value  # the user's own setting is kept
    done = subprocess.run([sys.executable, "-m", "incubator_check", "check", "--format", "json",
                           os.fspath(FIXTURES / "standard-pass.xlsx")], env=env, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    assert log.exists() is searched


def test_a_check_never_imports_importlib_metadata():
    """pydantic imports it for the plugin search a check turns off: the real module is imported only when used.
    What the console shows is the parent's imports and the child's until it opens the file (its standard error is
    then its own); the child's whole work is ``test_a_checks_child_imports_only_what_it_checks_with``'s."""
    env = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "incubator_check", "check", "--format", "json",
                           os.fspath(FIXTURES / "standard-pass.xlsx")], env=env, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    imported = done.stderr.decode("utf-8", "replace")
    assert " pydantic\n" in imported and "importlib.metadata" not in imported


_METADATA_WHEN_USED = """
import sys
from incubator_check._environment import prepare_environment
prepare_environment()
import pydantic  # noqa: F401
from pydantic.plugin import _loader
from importlib.metadata import entry_points
assert type(sys.modules["importlib.metadata"]).__name__ == "OnDemand"
import importlib
import importlib.metadata as metadata
assert isinstance(metadata.PackageNotFoundError, type)  # any other attribute: the real module
assert type(sys.modules["importlib.metadata"]).__name__ == "module"
assert sys.modules["importlib.metadata"] is importlib.metadata is __import__("importlib.metadata").metadata
assert len(entry_points(group="console_scripts").select(name="incubator-check")) == 1  # a stand-in bound earlier
from importlib.metadata import version
assert version("pydantic") == pydantic.VERSION
prepare_environment()  # again: the real module stays
assert type(sys.modules["importlib.metadata"]).__name__ == "module"
print("ok")
"""


_A_CHECKS_CHILD = """
import hashlib, sys
from incubator_check._environment import prepare_environment
prepare_environment()
from incubator_check import _check, _supervise
from incubator_check._supervise import Job, WorkerLimits, _work
from incubator_check.present.table_line import table_of_line
_supervise._LIMITS = WorkerLimits()
data = open(sys.argv[1], "rb").read()
outcome = _work(Job(sys.argv[1]), data, hashlib.sha256(data).hexdigest())
table_of_line("zh", False, outcome.line)
print(" ".join(m for m in ("click", "concurrent.futures", "logging", "pebble", "asyncio") if m in sys.modules))
print(type(sys.modules["importlib.metadata"]).__name__)
"""


def test_a_checks_child_imports_only_what_it_checks_with():
    """What a one-file check's child does (the checker, one file, the table), without the command line's library,
    the pool's futures and logging, or the real importlib.metadata: each costs the path the user waits on."""
    done = subprocess.run([sys.executable, "-c", _A_CHECKS_CHILD, GOOD], capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    assert done.stdout.decode().splitlines() == ["", "OnDemand"]


def test_importlib_metadata_is_the_real_module_once_used():
    done = subprocess.run([sys.executable, "-c", _METADATA_WHEN_USED], capture_output=True, timeout=120)
    assert done.stdout.strip() == b"ok", done.stderr.decode("utf-8", "replace")
