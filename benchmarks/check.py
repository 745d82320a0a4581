"""Time of one `incubator-check check` of a 100-tenant workbook, process start to exit, and where it goes.

    python benchmarks/check.py [RUNS]

Prints: the whole command (best and median of RUNS process runs), the import of the package, and in one
process: reading the workbook, loading and compiling the ruleset, judging (with the zen calls' share).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _corpus import as_installed, make_corpus  # noqa: E402


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def main() -> None:
    as_installed()
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    folder = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_work", "check")
    path = make_corpus(folder, 1)[0]
    exe = [sys.executable, "-m", "incubator_check", "check", path, "--format", "json"]
    subprocess.run(exe, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)  # bytecode cache
    walls = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(exe, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        walls.append(time.perf_counter() - start)
    baseline = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        baseline.append(time.perf_counter() - start)
    imports = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import incubator_check.cli, incubator_check._check"], check=True)
        imports.append(time.perf_counter() - start)

    # In one process: the stages of a check, with the time spent inside zen counted separately.
    import importlib
    import pkgutil

    from incubator_check import _engine, judge, read_workbook
    from incubator_check.rules.compile import compile_ruleset
    from incubator_check.rules.ruleset import load_ruleset

    zen_time = [0.0]
    original = _engine.evaluate

    def counted(compiled, context):
        start = time.perf_counter()
        try:
            return original(compiled, context)
        finally:
            zen_time[0] += time.perf_counter() - start

    # Every judge module that calls zen holds its own reference to `evaluate`: count each.
    for info in [None, *pkgutil.iter_modules(judge.__path__)]:
        module = judge if info is None else importlib.import_module(f"incubator_check.judge.{info.name}")
        if getattr(module, "evaluate", None) is original:
            module.evaluate = counted
    t0 = time.perf_counter()
    result = read_workbook(path)
    t1 = time.perf_counter()
    ruleset = load_ruleset("miit-2025-standard")
    compile_ruleset(ruleset)
    t2 = time.perf_counter()
    report = judge.check_submission(result.submission, ruleset, result.findings)
    t3 = time.perf_counter()
    judge_first, zen_first = t3 - t2, zen_time[0]
    zen_time[0] = 0.0
    repeats = 50
    t4 = time.perf_counter()
    for _ in range(repeats):
        judge.check_submission(result.submission, ruleset, result.findings)
    judge = (time.perf_counter() - t4) / repeats
    zen = zen_time[0] / repeats

    print(f"workbook: 100 tenants, verdict {report.verdict.value}")
    print(f"`incubator-check check` process, start to exit: best {ms(min(walls))}, median {ms(statistics.median(walls))}")
    print(f"  python -c pass (interpreter start)        : {ms(min(baseline))}")
    print(f"  importing the package                     : {ms(min(imports) - min(baseline))}")
    print(f"  reading the workbook                      : {ms(t1 - t0)}")
    print(f"  loading and compiling the ruleset         : {ms(t2 - t1)}")
    print(f"  judging (first call)                      : {ms(judge_first)}  of which zen {ms(zen_first)}")
    print(f"  judging (warm, mean of {repeats})              : {ms(judge)}  of which zen {ms(zen)} ({zen / judge:.0%})")
    print(f"engine share of the whole command           : {(zen_first + (t2 - t1)) / min(walls):.0%} "
          f"(zen calls plus ruleset compile, of the best process time)")


if __name__ == "__main__":
    main()
