"""How a worksheet looks to the person who made it: what python-calamine does not say.

python-calamine gives a cell's stored value. A person sees the sheet through its formatting: a hidden sheet,
row or column is not there for them; a struck-through row (删除线) is a deleted row; ``#,##0,`` shows 1234567
as ``1,235`` (thousands) and ``0%`` shows 0.47 as ``47%``. The reader reads what the person sees
(``docs/decisions.md``, "What a person sees"), so it needs these facts:

- the sheets' visibility, for every format (python-calamine's ``sheets_metadata``);
- for an ``.xlsx``: hidden rows and columns, struck-through cells and display-scaling number formats, from the
  package's own XML (``xl/styles.xml`` and the worksheet parts). The guard has already checked every member
  (sizes, CRC, no DTD), so the parts are inflated here without its bookkeeping. The cells' style indexes are
  searched only when the styles hold a struck font or a scaling or percent format: a plain workbook costs one
  look at ``styles.xml`` and a byte search of each read sheet for ``hidden``.
- an ``.xls`` or ``.ods`` gives the sheets' visibility only (``docs/limits.md``).
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from xml.etree import ElementTree

__all__ = ["SheetLooks", "hidden_sheets", "sheet_looks"]

#: Built-in number formats that show a percentage (ECMA-376 Part 1, 18.8.30).
_BUILTIN_PERCENT = {9, 10}
_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')
_ROW = re.compile(rb"<(?:\w+:)?row\b([^>]*)>")
_COL = re.compile(rb"<(?:\w+:)?col\b([^>]*)/?>")
_HIDDEN = re.compile(rb'\shidden="(?:1|true)"')
_R = re.compile(rb'\sr="(\d+)"')
_MIN = re.compile(rb'\smin="(\d+)"')
_MAX = re.compile(rb'\smax="(\d+)"')
_CELL_REF = re.compile(rb'\sr="([A-Z]{1,3})(\d+)"')
_CELL_STYLE = re.compile(rb'\ss="(\d+)"')


@dataclass
class SheetLooks:
    """One worksheet as a person sees it (0-based rows and columns)."""

    hidden_rows: set[int] = field(default_factory=set)
    hidden_columns: set[int] = field(default_factory=set)
    struck: set[tuple[int, int]] = field(default_factory=set)
    #: (row, column) → (format code, divisor): the cell shows its stored value divided by the divisor
    #: (1000 for ``#,##0,``, 1000000 for ``0.0,,``) or multiplied by 100 (divisor 0.01, a ``%`` format).
    scaled: dict[tuple[int, int], tuple[str, object]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.hidden_rows or self.hidden_columns or self.struck or self.scaled)


def _scale(code: str):
    """The display scale of a number format: a divisor (1000 per trailing comma), Decimal("0.01") for a
    percent, or None for a format that shows the stored value."""
    from decimal import Decimal

    first = code.split(";", 1)[0]
    plain = _QUOTED.sub("", first)
    if "%" in plain:
        return Decimal("0.01")
    stripped = plain.rstrip(" _-)")
    commas = len(stripped) - len(stripped.rstrip(","))
    if commas and any(ch in "0#?" for ch in stripped):
        return Decimal(1000) ** commas
    return None


_STYLES_MEMO_BYTES = 256 * 1024  # a larger styles part is parsed every time, not kept


def _styles(xml: bytes) -> tuple[frozenset[int], dict[int, tuple[str, object]]]:
    """:func:`_parsed_styles`, memoised (the result is only read: a frozen set, and a dict of tuples)."""
    return _parsed_styles(xml) if len(xml) > _STYLES_MEMO_BYTES else _shared_styles(xml)


#: :func:`_parsed_styles` by the part's bytes: workbooks made by one program or template share their styles part,
#: and parsing it costs more than the rest of a plain workbook's looks.
@lru_cache(maxsize=32)
def _shared_styles(xml: bytes) -> tuple[frozenset[int], dict[int, tuple[str, object]]]:
    return _parsed_styles(xml)


def _parsed_styles(xml: bytes) -> tuple[frozenset[int], dict[int, tuple[str, object]]]:
    """From ``styles.xml``: the cell-format indexes whose font is struck, and those whose number format scales."""
    root = ElementTree.fromstring(xml)
    ns = root.tag[:root.tag.index("}") + 1] if root.tag.startswith("{") else ""
    formats = {}
    for fmt in root.iter(f"{ns}numFmt"):
        try:
            formats[int(fmt.get("numFmtId", ""))] = fmt.get("formatCode", "")
        except ValueError:
            continue
    struck_fonts = set()
    fonts = root.find(f"{ns}fonts")
    for i, font in enumerate(fonts if fonts is not None else ()):
        strike = font.find(f"{ns}strike")
        if strike is not None and strike.get("val", "1") not in ("0", "false"):
            struck_fonts.add(i)
    struck, scaled = set(), {}
    xfs = root.find(f"{ns}cellXfs")
    for i, xf in enumerate(xfs if xfs is not None else ()):
        try:
            font, fmt = int(xf.get("fontId", "0")), int(xf.get("numFmtId", "0"))
        except ValueError:
            continue
        if font in struck_fonts:
            struck.add(i)
        if fmt in _BUILTIN_PERCENT:
            scaled[i] = ("0%" if fmt == 9 else "0.00%", _scale("0%"))
        elif fmt in formats:
            divisor = _scale(formats[fmt])
            if divisor is not None:
                scaled[i] = (formats[fmt], divisor)
    return frozenset(struck), scaled


#: The word every hidden row or column carries; a compiled literal finds it in CJK-heavy XML twice as fast as
#: ``bytes in`` (whose skip table most UTF-8 bytes of Chinese text collide with), with the same answer.
_HIDDEN_WORD = re.compile(rb"hidden")


def _column_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n - 1


def _sheet_looks(xml: bytes, struck_styles: set[int], scaled_styles: dict[int, tuple[str, object]]) -> SheetLooks:
    looks = SheetLooks()
    if _HIDDEN_WORD.search(xml):
        for match in _COL.finditer(xml):
            attrs = match.group(1)
            if _HIDDEN.search(attrs):
                lo, hi = _MIN.search(attrs), _MAX.search(attrs)
                if lo and hi:
                    first, last = int(lo.group(1)), min(int(hi.group(1)), 16384)
                    looks.hidden_columns.update(range(first - 1, last))
        for match in _ROW.finditer(xml):
            attrs = match.group(1)
            if _HIDDEN.search(attrs):
                r = _R.search(attrs)
                if r:
                    looks.hidden_rows.add(int(r.group(1)) - 1)
    if struck_styles or scaled_styles:
        wanted = sorted({str(i).encode() for i in struck_styles | set(scaled_styles)}, key=len, reverse=True)
        expected = sum(xml.count(b' s="' + w + b'"') for w in wanted)  # cells (or rows) of the wanted styles
        if expected:
            ids = b"|".join(wanted)
            # One search in C for the cells of the wanted styles, in the attribute order Excel, WPS, LibreOffice
            # and openpyxl write (r, then s); if it finds fewer than the style's mentions, another order (or a
            # styled row) is about, and the general pattern (any order, any prefix) is searched instead.
            found = re.findall(rb'<c r="([A-Z]{1,3})(\d+)" s="(' + ids + rb')"', xml)
            if len(found) < expected:
                found = []
                for match in re.finditer(rb'<(?:\w+:)?c\b([^>]*?\ss="(?:' + ids + rb')"[^>]*)>', xml):
                    ref, style = _CELL_REF.search(match.group(1)), _CELL_STYLE.search(match.group(1))
                    if ref and style:
                        found.append((ref.group(1), ref.group(2), style.group(1)))
            for letters, row, style in found:
                at = (int(row) - 1, _column_index(letters))
                style = int(style)
                if style in struck_styles:
                    looks.struck.add(at)
                if style in scaled_styles:
                    looks.scaled[at] = scaled_styles[style]
    return looks


def hidden_sheets(workbook) -> set[str]:
    """The names of the sheets a person does not see (hidden or very hidden), for any format python-calamine opens."""
    try:
        return {m.name for m in workbook.sheets_metadata if str(m.visible).rsplit(".", 1)[-1].lower() != "visible"}
    except Exception:  # noqa: BLE001 - visibility is optional metadata
        return set()


def sheet_looks(data: bytes, sheets: set[str]) -> dict[str, SheetLooks]:
    """Hidden rows and columns, struck cells and scaling formats of the named sheets of an ``.xlsx`` (its bytes);
    nothing for another format.

    Never raises: a part it cannot make sense of gives no facts (the reader then reads the stored values, as
    before this pass existed). The guard has checked the package before this runs."""
    found: dict[str, SheetLooks] = {}
    if not data.startswith(b"PK"):
        return found
    try:
        from .guard import sheet_parts
        from .guard.container import passed

        parts = {part: name for part, name in sheet_parts(data).items() if name in sheets}
        if not parts:
            return found
        known = passed(data)
        if known is not None and known.sheets is not None:
            # The guard has just inflated these very parts and checked that zipfile would read the same bytes.
            struck, scaled = _styles(known.styles) if known.styles is not None else (set(), {})
            for part, name in parts.items():
                looks = _sheet_looks(known.sheets[part], struck, scaled)
                if looks:
                    found[name] = looks
            return found
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = {n.lower(): n for n in archive.namelist()}
            styles = names.get("xl/styles.xml")
            struck, scaled = _styles(archive.read(styles)) if styles else (set(), {})
            for part, name in parts.items():
                member = names.get(part.lower())
                if member is None:
                    continue
                looks = _sheet_looks(archive.read(member), struck, scaled)
                if looks:
                    found[name] = looks
    except Exception:  # noqa: BLE001 - see the docstring
        pass
    return found
