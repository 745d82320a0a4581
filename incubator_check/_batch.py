"""Batch: a reviewer's folder of applications, every one checked, one line or row each, cross-checked.

Workers of the supervised reader (``_supervise.py``) check one workbook each and return
only the small report (as JSON text) and the few identifiers the cross-check needs, never
the parsed data; a worker that dies costs only its own file, which gets its ERROR row. Results are
spooled to a temporary file in file-name order and indexed in a temporary SQLite
database, so memory stays bounded however large the folder; then the tenant
USCCs claimed by more than one submission, and operators applying twice, are
found with one query, and the output is written from the spool.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import marshal
import os
import sqlite3
import tempfile
from collections import deque
from dataclasses import dataclass
from itertools import compress, repeat
from typing import Any, Callable, Iterable, Iterator
from unicodedata import normalize

from ._supervise import Job, ReaderPool
from .findings import Bilingual, catalogue_texts
from ._text import dumps, json_text, visible

SUFFIXES = (".xlsx", ".xls", ".ods", ".xlsm")


def find_workbooks(folder: str, recursive: bool) -> list[str]:
    """The workbooks of a folder in file-name order; Office lock files (``~$…``) are not applications.

    Every entry with a workbook's suffix that is not a folder counts, whatever it is: a link to a device, a
    dangling link, a link loop or a FIFO is listed too, so that it gets its own ERROR row instead of being
    skipped silently (the reader refuses it without blocking). Links to folders are not followed.
    """
    found = []
    if recursive:
        for root, dirs, files in os.walk(folder):
            dirs.sort()
            found += [os.path.join(root, f) for f in files]
            found += [os.path.join(root, d) for d in dirs if os.path.islink(os.path.join(root, d))]
    else:
        with os.scandir(folder) as entries:
            found = [e.path for e in entries if e.is_symlink() or not e.is_dir(follow_symlinks=False)]
    chosen = [p for p in found if p.lower().endswith(SUFFIXES) and not os.path.basename(p).startswith(("~$", ".~lock", ".~"))]
    return sorted(chosen, key=lambda p: os.path.relpath(p, folder))


#: Names that are no one's submission: Office and LibreOffice lock files, hidden files (``.DS_Store``).
_NOT_ENTRIES = ("~$", ".~lock", ".~", ".")


def find_entries(folder: str, recursive: bool) -> tuple[list[str], list[str]]:
    """Every entry of a folder that gets a row of the batch, in name order, and the hidden or temporary files
    left out (listed once by the caller).

    Not only the workbooks: a ``.csv``, an ``.et``, a ``.zip`` or any other file beside them gets its own ERROR
    row saying what to do (the guard refuses it by name), and so does a sub-folder when the batch does not go
    into sub-folders (its row gives the ``-r`` hint). An applicant's file never vanishes from the count.
    """
    found = []
    if recursive:
        for root, dirs, files in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") or os.path.islink(os.path.join(root, d)))
            found += [os.path.join(root, f) for f in files]
            found += [os.path.join(root, d) for d in dirs if os.path.islink(os.path.join(root, d))]
    else:
        with os.scandir(folder) as entries:
            found = [e.path for e in entries]
    hidden = sorted((p for p in found if os.path.basename(p).startswith(_NOT_ENTRIES)),
                    key=lambda p: os.path.relpath(p, folder))
    chosen = [p for p in found if not os.path.basename(p).startswith(_NOT_ENTRIES)]
    return sorted(chosen, key=lambda p: os.path.relpath(p, folder)), hidden


def same_files(paths: list[str]) -> dict[str, str]:
    """Each path that is the same file as an earlier one (a link to it, a hard link) → that earlier path."""
    first: dict[tuple[int, int], str] = {}
    same: dict[str, str] = {}
    for path in paths:
        try:
            info = os.stat(path)
        except (OSError, ValueError):
            continue
        if not info.st_ino or not os.path.isfile(path):
            continue
        key = (info.st_dev, info.st_ino)
        if key in first:
            same[path] = first[key]
        else:
            first[key] = path
    return same


OTHERS_SHOWN = 10  # report.md: a cross-submission finding names at most 10 other submissions, and counts them all


@dataclass
class CrossFinding:
    """A finding that spans submissions: the same tenant in two applications, an operator applying twice.

    ``claims`` holds every (file index, path, roster row) once, so all cross findings together are as large as
    the claims themselves; each report shows at most :data:`OTHERS_SHOWN` of the others and how many there are,
    so 500 copies of one workbook give about 500 reports' worth of output, not 500².
    """

    code: str
    key: str  # the USCC shared
    name: str
    claims: list[tuple[int, str, int | None]]

    @property
    def submissions(self) -> int:
        return len({f for f, _, _ in self.claims})

    @property
    def files(self) -> list[tuple[int, str, int | None]]:
        """The claims, at most one per submission and at most :data:`OTHERS_SHOWN` + 1 of them (for listings)."""
        shown, seen = [], set()
        for claim in self.claims:
            if claim[0] not in seen:
                seen.add(claim[0])
                shown.append(claim)
                if len(shown) > OTHERS_SHOWN:
                    break
        return shown

    @property
    def _by_file(self) -> bool:
        """Whether the finding lists whole submissions (an operator, a file) rather than roster rows."""
        return self.code in ("operator-in-several-submissions", "identical-files")

    def _where(self, claims, more: int) -> Bilingual:
        """The submissions listed (each by the name it carries in the batch: its path relative to the folder given,
        never the bare file name, which two applicants' folders share), and how many more there are."""
        if self._by_file:
            zh = "、".join(visible(p) for _, p, _ in claims)
            en = ", ".join(visible(p) for _, p, _ in claims)
        else:
            zh = "；".join(f"{visible(p)} 第 {r} 行" for _, p, r in claims)
            en = "; ".join(f"{visible(p)} row {r}" for _, p, r in claims)
        return Bilingual(zh + f"；另有 {more} 份", en + f"; and {more} more") if more > 0 else Bilingual(zh, en)

    @property
    def _shown_key(self) -> str:
        """The key as the message shows it: a file's SHA-256 by its first 12 digits, a USCC whole."""
        return self.key[:12] if self.code == "identical-files" else self.key

    def message(self, lang: str) -> str:
        """The finding across the folder, listing at most :data:`OTHERS_SHOWN` + 1 submissions."""
        listed = self.files
        _, zh, en = catalogue_texts(self.code, name=self.name, uscc=self._shown_key, count=self.submissions,
                                    where=self._where(listed, self.submissions - len(listed)))
        return en if lang == "en" else zh

    def as_json(self, lang: str, index: int) -> dict[str, Any]:
        """The finding as it goes into one submission's report: its own row, and the others (at most 10)."""
        rows = [r for i, _, r in self.claims if i == index and r is not None]
        others_all = {i for i, _, _ in self.claims if i != index}
        others, seen = [], set()
        for i, p, r in self.claims:
            if i != index and i not in seen and len(others) < OTHERS_SHOWN:
                seen.add(i)
                others.append((i, p, r))
        severity, zh, en = catalogue_texts(
            "operator-in-several-submissions:also" if self.code == "operator-in-several-submissions"
            else "identical-files:also" if self.code == "identical-files"
            else "tenant-name-date-in-several-submissions:also" if self.code == "tenant-name-date-in-several-submissions"
            else "tenant-in-several-submissions:also",
            name=self.name, uscc=self._shown_key, count=len(others_all),
            where=self._where(others, len(others_all) - len(others)))
        found = {"severity": severity.value, "code": self.code, "where": f"在孵企业!第{rows[0]}行" if rows else "",
                 "row": rows[0] if rows else None, "others": [p for _, p, _ in others],
                 "others_count": len(others_all), "message": en if lang == "en" else zh, "message_zh": zh, "message_en": en}
        found["sha256" if self.code == "identical-files" else "uscc"] = self.key
        return found


#: A key's hash as :meth:`Spool._note_repeats` keeps it (a test makes every key collide).
_key_hash = hash


def name_key(name: str | None) -> str:
    """A company name compared: NFKC (full-width brackets and letters alike), no spaces, letters in one case."""
    return "".join(normalize("NFKC", name or "").split()).casefold()


class Spool:
    """The batch's results on disk: reports as JSON Lines, identifiers in SQLite."""

    def __init__(self, temp_dir: str | None = None) -> None:
        self.dir = tempfile.TemporaryDirectory(prefix="incubator-check-", dir=temp_dir)
        self.lines_path = os.path.join(self.dir.name, "reports.jsonl")
        self.lines = open(self.lines_path, "w", encoding="utf-8", newline="\n")
        self.db = sqlite3.connect(os.path.join(self.dir.name, "index.sqlite"))
        self.db.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
            # each submission's roster keys, one row a submission (``marshal``: what one insert a tenant cost)
            "CREATE TABLE roster(file INTEGER PRIMARY KEY, keys BLOB);"
            # the rows the cross-check groups: those of the keys found in more than one submission (cross_findings)
            "CREATE TABLE tenant(file INTEGER, uscc TEXT, row INTEGER, name TEXT, name_key TEXT, registered TEXT);"
            "CREATE TABLE submission(file INTEGER PRIMARY KEY, path TEXT, verdict TEXT, operator_uscc TEXT,"
            " operator_name TEXT, name TEXT, province TEXT, level TEXT, sha256 TEXT);"
            # a later copy of a file already in the batch: its roster and operator are not compared again
            "CREATE TABLE copy(file INTEGER PRIMARY KEY);")
        self.count = 0
        self.skipped: list[str] = []  # workbooks this tool wrote, found in the folder and left out
        self._submissions: list[tuple] = []  # rows not yet in the database: written in bulk (``_flush``)
        self._rosters: list[tuple[int, bytes]] = []
        self._roster_rows = 0
        # The tenants' keys (USCC; name and registration date) that may be in more than one submission, and the
        # submissions that hold them: the cross-check groups only their rows (:meth:`_note_repeats`).
        self._seen = ({}, {})  # a key's hash → the first submission it was found in
        self._repeated: tuple[set[str], set[tuple[str, str]]] = (set(), set())
        self._holding: set[int] = set()

    def add(self, path: str, line: str, keys: dict[str, Any]) -> None:
        index = self.count
        self.lines.write(line + "\n")
        self._submissions.append((index, json_text(path), keys["verdict"], keys["operator_uscc"], keys["operator_name"],
                                  keys["name"], keys["province"], keys["level"], keys.get("sha256")))
        rows = [(index, u or None, r, n, name_key(n) or None if d else None, d) for u, r, n, d in keys["tenants"]]
        self._rosters.append((index, marshal.dumps(rows)))
        self._roster_rows += len(rows)
        self._note_repeats(index, rows)
        self.count += 1
        if len(self._submissions) >= 64 or self._roster_rows >= 20_000:
            self._flush()

    def _note_repeats(self, index: int, rows: list[tuple]) -> None:
        """Note which of a submission's tenant keys were found in an earlier submission.

        Grouping every tenant row at the end (``GROUP BY uscc HAVING COUNT(DISTINCT file) > 1``, and the same by
        name and date) took ~0.2 s for 100,000 rows, while the workers had nothing left to do; noted here, as the
        rows arrive, it is a few C calls a file. Each key's hash is kept with the first submission it was found
        in, not the key (a few bytes a key, whatever its length): a key found again under the same hash in a
        later submission is noted. Every key of more than one submission is noted, because its hash was kept
        with an earlier one; a key whose hash only collides with another's is noted too, and the queries, which
        group the noted keys' rows exactly as they grouped all rows, leave it out. The copies of a file (found
        at the end) are left out by the queries, as before."""
        usccs = [row[1] for row in rows if row[1] is not None]
        names = [(row[4], row[5]) for row in rows if row[4] is not None]
        for keys, seen, repeated in zip((usccs, names), self._seen, self._repeated):
            firsts = list(map(seen.setdefault, map(_key_hash, keys), repeat(index)))
            again = list(map(index.__ne__, firsts))
            if True in again:
                # This submission holds them, and so does the first each hash was found in: every submission that
                # holds a noted key is one of these (the first of them kept its hash, or one before it did).
                repeated.update(compress(keys, again))
                self._holding.add(index)
                self._holding.update(compress(firsts, again))

    def _flush(self) -> None:
        """The rows added since the last flush, into the database in two statements (one per file cost more)."""
        if self._submissions:
            self.db.executemany("INSERT INTO submission VALUES (?,?,?,?,?,?,?,?,?)", self._submissions)
            self._submissions = []
        if self._rosters:
            self.db.executemany("INSERT INTO roster VALUES (?,?)", self._rosters)
            self._rosters, self._roster_rows = [], 0

    def cross_findings(self) -> list[CrossFinding]:
        """Across the submissions, one query each: byte-identical files; tenants claimed by several (by USCC, and by
        name and registration date under different USCCs); operators applying more than once.

        A file sent twice is one finding, and its later copies are left out of the other comparisons: otherwise
        every tenant of its roster would be a finding of its own, and the real double claims would drown.
        """
        self.lines.flush()
        self._flush()
        found: list[CrossFinding] = []
        rows = self.db.execute(
            "SELECT sha256, file, path, name FROM submission WHERE sha256 IN (SELECT sha256 FROM submission "
            "WHERE sha256 IS NOT NULL GROUP BY sha256 HAVING COUNT(*) > 1) ORDER BY sha256, file").fetchall()
        for sha, group in itertools.groupby(rows, key=lambda r: r[0]):
            subs = list(group)
            self.db.executemany("INSERT INTO copy VALUES (?)", [(s[1],) for s in subs[1:]])
            name = next((s[3] for s in subs if s[3]), "")
            found.append(CrossFinding("identical-files", sha, name, [(f, p, None) for _, f, p, _ in subs]))
        # Only the keys found in more than one submission as they came (_note_repeats) can be: their rows alone
        # are grouped, and a batch with none is not scanned at all.
        usccs, names = self._repeated
        self.db.executescript("CREATE TEMP TABLE IF NOT EXISTS repeated_uscc(uscc TEXT PRIMARY KEY) WITHOUT ROWID;"
                              "CREATE TEMP TABLE IF NOT EXISTS repeated_name(name_key TEXT, registered TEXT,"
                              " PRIMARY KEY (name_key, registered)) WITHOUT ROWID;"
                              "DELETE FROM repeated_uscc; DELETE FROM repeated_name;")
        self.db.executemany("INSERT INTO repeated_uscc VALUES (?)", zip(usccs))
        self.db.executemany("INSERT INTO repeated_name VALUES (?, ?)", names)
        self.db.execute("DELETE FROM tenant")
        for start in range(0, len(holding := sorted(self._holding)), 500):
            part = holding[start:start + 500]
            for (keys,) in self.db.execute(f"SELECT keys FROM roster WHERE file IN ({','.join('?' * len(part))})",
                                           part).fetchall():
                self.db.executemany("INSERT INTO tenant VALUES (?,?,?,?,?,?)",
                                    [row for row in marshal.loads(keys) if row[1] in usccs or (row[4], row[5]) in names])
        rows = self.db.execute(
            "SELECT t.uscc, t.file, s.path, t.row, t.name FROM tenant t JOIN submission s USING (file) "
            "WHERE t.uscc IN (SELECT uscc FROM repeated_uscc) AND t.file NOT IN (SELECT file FROM copy) "
            "AND t.uscc IN (SELECT uscc FROM tenant WHERE uscc IN (SELECT uscc FROM repeated_uscc) "
            "AND file NOT IN (SELECT file FROM copy) GROUP BY uscc HAVING COUNT(DISTINCT file) > 1) "
            "ORDER BY t.uscc, t.file, t.row") if usccs else ()
        for uscc, group in itertools.groupby(rows, key=lambda r: r[0]):
            claims = list(group)
            name = next((c[4] for c in claims if c[4]), "")
            found.append(CrossFinding("tenant-in-several-submissions", uscc, name, [(f, p, r) for _, f, p, r, _ in claims]))
        # The same name and registration date under different USCCs, in different submissions: one company with a
        # mistyped code (a USCC shared by them all is the finding above already).
        rows = self.db.execute(
            "SELECT t.name_key, t.registered, t.file, s.path, t.row, t.name, t.uscc FROM tenant t JOIN submission s "
            "USING (file) WHERE (t.name_key, t.registered) IN (SELECT name_key, registered FROM repeated_name) "
            "AND t.file NOT IN (SELECT file FROM copy) AND (t.name_key, t.registered) IN "
            "(SELECT name_key, registered FROM tenant WHERE (name_key, registered) IN "
            "(SELECT name_key, registered FROM repeated_name) AND file NOT IN (SELECT file FROM copy) "
            "GROUP BY name_key, registered HAVING COUNT(DISTINCT file) > 1 AND COUNT(DISTINCT COALESCE(uscc, '')) > 1) "
            "ORDER BY t.name_key, t.registered, t.file, t.row") if names else ()
        for (key, date), group in itertools.groupby(rows, key=lambda r: (r[0], r[1])):
            claims = list(group)
            codes = "、".join(dict.fromkeys(c[6] or "—" for c in claims))
            found.append(CrossFinding("tenant-name-date-in-several-submissions", codes, claims[0][5] or key,
                                      [(f, p, r) for _, _, f, p, r, _, _ in claims]))
        rows = self.db.execute(
            "SELECT operator_uscc, file, path, operator_name FROM submission WHERE file NOT IN (SELECT file FROM copy) "
            "AND operator_uscc IN (SELECT operator_uscc FROM submission WHERE operator_uscc IS NOT NULL "
            "AND file NOT IN (SELECT file FROM copy) GROUP BY operator_uscc HAVING COUNT(*) > 1) ORDER BY operator_uscc, file")
        for uscc, group in itertools.groupby(rows, key=lambda r: r[0]):
            subs = list(group)
            name = next((s[3] for s in subs if s[3]), "")
            found.append(CrossFinding("operator-in-several-submissions", uscc, name, [(f, p, None) for _, f, p, _ in subs]))
        return found

    def reports(self) -> Iterator[str]:
        self.lines.flush()
        self._flush()
        with open(self.lines_path, encoding="utf-8") as handle:
            for line in handle:
                yield line.rstrip("\n")

    def close(self) -> None:
        self.lines.close()
        self.db.close()
        self.dir.cleanup()


def run_batch(paths: list[str], *, ruleset: str | None, lang: str, as_of: dt.date | None, jobs: int,
              progress: Callable[[int], None] | None = None, pool: ReaderPool | None = None,
              folder: str | None = None, temp_dir: str | None = None, names: list[str] | None = None,
              refused: dict[str, Any] | None = None) -> Spool:
    """Check every workbook into a spool, in file-name order, each parsed in a supervised worker.

    Each submission carries one name, set here and inherited by every output (its report's ``source.path``,
    the cross findings, the summary): with ``folder``, its path relative to that folder (report.md); with
    ``names`` (one per path: the web app's uploaded names and zip paths), that name; else the path as given.
    So two ``申报表.xlsx`` in different sub-folders stay apart everywhere. A path that is the same file as an
    earlier one (a link to it) is reported as that submission, not checked twice.

    ``pool`` is a running :class:`ReaderPool` to use (the web app keeps one); otherwise one of ``jobs``
    workers is started for this batch and stopped after it. ``refused`` maps a path to the finding it is answered
    with, unread (the web app's uploads past their size limit, never stored).
    """
    spool = Spool(temp_dir)  # ``temp_dir``: the web app's private folder; the system's by default
    own = pool is None
    if pool is None:
        pool = ReaderPool(workers=jobs)
    same = same_files(paths)

    given = dict(zip(paths, names)) if names is not None else {}

    def shown(path: str) -> str:
        if path in given:
            return given[path]
        return os.path.relpath(path, folder) if folder is not None else path

    jobs_sent: deque[Job] = deque()  # each file's job, until its outcome is spooled under the job's name

    def work() -> Iterator[Job]:
        for p in paths:
            job = Job(p, ruleset, lang, as_of, shown=shown(p), same_as=same.get(p) and shown(same[p]),
                      refused=(refused or {}).get(p))
            jobs_sent.append(job)
            yield job

    try:
        for outcome in pool.map(work(), total=len(paths)):
            job = jobs_sent.popleft()  # the outcomes come in the order of the jobs
            if outcome.skipped:
                spool.skipped.append(job.shown)
            else:
                spool.add(job.shown, outcome.line, outcome.keys)
            if progress:
                progress(1)
    except BaseException:
        if own:
            pool.close(now=True)
            own = False
        spool.close()
        raise
    finally:
        if own:
            pool.close()
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
        yield dumps(data)
