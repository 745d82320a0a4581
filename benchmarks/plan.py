"""The plan to pass (issue 20): its time per workbook against the check's own, and HiGHS against scipy's milp.

    python benchmarks/plan.py [--count 200]

For every failing fixture and ``--count`` generated failing submissions (tests/test_plan.py's generator): the
judge's time (check_submission), the plan's time (building the program, solving it, judging the copy), their
ratio (median and 90th percentile). Then the same programs solved by ``scipy.optimize.milp`` when scipy is
installed (it is not a dependency), and each solver's import time in a fresh process.
"""

from __future__ import annotations

import argparse
import pathlib
import random
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def _import_seconds(statement: str) -> float | None:
    best = None
    for _ in range(3):
        done = subprocess.run([sys.executable, "-c", f"import time; t = time.perf_counter(); {statement}; "
                               "print(time.perf_counter() - t)"], capture_output=True, text=True)
        if done.returncode:
            return None
        value = float(done.stdout.strip().splitlines()[-1])
        best = value if best is None else min(best, value)
    return best


def _scipy_solve(program):
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp

    n = len(program.variables)
    rows = [c for c in program.constraints if c.coeffs]
    a = np.zeros((len(rows), n))
    for r, c in enumerate(rows):
        for i, v in c.coeffs.items():
            a[r, i] = float(v)
    lower = np.array([float(c.rhs) for c in rows])
    cost = np.array([float(v.cost) for v in program.variables])
    result = milp(cost, integrality=np.ones(n), bounds=Bounds(0, [v.upper for v in program.variables]),
                  constraints=[LinearConstraint(a, lower, np.inf)] if rows else [])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    args = parser.parse_args(argv)

    from test_plan import STANDARD, _random_failing

    from incubator_check.judge import check_submission
    from incubator_check.plan import PlanOptions, plan_submission
    from incubator_check.plan.levers import load_levers
    from incubator_check.plan.program import build_program
    from incubator_check.plan.solve import solve
    from incubator_check.workbook.reader import read_workbook

    subs = []
    for name in ("standard-fail-tenants", "standard-fail-area", "standard-fail-revenue"):
        subs.append(read_workbook(str(ROOT / "fixtures" / f"{name}.xlsx")).submission)
    rng = random.Random(9)
    while len(subs) < args.count + 3:
        sub = _random_failing(rng)
        if check_submission(sub, STANDARD).verdict.value == "FAIL":
            subs.append(sub)
    solve(build_program(subs[0], STANDARD, check_submission(subs[0], STANDARD), load_levers(STANDARD)))  # warm: import

    checks, plans, ratios, solves, programs = [], [], [], [], []
    for sub in subs:
        t0 = time.perf_counter()
        report = check_submission(sub, STANDARD)
        t1 = time.perf_counter()
        plan = plan_submission(sub, STANDARD, report, PlanOptions())
        t2 = time.perf_counter()
        checks.append(t1 - t0)
        plans.append(t2 - t1)
        ratios.append((t2 - t1) / (t1 - t0))
        if plan["status"] == "plan":
            solves.append(plan["timing_ms"]["solve"] / 1000)
            programs.append(build_program(sub, STANDARD, report, load_levers(STANDARD)))

    def ms(values):
        values = sorted(values)
        return f"median {statistics.median(values) * 1000:.1f} ms, p90 {values[int(len(values) * 0.9)] * 1000:.1f} ms"

    print(f"{len(subs)} failing submissions ({len(programs)} with a plan)")
    print(f"check (judge):           {ms(checks)}")
    print(f"plan (model+solve+judge): {ms(plans)}")
    print(f"  of which HiGHS solves:  {ms(solves)}")
    ratios.sort()
    print(f"plan / check ratio:      median {statistics.median(ratios):.2f}, p90 {ratios[int(len(ratios) * 0.9)]:.2f}")
    print(f"import highspy:          {_import_seconds('import highspy'):.3f} s (best of 3, fresh process)")
    scipy_import = _import_seconds("from scipy.optimize import milp")
    if scipy_import is None:
        print("scipy not installed: no comparison")
        return 0
    print(f"import scipy milp:       {scipy_import:.3f} s (best of 3, fresh process)")
    times, disagree = [], 0
    for program in programs:
        t0 = time.perf_counter()
        result = _scipy_solve(program)
        times.append(time.perf_counter() - t0)
        x = solve(program)
        if result.x is None or abs(float(program.cost(x)) - result.fun) > 1e-6:
            disagree += 1
    print(f"scipy milp (one stage):  {ms(times)}; cost differs from ours on {disagree} of {len(programs)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
