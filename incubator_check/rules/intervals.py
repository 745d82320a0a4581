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


class _Parser:
    """or < and < comparison < + - < * ; atoms: #.field, a parameter, a number, ( … )."""

    def __init__(self, expr: str, numeric: frozenset[str], boolean: frozenset[str]):
        self.tokens, self.at = _tokens(expr), 0
        self.numeric, self.boolean = numeric, boolean

    def peek(self) -> str | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise Unreadable("end")
        self.at += 1
        return token

    def parse(self):
        node = self.disjunction()
        if self.peek() is not None:
            raise Unreadable(self.peek())
        return node

    def disjunction(self):
        return self._chain("or", "any", self.conjunction)

    def conjunction(self):
        return self._chain("and", "all", self.comparison)

    def _chain(self, word: str, how: str, operand):
        """``a or b or …`` / ``a and b and …``: a Kleene fold of the operands."""
        node = operand()
        while self.peek() == word:
            self.take()
            node = _Bool(fold([_as_bool(node), _as_bool(operand())], how))
        return node

    def comparison(self):
        left = self.sum()
        if self.peek() in _COMPARISONS:
            operator = self.take()
            return _Bool(_compare(_as_num(left), operator, _as_num(self.sum())))
        return left

    def sum(self):
        node = self.product()
        while self.peek() in ("+", "-"):
            operator = self.take()
            a, b = _as_num(node), _as_num(self.product())
            node = (_Num(f"({a.lo} + {b.lo})", f"({a.hi} + {b.hi})") if operator == "+"
                    else _Num(f"({a.lo} - {b.hi})", f"({a.hi} - {b.lo})"))
        return node

    def product(self):
        node = self.atom()
        while self.peek() == "*":
            self.take()
            a, b = _as_num(node), _as_num(self.atom())
            node = _Num(f"({a.lo} * {b.lo})", f"({a.hi} * {b.hi})")  # every factor is ≥ 0
        return node

    def atom(self):
        token = self.take()
        if token == "(":
            node = self.disjunction()
            if self.take() != ")":
                raise Unreadable("(")
            return node
        if token.startswith("#."):
            name = token[2:]
            if name in self.numeric:
                return _Num(f"({token} == null ? 0 : {token})", f"({token} == null ? {BIG} : {token})")
            if name in self.boolean:
                return _Bool(token)  # null when blank: unknown, as Kleene logic has it
            raise Unreadable(token)
        if token[0].isdigit():
            return _Num(token, token)
        if token in ("true", "false"):
            return _Bool(token)
        if token in ("and", "or", "not", "null") or token in _COMPARISONS:
            raise Unreadable(token)
        return _Num(token, token)  # a parameter or a profile figure: known (the caller guards a blank one)


def _as_num(node) -> _Num:
    if not isinstance(node, _Num):
        raise Unreadable("a yes/no where a figure is expected")
    return node


def _as_bool(node) -> str:
    if not isinstance(node, _Bool):
        raise Unreadable("a figure where a yes/no is expected")
    return node.kleene


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
        return _as_bool(_Parser(expr, numeric, boolean).parse())
    except Unreadable:
        return None
