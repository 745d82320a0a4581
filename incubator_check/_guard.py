"""The gate in front of the reader: what a file must be before it is opened, and the limits it must keep.

A ``.xlsx`` or ``.ods`` is a zip of XML; a ``.xls`` is a compound file holding a BIFF
record stream. python-calamine trusts much of it: one cell at ``XFD1048576`` makes it
allocate a dense grid of 17 billion cells and abort the whole process, an ``.xls``
``DIMENSIONS`` record is reserved as given, an ``.ods`` repeats rows and columns as
told, and a few BIFF records are indexed unchecked (a Rust panic, which Python sees as
a ``BaseException``). So before python-calamine sees a file, this module checks it,
inflating each zip member once, in bounded pieces:

- the zip directory: member count, declared inflated size, compression ratio,
  member names (path traversal, duplicates), Word/PowerPoint documents;
- every member: it may not inflate past its declared size (a lying zip bomb), and
  its size and CRC must match;
- every XML part (also one padded past its first kilobytes, or in UTF-16): no DTD,
  no entity declaration;
- macros (.xlsm) and Strict OOXML;
- every worksheet's cells and merged ranges (xlsx), every table's rows and columns
  with repetitions expanded (ods), every BIFF cell, ``DIMENSIONS`` and
  ``MERGEDCELLS`` record (xls): rows, columns and cells within :class:`Limits`;
- the compound file of an ``.xls``: encryption (``FILEPASS``, or an encrypted OOXML
  package), sector chains that loop or leave the file, records too short for what
  python-calamine reads from them.

Every refusal is a :class:`Finding` with a stable code, carried by
:class:`WorkbookError`; nothing here writes to the file. ``docs/limits.md`` lists the
limits and the codes.
"""

from __future__ import annotations

import codecs
import io
import os
import posixpath
import re
import stat
import struct
import zipfile
import zlib
from array import array
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Iterator

from .errors import WorkbookError
from .findings import Finding, Severity

MiB = 1 << 20
_CHUNK = 1 << 20  # inflate and scan in pieces of this size


@dataclass(frozen=True)
class Limits:
    """Bounds on what one workbook may cost to read. All configurable; the defaults are documented in docs/limits.md."""

    max_file_bytes: int = 50 * MiB
    max_inflated_bytes: int = 256 * MiB  # all zip members together, as the zip directory declares them
    max_member_ratio: int = 200  # inflated ÷ compressed, for any member over 1 MiB inflated
    max_members: int = 2000
    max_rows: int = 100_000  # per sheet
    max_columns: int = 500  # per sheet
    max_cells: int = 2_000_000  # per sheet: rows × columns of the grid python-calamine builds (A1 to the last cell)
    max_text_bytes: int = 128 * MiB  # the text python-calamine would hold: shared strings, and each cell's copy of one


def _error(path: str, code: str, zh: str, en: str) -> WorkbookError:
    return WorkbookError(Finding(code=code, severity=Severity.ERROR, message_zh=f"{os.path.basename(path)}：{zh}",
                                 message_en=f"{os.path.basename(path)}: {en}", file=path))


def _corrupt(path: str, zh: str, en: str) -> WorkbookError:
    return _error(path, "file-corrupt", f"{zh}，请重新保存后提交", f"{en}; save the workbook again")


class TooLarge(Exception):
    """A sheet exceeds the row, column or cell limit."""

    def __init__(self, sheet: str, rows: int, columns: int, limits: Limits, at_least: bool = False):
        super().__init__(sheet)
        self.sheet, self.rows, self.columns, self.limits, self.at_least = sheet, rows, columns, limits, at_least

    def finding(self, path: str) -> Finding:
        lim = self.limits
        zh_n = "至少" if self.at_least else ""
        en_n = "at least " if self.at_least else ""
        return Finding(code="sheet-too-large", severity=Severity.ERROR, file=path, sheet=self.sheet,
                       message_zh=f"{os.path.basename(path)}：工作表「{self.sheet}」有{zh_n} {self.rows} 行 × {self.columns} 列，"
                                  f"超过上限（{lim.max_rows} 行、{lim.max_columns} 列、共 {lim.max_cells} 个单元格）；"
                                  f"请删除多余的行列或无关的工作表后提交",
                       message_en=f"{os.path.basename(path)}: sheet '{self.sheet}' has {en_n}{self.rows} rows × {self.columns} columns, "
                                  f"over the limit ({lim.max_rows} rows, {lim.max_columns} columns, {lim.max_cells} cells in all); "
                                  f"delete the surplus rows, columns or sheets")

    def exceeds(self) -> bool:
        lim = self.limits
        return self.rows > lim.max_rows or self.columns > lim.max_columns or self.rows * self.columns > lim.max_cells


def _check_size(path: str, sheet: str, rows: int, columns: int, limits: Limits, at_least: bool = False) -> None:
    too_large = TooLarge(sheet, rows, columns, limits, at_least)
    if too_large.exceeds():
        raise WorkbookError(too_large.finding(path))


_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
_STRICT_NS = b"http://purl.oclc.org/ooxml/spreadsheetml/main"


def _what_is_it(head: bytes) -> tuple[str, str]:
    """What a file that is not a workbook looks like, in Chinese and English."""
    if head.startswith(b"%PDF"):
        return "PDF 文档", "a PDF document"
    if head.startswith(b"\x89PNG") or head.startswith(b"\xff\xd8\xff") or head[:6] in (b"GIF87a", b"GIF89a"):
        return "图片", "an image"
    if head.startswith(b"{\\rtf"):
        return "RTF 文档", "an RTF document"
    if not head:
        return "空文件", "an empty file"
    sample = head[:4096]
    for encoding in ("utf-8", "gb18030", "utf-16"):
        try:
            text = sample.decode(encoding)
        except UnicodeDecodeError:
            continue
        if text.lstrip().lower().startswith(("<html", "<!doctype html")):
            return "网页（HTML）", "a web page (HTML)"
        if "," in text or "\t" in text:
            return "文本/CSV 文件", "a text/CSV file"
        return "文本文件", "a text file"
    return "未知格式的文件", "a file of unknown format"


def read_bytes(path: str, limits: Limits) -> bytes:
    """The file's bytes, read once: everything after this (the guard, python-calamine, the sha256) sees these bytes.

    Only a regular file is opened (a folder, a pipe or a device is refused before it can block), its size is
    checked before it is read, and the read stops one byte past the limit, so a file that grows while it is
    read, or is swapped for another, cannot make the answer disagree with what was checked.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise _error(path, "file-unreadable", f"无法打开文件（{exc.strerror}）", f"cannot open the file ({exc.strerror})") from None
    try:
        info = os.fstat(fd)  # the file opened, not whatever the name points to by now
        if not stat.S_ISREG(info.st_mode):
            kind_zh, kind_en = ("文件夹", "a folder") if stat.S_ISDIR(info.st_mode) else ("特殊文件", "a special file")
            raise _error(path, "file-unreadable", f"这不是普通文件，而是{kind_zh}", f"this is not a regular file but {kind_en}")
        if info.st_size > limits.max_file_bytes:
            raise _too_big(path, info.st_size, limits)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(limits.max_file_bytes + 1)
    except OSError as exc:
        raise _error(path, "file-unreadable", f"无法读取文件（{exc.strerror}）", f"cannot read the file ({exc.strerror})") from None
    finally:
        os.close(fd)
    if len(data) > limits.max_file_bytes:  # it grew after the size check
        raise _too_big(path, len(data), limits)
    return data


def _too_big(path: str, size: int, limits: Limits) -> WorkbookError:
    return _error(path, "file-too-large", f"文件大小 {size // MiB} MiB，超过上限 {limits.max_file_bytes // MiB} MiB",
                  f"the file is {size // MiB} MiB, over the limit of {limits.max_file_bytes // MiB} MiB")


def check_data(path: str, data: bytes, limits: Limits) -> dict[str, set[str]]:
    """Refuse, before parsing, a file that is not a workbook or would cost more than the limits.

    ``data`` is the file's bytes (:func:`read_bytes`); ``path`` only names it in messages.
    For an .xlsx, return the cells of each worksheet part that hold a formula with no cached value
    (python-calamine reads those as empty), found in the same pass over the zip.
    """
    if len(data) > limits.max_file_bytes:
        raise _too_big(path, len(data), limits)
    head = data[:8192]
    if head.startswith(_OLE):
        _check_ole(path, data, limits)
        return {}
    if head.startswith(_ZIP):
        return _check_zip(path, data, limits)
    zh, en = _what_is_it(head)
    raise _error(path, "not-a-workbook", f"不是 Excel/WPS/LibreOffice 工作簿，看起来是{zh}；请提交 .xlsx、.xls 或 .ods 文件",
                 f"not an Excel/WPS/LibreOffice workbook; it looks like {en}. Submit an .xlsx, .xls or .ods file")


def check_file(path: str, limits: Limits) -> dict[str, set[str]]:
    """:func:`check_data` on the file's bytes (:func:`read_bytes`)."""
    return check_data(path, read_bytes(path, limits), limits)


# --- compound files (.xls, encrypted OOXML) -----------------------------------------------------------

def _encrypted(path: str) -> WorkbookError:
    return _error(path, "file-encrypted", "工作簿设有打开密码（已加密），无法读取；请去除密码后另存",
                  "the workbook is password-protected (encrypted) and cannot be read; remove the password and save again")


def _check_ole(path: str, data: bytes, limits: Limits) -> None:
    if "EncryptedPackage".encode("utf-16-le") in data or "EncryptionInfo".encode("utf-16-le") in data:
        raise _encrypted(path)
    if "WordDocument".encode("utf-16-le") in data:
        raise _error(path, "not-a-workbook", "这是 Word 文档，不是工作簿", "this is a Word document, not a workbook")
    if "Workbook".encode("utf-16-le") not in data and "Book".encode("utf-16-le") not in data:
        raise _error(path, "not-a-workbook", "这是 Office 复合文档，但不含工作簿", "an Office compound file with no workbook in it")
    try:
        cfb = _Cfb(data)
        stream = cfb.stream("Workbook")
        if stream is None:
            stream = cfb.stream("Book")
    except _CfbError as exc:
        raise _corrupt(path, f"复合文档结构已损坏（{exc}）", f"the compound file is damaged ({exc})") from None
    if stream is None:
        raise _error(path, "not-a-workbook", "这是 Office 复合文档，但不含工作簿", "an Office compound file with no workbook in it")
    _check_biff(path, stream, limits)


class _CfbError(Exception):
    """The compound file of an .xls is malformed (a sector chain loops or leaves the file)."""


_FREESECT, _ENDOFCHAIN = 0xFFFFFFFF, 0xFFFFFFFE


class _Cfb:
    """A strict reader of the Compound File Binary format, as python-calamine reads it, refusing what could loop or overrun."""

    def __init__(self, data: bytes):
        if len(data) < 512:
            raise _CfbError("header truncated")
        self.data = data
        shift, mini_shift = struct.unpack_from("<HH", data, 0x1E)
        if shift not in (9, 12) or mini_shift != 6:
            raise _CfbError("bad sector size")
        self.size = 1 << shift
        self.count = (len(data) - self.size) // self.size  # sector n starts at (n + 1) × size; the header fills sector -1
        dir_len, fat_len, dir_start = struct.unpack_from("<III", data, 0x28)
        minifat_start, minifat_len, difat_start, difat_len = struct.unpack_from("<IIII", data, 0x3C)
        if max(dir_len, fat_len, minifat_len, difat_len) > self.count:
            raise _CfbError("header counts exceed the file")
        difat = list(struct.unpack_from("<109I", data, 0x4C))
        seen: set[int] = set()
        sector = difat_start
        per = self.size // 4
        while sector not in (_FREESECT, _ENDOFCHAIN):
            if sector in seen:
                raise _CfbError("DIFAT chain loops")
            seen.add(sector)
            entries = struct.unpack_from(f"<{per}I", self._sector(sector))
            difat.extend(entries[:-1])
            sector = entries[-1]
        fat_sectors = [s for s in difat if s != _FREESECT]
        if len(fat_sectors) > self.count:
            raise _CfbError("too many FAT sectors")
        self.fat: list[int] = []
        for s in fat_sectors:
            self.fat.extend(struct.unpack_from(f"<{per}I", self._sector(s)))
        directory = self._chain(dir_start)
        self.entries = []
        for off in range(0, len(directory) - 127, 128):
            raw = directory[off:off + 128]
            name = raw[:64].decode("utf-16-le", "ignore").split("\0", 1)[0]
            start = struct.unpack_from("<I", raw, 116)[0]
            length = struct.unpack_from("<I" if self.size == 512 else "<Q", raw, 120)[0]
            self.entries.append((name, start, length))
        if not self.entries:
            raise _CfbError("no directory")
        _, root_start, root_len = self.entries[0]
        if root_len > len(data):
            raise _CfbError("root entry larger than the file")
        self.ministream = self._chain(root_start)[:root_len] if root_start != _ENDOFCHAIN else b""
        minifat = self._chain(minifat_start) if minifat_start != _ENDOFCHAIN else b""
        self.minifat = list(struct.unpack_from(f"<{len(minifat) // 4}I", minifat))

    def _sector(self, index: int) -> bytes:
        if index >= self.count:
            raise _CfbError(f"sector {index} outside the file")
        offset = (index + 1) * self.size
        return self.data[offset:offset + self.size]

    def _chain(self, start: int, table: list[int] | None = None, mini: bool = False) -> bytes:
        table = self.fat if table is None else table
        parts = []
        seen: set[int] = set()
        sector = start
        while sector != _ENDOFCHAIN:
            if sector >= len(table) or sector in seen:
                raise _CfbError("sector chain broken or looping")
            seen.add(sector)
            if mini:
                if (sector + 1) * 64 > len(self.ministream):
                    raise _CfbError("mini sector outside the mini stream")
                parts.append(self.ministream[sector * 64:(sector + 1) * 64])
            else:
                parts.append(self._sector(sector))
            sector = table[sector]
        return b"".join(parts)

    def stream(self, name: str) -> bytes | None:
        """The first directory entry of this exact name (as python-calamine looks it up), or None."""
        for entry_name, start, length in self.entries:
            if entry_name != name:
                continue
            if length > len(self.data):
                raise _CfbError(f"stream '{name}' larger than the file")
            if length < 4096:
                return self._chain(start, self.minifat, mini=True)[:length]
            return self._chain(start)[:length]
        return None


#: BIFF cell records python-calamine turns into cells: NUMBER, LABEL, BOOLERR, RK, LABELSST, FORMULA, RSTRING
#: (BLANK and MULBLANK it skips; MULRK and MERGEDCELLS are read below).
_BIFF_CELLS = frozenset({0x0203, 0x0204, 0x0205, 0x027E, 0x00FD, 0x0006, 0x00D6})
_BOF, _EOF, _CONTINUE = 0x0809, 0x000A, 0x003C


def _biff_records(stream: bytes, pos: int, stop_at_eof: bool = True) -> Iterator[tuple[int, int, bytes]]:
    end = len(stream)
    while pos + 4 <= end:
        typ, size = struct.unpack_from("<HH", stream, pos)
        if pos + 4 + size > end:
            return
        yield typ, pos, stream[pos + 4:pos + 4 + size]
        pos += 4 + size
        if typ == _EOF and stop_at_eof:
            return


def _biff_string_lengths(segments: list[bytes], count: int) -> array:
    """The UTF-8 bytes each string of a BIFF8 shared-string table may take (3 per character), read as python-calamine
    reads them, across CONTINUE records (where a string's characters go on, after a new flags byte)."""
    lengths = array("Q")
    at = [0, 0]  # segment, offset

    def skip(n: int) -> None:
        while n > 0:
            room = len(segments[at[0]]) - at[1]
            if room >= n:
                at[1] += n
                return
            n -= room
            at[0], at[1] = at[0] + 1, 0

    def read(n: int) -> bytes:
        out = b""
        while len(out) < n:
            seg = segments[at[0]]
            piece = seg[at[1]:at[1] + n - len(out)]
            out += piece
            at[1] += len(piece)
            if len(out) < n:
                at[0], at[1] = at[0] + 1, 0
        return out

    try:
        for _ in range(count):
            if at[1] >= len(segments[at[0]]):
                at[0], at[1] = at[0] + 1, 0
            cch, flags = struct.unpack("<HB", read(3))
            runs = struct.unpack("<H", read(2))[0] if flags & 8 else 0
            ext = struct.unpack("<I", read(4))[0] if flags & 4 else 0
            width, left = (2 if flags & 1 else 1), cch
            while left:
                seg = segments[at[0]]
                if at[1] >= len(seg):
                    at[0], at[1] = at[0] + 1, 1
                    width = 2 if segments[at[0]][0] & 1 else 1
                    continue
                n = min(left, (len(seg) - at[1]) // width) or left  # an odd byte left: python-calamine reads on
                at[1] += n * width
                left -= n
            skip(4 * runs + ext)
            lengths.append(3 * cch)
    except (IndexError, struct.error):  # the table ends early: python-calamine stops there with an error
        pass
    return lengths


def _biff_name(data: bytes) -> str:
    """A BOUNDSHEET's sheet name (BIFF8 ShortXLUnicodeString, or BIFF5 8-bit)."""
    if len(data) < 8:
        return "?"
    cch, flags = data[6], data[7]
    try:
        if flags & 1:
            return data[8:8 + 2 * cch].decode("utf-16-le", "replace") or "?"
        if flags == 0:
            return data[8:8 + cch].decode("latin-1") or "?"
    except Exception:  # noqa: BLE001 - the name is only for the message
        pass
    return data[7:7 + cch].decode("latin-1", "replace") or "?"


def _check_biff(path: str, stream: bytes, limits: Limits) -> None:
    """The BIFF workbook stream, record by record as python-calamine parses it."""
    def bad(what: str) -> WorkbookError:
        return _corrupt(path, f"工作簿数据已损坏（{what}）", f"the workbook data is damaged ({what})")

    budget = _Budget(path, limits)
    sheets: list[tuple[int, str]] = []
    sst: list[bytes] = []
    sst_count = 0
    in_sst = False
    for typ, pos, data in _biff_records(stream, 0):
        in_sst = in_sst and typ == _CONTINUE
        if in_sst:
            sst.append(data)
        elif typ == 0x002F:  # FILEPASS: an open password
            if len(data) < 2:
                raise bad("FILEPASS")
            if struct.unpack_from("<H", data)[0] != 0:
                raise _encrypted(path)
        elif typ in (0x0042, 0x0022, 0x0809, 0x0017) and len(data) < 2:
            raise bad(f"record 0x{typ:04X} too short")
        elif typ == 0x0085:  # BOUNDSHEET
            if len(data) < 6:
                raise bad("BOUNDSHEET too short")
            offset = struct.unpack_from("<I", data)[0]
            if offset > len(stream):
                raise bad("sheet offset outside the stream")
            sheets.append((offset, _biff_name(data)))
        elif typ == 0x00FC and len(data) >= 8:  # SST: python-calamine reserves the count it declares
            sst_count = struct.unpack_from("<i", data, 4)[0]
            if sst_count < 0 or sst_count > len(stream) // 3:
                raise bad("shared string count")
            budget.add(_Budget.STRING_OVERHEAD * sst_count)
            sst, in_sst = [data[8:]], True
        elif typ == 0x0018:  # Lbl (defined name): python-calamine indexes it unchecked
            if len(data) < 15:
                raise bad("defined name too short")
            cch, cce = data[3], struct.unpack_from("<H", data, 4)[0]
            width = 2 if data[14] & 1 else 1
            if 15 + cch * width + cce > len(data):
                raise bad("defined name overruns its record")
    if len(sheets) > 4096:
        raise bad("too many sheets")
    sst_bytes = sum(map(len, sst))
    budget.add(3 * sst_bytes)  # the table itself, held once
    spans = []
    references: Counter[int] = Counter()  # shared-string index → how many LABELSST cells copy it
    for offset, name in sheets:
        max_row = max_col = -1
        end = offset
        # python-calamine reads a sheet up to the EOF of its own BOF: a substream inside it (an embedded chart) is
        # skipped whole, BOF to EOF, and the sheet's cells go on after it.
        depth = 0
        for typ, pos, data in _biff_records(stream, offset, stop_at_eof=False):
            end = pos + 4 + len(data)
            if typ == _BOF:
                depth += 1
            elif typ == _EOF:
                if depth <= 1:
                    break
                depth -= 1
            elif typ == 0x0200 and len(data) in (10, 14):  # DIMENSIONS: reserved as given
                if len(data) == 10:
                    rf, rl, cf, cl = struct.unpack_from("<HHHH", data)
                else:
                    rf, rl, cf, cl = struct.unpack_from("<IIHH", data)
                if rl >= 1 and cl >= 1:
                    rows = ((rl - 1 - rf) & 0xFFFFFFFF) + 1
                    cols = ((cl - 1 - cf) & 0xFFFFFFFF) + 1
                    if rows > max(limits.max_rows, 65536) or cols > max(limits.max_columns, 256):
                        raise WorkbookError(TooLarge(name, rows, cols, limits).finding(path))
            elif typ == 0x00E5 and len(data) >= 2:  # MERGEDCELLS: python-calamine indexes it unchecked
                count = struct.unpack_from("<H", data)[0]
                if 2 + 8 * count > len(data):
                    raise bad("merged cells overrun their record")
                if depth <= 1:
                    for i in range(count):
                        _, rl, _, cl = struct.unpack_from("<HHHH", data, 2 + 8 * i)
                        max_row, max_col = max(max_row, rl), max(max_col, cl)
            elif depth > 1:
                continue
            elif typ in _BIFF_CELLS and len(data) >= 4:
                row, col = struct.unpack_from("<HH", data)
                max_row, max_col = max(max_row, row), max(max_col, col)
                if typ == 0x00FD and len(data) >= 10:
                    references[struct.unpack_from("<I", data, 6)[0]] += 1
            elif typ == 0x00BD and len(data) >= 6:  # MULRK
                row, first = struct.unpack_from("<HH", data)
                last = max(struct.unpack_from("<H", data, len(data) - 2)[0], first + (len(data) - 6) // 6 - 1)
                max_row, max_col = max(max_row, row), max(max_col, last)
        spans.append((offset, end))
        _check_size(path, name, max_row + 1, max_col + 1, limits)
    # Every LABELSST cell holds its own copy of the string. Only when the copies could go over the budget are
    # the strings' lengths read (a loop over the table); an ordinary workbook never gets there.
    cells = sum(references.values())
    if cells and cells * 3 * sst_bytes > budget.limit - budget.used:
        lengths = _biff_string_lengths(sst, sst_count)
        budget.add(sum(lengths[i] * n for i, n in references.items() if i < len(lengths)))
    spans.sort()
    for (_, end), (start, _) in zip(spans, spans[1:]):
        if start < end:
            raise bad("sheets overlap")


# --- zip packages (.xlsx, .ods) -----------------------------------------------------------------------

_XML_SUFFIXES = (".xml", ".rels", ".vml")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _fold(name: str) -> str:
    """A member name as python-calamine looks it up: ``\\`` read as ``/``, ASCII letters in either case
    (only ASCII: it finds ``XL/Sheet.xml`` for ``xl/sheet.xml``, not ``É`` for ``é``)."""
    return name.replace("\\", "/").translate(_ASCII_LOWER)


def _unicode_path(path: str, info: zipfile.ZipInfo) -> str:
    """The member's name as python-calamine's zip reader takes it: the Info-ZIP Unicode Path field (0x7075) of the
    central directory, when it carries the CRC of the header name, overrides the header name. Python's zipfile
    ignores that field, so a member could be read under two names; one whose field does not match its header is
    refused as ambiguous."""
    extra, at = info.extra, 0
    while at + 4 <= len(extra):
        tag, size = struct.unpack_from("<HH", extra, at)
        body = extra[at + 4:at + 4 + size]
        at += 4 + size
        if tag != 0x7075:
            continue
        raw = info.orig_filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437", "surrogateescape")
        try:
            name = body[5:].decode("utf-8")
            matches = len(body) >= 5 and body[0] == 1 and struct.unpack_from("<I", body, 1)[0] == zlib.crc32(raw)
        except (UnicodeDecodeError, struct.error):
            matches, name = False, ""
        if name == info.filename:
            return name
        if not matches:
            raise _corrupt(path, f"压缩包成员「{info.filename}」另记有一个不同的名称「{name}」，无法确定其名称",
                           f"zip member '{info.filename}' carries a second, different name '{name}': its name is ambiguous")
        return name
    return info.filename


class _Members:
    """The zip's members by the names python-calamine finds them under, refusing any two it could confuse."""

    def __init__(self, path: str, infos: list[zipfile.ZipInfo]):
        self.by_fold: dict[str, zipfile.ZipInfo] = {}
        self.names: dict[int, str] = {}  # id(info) → the name python-calamine reads it by
        for info in infos:
            name = _unicode_path(path, info)
            posix = name.replace("\\", "/")
            if posix.startswith("/") or ".." in posix.split("/") or (len(posix) > 1 and posix[1] == ":") or "\0" in posix:
                raise _error(path, "zip-unsafe-path", f"压缩包内含不安全的路径「{name}」",
                             f"the zip holds an unsafe member path '{name}'")
            key = _fold(name)
            if key in self.by_fold:
                other = self.names[id(self.by_fold[key])]
                if other == name:
                    raise _corrupt(path, f"压缩包内有两个同名文件「{name}」", f"the zip holds two members named '{name}'")
                raise _corrupt(path, f"压缩包内的「{other}」与「{name}」只有大小写或斜杠不同，无法确定读取哪一个",
                               f"the zip members '{other}' and '{name}' differ only in case or slashes: which one is read is ambiguous")
            self.by_fold[key] = info
            self.names[id(info)] = name

    def get(self, name: str) -> zipfile.ZipInfo | None:
        return self.by_fold.get(_fold(name))

    def name(self, info: zipfile.ZipInfo) -> str:
        return self.names[id(info)]


def _resolve(base_dir: str, target: str) -> list[str]:
    """Every member name a relationship target could mean to python-calamine: rooted at the package when it starts
    with ``/``; otherwise beside the part that holds the relationship, or (as older calamine did) under ``xl/``;
    with and without ``.``/``..`` worked out. Scanning each of them is what makes the guard's reading cover its."""
    target = target.replace("\\", "/")
    if target.startswith("/"):
        found = [target.lstrip("/")]
    else:
        found = [f"{base_dir}/{target}" if base_dir else target, target, f"xl/{target}"]
    return found + [posixpath.normpath(n) for n in found]


def _rels_of(part: str) -> str:
    folder, _, base = part.rpartition("/")
    return f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels"


def _elements(path: str, data: bytes, wanted: frozenset[str]) -> list[tuple[str, dict[str, str]]]:
    """The elements of a small XML part whose local name is in ``wanted``, with their attributes, as expat reads
    them (entities decoded; a duplicate attribute, which python-calamine would take the last of, is refused)."""
    found: list[tuple[str, dict[str, str]]] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if local in wanted:
            found.append((local, attrs))

    _parse(path, [data], start, lambda name: None, lambda: None)
    return found


def _relationships(path: str, data: bytes) -> list[dict[str, str]]:
    return [attrs for _, attrs in _elements(path, data, frozenset({"Relationship"}))] if data else []


class _Budget:
    """The text python-calamine would hold for the workbook, against ``Limits.max_text_bytes``.

    Amplification inside every other limit: one shared string is copied into every cell that refers to it, and an
    .ods cell's text into every column and row it is repeated over, so a small file can make gigabytes of text.
    """

    #: What a Rust String costs beyond its bytes (python-calamine holds every shared string as one).
    STRING_OVERHEAD = 24

    def __init__(self, path: str, limits: Limits):
        self.path, self.limit, self.used = path, limits.max_text_bytes, 0

    def add(self, n: int, sheet: str | None = None) -> None:
        self.used += n
        if self.used > self.limit:
            where_zh = f"（工作表「{sheet}」）" if sheet else ""
            where_en = f" (sheet '{sheet}')" if sheet else ""
            raise _error(self.path, "text-too-large",
                         f"读取时将生成至少 {self.used // MiB} MiB 的文字{where_zh}，超过上限 {self.limit // MiB} MiB"
                         f"（同一段文字被大量单元格重复引用或重复）；请删除重复的长文字后另存",
                         f"reading it would build at least {self.used // MiB} MiB of text{where_en}, over the limit of "
                         f"{self.limit // MiB} MiB (one text repeated in very many cells); remove the repeated long text "
                         f"and save again")


def _check_zip(path: str, data: bytes, limits: Limits) -> dict[str, set[str]]:
    handle = io.BytesIO(data)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError, struct.error) as exc:
        raise _corrupt(path, f"压缩包已损坏或不完整（{exc}）", f"the zip container is corrupt or truncated ({exc})") from None
    with archive:
        infos = archive.infolist()
    if len(infos) > limits.max_members:
        raise _error(path, "zip-too-many-members", f"压缩包内有 {len(infos)} 个文件，超过上限 {limits.max_members}",
                     f"the zip holds {len(infos)} members, over the limit of {limits.max_members}")
    members = _Members(path, infos)
    inflated = sum(m.file_size for m in infos)
    if inflated > limits.max_inflated_bytes:
        raise _error(path, "zip-bomb", f"解压后大小 {inflated // MiB} MiB，超过上限 {limits.max_inflated_bytes // MiB} MiB（疑似压缩炸弹）",
                     f"it would inflate to {inflated // MiB} MiB, over the limit of {limits.max_inflated_bytes // MiB} MiB (a zip bomb?)")
    for m in infos:
        if m.file_size > MiB and m.file_size > limits.max_member_ratio * max(m.compress_size, 1):
            raise _error(path, "zip-bomb", f"「{m.filename}」的压缩比超过 {limits.max_member_ratio}:1（疑似压缩炸弹）",
                         f"member '{m.filename}' has a compression ratio over {limits.max_member_ratio}:1 (a zip bomb?)")
    if members.get("word/document.xml"):
        raise _error(path, "not-a-workbook", "这是 Word 文档（.docx），不是工作簿", "this is a Word document (.docx), not a workbook")
    if members.get("ppt/presentation.xml"):
        raise _error(path, "not-a-workbook", "这是 PowerPoint 演示文稿，不是工作簿", "this is a PowerPoint presentation, not a workbook")
    package = _Package(path, handle)
    done: set[int] = set()

    def read_xml(info: zipfile.ZipInfo | None) -> bytes:
        if info is None:
            return b""
        done.add(id(info))
        return b"".join(package.xml(info))

    mimetype_info = members.get("mimetype")
    mimetype = b""
    for chunk in package.raw(mimetype_info) if mimetype_info else ():
        mimetype = mimetype or chunk[:200]
    if mimetype_info:
        done.add(id(mimetype_info))
    is_ods = b"spreadsheet" in mimetype
    content_types = read_xml(members.get("[Content_Types].xml"))
    if any(_fold(members.name(m)).endswith("vbaproject.bin") for m in infos) or b"macroEnabled" in content_types:
        raise _error(path, "file-macro-enabled", "工作簿含宏（.xlsm），出于安全不予读取；请另存为 .xlsx",
                     "the workbook contains macros (.xlsm) and is refused for safety; save it as .xlsx")
    workbooks = _workbook_parts(path, members, read_xml)
    if not is_ods and not workbooks:
        raise _error(path, "not-a-workbook", "压缩包内没有工作簿（缺少 xl/workbook.xml）",
                     "a zip file with no workbook in it (no xl/workbook.xml)")
    sheets: dict[int, str] = {}  # id(info) → its sheet's name
    strings: list[zipfile.ZipInfo] = []
    for part, workbook in workbooks:
        if _STRICT_NS in workbook:
            raise _error(path, "file-strict-ooxml", "工作簿为 Strict Open XML 格式，请在 Excel 中另存为普通的「Excel 工作簿 (.xlsx)」",
                         "the workbook is in Strict Open XML format; save it as a regular 'Excel Workbook (.xlsx)'")
        found, shared = _workbook_sheets(path, part, workbook, members, read_xml)
        for info, label in found.items():
            sheets.setdefault(id(info), label)
        strings += [s for s in shared if s not in strings]
    budget = _Budget(path, limits)
    lengths = _SharedStrings.empty()
    for info in strings:  # before the sheets, which refer to them
        done.add(id(info))
        lengths = lengths.union(_scan_shared_strings(path, package, info, members.name(info), budget))
    formulas: dict[str, set[str]] = {}
    for m in infos:
        if id(m) in done:
            continue
        name = members.name(m)
        key = _fold(name)
        if id(m) in sheets or (key.endswith(".xml") and "worksheets/" in key):
            cells, _ = _scan_worksheet(path, package, m, sheets.get(id(m), name), limits, lengths, budget)
            if cells:
                formulas[name] = cells
        elif is_ods and key == "content.xml":
            _scan_ods(path, package, m, limits, budget)
        elif key.endswith(_XML_SUFFIXES):
            _drain(package.xml(m))  # inflating is the check: size, CRC and DTDs, piece by piece
        else:
            # Every other member is still held to its declared size and CRC; one with XML in it is checked as XML.
            head = next(iter(package.raw(m)), b"")
            _drain(package.xml(m) if head.lstrip()[:1] == b"<" or _xml_encoding(head) else package.raw(m))
    return formulas


def _workbook_parts(path: str, members: _Members, read_xml) -> list[tuple[str, bytes]]:
    """The workbook parts python-calamine could open: the officeDocument target of ``_rels/.rels`` (it follows that
    one wherever it is) and ``xl/workbook.xml``; each with its XML."""
    candidates = []
    for rel in _relationships(path, read_xml(members.get("_rels/.rels"))):
        target = rel.get("Target", "")
        if rel.get("Type", "").endswith("/officeDocument") or _fold(target).endswith("workbook.xml"):
            candidates += _resolve("", target)
    candidates.append("xl/workbook.xml")
    parts, seen = [], set()
    for candidate in candidates:
        info = members.get(candidate)
        if info is not None and id(info) not in seen:
            seen.add(id(info))
            name = members.name(info).replace("\\", "/")
            parts.append((name, read_xml(info)))
    return parts


def _workbook_sheets(path: str, part: str, workbook: bytes, members: _Members,
                     read_xml) -> tuple[dict[zipfile.ZipInfo, str], list[zipfile.ZipInfo]]:
    """The members a workbook's ``<sheet>`` elements lead to (by their relationship id, whatever its prefix), with
    the sheet names, and its shared-string parts (by relationship type, and where python-calamine looks for them)."""
    base_dir = part.rpartition("/")[0]
    targets: dict[str, list[str]] = {}
    shared_names = [f"{base_dir}/sharedStrings.xml" if base_dir else "sharedStrings.xml", "xl/sharedStrings.xml"]
    for rel in _relationships(path, read_xml(members.get(_rels_of(part)))):
        resolved = _resolve(base_dir, rel.get("Target", ""))
        targets.setdefault(rel.get("Id", ""), []).extend(resolved)
        if rel.get("Type", "").endswith("/sharedStrings"):
            shared_names += resolved
    found: dict[zipfile.ZipInfo, str] = {}
    for _, attrs in _elements(path, workbook, frozenset({"sheet"})):
        label = attrs.get("name", "")
        for key, value in attrs.items():
            if _local(key) == "id":
                for candidate in targets.get(value, []):
                    info = members.get(candidate)
                    if info is not None:
                        found.setdefault(info, label)
    shared = []
    for candidate in shared_names:
        info = members.get(candidate)
        if info is not None and info not in shared:
            shared.append(info)
    return found, shared


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
        raise _corrupt(path, f"「{name}」声明有 {unique} 个共享字符串，远多于它能容纳的数量",
                       f"part '{name}' declares {unique} shared strings, more than it can possibly hold")
    budget.add(_Budget.STRING_OVERHEAD * max(unique - len(lengths), 0))  # the room reserved and never filled
    return _SharedStrings(lengths)


def _count(text: str) -> int:
    """A count as python-calamine parses it (Rust's ``str::parse::<u32>`` also takes a leading ``+``), read generously:
    surrounding spaces allowed, and a count too long for 32 bits taken as huge rather than refused; not a number: 1."""
    text = text.strip().removeprefix("+")
    if not text or not text.isascii() or not text.isdigit():
        return 1
    return _HUGE if len(text.lstrip("0")) > 12 else int(text)


class _Package:
    """Members of a zip inflated from the raw file in bounded pieces, each held to its declared size and CRC."""

    def __init__(self, path: str, handle):
        self.path = path
        self.handle = handle
        self.size = handle.seek(0, os.SEEK_END)

    def _bad(self, name: str, zh: str, en: str) -> WorkbookError:
        return _corrupt(self.path, f"「{name}」{zh}", f"part '{name}' {en}")

    def raw(self, info: zipfile.ZipInfo) -> Iterator[bytes]:
        """The inflated bytes of one member; refuse one that inflates past its declared size (a zip bomb)."""
        name, handle = info.filename, self.handle
        if info.flag_bits & 0x1:
            raise _encrypted(self.path)
        if not 0 <= info.header_offset <= self.size - 30:
            raise self._bad(name, "的位置超出文件", "lies outside the file")
        handle.seek(info.header_offset)
        local = handle.read(30)
        if len(local) != 30 or local[:4] != b"PK\x03\x04":
            raise self._bad(name, "的文件头缺失", "has no local header")
        name_len, extra_len = struct.unpack_from("<HH", local, 26)
        start = info.header_offset + 30 + name_len + extra_len
        left, size = info.compress_size, info.file_size
        if start + left > self.size:
            raise self._bad(name, "不完整", "is truncated")
        handle.seek(start)
        produced = crc = 0
        if info.compress_type == zipfile.ZIP_STORED:
            if left != size:
                raise self._bad(name, "的大小与目录不符", "does not have the size the zip directory declares")
            while left:
                chunk = handle.read(min(_CHUNK, left))
                if not chunk:
                    raise self._bad(name, "不完整", "is truncated")
                left -= len(chunk)
                produced += len(chunk)
                crc = zlib.crc32(chunk, crc)
                yield chunk
        elif info.compress_type == zipfile.ZIP_DEFLATED:
            inflater = zlib.decompressobj(-15)
            pending = b""
            while not inflater.eof:
                if not pending:
                    if left <= 0:
                        break
                    pending = handle.read(min(_CHUNK, left))
                    if not pending:
                        break
                    left -= len(pending)
                try:
                    out = inflater.decompress(pending, _CHUNK)
                except zlib.error as exc:
                    raise self._bad(name, f"已损坏，无法解压（{exc}）", f"is corrupt and cannot be inflated ({exc})") from None
                pending = inflater.unconsumed_tail
                if out:
                    produced += len(out)
                    if produced > size:
                        raise _error(self.path, "zip-bomb",
                                     f"「{name}」解压后超过压缩包目录声明的 {size} 字节（疑似压缩炸弹）",
                                     f"member '{name}' inflates past the {size} bytes the zip directory declares (a zip bomb?)")
                    crc = zlib.crc32(out, crc)
                    yield out
            if not inflater.eof:
                raise self._bad(name, "不完整（压缩数据被截断）", "is truncated (its deflate stream ends early)")
        else:
            raise self._bad(name, f"使用了不支持的压缩方式（{info.compress_type}）",
                            f"uses an unsupported compression method ({info.compress_type})")
        if produced != size:
            raise self._bad(name, "的大小与目录不符", "does not have the size the zip directory declares")
        if crc != info.CRC:
            raise self._bad(name, "校验和（CRC）不符", "fails its CRC check")

    def xml(self, info: zipfile.ZipInfo) -> Iterator[bytes]:
        """An XML member as UTF-8 pieces (UTF-16 and UTF-32 parts transcoded); refuse any DTD or entity declaration."""
        name = info.filename
        chunks = self.raw(info)
        first = next(chunks, b"")
        encoding = _xml_encoding(first)
        if encoding:
            chunks = _transcode(first, chunks, encoding)
        else:
            chunks = _prepend(first, chunks)
        tail = b""
        for chunk in chunks:
            if _DTD.search(chunk) or (tail and _DTD.search(tail + chunk[:16])):
                raise _error(self.path, "xml-dtd", f"「{name}」含 DTD/实体声明，出于安全不予读取（可能是实体膨胀或外部实体攻击）",
                             f"part '{name}' declares a DTD or entities, refused for safety (entity expansion or external entities)")
            tail = (tail + chunk)[-16:] if len(chunk) < 16 else chunk[-16:]
            yield chunk


#: A document type or entity declaration, in any case (XML wants capitals; some parsers do not insist).
_DTD = re.compile(rb"<!\s*(?:[Dd][Oo][Cc][Tt][Yy][Pp][Ee]|[Ee][Nn][Tt][Ii][Tt][Yy])")


def _drain(pieces: Iterable[bytes]) -> None:
    """Run a checking generator to its end, keeping nothing."""
    for _ in pieces:
        continue


def _prepend(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    if first:
        yield first
    yield from rest


def _xml_encoding(head: bytes) -> str | None:
    """The encoding of an XML part that is not ASCII-compatible, from its byte order mark or first character."""
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff", b"<\x00\x00\x00", b"\x00\x00\x00<")):
        return "utf-32" if head[:4] in (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff") else ("utf-32-le" if head[0] == 0x3C else "utf-32-be")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if head.startswith(b"<\x00"):
        return "utf-16-le"
    if head.startswith(b"\x00<"):
        return "utf-16-be"
    return None


def _transcode(first: bytes, rest: Iterable[bytes], encoding: str) -> Iterator[bytes]:
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    yield decoder.decode(first).encode("utf-8")
    for chunk in rest:
        yield decoder.decode(chunk).encode("utf-8")
    yield decoder.decode(b"", final=True).encode("utf-8")


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
#: A cell that refers to a shared string, and its <v> index when that comes first.
_R_SPACED = re.compile(rb"r[\t\n\r ]+=")
_SHARED_CELL = re.compile(rb"<c\s[^<>]*?\bt\s*=\s*[\"']s[\"'][^<>]*>(?:\s*<v>([^<]*))?")
_HUGE = 1 << 40


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
    expected = len(found) + piece.count(b'<row r="')
    # Counting 'r=' is cheap and never low (it also counts names ending in r); only when it is high, or an r is
    # spaced from its '=', are the r attributes counted exactly.
    if piece.count(b"r=") > expected or _R_SPACED.search(piece):
        if len(_R_ATTRIBUTE.findall(piece)) > expected:
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
    for piece, whole in _pieces(package.xml(info), _after_last_row, fallback=_before_last_cell):
        if measured:  # what the pieces so far hold is at least the extent: refuse early, before reading on
            _check_size(path, sheet, rows, cols, limits, at_least=True)
        measured = True
        if b"<f" in piece:
            formulas |= _formula_cells(piece)
        if b"mergeCell" in piece:
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
            odd = ((b":c" in piece and _PREFIXED_CELL.search(piece))
                   or (b"mergeCell" in piece and _ODD_ATTRIBUTE.search(piece)))
            extent = None if odd else _refs_extent(piece)
            if extent is None:
                positional = True
            else:
                cells += piece.count(b"</c>")
                rows, cols = max(rows, extent[0]), max(cols, extent[1])
                if strings.lengths:
                    budget.add(strings.cost(_SHARED_CELL.findall(piece)), sheet)
        if cells > limits.max_cells:
            raise WorkbookError(TooLarge(sheet, rows, cols, limits, at_least=True).finding(path))
    if positional:
        rows, cols = _parsed_extent(path, sheet, package.xml(info), rows, cols, limits, strings, budget)
    _check_size(path, sheet, rows, cols, limits)
    return formulas, (rows, cols)


def _local(name: str) -> str:
    return name.rpartition(":")[2]


def _parse(path: str, chunks: Iterable[bytes], start, end, after_chunk, text=None) -> None:
    """Feed UTF-8 XML pieces to expat (a C parser: quotes, comments and CDATA handled, no DTD reaches it)."""
    from xml.parsers import expat

    parser = expat.ParserCreate(encoding="utf-8")
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    if text is not None:
        parser.CharacterDataHandler = text
        parser.buffer_text = True
    try:
        for chunk in chunks:
            parser.Parse(chunk, False)
            after_chunk()
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise _corrupt(path, f"XML 无法解析（{exc}）", f"its XML does not parse ({exc})") from None


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


def unreadable(path: str, exc: BaseException) -> Finding:
    """The finding for a file python-calamine could not read, by the kind of failure."""
    import python_calamine

    detail = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
    base = os.path.basename(path)
    if isinstance(exc, python_calamine.PasswordError):
        return Finding(code="file-encrypted", severity=Severity.ERROR, file=path,
                       message_zh=f"{base}：工作簿设有密码，无法读取；请去除密码后另存",
                       message_en=f"{base}: the workbook is password-protected and cannot be read; remove the password and save again")
    if isinstance(exc, (python_calamine.ZipError, python_calamine.XmlError)):
        return Finding(code="file-corrupt", severity=Severity.ERROR, file=path,
                       message_zh=f"{base}：工作簿已损坏，无法读取（{detail}）；请重新保存后提交",
                       message_en=f"{base}: the workbook is corrupt and cannot be read ({detail}); save it again")
    return Finding(code="file-unreadable", severity=Severity.ERROR, file=path,
                   message_zh=f"{base}：无法作为工作簿读取（{detail}）",
                   message_en=f"{base}: cannot be read as a workbook ({detail})")


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


def sheet_parts(data: bytes) -> dict[str, str]:
    """For an .xlsx (its bytes), each worksheet's zip member → the sheet's name, found as :func:`check_data` finds
    them (so the keys are those of the formula cells it returns)."""
    try:
        handle = io.BytesIO(data)
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = _Members("", archive.infolist())
        package = _Package("", handle)

        def read_xml(info: zipfile.ZipInfo | None) -> bytes:
            return b"".join(package.xml(info)) if info is not None else b""

        parts = {}
        for part, workbook in _workbook_parts("", members, read_xml):
            found, _ = _workbook_sheets("", part, workbook, members, read_xml)
            for info, label in found.items():
                parts.setdefault(members.name(info), label)
        return parts
    except Exception:  # noqa: BLE001 - the reader's own findings stand without this refinement
        return {}
