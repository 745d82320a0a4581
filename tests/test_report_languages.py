"""The judge is language-neutral: one judgement, written out in either language, is the check in that language.

A report holds its texts in both languages; ``Report.in_language`` writes the same judgement in the other
one, and it is byte for byte the report a check in that language gives. A report read back from its JSON
(as the supervised worker's answer is) writes the same JSON again. The judge's finding codes are defined
once, in the catalogue; the workbook layout's lists of industries and revocation reasons are read from the
rule data, and only when first asked for.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import os
import pathlib
import subprocess
import sys

import pytest

from incubator_check import Report, check, load_ruleset
from incubator_check.workbook.layout import INDUSTRIES, PROFILE, REVOCATION_REASONS, TENANTS
from incubator_check.findings import CATALOGUE

ROOT = pathlib.Path(__file__).resolve().parents[1]
FIXTURES = sorted(p for p in (ROOT / "fixtures").iterdir() if p.suffix in (".xlsx", ".xls", ".ods"))
AS_OF = dt.date(2026, 5, 1)


def _bytes(report: Report) -> str:
    return json.dumps(report.as_json(), ensure_ascii=False, indent=2)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_one_judgement_written_in_each_language(path):
    zh = check(path, lang="zh", as_of=AS_OF)
    en = check(path, lang="en", as_of=AS_OF)
    assert _bytes(zh.in_language("en")) == _bytes(en)
    assert _bytes(en.in_language("zh")) == _bytes(zh)
    assert zh.lang == "zh" and zh.in_language("en").lang == "en"


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_report_read_back_from_its_json_writes_the_same_json(path, lang):
    report = check(path, lang=lang, as_of=AS_OF)
    again = Report.model_validate(report.as_json())
    assert _bytes(again) == _bytes(report)
    assert [c.message for c in again.clauses] == [c.message for c in report.clauses]
    assert again.findings == report.findings


def test_views_show_the_report_language():
    report = check(ROOT / "fixtures" / "standard-fail-area.xlsx", lang="en", as_of=AS_OF)
    clause = report.clauses[0]
    assert clause.title == clause.title_text.en and clause.title_zh == clause.title_text.zh
    assert report.ruleset["title"] == report.ruleset_ref.title.en
    zh = report.in_language("zh")
    assert zh.clauses[0].title == clause.title_text.zh
    assert report.clauses[0].title == clause.title_text.en  # the original is unchanged


def _judge_modules() -> list[pathlib.Path]:
    return sorted((ROOT / "incubator_check" / "judge").glob("*.py"))


def test_the_judge_builds_its_findings_from_the_catalogue():
    emitted = set()
    for path in _judge_modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("from_catalogue", "_catalogued"):
                if isinstance(node.args[0], ast.Constant):
                    emitted.add(node.args[0].value)
                else:  # the helper that passes bilingual parameters on
                    assert path.name == "tenants.py" and node.args[0].id == "code", path.name
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Finding":
                code = next((k.value for k in node.keywords if k.arg == "code"), None)
                assert not isinstance(code, ast.Constant), f"{path.name}: Finding(code={code.value!r}) is not catalogued"
    assert emitted == {"tenant-undecided", "graduate-not-a-tenant", "engine-failure", "level-mismatch", "example-ruleset"}
    assert emitted <= set(CATALOGUE)


def test_the_layout_lists_agree_with_the_rule_data():
    """The workbook's industries and revocation reasons are read from the rule data (one entry of each file),
    and agree with the loader's reading of the whole file."""
    rules = load_ruleset("miit-2025-standard")
    assert tuple(rules.sme.industries) == INDUSTRIES
    assert tuple(rules.bans.years) == REVOCATION_REASONS
    assert TENANTS.field("industry").choices == INDUSTRIES
    assert PROFILE.field("revocation_reason").choices == REVOCATION_REASONS


def test_importing_the_layout_reads_no_rule_data():
    # With the parse cache off, reading the rule data is parsing it: PyYAML imported (with the cache, the first
    # use of the cache tells, which the import has not made).
    program = ("import sys, incubator_check.workbook.layout as layout; assert 'yaml' not in sys.modules, 'yaml imported'; "
               "assert layout.INDUSTRIES and 'yaml' in sys.modules")
    subprocess.run([sys.executable, "-c", program], check=True, env={**os.environ, "INCUBATOR_CHECK_CACHE_DIR": "off"})
    program = ("import incubator_check.workbook.layout as layout, incubator_check._yaml_cache as cache; "
               "assert cache._payload.cache_info().currsize == 0, 'read at import'; "
               "assert layout.INDUSTRIES and cache._payload.cache_info().currsize > 0")
    subprocess.run([sys.executable, "-c", program], check=True)
