"""Batch: a reviewer's folder of applications, every one checked, one line or row each, cross-checked.

Workers check one workbook each and return only the small report (as JSON text) and
the few identifiers the cross-check needs, never the parsed data. Results are
spooled to a temporary file in file-name order and indexed in a temporary SQLite
database, so memory stays bounded however large the folder; then the tenant
USCCs claimed by more than one submission, and operators applying twice, are
found with one query, and the output is written from the spool.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import json
import math
import os
import sqlite3
import tempfile
from collections import deque
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable, Iterable, Iterator

SUFFIXES = (".xlsx", ".xls", ".ods", ".xlsm")


def find_workbooks(folder: str, recursive: bool) -> list[str]:
    """The workbooks of a folder in file-name order; Office lock files (``~$…``) are not applications."""
    found = []
    if recursive:
        for root, dirs, files in os.walk(folder):
            dirs.sort()
            found += [os.path.join(root, f) for f in files if os.path.isfile(os.path.join(root, f))]
    else:
        found = [os.path.join(folder, f) for f in os.listdir(folder) if os.path.isfile(os.path.join(folder, f))]
    chosen = [p for p in found if p.lower().endswith(SUFFIXES) and not os.path.basename(p).startswith(("~$", ".~lock"))]
    return sorted(chosen, key=lambda p: os.path.relpath(p, folder))


@dataclass(frozen=True)
class Job:
    path: str
    ruleset: str | None
    lang: str
    as_of: dt.date | None


def check_one(job: Job) -> tuple[str, dict[str, Any]]:
    """In a worker: check one workbook; return the report as JSON text and the identifiers for the cross-check."""
    from ._check import check_with_submission

    submission = None
    try:
        report, submission = check_with_submission(job.path, job.ruleset, lang=job.lang, as_of=job.as_of)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - one bad workbook (even a Rust panic) never stops the batch
        from ._check import error_report
        from .findings import Finding, Severity

        finding = Finding(code="internal-error", severity=Severity.ERROR, file=job.path,
                          message_zh=f"{os.path.basename(job.path)}：检查时发生内部错误（{type(exc).__name__}），请报告此问题",
                          message_en=f"{os.path.basename(job.path)}: internal error while checking ({type(exc).__name__}); please report it")
        report = error_report(job.path, finding, job.lang)
    data = report.as_json()
    keys = {
        "verdict": data["verdict"],
        "operator_uscc": (data.get("incubator") or {}).get("operator_uscc"),
        "operator_name": (data.get("incubator") or {}).get("operator_name"),
        "name": (data.get("incubator") or {}).get("name"),
        "province": (data.get("incubator") or {}).get("province"),
        "level": (data.get("incubator") or {}).get("level"),
        "tenants": [] if submission is None else [(t.uscc, t.row, t.name) for t in submission.tenants if t.uscc],
    }
    return json.dumps(data, ensure_ascii=False, sort_keys=False, separators=(",", ":")), keys


def ordered_map(fn: Callable[[Job], Any], jobs: list[Job], workers: int) -> Iterator[Any]:
    """Results in input order with at most a few tasks in flight per worker, so memory stays bounded."""
    if workers <= 1:
        for job in jobs:
            yield fn(job)
        return
    window = workers * 4
    with cf.ProcessPoolExecutor(max_workers=workers) as pool:
        pending: deque[cf.Future] = deque()
        it = iter(jobs)
        for job in it:
            pending.append(pool.submit(fn, job))
            if len(pending) >= window:
                break
        while pending:
            future = pending.popleft()
            yield future.result()
            nxt = next(it, None)
            if nxt is not None:
                pending.append(pool.submit(fn, nxt))


@dataclass
class CrossFinding:
    """A finding that spans submissions: the same tenant in two applications, an operator applying twice."""

    code: str
    key: str  # the USCC shared
    name: str
    files: list[tuple[int, str, int | None]]  # (file index, path, roster row)
    message_zh: str
    message_en: str

    def message(self, lang: str) -> str:
        return self.message_en if lang == "en" else self.message_zh

    def as_json(self, lang: str, index: int) -> dict[str, Any]:
        others = [p for i, p, _ in self.files if i != index]
        rows = [r for i, _, r in self.files if i == index and r is not None]
        return {"severity": "warning", "code": self.code, "where": f"在孵企业!第{rows[0]}行" if rows else "",
                "row": rows[0] if rows else None, "uscc": self.key, "other_files": others,
                "message": self.message(lang), "message_zh": self.message_zh, "message_en": self.message_en}


class Spool:
    """The batch's results on disk: reports as JSON Lines, identifiers in SQLite."""

    def __init__(self) -> None:
        self.dir = tempfile.TemporaryDirectory(prefix="incubator-check-")
        self.lines_path = os.path.join(self.dir.name, "reports.jsonl")
        self.lines = open(self.lines_path, "w", encoding="utf-8", newline="\n")
        self.db = sqlite3.connect(os.path.join(self.dir.name, "index.sqlite"))
        self.db.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
            "CREATE TABLE tenant(file INTEGER, uscc TEXT, row INTEGER, name TEXT);"
            "CREATE TABLE submission(file INTEGER PRIMARY KEY, path TEXT, verdict TEXT, operator_uscc TEXT,"
            " operator_name TEXT, name TEXT, province TEXT, level TEXT);")
        self.count = 0

    def add(self, path: str, line: str, keys: dict[str, Any]) -> None:
        index = self.count
        self.lines.write(line + "\n")
        self.db.execute("INSERT INTO submission VALUES (?,?,?,?,?,?,?,?)",
                        (index, path, keys["verdict"], keys["operator_uscc"], keys["operator_name"], keys["name"],
                         keys["province"], keys["level"]))
        self.db.executemany("INSERT INTO tenant VALUES (?,?,?,?)", [(index, u, r, n) for u, r, n in keys["tenants"]])
        self.count += 1

    def cross_findings(self) -> list[CrossFinding]:
        self.lines.flush()
        found: list[CrossFinding] = []
        rows = self.db.execute(
            "SELECT t.uscc, t.file, s.path, t.row, t.name FROM tenant t JOIN submission s USING (file) WHERE t.uscc IN "
            "(SELECT uscc FROM tenant GROUP BY uscc HAVING COUNT(DISTINCT file) > 1) ORDER BY t.uscc, t.file, t.row").fetchall()
        by_uscc: dict[str, list[tuple[int, str, int, str]]] = {}
        for uscc, file, path, row, name in rows:
            by_uscc.setdefault(uscc, []).append((file, path, row, name))
        for uscc, claims in by_uscc.items():
            name = next((c[3] for c in claims if c[3]), "")
            files = [(f, p, r) for f, p, r, _ in claims]
            where = "；".join(f"{os.path.basename(p)} 第 {r} 行" for _, p, r in files)
            where_en = "; ".join(f"{os.path.basename(p)} row {r}" for _, p, r in files)
            found.append(CrossFinding("tenant-in-several-submissions", uscc, name, files,
                                      f"在孵企业「{name}」（{uscc}）被 {len({f for f, _, _ in files})} 份申报同时列入：{where}",
                                      f"tenant '{name}' ({uscc}) is claimed by {len({f for f, _, _ in files})} submissions: {where_en}"))
        rows = self.db.execute(
            "SELECT operator_uscc, file, path, operator_name FROM submission WHERE operator_uscc IN (SELECT operator_uscc "
            "FROM submission WHERE operator_uscc IS NOT NULL GROUP BY operator_uscc HAVING COUNT(*) > 1) "
            "ORDER BY operator_uscc, file").fetchall()
        by_operator: dict[str, list[tuple[int, str, str]]] = {}
        for uscc, file, path, name in rows:
            by_operator.setdefault(uscc, []).append((file, path, name))
        for uscc, subs in by_operator.items():
            name = next((s[2] for s in subs if s[2]), "")
            files = [(f, p, None) for f, p, _ in subs]
            listed = "、".join(os.path.basename(p) for _, p, _ in files)
            found.append(CrossFinding("operator-in-several-submissions", uscc, name, files,
                                      f"运营主体「{name}」（{uscc}）提交了 {len(files)} 份申报：{listed}",
                                      f"operator '{name}' ({uscc}) submitted {len(files)} applications: {', '.join(os.path.basename(p) for _, p, _ in files)}"))
        return found

    def quota(self, share: Decimal, rounding: str) -> list[dict[str, Any]]:
        """Per province: excellence applicants, how many pass the pre-screen, the recommendation quota."""
        rows = self.db.execute(
            "SELECT COALESCE(province, ''), COUNT(*), SUM(verdict = 'PASS') FROM submission WHERE level = '卓越级' "
            "GROUP BY COALESCE(province, '') ORDER BY 1").fetchall()
        result = []
        for province, applicants, passing in rows:
            exact_quota = share * applicants
            quota = math.ceil(exact_quota) if rounding == "up" else math.floor(exact_quota)
            result.append({"province": province, "applicants": applicants, "passing": int(passing or 0),
                           "quota": quota, "over_quota": max(int(passing or 0) - quota, 0)})
        return result

    def reports(self) -> Iterator[str]:
        self.lines.flush()
        with open(self.lines_path, encoding="utf-8") as handle:
            for line in handle:
                yield line.rstrip("\n")

    def close(self) -> None:
        self.lines.close()
        self.db.close()
        self.dir.cleanup()


def run_batch(paths: list[str], *, ruleset: str | None, lang: str, as_of: dt.date | None, jobs: int,
              progress: Callable[[int], None] | None = None) -> Spool:
    """Check every workbook into a spool, in file-name order."""
    spool = Spool()
    work = [Job(p, ruleset, lang, as_of) for p in paths]
    try:
        for path, (line, keys) in zip(paths, ordered_map(check_one, work, jobs)):
            spool.add(path, line, keys)
            if progress:
                progress(1)
    except BaseException:
        spool.close()
        raise
    return spool


def with_cross_findings(spool: Spool, cross: list[CrossFinding], lang: str) -> Iterable[str]:
    """The spooled JSON lines, with each workbook's cross-submission findings added to its own line."""
    by_file: dict[int, list[CrossFinding]] = {}
    for finding in cross:
        for index in sorted({f for f, _, _ in finding.files}):
            by_file.setdefault(index, []).append(finding)
    for index, line in enumerate(spool.reports()):
        mine = by_file.get(index)
        if not mine:
            yield line
            continue
        data = json.loads(line)
        data["findings"] = data.get("findings", []) + [f.as_json(lang, index) for f in mine]
        yield json.dumps(data, ensure_ascii=False, separators=(",", ":"))
