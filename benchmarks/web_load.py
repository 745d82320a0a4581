"""Load on the web app: N clients posting one workbook to /api/check, latency percentiles and the server's memory.

    python benchmarks/web_load.py [--requests 60] [--clients 1,4,16] [--source DIR] [--route /api/check|/check]

Starts ``incubator-check serve`` (from ``--source``, a checkout, by default this one) on a free port, sends
``--requests`` checks per client count, and prints p50/p95/p99 (ms), errors, the resident memory of the
server and its workers after each round (from /proc; Linux), and the machine's 1-minute load average at the
end of the round (on a shared machine the figures mean little without it). Used for issue 16's before/after
figures; ``--route /check`` measures the page's upload instead (one workbook judged and its report stored in both
languages, answered by a redirect to the report page); to compare two checkouts, alternate them (before, after,
before, after) so both see the same load.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import http.client
import os
import re
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BODY_FILE = ROOT / "fixtures" / "standard-pass.xlsx"


def _tree_rss(pid: int) -> int:
    """Resident bytes of a process and its children."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_bytes().rsplit(b")", 1)[1].split()
            if int(entry) != pid and int(stat[1]) != pid:
                continue
            total += int(Path(f"/proc/{entry}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            continue
    return total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--clients", default="1,4,16")
    parser.add_argument("--source", default=str(ROOT))
    parser.add_argument("--route", default="/api/check", choices=["/api/check", "/check"])
    args = parser.parse_args()
    data = BODY_FILE.read_bytes()  # before the server starts: a failure here leaves no server running
    env = {**os.environ, "PYTHONPATH": args.source}
    proc = subprocess.Popen([sys.executable, "-c", "from incubator_check.web._serve import serve; serve()", "--no-browser",
                             "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    port = int(re.search(r":(\d+)/", proc.stdout.readline()).group(1))
    boundary = uuid.uuid4().hex
    field = "file" if args.route == "/api/check" else "files"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="申报表.xlsx"\r\n\r\n').encode() + data \
        + f"\r\n--{boundary}--\r\n".encode()
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}

    def one() -> tuple[float, int]:
        started = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        connection.request("POST", args.route, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        connection.close()
        ok = response.status == (200 if args.route == "/api/check" else 303)  # /check answers with the report page's address
        return (time.perf_counter() - started) * 1000, 200 if ok else response.status

    try:
        for _ in range(5):
            one()  # warm-up: the pool starts
        print(f"source {args.source}; {args.requests} checks per round, POST {args.route}")
        print(f"load average before: {os.getloadavg()[0]:.2f} (cores: {os.cpu_count()})")
        print("clients  p50 ms  p95 ms  p99 ms  errors  RSS MiB (server + workers)  load")
        for clients in [int(c) for c in args.clients.split(",")]:
            with cf.ThreadPoolExecutor(clients) as pool:
                results = list(pool.map(lambda _: one(), range(args.requests)))
            times = sorted(t for t, _ in results)
            q = statistics.quantiles(times, n=100, method="inclusive")
            errors = sum(1 for _, s in results if s != 200)
            print(f"{clients:7d} {q[49]:7.1f} {q[94]:7.1f} {q[98]:7.1f} {errors:7d}  {_tree_rss(proc.pid) / 2**20:8.1f}"
                  f"                    {os.getloadavg()[0]:5.2f}", flush=True)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
