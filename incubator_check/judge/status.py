"""The status lattice: how a condition, a clause and a submission get PASS, FAIL, MISSING or REVIEW.

A figure has a lowest ("worst") and a highest ("best") possible value given the blank cells. A condition
passes when even the worst passes, fails when even the best fails, and is MISSING only in between: a blank
that cannot change the result does not matter. A clause combines its conditions with Kleene AND ("all")
or OR ("any"); the submission's verdict is FAIL if any clause fails, else INCOMPLETE if any is MISSING or a
finding is an error.
"""

from __future__ import annotations

from ..report import Status, Verdict


def from_bounds(worst_passes: bool, best_passes: bool) -> Status:
    """A condition's status from its comparisons at the worst and at the best figure."""
    if worst_passes:
        return Status.PASS
    if not best_passes:
        return Status.FAIL
    return Status.MISSING


def agreed(a: Status, b: Status) -> Status:
    """The status when it is not known which of two readings applies (relaxed or not): MISSING unless they agree."""
    return a if a == b else Status.MISSING


def combined(statuses: list[Status], how: str) -> Status:
    """A clause's status from its conditions': Kleene ``all`` or ``any``."""
    if how == "any":
        if Status.PASS in statuses:
            return Status.PASS
        return Status.MISSING if Status.MISSING in statuses else Status.FAIL
    if Status.FAIL in statuses:
        return Status.FAIL
    return Status.MISSING if Status.MISSING in statuses else Status.PASS


def verdict(statuses: list[Status], errors: bool = False) -> Verdict:
    """The submission's verdict (report.md): FAIL if any clause fails; otherwise INCOMPLETE if any clause is
    MISSING or any finding is an error — the workbook must be corrected before it is filed, even where no clause
    reads the bad cell; otherwise PASS (REVIEW items do not stop it)."""
    if Status.FAIL in statuses:
        return Verdict.FAIL
    if Status.MISSING in statuses or errors:
        return Verdict.INCOMPLETE
    return Verdict.PASS
