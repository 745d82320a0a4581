"""The plan's integer program solved by HiGHS (``highspy``), imported only when a plan is asked for.

Two solves: the least total cost, then, among plans of that cost, the fewest changes (a change is a lever
variable that is not zero). Costs are scaled to whole numbers, so "of that cost" is exact. The answer is
rounded to whole numbers and checked exactly (:meth:`Program.feasible`) before anyone sees it; the real judge
checks it again (``plan/__init__``).
"""

from __future__ import annotations

import math
import os
import sys
import threading
from fractions import Fraction
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .program import Program

__all__ = ["solve", "SOLVER"]

SOLVER = "HiGHS (highspy)"


def _whole(costs: list[Fraction]) -> list[int]:
    scale = math.lcm(*(c.denominator for c in costs)) if costs else 1
    return [int(c * scale) for c in costs]


_LOCK = threading.Lock()
_HIGHS: list = []


def _quietly_made():
    """One HiGHS object per process, made with the C++ banner it prints on file descriptor 1 sent to the null
    device (``check --plan --format json`` writes the report to standard output; the banner would corrupt it)."""
    if not _HIGHS:
        import highspy

        sys.stdout.flush()
        saved = os.dup(1)
        try:
            with open(os.devnull, "wb") as null:
                os.dup2(null.fileno(), 1)
                _HIGHS.append(highspy.Highs())
        finally:
            os.dup2(saved, 1)
            os.close(saved)
    return _HIGHS[0]


def _model(program: "Program", objective: list[float], extra_cols: int = 0):
    import highspy
    import numpy as np

    h = _quietly_made()
    h.clearModel()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("threads", 1)
    n = len(program.variables) + extra_cols
    uppers = [float(v.upper) for v in program.variables] + [1.0] * extra_cols
    h.addCols(n, np.array(objective, dtype=np.float64), np.zeros(n), np.array(uppers, dtype=np.float64),
              0, np.array([], dtype=np.int32), np.array([], dtype=np.int32), np.array([], dtype=np.float64))
    h.changeColsIntegrality(n, np.arange(n, dtype=np.int32),
                            np.array([highspy.HighsVarType.kInteger] * n))
    for c in program.rows():
        if not c.coeffs:
            continue
        idx = np.array(list(c.coeffs), dtype=np.int32)
        val = np.array([float(v) for v in c.coeffs.values()], dtype=np.float64)
        h.addRow(float(c.rhs), highspy.kHighsInf, len(idx), idx, val)
    return h


def _run(h) -> list[float] | None:
    import highspy

    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    return list(h.getSolution().col_value)


def solve(program: "Program") -> list[int] | None:
    """The cheapest plan, fewest changes among the cheapest; None when no plan meets every constraint."""
    if any(not c.coeffs and c.rhs > 0 for c in program.rows()):
        return None
    if not program.variables:
        return []
    with _LOCK:  # one HiGHS object per process: a web server's threads take turns
        return _solved(program)


def _solved(program: "Program") -> list[int] | None:
    import highspy
    import numpy as np

    costs = _whole([v.cost for v in program.variables])
    first = _run(_model(program, [float(c) for c in costs]))
    if first is None:
        return None
    x = [round(v) for v in first[: len(program.variables)]]
    best = sum(c * n for c, n in zip(costs, x))
    if program.feasible(x) and program.changes(x) <= 1:
        return x  # one change (or none) is already the fewest
    # Fewest changes among the plans of that cost: one 0/1 indicator per lever variable, x ≤ upper · indicator.
    levers = [i for i, v in enumerate(program.variables) if v.kind != "choice" and v.upper > 0]
    h = _model(program, [0.0] * len(program.variables) + [1.0] * len(levers), extra_cols=len(levers))
    base = len(program.variables)
    for k, i in enumerate(levers):
        h.addRow(-highspy.kHighsInf, 0.0, 2, np.array([i, base + k], dtype=np.int32),
                 np.array([1.0, -float(program.variables[i].upper)], dtype=np.float64))
    nonzero = [i for i, c in enumerate(costs) if c]
    h.addRow(-highspy.kHighsInf, best + 0.5, len(nonzero), np.array(nonzero, dtype=np.int32),
             np.array([float(costs[i]) for i in nonzero], dtype=np.float64))
    second = _run(h)
    if second is not None:
        y = [round(v) for v in second[: len(program.variables)]]
        if program.feasible(y) and sum(c * n for c, n in zip(costs, y)) <= best:
            x = y
    return x if program.feasible(x) else _repaired(program, first)


def _repaired(program: "Program", values: list[float]) -> list[int] | None:
    """A float answer that rounding broke (a tolerance of the solver): rounded up instead, if that holds."""
    x = [min(v.upper, math.ceil(f - 1e-9)) for v, f in zip(program.variables, values)]
    return x if program.feasible(x) else None
