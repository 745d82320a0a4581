"""Are two revisions' JSON reports byte-identical? ``python benchmarks/compare_reports.py REV_A REV_B``

Issue 9 (item 7) changes how the engine is built, not what it says. This script shows it: it checks out
each revision in its own ``git worktree``, and for every input writes the JSON report that revision
produces, then compares the two byte for byte and prints ``identical`` or the first difference.

The inputs are one set of files, the same for both revisions:

* every workbook of ``fixtures/`` (as REV_A has them), each in Chinese and in English;
* ``--generated`` (default 300) random workbooks near the thresholds, written by the tests' own
  workbook writer (``tests/conftest.py: build_workbook``): figures and shares a step either side of each
  threshold of Article 6 and 7, blank answers, remote areas, revocations, excellence applications with
  and without funds, and some checked against the example provincial ruleset.

Each revision runs in one subprocess (``--cli``: one ``incubator-check check --format json`` process per
report) with that worktree first on the path. The editable install's import hook of the working tree is
removed in that subprocess, and the script checks that the code and the rule data it loaded are the
worktree's, so a revision never reads another revision's rulesets.

``--mask ruleset.sha256`` replaces that field in both reports before comparing and says how its values
differed: the digest identifies the ruleset's text, so a corrected quote (``legal_text``) changes it even
where no result changes. Nothing else is ever masked.

Exit status: 0 identical, 1 different, 2 the comparison could not be made.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
AS_OF = "2026-05-01"  # every report is dated, so the date of the check must not be today's
SUFFIXES = (".xlsx", ".xls", ".ods")

# Runs inside each revision's worktree: drop the working tree's editable-install finder, check that the
# worktree's package is the one imported, then write one JSON report per job.
_RUNNER = r"""
import json, os, sys
root = os.path.realpath(sys.argv[1])
sys.meta_path[:] = [f for f in sys.meta_path if not getattr(f, "__module__", "").startswith("__editable__")]
sys.path.insert(0, root)
import incubator_check
from incubator_check.rules import load as _ruleset
assert os.path.realpath(incubator_check.__file__).startswith(root + os.sep), incubator_check.__file__
rules = os.path.realpath(_ruleset._bundled_dir())
assert rules.startswith(root + os.sep), rules
from incubator_check._check import check
import datetime as dt
jobs = json.load(open(sys.argv[2], encoding="utf-8"))
for job in jobs:
    report = check(job["path"], job.get("ruleset"), lang=job["lang"], as_of=dt.date.fromisoformat(job["as_of"]))
    with open(job["out"], "w", encoding="utf-8") as handle:
        handle.write(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
"""

_CLI = r"""
import os, runpy, sys
root = os.path.realpath(sys.argv[1])
sys.meta_path[:] = [f for f in sys.meta_path if not getattr(f, "__module__", "").startswith("__editable__")]
sys.path.insert(0, root)
import incubator_check
assert os.path.realpath(incubator_check.__file__).startswith(root + os.sep), incubator_check.__file__
sys.argv = ["incubator-check"] + sys.argv[2:]
runpy.run_module("incubator_check", run_name="__main__")
"""


def git(*args: str, cwd: Path = REPO) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


# --- the generated workbooks ----------------------------------------------------------------------------


def _edge(rng: random.Random) -> int:
    """-1 (a step short), 0 (exactly at the threshold) or +1 (a step over); mostly at or over, so that about
    a third of the workbooks pass every clause and the rest fail one or two, near their thresholds."""
    return rng.choices([-1, 0, 1], weights=[1, 5, 4])[0]


def _workbook(rng: random.Random) -> tuple[dict, str | None]:
    """(build_workbook arguments, ruleset or None) of one generated workbook."""
    excellence = rng.random() < 0.15
    n = max(1, 30 + _edge(rng) * rng.choice([1, 4]) + rng.choice([0, 0, 0, 10, 30]))
    year = 2025  # tests/conftest.py: application year 2025, so the data year is 2024
    total = rng.choice([10, 20, 25, 49])
    revenue = Decimal(rng.choice(["1000", "500", "3.3"]))
    profile: dict = {
        "site_area_m2": 5000 + _edge(rng) * rng.choice([0.01, 1, 750]),
        "total_staff": total,
        "fulltime_service_staff": min(total, math.ceil(0.8 * total) + _edge(rng)),
        "mentors": max(0, math.ceil(n / 10) + _edge(rng)),
        "total_revenue": revenue,
        "rent_property_revenue": revenue * Decimal("0.7") - _edge(rng) * Decimal("0.01"),
        "statistics_years_reported": max(0, 1 + _edge(rng)),
    }
    if rng.random() < 0.25:
        profile.update(remote_area="是", remote_area_category=rng.choice(["一类", "三类", "六类"]))
    if rng.random() < 0.05:
        profile["remote_area"] = None
    if rng.random() < 0.1:
        profile.update(revoked_on=dt.date(rng.choice([2022, 2023, 2024]), rng.randint(1, 12), rng.randint(1, 28)),
                       revocation_reason=rng.choice(["绩效评价", "复核不通过", "自行申请", "违法违规", "重大事故", None]))
    for key in ("major_accident_3y", "serious_dishonesty", "major_violation", "site_area_m2", "total_staff",
                "rent_property_revenue", "independent_legal_person"):
        if rng.random() < 0.02:
            profile[key] = None if key not in ("major_accident_3y", "serious_dishonesty", "major_violation") else "是"
    funds = None
    if excellence:
        profile.update(level="卓越级", sector_startups_y1=30 + _edge(rng), sector_startups_y2=30 + _edge(rng),
                       service_investment_revenue_y1=revenue / 2 + _edge(rng) * Decimal("0.01"),
                       service_investment_revenue_y2=450, total_revenue_y2=rng.choice([900, 900, 0]))
        if rng.random() < 0.85:
            funds = [{"name": f"基金{j}号", "amac_code": rng.choice(["SXY123", "SXY123", None, ""])}
                     for j in range(rng.randint(1, 3))]
    # How many tenants have each property: each share's threshold count, a step either side.
    counts = {"new": 0.2, "sme": 0.3, "equity": 0.1, "growth": 0.3, "graduate": 0.1}
    counts = {k: max(0, min(n, math.ceil(share * n) + _edge(rng))) for k, share in counts.items()}
    counts["financing"] = rng.randint(0, n // 4)
    tenants = []
    for t in range(n):
        row: dict = {
            "registered_on": dt.date(year - 1, rng.randint(1, 12), rng.randint(1, 28)) if t < counts["new"]
            else dt.date(rng.choice([2019, 2021, 2023]), 6, 1),
            "tech_sme": "否", "innovative_sme": "否",
            "incubator_equity_invested": "是" if t < counts["equity"] else "否",
            "financing_received": "是" if rng.random() < counts["financing"] / n else "否",
            "revenue_y1": rng.choice([Decimal("480.01"), Decimal("600")]) if t < counts["growth"]
            else rng.choice([Decimal("480"), Decimal("400"), Decimal("300")]),
            "revenue_y2": Decimal("400"), "rd_y1": 40, "rd_y2": 40,
            "graduated": "是" if t < counts["graduate"] else "否",
            "newly_certified": "是" if t < counts["graduate"] and rng.random() < 0.9 else "否",
        }
        row[rng.choice(["tech_sme", "innovative_sme"])] = "是" if t < counts["sme"] else "否"
        if rng.random() < 0.02:
            row["registered_in_incubator"] = "否"
        if rng.random() < 0.02:
            row.update(employees=rng.choice([300, 1200]), revenue_y1=rng.choice([2000, 50000]))  # medium, large
        if rng.random() < 0.02:
            row[rng.choice(["registered_on", "tech_sme", "employees", "revenue_y1", "operating_in_incubator"])] = None
        tenants.append(row)
    rng.shuffle(tenants)  # the tenants with a property are not all at the top
    # the invented province is a test fixture now (tests/rulesets/), given by path; it extends each revision's own ministry ruleset
    ruleset = str(REPO / "tests" / "rulesets" / "example-province-zj.yaml") if not excellence and rng.random() < 0.1 else None
    return {"profile": profile, "tenants": tenants, "funds": funds}, ruleset


def generate(folder: Path, count: int, seed: int) -> list[tuple[Path, str | None]]:
    sys.path.insert(0, str(REPO / "tests"))
    from conftest import build_workbook  # the tests' writer of valid workbooks

    rng = random.Random(seed)
    out = []
    for i in range(count):
        spec, ruleset = _workbook(rng)
        path = folder / f"generated-{i:04d}.xlsx"
        build_workbook(path, **spec)
        out.append((path, ruleset))
    return out


# --- running a revision ------------------------------------------------------------------------------


def jobs_for(inputs: list[tuple[Path, str | None, str]], out: Path) -> list[dict]:
    return [{"path": str(path), "ruleset": ruleset, "lang": lang, "as_of": AS_OF,
             "out": str(out / f"{k:04d}-{path.stem}-{lang}.json")} for k, (path, ruleset, lang) in enumerate(inputs)]


def run_revision(tree: Path, jobs: list[dict], cli: bool) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONSTARTUP")}
    if not cli:
        job_file = Path(jobs[0]["out"]).parent / "jobs.json"
        job_file.write_text(json.dumps(jobs, ensure_ascii=False), encoding="utf-8")
        subprocess.run([sys.executable, "-c", _RUNNER, str(tree), str(job_file)], cwd=tree, env=env, check=True)
        return
    for job in jobs:
        args = ["check", job["path"], "--format", "json", "--lang", job["lang"], "--as-of", job["as_of"]]
        if job["ruleset"]:
            args += ["--ruleset", job["ruleset"]]
        done = subprocess.run([sys.executable, "-c", _CLI, str(tree), *args], cwd=tree, env=env, capture_output=True)
        if done.returncode not in (0, 1):
            raise RuntimeError(f"{tree.name}: exit {done.returncode} on {job['path']}: {done.stderr.decode()[-500:]}")
        Path(job["out"]).write_bytes(done.stdout)


def _masked(data: bytes, fields: list[str], seen: dict[str, set]) -> bytes:
    if not fields:
        return data
    report = json.loads(data)
    for field in fields:
        node = report
        *parents, last = field.split(".")
        for key in parents:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, dict) and last in node:
            seen.setdefault(field, set()).add(node[last])
            node[last] = "<masked>"
    return json.dumps(report, ensure_ascii=False, indent=2).encode()


def first_difference(a: bytes, b: bytes) -> str:
    lines_a, lines_b = a.decode().splitlines(), b.decode().splitlines()
    for n, (x, y) in enumerate(zip(lines_a, lines_b), 1):
        if x != y:
            return f"line {n}:\n  A: {x.strip()}\n  B: {y.strip()}"
    return f"one report is longer: {len(lines_a)} against {len(lines_b)} lines"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rev_a")
    parser.add_argument("rev_b")
    parser.add_argument("--generated", type=int, default=300, help="random near-threshold workbooks (default 300)")
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--cli", action="store_true", help="one `incubator-check check --format json` process a report")
    parser.add_argument("--mask", action="append", default=[], metavar="FIELD",
                        help="a dotted JSON field to leave out of the comparison (only ruleset.sha256 makes sense)")
    parser.add_argument("--keep", action="store_true", help="keep the worktrees and reports (their folder is printed)")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="compare-reports-"))
    trees: list[Path] = []
    try:
        revs = [git("rev-parse", "--verify", f"{r}^{{commit}}") for r in (args.rev_a, args.rev_b)]
        for name, rev in zip("AB", revs):
            tree = work / f"tree-{name}"
            git("worktree", "add", "--detach", str(tree), rev)
            trees.append(tree)
        inputs_dir = work / "inputs"
        inputs_dir.mkdir()
        fixtures = sorted(p for p in (trees[0] / "fixtures").iterdir() if p.suffix in SUFFIXES)
        inputs: list[tuple[Path, str | None, str]] = []
        for p in fixtures:
            shutil.copy2(p, inputs_dir / p.name)
            inputs += [(inputs_dir / p.name, None, "zh"), (inputs_dir / p.name, None, "en")]
        for k, (path, ruleset) in enumerate(generate(inputs_dir, args.generated, args.seed)):
            inputs.append((path, ruleset, "en" if k % 4 == 3 else "zh"))
        print(f"A {args.rev_a} = {revs[0][:12]}\nB {args.rev_b} = {revs[1][:12]}\n"
              f"{len(fixtures)} fixtures × 2 languages + {args.generated} generated workbooks = {len(inputs)} reports"
              f" ({'CLI, one process a report' if args.cli else 'Python API, one process a revision'})", flush=True)
        outs = []
        for name, tree in zip("AB", trees):
            out = work / f"reports-{name}"
            out.mkdir()
            jobs = jobs_for(inputs, out)
            run_revision(tree, jobs, args.cli)
            outs.append([Path(j["out"]) for j in jobs])
        seen_a: dict[str, set] = {}
        seen_b: dict[str, set] = {}
        different = []
        for pa, pb in zip(*outs):
            a, b = _masked(pa.read_bytes(), args.mask, seen_a), _masked(pb.read_bytes(), args.mask, seen_b)
            if a != b:
                different.append((pa, a, b))
        for field in args.mask:
            va, vb = sorted(map(str, seen_a.get(field, ()))), sorted(map(str, seen_b.get(field, ())))
            print(f"masked {field}: {'the same' if va == vb else 'differs'} (A: {', '.join(v[:12] for v in va)};"
                  f" B: {', '.join(v[:12] for v in vb)})")
        if not different:
            print(f"identical: {len(inputs)} of {len(inputs)} reports byte for byte")
            return 0
        path, a, b = different[0]
        print(f"different: {len(different)} of {len(inputs)} reports; the first is {path.name}, {first_difference(a, b)}")
        return 1
    except (subprocess.CalledProcessError, RuntimeError, OSError) as exc:
        detail = getattr(exc, "stderr", None)
        print(f"cannot compare: {exc}{(': ' + detail) if isinstance(detail, str) and detail else ''}", file=sys.stderr)
        return 2
    finally:
        if args.keep:
            print(f"kept: {work}")
        else:
            for tree in trees:
                subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=REPO, capture_output=True)
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
