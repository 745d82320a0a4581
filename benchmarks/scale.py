"""Scale: the cost per tenant row and the peak memory of a check from 1,000 to 50,000 tenants, each against a bare
python-calamine read of the same file, measured in one run, every measurement in a fresh process.

    python benchmarks/scale.py [RUNS] [TENANTS ...]     # default: 3 runs; 1000 5000 10000 50000 tenant rows

Goals (issue 9): the cost per row flat from 1,000 to 50,000 tenants; memory within 3x the bare read at 50,000.

The workbooks (``benchmarks/_work/scale/``, reused when present) are one 1,000-row roster of
``fixtures/build.py`` (998 qualifying tenants and its 2 excluded rows) repeated, every copy with its own
names and USCCs, so the shares and the verdict (PASS) are the same at every size; the profile's staff
counts, and the 人员 sheet, grow with the roster (one mentor per 10 tenants, Article 6(3)).
``_corpus.make_corpus(folder, 1, tenants=N)`` cannot make them: at 1,000 the default 20 staff cannot hold the
102 mentors Article 6(3) needs (``ValueError``), and past about 1,300 rows ``build._company_name`` runs out of
names (65 brands x 9 words for the commonest industry) and loops for ever. They are written
with openpyxl's write-only mode in the layout of ``build.write_workbook`` (plain form, header on row 1).

Each size, each run, in a fresh process (``os.wait4`` gives the wall time and the peak resident memory
of the process and of every descendant it waited for: the largest ``ru_maxrss`` in the tree):

- **bare**: ``python_calamine.CalamineWorkbook.from_path`` and ``to_python`` of every sheet, the rows kept
  until the end, as a reader needs them;
- **cli**: ``python -m incubator_check check FILE --format json`` (to a file). The workbook is parsed in a
  supervised pebble worker forked from the command; the figure is the larger of the command's own peak
  and the worker's (the worker is joined, so its peak reaches the command's). A forked worker's RSS counts
  the pages it still shares with its parent (the imports), so this is the peak of the largest process,
  not the sum of the tree;
- **check**: ``incubator_check.check(FILE)`` in-process (no supervised pool: the process asserts that
  no pebble was imported and no child process started), timed around the call after the imports;
- **stages**: ``read_workbook``, then ``load_ruleset`` and ``check_submission``, each timed, and the
  peak resident memory after the imports, after the read and after the judging.

Prints min and median of RUNS: the times (bare and check around the operation, cli process start to
exit), the peak RSS, the ratios to the bare read, and the cost per 1,000 rows as the slope between two
sizes (the fixed cost cancels). "Flat" means the slope from 10,000 to 50,000 is within +-25 % of the
slope from 1,000 to 10,000. Subprocesses run with bytecode cached under ``_work/pycache`` (as an
installed package has it) after one warm-up run of each.
"""

from __future__ import annotations

import json
import math
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
WORK = os.path.join(HERE, "_work", "scale")
SIZES = (1000, 5000, 10000, 50000)
BLOCK = 1000  # rows of the repeated roster: 998 qualifying tenants and 2 excluded rows
LAYOUT = "v1"  # in the file names: bump when the generated layout changes, so old files are not reused
MiB = 1024 * 1024


# --- the workbooks ----------------------------------------------------------------------------------------------

def scale_application(rows: int) -> dict:
    """A submission of ``rows`` roster rows (a multiple of 1,000) that passes the standard level."""
    import copy

    sys.path.insert(0, os.path.join(HERE, "..", "fixtures"))
    import build  # fixtures/build.py

    if rows % BLOCK:
        raise ValueError(f"tenant rows must be a multiple of {BLOCK}: {rows}")
    blocks = rows // BLOCK
    qualifying = (BLOCK - 2) * blocks
    mentors = math.ceil(qualifying / 10) + 2
    total = max(20, mentors + 8)
    fulltime = math.ceil(total * 0.85)
    data = build.standard_application(n_tenants=BLOCK - 2, seed=1, mentors=mentors, total_staff=total,
                                      fulltime_service_staff=fulltime)
    base = data["tenants"]
    region = data["profile"]["operator_uscc"][2:8]
    seen = {t["uscc"] for t in base} | {data["profile"]["operator_uscc"]}
    tenants = list(base)
    for k in range(1, blocks):
        for i, t in enumerate(base):
            t = copy.copy(t)
            t["name"] = t["name"].replace("有限公司", f"{k:02d}有限公司")  # names unique across copies
            code = build.uscc(f"scale:{k}:{i}", region)
            salt = 0
            while code in seen:
                salt += 1
                code = build.uscc(f"scale:{k}:{i}:{salt}", region)
            seen.add(code)
            t["uscc"] = code
            tenants.append(t)
    data["tenants"] = tenants
    assert len({t["name"] for t in tenants}) == rows and len({t["uscc"] for t in tenants}) == rows
    return data


def write_scale_workbook(data: dict, path: str) -> None:
    """``build.write_workbook``'s plain layout, written with openpyxl's write-only mode (seconds, not minutes)."""
    from decimal import Decimal

    from openpyxl import Workbook

    import build
    from incubator_check.workbook.layout import FUNDS, PROFILE, STAFF, TENANTS

    def cell(value):
        value = build._plain_cell(value)
        if isinstance(value, Decimal) and value == value.to_integral_value():
            return int(value)  # as build._set writes it
        return value

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(PROFILE.name)
    ws.append(["项目", "填报内容", "填写说明"])
    for spec in PROFILE.fields:
        if spec.key in data["profile"]:
            ws.append([spec.header, cell(data["profile"][spec.key]), spec.note])
    for sheet, rows in ((TENANTS, data["tenants"]), (STAFF, data["staff"]), (FUNDS, data["funds"])):
        if rows is None:
            continue
        columns = build._columns(sheet.fields, rows)
        ws = wb.create_sheet(sheet.name)
        ws.append([spec.header for spec in columns])
        for row in rows:
            ws.append([cell(row.get(spec.key)) for spec in columns])  # dates get openpyxl's yyyy-mm-dd
    ws = wb.create_sheet("说明")
    ws.append(["本工作簿按《科技企业孵化器管理办法》（工信部科〔2025〕131号）认定申请表格式填写。"])
    ws.append([f"上年度为 {build.DATA_YEAR} 年，前年度为 {build.DATA_YEAR - 1} 年；金额单位为万元，面积单位为平方米。"])
    tmp = path + ".tmp"
    wb.save(tmp)
    os.replace(tmp, path)


def make_scale_workbooks(sizes) -> dict[int, str]:
    os.makedirs(WORK, exist_ok=True)
    paths = {}
    for n in sizes:
        path = os.path.join(WORK, f"tenants-{n}-{LAYOUT}.xlsx")
        if not os.path.exists(path):
            start = time.perf_counter()
            write_scale_workbook(scale_application(n), path)
            print(f"  wrote {os.path.relpath(path)} ({os.path.getsize(path) / MiB:.1f} MiB) "
                  f"in {time.perf_counter() - start:.1f} s", flush=True)
        paths[n] = path
    return paths


# --- in the measured child processes (imports only what each measurement needs) ----------------------------------

def _peak_kib() -> int:
    """This process's peak RSS so far, KiB: VmHWM (its own memory only; ru_maxrss would start at the spawner's)."""
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child_bare(path: str) -> dict:
    t0 = time.perf_counter()
    import python_calamine

    t1 = time.perf_counter()
    rss_imported = _peak_kib()
    book = python_calamine.CalamineWorkbook.from_path(path)
    sheets = [book.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in book.sheet_names]
    book.close()
    t2 = time.perf_counter()
    return {"import_s": t1 - t0, "op_s": t2 - t1, "rss_imported": rss_imported, "rss_peak": _peak_kib(),
            "rows": sum(len(s) for s in sheets)}


def _no_pool() -> bool:
    import multiprocessing

    return "pebble" not in sys.modules and "incubator_check._supervise" not in sys.modules and \
        not multiprocessing.active_children()


def child_check(path: str) -> dict:
    t0 = time.perf_counter()
    from incubator_check import check  # imports ._check: the reader, the judge, pydantic, calamine, zen

    t1 = time.perf_counter()
    rss_imported = _peak_kib()
    report = check(path)
    t2 = time.perf_counter()
    return {"import_s": t1 - t0, "op_s": t2 - t1, "rss_imported": rss_imported, "rss_peak": _peak_kib(),
            "verdict": report.verdict.value, "listed": report.tenants.listed if report.tenants else None,
            "in_process": _no_pool()}


def child_stages(path: str) -> dict:
    from incubator_check import CheckOptions, check_submission, load_ruleset, read_workbook
    from incubator_check.rules.ruleset import default_for_level

    rss_imported = _peak_kib()
    t0 = time.perf_counter()
    result = read_workbook(path)
    t1 = time.perf_counter()
    rss_read = _peak_kib()
    submission = result.submission
    ruleset = load_ruleset(default_for_level(submission.profile.level.value))
    t2 = time.perf_counter()
    report = check_submission(submission, ruleset, result.findings, CheckOptions())
    t3 = time.perf_counter()
    return {"read_s": t1 - t0, "ruleset_s": t2 - t1, "judge_s": t3 - t2, "rss_imported": rss_imported,
            "rss_read": rss_read, "rss_peak": _peak_kib(), "verdict": report.verdict.value}


CHILDREN = {"bare": child_bare, "check": child_check, "stages": child_stages}


# --- the measuring parent -------------------------------------------------------------------------------------------

def child_env() -> dict[str, str]:
    """Bytecode cached (an installed package has it; this machine sets PYTHONDONTWRITEBYTECODE)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = os.path.join(HERE, "_work", "pycache")
    return env


#: The measuring wrapper: a minimal interpreter (``os`` only) that spawns the command and waits for it. The peak
#: RSS ``wait4`` reports is the largest ``ru_maxrss`` of the command and of every descendant it waited for. Linux
#: starts a new program's ``ru_maxrss`` at the RSS of the process that spawned it (exec records the old memory's
#: high-water mark), so the spawner must be small: this wrapper (~10 MiB, printed as the floor), not this script.
WRAPPER = ("import os, sys, time\n"
           "start = time.perf_counter()\n"
           "pid = os.posix_spawn(sys.argv[2], sys.argv[2:], os.environ)\n"
           "_, status, usage = os.wait4(pid, 0)\n"
           "wall = time.perf_counter() - start\n"
           "with open(sys.argv[1], 'w') as f:\n"
           "    f.write(f'{wall} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}')\n")


def measure(cmd: list[str], env: dict[str, str], out: str) -> tuple[float, int, int]:
    """Wall time (s) of ``cmd``, its peak RSS (KiB) over it and its waited-for descendants, and its exit code."""
    err, result = out + ".err", out + ".rusage"
    with open(out, "wb") as stdout, open(err, "wb") as stderr:
        # cwd: not the checkout, so that `-m incubator_check` imports the installed package (or PYTHONPATH's)
        subprocess.run([sys.executable, "-c", WRAPPER, result, *cmd], stdout=stdout, stderr=stderr, env=env, check=True,
                       cwd=WORK)
    with open(result) as handle:
        wall, rss, code = handle.read().split()
    return float(wall), int(rss), int(code)


def run_one(kind: str, path: str, env: dict[str, str]) -> dict:
    out = os.path.join(WORK, f"out-{kind}.json")
    if kind == "cli":
        cmd = [sys.executable, "-m", "incubator_check", "check", path, "--format", "json"]
    else:
        cmd = [sys.executable, os.path.abspath(__file__), "--child", kind, path]
    wall, rss, code = measure(cmd, env, out)
    with open(out, encoding="utf-8") as handle:
        data = json.load(handle)
    if kind == "cli":
        if code not in (0, 1) or data.get("verdict") == "ERROR":
            raise SystemExit(f"the check of {path} failed (exit {code}): {open(out + '.err').read()[-2000:]}")
        return {"wall_s": wall, "rss_tree": rss, "verdict": data["verdict"], "listed": data["tenants"]["listed"]}
    if code != 0:
        raise SystemExit(f"{kind} child failed on {path}: {open(out + '.err').read()[-2000:]}")
    data.update(wall_s=wall, rss_tree=rss)
    return data


def mn(values: list[float]) -> tuple[float, float]:
    return min(values), statistics.median(values)


def slope(ms_a: float, ms_b: float, n_a: int, n_b: int) -> float:
    """ms per 1,000 rows between two sizes."""
    return (ms_b - ms_a) / (n_b - n_a) * 1000


def main(argv: list[str]) -> None:
    runs = int(argv[0]) if argv else 3
    sizes = tuple(sorted(int(a) for a in argv[1:])) or SIZES
    env = child_env()
    print(f"scale: {', '.join(f'{n:,}' for n in sizes)} tenant rows, {runs} runs, {os.cpu_count()} CPUs", flush=True)
    paths = make_scale_workbooks(sizes)
    kinds = ("bare", "cli", "check", "stages")
    true = shutil.which("true") or "/bin/true"
    floor = measure([true], env, os.path.join(WORK, "out-floor"))[1]
    print(f"  peak RSS floor of a measured process (the wrapper's): {floor / 1024:.1f} MiB", flush=True)
    for kind in kinds:  # warm-up: bytecode cache, page cache
        run_one(kind, paths[sizes[0]], env)
    results: dict[tuple[int, str], list[dict]] = {(n, k): [] for n in sizes for k in kinds}
    for run in range(runs):
        for n in sizes:
            for kind in kinds:
                r = run_one(kind, paths[n], env)
                results[n, kind].append(r)
        print(f"  run {run + 1}/{runs} done", flush=True)
    report(sizes, runs, paths, results)


def report(sizes, runs, paths, results) -> None:
    def ms(n, kind, key, pick):
        return pick([r[key] for r in results[n, kind]]) * 1000

    def mib(n, kind, key, pick):
        return pick([r[key] for r in results[n, kind]]) / 1024

    picks = (("min", min), ("median", statistics.median))
    for n in sizes:
        for c, cli in zip(results[n, "check"], results[n, "cli"]):
            assert c["in_process"], "check() started a supervised pool"
            assert c["listed"] == cli["listed"] == n, (n, c["listed"], cli["listed"])
    verdicts = {r["verdict"] for n in sizes for k in ("cli", "check", "stages") for r in results[n, k]}
    print()
    print("workbooks: " + ", ".join(f"{n:,} rows {os.path.getsize(paths[n]) / MiB:.1f} MiB" for n in sizes)
          + f"; verdicts {', '.join(sorted(verdicts))}; check() ran in-process (no pool, no child)")
    for label, pick in picks:
        print()
        print(f"{label} of {runs} runs — time (bare and check: around the call, after the imports; cli: process start to exit)")
        print(f"{'tenants':>8} | {'bare ms':>8} | {'check ms':>9} | {'read ms':>8} | {'judge ms':>8} | {'cli ms':>8} | "
              f"{'check/bare':>10} | {'cli/bare proc':>13}")
        for n in sizes:
            bare, check = ms(n, "bare", "op_s", pick), ms(n, "check", "op_s", pick)
            read, judge = ms(n, "stages", "read_s", pick), ms(n, "stages", "judge_s", pick)
            cli, bare_wall = ms(n, "cli", "wall_s", pick), ms(n, "bare", "wall_s", pick)
            print(f"{n:>8,} | {bare:8.1f} | {check:9.1f} | {read:8.1f} | {judge:8.1f} | {cli:8.1f} | "
                  f"{check / bare:9.2f}x | {cli / bare_wall:12.2f}x")
        print(f"{label} — peak resident memory, MiB (bare, check: the process; cli: the largest of command and worker)")
        print(f"{'tenants':>8} | {'bare':>7} | {'imports':>7} | {'check':>7} | {'after read':>10} | {'cli':>7} | "
              f"{'check/bare':>10} | {'cli/bare':>8} | {'growth check/bare':>17}")
        for n in sizes:
            bare, bare0 = mib(n, "bare", "rss_tree", pick), mib(n, "bare", "rss_imported", pick)
            check, check0 = mib(n, "check", "rss_tree", pick), mib(n, "check", "rss_imported", pick)
            after_read = mib(n, "stages", "rss_read", pick)
            cli = mib(n, "cli", "rss_tree", pick)
            grown_bare = mib(n, "bare", "rss_peak", pick) - bare0
            grown_check = mib(n, "check", "rss_peak", pick) - check0
            growth = f"{grown_check / grown_bare:16.2f}x" if grown_bare >= 1 else f"{'—':>17}"
            print(f"{n:>8,} | {bare:7.1f} | {check0:7.1f} | {check:7.1f} | {after_read:10.1f} | {cli:7.1f} | "
                  f"{check / bare:9.2f}x | {cli / bare:7.2f}x | {growth}")
        print(f"{label} — cost per 1,000 rows (slope between sizes, ms)")
        print(f"{'rows':>17} | {'bare':>7} | {'check':>7} | {'read':>7} | {'judge':>7} | {'cli':>7} | {'check/bare':>10}")
        pairs = list(zip(sizes, sizes[1:]))
        if sizes[0] < 10000 < sizes[-1] and 10000 in sizes:
            pairs += [p for p in ((sizes[0], 10000), (10000, sizes[-1])) if p not in pairs]
        for a, b in pairs:
            row = {}
            for col, kind, key in (("bare", "bare", "op_s"), ("check", "check", "op_s"), ("read", "stages", "read_s"),
                                   ("judge", "stages", "judge_s"), ("cli", "cli", "wall_s")):
                row[col] = slope(ms(a, kind, key, pick), ms(b, kind, key, pick), a, b)
            print(f"{a:>7,}→{b:<7,}  | {row['bare']:7.2f} | {row['check']:7.2f} | {row['read']:7.2f} | "
                  f"{row['judge']:7.2f} | {row['cli']:7.2f} | {row['check'] / row['bare']:9.2f}x")
        if 10000 in sizes and sizes[0] < 10000 < sizes[-1]:
            lo, hi = sizes[0], sizes[-1]
            for col, kind, key in (("check", "check", "op_s"), ("cli", "cli", "wall_s")):
                early = slope(ms(lo, kind, key, pick), ms(10000, kind, key, pick), lo, 10000)
                late = slope(ms(10000, kind, key, pick), ms(hi, kind, key, pick), 10000, hi)
                change = late / early - 1
                print(f"goal: {col} cost per row flat ({lo:,}→10,000 {early:.2f}, 10,000→{hi:,} {late:.2f} ms per 1,000 rows,"
                      f" {change:+.0%}): {'met' if abs(change) <= 0.25 else 'NOT met'} (±25 %)")
        top = sizes[-1]
        bare = mib(top, "bare", "rss_tree", pick)
        for col, kind in (("check", "check"), ("cli", "cli")):
            ratio = mib(top, kind, "rss_tree", pick) / bare
            print(f"goal: {col} memory at {top:,} within 3x the bare read: {ratio:.2f}x — {'met' if ratio <= 3 else 'NOT met'}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(CHILDREN[sys.argv[2]](sys.argv[3])))
    else:
        main(sys.argv[1:])
