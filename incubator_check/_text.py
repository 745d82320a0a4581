"""Text from strangers, made safe for each output: file names and applicant text as people can see them.

A file name on Linux is bytes; Python gives the bytes that are not UTF-8 as lone surrogates
(``surrogateescape``), which no UTF-8 output can hold. A name can also hold a newline (one
table row becomes two) or a control character (openpyxl refuses it). Applicant text in a cell
can begin with ``=`` (a spreadsheet would run it as a formula). Each output calls one of these:

- :func:`json_text` — JSON: only what UTF-8 cannot hold is escaped (``\\xff`` for a byte that is not UTF-8);
- :func:`visible` — terminal and table rows: control characters shown as ``\\n``, ``\\x01``… as well;
- :func:`cell_text` — workbook cells: what XML 1.0 cannot hold shown as ``\\x01``…; newlines and tabs kept.
"""

from __future__ import annotations

import re

_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(char: str) -> str:
    code = ord(char)
    if char in _NAMED:
        return _NAMED[char]
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8, as surrogateescape carries it
        return f"\\x{code - 0xDC00:02x}"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def json_text(text: str) -> str:
    """``text`` with every lone surrogate escaped, so that it encodes as UTF-8."""
    return _SURROGATE.sub(lambda m: _escape(m.group()), text) if _SURROGATE.search(text) else text


def visible(text: str) -> str:
    """``text`` as one line of a terminal or a table: control characters and non-UTF-8 bytes escaped."""
    return _CONTROL.sub(lambda m: _escape(m.group()), text) if _CONTROL.search(text) else text


def cell_text(text: str) -> str:
    """``text`` as a workbook cell can hold it: what XML 1.0 forbids escaped visibly, the rest kept."""
    return _XML_ILLEGAL.sub(lambda m: _escape(m.group()), text) if _XML_ILLEGAL.search(text) else text


def json_safe(data):
    """A JSON value with every string passed through :func:`json_text` (only needed when a dump would fail)."""
    if isinstance(data, str):
        return json_text(data)
    if isinstance(data, dict):
        return {json_safe(k): json_safe(v) for k, v in data.items()}
    if isinstance(data, list):
        return [json_safe(v) for v in data]
    return data


def _plain(data) -> bool:
    """Whether ``data`` holds only dicts with text keys, lists, tuples, text, integers, booleans and None.

    Then orjson writes exactly what ``json.dumps(ensure_ascii=False)`` writes (``tests/test_outputs.py``). A
    float (``1e+16`` against ``1e16``, NaN against null) or any other type goes to ``json`` as before."""
    stack = [data]
    pop, push = stack.pop, stack.append
    while stack:
        value = pop()
        cls = value.__class__
        if cls is str or cls is int or cls is bool or value is None:
            continue
        if cls is dict:
            for key, item in value.items():
                if key.__class__ is not str:
                    return False
                push(item)
        elif cls is list or cls is tuple:
            for item in value:
                push(item)
        else:
            return False
    return True


def dumps(data, *, indent: bool = False) -> str:
    """Compact JSON text that always encodes as UTF-8 (a name that is not UTF-8 is escaped, not a crash), or a
    report indented by two spaces exactly as ``json.dumps(ensure_ascii=False, indent=2)`` writes it. orjson when it is installed and the data is plain
    (:func:`_plain`): the same bytes as ``json`` in a tenth of the time (an indented report: ``json`` runs its
    pure-Python encoder); anything it refuses (a lone surrogate, an integer beyond 64 bits) goes to ``json``."""
    import json

    if _plain(data):
        try:
            import orjson
        except ImportError:
            pass  # orjson is missing: json below writes the same text
        else:
            try:
                return orjson.dumps(data, option=orjson.OPT_INDENT_2 if indent else 0).decode()
            except orjson.JSONEncodeError:
                pass
    if indent:  # a report as `check --format json` writes it: its output escapes what UTF-8 cannot hold
        return json.dumps(data, ensure_ascii=False, indent=2)
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    if _SURROGATE.search(text):
        text = json.dumps(json_safe(data), ensure_ascii=False, separators=(",", ":"))
    return text
