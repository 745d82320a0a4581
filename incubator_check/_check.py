"""One workbook in, one report out: read, choose the ruleset, judge; an unreadable file is an ERROR report."""

from __future__ import annotations

import datetime as dt
import hashlib
import os

from ._evaluate import CheckOptions, check_submission
from ._reader import read_workbook
from ._ruleset import Ruleset, default_for_level, load_ruleset
from .errors import WorkbookError
from .findings import Finding, Severity
from .model import Submission
from .report import Report, Verdict


def _file_sha256(path: str) -> str | None:
    if not os.path.isfile(path):  # a folder or a named pipe: nothing to hash, and reading a pipe would block
        return None
    try:
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest() if hasattr(hashlib, "file_digest") else hashlib.sha256(handle.read()).hexdigest()
    except OSError:
        return None


def error_report(path: str, finding: Finding, lang: str = "zh", findings: list[Finding] | None = None) -> Report:
    """The report of a workbook that cannot be checked at all."""
    all_findings = findings or [finding]
    return Report(source={"path": path, "sha256": _file_sha256(path)}, verdict=Verdict.ERROR,
                  error={"code": finding.code, "message": finding.message(lang), "message_zh": finding.message_zh,
                         "message_en": finding.message_en},
                  findings=[f.as_json(lang) for f in all_findings], lang=lang)


def check(path: str | os.PathLike[str], ruleset: str | Ruleset | None = None, *, lang: str = "zh",
          as_of: dt.date | None = None) -> Report:
    """Check one workbook against a ruleset (by default the one for its 申报级别) and return the report."""
    return check_with_submission(path, ruleset, lang=lang, as_of=as_of)[0]


def check_with_submission(path: str | os.PathLike[str], ruleset: str | Ruleset | None = None, *, lang: str = "zh",
                          as_of: dt.date | None = None) -> tuple[Report, Submission | None]:
    """:func:`check`, also returning the submission it read (None when the workbook could not be read)."""
    path = os.fspath(path)
    try:
        result = read_workbook(path, today=as_of)
    except WorkbookError as exc:
        return error_report(path, exc.finding, lang), None
    if result.submission is None:
        fatal = next(f for f in result.findings if f.severity is Severity.ERROR)
        return error_report(path, fatal, lang, result.findings), None
    submission = result.submission
    if ruleset is None:
        level = submission.profile.level.value if submission.profile.level else None
        ruleset = load_ruleset(default_for_level(level))
    elif isinstance(ruleset, str):
        ruleset = load_ruleset(ruleset)
    report = check_submission(submission, ruleset, result.findings, CheckOptions(lang=lang, as_of=as_of))
    return report, submission
