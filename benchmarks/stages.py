"""Where the CPU of a warm 100-tenant check goes, stage by stage (issue 21). ``python benchmarks/stages.py [--tree CHECKOUT] [REPEATS]``

In one process, after a first check has imported everything and compiled the ruleset, each stage is timed
over REPEATS runs (default 200, in 10 batches) and the lowest batch mean of the process's CPU time
(``time.process_time``: a loaded machine stretches wall time more than CPU time) is printed in ms:

* read: the whole ``read_workbook`` (guard, calamine, value parsing, models), and inside it the tenants' models;
* judge: the whole ``check_submission``, and inside it the roster's rows for zen and the tenant call;
* JSON: ``Report.as_json`` and its text as ``check --format json`` writes it.

The stages inside another are measured by wrapping the function that does them, so their figures include the
wrapper's own cost (well under a microsecond a call).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))


def main() -> None:
    args = sys.argv[1:]
    if args[:1] == ["--tree"]:  # another revision's checkout (a `git worktree`), e.g. main, for the figures before
        root = os.path.realpath(args[1])
        args = args[2:]
        sys.meta_path[:] = [f for f in sys.meta_path if not getattr(f, "__module__", "").startswith("__editable__")]
        sys.path.insert(0, root)
    repeats = int(args[0]) if args else 200
    sys.path.insert(1, HERE)
    from _corpus import make_corpus  # after the revision's path: it imports the package
    folder = os.path.join(HERE, "_work", "check")
    path = make_corpus(folder, 1)[0]

    from incubator_check import judge, read_workbook
    from incubator_check.judge import context as judge_context, tenants as judge_tenants
    from incubator_check.rules.ruleset import load_ruleset
    from incubator_check.workbook import reader

    spent: dict[str, float] = defaultdict(float)

    def timed(module, name: str, label: str) -> None:
        original = getattr(module, name)

        def wrapper(*args, **kwargs):
            start = time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                spent[label] += time.process_time() - start

        setattr(module, name, wrapper)

    timed(reader, "_tenants", "read: tenants' models")
    # The roster as zen receives it: by column since issue 21 (tenant_columns), a dict per row before.
    timed(judge_tenants, "tenant_columns" if hasattr(judge_tenants, "tenant_columns") else "tenant_rows",
          "judge: roster for zen")
    timed(judge_tenants, "evaluate", "judge: tenant call (zen)")
    print("package:", os.path.dirname(judge_context.__file__.rsplit(os.sep, 2)[0]))

    try:  # the report as `check --format json` writes it (orjson where it gives the same bytes, issue 21)
        from incubator_check._text import dumps as text_dumps

        text_dumps({}, indent=True)
        write = lambda data: text_dumps(data, indent=True)  # noqa: E731
    except TypeError:  # a revision before it
        write = lambda data: json.dumps(data, ensure_ascii=False, indent=2)  # noqa: E731
    ruleset = load_ruleset("miit-2025-standard")
    as_of = dt.date(2026, 5, 1)
    options = judge.CheckOptions(as_of=as_of)

    def once() -> None:
        start = time.process_time()
        result = read_workbook(path)
        t1 = time.process_time()
        report = judge.check_submission(result.submission, ruleset, result.findings, options)
        t2 = time.process_time()
        data = report.as_json()
        t3 = time.process_time()
        write(data)
        t4 = time.process_time()
        spent["read (whole)"] += t1 - start
        spent["judge (whole)"] += t2 - t1
        spent["JSON: as_json"] += t3 - t2
        spent["JSON: dumps"] += t4 - t3

    for _ in range(5):
        once()
    # In 10 batches; each stage's figure is its lowest batch mean (the machine's other work only adds time).
    batches = 10
    size = max(1, repeats // batches)
    best: dict[str, float] = {}
    for _ in range(batches):
        spent.clear()
        for _ in range(size):
            once()
        for label, total in spent.items():
            best[label] = min(best.get(label, total), total)
    print(f"warm 100-tenant check, CPU ms, lowest mean of {batches} batches of {size}:")
    for label in ("read (whole)", "read: tenants' models", "judge (whole)", "judge: roster for zen",
                  "judge: tenant call (zen)", "JSON: as_json", "JSON: dumps"):
        print(f"  {label:32s} {best.get(label, 0.0) / size * 1000:7.3f}")

if __name__ == "__main__":
    main()
