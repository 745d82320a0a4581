"""incubator-check: checks an incubator's application workbook against MIIT's 2025 accreditation criteria.

The public surface is small: :func:`read_workbook` reads a submission,
:func:`check` judges it against a ruleset, and the exceptions of :mod:`.errors`.
"""

from ._reader import ReadResult, read_workbook
from ._guard import Limits
from .errors import IncubatorCheckError, RulesetError, WorkbookError
from .findings import Finding, Severity
from .model import Fund, Profile, StaffMember, Submission, Tenant

__version__ = "0.1.0"

__all__ = [
    "Finding",
    "Fund",
    "IncubatorCheckError",
    "Limits",
    "Profile",
    "ReadResult",
    "RulesetError",
    "Severity",
    "StaffMember",
    "Submission",
    "Tenant",
    "WorkbookError",
    "read_workbook",
    "__version__",
]
