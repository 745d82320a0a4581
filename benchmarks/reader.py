"""Reader speed: files per second for incubator-check's reader (read, parse, validate into models) and for bare
python-calamine reading the same files, measured in one run.

    python benchmarks/reader.py [N]        # N workbooks of 100 tenants (default 200)

Goal (issue 2): the project's reader within 2x of the bare read.
"""

from __future__ import annotations

import os
import sys
import time

import python_calamine

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _corpus import as_installed, make_corpus  # noqa: E402

from incubator_check import read_workbook  # noqa: E402


def bare_read(path: str) -> int:
    """What any reader must do at least: open the workbook and turn every sheet into Python rows."""
    book = python_calamine.CalamineWorkbook.from_path(path)
    cells = 0
    for name in book.sheet_names:
        rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        cells += sum(len(r) for r in rows)
    book.close()
    return cells


def project_read(path: str) -> int:
    result = read_workbook(path)
    assert result.submission is not None and not result.errors, result.findings
    return len(result.submission.tenants)


def timed(fn, paths: list[str], rounds: int = 3) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for p in paths:
            fn(p)
        best = min(best, time.perf_counter() - start)
    return len(paths) / best


def main() -> None:
    as_installed()
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    folder = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_work", f"reader-{count}")
    paths = make_corpus(folder, count)
    project_read(paths[0])  # warm-up: imports and caches
    bare = timed(bare_read, paths)
    ours = timed(project_read, paths)
    print(f"workbooks: {count} x 100 tenants ({os.path.getsize(paths[0]) // 1024} KiB each)")
    print(f"bare python-calamine read : {bare:8.1f} files/s")
    print(f"incubator-check reader    : {ours:8.1f} files/s")
    print(f"ratio (bare / ours)       : {bare / ours:8.2f}x   goal: <= 2x")


if __name__ == "__main__":
    main()
