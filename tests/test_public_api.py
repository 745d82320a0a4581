"""The public API: what ``incubator_check`` exports, that it is enough to check a workbook, and that
importing the package costs nothing until a name is used."""

from __future__ import annotations

import subprocess
import sys

import pytest

import incubator_check
from incubator_check import (
    IncubatorCheckError,
    Report,
    RulesetError,
    Status,
    Verdict,
    WorkbookError,
    check,
    check_submission,
    load_ruleset,
    read_workbook,
)

PROMISED = ["check", "check_submission", "read_workbook", "load_ruleset", "Report", "Finding",
            "IncubatorCheckError", "WorkbookError", "RulesetError"]


def test_the_promised_names_are_exported():
    assert set(PROMISED) <= set(incubator_check.__all__)


@pytest.mark.parametrize("name", incubator_check.__all__)
def test_every_exported_name_resolves(name):
    assert getattr(incubator_check, name) is not None
    assert name in dir(incubator_check)


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError):
        incubator_check.no_such_name  # noqa: B018


def test_the_errors_are_one_family():
    assert issubclass(WorkbookError, IncubatorCheckError) and issubclass(RulesetError, IncubatorCheckError)


def test_importing_the_package_loads_nothing_heavy():
    # The CLI's start-up time is mostly imports; the package itself must not add pydantic, calamine or zen.
    code = ("import sys, incubator_check; "
            "print(sorted(m for m in ('pydantic', 'python_calamine', 'zen', 'yaml', 'openpyxl') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_check_reads_and_judges_a_workbook(workbook_factory):
    report = check(workbook_factory(n_tenants=3))
    assert isinstance(report, Report)
    assert report.ruleset["id"] == "miit-2025-standard"
    assert report.verdict is Verdict.FAIL  # three tenants are not thirty
    assert next(c for c in report.clauses if c.id == "6.4.count").status is Status.FAIL


def test_read_then_check_submission_is_check(workbook_factory):
    path = workbook_factory(n_tenants=3)
    result = read_workbook(path)
    report = check_submission(result.submission, load_ruleset("miit-2025-standard"), result.findings)
    assert report.as_json() == check(path).as_json()


def test_an_unreadable_file_is_an_error_report_not_an_exception(tmp_path):
    path = tmp_path / "not-a-workbook.xlsx"
    path.write_bytes(b"plain text, not a zip")
    assert check(path).verdict is Verdict.ERROR
    with pytest.raises(WorkbookError):
        read_workbook(path)


@pytest.mark.parametrize("enabled", [True, False])
def test_check_gives_the_caller_its_garbage_collector_back_as_it_was(workbook_factory, monkeypatch, enabled):
    """A check pauses the cyclic collector (its passes over a large roster free nothing) and restores it."""
    import gc

    from incubator_check import _check

    seen = []
    original = _check._checked
    monkeypatch.setattr(_check, "_checked", lambda *a, **k: (seen.append(gc.isenabled()), original(*a, **k))[1])
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        check(workbook_factory())
        assert seen == [False] and gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()
