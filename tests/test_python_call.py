"""The tenant call in Python (rules/python_call.py, issue 21 "way b"), with zen as the differential oracle.

Every answer the Python call gives — a row's lowest and highest class rank, each tenant test, the terms returned —
must be zen's answer for the same row: for every bundled ruleset and every ruleset the tests build, every clause
case, and a few thousand generated rosters with blanks, zeros, huge figures, fractions and each threshold's edges.
Where the Python call cannot vouch for an answer it defers and zen answers; where a ruleset says something its
grammar does not know, the ruleset keeps its zen call.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import random
import sys
from decimal import Decimal
from pathlib import Path

import pytest

sys.path.insert(0, os.path.dirname(__file__))

import lawbook  # noqa: E402
from incubator_check import load_ruleset  # noqa: E402
from incubator_check.judge import tenants as tenants_module  # noqa: E402
from incubator_check.judge.context import profile_context, tenant_columns  # noqa: E402
from incubator_check.judge.tenants import run_tenant_tests  # noqa: E402
from incubator_check.model import Industry, SourceMap, Tenant  # noqa: E402
from incubator_check.rules.compile import compile_ruleset  # noqa: E402
from incubator_check.rules.engine import EngineFailure, evaluate  # noqa: E402
from incubator_check.rules import python_call as pc  # noqa: E402
from incubator_check.workbook.values import within_model  # noqa: E402

HERE = Path(__file__).resolve().parent
BUNDLED = ["miit-2025-standard", "miit-2025-excellence", "shenzhen-2025"]
FIXTURES = sorted(str(p) for p in (HERE / "rulesets").glob("*.yaml"))


def _extending_the_standard(ruleset_id: str, tenant_tests: str) -> str:
    """A test ruleset's text: the standard level's, with ``tenant_tests`` (YAML at the key's indentation) added."""
    return f"""\
id: {ruleset_id}
kind: ruleset
version: "0.1-test"
level: 标准级
extends: miit-2025-standard
title: {{zh: 测试, en: test}}
citation: 测试
effective: 2026-01-01
tenant_tests:
{tenant_tests}"""


GROWTH_FROM_ZERO = _extending_the_standard("growth-from-zero", """\
  growth:
    article: 第六条第（六）项
    any:
      - expr: "#.revenue_y1 > growth_factor * #.revenue_y2"
        needs: [revenue_y1, revenue_y2]
      - expr: "#.rd_y1 > growth_factor * #.rd_y2"
        needs: [rd_y1, rd_y2]
""")

# Constructs of the grammar a bundled ruleset does not use: subtraction, == and !=, < and <=, or inside a term,
# parentheses, a number with decimals, true/false, a sum compared with a product, a term without needs, a profile
# figure in a sum, a blank with a meaning on a figure.
CONSTRUCTS = _extending_the_standard("constructs", """\
  constructs:
    article: 测试
    any:
      - expr: "#.revenue_y1 - #.revenue_y2 >= 100.5"
        needs: [revenue_y1, revenue_y2]
      - expr: "#.employees == 20 or #.employees != 30 and #.total_assets < 300"
        needs: [employees, total_assets]
      - expr: "(#.rd_y1 + #.rd_y2) * 2 <= #.revenue_y1 and #.tech_sme"
        needs: [rd_y1, rd_y2, revenue_y1, tech_sme]
      - expr: "#.registered_year + 1 > data_year - 0.5"
        needs: [registered_on]
      - expr: "#.largest_round * 3 > 1500"
        needs: [largest_round]
        blank: true
      - expr: "1 > 2"
      - expr: "#.graduated or #.newly_certified"
        needs: [graduated, newly_certified]
  every:
    article: 测试
    all:
      - test: constructs
      - test: growth
      - expr: "#.rd_y1 == #.rd_y2"
        needs: [rd_y1, rd_y2]
      - sme_class: [micro]
""")

# A difference compared with a figure: the two sides can come nearer than zen's sixteenth digit.
NEAR = _extending_the_standard("near", """\
  growth:
    article: 第六条第（六）项
    any:
      - expr: "#.revenue_y1 - #.revenue_y2 >= 4243246.5732"
        needs: [revenue_y1, revenue_y2]
  over:
    article: 测试
    all:
      - expr: "#.revenue_y1 - #.revenue_y2 > 4243246.5732"
        needs: [revenue_y1, revenue_y2]
""")

# A construct the Python grammar does not know (a text): that ruleset keeps its zen call.
UNKNOWN = """\
id: unknown-construct
kind: ruleset
version: "0.1-test"
level: 标准级
extends: miit-2025-standard
title: {zh: 测试, en: test}
citation: 测试
effective: 2026-01-01
tenant_tests:
  growth:
    article: 第六条第（六）项
    any:
      - expr: "#.industry == '工业' and #.revenue_y1 > 100"
        needs: [industry, revenue_y1]
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rulesets")
    paths = {}
    for name, text in (("growth-from-zero", GROWTH_FROM_ZERO), ("constructs", CONSTRUCTS), ("unknown", UNKNOWN),
                       ("near", NEAR)):
        path = folder / f"{name}.yaml"
        path.write_text(text, encoding="utf-8")
        paths[name] = str(path)
    return paths


def _rulesets(built) -> list:
    return [load_ruleset(r) for r in BUNDLED + FIXTURES + [built[n] for n in ("growth-from-zero", "constructs", "near")]]


# --- the oracle ------------------------------------------------------------------------------------------


def zen_answers(compiled, tenants, base, source):
    """The zen tenant call's answers for these rows, as run_tenant_tests asks for them (one call)."""
    ruleset = compiled.ruleset
    figures = {f: spec["column"] for f, spec in ruleset.sme.figures.items()} if ruleset.sme else {}
    call = {k: v for k, v in base.items() if k in compiled.tenant_call_reads}
    call.update(tenant_columns(tenants, compiled.tenant_fields, figures, source, compiled.bad_fields,
                               compiled.industry_codes, compiled.highest_for_open_rows_only, compiled.columns_read))
    try:
        return evaluate(compiled.tenant_call, call)
    except EngineFailure as exc:
        return exc


DEFERRED = object()


def python_answers(compiled, tenants, base, source):
    call = pc.python_call_of(compiled)
    assert call is not None, compiled.ruleset.id
    try:
        answers = call(tenants, base, source)
    except Exception:  # noqa: BLE001 - as run_tenant_tests: zen answers
        return DEFERRED
    return [call.flat(a, compiled.test_order, compiled.terms_returned) for a in answers]


def same(a, b) -> bool:
    """Equal answers, kind for kind: true, false and unknown are never a number, and a number only its value."""
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(map(same, a, b))
    if a is None or isinstance(a, bool):
        return a is b
    return b is not None and not isinstance(b, bool) and a == b


def agree(compiled, tenants, base, source, may_defer: bool = False) -> bool:
    """The Python call answers as zen does (or, where allowed, defers); True when it answered."""
    found = python_answers(compiled, tenants, base, source)
    if found is DEFERRED:
        assert may_defer, f"{compiled.ruleset.id}: the Python call deferred on an ordinary roster"
        return False
    expected = zen_answers(compiled, tenants, base, source)
    assert not isinstance(expected, EngineFailure), expected
    for tenant, mine, zens in zip(tenants, found, expected):
        assert same(mine, zens), (compiled.ruleset.id, repr(tenant), [(i, m, z) for i, (m, z) in enumerate(zip(mine, zens))
                                                               if not same(m, z)])
    assert len(found) == len(expected)
    return True


# zen is given a figure as a float (judge/context.py) and reads it as rust_decimal's ``Decimal::from_f64`` does
# (``python_call.zen_reads``): now and then one unit above the cell in its sixteenth digit. The generated rosters
# hold such figures too, and exact ties (growth of exactly 20 %) with them.
zen_reads = pc.zen_reads

# --- rosters ---------------------------------------------------------------------------------------------


def _base(ruleset, **profile):
    submission = lawbook.submission(lawbook.profile(**profile), [lawbook.tenant(lawbook.FIRST_TENANT_ROW)])
    return profile_context(submission, ruleset)


def model_figure(value: Decimal) -> bool:
    """A figure as the reader gives the model one: at most 15 significant digits, and what the model takes."""
    return len(value.normalize().as_tuple().digits) <= 15 and within_model(value)


def _edges(ruleset, tiny: bool = False) -> list[Decimal]:
    """Every number a term or a class bound compares with, and its neighbours, as the model takes figures (at most
    15 digits). ``tiny``: with figures of 15 decimal places too, whose sum with a blank's highest (10^15) has more
    digits than zen keeps (zen rounds it: the Python call defers)."""
    numbers = {Decimal(0), Decimal(1), Decimal("0.5"), Decimal("999999999999999"),
               Decimal("99999999999999.9"), Decimal("12345678901234.5"), Decimal("0.001")}
    if tiny:
        numbers |= {Decimal("1E-15"), Decimal("0.000000000000001"), Decimal("0.123456789012345")}
    for parameter in ruleset.parameters.values():
        try:
            numbers.add(Decimal(str(parameter.value)))
        except Exception:  # noqa: BLE001 - a parameter that is not a figure
            pass
    if ruleset.sme:
        for industry in ruleset.sme.industries:
            for cls in ruleset.sme.bounded:
                numbers.update(ruleset.sme.bounds(industry, cls).values())
    for n in list(numbers):
        numbers.update({n + 1, n - 1 if n >= 1 else n, n + Decimal("0.01"), n * 2})
    return sorted(n for n in numbers if n >= 0 and model_figure(n))


NUMERIC = ("revenue_y1", "revenue_y2", "rd_y1", "rd_y2", "largest_round", "total_assets")
YES_NO = ("registered_in_incubator", "operating_in_incubator", "tech_sme", "innovative_sme",
          "incubator_equity_invested", "financing_received", "newly_certified", "acquired_or_listed", "graduated")
DECLARED_YES_NO = ("tech_innovative_sme", "incubator_equity_paid_in")


def random_tenants(rng: random.Random, edges: list[Decimal], n: int, data_year: int,
                   negative: bool = False) -> tuple[list, frozenset[str]]:
    """n roster rows of random values (a blank often), built as the reader builds them (no validation), and the
    cells that were unusable (blank, with something unreadable in them)."""
    industries = list(Industry) + [None]
    tenants, unusable = [], set()
    for i in range(n):
        row = 5 + i
        values = {"row": row, "name": f"企业{i}", "industry": rng.choice(industries)}
        for key in NUMERIC:
            roll = rng.random()
            if roll < 0.2:
                value = None
            elif roll < 0.3:
                value = Decimal(0)
            elif roll < 0.7:
                value = rng.choice(edges)
            else:
                value = Decimal(rng.randrange(0, 10**rng.randint(1, 15))).scaleb(-rng.randint(0, 3))
                value = value if model_figure(value) else Decimal(rng.randrange(0, 10**12))
            if negative and value is not None and rng.random() < 0.2:
                value = -value
            values[key] = value
        # growth exactly at the factor, and just around it
        for y1, y2 in (("revenue_y1", "revenue_y2"), ("rd_y1", "rd_y2")):
            if rng.random() < 0.15:  # figures where zen's reading of a float can carry into the sixteenth digit
                low, high, places = rng.choice([(3414, 3753, 10), (3495253, 3752999, 3), (3579140, 3752999, 4)])
                values[y2] = Decimal(rng.randrange(low * 10**places, high * 10**places)).scaleb(-places)
            if values[y2] is not None and rng.random() < 0.3:
                value = values[y2] * Decimal("1.2") + rng.choice([Decimal(0), Decimal("0.01"), Decimal("-0.01")])
                if model_figure(abs(value)):
                    values[y1] = value
        values["employees"] = rng.choice([None, 0, 1, 5, 9, 10, 19, 20, 99, 100, 299, 300, 999, 1000, 10**6])
        for key in YES_NO:
            values[key] = rng.choice([True, False, None])
        values["registered_on"] = rng.choice([None, dt.date(data_year, 3, 1), dt.date(data_year - 1, 12, 31),
                                              dt.date(data_year + 1, 1, 1), dt.date(2000, 1, 1)])
        declared = {}
        for key in DECLARED_YES_NO:
            if rng.random() < 0.7:
                declared[key] = rng.choice([True, False, None])
        for key in ("largest_round", "acquired_or_listed", *DECLARED_YES_NO):
            if (declared.get(key) if key in DECLARED_YES_NO else values[key]) is None and rng.random() < 0.3:
                unusable.add(f"tenants.{key}.{row}")
        if rng.random() < 0.05:
            values["duplicate_of"] = 5
        tenants.append(Tenant.model_construct(declared=declared, **values))
    return tenants, frozenset(unusable)


# --- the tests -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("ruleset_id", BUNDLED)
def test_every_bundled_ruleset_is_judged_in_python(ruleset_id):
    compiled = compile_ruleset(load_ruleset(ruleset_id))
    assert tenants_module.python_call_of(compiled, tenants_module.BUILD_AT_ROWS) is not None  # built, and judged with
    # and run_tenant_tests takes that way: zen is not asked for the roster
    submission = lawbook.submission(lawbook.profile(), lawbook.passing_roster(40))
    calls = []
    real = tenants_module.evaluate
    try:
        tenants_module.evaluate = lambda call, context: (calls.append(call), real(call, context))[1]
        outcomes, _, failures = run_tenant_tests(compiled, submission, profile_context(submission, compiled.ruleset))
    finally:
        tenants_module.evaluate = real
    assert not failures and len(outcomes) == 40
    assert compiled.tenant_call not in calls


def test_the_rulesets_the_tests_build_are_judged_in_python(built):
    for ruleset in _rulesets(built):
        assert pc.python_call_of(compile_ruleset(ruleset)) is not None, ruleset.id


def test_generated_python_holds_only_the_node_kinds_it_writes(built):
    import ast

    for ruleset in _rulesets(built):
        call = pc.python_call_of(compile_ruleset(ruleset))
        for node in ast.walk(call.tree):
            assert isinstance(node, pc._ALLOWED_NODES)
            assert not isinstance(node, (ast.Import, ast.ImportFrom, ast.Lambda, ast.Global))
            if isinstance(node, ast.Call):
                assert isinstance(node.func, (ast.Name, ast.Attribute))
                if isinstance(node.func, ast.Name):
                    assert node.func.id in ("rank", "append", "zen_read")


@pytest.mark.parametrize("seed", range(64))
def test_generated_rosters_get_zens_answers(built, seed):
    rng = random.Random(seed)
    for ruleset in _rulesets(built):
        compiled = compile_ruleset(ruleset)
        edges = _edges(ruleset)
        for data_blank in (False, True):
            base = _base(ruleset, application_year=None if data_blank else 2026)
            for _ in range(4):
                tenants, unusable = random_tenants(rng, edges, 100, 2025)
                source = SourceMap(path="x.xlsx", unusable=unusable)
                assert agree(compiled, tenants, base, source)


@pytest.mark.parametrize("seed", range(2))
def test_figures_outside_the_model_defer_to_zen_or_agree(built, seed):
    # Negative figures (the model refuses them) go through the same formulas in both; whatever the Python call
    # answers is zen's answer.
    rng = random.Random(100 + seed)
    for ruleset in _rulesets(built):
        compiled = compile_ruleset(ruleset)
        base = _base(ruleset)
        tenants, unusable = random_tenants(rng, _edges(ruleset, tiny=True), 60, 2025, negative=True)
        agree(compiled, tenants, base, SourceMap(path="x.xlsx", unusable=unusable), may_defer=True)


def test_a_row_with_every_combination_of_blanks_gets_zens_answers(built):
    ruleset = load_ruleset("miit-2025-standard")
    compiled = compile_ruleset(ruleset)
    base = _base(ruleset)
    fields = ("revenue_y1", "revenue_y2", "rd_y1", "rd_y2", "employees", "total_assets")
    tenants = []
    for i, blanks in enumerate(itertools.product([False, True], repeat=len(fields))):
        values = {"revenue_y1": Decimal("1200"), "revenue_y2": Decimal("1000"), "rd_y1": Decimal("0"),
                  "rd_y2": Decimal("50"), "employees": 19, "total_assets": Decimal("5000")}
        values.update({f: None for f, blank in zip(fields, blanks) if blank})
        tenants.append(lawbook.tenant(5 + i, industry=Industry("工业"), **values))
    assert agree(compiled, tenants, base, lawbook.source_map())


@pytest.mark.parametrize("factor, revenue_y1, revenue_y2, grows", [
    ("1.2", "120", "100", False),  # 超过 20%: exactly 20 % is not growth
    ("1.2", "120.01", "100", True),
    ("1.2", "1200", "0", False),  # growth from 0 is not year-on-year growth
    ("1.2", None, "100", None),  # a blank 上年度 could be either
    ("1.2", "1200", None, None),  # a blank 前年度: 0 (no growth) or above 1000 (none either) — unknown
])
def test_growth_over_twenty_percent_as_zen_reads_it(factor, revenue_y1, revenue_y2, grows):
    ruleset = load_ruleset("miit-2025-standard")
    compiled = compile_ruleset(ruleset)
    base = _base(ruleset)
    tenant = lawbook.tenant(5, revenue_y1=None if revenue_y1 is None else Decimal(revenue_y1),
                            revenue_y2=None if revenue_y2 is None else Decimal(revenue_y2), rd_y1=None, rd_y2=None)
    found = python_answers(compiled, [tenant], base, lawbook.source_map())
    assert agree(compiled, [tenant], base, lawbook.source_map())
    growth = found[0][2 + compiled.test_order.index("growth")]
    # the R&D term is unknown (both blank), so the test is the revenue term's answer or unknown
    assert growth is (True if grows else None)


def test_a_blank_data_year_leaves_new_registrations_unknown():
    ruleset = load_ruleset("miit-2025-standard")
    compiled = compile_ruleset(ruleset)
    base = _base(ruleset, application_year=None)
    tenant = lawbook.tenant(5, registered_on=dt.date(2025, 5, 1))
    found = python_answers(compiled, [tenant], base, lawbook.source_map())
    assert found[0][2 + compiled.test_order.index("new_in_data_year")] is None
    assert agree(compiled, [tenant], base, lawbook.source_map())


def test_an_unusable_investment_cell_stays_unknown_a_blank_one_is_no_round():
    # 第九条 2: a blank largest round means no round (blank: false); a cell that held something unreadable does not.
    ruleset = load_ruleset("miit-2025-standard")
    compiled = compile_ruleset(ruleset)
    base = _base(ruleset)
    tenants = [lawbook.tenant(5, largest_round=None), lawbook.tenant(6, largest_round=None)]
    source = SourceMap(path="x.xlsx", unusable=frozenset({"tenants.largest_round.6"}))
    found = python_answers(compiled, tenants, base, source)
    index = 2 + len(compiled.test_order) + 4 + 1  # the second term of article_9 (after qualifying's 3, graduate's 2)
    terms = [name for name in compiled.terms_returned]
    assert terms == ["qualifying", "graduate"]
    # the round term is read through the graduate test's fold; check the term answers via article_9 directly
    assert agree(compiled, tenants, base, source)
    del index


def test_a_figure_zen_would_round_defers_to_zen():
    # A growth factor with more decimal places than a product of it and a figure keeps exactly: zen answers.
    ruleset = load_ruleset("miit-2025-standard")
    compiled = compile_ruleset(ruleset)
    base = dict(_base(ruleset), growth_factor=1.00000000000001)
    tenant = lawbook.tenant(5, revenue_y1=Decimal("123456789012345"), revenue_y2=Decimal("0.000000000000001"))
    with pytest.raises(pc.Defer):
        pc.python_call_of(compiled)([tenant], base, lawbook.source_map())
    # and the judge then gives zen's answers
    submission = lawbook.submission(lawbook.profile(), [tenant])
    outcomes, _, failures = run_tenant_tests(compiled, submission, base)
    expected = zen_answers(compiled, [tenant], base, submission.source)[0]
    assert not failures and outcomes[0].tests == dict(zip(compiled.test_order, expected[2:2 + len(compiled.test_order)]))


def test_a_parameter_that_is_not_a_figure_defers_to_zen_and_its_failure():
    ruleset = load_ruleset("miit-2025-standard")
    compiled = compile_ruleset(ruleset)
    base = dict(_base(ruleset), growth_factor="1.2")
    submission = lawbook.submission(lawbook.profile(), lawbook.passing_roster(10))
    with pytest.raises(pc.Defer):
        pc.python_call_of(compiled)(submission.tenants, base, submission.source)
    _, _, failures = run_tenant_tests(compiled, submission, base)
    assert failures  # zen cannot multiply a text: every row unknown, as before


def test_a_ruleset_with_a_construct_python_does_not_know_keeps_its_zen_call(built):
    ruleset = load_ruleset(built["unknown"])
    compiled = compile_ruleset(ruleset)
    assert pc.python_call_of(compiled) is None
    with pytest.raises(pc.Refused):
        pc.python_tenant_call(compiled)
    submission = lawbook.submission(lawbook.profile(), lawbook.passing_roster(20))
    base = profile_context(submission, ruleset)
    outcomes, _, failures = run_tenant_tests(compiled, submission, base)
    expected = zen_answers(compiled, list(submission.tenants), base, submission.source)
    assert not failures
    for o, row in zip(outcomes, expected):
        assert o.tests == dict(zip(compiled.test_order, row[2:2 + len(compiled.test_order)]))


@pytest.mark.parametrize("expr", [
    "#.revenue_y1 / 2 > 1", "not #.graduated", "#.revenue_y1 > -1", "#.revenue_y1 > 1 > 0", "#.name == 1",
    "#.revenue_y1 * #.revenue_y2 > 1", "#.revenue_y1 > 0.00000000000001 * 0.0000000000001 * growth_factor",
    "#.revenue_y1", "#.revenue_y1 > 1 and 2", "abs(#.revenue_y1) > 1",
])
def test_a_construct_outside_the_grammar_is_refused(expr):
    with pytest.raises(pc.Refused):
        pc._term_tree(expr, frozenset({"revenue_y1", "revenue_y2"}), frozenset({"graduated"}))


def _cases():
    import test_clause_cases as cases

    params = []
    for path in sorted(cases.CASES.glob("*.yaml")) + sorted(cases.FIXTURE_CASES.glob("*.yaml")):
        ruleset_id, baseline, items = cases.load_cases(path)
        ref = str(path.parent.parent / f"{ruleset_id}.yaml") if path.parent == cases.FIXTURE_CASES else ruleset_id
        params.append(pytest.param(ref, baseline, items, id=ruleset_id))
    return params


@pytest.mark.parametrize("ruleset_id,baseline,items", _cases())
def test_every_clause_case_gets_zens_answers(ruleset_id, baseline, items, monkeypatch):
    # Each case's submission through the whole check, with the Python call compared with zen at every roster.
    import test_clause_cases as cases

    answered = []
    real = pc.python_call_of

    def checked(compiled, rows=None):
        call = real(compiled)
        assert call is not None

        def both(tenants, base, source):
            mine = call(tenants, base, source)
            expected = zen_answers(compiled, tenants, base, source)
            flat = [call.flat(a, compiled.test_order, compiled.terms_returned) for a in mine]
            assert same(flat, expected), compiled.ruleset.id
            answered.append(len(tenants))
            return mine

        return both

    monkeypatch.setattr(tenants_module, "python_call_of", checked)
    for case in items:
        cases.run(ruleset_id, baseline, case)
    assert len(answered) >= len(items)


def test_zens_reading_of_a_float_is_rust_decimals():
    import zen

    rng = random.Random(5)
    values = [4243246.5732, 3536038.811, 0.1, 1.2, 480.01, 500.5, 1e-15, 999999999999999.0, 12345678901234.5,
              -4243246.5732, 0.0, 4.5e-13, 4.4e-13]
    for _ in range(20000):
        digits = rng.randint(1, 15)
        values.append(float(Decimal(rng.randrange(10 ** (digits - 1), 10**digits)).scaleb(-rng.randint(0, 15))))
    read = zen.compile_expression("map(v, string(#))").evaluate({"v": values})
    assert [Decimal(r) for r in read] == [zen_reads(v) for v in values]
    assert zen_reads(4243246.5732) == Decimal("4243246.573200001")


def test_a_tie_with_a_figure_zen_reads_above_the_cell_comes_out_as_zens():
    # 上年度研发经费投入 4243246.5732 against 前年度 3536038.811 × 1.2 = 4243246.5732 exactly. zen reads the first figure
    # as 4243246.573200001 and counts the growth as over 20 %; so does the Python call, which makes a tie's
    # comparison again with the figures as zen reads them (the cell's decimal would say "not over").
    ruleset = load_ruleset("miit-2025-standard")
    compiled = compile_ruleset(ruleset)
    base = _base(ruleset)
    tenant = lawbook.tenant(5, rd_y1=Decimal("4243246.5732"), rd_y2=Decimal("3536038.811"),
                            revenue_y1=Decimal("100"), revenue_y2=Decimal("100"))
    growth = 2 + compiled.test_order.index("growth")
    assert python_answers(compiled, [tenant], base, lawbook.source_map())[0][growth] is True
    assert agree(compiled, [tenant], base, lawbook.source_map())
    # and a tie zen reads as it is stays a tie: exactly 20 % is not over 20 %
    tenant = lawbook.tenant(5, rd_y1=Decimal("120.6"), rd_y2=Decimal("100.5"), revenue_y1=Decimal("100"),
                            revenue_y2=Decimal("100"))
    assert python_answers(compiled, [tenant], base, lawbook.source_map())[0][growth] is False
    assert agree(compiled, [tenant], base, lawbook.source_map())


def test_a_near_tie_with_a_figure_zen_reads_above_the_cell_comes_out_as_zens(built):
    # 4243246.5732 − 0.000000000000001 is just below 4243246.5732; zen reads the first figure as 4243246.573200001
    # and finds the difference at or above it. The sides are nearer than a sixteenth digit of the largest figure:
    # the Python call compares again with zen's readings.
    ruleset = load_ruleset(built["near"])
    compiled = compile_ruleset(ruleset)
    base = _base(ruleset)
    tenant = lawbook.tenant(5, revenue_y1=Decimal("4243246.5732"), revenue_y2=Decimal("0.000000000000001"))
    growth = 2 + compiled.test_order.index("growth")
    assert python_answers(compiled, [tenant], base, lawbook.source_map())[0][growth] is True
    assert agree(compiled, [tenant], base, lawbook.source_map())
    # a figure zen reads as it is: the cell's answer
    tenant = lawbook.tenant(5, revenue_y1=Decimal("4243246.5733"), revenue_y2=Decimal("0.0002"))
    assert python_answers(compiled, [tenant], base, lawbook.source_map())[0][growth] is False
    assert agree(compiled, [tenant], base, lawbook.source_map())


def test_a_tie_on_a_row_with_a_blank_comes_out_as_zens(built):
    # 前年度 blank: the difference is at most 4243246.5732 − 0, exactly the threshold, so by the cell it is never
    # above it (false); zen reads the figure as 4243246.573200001, under which it may be: unknown. zen's answer.
    ruleset = load_ruleset(built["near"])
    compiled = compile_ruleset(ruleset)
    base = _base(ruleset)
    tenant = lawbook.tenant(5, revenue_y1=Decimal("4243246.5732"), revenue_y2=None)
    assert agree(compiled, [tenant], base, lawbook.source_map())
    over = 2 + compiled.test_order.index("over")
    assert python_answers(compiled, [tenant], base, lawbook.source_map())[0][over] is None


def test_a_processs_first_small_roster_goes_to_zen_and_the_next_builds_the_call(built, monkeypatch):
    # Building the call costs a few milliseconds once per process: one check of one small workbook does not pay it.
    ruleset = load_ruleset(built["growth-from-zero"])
    compiled = compile_ruleset(ruleset)
    monkeypatch.setattr(pc, "_CALLS", {})
    monkeypatch.setattr(tenants_module, "_JUDGED", {})
    assert tenants_module.python_call_of(compiled, 100) is None
    assert pc._CALLS == {}  # nothing built
    assert tenants_module.python_call_of(compiled, 100) is not None
    monkeypatch.setattr(pc, "_CALLS", {})
    monkeypatch.setattr(tenants_module, "_JUDGED", {})
    assert tenants_module.python_call_of(compiled, tenants_module.BUILD_AT_ROWS) is not None  # a large one at once


def test_one_check_of_one_small_workbook_does_not_import_the_python_call(tmp_path):
    """Its builder (rules/python_call.py) is imported only once a roster is to use it."""
    import subprocess

    program = ("import sys; from incubator_check import check; r = check(sys.argv[1]); "
               "print(r.verdict.value, 'incubator_check.rules.python_call' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", program, str(HERE.parent / "fixtures" / "standard-pass.xlsx")],
                          capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["PASS", "False"], done.stderr
