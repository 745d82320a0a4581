"""Benchmark corpora: N application workbooks of 100 tenants each, made by fixtures/build.py."""

from __future__ import annotations

import os
import re
import sys
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "fixtures"))

import build  # noqa: E402  (fixtures/build.py)

from incubator_check.workbook.values import USCC_ALPHABET, uscc_check_character  # noqa: E402



def as_installed() -> None:
    """Run the timed subprocesses with cached bytecode, as an installed package (pip compiles it) and the
    bundle have it. A checkout run with PYTHONDONTWRITEBYTECODE (as this machine sets) would compile every
    module of the package at each start instead: 40 ms that no user pays. The cache goes under _work/."""
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ.setdefault("PYTHONPYCACHEPREFIX", os.path.join(HERE, "_work", "pycache"))


_USCC = re.compile(rb"\b[0-9A-HJ-NP-RT-UW-Y]{2}\d{6}[0-9A-HJ-NP-RT-UW-Y]{10}\b")


#: A company name's legal form, before which each copy inserts its own mark (``_distinct_copy``).
_COMPANY = re.compile("(有限责任公司|有限公司)</t>".encode())
_MARKS = "甲乙丙丁戊己庚辛壬癸"


def _distinct_copy(template: str, target: str, index: int) -> None:
    """Copy a workbook, giving every USCC in it (operator and tenants) a variant unique to this copy, and every
    company name a mark of its own (``杭州拓维新能源科技甲乙丙丁有限公司``), in every sheet alike.

    Applications from different incubators share no tenants; a corpus of identical copies would make
    every tenant a cross-submission finding and measure that pathology instead of a batch. Names too: since the
    batch also finds a tenant claimed under another USCC by its name and registration date, copies that kept
    their names made 30 such findings a workbook (9,000 in a batch of 300), and their reports, the parent's
    largest cost.
    """
    mark = "".join(_MARKS[int(d)] for d in f"{index:05d}").encode()

    def variant(match: re.Match) -> bytes:
        code = match.group(0).decode()
        digits = f"{index:06d}"
        body = code[:8] + "".join(USCC_ALPHABET[(USCC_ALPHABET.index(c) + int(d)) % 31] for c, d in zip(code[8:14], digits)) + code[14:17]
        return (body + uscc_check_character(body)).encode()

    with zipfile.ZipFile(template) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.endswith(".xml"):
                data = _COMPANY.sub(lambda m: mark + m.group(0), _USCC.sub(variant, data))
            out.writestr(item, data)


def make_corpus(folder: str, count: int, tenants: int = 100) -> list[str]:
    """Write ``count`` distinct workbooks (8 templates, each copy with its own USCCs) into ``folder``; reuse a complete one."""
    os.makedirs(folder, exist_ok=True)
    paths = [os.path.join(folder, f"application-v2-{i:05d}.xlsx") for i in range(count)]  # v2: names marked too
    if all(os.path.exists(p) for p in paths):
        return paths
    templates = []
    for seed in range(1, 9):
        path = os.path.join(folder, f"_template-{seed}.xlsx")
        if not os.path.exists(path):
            data = build.standard_application(n_tenants=tenants, seed=seed)
            build.write_workbook(data, path)
        templates.append(path)
    for i, path in enumerate(paths):
        if not os.path.exists(path):
            _distinct_copy(templates[i % len(templates)], path, i)
    return paths
