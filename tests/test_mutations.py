"""Random byte mutations of valid workbooks (.xlsx, .xls, .ods): the only outcome is a report.

Raw mutations of the file mostly break a zip's CRC, which the guard refuses at once, so the zip
formats are also mutated inside a member (the XML), re-zipped with correct sizes and CRCs, which
is what reaches python-calamine. Every check goes through the supervised reader; the process
running the tests never dies, and every answer is one of the four verdicts.
"""

from __future__ import annotations

import io
import os
import sys
import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incubator_check._supervise import ReaderPool, WorkerLimits

FIXTURES = Path(__file__).parent.parent / "fixtures"
BASES = {suffix: (FIXTURES / f"standard-pass{suffix}").read_bytes() for suffix in (".xlsx", ".xls", ".ods")}
VERDICTS = {"PASS", "FAIL", "INCOMPLETE", "ERROR"}
WALL_SECONDS = 10.0

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the supervised pool's limits: Linux")


@pytest.fixture(scope="module")
def pool():
    with ReaderPool(workers=2, limits=WorkerLimits(wall_seconds=WALL_SECONDS)) as running:
        yield running


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("mutations")


_EDIT = st.tuples(st.floats(0, 1, exclude_max=True), st.sampled_from(["flip", "set", "insert", "delete", "repeat"]),
                  st.binary(min_size=1, max_size=8), st.integers(1, 4096))


def _apply(data: bytes, edits) -> bytes:
    buf = bytearray(data)
    for where, kind, payload, count in edits:
        if not buf:
            break
        at = int(where * len(buf))
        if kind == "flip":
            buf[at] ^= payload[0] or 1
        elif kind == "set":
            buf[at:at + len(payload)] = payload
        elif kind == "insert":
            buf[at:at] = payload
        elif kind == "delete":
            del buf[at:at + count]
        else:  # a stretch repeated: what inflates counts and lengths
            buf[at:at] = bytes(buf[at:at + 16]) * count
    return bytes(buf)


def _rezip(data: bytes, member_choice: float, edits) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    names = source.namelist()
    victim = names[int(member_choice * len(names))]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in names:
            content = source.read(name)
            target.writestr(name, _apply(content, edits) if name == victim else content)
    return out.getvalue()


def _check(pool: ReaderPool, folder: Path, suffix: str, data: bytes) -> None:
    path = folder / f"mutated-{time.monotonic_ns()}{suffix}"
    path.write_bytes(data)
    started = time.monotonic()
    try:
        report = pool.check(os.fspath(path))
    finally:
        path.unlink()
    assert report["verdict"] in VERDICTS
    if report["verdict"] == "ERROR":
        assert report["error"]["code"] and report["error"]["message_zh"] and report["error"]["message_en"]
    assert time.monotonic() - started < WALL_SECONDS + 15  # the timeout, plus a fresh worker's start


_SETTINGS = settings(max_examples=250, deadline=None, derandomize=True,
                     suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@_SETTINGS
@given(suffix=st.sampled_from(sorted(BASES)), edits=st.lists(_EDIT, min_size=1, max_size=6))
def test_raw_byte_mutations_give_a_report(pool, folder, suffix, edits):
    _check(pool, folder, suffix, _apply(BASES[suffix], edits))


@_SETTINGS
@given(suffix=st.sampled_from([".xlsx", ".ods"]), member=st.floats(0, 1, exclude_max=True),
       edits=st.lists(_EDIT, min_size=1, max_size=6))
def test_mutations_inside_a_zip_member_give_a_report(pool, folder, suffix, member, edits):
    _check(pool, folder, suffix, _rezip(BASES[suffix], member, edits))


def test_the_pool_still_checks_a_good_workbook_afterwards(pool):
    assert pool.check(os.fspath(FIXTURES / "standard-pass.xlsx"))["verdict"] == "PASS"
