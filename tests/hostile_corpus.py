"""Build the corpus of hostile, broken and odd workbooks for ``tests/test_hostile.py`` (issue 5).

Nothing is downloaded and nothing binary is committed: every file is written here,
byte by byte where the point is a malformed structure (a zip whose directory lies
about a member's size, a compound file holding an encrypted package, a BIFF stream
with a password record), and with openpyxl through ``conftest.build_workbook`` where
the point is odd content in an otherwise ordinary workbook.

    python tests/hostile_corpus.py DIR        # writes the corpus into DIR and lists it

``build_corpus(folder)`` returns ``{name: path}``; :data:`CASES` says what each file is
and the error code the reader must answer with (``None``: it must read, with its
values intact). The zip bombs are built without ever holding their inflated content:
their deflate streams are a compressed block repeated (each block ends on a full
flush, so the blocks concatenate into one valid stream).
"""

from __future__ import annotations

import hashlib
import os
import re
import struct
import sys
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from conftest import build_workbook, make_uscc, tenant_defaults  # noqa: E402

GiB = 1 << 30
MiB = 1 << 20


@dataclass(frozen=True)
class Case:
    code: str | None  # the WorkbookError code expected; None: reads without an error of its own
    what: str
    intact: bool = True  # for a file that reads: its values are those of good.xlsx (or ODD_NAMES)
    group: str = "issue 5"  # issue 8: "disagreement", "amplification", "quadratic"


CASES: dict[str, Case] = {
    # size and expansion
    "zip-bomb.xlsx": Case("zip-bomb", "a 1 MiB .xlsx whose profile sheet honestly declares 1 GiB (spaces), deflated 1000:1"),
    "zip-bomb-lying.xlsx": Case("zip-bomb", "the zip directory declares a 1.4 KB profile sheet (with the CRC of those bytes); its deflate stream inflates to 1 GiB"),
    "million-rows.xlsx": Case("sheet-too-large", "a roster of 1,000,000 real rows"),
    "far-cell.xlsx": Case("sheet-too-large", "one extra cell at XFD1048576 (python-calamine would allocate 17 billion cells and abort)"),
    "far-cell-no-ref.xlsx": Case("sheet-too-large", "a cell with no r attribute in <row r=\"1048576\">: placed by position"),
    "far-cell-prefixed.xlsx": Case("sheet-too-large", "a worksheet in the x: namespace prefix with a cell at XFD1048576"),
    "far-cell-quoted.xlsx": Case("sheet-too-large", "<c x=\"/>\" r=\"XFD1048576\">: a '/>' inside an attribute value before r"),
    "huge-merge.xlsx": Case("sheet-too-large", "a merged range A1:XFD1048576 (the reader would fill every cell of it)"),
    "huge-merge-quoted.xlsx": Case("file-corrupt", "<mergeCell x=\"></row>\" ref=\"A1:XFD1048576\"/>: '<' in an attribute value is not "
                                   "well-formed XML (python-calamine reads it, and the reader would fill the range)"),
    "far-cell.xls": Case("sheet-too-large", "an .xls with cells at A1 and IV65536: 16.7 million cells"),
    "dimensions.xls": Case("sheet-too-large", "an .xls whose DIMENSIONS record claims 4 billion rows (python-calamine reserves them)"),
    "repeat-rows.ods": Case("sheet-too-large", "an .ods with 1,000,000 repeated rows × 16,000 repeated columns before one value"),
    "repeat-cells.ods": Case("sheet-too-large", "an .ods of 90,000 rows × 400 columns by repetition: 36 million cells"),
    # XML entities
    "billion-laughs-workbook.xlsx": Case("xml-dtd", "entity expansion (billion laughs) in xl/workbook.xml"),
    "billion-laughs-sheet.xlsx": Case("xml-dtd", "entity expansion in a worksheet"),
    "billion-laughs-content-types.xlsx": Case("xml-dtd", "entity expansion in [Content_Types].xml"),
    "billion-laughs-core.xlsx": Case("xml-dtd", "entity expansion in docProps/core.xml"),
    "xxe.xlsx": Case("xml-dtd", "an external entity (SYSTEM \"file:///etc/passwd\") used in a roster cell"),
    "dtd-after-padding.xlsx": Case("xml-dtd", "a DTD after a 100 KB comment and 10,000 newlines in the prolog"),
    "dtd-utf16.xlsx": Case("xml-dtd", "xl/workbook.xml in UTF-16 with a DTD"),
    "dtd-external.xlsx": Case("xml-dtd", "an external DTD (SYSTEM \"http://…\") in the workbook relationships"),
    # broken or not a workbook
    "truncated.xlsx": Case("file-corrupt", "a valid .xlsx cut in half"),
    "duplicate-member.xlsx": Case("file-corrupt", "a zip holding two members named xl/worksheets/sheet2.xml"),
    "traversal.xlsx": Case("zip-unsafe-path", "a member named ../../evil.xml"),
    "absolute-path.xlsx": Case("zip-unsafe-path", "a member named /etc/x"),
    "drive-path.xlsx": Case("zip-unsafe-path", "a member named C:\\x"),
    "roster-gbk.xlsx": Case("not-a-workbook", "a GBK (GB18030) encoded CSV named .xlsx"),
    "letter.xlsx": Case("not-a-workbook", "a Word document (.docx) named .xlsx"),
    "photo.xlsx": Case("not-a-workbook", "a 1×1 PNG image named .xlsx"),
    "empty.xlsx": Case("not-a-workbook", "an empty file"),
    # refused for safety
    "encrypted.xlsx": Case("file-encrypted", "a compound file holding EncryptionInfo and EncryptedPackage (an .xlsx with an open password)"),
    "encrypted.xls": Case("file-encrypted", "an .xls whose BIFF stream has a FILEPASS (RC4) record"),
    "macro.xlsm": Case("file-macro-enabled", "a workbook with xl/vbaProject.bin and the macroEnabled content type"),
    "strict.xlsx": Case("file-strict-ooxml", "xl/workbook.xml in the Strict OOXML namespace"),
    "sst-count.xls": Case("file-corrupt", "an .xls whose shared string table declares 2,147,483,647 strings"),
    "merge-overrun.xls": Case("file-corrupt", "an .xls MERGEDCELLS record declaring 1000 ranges and holding none (python-calamine panics)"),
    "sheet-offset.xls": Case("file-corrupt", "an .xls BOUNDSHEET pointing past the end of the stream (python-calamine panics)"),
    # not files at all
    "folder.xlsx": Case("file-unreadable", "a directory named .xlsx"),
    "pipe.xlsx": Case("file-unreadable", "a named pipe (FIFO) named .xlsx: opening it would block forever"),
    "no-permission.xlsx": Case("file-unreadable", "a workbook the user may not read (not built when running as root)"),
    # issue 8: parser disagreements, amplification inside the limits, inputs that make a naive scan quadratic
    "member-case.xlsx": Case('sheet-too-large', 'the roster stored as XL/Worksheets/Sheet2.xml, with a far cell (python-calamine finds members in any case)', group="disagreement"),
    "member-case-benign.xlsx": Case(None, 'the roster stored as XL/Worksheets/Sheet2.xml: python-calamine reads it, and so must the guard', group="disagreement"),
    "member-backslash.xlsx": Case('sheet-too-large', "the roster stored as xl\\worksheets\\sheet2.xml, with a far cell (python-calamine reads '\\' as '/')", group="disagreement"),
    "member-fold-twice.xlsx": Case('file-corrupt', 'xl/worksheets/sheet2.xml and XL/worksheets/sheet2.xml (a far cell): python-calamine reads the second', group="disagreement"),
    "member-slash-twice.xlsx": Case('file-corrupt', 'xl/worksheets/sheet2.xml and xl\\worksheets\\sheet2.xml (a far cell): ambiguous', group="disagreement"),
    "unicode-path.xlsx": Case('sheet-too-large', 'member xl/worksheets/zzz.xml whose Unicode Path field (0x7075) names it sheet2.xml, with a far cell', group="disagreement"),
    "unicode-path-benign.xlsx": Case(None, 'the roster under a header name that its Unicode Path field (0x7075) corrects', group="disagreement"),
    "unicode-path-mismatch.xlsx": Case('file-corrupt', 'a Unicode Path field whose CRC is not that of the header name: two names for one member', group="disagreement"),
    "workbook-elsewhere.xlsx": Case('sheet-too-large', '_rels/.rels leads to wb/workbook.xml, its sheets in wb/s/ (no xl/ at all), with a far cell', group="disagreement"),
    "workbook-elsewhere-benign.xlsx": Case(None, 'the workbook in wb/ by _rels/.rels: python-calamine reads it, and so must the guard', group="disagreement"),
    "workbook-shadowed.xlsx": Case('sheet-too-large', 'a harmless xl/workbook.xml, and the one _rels/.rels names in wb/ with a far cell', group="disagreement"),
    "rel-target-dotdot.xlsx": Case('sheet-too-large', 'a sheet relationship targeting ../evil/sheet.xml (a far cell), which python-calamine does not find', group="disagreement"),
    "duplicate-r.xlsx": Case('file-corrupt', '<c r="A9" r="XFD1048576">: python-calamine takes the last r', group="disagreement"),
    "duplicate-r-unspaced.xlsx": Case('file-corrupt', '<c r="A9"r="XFD1048576">: no space between the two', group="disagreement"),
    "duplicate-r-quoted.xlsx": Case('file-corrupt', '<c r="A9" x="a>b" r="XFD1048576">: a ">" in a value between the two', group="disagreement"),
    "duplicate-row-r.xlsx": Case('file-corrupt', '<row r="9" r="1048576"> around a cell without r', group="disagreement"),
    "spaced-r.xlsx": Case('sheet-too-large', '<c r = "XFD1048576">: spaces around "=" are XML too', group="disagreement"),
    "sst-unique-count.xlsx": Case('file-corrupt', 'a shared-string table of one string declaring uniqueCount=200,000,000 (reserved up front: an abort)', group="disagreement"),
    "sst-unique-count-huge.xlsx": Case('file-corrupt', 'the same declaring uniqueCount=4,000,000,000', group="disagreement"),
    "ods-plus-repeat.ods": Case('sheet-too-large', 'number-rows-repeated="+1000000" × number-columns-repeated="+16000" (\'+N\' parses as N)', group="disagreement"),
    "ods-prefix.ods": Case('sheet-too-large', '1,000,000 × 16,000 repeated cells under the prefix t: bound to the table namespace (python-calamine skips them, the guard counts them: the safe side)', group="disagreement"),
    "ods-prefix-twice.ods": Case('sheet-too-large', 'table:number-rows-repeated="1" and t:number-rows-repeated="1000000" on one row (the guard takes the larger)', group="disagreement"),
    "xls-rstring.xls": Case('sheet-too-large', 'an RSTRING (rich text) cell at IV65536', group="disagreement"),
    "xls-chart-substream.xls": Case('sheet-too-large', "an embedded chart's BOF…EOF inside the sheet, then a cell at IV65536 (the chart's EOF does not end the sheet)", group="disagreement"),
    "xls-nested-substreams.xls": Case('sheet-too-large', 'substreams nested two deep and another after them, then a cell at IV65536', group="disagreement"),
    "sst-amplified.xlsx": Case('text-too-large', 'one 40,000-byte shared string in 100,000 cells: 4 GB of text from a 0.5 MB file', group="amplification"),
    "sst-amplified-no-refs.xlsx": Case('text-too-large', 'the same with cells placed by position (no r), parsed element by element', group="amplification"),
    "sst-amplified-long.xlsx": Case('text-too-large', 'one 900,000-byte shared string in 200 cells', group="amplification"),
    "ods-text-spaces.ods": Case('text-too-large', '<text:s text:c="2147483647"/>: two billion spaces in one cell', group="amplification"),
    "ods-repeated-text.ods": Case('text-too-large', 'a cell of 3 KB of text repeated over 400 columns × 4,000 rows (1.6 million cells, within max_cells)', group="amplification"),
    "ods-repeated-spaces.ods": Case('text-too-large', '<text:s text:c="+1000"/> in a cell repeated 100 × 20,000 times', group="amplification"),
    "xls-sst-amplified.xls": Case('text-too-large', 'an .xls shared string of 4,000 characters in 60,000 LABELSST cells', group="amplification"),
    "open-rows.xlsx": Case(None, '16 MiB of <row> start tags that never close (cells with r): the old guard re-scanned every one per MiB', intact=False, group="quadratic"),
    "long-row.xlsx": Case(None, "one row of 16 MiB of cells (no '</row>' for 16 MiB): the old guard re-joined and re-scanned the buffer", intact=False, group="quadratic"),
    "unclosed-merges.xlsx": Case('file-corrupt', "4 MiB of <mergeCell ref=… tags that never close: each is read once, up to the next '<'", group="quadratic"),
    "unclosed-formula-cells.xlsx": Case('file-corrupt', "4 MiB of <c r=…><f>… cells that never close (a pattern ran from each to the next '</c>')", group="quadratic"),
    "unclosed-relationships.xlsx": Case('file-corrupt', '4 MiB of <Relationship … tags that never close in the workbook relationships', group="quadratic"),
    # odd, but a workbook: must read, values intact
    "odd-control-chars.xlsx": Case(None, "tenant names with control characters U+0001–U+0008 (as Excel's _x0001_ escapes)"),
    "odd-long-text.xlsx": Case(None, "a tenant name of 10,000 characters"),
    "odd-rare-cjk-emoji.xlsx": Case(None, "names in CJK Extension B–G (𠀀𪚥𰻞) and emoji, including ZWJ sequences"),
    "odd-rtl.xlsx": Case(None, "tenant names in Arabic and Hebrew, with right-to-left marks"),
    "odd-no-cell-refs.xlsx": Case(None, "rows and contiguous cells without r attributes (placed by position, as some generators write)"),
    "odd-prefixed.xlsx": Case(None, "worksheets whose elements carry the x: namespace prefix"),
    "good.xlsx": Case(None, "an ordinary valid application"),
}

#: The odd names written into the odd-* workbooks (the first tenants' names), for the tests to compare.
ODD_NAMES: dict[str, list[str]] = {
    "odd-control-chars.xlsx": [f"控制字符{chr(c)}企业有限公司" for c in range(1, 9)],
    "odd-long-text.xlsx": ["长" * 9_994 + "科技有限公司"],
    "odd-rare-cjk-emoji.xlsx": ["𠀀𪚥𰻞科技有限公司", "🚀火箭🛰️卫星有限公司", "👨‍👩‍👧家庭服务有限公司", "𫓧𬌗𮯠材料有限公司", "😀emoji😀 Ltd."],
    "odd-rtl.xlsx": ["شركة الاختبار المحدودة", "חברת בדיקה בע\"מ", "\u200fشركة\u200f 测试 \u200eLtd\u200e", "مختلط Mixed 混合"],
}


# --- zip, written member by member -------------------------------------------------------------------


@dataclass
class _Entry:
    name: str
    payload: bytes  # as stored: deflated (method 8) or raw (method 0)
    crc: int
    size: int  # the uncompressed size the zip declares
    method: int = 8
    extra: bytes = b""  # the central directory's extra field (python-calamine's zip reader reads that one)
    flags: int = 0x800  # general purpose bits: 0x800, the name is UTF-8


def _deflate(data: bytes, level: int = 6) -> bytes:
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def _entry(name: str, data: bytes, level: int = 6) -> _Entry:
    return _Entry(name, _deflate(data, level), zlib.crc32(data), len(data))


def _write_zip(path: Path, entries: list[_Entry]) -> Path:
    """A plain zip (no zip64), with exactly the sizes, CRCs and names given, however wrong."""
    central = []
    with open(path, "wb") as f:
        for e in entries:
            offset = f.tell()
            name = e.name.encode("utf-8")
            f.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, e.flags, e.method, 0, 0x21, e.crc, len(e.payload), e.size,
                                len(name), 0) + name)
            f.write(e.payload)
            central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, e.flags, e.method, 0, 0x21, e.crc,
                                       len(e.payload), e.size, len(name), len(e.extra), 0, 0, 0, 0, offset) + name + e.extra)
        directory = b"".join(central)
        start = f.tell()
        f.write(directory)
        f.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(directory), start, 0))
    return path


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i.filename) for i in z.infolist()}


def _rezip(src: Path, dst: Path, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None) -> Path:
    members = _members(src)
    members.update(replace or {})
    members.update(add or {})
    return _write_zip(dst, [_entry(n, d) for n, d in members.items()])


def _repeated(prefix: bytes, unit: bytes, count: int, suffix: bytes) -> tuple[bytes, int]:
    """A deflate stream of prefix + unit × count + suffix, and its CRC, without building the inflated data.

    Each compressed block ends on a full flush (byte-aligned, no back-references), so the block for
    ``unit`` can simply be repeated.
    """
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = c.compress(prefix) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(unit) + c.flush(zlib.Z_FULL_FLUSH)
    tail = c.compress(suffix) + c.flush()
    crc = zlib.crc32(prefix)
    for _ in range(count):
        crc = zlib.crc32(unit, crc)
    return head + block * count + tail, zlib.crc32(suffix, crc)


def _with_dtd(xml: bytes, dtd: bytes) -> bytes:
    """The XML with a DTD inserted after its declaration (or at the start)."""
    if xml.startswith(b"<?xml"):
        end = xml.index(b"?>") + 2
        return xml[:end] + dtd + xml[end:]
    return dtd + xml


def _root_name(xml: bytes) -> bytes:
    body = xml[xml.index(b"?>") + 2:] if xml.startswith(b"<?xml") else xml
    start = body.index(b"<") + 1
    end = min(i for i in (body.find(b" ", start), body.find(b">", start)) if i > 0)
    return body[start:end]


def _prefixed(xml: bytes) -> bytes:
    """The same worksheet with every element in the x: prefix (the default namespace bound to x)."""
    xml = re.sub(rb"<(/?)([A-Za-z])", rb"<\1x:\2", xml)
    return xml.replace(b'<x:worksheet xmlns="', b'<x:worksheet xmlns:x="', 1)


def _without_refs(xml: bytes) -> bytes:
    """The same worksheet without the r attributes python-calamine can do without: every row's, and every cell's
    that directly follows the previous cell of its row."""
    def row(m: re.Match[bytes]) -> bytes:
        expected = 1
        cells = []
        for cell in re.split(rb"(?=<c )", m.group(2)):
            ref = re.match(rb'<c r="([A-Z]+)[0-9]+"', cell)
            if ref:
                col = 0
                for ch in ref.group(1):
                    col = col * 26 + ch - 64
                if col == expected:
                    cell = cell.replace(ref.group(0), b"<c", 1)
                expected = col + 1
            cells.append(cell)
        return b"<row" + m.group(1) + b">" + b"".join(cells) + b"</row>"

    return re.sub(rb'<row r="[0-9]+"([^>]*)>(.*?)</row>', row, xml, flags=re.S)


def _billion_laughs(root: bytes) -> bytes:
    entities = b'<!ENTITY lol "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, b"".join(b"&lol%s;" % (str(i - 1).encode() if i > 1 else b"") for _ in range(10)))
        for i in range(1, 10))
    return b"<!DOCTYPE " + root + b" [" + entities + b"]>"


# --- compound files and BIFF -------------------------------------------------------------------------

_ENDOFCHAIN, _FREESECT, _FATSECT, _NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF


def _dirent(name: str, kind: int, start: int, size: int, child: int = _NOSTREAM, right: int = _NOSTREAM) -> bytes:
    raw = (name + "\0").encode("utf-16-le") if name else b""
    return (raw.ljust(64, b"\0") + struct.pack("<HBBIII", len(raw), kind, 1, _NOSTREAM, right, child)
            + bytes(16 + 4 + 16) + struct.pack("<IQ", start, size))


def _cfb(streams: dict[str, bytes]) -> bytes:
    """A version 3 compound file (512-byte sectors) holding the given streams, each padded to 4 KiB or more so
    that none goes into the mini stream. The directory is a tree of right siblings in CFB name order."""
    streams = {name: data.ljust(4096, b"\0") for name, data in streams.items()}
    names = sorted(streams, key=lambda n: (len(n), n.upper()))
    sizes = [-(-len(streams[n]) // 512) for n in names]
    dir_sectors = -(-(len(names) + 1) // 4)
    fat_sectors = 1
    while fat_sectors * 128 < fat_sectors + dir_sectors + sum(sizes):
        fat_sectors += 1
    assert fat_sectors <= 109
    fat = [_FATSECT] * fat_sectors
    dir_start = len(fat)
    fat += list(range(dir_start + 1, dir_start + dir_sectors)) + [_ENDOFCHAIN]
    starts = []
    for n in sizes:
        starts.append(len(fat))
        fat += list(range(len(fat) + 1, len(fat) + n)) + [_ENDOFCHAIN]
    fat += [_FREESECT] * (fat_sectors * 128 - len(fat))
    entries = [_dirent("Root Entry", 5, _ENDOFCHAIN, 0, child=1)]
    for i, name in enumerate(names):
        entries.append(_dirent(name, 2, starts[i], len(streams[name]), right=i + 2 if i + 1 < len(names) else _NOSTREAM))
    while len(entries) % 4:
        entries.append(_dirent("", 0, 0, 0))
    difat = list(range(fat_sectors)) + [_FREESECT] * (109 - fat_sectors)
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16) + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + bytes(6)
              + struct.pack("<IIIIIIIII", 0, fat_sectors, dir_start, 0, 4096, _ENDOFCHAIN, 0, _ENDOFCHAIN, 0)
              + struct.pack("<109I", *difat))
    body = struct.pack(f"<{len(fat)}I", *fat) + b"".join(entries)
    for name in names:
        data = streams[name]
        body += data + bytes(-len(data) % 512)
    return header + body


def _rec(typ: int, data: bytes = b"") -> bytes:
    return struct.pack("<HH", typ, len(data)) + data


def _bof(kind: int) -> bytes:
    return _rec(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0, 6))


def _number(row: int, col: int, value: float) -> bytes:
    return _rec(0x0203, struct.pack("<HHHd", row, col, 0, value))


def _label(row: int, col: int, text: str) -> bytes:
    return _rec(0x0204, struct.pack("<HHHHB", row, col, 0, len(text), 1) + text.encode("utf-16-le"))


def _dimensions(first_row: int, last_row_plus_1: int, first_col: int, last_col_plus_1: int) -> bytes:
    return _rec(0x0200, struct.pack("<IIHHH", first_row, last_row_plus_1, first_col, last_col_plus_1, 0))


def biff_workbook(sheets: dict[str, list[bytes]], globals_extra: bytes = b"") -> bytes:
    """A BIFF8 workbook stream: globals (BOF, CODEPAGE, ``globals_extra``, BOUNDSHEETs, EOF), then each sheet."""
    head = _bof(0x0005) + _rec(0x0042, struct.pack("<H", 1200)) + globals_extra
    bound_sizes = [4 + 8 + 2 * len(name) for name in sheets]
    offset = len(head) + sum(bound_sizes) + 4
    bounds, bodies = [], []
    for name, records in sheets.items():
        body = _bof(0x0010) + b"".join(records) + _rec(0x000A)
        bounds.append(_rec(0x0085, struct.pack("<IBBBB", offset, 0, 0, len(name), 1) + name.encode("utf-16-le")))
        bodies.append(body)
        offset += len(body)
    return head + b"".join(bounds) + _rec(0x000A) + b"".join(bodies)


def xls_file(sheets: dict[str, list[bytes]], globals_extra: bytes = b"") -> bytes:
    return _cfb({"Workbook": biff_workbook(sheets, globals_extra)})


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


def _ods(path: Path, tables: dict[str, bytes]) -> Path:
    content = (b'<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               b'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               b'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               b'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
               b"<office:body><office:spreadsheet>"
               + b"".join(b'<table:table table:name="%s">%s</table:table>' % (n.encode(), rows) for n, rows in tables.items())
               + b"</office:spreadsheet></office:body></office:document-content>")
    manifest = (b'<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                b'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                b'<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                b'<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>')
    mimetype = b"application/vnd.oasis.opendocument.spreadsheet"
    return _write_zip(path, [_Entry("mimetype", mimetype, zlib.crc32(mimetype), len(mimetype), method=0),
                             _entry("META-INF/manifest.xml", manifest), _entry("content.xml", content)])


def _ods_cell(text: str) -> bytes:
    return b'<table:table-cell office:value-type="string"><text:p>%s</text:p></table:table-cell>' % text.encode()



# --- issue 8: where the guard and python-calamine could read a file differently ------------------------------

FAR_ROW = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
_SST_CONTENT_TYPE = (b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                     b'spreadsheetml.sharedStrings+xml"/></Types>')
_SST_RELATIONSHIP = (b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
                     b'Target="sharedStrings.xml" Id="rId99"/></Relationships>')
_MAIN_NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def _unicode_path_field(header_name: str, name: str, crc_of: str | None = None) -> bytes:
    """An Info-ZIP Unicode Path extra field (0x7075): ``name``, for a header name whose CRC it carries."""
    body = struct.pack("<BI", 1, zlib.crc32((crc_of or header_name).encode("cp437"))) + name.encode()
    return struct.pack("<HH", 0x7075, len(body)) + body


def _shared_strings(strings: list[bytes], unique: int | None = None) -> bytes:
    return (b'<?xml version="1.0" encoding="UTF-8"?><sst ' + _MAIN_NS + b' count="%d" uniqueCount="%d">'
            % (len(strings), len(strings) if unique is None else unique)
            + b"".join(b"<si><t>%s</t></si>" % s for s in strings) + b"</sst>")


def _rstring(row: int, col: int, text: str) -> bytes:
    """A BIFF RSTRING record: a cell of rich text (no formatting runs)."""
    return _rec(0x00D6, struct.pack("<HHHHB", row, col, 0, len(text), 1) + text.encode("utf-16-le") + struct.pack("<H", 0))


_CHART_BOF = _rec(0x0809, struct.pack("<HHHHII", 0x0600, 0x0020, 0x0DBB, 0x07CC, 0, 6))


def _biff_sst(strings: list[str]) -> bytes:
    """A BIFF8 SST record with its CONTINUE records (8,224 bytes each at most), strings as UTF-16."""
    body = b"".join(struct.pack("<HB", len(t), 1) + t.encode("utf-16-le") for t in strings)
    head = struct.pack("<ii", len(strings), len(strings))
    first, rest = body[:8216], body[8216:]
    out = _rec(0x00FC, head + first)
    while rest:  # a continued string goes on after a flags byte (1: UTF-16) at the start of each CONTINUE
        out += _rec(0x003C, b"\x01" + rest[:8223])
        rest = rest[8223:]
    return out


def _label_sst(row: int, col: int, index: int) -> bytes:
    return _rec(0x00FD, struct.pack("<HHHI", row, col, 0, index))


def _noisy(unit: bytes, size: int, seed: int) -> bytes:
    """``unit`` (with one %d) repeated to ``size`` bytes with varying numbers, so that it does not deflate like a bomb."""
    import random

    rng = random.Random(seed)
    parts, total = [], 0
    while total < size:
        part = unit % rng.randrange(10**6)
        parts.append(part)
        total += len(part)
    return b"".join(parts)


def _build_agreement(folder: Path, parts: dict[str, bytes], put, out: dict[str, Path]) -> None:
    profile_part, roster_part = "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"
    roster = parts[roster_part]
    end = roster.rindex(b"</sheetData>")
    far_roster = roster[:end] + FAR_ROW + roster[end:]

    def with_rows(rows: bytes, xml: bytes = roster) -> bytes:
        at = xml.rindex(b"</sheetData>")
        return xml[:at] + rows + xml[at:]

    def zipped(name: str, members: dict[str, bytes] | list[_Entry], drop: tuple[str, ...] = ()) -> None:
        entries = members if isinstance(members, list) else [_entry(n, d) for n, d in members.items()]
        kept = [_entry(n, d) for n, d in parts.items() if n not in drop and n not in {e.name for e in entries}]
        out[name] = _write_zip(folder / name, kept + entries)

    # zip member names: python-calamine finds them case-insensitively, reads '\' as '/', honours 0x7075
    zipped("member-case.xlsx", {"XL/Worksheets/Sheet2.xml": far_roster}, drop=(roster_part,))
    zipped("member-case-benign.xlsx", {"XL/Worksheets/Sheet2.xml": roster}, drop=(roster_part,))
    zipped("member-backslash.xlsx", {"xl\\worksheets\\sheet2.xml": far_roster}, drop=(roster_part,))
    zipped("member-fold-twice.xlsx", [_entry(roster_part, roster), _entry("XL/worksheets/sheet2.xml", far_roster)])
    zipped("member-slash-twice.xlsx", [_entry(roster_part, roster), _entry("xl\\worksheets\\sheet2.xml", far_roster)])
    other = "xl/worksheets/zzz.xml"
    for name, xml, field in (("unicode-path.xlsx", far_roster, _unicode_path_field(other, roster_part)),
                             ("unicode-path-benign.xlsx", roster, _unicode_path_field(other, roster_part)),
                             ("unicode-path-mismatch.xlsx", far_roster, _unicode_path_field(other, roster_part, crc_of="x"))):
        e = _entry(other, xml)
        e.extra, e.flags = field, 0
        zipped(name, [e], drop=(roster_part,))
    # the workbook where _rels/.rels says, not xl/workbook.xml
    root = parts["_rels/.rels"].replace(b"xl/workbook.xml", b"wb/workbook.xml")
    rels = parts["xl/_rels/workbook.xml.rels"].replace(b"/xl/worksheets/sheet1.xml", b"s/p.xml").replace(
        b"/xl/worksheets/sheet2.xml", b"s/q.xml")
    moved = {"_rels/.rels": root, "wb/workbook.xml": parts["xl/workbook.xml"], "wb/_rels/workbook.xml.rels": rels,
             "wb/s/p.xml": parts[profile_part]}
    old = ("xl/workbook.xml", "xl/_rels/workbook.xml.rels", profile_part, roster_part)
    zipped("workbook-elsewhere.xlsx", {**moved, "wb/s/q.xml": far_roster}, drop=old)
    zipped("workbook-elsewhere-benign.xlsx", {**moved, "wb/s/q.xml": roster}, drop=old)
    zipped("workbook-shadowed.xlsx", {**moved, "wb/s/q.xml": far_roster})  # xl/workbook.xml stays, harmless
    zipped("rel-target-dotdot.xlsx", {"xl/_rels/workbook.xml.rels": parts["xl/_rels/workbook.xml.rels"].replace(
        b"/xl/worksheets/sheet2.xml", b"../evil/sheet.xml"), "evil/sheet.xml": far_roster}, drop=(roster_part,))
    # attributes: python-calamine takes the last of two r
    zipped("duplicate-r.xlsx", {roster_part: with_rows(b'<row r="9"><c r="A9" r="XFD1048576"><v>1</v></c></row>')})
    zipped("duplicate-r-unspaced.xlsx", {roster_part: with_rows(b'<row r="9"><c r="A9"r="XFD1048576"><v>1</v></c></row>')})
    zipped("duplicate-r-quoted.xlsx", {roster_part: with_rows(
        b'<row r="9"><c r="A9" x="a>b" r="XFD1048576"><v>1</v></c></row>')})
    zipped("duplicate-row-r.xlsx", {roster_part: with_rows(b'<row r="9" r="1048576"><c><v>1</v></c></row>')})
    zipped("spaced-r.xlsx", {roster_part: with_rows(b'<row r="9"><c r = "XFD1048576"><v>1</v></c></row>')})
    # shared strings: python-calamine reserves uniqueCount before it reads one
    sst_parts = {"[Content_Types].xml": parts["[Content_Types].xml"].replace(b"</Types>", _SST_CONTENT_TYPE),
                 "xl/_rels/workbook.xml.rels": parts["xl/_rels/workbook.xml.rels"].replace(b"</Relationships>", _SST_RELATIONSHIP)}
    zipped("sst-unique-count.xlsx", {**sst_parts, "xl/sharedStrings.xml": _shared_strings([b"x"], unique=200_000_000)})
    zipped("sst-unique-count-huge.xlsx", {**sst_parts, "xl/sharedStrings.xml": _shared_strings([b"x"], unique=4_000_000_000)})
    # .ods: '+N' counts, and prefixes other than table:
    profile_table = b"<table:table-row>" + _ods_cell("项目") + b"</table:table-row>"
    value = b'<table:table-cell office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell>'
    _ods(folder / "ods-plus-repeat.ods", {"基本信息": profile_table, "在孵企业": (
        b'<table:table-row table:number-rows-repeated="+1000000"><table:table-cell table:number-columns-repeated="+16000"/>'
        b'</table:table-row><table:table-row><table:table-cell table:number-columns-repeated="+16000"/>' + value
        + b"</table:table-row>")})
    out["ods-plus-repeat.ods"] = folder / "ods-plus-repeat.ods"
    _ods(folder / "ods-prefix.ods", {"基本信息": profile_table, "在孵企业": (
        b'<t:table-row xmlns:t="urn:oasis:names:tc:opendocument:xmlns:table:1.0" t:number-rows-repeated="1000000">'
        b'<t:table-cell t:number-columns-repeated="16000"/></t:table-row><table:table-row>' + value + b"</table:table-row>")})
    out["ods-prefix.ods"] = folder / "ods-prefix.ods"
    _ods(folder / "ods-prefix-twice.ods", {"基本信息": profile_table, "在孵企业": (
        b'<table:table-row xmlns:t="urn:oasis:names:tc:opendocument:xmlns:table:1.0" table:number-rows-repeated="1" '
        b't:number-rows-repeated="1000000"><table:table-cell table:number-columns-repeated="16000"/></table:table-row>'
        b'<table:table-row>' + value + b"</table:table-row>")})
    out["ods-prefix-twice.ods"] = folder / "ods-prefix-twice.ods"
    # .xls: RSTRING cells count, and an embedded substream's EOF does not end the sheet
    sheets = {"基本信息": [_label(0, 0, "项目")]}
    put("xls-rstring.xls", xls_file({**sheets, "在孵企业": [_label(0, 0, "企业名称"), _rstring(65535, 255, "x")]}))
    put("xls-chart-substream.xls", xls_file({**sheets, "在孵企业": [
        _label(0, 0, "企业名称"), _CHART_BOF, _rec(0x000A), _number(65535, 255, 1.0)]}))
    put("xls-nested-substreams.xls", xls_file({**sheets, "在孵企业": [
        _label(0, 0, "企业名称"), _CHART_BOF, _CHART_BOF, _rec(0x000A), _rec(0x000A), _CHART_BOF, _rec(0x000A),
        _number(65535, 255, 1.0)]}))

    # --- amplification inside the limits ---
    long_rows = b"".join(b'<row r="%d"><c r="A%d" t="s"><v>0</v></c></row>' % (r, r) for r in range(5, 100_005))
    zipped("sst-amplified.xlsx", {**sst_parts, "xl/sharedStrings.xml": _shared_strings([b"y" * 40_000]),
                                  roster_part: with_rows(long_rows)})
    zipped("sst-amplified-no-refs.xlsx", {**sst_parts, "xl/sharedStrings.xml": _shared_strings([b"y" * 40_000]),
                                          roster_part: with_rows(long_rows.replace(b' r="', b' x="'))})
    zipped("sst-amplified-long.xlsx", {**sst_parts, "xl/sharedStrings.xml": _shared_strings([b"a", b"z" * 900_000]),
                                       roster_part: with_rows(b"".join(
                                           b'<row r="%d"><c r="B%d" t="s"><v>1</v></c></row>' % (r, r) for r in range(5, 205)))})
    _ods(folder / "ods-text-spaces.ods", {"基本信息": profile_table, "在孵企业": (
        b'<table:table-row><table:table-cell office:value-type="string"><text:p>a<text:s text:c="2147483647"/>b</text:p>'
        b"</table:table-cell></table:table-row>")})
    out["ods-text-spaces.ods"] = folder / "ods-text-spaces.ods"
    _ods(folder / "ods-repeated-text.ods", {"基本信息": profile_table, "在孵企业": (
        b'<table:table-row table:number-rows-repeated="4000"><table:table-cell table:number-columns-repeated="400" '
        b'office:value-type="string"><text:p>' + "长文字".encode() * 350 + b"</text:p></table:table-cell></table:table-row>")})
    out["ods-repeated-text.ods"] = folder / "ods-repeated-text.ods"
    _ods(folder / "ods-repeated-spaces.ods", {"基本信息": profile_table, "在孵企业": (
        b'<table:table-row table:number-rows-repeated="+20000"><table:table-cell table:number-columns-repeated="+100" '
        b'office:value-type="string"><text:p><text:s text:c="+1000"/></text:p></table:table-cell></table:table-row>')})
    out["ods-repeated-spaces.ods"] = folder / "ods-repeated-spaces.ods"
    put("xls-sst-amplified.xls", xls_file(
        {**sheets, "在孵企业": [_label(0, 0, "企业名称")] + [_label_sst(r, 1, 0) for r in range(1, 60_001)]},
        _biff_sst(["长" * 4000])))

    # --- inputs that make a naive scan quadratic ---
    zipped("open-rows.xlsx", {roster_part: with_rows(_noisy(b'<row><c r="B5"><v>%d</v></c>', 16 * MiB, 1))})
    zipped("long-row.xlsx", {roster_part: with_rows(b'<row r="5">' + _noisy(b'<c r="B5"><v>%d</v></c>', 16 * MiB, 2)
                                                    + b"</row>")})
    zipped("unclosed-merges.xlsx", {roster_part: roster.replace(
        b"</sheetData>", b"</sheetData><mergeCells>" + _noisy(b'<mergeCell ref="A1:B%d"', 4 * MiB, 3) + b"</mergeCells>")})
    zipped("unclosed-formula-cells.xlsx", {roster_part: with_rows(b'<row r="5">' + _noisy(b'<c r="B5"><f>%d', 4 * MiB, 4)
                                                                  + b"</row>")})
    zipped("unclosed-relationships.xlsx", {"xl/_rels/workbook.xml.rels": parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", _noisy(b'<Relationship Id="x%d" Target="y"', 4 * MiB, 5) + b"</Relationships>")})


# --- the corpus -------------------------------------------------------------------------------------------


def build_corpus(folder: str | os.PathLike[str]) -> dict[str, Path]:
    """Write every file of :data:`CASES` into ``folder``; return ``{name: path}`` (files that cannot be made here,
    such as a FIFO on Windows or an unreadable file for root, are left out)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out: dict[str, Path] = {}
    work = folder / ".work"
    work.mkdir(exist_ok=True)
    good = build_workbook(work / "base.xlsx")
    parts = _members(good)
    profile_part, roster_part = "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"
    profile, roster = parts[profile_part], parts[roster_part]

    def put(name: str, data: bytes) -> None:
        (folder / name).write_bytes(data)
        out[name] = folder / name

    def zipped(name: str, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None) -> None:
        out[name] = _rezip(good, folder / name, replace, add)

    # size and expansion
    others = [_entry(n, d) for n, d in parts.items() if n != profile_part]
    cut = profile.rindex(b"</worksheet>")
    payload, crc = _repeated(profile[:cut], b" " * MiB, 1024, profile[cut:])
    out["zip-bomb.xlsx"] = _write_zip(folder / "zip-bomb.xlsx",
                                      [_Entry(profile_part, payload, crc, cut + GiB + len(profile) - cut)] + others)
    at = profile.index(b"<t>") + 3  # inside the first label's text
    payload, _ = _repeated(profile[:at], b"a" * MiB, 1024, profile[at:])
    declared = at + 1000
    lie = zlib.crc32(b"a" * 1000, zlib.crc32(profile[:at]))
    out["zip-bomb-lying.xlsx"] = _write_zip(folder / "zip-bomb-lying.xlsx", [_Entry(profile_part, payload, lie, declared)] + others)

    end = roster.rindex(b"</sheetData>")
    rows = "".join(f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>企业{r}</t></is></c><c r="B{r}"><v>{r}</v></c></row>'
                   for r in range(5, 1_000_001)).encode()
    out["million-rows.xlsx"] = _write_zip(folder / "million-rows.xlsx", [_entry(roster_part, roster[:end] + rows + roster[end:], 1)]
                                          + [_entry(n, d) for n, d in parts.items() if n != roster_part])
    del rows
    zipped("far-cell.xlsx", {roster_part: roster[:end] + b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>' + roster[end:]})
    zipped("far-cell-no-ref.xlsx", {roster_part: roster[:end] + b'<row r="1048576"><c><v>1</v></c></row>' + roster[end:]})
    zipped("far-cell-prefixed.xlsx", {roster_part: _prefixed(
        roster[:end] + b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>' + roster[end:])})
    zipped("far-cell-quoted.xlsx", {roster_part: roster[:end] + b'<row r="1048576"><c x="/>" r="XFD1048576"><v>1</v></c></row>'
                                    + roster[end:]})
    zipped("huge-merge.xlsx", {roster_part: roster.replace(
        b"</sheetData>", b'</sheetData><mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>')})
    zipped("huge-merge-quoted.xlsx", {roster_part: roster.replace(
        b"</sheetData>", b'</sheetData><mergeCells count="1"><mergeCell x="></row>" ref="A1:XFD1048576"/></mergeCells>')})
    put("far-cell.xls", xls_file({"基本信息": [_label(0, 0, "项目")],
                                  "在孵企业": [_dimensions(0, 65536, 0, 256), _label(0, 0, "企业名称"), _number(65535, 255, 1.0)]}))
    put("dimensions.xls", xls_file({"基本信息": [_label(0, 0, "项目")],
                                    "在孵企业": [_dimensions(0, 0xFFFFFFFF, 0, 20), _label(0, 0, "企业名称")]}))
    profile_table = b"<table:table-row>" + _ods_cell("项目") + b"</table:table-row>"
    _ods(folder / "repeat-rows.ods", {"基本信息": profile_table, "在孵企业": (
        b'<table:table-row table:number-rows-repeated="1000000"><table:table-cell table:number-columns-repeated="16000"/>'
        b"</table:table-row><table:table-row>" + b'<table:table-cell table:number-columns-repeated="16000"/>'
        + b'<table:table-cell office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell></table:table-row>')})
    out["repeat-rows.ods"] = folder / "repeat-rows.ods"
    _ods(folder / "repeat-cells.ods", {"基本信息": profile_table, "在孵企业": (
        b'<table:table-row table:number-rows-repeated="89999"><table:table-cell table:number-columns-repeated="400"/>'
        b"</table:table-row><table:table-row>" + b'<table:table-cell table:number-columns-repeated="399"/>'
        + b'<table:table-cell office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell></table:table-row>')})
    out["repeat-cells.ods"] = folder / "repeat-cells.ods"

    # XML entities
    workbook = parts["xl/workbook.xml"]
    for name, part in (("billion-laughs-workbook.xlsx", "xl/workbook.xml"), ("billion-laughs-sheet.xlsx", roster_part),
                       ("billion-laughs-content-types.xlsx", "[Content_Types].xml"), ("billion-laughs-core.xlsx", "docProps/core.xml")):
        zipped(name, {part: _with_dtd(parts[part], _billion_laughs(_root_name(parts[part])))})
    first_name = tenant_defaults(0)["name"].encode()
    zipped("xxe.xlsx", {roster_part: _with_dtd(roster, b'<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>')
                        .replace(first_name, b"&xxe;", 1)})
    padded = (b'<?xml version="1.0" encoding="UTF-8"?><!--' + b"x" * 100_000 + b"-->" + b"\n" * 10_000
              + _billion_laughs(b"workbook") + workbook)
    zipped("dtd-after-padding.xlsx", {"xl/workbook.xml": padded})
    utf16 = ('<?xml version="1.0" encoding="UTF-16"?>' + _billion_laughs(b"workbook").decode() + workbook.decode()).encode("utf-16")
    zipped("dtd-utf16.xlsx", {"xl/workbook.xml": utf16})
    rels = parts["xl/_rels/workbook.xml.rels"]
    zipped("dtd-external.xlsx", {"xl/_rels/workbook.xml.rels": _with_dtd(
        rels, b'<!DOCTYPE Relationships SYSTEM "http://example.invalid/evil.dtd">')})

    # broken or not a workbook
    data = good.read_bytes()
    put("truncated.xlsx", data[: len(data) // 2])
    entries = [_entry(n, d) for n, d in parts.items()]
    out["duplicate-member.xlsx"] = _write_zip(folder / "duplicate-member.xlsx", entries + [
        _entry(roster_part, roster[:end] + b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>' + roster[end:])])
    for name, member in (("traversal.xlsx", "../../evil.xml"), ("absolute-path.xlsx", "/etc/x"), ("drive-path.xlsx", "C:\\x")):
        out[name] = _write_zip(folder / name, entries + [_entry(member, b"<evil/>")])
    put("roster-gbk.xlsx", ("企业名称,统一社会信用代码,注册日期\n" + "".join(
        f"测试企业{i}有限公司,{make_uscc(i)},2021-01-0{i}\n" for i in range(1, 6))).encode("gb18030"))
    docx = {"[Content_Types].xml": b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
            b'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            b'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" '
            b'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
            "_rels/.rels": b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            b'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            b'relationships/officeDocument" Target="word/document.xml"/></Relationships>',
            "word/document.xml": '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>申报材料见附件</w:t></w:r></w:p></w:body></w:document>'.encode()}
    out["letter.xlsx"] = _write_zip(folder / "letter.xlsx", [_entry(n, d) for n, d in docx.items()])
    put("photo.xlsx", _png())
    put("empty.xlsx", b"")

    # refused for safety
    info = struct.pack("<HHI", 4, 4, 0x40) + (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><encryption xmlns='
                                              b'"http://schemas.microsoft.com/office/2006/encryption"><keyData saltSize="16" '
                                              b'blockSize="16" keyBits="256" hashSize="64" cipherAlgorithm="AES" '
                                              b'cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512"/></encryption>')
    package = struct.pack("<Q", len(data)) + b"".join(hashlib.sha256(b"%d" % i).digest() for i in range(len(data) // 32 + 1))
    put("encrypted.xlsx", _cfb({"EncryptionInfo": info, "EncryptedPackage": package}))
    filepass = _rec(0x002F, struct.pack("<HHH", 1, 1, 1) + bytes(48))
    put("encrypted.xls", xls_file({"基本信息": [_label(0, 0, "项目")], "在孵企业": [_label(0, 0, "企业名称")]}, filepass))
    content_types = parts["[Content_Types].xml"].replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
    zipped("macro.xlsm", {"[Content_Types].xml": content_types}, {"xl/vbaProject.bin": _cfb({"VBA": b"Attribute VB_Name"})})
    zipped("strict.xlsx", {"xl/workbook.xml": workbook.replace(b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                                                              b"http://purl.oclc.org/ooxml/spreadsheetml/main")})
    sheets = {"基本信息": [_label(0, 0, "项目")], "在孵企业": [_label(0, 0, "企业名称")]}
    put("merge-overrun.xls", xls_file({**sheets, "在孵企业": [_label(0, 0, "企业名称"), _rec(0x00E5, struct.pack("<H", 1000))]}))
    put("sheet-offset.xls", xls_file(sheets, _rec(0x0085, struct.pack("<IBBBB", 1_000_000, 0, 0, 1, 0) + b"X")))
    sst = _rec(0x00FC, struct.pack("<ii", 1, 0x7FFFFFFF) + struct.pack("<HB", 1, 0) + b"x")
    put("sst-count.xls", xls_file({"基本信息": [_label(0, 0, "项目")], "在孵企业": [_label(0, 0, "企业名称")]}, sst))

    # not files at all
    (folder / "folder.xlsx").mkdir(exist_ok=True)
    out["folder.xlsx"] = folder / "folder.xlsx"
    if hasattr(os, "mkfifo"):
        fifo = folder / "pipe.xlsx"
        if not fifo.exists():
            os.mkfifo(fifo)
        out["pipe.xlsx"] = fifo
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        locked = folder / "no-permission.xlsx"
        locked.write_bytes(data)
        locked.chmod(0)
        out["no-permission.xlsx"] = locked

    _build_agreement(folder, parts, put, out)

    # odd, but a workbook
    escaped = dict(ODD_NAMES)  # control characters as Excel writes them; openpyxl refuses them raw
    escaped["odd-control-chars.xlsx"] = [
        "".join(f"_x{ord(ch):04X}_" if ord(ch) < 32 else ch for ch in n) for n in ODD_NAMES["odd-control-chars.xlsx"]]
    for name, names in escaped.items():
        tenants = [{"name": n, "uscc": make_uscc(i + 1)} for i, n in enumerate(names)]
        tenants += [{} for _ in range(max(0, 3 - len(tenants)))]
        out[name] = build_workbook(folder / name, tenants=tenants,
                                   profile={"incubator_name": "𠀀𪚥孵化器 🚀"} if "cjk" in name else None)
    zipped("odd-no-cell-refs.xlsx", {profile_part: _without_refs(profile), roster_part: _without_refs(roster)})
    zipped("odd-prefixed.xlsx", {profile_part: _prefixed(profile), roster_part: _prefixed(roster)})
    out["good.xlsx"] = build_workbook(folder / "good.xlsx")

    for p in work.iterdir():
        p.unlink()
    work.rmdir()
    return {name: out[name] for name in CASES if name in out}


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python tests/hostile_corpus.py DIR", file=sys.stderr)
        return 2
    for name, path in build_corpus(argv[1]).items():
        size = path.stat().st_size if path.is_file() else 0
        case = CASES[name]
        print(f"{name:36s} {size:>10,d}  {case.code or 'reads fine':20s} {case.what}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
