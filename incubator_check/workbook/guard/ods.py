"""An ``.ods`` spreadsheet's ``content.xml``: each table's rows and columns with their repetitions expanded.

Read through expat element by element, by local name, as python-calamine expands ``number-rows-repeated`` and
``number-columns-repeated``; each cell's text is charged to the text budget once for every cell it repeats over.
"""

from __future__ import annotations

import zipfile

from .limits import _HUGE, Limits, _Budget, _check_size
from .package import _Package
from .xmlparse import _count, _local, _parse

def _attribute(attrs: dict[str, str], suffix: str) -> str | None:
    """The value of the attribute whose local name is ``suffix``, whatever its prefix (the last, if several)."""
    found = None
    for key, value in attrs.items():
        if _local(key) == suffix:
            found = value
    return found


def _repeat(attrs: dict[str, str], which: str) -> int:
    """A repetition count, as python-calamine parses it (``+6000`` is 6000); with several attributes of that local
    name under different prefixes, the largest."""
    counts = [_count(value) for key, value in attrs.items() if _local(key) == f"number-{which}-repeated"]
    return max(max(counts, default=1), 1)


def _scan_ods(path: str, package: _Package, info: zipfile.ZipInfo, limits: Limits, budget: _Budget | None = None) -> None:
    """Each table of content.xml with its repeated rows and columns expanded, as python-calamine expands them.

    Elements are matched by local name, so any prefix counts (a prefix bound to another namespace only makes the
    guard count more). Trailing empty rows and cells (LibreOffice writes a million of them) cost nothing; any with
    content (a value type, or a child element), or followed by content, count. Each cell's text — with every
    ``<text:s text:c="N"/>`` as N spaces — is charged to the budget once for every column and row it repeats over.
    """
    budget = budget or _Budget(path, Limits(max_text_bytes=_HUGE))
    state = {"name": "?", "row": 0, "height": 0, "width": 0, "row_repeat": 1, "col": 0, "row_end": 0,
             "in_cell": False, "content": False, "col_repeat": 1, "text": 0, "row_text": 0}

    def start(name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if local == "table":
            state.update(name=_attribute(attrs, "name") or "?", row=0, height=0, width=0)
        elif local == "table-row":
            state.update(row_repeat=_repeat(attrs, "rows"), col=0, row_end=0, row_text=0)
        elif local in ("table-cell", "covered-table-cell"):
            state["col_repeat"] = _repeat(attrs, "columns")
            state["col"] += state["col_repeat"]
            state.update(in_cell=True, content=_attribute(attrs, "value-type") is not None, text=0)
        elif state["in_cell"]:
            state["content"] = True
            if local == "s":
                state["text"] += max((_count(v) for k, v in attrs.items() if _local(k) == "c"), default=1)
            elif local in ("p", "h"):
                state["text"] += 1  # the line break between paragraphs

    def text(data: str) -> None:
        if state["in_cell"]:
            state["text"] += len(data.encode("utf-8", "surrogatepass"))

    def end(name: str) -> None:
        local = _local(name)
        if local in ("table-cell", "covered-table-cell"):
            if state["content"]:
                state["row_end"] = state["col"]
            state["row_text"] += state["text"] * state["col_repeat"]
            state["in_cell"] = False
        elif local == "table-row":
            if state["row_end"]:
                state["height"] = state["row"] + state["row_repeat"]
                state["width"] = max(state["width"], state["row_end"])
                height, width = state["height"], state["width"]
                if height > limits.max_rows or height * width > limits.max_cells:  # stop early: rows only grow
                    _check_size(path, state["name"], height, width, limits, at_least=True)
            if state["row_text"]:
                budget.add(state["row_text"] * state["row_repeat"], state["name"])
            state["row"] += state["row_repeat"]
        elif local == "table":
            _check_size(path, state["name"], state["height"], state["width"], limits)
            state.update(row=0, height=0, width=0)

    _parse(path, package.xml(info), start, end, lambda: None, text)
    _check_size(path, state["name"], state["height"], state["width"], limits)
