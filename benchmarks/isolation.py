"""What the supervised reader costs: per check, per batch, and in memory, against baselines in the same run.

    python benchmarks/isolation.py [RUNS] [N]        # default: 7 runs, a batch of 1000 100-tenant workbooks (N=0: none)

Prints, each as min and median of RUNS:
- one check in a warm process: in-process (``check_with_submission``) against the same check in a worker of a
  running ``ReaderPool`` (the parent reads the bytes, the worker guards, parses, judges and returns JSON);
- one ``incubator-check check`` process, start to exit (it starts a one-worker pool), against a process that
  runs the same check in-process and prints the same JSON, and against a bare python-calamine read process;
- a batch of N at ``--jobs 2`` against a bare python-calamine read of the same N files (one process), and the
  peak resident memory of the batch's largest process (a worker, or the parent).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _corpus import as_installed, make_corpus  # noqa: E402
from batch import run_batch as batch_run  # noqa: E402
from reader import bare_read  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
IN_PROCESS = ("import json, sys\n"
              "from incubator_check._check import check\n"
              "print(json.dumps(check(sys.argv[1]).as_json(), ensure_ascii=False, indent=2))\n")
BARE = ("import sys, python_calamine\n"
        "wb = python_calamine.CalamineWorkbook.from_path(sys.argv[1])\n"
        "[wb.get_sheet_by_name(n).to_python() for n in wb.sheet_names]\n")


def stats(values: list[float]) -> str:
    return f"min {min(values) * 1000:7.2f} ms, median {statistics.median(values) * 1000:7.2f} ms"


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def warm_checks(path: str, runs: int) -> tuple[list[float], list[float]]:
    from incubator_check._check import check_with_submission
    from incubator_check._supervise import ReaderPool

    inproc, pooled = [], []
    check_with_submission(path)
    with ReaderPool(workers=1) as pool:
        pool.check(path)
        for _ in range(runs):
            for _ in range(20):
                start = time.perf_counter()
                check_with_submission(path)
                inproc.append(time.perf_counter() - start)
                start = time.perf_counter()
                pool.check(path)
                pooled.append(time.perf_counter() - start)
    return inproc, pooled


def check_processes(path: str, runs: int) -> tuple[list[float], list[float], list[float]]:
    """Wall times of RUNS processes each: ``incubator-check check`` (supervised), the same check in-process,
    and a bare python-calamine read of the same file, interleaved so that the machine's load hits all three."""
    timed([sys.executable, "-m", "incubator_check", "check", path, "--format", "json"])  # writes the bytecode cache
    cli, same, bare = [], [], []
    for _ in range(runs):
        cli.append(timed([sys.executable, "-m", "incubator_check", "check", path, "--format", "json"]))
        same.append(timed([sys.executable, "-c", IN_PROCESS, path]))
        bare.append(timed([sys.executable, "-c", BARE, path]))
    return cli, same, bare


def batch_against_bare(count: int, rounds: int) -> list[tuple[float, float, float]]:
    """(batch wall s, bare-read wall s, peak RSS MiB of the largest process) of a batch of COUNT at --jobs 2 and
    a one-process bare read of the same files, ROUNDS times."""
    folder = os.path.join(HERE, "_work", f"batch-{count}")
    paths = make_corpus(folder, count)
    for extra in [p for p in os.listdir(folder) if p.startswith("_template")]:
        os.remove(os.path.join(folder, extra))
    paths = [p for p in paths if os.path.exists(p)]
    found = []
    for _ in range(rounds):
        bare_read(paths[0])
        start = time.perf_counter()
        for p in paths:
            bare_read(p)
        bare_wall = time.perf_counter() - start
        wall, rss = batch_run(folder, 2, os.path.join(HERE, "_work", "isolation.jsonl"))
        found.append((wall, bare_wall, rss / 1024))
    return found


def main() -> None:
    as_installed()
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    path = make_corpus(os.path.join(HERE, "_work", "check"), 1)[0]
    print(f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}, {runs} runs")

    inproc, pooled = warm_checks(path, runs)
    print(f"warm check, in-process          : {stats(inproc)}")
    print(f"warm check, in a pool worker    : {stats(pooled)}")
    print(f"  isolation per check (median)  : {(statistics.median(pooled) - statistics.median(inproc)) * 1000:+.2f} ms")

    cli, same, bare = check_processes(path, runs)
    print(f"check process, supervised       : {stats(cli)}")
    print(f"check process, in-process       : {stats(same)}")
    print(f"bare-read process               : {stats(bare)}")
    print(f"  isolation per check process   : {(statistics.median(cli) - statistics.median(same)) * 1000:+.1f} ms (median)"
          f"; check/bare {statistics.median(cli) / statistics.median(bare):.1f}x")
    if count <= 0:
        return
    found = batch_against_bare(count, max(1, runs // 3))
    for wall, bare_wall, rss in found:
        print(f"batch of {count} --jobs 2: {count / wall:6.1f} files/s; bare read {count / bare_wall:6.1f} files/s; "
              f"ratio {wall / bare_wall:.2f}x; peak RSS of the largest process {rss:.0f} MiB")
    ratios = [wall / bare_wall for wall, bare_wall, _ in found]
    print(f"  batch/bare ratio: min {min(ratios):.2f}x, median {statistics.median(ratios):.2f}x; "
          f"peak per process {max(r for _, _, r in found):.0f} MiB")


if __name__ == "__main__":
    main()
