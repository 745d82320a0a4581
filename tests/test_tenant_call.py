"""The tenant call judges each term once (issue 21): every term of every tenant test is written once in the
call, in the array its second map builds per row; the folds (Article 8's population, graduates' Article 9)
read only that array, so a term is never evaluated again for a fold, for a test another test refers to, or
for the terms returned one by one. And the roster's models are built from what the parsers produced, without
a second validation, only where the parsers guarantee what the model checks."""

from __future__ import annotations

import os
import re
import sys
from decimal import Decimal
from pathlib import Path

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from conftest import build_workbook  # noqa: E402
from incubator_check import load_ruleset, read_workbook  # noqa: E402
from incubator_check.rules.compile import RANK_HI, compile_ruleset  # noqa: E402
from incubator_check.workbook import reader  # noqa: E402
from incubator_check.workbook.values import within_model  # noqa: E402

HERE = Path(__file__).resolve().parent
RULESETS = ["miit-2025-standard", "miit-2025-excellence", "shenzhen-2025",
            *sorted(str(p) for p in (HERE / "rulesets").glob("*.yaml"))]


def _terms_written(ruleset) -> int:
    """How many terms the tenant tests hold that are judged on a row (not a reference to another test)."""
    return sum(1 for test in ruleset.tenant_tests.values() for term in test.terms if term.test is None)


def _top_level_items(array: str) -> list[str]:
    """The items of a zen array literal, split at its own commas only."""
    items, depth, start = [], 0, 1
    for i, ch in enumerate(array):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 1:
            items.append(array[start:i].strip())
            start = i + 1
    items.append(array[start:-1].strip())
    return [item for item in items if item]


@pytest.mark.parametrize("ruleset_id", RULESETS)
def test_every_term_is_written_once_and_every_fold_reads_the_terms_answers(ruleset_id):
    ruleset = load_ruleset(ruleset_id)
    sources = compile_ruleset(ruleset).sources
    call, ranks, terms = sources["tenants"], sources["ranks"], sources["terms"]
    assert len(_top_level_items(f"[{terms}]")) == _terms_written(ruleset)
    # The call is three maps, each row a flat array: the ranks, the terms once per row, the folds.
    assert call.startswith(f"map(map({ranks}, [#[1], {RANK_HI}, {terms}]), [")
    assert call.count(terms) == 1 and call.count(ranks) == 1
    folds = call[len(f"map(map({ranks}, [#[1], {RANK_HI}, {terms}]), "):]
    # The folds read no roster value: only the terms' answers (#[2], #[3], …) and the class ranks (#[0], #[1]).
    assert "tenant_" not in folds and "#." not in folds
    read = {int(i) for i in re.findall(r"#\[(\d+)\]", folds)}
    assert read == set(range(_terms_written(ruleset) + 2))  # every term's answer is used


def test_a_test_that_refers_to_another_reads_its_answers_not_its_terms():
    ruleset = load_ruleset("miit-2025-standard")
    graduate = ruleset.tenant_tests["graduate"]
    assert any(term.test == "article_9" for term in graduate.terms)
    compiled = compile_ruleset(ruleset)
    call, ranks, terms = compiled.sources["tenants"], compiled.sources["ranks"], compiled.sources["terms"]
    answer = _top_level_items(call[len(f"map(map({ranks}, [#[1], {RANK_HI}, {terms}]), "):-1])
    folds = answer[2 + compiled.test_order.index("graduate")]  # after the row's lowest and highest class
    assert "tenant_columns" not in folds and "#[" in folds


@pytest.mark.parametrize("text, taken", [
    ("999999999999999", True), ("1E+15", False), ("12345678901234.5", True), ("1E-15", True), ("1E-16", False),
    ("0", True), ("5000.000000000000000", True), ("-1", False), ("0.00123456789012345", False),
    ("0.123456789012345", True), ("1", True),
])
def test_the_amounts_the_model_takes_as_they_are(text, taken):
    assert within_model(Decimal(text)) is taken


def test_the_roster_built_without_validation_equals_the_validated_one(tmp_path, monkeypatch):
    path = tmp_path / "a.xlsx"
    build_workbook(path, n_tenants=12)
    built = read_workbook(path).submission.tenants
    monkeypatch.setattr(reader, "_built_tenants", lambda records: None)
    validated = read_workbook(path).submission.tenants
    assert built == validated and [t.model_fields_set for t in built] == [t.model_fields_set for t in validated]
    assert [type(t.industry) for t in built] == [type(t.industry) for t in validated]


def test_an_amount_the_model_refuses_is_still_refused_at_its_cell(tmp_path):
    # 10^15 万元 passes the parser's bounds (at most 10^15, one significant digit) but has 16 digits to the model.
    path = tmp_path / "a.xlsx"
    build_workbook(path, n_tenants=3, tenants=[{"revenue_y1": 10**15}])
    result = read_workbook(path)
    refused = [f for f in result.findings if f.code == "value-not-accepted"]
    assert len(refused) == 1 and refused[0].column == "revenue_y1"
    assert result.submission.tenants[0].revenue_y1 is None


@pytest.mark.parametrize("how", ["all", "any"])
@pytest.mark.parametrize("size", [1, 2, 3])
def test_a_fold_that_tries_its_usual_answer_first_answers_as_the_fold(how, size):
    # Every combination of true, false, unknown and a non-boolean (a faulty ruleset's term), through zen.
    import itertools

    import zen
    from incubator_check.rules.compile import usual_first
    from incubator_check.rules.intervals import fold

    terms = [f"v[{i}]" for i in range(size)]
    shortcut = zen.compile_expression(usual_first(terms, how))
    plain = zen.compile_expression(fold(terms, how))
    for values in itertools.product([True, False, None, 1], repeat=size):
        context = {"v": list(values)}
        assert shortcut.evaluate(context) == plain.evaluate(context), values


def test_the_industry_code_and_the_highest_class_only_for_open_rows_give_the_classes_of_the_text_chain(tmp_path):
    # Rows of every industry, with and without blank figures, and a blank industry: the classes as before.
    from incubator_check.model import Industry

    industries = [i.value for i in Industry]
    rows = [{"industry": industry, "revenue_y1": 100 * k, "employees": 5 * k, "total_assets": None if k % 3 == 0 else 50 * k}
            for k, industry in enumerate(industries * 2, start=1)] + [{"industry": None}]
    path = tmp_path / "a.xlsx"
    build_workbook(path, n_tenants=len(rows), tenants=rows)
    ruleset = load_ruleset("miit-2025-standard")
    from incubator_check.judge.tenants import run_tenant_tests
    from incubator_check.judge.context import profile_context

    submission = read_workbook(path, choices={}).submission
    compiled = compile_ruleset(ruleset)
    outcomes, _, failures = run_tenant_tests(compiled, submission, profile_context(submission, ruleset))
    assert not failures
    sme = ruleset.sme
    for o in outcomes:
        t = o.tenant
        if t.industry is None:
            assert o.sme_class == (None, None)
            continue
        sides = []
        for blank in (0, 10**15):
            figures = {fig: (getattr(t, spec["column"]) if getattr(t, spec["column"]) is not None else blank)
                       for fig, spec in sme.figures.items()}
            found = sme.ranked[0]
            for cls in sme.bounded:  # from the largest down, as the standard does
                if all(figures[fig] >= bound for fig, bound in sme.bounds(t.industry.value, cls).items()):
                    found = cls
                    break
            sides.append(found)
        assert o.sme_class == tuple(sides), (t.row, t.industry)


def test_a_class_term_answers_as_the_table_of_every_lowest_and_highest_class():
    # The second map reads a closed row's one class by comparisons and only an open row's pair from the table
    # (issue 21): every set of allowed classes, every lowest and highest rank (null too), through zen.
    import itertools

    import zen
    from incubator_check.rules.compile import class_table, class_term

    ranked = ["micro", "small", "medium", "large"]
    for size in range(len(ranked) + 1):
        for allowed in itertools.combinations(ranked, size):
            table = class_table(allowed, ranked)
            by_table = zen.compile_expression(
                f"map(rows, (#[1] == null or {RANK_HI} == null) ? null : {table}[#[1] * 4 + {RANK_HI}])")
            by_term = zen.compile_expression(f"map(rows, {class_term(allowed, ranked, ('#[0]', '#[1]', RANK_HI))})")
            rows = [[0, lo, hi] for lo, hi in itertools.product([None, 0, 1, 2, 3], repeat=2)]
            expected, found = by_table.evaluate({"rows": rows}), by_term.evaluate({"rows": rows})
            assert found == expected and [type(v) for v in found] == [type(v) for v in expected], allowed
