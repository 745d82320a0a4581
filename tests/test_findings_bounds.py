"""The catalogue of codes the supervised reader and the bounds emit, and the bounds themselves."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from incubator_check.findings import (CATALOGUE, GROUP_OVER, GROUP_SHOWN, MAX_FINDINGS, Finding, Severity, bound,
                                      from_catalogue)

DOCS = "\n".join(p.read_text(encoding="utf-8") for p in (Path(__file__).parent.parent / "docs").glob("*.md"))


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_catalogue_code_is_documented(code):
    assert f"`{code}`" in DOCS  # a table in docs/ (limits.md for the reader's, architecture.md for the judge's)


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_catalogue_message_is_bilingual_and_formats(code):
    severity, zh, en = CATALOGUE[code]
    fields = set(re.findall(r"{(\w+)}", zh)) | set(re.findall(r"{(\w+)}", en))
    assert set(re.findall(r"{(\w+)}", zh)) == set(re.findall(r"{(\w+)}", en))  # the same facts in both
    finding = from_catalogue(code, "/x/申报 表.xlsx", **{f: f"<{f}>" for f in fields - {"file"}})
    assert re.search(r"[\u4e00-\u9fff]", finding.message_zh) and finding.message_en.isascii() or "<" in finding.message_en
    if "{file}" in zh:
        assert finding.message_zh.startswith("申报 表.xlsx：") and finding.message_en.startswith("申报 表.xlsx: ")


def _finding(i: int, code: str = "invalid-date", severity: Severity = Severity.ERROR, column: str = "registered_on"):
    return Finding(code=code, severity=severity, message_zh="坏", message_en="bad", sheet="在孵企业",
                   cell=f"C{i + 2}", row=i + 2, column=column)


def test_a_few_findings_are_listed_as_they_are():
    few = [_finding(i) for i in range(GROUP_OVER)]
    assert bound(few) == few


def test_a_whole_column_of_one_bad_value_is_grouped_with_its_severity():
    column = [_finding(i) for i in range(1000)]
    other = _finding(0, code="uscc-check-digit", severity=Severity.WARNING, column="uscc")
    listed = bound(column + [other])
    assert listed[:GROUP_SHOWN] == column[:GROUP_SHOWN]
    group = listed[GROUP_SHOWN]
    assert group.code == "findings-grouped" and group.severity is Severity.ERROR
    assert "1000" in group.message_zh and "C7" in group.message_en and "C1001" in group.message_en
    assert listed[-1] == other and len(listed) == GROUP_SHOWN + 2


def test_past_the_cap_errors_are_kept_and_the_rest_counted():
    many = [_finding(i, code=f"code-{i}", severity=Severity.WARNING if i % 2 else Severity.ERROR) for i in range(2000)]
    listed = bound(many)
    assert len(listed) == MAX_FINDINGS
    assert sum(f.severity is Severity.ERROR for f in listed[:-1]) == MAX_FINDINGS - 1  # 1000 errors fill the list
    tail = listed[-1]
    assert tail.code == "findings-truncated" and str(2000 - MAX_FINDINGS + 1) in tail.message_en
    assert tail.severity is Severity.ERROR  # the worst of what was left out: errors past the cap


def test_the_truncation_finding_has_the_severity_of_what_it_stands_for():
    many = [_finding(i, code=f"code-{i}", severity=Severity.ERROR if i < 100 else Severity.WARNING) for i in range(1000)]
    listed = bound(many)
    assert [f for f in listed if f.severity is Severity.ERROR] == many[:100]  # every error kept
    assert listed[-1].code == "findings-truncated" and listed[-1].severity is Severity.WARNING
