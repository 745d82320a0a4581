"""Issue 21's speed goals (item 6), from a regular install, each against its baseline measured in the same run.

    python benchmarks/goals.py [--runs 5] [--batch 1000] [--scale 1000 5000 10000 50000] [--no-scale]
                               [--baseline-ref main] [--venv DIR] [--work DIR]

The checkout is installed with ``pip install <checkout>`` (a regular install, never editable: an editable
install's path finder adds ~13 ms to every process, the bare read's included) into a venv of its own under
``benchmarks/_work/goals/`` (kept between runs; only the package is reinstalled). ``--baseline-ref REF`` also
installs ``git archive REF`` of this repository into a second venv and measures it in the same rounds, so that
main before and after a change are compared on one machine at one time.

Every measurement is a fresh process, run by a small wrapper that waits for it with ``wait4``: wall time, CPU
time (user + system of the process and of every descendant it waited for: the batch's workers too) and peak
resident memory. Runs alternate A/B: the bare python-calamine read and incubator-check (and each checkout) take
turns, so the machine's load falls on both. Each figure is printed as min and median over the runs, with the
1-minute load average seen during them (min / median / max, sampled every second).

Goals (issue 21):

1. a batch of N (1,000) distinct 100-tenant workbooks at ``--jobs 2`` within 2.5x a bare python-calamine read of
   the same files in one process (stretch: 2.0x);
2. one ``check`` process within 12x a bare-read process of the same file;
3. the cost per row flat from 1,000 to 50,000 tenants, and 4. memory within 3x the bare read (``scale.py``, run
   by the installed venv's interpreter; its own table is printed too).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

#: A bare read: python-calamine opens each file and turns every sheet into Python rows (what any reader must do).
BARE = ("import sys, os, python_calamine\n"
        "paths = sys.argv[1:] if len(sys.argv) > 2 or not os.path.isdir(sys.argv[1]) else "
        "sorted(os.path.join(sys.argv[1], n) for n in os.listdir(sys.argv[1]) if n.endswith('.xlsx'))\n"
        "for p in paths:\n"
        "    wb = python_calamine.CalamineWorkbook.from_path(p)\n"
        "    [wb.get_sheet_by_name(n).to_python(skip_empty_area=False) for n in wb.sheet_names]\n"
        "    wb.close()\n")
#: The measuring wrapper (as scale.py's): spawn, wait4, write wall, CPU and peak RSS (KiB) of the tree it waited for.
WRAPPER = ("import os, sys, time\n"
           "start = time.perf_counter()\n"
           "pid = os.posix_spawn(sys.argv[2], sys.argv[2:], os.environ)\n"
           "_, status, usage = os.wait4(pid, 0)\n"
           "wall = time.perf_counter() - start\n"
           "with open(sys.argv[1], 'w') as f:\n"
           "    f.write(f'{wall} {usage.ru_utime + usage.ru_stime} {usage.ru_maxrss} "
           "{os.waitstatus_to_exitcode(status)}')\n")


class Load:
    """The 1-minute load average, sampled every second while measurements run."""

    def __init__(self):
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append(os.getloadavg()[0])
            self._stop.wait(1.0)

    def __enter__(self) -> "Load":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def __str__(self) -> str:
        s = self.samples or [os.getloadavg()[0]]
        return f"load average {min(s):.1f} / {statistics.median(s):.1f} / {max(s):.1f} (min / median / max)"


# --- installing a checkout -----------------------------------------------------------------------------------------

def source_of(ref: str | None, work: str) -> str:
    """The folder to install: this checkout, or ``git archive REF`` of its repository unpacked under ``work``."""
    if ref is None:
        return ROOT
    folder = os.path.join(work, "src-" + ref.replace("/", "_"))
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    archive = subprocess.run(["git", "-C", ROOT, "archive", "--format=tar", ref], capture_output=True, check=True).stdout
    tar = os.path.join(work, "src.tar")
    with open(tar, "wb") as handle:
        handle.write(archive)
    with tarfile.open(tar) as t:
        t.extractall(folder, filter="data")
    os.remove(tar)
    return folder


def install(source: str, venv: str) -> str:
    """``pip install source`` (regular, not editable) into ``venv``, made if missing; its interpreter. A venv made
    before is reused and only the package reinstalled (its dependencies are already there)."""
    python = os.path.join(venv, "bin", "python")
    fresh = not os.path.exists(python)
    if fresh:
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    pip = [python, "-m", "pip", "install", "--quiet"]
    pip += [source] if fresh else ["--no-deps", "--force-reinstall", source]
    started = time.perf_counter()
    subprocess.run(pip, check=True, cwd=venv, stdout=subprocess.DEVNULL)
    where = subprocess.run([python, "-c", "import incubator_check; print(incubator_check.__file__)"],
                           capture_output=True, text=True, check=True, cwd=venv).stdout.strip()
    if "site-packages" not in where:
        raise SystemExit(f"{venv}: incubator_check imports from {where}, not an installed copy")
    print(f"  installed {source} into {venv} ({time.perf_counter() - started:.0f} s): {where}", flush=True)
    return python


# --- measuring ----------------------------------------------------------------------------------------------------

def env_for() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed package has its bytecode (pip compiles it)
    env.pop("PYTHONPATH", None)
    return env


def measure(cmd: list[str], work: str) -> dict:
    """One process: wall s, CPU s (user + system, with the descendants it waited for), peak RSS MiB, exit code."""
    result = os.path.join(work, "measure.txt")
    with open(os.path.join(work, "measure.err"), "wb") as err:
        subprocess.run([sys.executable, "-S", "-c", WRAPPER, result, *cmd], stdout=subprocess.DEVNULL, stderr=err,
                       env=env_for(), check=True, cwd=work)  # cwd: not the checkout, lest it shadow the install
    with open(result) as handle:
        wall, cpu, rss, code = handle.read().split()
    if int(code) not in (0, 1):
        raise SystemExit(f"{' '.join(cmd[:6])} … exited {code}: "
                         f"{open(os.path.join(work, 'measure.err'), errors='replace').read()[-2000:]}")
    return {"wall": float(wall), "cpu": float(cpu), "rss": int(rss) / 1024}


def alternate(kinds: dict[str, list[str]], runs: int, work: str) -> tuple[dict[str, list[dict]], Load]:
    """Each command once per run, the order turned around every run (A B C, C B A, ...)."""
    names = list(kinds)
    for name in names:  # warm-up: page cache, bytecode
        measure(kinds[name], work)
    found: dict[str, list[dict]] = {name: [] for name in names}
    with Load() as load:
        for run in range(runs):
            for name in names if run % 2 == 0 else reversed(names):
                found[name].append(measure(kinds[name], work))
    return found, load


def ms(values: list[float]) -> str:
    return f"{min(values) * 1000:8.1f} / {statistics.median(values) * 1000:8.1f} ms"


def ratio_line(label: str, ours: list[dict], bare: list[dict], goal: float, stretch: float | None = None) -> str:
    """The ratio of incubator-check to the bare read, wall and CPU, from the medians and per run (min / median)."""
    out = []
    for key in ("wall", "cpu"):
        per_run = [o[key] / b[key] for o, b in zip(ours, bare)]
        of_medians = statistics.median(o[key] for o in ours) / statistics.median(b[key] for b in bare)
        out.append(f"{key} {of_medians:5.2f}x (per run min {min(per_run):.2f}x, median {statistics.median(per_run):.2f}x)")
    wall_ratio = statistics.median(o["wall"] for o in ours) / statistics.median(b["wall"] for b in bare)
    verdict = f"goal {goal:g}x: {'met' if wall_ratio <= goal else 'NOT met'}"
    if stretch is not None:
        verdict += f"; stretch {stretch:g}x: {'met' if wall_ratio <= stretch else 'not met'}"
    return f"  {label}: " + "; ".join(out) + f" — {verdict} (on the median wall time)"


def table(found: dict[str, list[dict]]) -> list[str]:
    lines = [f"    {'':34} {'wall min / median':>22} {'CPU min / median':>22} {'peak RSS':>9}"]
    for name, values in found.items():
        lines.append(f"    {name:34} {ms([v['wall'] for v in values]):>22} {ms([v['cpu'] for v in values]):>22} "
                     f"{max(v['rss'] for v in values):6.0f} MiB")
    return lines


# --- the goals ----------------------------------------------------------------------------------------------------

def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each process measurement (default 5)")
    parser.add_argument("--batch", type=int, default=1000, help="workbooks in the batch (default 1000; 0: none)")
    parser.add_argument("--batch-runs", type=int, default=3, help="runs of the batch (default 3)")
    parser.add_argument("--scale", type=int, nargs="*", default=[1000, 5000, 10000, 50000],
                        help="tenant rows for scale.py (multiples of 1000)")
    parser.add_argument("--scale-runs", type=int, default=3)
    parser.add_argument("--no-scale", action="store_true", help="skip scale.py (goals 3 and 4)")
    parser.add_argument("--baseline-ref", help="also install this git ref (e.g. main) and measure it in the same rounds")
    parser.add_argument("--venv", help="the venv for this checkout (default: under --work)")
    parser.add_argument("--work", default=os.path.join(HERE, "_work", "goals"))
    args = parser.parse_args(argv)
    work = os.path.abspath(args.work)
    os.makedirs(work, exist_ok=True)
    print(f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}, {Load()} at the start", flush=True)

    from _corpus import make_corpus  # made by this interpreter (the checkout's fixtures/build.py), read by the venvs

    checkouts = {"this checkout": (None, args.venv or os.path.join(work, "venv-this"))}
    if args.baseline_ref:
        checkouts[args.baseline_ref] = (args.baseline_ref, os.path.join(work, "venv-" + args.baseline_ref.replace("/", "_")))
    pythons = {label: install(source_of(ref, work), venv) for label, (ref, venv) in checkouts.items()}

    summary: list[str] = []
    one = make_corpus(os.path.join(work, "one"), 1)[0]
    kinds: dict[str, list[str]] = {}
    for label, python in pythons.items():
        kinds[f"bare read ({label})"] = [python, "-c", BARE, one]
        kinds[f"check ({label})"] = [python, "-m", "incubator_check", "check", one, "--format", "json"]
    print(f"\n1. one process, {args.runs} runs: a bare read of one 100-tenant workbook against `check FILE`", flush=True)
    found, load = alternate(kinds, args.runs, work)
    print("\n".join(table(found)))
    print(f"    {load}")
    for label in pythons:
        line = ratio_line(f"one check process ({label})", found[f"check ({label})"], found[f"bare read ({label})"], 12)
        print(line)
        summary.append(line)

    if args.batch > 0:
        folder = os.path.join(work, f"batch-{args.batch}")
        make_corpus(folder, args.batch)
        for extra in [n for n in os.listdir(folder) if n.startswith("_template")]:
            os.remove(os.path.join(folder, extra))  # the folder holds exactly N applications
        kinds = {}
        for label, python in pythons.items():
            kinds[f"bare read of {args.batch} ({label})"] = [python, "-c", BARE, folder]
            kinds[f"batch --jobs 2 ({label})"] = [python, "-m", "incubator_check", "batch", folder, "--format", "json",
                                                  "--output", os.path.join(work, "batch.jsonl"), "--jobs", "2"]
        print(f"\n2. a batch of {args.batch} distinct 100-tenant workbooks at --jobs 2 against a bare read of the same "
              f"files in one process, {args.batch_runs} runs", flush=True)
        found, load = alternate(kinds, args.batch_runs, work)
        print("\n".join(table(found)))
        print(f"    {load}")
        for label in pythons:
            line = ratio_line(f"batch of {args.batch} ({label})", found[f"batch --jobs 2 ({label})"],
                              found[f"bare read of {args.batch} ({label})"], 2.5, 2.0)
            print(line)
            summary.append(line)

    if not args.no_scale and args.scale:
        import scale  # the workbooks are made here (openpyxl), measured by each venv's interpreter

        scale.make_scale_workbooks(sorted(args.scale))
        for label, python in pythons.items():
            print(f"\n3-4. scale.py ({label}): cost per row and memory, {args.scale_runs} runs", flush=True)
            with Load() as load:
                out = subprocess.run([python, os.path.join(HERE, "scale.py"), str(args.scale_runs),
                                      *map(str, args.scale)], capture_output=True, text=True, env=env_for(), cwd=work)
            if out.returncode:
                print(out.stdout + out.stderr)
                return 1
            print(out.stdout.rstrip())
            print(f"    {load}")
            tag = ""
            for line in out.stdout.splitlines():
                if line.startswith(("min of", "median of")):
                    tag = line.split(" of ", 1)[0]
                elif line.startswith("goal:"):
                    summary.append(f"  scale ({label}, {tag} of runs): " + line[len("goal:"):].strip())

    print("\nsummary (ratios of median wall times unless said; CPU too, so a loaded machine can be read)")
    print("\n".join(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
