"""The catalogue of finding codes (every finding the package builds, from its code and parameters), and the bounds."""

from __future__ import annotations

import ast
import re
from pathlib import Path, PurePosixPath

import pytest

from incubator_check.findings import (CATALOGUE, GROUP_OVER, GROUP_SHOWN, MAX_FINDINGS, Bilingual, Finding, Severity,
                                      bound, code_of, from_catalogue)

ROOT = Path(__file__).parent.parent
DOCS = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "docs").glob("*.md"))


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_every_catalogue_code_is_documented(key):
    assert f"`{code_of(key)}`" in DOCS  # a table in docs/: limits.md the guard's and the reader's, architecture.md the judge's


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_every_catalogue_message_is_bilingual_and_formats(key):
    severity, zh, en = CATALOGUE[key]
    zh_fields, en_fields = set(re.findall(r"{(\w+)}", zh)), set(re.findall(r"{(\w+)}", en))
    assert zh_fields == en_fields - {"gloss"}  # the same facts in both; English may add a header's English name
    finding = from_catalogue(key, "/x/申报 表.xlsx", **{f: f"<{f}>" for f in (zh_fields | en_fields) - {"file"}})
    assert finding.code == code_of(key) and finding.severity is severity
    assert re.search(r"[\u4e00-\u9fff]", zh) and re.search(r"[a-z]{4}", en) and zh != en  # Chinese, English
    if "{file}" in zh:
        assert finding.message_zh.startswith("申报 表.xlsx：") and finding.message_en.startswith("申报 表.xlsx: ")


def test_a_bilingual_parameter_is_written_in_each_language():
    finding = from_catalogue("value-missing", field=Bilingual("上年度总收入（万元）", "Total revenue"))
    assert finding.message_zh == "「上年度总收入（万元）」未填写" and finding.message_en == "'Total revenue' is blank"


# --- every finding is built from the catalogue -------------------------------------------------------------

#: The calls that build a finding from a catalogue key, and which argument the key is. ``add`` is the reader's
#: collector's (``collector.add``); ``pair`` the reader's helper for figures that contradict each other; ``_error``
#: the guard's refusal (the web app's ``_error`` is an HTTP error page, not a finding); ``CrossFinding`` a batch's
#: finding across submissions, whose texts ``catalogue_texts`` fills in.
BUILDERS = {"from_catalogue": 0, "reader_failure": 0, "finding_at": 0, "_catalogued": 0, "ValueProblem": 0,
            "_error": 1, "add": 0, "pair": 0, "CrossFinding": 0, "catalogue_texts": 0}


def _callee(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute) and (func.attr != "add" or getattr(func.value, "id", None) == "collector"):
        return func.attr
    return None


def _constants(node: ast.expr) -> list[str] | None:
    """The keys an argument can be: a string, or either string of ``a if … else b``; None for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        body, orelse = _constants(node.body), _constants(node.orelse)
        return body + orelse if body is not None and orelse is not None else None
    return None


def _keys_built() -> dict[str, list[str]]:
    """Every catalogue key the package's modules build a finding from → where ("module.py:line")."""
    built: dict[str, list[str]] = {}
    for path in sorted((ROOT / "incubator_check").rglob("*.py")):
        where = PurePosixPath(path.relative_to(ROOT / "incubator_check").as_posix())  # "judge/x.py" on Windows too
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            if isinstance(node.func, ast.Name) and node.func.id == "Finding":
                code = next((k.value for k in node.keywords if k.arg == "code"), None)
                assert _constants(code) is None if code is not None else True, \
                    f"{where}:{node.lineno}: Finding(code={ast.unparse(code)}) is not built from the catalogue"
            name = _callee(node)
            if name == "_error" and where.parts[:2] != ("workbook", "guard"):
                continue
            if name in BUILDERS and len(node.args) > BUILDERS[name]:
                for key in _constants(node.args[BUILDERS[name]]) or []:
                    built.setdefault(key, []).append(f"{where}:{node.lineno}")
    return built


KEYS_BUILT = _keys_built()


def test_no_finding_is_built_from_a_code_the_catalogue_lacks():
    unknown = {key: where for key, where in KEYS_BUILT.items() if key not in CATALOGUE}
    assert not unknown, f"codes not in findings.CATALOGUE: {unknown}"


def test_every_catalogue_code_is_used():
    unused = sorted(set(CATALOGUE) - set(KEYS_BUILT))
    assert not unused, f"catalogue entries no module builds a finding from: {unused}"


def test_the_scan_sees_the_guard_the_reader_and_the_value_parser():
    modules = {"/".join(where.split(":")[0].split("/")[:2]) for places in KEYS_BUILT.values() for where in places}
    assert {"workbook/guard", "workbook/reader.py", "workbook/values.py", "_supervise.py", "findings.py",
            "judge/__init__.py"} <= {m if "/" not in m or m.startswith("workbook") else m for m in modules} | {
        m.split("/")[0] + "/__init__.py" for m in modules if m.startswith("judge")}


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
