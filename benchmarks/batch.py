"""Batch speed: files per second for `incubator-check batch` against bare python-calamine reading of the same
files, measured in one run, for each --jobs value; and the peak memory of the batch process tree.

    python benchmarks/batch.py [N] [JOBS ...]      # default: 1000 workbooks of 100 tenants, jobs 1 and 2

Goals (issue 4): batch within 2x of the bare read; 16,000 workbooks in under 3 minutes (extrapolated).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _corpus import as_installed, make_corpus  # noqa: E402
from reader import bare_read  # noqa: E402


def run_batch(folder: str, jobs: int, out: str) -> tuple[float, int]:
    """Wall time of one batch process (start to exit) and the peak RSS of it and its workers, in KiB."""
    script = (
        "import resource, subprocess, sys, time\n"
        "start = time.perf_counter()\n"
        "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
        "wall = time.perf_counter() - start\n"
        "print(wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    cmd = [sys.executable, "-c", script, sys.executable, "-m", "incubator_check", "batch", folder,
           "--format", "json", "--output", out, "--jobs", str(jobs)]
    wall, rss = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.split()
    return float(wall), int(rss)


def main() -> None:
    as_installed()
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    jobs_list = [int(j) for j in sys.argv[2:]] or [1, 2]
    work = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_work")
    folder = os.path.join(work, f"batch-{count}")
    paths = make_corpus(folder, count)
    for template in [p for p in os.listdir(folder) if p.startswith("_template")]:
        os.remove(os.path.join(folder, template))  # the batch folder holds exactly N applications
    bare_read(paths[0])
    start = time.perf_counter()
    for p in paths:
        bare_read(p)
    bare = count / (time.perf_counter() - start)
    print(f"{count} workbooks x 100 tenants, {os.cpu_count()} CPUs")
    print(f"bare python-calamine read (1 process)     : {bare:7.1f} files/s")
    outputs = {}
    for jobs in jobs_list:
        out = os.path.join(work, f"batch-{count}-jobs{jobs}.jsonl")
        wall, rss = run_batch(folder, jobs, out)
        rate = count / wall
        outputs[jobs] = open(out, "rb").read()
        print(f"incubator-check batch --jobs {jobs}          : {rate:7.1f} files/s  "
              f"(ratio bare/batch {bare / rate:4.2f}x, peak RSS per process {rss / 1024:6.1f} MiB, "
              f"16,000 workbooks in ~{16000 / rate:5.0f} s)")
    if len(outputs) > 1:
        same = len({v for v in outputs.values()}) == 1
        print(f"JSON Lines identical across --jobs: {same}")


if __name__ == "__main__":
    main()
