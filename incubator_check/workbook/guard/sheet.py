"""An ``.xlsx`` worksheet and its shared-string table, measured as python-calamine will build them.

A worksheet's extent (rows, columns, cells with content, merged ranges) within :class:`Limits` and its formula cells
with no cached value, found in one pass: an ordinary sheet with a few byte-pattern searches per piece, any other
element by element through expat (``_parsed_extent``). The shared-string table is measured without being parsed
(:class:`_SharedStrings`), and every cell that refers to a string is charged its length in the text budget.
"""

from __future__ import annotations

import re
import zipfile
from array import array
from collections import Counter
from typing import Iterable, Iterator

from ...errors import WorkbookError
from .limits import _HUGE, MiB, Limits, TooLarge, Unusual, _Budget, _check_size, _error
from .package import _Package
from .xmlparse import _count, _local, _parse, _xml_encoding

class _SharedStrings:
    """How many bytes each shared string may hold (an upper bound: the XML between one ``<si`` and the next)."""

    def __init__(self, lengths: array):
        self.lengths = lengths
        self.longest = max(lengths) if lengths else 0

    @classmethod
    def empty(cls) -> "_SharedStrings":
        return cls(array("Q"))

    def union(self, other: "_SharedStrings") -> "_SharedStrings":
        """Each index at its larger length: when two parts could be the table, the guard assumes the worse."""
        if not self.lengths:
            return other
        short, long_ = sorted((self.lengths, other.lengths), key=len)
        merged = array("Q", long_)
        for i, n in enumerate(short):
            merged[i] = max(merged[i], n)
        return _SharedStrings(merged)

    def cost(self, references: list[bytes | None]) -> int:
        """The bytes the cells holding these ``<v>`` indices get: a copy each of the string it names (the longest
        one for an index that is not plain digits; nothing for one past the table)."""
        if not self.lengths:
            return 0
        total, n = 0, len(self.lengths)
        for index, count in Counter(references).items():
            if index is not None and index.strip().isdigit():
                i = int(index)
                total += count * (self.lengths[i] if i < n else 0)
            else:
                total += count * self.longest
        return total


_SI_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si(?=[\s/>])")
_SST_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sst(?=[\s>])[^<>]*")
_UNIQUE_COUNT = re.compile(rb"\suniqueCount\s*=\s*[\"']([^\"'<>]*)")


def _before_last_tag(window: bytes) -> int:
    return max(window.rfind(b"<"), 0)


def _scan_shared_strings(path: str, package: "_Package", info: zipfile.ZipInfo, name: str,
                         budget: _Budget) -> _SharedStrings:
    """The shared-string table, measured without being parsed: every ``<si>`` (an empty one too: python-calamine
    counts it) and the bytes up to the next, all charged to the budget as python-calamine holds them; and its
    ``uniqueCount``, which python-calamine reserves room for before it reads a string."""
    lengths = array("Q")
    unique = 0
    first = True
    for piece, _ in _pieces(package.xml(info), _before_last_tag):
        if first:
            tag = _SST_TAG.search(piece)
            if tag:
                unique = max((_count(v.decode("latin-1")) for v in _UNIQUE_COUNT.findall(tag.group())), default=0)
            first = False
        parts = _SI_START.split(piece)
        if lengths:
            lengths[-1] += len(parts[0])
        lengths.extend(map(len, parts[1:]))
        budget.add(len(piece) + _Budget.STRING_OVERHEAD * (len(parts) - 1))
    if unique > max(info.file_size // 5, len(lengths)):  # '<si/>' is the shortest string there is
        raise _error(path, "file-corrupt:shared-string-count", name=name, count=unique)
    budget.add(_Budget.STRING_OVERHEAD * max(unique - len(lengths), 0))  # the room reserved and never filled
    return _SharedStrings(lengths)


#: A piece of worksheet XML is measured whole; past this size without a '</row>' the sheet is not an ordinary
#: one, and it is parsed element by element instead (which streams, so nothing grows with the file).
_MAX_PIECE = 8 * MiB
#: How far back a cut mark may start before the chunk it ends in ('</x:row>' with a prefix up to this long).
_OVERLAP = 256


def _pieces(chunks: Iterable[bytes], cut, max_piece: int | None = None,
            fallback=None) -> Iterator[tuple[bytes, bool]]:
    """Re-chunk a stream into pieces that end where ``cut(window)`` says (0: nowhere in it); yield each with whether
    it ended at a mark. Past ``max_piece`` without one, the piece ends where ``fallback(window)`` says, if it
    says; else it is cut anyway and yielded with ``False``.

    ``cut`` sees only the newest chunk and the end of what is pending before it, and pending chunks are joined
    once, when a piece is cut: the cost is linear in the stream, however long it goes without a cut mark.
    """
    max_piece = _MAX_PIECE if max_piece is None else max_piece
    pending: list[bytes] = []
    size = 0
    for chunk in chunks:
        if not chunk:
            continue
        tail = pending[-1][-_OVERLAP:] if pending else b""
        at = cut(tail + chunk) - len(tail)
        if at <= 0 and size + len(chunk) > max_piece and fallback is not None:
            at = fallback(tail + chunk) - len(tail)
        if at > 0:
            pending.append(chunk[:at])
            yield b"".join(pending), True
            pending, size = [chunk[at:]], len(chunk) - at
        else:
            pending.append(chunk)
            size += len(chunk)
            if size > max_piece:
                yield b"".join(pending), False
                pending, size = [], 0
    if size:
        yield b"".join(pending), True


#: From the start to the end of the last '</row>' (any prefix). Greedy, so it backtracks from the end: one pass.
_TO_LAST_ROW_END = re.compile(rb".*</(?:[A-Za-z_][\w.-]*:)?row\s*>", re.S)


def _after_last_row(window: bytes) -> int:
    """The offset just after the last ``</row>`` (any prefix) in the window, or 0."""
    m = _TO_LAST_ROW_END.match(window)
    return m.end() if m else 0


#: From the start to the last '<c r="' that has only text (no quote, no '<') since the '>' before it: a cut there
#: leaves no attribute value open (one that holds a '>' is _ODD_ATTRIBUTE's, in the piece before).
_TO_LAST_CELL = re.compile(rb'.*>[^"\'<]*(?=<c r=")', re.S)


def _before_last_cell(window: bytes) -> int:
    """Where a row too long for one piece may be cut: just before its last cell that starts outside any tag, or 0."""
    m = _TO_LAST_CELL.match(window)
    return m.end() if m else 0


_PREFIX = rb"(?:[A-Za-z_][\w.-]*:)?"
#: Every <c> tag: its reference when it starts r="A1", else b"" (its place must then be worked out by parsing).
_CELL_REF = re.compile(rb'<c(?: r="([A-Za-z]*[0-9]*)"|(?=[\s>/]))')
_PREFIXED_CELL = re.compile(rb"<[A-Za-z_][\w.-]*:c[\s>/]")
#: An attribute value holding '<' or '>' (python-calamine takes it; it could split or hide a mergeCell tag here).
_ODD_ATTRIBUTE = re.compile(rb"=\s*\"[^\"<>]*[<>]|=\s*'[^'<>]*[<>]")
#: A merged range's tag. Its attributes stop at '<' as well as '>', so that a run of unclosed tags is read once,
#: not once per tag; a '<' inside an attribute value sends the sheet to the parser (_ODD_ATTRIBUTE).
_MERGE = re.compile(rb"<" + _PREFIX + rb"mergeCell(?=[\s/>])([^<>]*)>")
#: Every r attribute, however written (after a quote too: python-calamine reads r="A1"r="B2", and takes the last).
_R_ATTRIBUTE = re.compile(rb"[\s\"']r\s*=")
#: An r spaced from its '=' (the ordinary pattern would not see it).
_R_SPACED = re.compile(rb"r[\t\n\r ]+=")
#: A cell that refers to a shared string, and its <v> index when that comes first: a '<c' tag with t="s" among its
#: attributes (``\bt\s*=\s*["']s["']`` anywhere before its '>'). Written to jump from one 't' to the next
#: ('(?<!\wt)' is the '\b' before it) rather than try the attribute at every byte: the same matches, in half the time.
_SHARED_CELL = re.compile(rb"<c\s(?:[^<>t]*t)+?(?<!\wt)\s*=\s*[\"']s[\"'][^<>]*>(?:\s*<v>([^<]*))?")
#: What every shared-string cell holds (its quoted 's'): a piece with none of these has no such cell.
_SHARED_VALUE = tuple(re.compile(v) for v in (b'"s"', b"'s'", b'"s\'', b"'s\""))
#: An 'r=' that is not the r="… of a '<c r="' or '<row r="' (what counting 'r=' against those finds, in one search).
_R_OTHER = re.compile(rb'r=(?:(?!")|(?<!<c r=)(?<!<row r=))')
#: Tests for a few bytes in a piece. A compiled literal searches CJK-heavy XML two or three times faster than
#: ``bytes in`` (whose skip table most UTF-8 bytes of Chinese text collide with); the answer is the same.
_HAS_FORMULA = re.compile(rb"<f")
_HAS_MERGE = re.compile(rb"mergeCell")
_HAS_COLON_C = re.compile(rb":c")
_HAS_MARKUP_DECLARATION = re.compile(rb"<!")
#: How many places of a needle's rare byte :func:`_holds` looks at one by one before it searches the rest whole.
_RARE_TRIES = 16


def _holds(data: bytes, needle: bytes, rare: int, pattern: re.Pattern) -> bool:
    """Whether ``needle`` occurs in ``data`` (the same answer as ``pattern.search(data)``, ``pattern`` being the
    needle compiled), found from ``needle[rare]``, a byte rare in worksheet XML: ``bytes.find`` of one byte runs
    at memchr's speed, some 25 times faster than a search for the needle, which visits every byte (and '<', the
    first byte of most needles, is one byte in ten of a worksheet).

    Exact: every place of the rare byte before ``at`` was the rare byte of no needle, so a needle not yet found has
    its rare byte at ``at`` or after, and starts at ``at - rare`` or after; after :data:`_RARE_TRIES` places without
    one (a part full of that byte), the rest is searched from there with ``pattern``, so no part costs much more than
    that search did alone.
    """
    byte = needle[rare:rare + 1]
    at = data.find(byte)
    for _ in range(_RARE_TRIES):
        if at < 0:
            return False
        start = at - rare
        if start >= 0 and data.startswith(needle, start):  # (a negative start would count from the end)
            return True
        at = data.find(byte, at + 1)
    return at >= 0 and pattern.search(data, max(at - rare, 0)) is not None


def _attr(attrs: bytes, name: bytes) -> bytes | None:
    m = re.search(rb"(?:^|\s)" + name + rb"\s*=\s*(?:\"([^\"]*)\"|'([^']*)')", attrs)
    return None if m is None else (m.group(1) if m.group(1) is not None else m.group(2))


def _column_number(letters: bytes) -> int:
    """A → 1, Z → 26, AA → 27; very long letter runs are simply huge."""
    if len(letters) > 8:
        return _HUGE
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ch - 64)
    return n


def _row_number(digits: bytes) -> int:
    digits = digits.lstrip(b"0")
    return _HUGE if len(digits) > 12 else int(digits or b"0")


def _cell_position(ref: bytes) -> tuple[int, int] | None:
    """``XFD12`` → (12, 16384), 1-based; None for a reference python-calamine would refuse."""
    m = re.fullmatch(rb"([A-Za-z]*)([0-9]*)", ref)
    if not m:
        return None
    return _row_number(m.group(2)), _column_number(m.group(1))


_DIGITS, _LETTERS = b"0123456789", bytes(range(65, 91)) + bytes(range(97, 123))


def _refs_extent(piece: bytes) -> tuple[int, int] | None:
    """The largest row and column among the piece's ``<c r="…">`` tags, found with byte operations, not a loop;
    None if some <c> tag does not start with its reference, or some r attribute is not one of those (a second r,
    an r not first in a row or cell: python-calamine would take the last, the pattern the first)."""
    found = _CELL_REF.findall(piece)
    if b"" in found:
        return None
    # Every '<c' tag here starts '<c r="', so the 'r=' of those and of '<row r="' are as many as found and the rows:
    # one more 'r=' (_R_OTHER: it also finds names ending in r), or an r spaced from its '=', and the r attributes
    # are counted exactly.
    if _R_OTHER.search(piece) or _R_SPACED.search(piece):
        if len(_R_ATTRIBUTE.findall(piece)) > len(found) + piece.count(b'<row r="'):
            return None
    refs = b" ".join(found)
    if not refs:
        return 0, 0
    digits = set(refs.translate(None, _LETTERS).split())
    letters = set(refs.translate(None, _DIGITS).split())
    row = 0
    if digits:
        row = max(map(_row_number, digits)) if max(map(len, digits)) > 12 else max(map(int, digits))
    return row, max(map(_column_number, letters)) if letters else 0


def _scan_worksheet(path: str, package: _Package, info: zipfile.ZipInfo, sheet: str, limits: Limits,
                    strings: _SharedStrings | None = None,
                    budget: _Budget | None = None) -> tuple[set[str], tuple[int, int]]:
    """One pass over a worksheet: its formula cells with no cached value, and its extent within the limits.

    The extent is what python-calamine will allocate: the last row and column of any cell (by its r
    attribute, or by its place when it has none) and of any merged range (the reader fills those), and
    the number of cells with content. Ordinary sheets, whose every cell starts ``<c r="A1"``, are measured
    with a few pattern searches per piece; any other (no r, r not first, a namespace prefix, a row longer than
    :data:`_MAX_PIECE`) element by element. Every cell that refers to a shared string is charged the string's
    length. Returns the formula cells and the (rows, columns) found.
    """
    strings = strings or _SharedStrings.empty()
    budget = budget or _Budget(path, Limits(max_text_bytes=_HUGE))
    formulas: set[str] = set()
    rows = cols = cells = 0
    positional = False
    measured = False
    # Each '</c>' takes 4 bytes, and the XML is at most 1.5 times the member (a UTF-16 part in UTF-8): a member too
    # small to hold more than max_cells of them is not counted.
    count_cells = (info.file_size * 3 // 2 + 8) // 4 > limits.max_cells
    for piece, whole in _pieces(package.xml(info), _after_last_row, fallback=_before_last_cell):
        if measured:  # what the pieces so far hold is at least the extent: refuse early, before reading on
            _check_size(path, sheet, rows, cols, limits, at_least=True)
        measured = True
        if _HAS_FORMULA.search(piece):
            formulas |= _formula_cells(piece)
        merged = _HAS_MERGE.search(piece) is not None
        if merged:
            for attrs in _MERGE.findall(piece):
                for part in (_attr(attrs, b"ref") or b"").split(b":"):
                    pos = _cell_position(part)
                    if pos:
                        rows, cols = max(rows, pos[0]), max(cols, pos[1])
        if not whole:
            positional = True
        if not positional:
            # A '<c' tag is found wherever it is, and r="…" read only when it comes first, so quoting cannot hide a
            # cell; but a '>' or '</row>' in an attribute value could cut a mergeCell tag in two: parse those.
            odd = ((_HAS_COLON_C.search(piece) and _PREFIXED_CELL.search(piece))
                   or (merged and _ODD_ATTRIBUTE.search(piece)))
            extent = None if odd else _refs_extent(piece)
            if extent is None:
                positional = True
            else:
                if count_cells:
                    cells += piece.count(b"</c>")
                rows, cols = max(rows, extent[0]), max(cols, extent[1])
                if strings.lengths and any(v.search(piece) for v in _SHARED_VALUE):
                    budget.add(strings.cost(_SHARED_CELL.findall(piece)), sheet)
        if cells > limits.max_cells:
            raise WorkbookError(TooLarge(sheet, rows, cols, limits, at_least=True).finding(path))
    if positional:
        rows, cols = _parsed_extent(path, sheet, package.xml(info), rows, cols, limits, strings, budget)
    _check_size(path, sheet, rows, cols, limits)
    return formulas, (rows, cols)


def _parsed_extent(path: str, sheet: str, chunks: Iterable[bytes], rows: int, cols: int, limits: Limits,
                   strings: _SharedStrings, budget: _Budget) -> tuple[int, int]:
    """Where python-calamine puts each cell, element by element.

    A row's r sets the row, and its end moves to the next; a cell's r places it (and the next cell of the row
    after it), a cell without r goes after the one before. A cell with no child element holds no value: it
    takes its place in the row but adds nothing to the extent. Merged ranges count whole. Attributes are matched
    by their whole name, as python-calamine matches them (``x:r`` is not ``r``); expat refuses a repeated one.
    """
    state = {"row": 0, "col": 0, "rows": rows, "cols": cols, "cells": 0, "cell": None, "content": False,
             "shared": False, "in_v": False}
    references: list[bytes | None] = []
    value: list[str] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if local == "row":
            r = attrs.get("r")
            if r is not None:
                state["row"] = max(_row_number(re.sub(r"[^0-9]", "", r).encode()) - 1, 0)
        elif local == "c":
            r = attrs.get("r")
            pos = _cell_position(r.encode("utf-8", "replace")) if r is not None else None
            here = pos or (state["row"] + 1, state["col"] + 1)
            state["col"], state["cell"], state["content"] = here[1], here, False
            state["shared"] = attrs.get("t") == "s"
            value.clear()
        elif local == "mergeCell":
            for part in attrs.get("ref", "").split(":"):
                pos = _cell_position(part.encode("utf-8", "replace"))
                if pos:
                    state["rows"], state["cols"] = max(state["rows"], pos[0]), max(state["cols"], pos[1])
        elif state["cell"] is not None:
            state["content"] = True
            state["in_v"] = local == "v"

    def text(data: str) -> None:
        if state["in_v"] and state["shared"]:
            value.append(data)

    def end(name: str) -> None:
        local = _local(name)
        if local == "row":
            state["row"], state["col"] = state["row"] + 1, 0
        elif local == "c":
            if state["content"]:
                here = state["cell"]
                state["rows"], state["cols"] = max(state["rows"], here[0]), max(state["cols"], here[1])
                state["cells"] += 1
            if state["shared"]:
                references.append("".join(value).encode("ascii", "replace") if value else None)
            state["cell"], state["shared"] = None, False
        elif local == "v":
            state["in_v"] = False

    def charge() -> None:
        if references:
            budget.add(strings.cost(references), sheet)
            references.clear()

    def after_chunk() -> None:
        _check_size(path, sheet, state["rows"], state["cols"], limits, at_least=True)
        if state["cells"] > limits.max_cells:
            raise WorkbookError(TooLarge(sheet, state["rows"], state["cols"], limits, at_least=True).finding(path))
        charge()

    _parse(path, chunks, start, end, after_chunk, text if strings.lengths else None)
    charge()
    return state["rows"], state["cols"]


_CELL_START = re.compile(rb"(?=<c[\s>/])")
_REF = re.compile(rb'\br="([A-Z]+[0-9]+)"')
_VALUE = re.compile(rb'<v>[^<]')


def _formula_cells(xml: bytes) -> set[str]:
    """The cells of a worksheet's XML that hold a formula but no cached value.

    The XML is split at every cell's start, so each cell is looked at once (a pattern that ran from each '<c'
    to its '</c>' would read a run of unclosed cells once per cell).
    """
    if b"<f" not in xml:  # most applications have no formulas at all
        return set()
    cells = set()
    for segment in _CELL_START.split(xml):
        if b"<f" not in segment or not segment.startswith(b"<c"):
            continue
        tag_end = segment.find(b">")
        if tag_end < 0 or segment[tag_end - 1:tag_end] == b"/":
            continue
        body_end = segment.find(b"</c>", tag_end)
        body = segment[tag_end + 1:body_end if body_end >= 0 else len(segment)]
        if b"<f" in body and not _VALUE.search(body):
            ref = _REF.search(segment, 0, tag_end)
            if ref:
                cells.add(ref.group(1).decode())
    return cells


# --- the screen: an ordinary worksheet bounded with a few whole-part searches ------------------------------------

#: A worksheet larger than this inflated is not screened (the full scan reads it in bounded pieces).
SCREEN_BYTES = 4 * MiB
#: A '<c' tag that does not start with a plain reference of one capital and up to four digits (a cell within Z9999).
_NOT_NARROW = re.compile(rb'<c(?=[\s>/])(?! r="[A-Z][0-9]{1,4}"[\s>/])')
#: A '<c' tag that does not start with a plain reference of up to three capitals and seven digits (XFD1048576).
_NOT_PLAIN = re.compile(rb'<c(?=[\s>/])(?! r="[A-Z]{1,3}[0-9]{1,7}"[\s>/])')
#: The references with two or three letters, and those whose row has five digits or more: past Z9999.
_WIDE_REF = re.compile(rb'<c r="([A-Z]{2,3})[0-9]')
_LONG_REF = re.compile(rb'<c r="[A-Z]{1,3}([0-9]{5,7})"')
_NARROW = (9999, 26)
#: An r attribute other than the first of a '<c' or '<row' tag written r="…" (a second r, an r after a quote, one
#: in single quotes; any name ending in r with a value in single quotes too), and an r spaced from its '=': the r
#: attributes the full scan's _R_ATTRIBUTE finds beyond those of '<c r="' and '<row r="', which send it to the parser.
_OTHER_R = re.compile(rb'r=(?:(?!")|(?<=[\s"\']r=)(?<!<c r=)(?<!<row r=))')
_SPACED_R = re.compile(rb"r\s+=")
#: Either of the two above, in one pass over the part (each alternative is its pattern after the shared 'r': the
#: lookbehinds of _OTHER_R are taken at the same place, after 'r='): found where either would be.
_OTHER_OR_SPACED_R = re.compile(rb'r(?:=(?:(?!")|(?<=[\s"\']r=)(?<!<c r=)(?<!<row r=))|\s+=)')
#: The shortest tag of a cell that refers to a shared string, '<c t="s">': at most one such cell per this many bytes.
_SHARED_CELL_BYTES = 10


def _screen_worksheet(path: str, package: _Package, info: zipfile.ZipInfo, xml: bytes, sheet: str, limits: Limits,
                      strings: _SharedStrings, budget: _Budget) -> set[str]:
    """The screen's measure of one worksheet (``xml``, the part inflated): its formula cells with no cached value,
    having made sure with a few searches over the part that it keeps the limits; :class:`Unusual` for anything it
    does not bound (:func:`_scan_worksheet` then measures the sheet cell by cell).

    Never less than the full scan: it passes only a sheet the full scan reads on its fast path (every ``<c`` tag
    starting ``<c r="A1"`` with a plain reference, no other r attribute than those of cells and rows, no prefixed
    cell, merged ranges with no ``<`` or ``>`` in a value), and no DTD (the full scan's ``xml-dtd``); the extent
    is at most Z × 9999 or the largest wider or longer reference, merged ranges read exactly; every cell that may
    refer to a shared string is charged the longest one. Formula cells are found as the full scan finds them.
    """
    # Each bare test of a few bytes is found from its rarest byte (_holds): '!' of '<!', ':' of ':c', 'C' of
    # 'mergeCell', 'f' of '<f'; the answers are those of the searches they stand for.
    if _xml_encoding(xml[:4]) or _holds(xml, b"<!", 1, _HAS_MARKUP_DECLARATION):
        raise Unusual(sheet)
    rows, cols = _NARROW
    if _NOT_NARROW.search(xml):
        if _NOT_PLAIN.search(xml):
            raise Unusual(sheet)
        if _WIDE_REF.search(xml):
            cols = max(map(_column_number, set(_WIDE_REF.findall(xml))))
        if _LONG_REF.search(xml):
            rows = max(map(_row_number, set(_LONG_REF.findall(xml))))
    if _OTHER_OR_SPACED_R.search(xml) or (_holds(xml, b":c", 0, _HAS_COLON_C) and _PREFIXED_CELL.search(xml)):
        raise Unusual(sheet)
    if _holds(xml, b"mergeCell", 5, _HAS_MERGE):
        if _ODD_ATTRIBUTE.search(xml):
            raise Unusual(sheet)
        for attrs in _MERGE.findall(xml):
            for part in (_attr(attrs, b"ref") or b"").split(b":"):
                pos = _cell_position(part)
                if pos:
                    rows, cols = max(rows, pos[0]), max(cols, pos[1])
    if TooLarge(sheet, rows, cols, limits).exceeds() or (len(xml) // 4 > limits.max_cells
                                                          and xml.count(b"</c>") > limits.max_cells):
        raise Unusual(sheet)
    if strings.lengths:
        budget.add(len(xml) // _SHARED_CELL_BYTES * strings.longest, sheet)  # refused: the full scan charges exactly
    if not _holds(xml, b"<f", 1, _HAS_FORMULA):
        return set()
    formulas: set[str] = set()
    for piece, _ in _pieces(package.xml(info), _after_last_row, fallback=_before_last_cell):  # the full scan's pieces
        if _HAS_FORMULA.search(piece):
            formulas |= _formula_cells(piece)
    return formulas
