"""A term over the range of its blanks (clauses.md, Missing data; incubator_check/_intervals.py).

The spec's examples, and a property: whenever the interval form decides a term with blanks, every
non-negative value of those blanks gives that same answer — it never decides what a blank could change.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from incubator_check.rules.compile import NUMERIC_FIELDS, YES_NO_FIELDS
from incubator_check.rules.engine import compile_expression, evaluate, to_engine
from incubator_check.rules.intervals import over_blanks

GROWTH = "#.revenue_y2 > 0 and #.revenue_y1 > growth_factor * #.revenue_y2"
RD_GROWTH = "#.rd_y2 > 0 and #.rd_y1 > growth_factor * #.rd_y2"
ARTICLE_9_3 = "#.revenue_y1 + #.revenue_y2 > graduate_revenue_over"
PARAMETERS = {"growth_factor": Decimal("1.2"), "graduate_revenue_over": Decimal("1000")}


def ranged(expr: str, **tenant):
    """The term over the range of the tenant's blanks, evaluated by zen."""
    zen_expr = over_blanks(expr, NUMERIC_FIELDS, YES_NO_FIELDS)
    assert zen_expr is not None
    return _run(zen_expr, tenant)


def _run(zen_expr: str, tenant: dict):
    # The judge maps over the roster with `#` the tenant; here one tenant is mapped the same way.
    return evaluate(compile_expression(f"map([t], {zen_expr})[0]", "test"), to_engine({**PARAMETERS, "t": tenant}))


def test_a_sum_is_at_least_its_known_part():
    assert ranged(ARTICLE_9_3, revenue_y1=Decimal(1200), revenue_y2=None) is True


def test_growth_from_zero_never_counts():
    assert ranged(RD_GROWTH, rd_y1=None, rd_y2=Decimal(0)) is False


def test_a_blank_that_could_change_the_answer_stays_unknown():
    assert ranged(GROWTH, revenue_y1=Decimal(1200), revenue_y2=None) is None
    assert ranged(ARTICLE_9_3, revenue_y1=Decimal(300), revenue_y2=None) is None


def test_a_blank_yes_no_is_unknown_and_decided_where_the_other_side_decides():
    assert ranged("#.tech_sme or #.innovative_sme", tech_sme=None, innovative_sme=True) is True
    assert ranged("#.tech_sme or #.innovative_sme", tech_sme=None, innovative_sme=False) is None
    assert ranged("#.tech_sme and #.innovative_sme", tech_sme=None, innovative_sme=False) is False


def test_with_no_blank_it_is_the_term_itself():
    assert ranged(GROWTH, revenue_y1=Decimal(150), revenue_y2=Decimal(100)) is True
    assert ranged(GROWTH, revenue_y1=Decimal(120), revenue_y2=Decimal(100)) is False


def test_a_term_it_cannot_read_is_left_to_the_plain_rule():
    assert over_blanks("count(funds, #.amac_code != null)", NUMERIC_FIELDS, YES_NO_FIELDS) is None
    assert over_blanks("#.revenue_y1 / #.revenue_y2 > 1", NUMERIC_FIELDS, YES_NO_FIELDS) is None


money = st.one_of(st.none(), st.integers(0, 3000).map(Decimal))


@settings(max_examples=150, deadline=None)
@given(y1=money, y2=money, term=st.sampled_from([GROWTH, ARTICLE_9_3]),
       fills=st.lists(st.integers(0, 5000), min_size=8, max_size=8))
def test_a_decided_term_holds_for_every_value_of_its_blanks(y1, y2, term, fills):
    answer = ranged(term, revenue_y1=y1, revenue_y2=y2)
    if answer is None:
        return
    for a, b in zip(fills[::2], fills[1::2]):  # some non-negative values of the blanks, the edges among them
        for va, vb in ((a, b), (0, b), (a, 0), (10**9, b)):
            exact = _run(term, {"revenue_y1": y1 if y1 is not None else Decimal(va),
                                "revenue_y2": y2 if y2 is not None else Decimal(vb)})
            assert exact is answer, (y1, y2, va, vb)
