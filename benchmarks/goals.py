"""Issue 9's speed goals (item 6), all measured in one run, each against its baseline measured in the same run.

    python benchmarks/goals.py [RUNS]        # default: 7 runs of the processes, 2 batches, 3 runs of the scale

1. a batch of 1,000 distinct 100-tenant workbooks at ``--jobs 2`` within 2.5× a bare python-calamine read of
   the same files (one process), the goal beyond it 2.0× (``isolation.batch_against_bare``);
2. one ``check`` process within 8× a bare-read process of the same file (``isolation.check_processes``);
3. the cost per row flat from 1,000 to 50,000 tenants, and 4. memory within 3× the bare read at 50,000
   (``scale.py``, every measurement in a fresh process; its full tables are printed too).

Prints min and median (the machine is shared and noisy: compare the ratios, which come from one run).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from _corpus import as_installed, make_corpus  # noqa: E402
from isolation import batch_against_bare, check_processes  # noqa: E402


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main() -> None:
    as_installed()
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    print(f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}", flush=True)
    path = make_corpus(os.path.join(HERE, "_work", "check"), 1)[0]
    cli, _, bare = check_processes(path, runs)
    ratios = sorted(c / b for c, b in zip(cli, bare))
    check_line = (f"one check process: {min(cli) * 1000:.0f} / {statistics.median(cli) * 1000:.0f} ms (min / median), "
                  f"bare-read process {min(bare) * 1000:.0f} / {statistics.median(bare) * 1000:.0f} ms; "
                  f"ratio of medians {statistics.median(cli) / statistics.median(bare):.1f}x "
                  f"(per run: min {ratios[0]:.1f}x, median {statistics.median(ratios):.1f}x) — goal 8x: "
                  f"{verdict(statistics.median(cli) / statistics.median(bare) <= 8)}")
    print(check_line, flush=True)
    found = batch_against_bare(1000, 2)
    batch = sorted(wall / bare_wall for wall, bare_wall, _ in found)
    batch_line = (f"batch of 1,000 at --jobs 2: {1000 / min(w for w, _, _ in found):.0f} files/s best; ratio to the bare "
                  f"read min {batch[0]:.2f}x, median {statistics.median(batch):.2f}x; peak "
                  f"{max(r for _, _, r in found):.0f} MiB per process — goal 2.5x: {verdict(batch[0] <= 2.5)}"
                  f" (beyond: 2.0x {verdict(batch[0] <= 2.0)})")
    print(batch_line, flush=True)
    scale = subprocess.run([sys.executable, os.path.join(HERE, "scale.py"), str(max(1, runs // 2))],
                           capture_output=True, text=True, check=True).stdout
    print(scale)
    print("summary")
    print("  " + batch_line)
    print("  " + check_line)
    label = ""
    for line in scale.splitlines():
        if line.startswith(("min of", "median of")):
            label = line.split(" of ", 1)[0]
        elif line.startswith("goal:"):
            print(f"  scale ({label} of runs) " + line[len("goal:"):].strip())


if __name__ == "__main__":
    main()
