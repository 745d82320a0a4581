"""Time bounds of the hostile corpus (docs/limits.md): each file read and checked in a fresh process within
TIME_LIMIT_S (5 s), `incubator-check check FILE --format json` within the same, and the guard alone within a
second; and the guard's answer the same screened as with the full scan only (issue 21: a refused file keeps its code). These were assertions in the tests; a test that fails because the machine is slow or busy (Wine, a
shared CI runner) says nothing about the file, so the tests hold the codes and the memory, and this holds the time.

    python benchmarks/hostile.py [FACTOR]       # FACTOR scales every bound (default 1; 2 on a slow machine)

Prints one line a file and exits 1 if any bound is passed. .ci/run runs it once, on Linux.
"""

from __future__ import annotations

import concurrent.futures as cf
import os
import sys
import tempfile
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent / "tests"
sys.path.insert(0, os.fspath(TESTS))

from hostile_corpus import build_corpus  # noqa: E402
from incubator_check import Limits  # noqa: E402
from test_guard_agreement import ISSUE_8, _answer, _cli_measured, guard_answer  # noqa: E402
from test_hostile import TIME_LIMIT_S, _run_child  # noqa: E402

GUARD_LIMIT_S = 1.0


def main(argv: list[str]) -> int:
    factor = float(argv[1]) if len(argv) > 1 else 1.0
    limit, guard_limit = TIME_LIMIT_S * factor, GUARD_LIMIT_S * factor
    over = []
    with tempfile.TemporaryDirectory(prefix="hostile-bench-") as work:
        corpus = build_corpus(Path(work) / "corpus")
        peaks = Path(work) / "peaks"
        peaks.mkdir()
        with cf.ThreadPoolExecutor(max_workers=2) as pool:  # as the tests run them: two at a time
            children = {name: pool.submit(_run_child, path, name != "pipe.xlsx") for name, path in corpus.items()}
            commands = {name: pool.submit(_cli_measured, corpus[name], peaks / f"{i}.txt")
                        for i, name in enumerate(ISSUE_8) if name in corpus}
        print(f"{'file':40} {'read+check':>11} {'command':>9} {'guard':>8}   (bounds {limit:g} s, {limit:g} s, "
              f"{guard_limit:g} s)")
        for name, path in corpus.items():
            child = children[name].result()
            if "failed" in child:
                over.append(f"{name}: {child['failed']}")
                continue
            seconds = child["read_seconds"] + child.get("check_seconds", 0.0)
            command = commands[name].result().get("seconds") if name in commands else None
            guard = guard_answer(os.fspath(path))[1] if name in ISSUE_8 else None
            shown = [f"{seconds:10.2f}s", f"{command:8.2f}s" if command is not None else f"{'':9}",
                     f"{guard:7.3f}s" if guard is not None else ""]
            print(f"{name:40} {shown[0]} {shown[1]} {shown[2]}")
            if seconds >= limit:
                over.append(f"{name}: read and check took {seconds:.2f} s (bound {limit:g} s)")
            if command is not None and command >= limit:
                over.append(f"{name}: the check command took {command:.2f} s (bound {limit:g} s)")
            if guard is not None and guard >= guard_limit:
                over.append(f"{name}: the guard took {guard:.3f} s (bound {guard_limit:g} s)")
            if path.is_file():
                data = path.read_bytes()
                if _answer(os.fspath(path), data, Limits(), False) != _answer(os.fspath(path), data, Limits(), True):
                    over.append(f"{name}: the screened guard answers otherwise than the full scan")
    for line in over:
        print("OVER", line)
    print(f"{len(corpus)} files, {len(over)} over their bound")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
