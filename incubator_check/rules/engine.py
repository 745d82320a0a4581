"""The expression engine: zen-engine (GoRules), wrapped so that no engine error reaches a user.

zen evaluates the ruleset's expressions in exact decimal arithmetic (0.8 × 0.85 is
exactly 0.68). One call into zen costs tens of microseconds, so expressions are
compiled once per ruleset and evaluated over the roster in one call (``map``; a
large roster in slices of a few thousand rows), never once per tenant per clause.
zen cannot compare with null, so callers never pass a missing value into a
comparison: they decide "unknown" before the call.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from enum import Enum
from typing import Any

import zen

from ..errors import RulesetError


class EngineFailure(Exception):
    """zen could not evaluate an expression with these values (a type mismatch, a null)."""


def _engine_message(exc: BaseException) -> str:
    """The first line of zen's error, without its Rust backtrace."""
    text = str(exc).split("\n", 1)[0]
    try:
        data = json.loads(text)
        return f"{data.get('type', 'error')}: {data.get('source', '')}"
    except (ValueError, AttributeError):
        return text[:200]


def compile_expression(source: str, where: str) -> Any:
    """Compile one expression; a syntax error is the ruleset's fault and says where."""
    try:
        return zen.compile_expression(source)
    except Exception as exc:  # noqa: BLE001 - zen raises RuntimeError with a Rust backtrace
        raise RulesetError(f"规则集表达式有误（{where}）：{source} — {_engine_message(exc)}",
                           f"bad expression in the ruleset ({where}): {source} — {_engine_message(exc)}") from None


def evaluate(compiled: Any, context: dict[str, Any]) -> Any:
    """Evaluate a compiled expression; any engine failure becomes :class:`EngineFailure`."""
    try:
        return compiled.evaluate(context)
    except Exception as exc:  # noqa: BLE001
        raise EngineFailure(_engine_message(exc)) from None


def to_engine(value: Any) -> Any:
    """A Python value as zen takes it: decimals as the float of the same shortest decimal, dates as ISO text."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and abs(value) < 2**53 else float(value)
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [to_engine(v) for v in value]
    if isinstance(value, dict):
        return {k: to_engine(v) for k, v in value.items()}
    return str(value)


def from_engine(value: Any) -> Any:
    """A number zen returned, as the exact decimal it printed (zen's decimals travel as shortest-repr floats)."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float):
        return Decimal(repr(value)) if value == value else None
    if isinstance(value, int):
        return Decimal(value)
    return value


_IDENT = re.compile(r"(?<![#.\w'])([A-Za-z_]\w*)")
_KEYWORDS = {"and", "or", "not", "true", "false", "null", "in", "count", "map", "filter", "len", "sum", "some", "all",
             "none", "one", "abs", "ceil", "floor", "round", "max", "min", "string", "number", "contains"}


def identifiers(source: str) -> set[str]:
    """The free names an expression reads (not ``#`` members, not string contents, not functions)."""
    stripped = re.sub(r"'[^']*'|\"[^\"]*\"", "''", source)
    return {m for m in _IDENT.findall(stripped) if m not in _KEYWORDS}
