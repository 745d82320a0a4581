"""incubator-check: checks an incubator's application workbook against MIIT's 2025 accreditation criteria.

The public surface::

    from incubator_check import check, read_workbook, check_submission, load_ruleset

    report = check("申报表.xlsx")                        # read + judge, by the ruleset of its 申报级别
    report.verdict, [c.id for c in report.failed()]

    result = read_workbook("申报表.xlsx")                # the Submission and every Finding of the reader
    rules = load_ruleset("shenzhen-2025")                # a bundled id, or a path to a YAML ruleset
    report = check_submission(result.submission, rules, result.findings)

:class:`Report` (with :class:`ClauseResult`, :class:`Status`, :class:`Verdict`) is what a check returns,
:class:`Finding` a problem found in a workbook, and :class:`IncubatorCheckError` the base of the errors
raised on purpose (:class:`WorkbookError`, :class:`RulesetError`). Anything else — the modules whose names
start with ``_`` — is private and may change.

The names are imported on first use (PEP 562), not when the package is imported: ``import incubator_check``
loads nothing heavy, and ``incubator-check --help`` does not pay for pydantic, python-calamine or zen.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Public name → the module that defines it.
_EXPORTS = {
    "check": "._check",
    "check_submission": ".judge",
    "CheckOptions": ".judge",
    "read_workbook": ".workbook.reader",
    "ReadResult": ".workbook.reader",
    "Limits": ".workbook.guard",
    "load_ruleset": ".rules.ruleset",
    "Ruleset": ".rules.ruleset",
    "Report": ".report",
    "ClauseResult": ".report",
    "ConditionResult": ".report",
    "Status": ".report",
    "Verdict": ".report",
    "Finding": ".findings",
    "Severity": ".findings",
    "IncubatorCheckError": ".errors",
    "WorkbookError": ".errors",
    "RulesetError": ".errors",
    "Submission": ".model",
    "Profile": ".model",
    "Tenant": ".model",
    "StaffMember": ".model",
    "Fund": ".model",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # later look-ups are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # what type checkers and IDEs see; at run time the names come from __getattr__
    from ._check import check
    from .judge import CheckOptions, check_submission
    from .workbook.guard import Limits
    from .workbook.reader import ReadResult, read_workbook
    from .rules.ruleset import Ruleset, load_ruleset
    from .errors import IncubatorCheckError, RulesetError, WorkbookError
    from .findings import Finding, Severity
    from .model import Fund, Profile, StaffMember, Submission, Tenant
    from .report import ClauseResult, ConditionResult, Report, Status, Verdict
