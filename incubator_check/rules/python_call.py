"""The tenant call as a Python function (issue 21, "way b"), built from ``ast`` nodes, never from source text.

zen's tenant call (rules/compile.py) answers, per roster row, [lowest class rank, highest class rank, each test in
``test_order``, the terms of each test in ``terms_returned``]. This module builds a Python function that gives the
same answers from the same pieces — each term's expression read with the grammar of ``rules/intervals.py``, its
``needs`` and ``blank`` rule (``compile.guarded``), the profile figures it reads (``compile.term_expression``), the
Kleene folds (``intervals.fold``), tests referring to tests, the SME class ranks (``compile.sme_rank_expression``)
and class terms (``compile.class_term``) — evaluated once per row, numbers as :class:`~decimal.Decimal`.

What a ruleset says reaches Python only as data: a field or a name becomes a local variable of the generated
function, a number a :class:`Decimal` constant handed to it, an operator one of a few whitelisted node kinds
(comparison, ``+ - *``, ``and``/``or``, a conditional). A construct the grammar does not know makes
:func:`python_tenant_call` raise :class:`Refused`, and that ruleset keeps its zen call. zen stays the differential
oracle (tests/test_python_call.py).

Where Python could answer otherwise than zen — a value of a kind the model does not give, a figure whose digits zen
would round (a product of more than 28 digits, or one past 10^28, where zen rounds or overflows), a parameter that is
blank or not a number — the function raises :class:`Defer` (or a :mod:`decimal` trap does) and the judge asks zen,
which answers as it always did, its failures included.

zen is given the roster's figures as floats (judge/context.py) and reads each as rust_decimal's ``from_f64`` does
(:func:`zen_reads`): mostly the cell's decimal, but now and then one unit above it in the sixteenth digit
(4243246.5732 → 4243246.573200001). That can change a comparison only at a tie or, for a side with arithmetic, a
near tie; there the call compares again with the figures as zen reads them, so its answers are zen's.
"""

from __future__ import annotations

import ast
import decimal
import struct
from dataclasses import dataclass
from decimal import Decimal
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Callable

from .compile import DERIVED_YEARS, class_table, order_of_tests
from .fields import numeric_tenant_fields, profile_keys, yes_no_tenant_fields
from .intervals import BIG, Node as _Node, Unreadable, over_blanks, parse

if TYPE_CHECKING:
    from .compile import CompiledRuleset
    from .ruleset import Ruleset

__all__ = ["Refused", "Defer", "PythonTenantCall", "python_tenant_call"]


class Refused(Exception):
    """A construct the Python call does not compile: the ruleset keeps its zen tenant call."""


class Defer(Exception):
    """Values this call cannot answer exactly as zen would: zen answers the call."""


#: The arithmetic zen's decimals do exactly (96-bit mantissa, at most 28 decimal places): a result Python would
#: have to round (more than 28 digits) or that reaches 10^28 traps, and zen answers the call instead.
CONTEXT = decimal.Context(prec=28, Emax=27, Emin=-999999, rounding=decimal.ROUND_HALF_EVEN,
                          traps=[decimal.Inexact, decimal.Overflow, decimal.InvalidOperation,
                                 decimal.DivisionByZero, decimal.Underflow, decimal.Subnormal])
_BIG = Decimal(BIG)
_ZERO = Decimal(0)
_TIE = Decimal("1E-14")
_UNBOUNDED = 10**15  # judge/context.py, UNBOUNDED: a blank classification figure at its highest
#: A row's figure (model.py, Amount: 15 digits, at most 15 decimal places) and a name's (checked at each call):
#: the fewest decimal places, as an exponent, so that no product of one of each has more than zen's 28.
_ROW_EXPONENT = -15
_NAME_EXPONENT = -13
_NAME_LIMIT = Decimal(10) ** 16
_NUMBER_KINDS = frozenset({type(None), int, Decimal})
_YES_NO_KINDS = frozenset({type(None), bool})


# --- how zen reads a figure it is given ----------------------------------------------------------------------
_TOP = 1 << 96
_EXCESS = 1 << 52



def zen_reads(value: float) -> Decimal:
    """The decimal zen reads a float as (rust_decimal's ``Decimal::from_f64``): the float's binary value brought to
    at most 96 bits (halving where a factor of 5 does not fit), then rounded one decimal digit at a time to fewer
    than 2^52 units, at most 28 places. Mostly the float's shortest decimal; but the digit-at-a-time rounding can
    carry (4243246.5732 is read as 4243246.573200001). Checked against zen on 200,000 figures
    (tests/test_python_call.py)."""
    raw = struct.unpack("<Q", struct.pack("<d", value))[0]
    negative = raw >> 63
    biased = (raw >> 52) & 0x7FF
    mantissa = raw & 0xFFFFFFFFFFFFF
    if biased == 0 and mantissa == 0:
        return Decimal(0)
    e2 = biased - 1023
    if biased == 0:
        e2 += 1
    else:
        mantissa |= 1 << 52
    e2 -= 52
    m = mantissa
    e5, e10 = -e2, e2
    while e5 > 0:
        if not m & 1:
            # strip every factor of two the loop would take one at a time
            t = min((m & -m).bit_length() - 1, e5)
            m >>= t
            e10 += t
            e5 -= t
        else:
            e5 -= 1
            if m * 5 < _TOP:
                m *= 5
            else:
                e10 += 1
                m >>= 1
    while e5 < 0:
        if m < (1 << 95):
            e10 -= 1
            e5 += 1
            m <<= 1
        elif e10 * 2 > -e5:
            raise OverflowError
        else:
            e5 += 1
            m //= 5
    while e10 > 0:
        if m * 10 >= _TOP:
            raise OverflowError
        m *= 10
        e10 -= 1
    while e10 < -28:
        m, r = divmod(m, 10)
        e10 += 1
        if m == 0:
            e10 = 0
        elif r >= 5:
            m += 1
    while e10 < 0 and m >= _EXCESS:
        m, r = divmod(m, 10)
        e10 += 1
        if r >= 5:
            m += 1
    while e10 < 0 and not m % 10:
        m //= 10
        e10 += 1
    return Decimal((negative, tuple(map(int, str(m))), e10))


_READS: dict[Any, Any] = {}


def zen_read(value: Any) -> Any:
    """A roster figure as zen reads it from the float judge/context.py gives it (an integer as it is)."""
    if value.__class__ is not Decimal:
        return value
    try:
        return _READS[value]
    except KeyError:
        pass
    read = zen_reads(float(value))
    if len(_READS) > 100000:
        _READS.clear()
    _READS[value] = read
    return read


# --- the grammar of rules/intervals.py, as a tree -------------------------------------------------------------


def _walk(node: _Node | None):
    if node is None:
        return
    yield node
    yield from _walk(node.left)
    yield from _walk(node.right)


def _lowest_exponent(node: _Node) -> int:
    """The fewest decimal places (as an exponent) a figure of this node can have, from its leaves' at most."""
    if node.kind == "field":
        return _ROW_EXPONENT
    if node.kind == "name":
        return _NAME_EXPONENT
    if node.kind == "number":
        exponent = Decimal(node.value).as_tuple().exponent
        return exponent if isinstance(exponent, int) else -999
    left, right = _lowest_exponent(node.left), _lowest_exponent(node.right)
    return left + right if node.value == "*" else min(left, right)


def _simple(node: _Node) -> bool:
    """A comparison of one figure with one constant (a number or a name: each of at most 15 digits)."""
    sides = {node.left.kind, node.right.kind}
    return "field" in sides and bool(sides & {"number", "name"}) and len(sides) == 2


def _factors(node: _Node) -> int:
    """The most constant factors (a number, a name) a product under this node multiplies by."""
    if node.kind == "arith" and node.value == "*":
        return _factors(node.left) + _factors(node.right)
    if node.kind in ("number", "name"):
        return 1
    if node.kind in ("arith", "compare"):
        return max(_factors(node.left), _factors(node.right))
    return 0


def _row_factors(node: _Node) -> bool:
    return any(n.kind == "field" for n in _walk(node))


def _check_arithmetic(tree: _Node) -> None:
    """Refuse arithmetic whose exactness the call could not vouch for at every row: a product of two roster
    figures (two blanks' highest: 10^30, past zen's decimals) or more decimal places than zen keeps."""
    for node in _walk(tree):
        if node.kind == "arith" and node.value == "*" and _row_factors(node.left) and _row_factors(node.right):
            raise Refused("a product of two roster figures")
        if node.typ == "num" and _lowest_exponent(node) < -28:
            raise Refused("more decimal places than zen keeps")


# --- ast building --------------------------------------------------------------------------------------------


def _load(name: str) -> ast.Name:
    return ast.Name(id=name, ctx=ast.Load())


def _store(name: str) -> ast.Name:
    return ast.Name(id=name, ctx=ast.Store())


def _const(value: Any) -> ast.Constant:
    assert value is None or isinstance(value, (bool, int, str)), value
    return ast.Constant(value=value)


def _is(node: ast.expr, value: Any) -> ast.Compare:
    return ast.Compare(left=node, ops=[ast.Is()], comparators=[_const(value)])


def _any(nodes: list[ast.expr]) -> ast.expr:
    return nodes[0] if len(nodes) == 1 else ast.BoolOp(op=ast.Or(), values=nodes)


def _if(test: ast.expr, then: ast.expr, other: ast.expr) -> ast.IfExp:
    return ast.IfExp(test=test, body=then, orelse=other)


def _call(function: str, *args: ast.expr) -> ast.Call:
    return ast.Call(func=_load(function), args=list(args), keywords=[])


def _assign(name: str, value: ast.expr) -> ast.Assign:
    return ast.Assign(targets=[_store(name)], value=value)


_COMPARE_OPS = {">": ast.Gt, ">=": ast.GtE, "<": ast.Lt, "<=": ast.LtE, "==": ast.Eq, "!=": ast.NotEq}
_ARITH_OPS = {"+": ast.Add, "-": ast.Sub, "*": ast.Mult}


def _compare(left: ast.expr, operator: str, right: ast.expr) -> ast.Compare:
    return ast.Compare(left=left, ops=[_COMPARE_OPS[operator]()], comparators=[right])


def kleene_fold(terms: list[ast.expr], how: str) -> ast.expr:
    """``intervals.fold`` in Python: a Kleene AND (``all``) or OR (``any``) of values that are true, false or null.
    zen's ``== false`` and ``== null`` are true only of false and of null, as ``is`` is (``1 == true`` is false)."""
    if len(terms) == 1:
        return terms[0]
    decisive, other = (False, True) if how == "all" else (True, False)
    return _if(_any([_is(t, decisive) for t in terms]), _const(decisive),
               _if(_any([_is(t, None) for t in terms]), _const(None), _const(other)))


class _Emitter:
    """A term's tree as Python expressions over the generated function's locals: as zen reads the expression when
    every field it needs is filled in (:meth:`plain`), and over the range of its blanks (:meth:`ranged`, the zen
    expression ``intervals.over_blanks`` writes)."""

    def __init__(self, field_var: Callable[[str], str], name_var: Callable[[str], str],
                 number_var: Callable[[str], str], read: bool = False, ties: bool = True):
        self.field_var, self.name_var, self.number_var = field_var, name_var, number_var
        self.read = read  # the figures as zen reads them (a tie's second look)
        self.ties = ties and not read
        self.temps = 0
        self.tie_fields: set[str] = set()  # the figures of comparisons with arithmetic: their largest sets ``tie``
        self.tie_leaves = 0  # the most figures such a comparison reads
        self.tie_factors = 0  # the most constant factors a product in one multiplies a figure by

    def _leaf(self, node: _Node) -> ast.expr:
        if node.kind == "number":
            return _load(self.number_var(node.value))
        if node.kind == "name":
            return _load(self.name_var(node.value))
        return _const(node.value)  # true, false

    def plain(self, node: _Node) -> ast.expr:
        if node.kind == "field":
            if self.read and node.typ == "num":
                return _call("zen_read", _load(self.field_var(node.value)))
            return _load(self.field_var(node.value))
        if node.kind in ("number", "name", "bool"):
            return self._leaf(node)
        if node.kind == "compare":
            if not self.ties or not any(n.kind == "field" for n in _walk(node)):
                return _compare(self.plain(node.left), node.value, self.plain(node.right))
            # zen reads a figure from a float, and now and then one unit above the cell in its sixteenth digit
            # (``zen_reads``). Where that could change a comparison — its sides equal, or for a side with
            # arithmetic, nearer than the call's tolerance (``tie``) — it is made again with the figures as zen
            # reads them. A figure against a constant (each of at most 15 digits) can only tie exactly: two such
            # numbers that differ, differ by more than a sixteenth digit (tests/test_python_call.py).
            zen_side = _Emitter(self.field_var, self.name_var, self.number_var, read=True)
            again = _compare(zen_side.plain(node.left), node.value, zen_side.plain(node.right))
            if _simple(node):
                left, right = f"s{self.temps}", f"s{self.temps + 1}"
                self.temps += 2
                return _if(ast.Compare(left=ast.NamedExpr(target=_store(left), value=self.plain(node.left)),
                                       ops=[ast.NotEq()],
                                       comparators=[ast.NamedExpr(target=_store(right),
                                                                  value=self.plain(node.right))]),
                           _compare(_load(left), node.value, _load(right)), again)
            self.tie_fields.update(n.value for n in _walk(node) if n.kind == "field")
            self.tie_leaves = max(self.tie_leaves, sum(1 for n in _walk(node) if n.kind == "field"))
            self.tie_factors = max(self.tie_factors, _factors(node))
            difference = f"s{self.temps}"
            self.temps += 1
            near = ast.Compare(left=_load("ntie"), ops=[ast.LtE(), ast.LtE()],
                               comparators=[ast.NamedExpr(target=_store(difference),
                                                          value=ast.BinOp(self.plain(node.left), ast.Sub(),
                                                                          self.plain(node.right))),
                                            _load("tie")])
            return _if(near, again, _compare(_load(difference), node.value, _const(0)))
        if node.kind == "arith":
            return ast.BinOp(left=self.plain(node.left), op=_ARITH_OPS[node.value](), right=self.plain(node.right))
        # zen's and/or: the left operand decides or hands over the right one, as Python's does (both are yes/no)
        return ast.BoolOp(op=ast.And() if node.kind == "and" else ast.Or(),
                          values=[self.plain(node.left), self.plain(node.right)])

    def ranged(self, node: _Node) -> Any:
        """A figure as (lowest, highest), a yes/no as its Kleene value: ``intervals._interval``, node for node."""
        if node.kind == "field":
            value = _load(self.field_var(node.value))
            if node.typ == "num":
                # Only a row with a blank comes here: its figures are taken as zen reads them (``zen_reads``), so
                # that a tie between a range's end and the other side comes out as zen's.
                blank = _is(value, None)
                return (_if(blank, _const(0), _call("zen_read", _load(self.field_var(node.value)))),
                        _if(_is(_load(self.field_var(node.value)), None), _load("BIG"),
                            _call("zen_read", _load(self.field_var(node.value)))))
            return value  # a yes/no: null when blank, unknown as Kleene logic has it
        if node.kind in ("number", "name"):
            return (self._leaf(node), self._leaf(node))
        if node.kind == "bool":
            return self._leaf(node)
        if node.kind == "arith":
            a, b = self.ranged(node.left), self.ranged(node.right)
            if node.value == "+":
                return (ast.BinOp(a[0], ast.Add(), b[0]), ast.BinOp(a[1], ast.Add(), b[1]))
            if node.value == "-":
                return (ast.BinOp(a[0], ast.Sub(), b[1]), ast.BinOp(a[1], ast.Sub(), b[0]))
            return (ast.BinOp(a[0], ast.Mult(), b[0]), ast.BinOp(a[1], ast.Mult(), b[1]))
        if node.kind == "compare":
            return self._ranged_compare(self.ranged(node.left), node.value, self.ranged(node.right))
        return kleene_fold([self.ranged(node.left), self.ranged(node.right)], "all" if node.kind == "and" else "any")

    @staticmethod
    def _ranged_compare(a, operator: str, b) -> ast.expr:
        """``intervals._compare``: true when it holds at every point of the ranges, false at none, else unknown."""
        (alo, ahi), (blo, bhi) = a, b
        if operator in (">", ">="):
            always, never = _compare(alo, operator, bhi), _compare(ahi, "<=" if operator == ">" else "<", blo)
        elif operator in ("<", "<="):
            always, never = _compare(ahi, operator, blo), _compare(alo, ">=" if operator == "<" else ">", bhi)
        else:
            point = ast.BoolOp(op=ast.And(), values=[_compare(alo, "==", ahi), _compare(blo, "==", bhi)])
            apart = ast.BoolOp(op=ast.Or(), values=[_compare(ahi, "<", blo), _compare(alo, ">", bhi)])
            same, differ = (True, False) if operator == "==" else (False, True)
            return _if(point, _if(_compare(alo, "==", blo), _const(same), _const(differ)),
                       _if(apart, _const(differ), _const(None)))
        return _if(always, _const(True), _if(never, _const(False), _const(None)))


# --- the call ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PythonTenantCall:
    """A ruleset's tenant call as a Python function, and what the judge hands it."""

    function: Callable[..., list[list[Any]]]
    core_fields: tuple[str, ...]  # the Tenant attributes each row tuple holds, in order
    declared_fields: tuple[str, ...]  # the ruleset's own columns (``tenant.declared``)
    names: tuple[str, ...]  # the profile figures and parameters the terms read
    guards: tuple[tuple[str, ...], ...]  # per guarded term, the profile figures that make it unknown when blank
    blank_allowed: frozenset[str]  # of ``names``, those a guard covers: a blank one is no reason to defer
    numbers: tuple[Decimal, ...]  # the numbers the terms write, in the function's order
    checked: tuple[tuple[str, frozenset[type]], ...]  # columns whose kinds of value each call checks
    bad_fields: tuple[str, ...]
    industry_codes: dict[str, int]
    rank: Callable[..., int] | None  # the SME class rank from an industry's code and the figures
    figure_columns: tuple[str, ...]  # the figures' columns, in ``rank``'s order
    tie_fields: tuple[str, ...]  # the figures compared with arithmetic: the largest of them sets ``tie``
    tie_weight: tuple[int, int]  # (the most figures, the most constant factors) of such a comparison
    tree: ast.Module  # what was compiled, for reading

    def __call__(self, tenants, context: dict[str, Any], source) -> list[tuple[Any, Any, dict, dict]]:
        """Per row (lowest rank, highest rank, {test: answer}, {test: [terms]}) as zen's tenant call answers them
        (:meth:`flat` gives zen's array), or :class:`Defer`."""
        names = []
        for name in self.names:
            value = context.get(name)
            if value is None:
                if name not in self.blank_allowed:
                    raise Defer(f"{name} is blank")
                names.append(None)
            else:
                names.append(_as_number(value))
        guards = tuple(any(context.get(n) is None for n in guard) for guard in self.guards)
        rows = list(map(attrgetter(*self.core_fields), tenants))
        columns = dict(zip(self.core_fields, zip(*rows))) if rows else {}
        for key, kinds in self.checked:
            if key in self.declared_fields:
                column = [t.declared.get(key) for t in tenants]
            else:
                column = columns.get(key, ())
            found = set(map(type, column))
            if not found <= kinds:
                raise Defer(f"{key} holds {found - kinds}")
            if key in self.declared_fields and Decimal in found and any(
                    v.__class__ is Decimal and not _as_zen_reads(v) for v in column):
                raise Defer(f"{key} holds a figure zen reads otherwise")
        codes = {v: self.industry_codes.get(str.__str__(v)) if isinstance(v, str) else None
                 for v in set(columns.get("industry", ()))}
        bad = _unusable_cells(source) if self.bad_fields else set()
        tie = self._tie(columns, tenants, names) if self.tie_fields else _ZERO
        if self.declared_fields:
            rows = zip(rows, map(_DECLARED, tenants))
        with decimal.localcontext(CONTEXT):
            return self.function(rows, tuple(names), guards, self.numbers, codes, bad, self.rank, _BIG, zen_read,
                                 tie, -tie)

    def _tie(self, columns, tenants, names) -> Decimal:
        """How near the two sides of a comparison with arithmetic must be for zen's reading of a figure (at most
        one unit in its sixteenth digit: 10^-15 of it) to change the answer, with a margin of ten: the largest
        figure compared, times the most figures and constant factors such a comparison has."""
        largest = 0
        for key in self.tie_fields:
            column = [t.declared.get(key) for t in tenants] if key in self.declared_fields else columns.get(key, ())
            # a blank and a zero change nothing here: both left out in C, then the largest and the smallest
            largest = max(largest, max(filter(None, column), default=0), -min(filter(None, column), default=0))
        leaves, factors = self.tie_weight
        factor = max([Decimal(1)] + [abs(n) for n in names if n is not None] + [abs(n) for n in self.numbers])
        return Decimal(largest) * leaves * factor ** factors * _TIE

    def flat(self, answer: tuple[Any, Any, dict, dict], order: tuple[str, ...],
             terms_returned: tuple[str, ...]) -> list[Any]:
        """One row's answer as zen's tenant call gives it: [lo, hi, each test in ``order``, the terms returned]."""
        lo, hi, tests, terms = answer
        return [lo, hi] + [tests[n] for n in order] + [v for n in terms_returned for v in terms[n]]


_DECLARED = attrgetter("declared")


_NUMBERS: dict[tuple[type, Any], Decimal] = {}


def _as_number(value: Any) -> Decimal:
    """A name's value as zen reads it, if the call can use it exactly (kept: the names are a ruleset's few)."""
    key = (value.__class__, value)
    try:
        return _NUMBERS[key]
    except (KeyError, TypeError):
        pass
    number = _number_of(value)
    if len(_NUMBERS) < 10000:
        _NUMBERS[key] = number
    return number


def _number_of(value: Any) -> Decimal:
    if value.__class__ is bool or not isinstance(value, (int, float, Decimal)):
        raise Defer(f"{value!r} is not a figure")
    number = zen_reads(value) if isinstance(value, float) else Decimal(value)
    if (not number.is_finite() or abs(number) >= _NAME_LIMIT or number.as_tuple().exponent < _NAME_EXPONENT
            or len(number.normalize().as_tuple().digits) > 15):
        raise Defer(f"{value!r} is beyond the figures the call reads exactly")
    return number


def _as_zen_reads(value: Decimal) -> bool:
    """zen is given a figure as a float (judge/context.py) and reads it as its shortest decimal."""
    return value.is_finite() and Decimal(repr(float(value))) == value


def _unusable_cells(source) -> set[tuple[int, str]]:
    """(worksheet row, field) of each roster cell that held something unusable (``tenants.FIELD.ROW``), as
    ``judge/context.py`` reads them for zen's ``tenant_bad``."""
    cells = set()
    for unusable in source.unusable:
        parts = unusable.split(".")
        if len(parts) == 3 and parts[0] == "tenants" and parts[2].isdigit():
            cells.add((int(parts[2]), parts[1]))
    return cells


def python_tenant_call(compiled: "CompiledRuleset") -> PythonTenantCall:
    """The ruleset's tenant call as a Python function; :class:`Refused` for a construct it does not know."""
    ruleset = compiled.ruleset
    tests = ruleset.tenant_tests
    order = order_of_tests(tests)
    if tuple(order) != compiled.test_order:
        raise Refused("test order")
    numeric, yes_no = numeric_tenant_fields(ruleset), yes_no_tenant_fields(ruleset)
    keys = profile_keys(ruleset)
    declared = {spec.key for spec in ruleset.fields.tenants}
    from ..model import Tenant

    model_fields = set(Tenant.model_fields)
    if declared & model_fields:
        raise Refused("a declared column with a model field's name")

    field_vars: dict[str, str] = {}
    name_vars: dict[str, str] = {}
    number_vars: dict[str, str] = {}
    numbers: list[Decimal] = []

    def field_var(field: str) -> str:
        if field not in field_vars:
            field_vars[field] = f"f{len(field_vars)}"
        return field_vars[field]

    def name_var(name: str) -> str:
        if name not in name_vars:
            name_vars[name] = f"n{len(name_vars)}"
        return name_vars[name]

    def number_var(text: str) -> str:
        if text not in number_vars:
            number_vars[text] = f"k{len(number_vars)}"
            numbers.append(Decimal(text))
        return number_vars[text]

    emit = _Emitter(field_var, name_var, number_var)
    operated: dict[str, frozenset[type]] = {}  # fields whose values go into an operation: their kinds are checked
    guards: list[tuple[str, ...]] = []
    blank_allowed: set[str] = set()
    bad_used: set[str] = set()
    body: list[ast.stmt] = []  # the loop's body
    term_vars: dict[str, list[str]] = {}
    test_vars: dict[str, str] = {}
    sme = ruleset.sme
    counter = 0

    for name in order:
        test = tests[name]
        reads: list[str] = []
        for term in test.terms:
            if term.test is not None:
                reads.append(test_vars[term.test])
                continue
            var = f"t{counter}"
            counter += 1
            if term.sme_class is not None:
                if sme is None:
                    raise Refused("a class term without a classification")
                value = _class_term(term.sme_class, sme.ranked)
            else:
                value = _expression_term(term, emit, numeric, yes_no, keys, operated, guards, blank_allowed,
                                         bad_used, field_var)
            body.append(_assign(var, value))
            reads.append(var)
        term_vars[name] = reads
        folded = f"T{len(test_vars)}"
        body.append(_assign(folded, kleene_fold([_load(v) for v in reads], "all" if test.all is not None else "any")))
        test_vars[name] = folded

    if set(compiled.terms_returned) - set(term_vars):
        raise Refused("terms returned")
    for name, size in ((n, len(tests[n].terms)) for n in compiled.terms_returned):
        if len(term_vars[name]) != size:
            raise Refused("terms returned")
    # A row's answer: (lowest rank, highest rank, {test: answer}, {test: [its terms' answers]}), what
    # ``judge.tenants`` makes a TenantOutcome of; ``flat`` gives zen's array from it.
    tests_answer = ast.Dict(keys=[_const(n) for n in compiled.test_order],
                            values=[_load(test_vars[n]) for n in compiled.test_order])
    terms_answer = ast.Dict(keys=[_const(n) for n in compiled.terms_returned],
                            values=[ast.List(elts=[_load(v) for v in term_vars[n]], ctx=ast.Load())
                                    for n in compiled.terms_returned])
    answer = ast.Tuple(elts=[_load("lo"), _load("hi"), tests_answer, terms_answer], ctx=ast.Load())

    # The classification: the rank on the lowest figures; on a row with a blank figure (open) also on the highest.
    rank_fn = None
    figure_columns: tuple[str, ...] = ()
    ranks: list[ast.stmt]
    if sme is not None and sme.industries:
        figures = list(sme.figures)
        figure_columns = tuple(sme.figures[f]["column"] for f in figures)
        for column in figure_columns:
            if column not in numeric:
                raise Refused(f"classification figure {column} is not a figure")
            operated[column] = _NUMBER_KINDS
        rank_fn = _rank_function(ruleset, figures)
        cols = [_load(field_var(c)) for c in figure_columns]
        is_open = _any([_is(c, None) for c in cols]) if cols else _const(False)
        lows = [_if(_is(c, None), _const(0), c) for c in cols]
        highs = [_if(_is(c, None), _const(_UNBOUNDED), c) for c in cols]
        ranks = [
            _assign("code", ast.Subscript(value=_load("codes"), slice=_load(field_var("industry")), ctx=ast.Load())),
            ast.If(test=_is(_load("code"), None),
                   body=[_assign("lo", _const(None)), _assign("hi", _const(None)), _assign("opened", _const(False))],
                   orelse=[ast.If(test=is_open,
                                  body=[_assign("lo", _call("rank", _load("code"), *lows)),
                                        _assign("hi", _call("rank", _load("code"), *highs)),
                                        _assign("opened", _const(True))],
                                  orelse=[_assign("lo", _call("rank", _load("code"), *cols)),
                                          _assign("hi", _load("lo")), _assign("opened", _const(False))])]),
        ]
    else:
        field_var("industry")
        ranks = [_assign("lo", _const(None)), _assign("hi", _const(None)), _assign("opened", _const(False))]

    # The registered year is made from the registration date (judge/context.py, tenant_columns).
    prelude: list[ast.stmt] = []
    if "registered_year" in field_vars:
        registered = _load(field_var("registered_on"))
        prelude.append(_assign(field_vars["registered_year"],
                               _if(_is(registered, None), _const(None),
                                   ast.Attribute(value=_load(field_var("registered_on")), attr="year",
                                                 ctx=ast.Load()))))
        operated["registered_on"] = frozenset({type(None), __import__("datetime").date})
        operated.pop("registered_year", None)

    fields_in_order = [f for f in field_vars if f != "registered_year"]
    declared_fields = tuple(f for f in fields_in_order if f in declared)
    core_fields = tuple(f for f in fields_in_order if f not in declared)
    for field in core_fields:
        if field not in model_fields:
            raise Refused(f"{field} is neither a tenant's field nor a declared one")
    if len(core_fields) < 2:  # an attrgetter of one attribute gives the value itself, not a tuple
        core_fields += tuple(f for f in ("row", "name") if f not in core_fields)[:2 - len(core_fields)]
        for field in core_fields:
            field_var(field)
    core_target = ast.Tuple(elts=[_store(field_vars[f]) for f in core_fields], ctx=ast.Store())
    target = (ast.Tuple(elts=[core_target, _store("declared")], ctx=ast.Store()) if declared_fields else core_target)
    declared_reads = [_assign(field_vars[f], ast.Call(func=ast.Attribute(value=_load("declared"), attr="get",
                                                                         ctx=ast.Load()),
                                                       args=[_const(f)], keywords=[]))
                      for f in declared_fields]
    loop = ast.For(target=target, iter=_load("rows"),
                   body=declared_reads + prelude + ranks + body + [ast.Expr(_call("append", answer))], orelse=[])
    unpack = []
    for tuple_name, variables in (("names", list(name_vars.values())), ("guards", [f"g{i}" for i in range(len(guards))]),
                                  ("numbers", list(number_vars.values()))):
        if variables:
            unpack.append(ast.Assign(targets=[ast.Tuple(elts=[_store(v) for v in variables], ctx=ast.Store())],
                                     value=_load(tuple_name)))
    setup = unpack + [_assign("out", ast.List(elts=[], ctx=ast.Load())),
                      _assign("append", ast.Attribute(value=_load("out"), attr="append", ctx=ast.Load()))]
    args = ["rows", "names", "guards", "numbers", "codes", "bad", "rank", "BIG", "zen_read", "tie", "ntie"]
    function = ast.FunctionDef(
        name="tenant_call",
        args=ast.arguments(posonlyargs=[], args=[ast.arg(arg=a) for a in args], kwonlyargs=[], kw_defaults=[],
                           defaults=[], vararg=None, kwarg=None),
        body=setup + [loop, ast.Return(value=_load("out"))], decorator_list=[], returns=None)
    tree = ast.Module(body=[function], type_ignores=[])
    namespace = _run(tree, f"<tenant call of {ruleset.id}>")
    checked = tuple((f, kinds) for f, kinds in operated.items() if f in field_vars)
    return PythonTenantCall(
        function=namespace["tenant_call"], core_fields=core_fields, declared_fields=declared_fields,
        names=tuple(name_vars), guards=tuple(guards), blank_allowed=frozenset(blank_allowed), numbers=tuple(numbers),
        checked=checked, bad_fields=tuple(sorted(bad_used)), industry_codes=dict(compiled.industry_codes),
        rank=rank_fn, figure_columns=figure_columns, tree=tree,
        tie_fields=tuple(sorted(emit.tie_fields)), tie_weight=(emit.tie_leaves, emit.tie_factors))


def _run(tree: ast.Module, filename: str) -> dict[str, Any]:
    """Compile a generated module and run it (it only defines a function) in a namespace without builtins."""
    _whitelisted(tree)
    namespace: dict[str, Any] = {"__builtins__": {}}
    exec(compile(tree, filename, "exec"), namespace)  # noqa: S102 - an ast of this module's making, checked above
    return namespace


_ALLOWED_NODES = (ast.Module, ast.FunctionDef, ast.arguments, ast.arg, ast.Assign, ast.For, ast.If, ast.Return,
                  ast.Expr, ast.Name, ast.NamedExpr, ast.Load, ast.Store, ast.Constant, ast.Tuple, ast.List, ast.Dict, ast.IfExp, ast.BoolOp,
                  ast.And, ast.Or, ast.Compare, ast.Is, ast.In, ast.Eq, ast.NotEq, ast.Gt, ast.GtE, ast.Lt, ast.LtE, ast.BinOp,
                  ast.Add, ast.Sub, ast.Mult, ast.Call, ast.Attribute, ast.Subscript)
_ALLOWED_ATTRIBUTES = {"append", "get", "year"}
_ALLOWED_KINDS = frozenset(_ALLOWED_NODES)
_PLAIN_CONSTANTS = frozenset({type(None), bool, int, str})
_LEAF_VALUES = frozenset({str, int, bool})  # a node's field that is not a node: a name, an operator's text, a value


def _whitelisted(tree: ast.AST) -> None:
    """Every node of the generated function is of a kind this module writes: no import, no lambda, attributes
    only the few it reads itself, constants only plain values. A bug here refuses the ruleset, never runs.

    The same pass gives every node the one source position the function has (what ``ast.fix_missing_locations``
    does, in a pass of its own: this is the larger part of building a ruleset's call, once per process)."""
    allowed, attributes, plain = _ALLOWED_KINDS, _ALLOWED_ATTRIBUTES, _PLAIN_CONSTANTS
    stack = [tree]
    pop, push, extend = stack.pop, stack.append, stack.extend
    while stack:
        node = pop()
        kind = node.__class__
        if kind not in allowed:
            raise Refused(f"generated node {kind.__name__}")
        if kind is ast.Attribute and node.attr not in attributes:
            raise Refused(f"generated attribute {node.attr}")
        if kind is ast.Constant and node.value.__class__ not in plain:
            raise Refused(f"generated constant {node.value!r}")
        if node._attributes:
            node.lineno = node.end_lineno = 1
            node.col_offset = node.end_col_offset = 0
        for name in node._fields:
            value = getattr(node, name, None)
            if value.__class__ is list:
                extend(value)
            elif value is not None and value.__class__ not in _LEAF_VALUES:
                push(value)


def _class_term(allowed: tuple[str, ...], ranked: list[str]) -> ast.expr:
    """``compile.class_term``: unknown without a class; on a row with no blank figure whether its one class is
    allowed; on an open row the Kleene table of every (lowest, highest) pair."""
    try:
        ranks = sorted({ranked.index(c) for c in allowed})
    except ValueError:
        raise Refused("a class the classification does not rank") from None
    size = len(ranked)
    table = class_table(allowed, ranked)[1:-1].split(", ")
    cells = tuple({"true": True, "false": False, "null": None}[c] for c in table)
    one = _any([_compare(_load("lo"), "==", _const(r)) for r in ranks]) if ranks else _const(False)
    by_table = ast.Subscript(value=ast.Tuple(elts=[_const(c) for c in cells], ctx=ast.Load()),
                             slice=ast.BinOp(ast.BinOp(_load("lo"), ast.Mult(), _const(size)), ast.Add(), _load("hi")),
                             ctx=ast.Load())
    return _if(_is(_load("lo"), None), _const(None), _if(_load("opened"), by_table, one))


def _term_tree(expr: str, numeric, yes_no) -> _Node:
    """A term's tree (``intervals.parse``) if the Python call can answer it as zen does, else :class:`Refused`: a
    yes/no, numbers of at most 15 digits, arithmetic Decimal keeps exact (``_check_arithmetic``)."""
    try:
        tree = parse(expr, numeric, yes_no)
    except Unreadable as exc:
        raise Refused(str(exc)) from None
    for node in _walk(tree):
        if node.kind == "number" and len(Decimal(node.value).normalize().as_tuple().digits) > 15:
            raise Refused(f"a number of more than 15 digits: {node.value}")
    if tree.typ != "bool":
        raise Refused("a term that is not a yes/no")
    _check_arithmetic(tree)
    return tree


def _expression_term(term, emit: _Emitter, numeric, yes_no, keys, operated, guards, blank_allowed, bad_used,
                     field_var) -> ast.expr:
    """``compile.guarded`` and ``compile.term_expression`` for a term with an expression."""
    expr = term.expr or ""
    tree = _term_tree(expr, numeric, yes_no)
    fields = {n.value for n in _walk(tree) if n.kind == "field"}
    covered = set(term.needs) | ({"registered_year"} if "registered_on" in term.needs else set())
    if fields - covered:
        raise Refused(f"a term reads {sorted(fields - covered)} without needing it")
    bare = tree.kind == "field"
    for node in _walk(tree):
        if node.kind == "field" and not bare:
            operated[node.value] = _NUMBER_KINDS if node.typ == "num" else _YES_NO_KINDS
    plain = emit.plain(tree)
    if not term.needs:
        value = plain
    else:
        blank_test = _any([_is(_load(field_var(n)), None) for n in term.needs])
        if term.blank is None:
            ranged = over_blanks(expr, numeric, yes_no)
            if ranged == expr:
                value = plain
            else:
                value = _if(blank_test, emit.ranged(tree) if ranged is not None else _const(None), plain)
        else:
            bad_used.update(term.needs)
            # ``#.bad.FIELD == true``: the cell held something unusable (a pair of the row and the field in ``bad``)
            row = _load(field_var("row"))
            bad = _any([ast.Compare(left=ast.Tuple(elts=[row, _const(n)], ctx=ast.Load()), ops=[ast.In()],
                                    comparators=[_load("bad")]) for n in term.needs])
            value = _if(blank_test, _if(bad, _const(None), _const(bool(term.blank))), plain)
    names = sorted({n.value for n in _walk(tree) if n.kind == "name"})
    profile_names = tuple(n for n in names if n in keys or n in DERIVED_YEARS)
    if profile_names:
        guard = f"g{len(guards)}"
        guards.append(profile_names)
        blank_allowed.update(profile_names)
        value = _if(_load(guard), _const(None), value)
    return value


def _rank_function(ruleset: "Ruleset", figures: list[str]) -> Callable[..., int]:
    """``compile.sme_rank_expression`` in Python: ``rank(code, figure, …)`` is the class rank of an industry (its
    code) from the figures, trying the classes from the largest down; the industry found by halving its code."""
    sme = ruleset.sme
    rank = {cls: i for i, cls in enumerate(sme.ranked)}
    variables = {figure: f"x{i}" for i, figure in enumerate(figures)}
    bounds: list[Decimal] = []

    def chain(industry: str) -> list[ast.stmt]:
        statements: list[ast.stmt] = []
        for cls in sme.bounded:
            found = sme.bounds(industry, cls)
            if not found or any(fig not in variables for fig in found):
                raise Refused(f"the bounds of {industry} {cls}")
            tests = []
            for fig, bound in found.items():
                if not bound.is_finite() or "E" in str(bound) or len(bound.normalize().as_tuple().digits) > 15:
                    raise Refused(f"bound {bound}")
                bounds.append(bound)
                tests.append(_compare(_load(variables[fig]), ">=", _load(f"b{len(bounds) - 1}")))
            test = tests[0] if len(tests) == 1 else ast.BoolOp(op=ast.And(), values=tests)
            statements.append(ast.If(test=test, body=[ast.Return(value=_const(rank[cls]))], orelse=[]))
        statements.append(ast.Return(value=_const(0)))
        return statements

    chains = [chain(industry) for industry in sme.industries]

    def halves(first: int, end: int) -> list[ast.stmt]:
        if end - first == 1:
            return chains[first]
        middle = (first + end) // 2
        return [ast.If(test=_compare(_load("code"), "<", _const(middle)), body=halves(first, middle),
                       orelse=halves(middle, end))]

    inner = ast.FunctionDef(
        name="rank", args=ast.arguments(posonlyargs=[], args=[ast.arg(arg="code")] + [ast.arg(arg=v) for v in
                                        variables.values()], kwonlyargs=[], kw_defaults=[], defaults=[],
                                        vararg=None, kwarg=None),
        body=halves(0, len(chains)), decorator_list=[], returns=None)
    unpack = ([ast.Assign(targets=[ast.Tuple(elts=[_store(f"b{i}") for i in range(len(bounds))], ctx=ast.Store())],
                          value=_load("bounds"))] if bounds else [])
    outer = ast.FunctionDef(
        name="make_rank", args=ast.arguments(posonlyargs=[], args=[ast.arg(arg="bounds")], kwonlyargs=[],
                                             kw_defaults=[], defaults=[], vararg=None, kwarg=None),
        body=unpack + [inner, ast.Return(value=_load("rank"))], decorator_list=[], returns=None)
    namespace = _run(ast.Module(body=[outer], type_ignores=[]), f"<class ranks of {ruleset.id}>")
    return namespace["make_rank"](tuple(bounds))


_CALLS: dict[int, tuple[Any, PythonTenantCall | None]] = {}


def python_call_of(compiled: "CompiledRuleset") -> PythonTenantCall | None:
    """The ruleset's tenant call in Python, built once per compiled zen call (a ruleset resolved for a day shares
    it, as it shares the zen call); None when the ruleset uses a construct it does not know (zen answers). When a
    roster is worth building it for is the judge's choice (``judge/tenants.py: python_call_of``)."""
    key = id(compiled.tenant_call)
    entry = _CALLS.get(key)
    if entry is None or entry[0] is not compiled.tenant_call:
        try:
            call = python_tenant_call(compiled)
        except Refused:
            call = None
        entry = _CALLS[key] = (compiled.tenant_call, call)  # the entry holds the zen call: its id is not reused
    return entry[1]
