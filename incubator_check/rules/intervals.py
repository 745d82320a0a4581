"""A term over the range of its blanks (clauses.md, Missing data), compiled to zen.

Money, counts and areas are never negative, so a blank figure is "some value ≥ 0", and a term is unknown
only when some such value would change its answer. A ruleset's term (``#.revenue_y1 + #.revenue_y2 >
graduate_revenue_over``) is parsed once and written again as a zen expression over intervals: every figure
has a lowest and a highest possible value (a blank: 0 and :data:`BIG`), sums and products of non-negative
figures follow, and a comparison is true when it holds at every point of the range, false when at none, and
unknown (null) in between. A yes/no blank stays unknown (Kleene). So

- 上年度营业收入 1200 with a blank 前年度: the sum is at least 1200 > 1000 — true;
- 前年度研发经费投入 0 with a blank 上年度: ``#.rd_y2 > 0`` is false, and so is the term;
- 上年度营业收入 1200 with a blank 前年度 for growth: ``#.revenue_y2 > 0`` and ``1200 > 1.2 × [0, BIG]`` are
  both unknown — so is the term (a blank that could change the answer still does).

The rulesets keep their expressions; a term this module cannot read (a construct it does not know) keeps the
plain rule: unknown whenever a field it needs is blank. Only the rules stage uses this.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

BIG = "1000000000000000"  # the highest possible value of a blank figure: above any figure a workbook can hold

_TOKEN = re.compile(r"\s*(?:(#\.[A-Za-z_]\w*)|(\d+(?:\.\d+)?)|(>=|<=|==|!=|>|<|\+|-|\*|\(|\))|([A-Za-z_]\w*))")
_COMPARISONS = {">", ">=", "<", "<=", "==", "!="}


class Unreadable(Exception):
    """The term uses a construct the interval form does not know: the plain rule applies."""


@dataclass
class _Num:
    lo: str
    hi: str


@dataclass
class _Bool:
    kleene: str  # a zen expression that is true, false or null


def _tokens(expr: str) -> list[str]:
    out, pos = [], 0
    while pos < len(expr):
        if expr[pos:].strip() == "":
            break
        match = _TOKEN.match(expr, pos)
        if not match or match.end() == pos:
            raise Unreadable(expr[pos:])
        out.append(next(g for g in match.groups() if g is not None))
        pos = match.end()
    return out


@dataclass(frozen=True)
class Node:
    """A term's syntax: what both readings of it (zen's over the blanks, here; the Python call's) are made from."""

    kind: str  # field, number, name, bool, compare, arith, and, or
    typ: str  # "num" (a figure) or "bool" (a yes/no)
    value: object = None  # a field's or name's name, a number's text, a bool, an operator
    left: "Node | None" = None
    right: "Node | None" = None


def parse(expr: str, numeric: frozenset[str], boolean: frozenset[str]) -> Node:
    """``expr`` as a tree: or < and < comparison < + - < * ; atoms: #.field (a figure of ``numeric`` or a yes/no of
    ``boolean``), a parameter, a number, true/false, ( … ). Each operand's type (a figure or a yes/no) is checked;
    anything else is :class:`Unreadable`."""
    return _Parser(expr, numeric, boolean).parse()


class _Parser:
    def __init__(self, expr: str, numeric: frozenset[str], boolean: frozenset[str]):
        self.tokens, self.at = _tokens(expr), 0
        self.numeric, self.boolean = numeric, boolean

    def peek(self) -> str | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise Unreadable("end of expression")
        self.at += 1
        return token

    def parse(self) -> Node:
        node = self.chain("or", self.conjunction)
        if self.peek() is not None:
            raise Unreadable(f"unexpected {self.peek()}")
        return node

    def conjunction(self) -> Node:
        return self.chain("and", self.comparison)

    def chain(self, word: str, operand) -> Node:
        node = operand()
        while self.peek() == word:
            self.take()
            node = Node(word, "bool", None, _boolean(node), _boolean(operand()))
        return node

    def comparison(self) -> Node:
        left = self.sum()
        if self.peek() in _COMPARISONS:
            operator = self.take()
            return Node("compare", "bool", operator, _number(left), _number(self.sum()))
        return left

    def sum(self) -> Node:
        node = self.product()
        while self.peek() in ("+", "-"):
            operator = self.take()
            node = Node("arith", "num", operator, _number(node), _number(self.product()))
        return node

    def product(self) -> Node:
        node = self.atom()
        while self.peek() == "*":
            self.take()
            node = Node("arith", "num", "*", _number(node), _number(self.atom()))
        return node

    def atom(self) -> Node:
        token = self.take()
        if token == "(":
            node = self.chain("or", self.conjunction)
            if self.take() != ")":
                raise Unreadable("unclosed (")
            return node
        if token.startswith("#."):
            name = token[2:]
            if name in self.numeric:
                return Node("field", "num", name)
            if name in self.boolean:
                return Node("field", "bool", name)
            raise Unreadable(f"field {token} is neither a figure nor yes/no")
        if token[0].isdigit():
            return Node("number", "num", token)
        if token in ("true", "false"):
            return Node("bool", "bool", token == "true")
        if token in ("and", "or", "not", "null") or token in _COMPARISONS or not token.isidentifier():
            raise Unreadable(f"unexpected {token}")
        return Node("name", "num", token)  # a parameter or a profile figure: known (the caller guards a blank one)


def _number(node: Node) -> Node:
    if node.typ != "num":
        raise Unreadable("a yes/no where a figure is expected")
    return node


def _boolean(node: Node) -> Node:
    if node.typ != "bool":
        raise Unreadable("a figure where a yes/no is expected")
    return node


def _interval(node: Node) -> "_Num | _Bool":
    """A node over the range of its blanks: a figure as its lowest and highest zen expressions, a yes/no as its
    Kleene zen expression."""
    kind = node.kind
    if kind == "field":
        token = f"#.{node.value}"
        if node.typ == "num":
            return _Num(f"({token} == null ? 0 : {token})", f"({token} == null ? {BIG} : {token})")
        return _Bool(token)  # null when blank: unknown, as Kleene logic has it
    if kind in ("number", "name"):
        return _Num(node.value, node.value)
    if kind == "bool":
        return _Bool("true" if node.value else "false")
    if kind in ("and", "or"):
        return _Bool(fold([_interval(node.left).kleene, _interval(node.right).kleene], "all" if kind == "and" else "any"))
    if kind == "compare":
        return _Bool(_compare(_interval(node.left), node.value, _interval(node.right)))
    a, b = _interval(node.left), _interval(node.right)  # arith
    if node.value == "+":
        return _Num(f"({a.lo} + {b.lo})", f"({a.hi} + {b.hi})")
    if node.value == "-":
        return _Num(f"({a.lo} - {b.hi})", f"({a.hi} - {b.lo})")
    return _Num(f"({a.lo} * {b.lo})", f"({a.hi} * {b.hi})")  # every factor is ≥ 0


def fold(terms: list[str], how: str) -> str:
    """Kleene AND (``all``) or OR (``any``) of zen expressions that are true, false or null."""
    if len(terms) == 1:
        return terms[0]
    decisive, other = ("false", "true") if how == "all" else ("true", "false")
    any_decisive = " or ".join(f"{t} == {decisive}" for t in terms)
    any_unknown = " or ".join(f"{t} == null" for t in terms)
    return f"(({any_decisive}) ? {decisive} : (({any_unknown}) ? null : {other}))"


def _compare(a: _Num, operator: str, b: _Num) -> str:
    if operator in (">", ">="):
        always, never = f"{a.lo} {operator} {b.hi}", f"{a.hi} {'<=' if operator == '>' else '<'} {b.lo}"
    elif operator in ("<", "<="):
        always, never = f"{a.hi} {operator} {b.lo}", f"{a.lo} {'>=' if operator == '<' else '>'} {b.hi}"
    else:
        point = f"{a.lo} == {a.hi} and {b.lo} == {b.hi}"
        apart = f"{a.hi} < {b.lo} or {a.lo} > {b.hi}"
        same, differ = ("true", "false") if operator == "==" else ("false", "true")
        return f"(({point}) ? (({a.lo} == {b.lo}) ? {same} : {differ}) : (({apart}) ? {differ} : null))"
    return f"(({always}) ? true : (({never}) ? false : null))"


def over_blanks(expr: str, numeric: frozenset[str], boolean: frozenset[str]) -> str | None:
    """The zen expression of ``expr`` over the range of its blanks, or None when it cannot be read that way."""
    try:
        tree = parse(expr, numeric, boolean)
    except Unreadable:
        return None
    return _interval(tree).kleene if tree.typ == "bool" else None
