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
import re
import stat
import struct
import zipfile
import zlib
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


#: BIFF cell records python-calamine turns into cells: NUMBER, LABEL, BOOLERR, RK, LABELSST, FORMULA
#: (BLANK and MULBLANK it skips; MULRK and MERGEDCELLS are read below).
_BIFF_CELLS = frozenset({0x0203, 0x0204, 0x0205, 0x027E, 0x00FD, 0x0006})


def _biff_records(stream: bytes, pos: int) -> Iterator[tuple[int, int, bytes]]:
    end = len(stream)
    while pos + 4 <= end:
        typ, size = struct.unpack_from("<HH", stream, pos)
        if pos + 4 + size > end:
            return
        yield typ, pos, stream[pos + 4:pos + 4 + size]
        pos += 4 + size
        if typ == 0x000A:  # EOF
            return


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

    sheets: list[tuple[int, str]] = []
    for typ, pos, data in _biff_records(stream, 0):
        if typ == 0x002F:  # FILEPASS: an open password
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
            count = struct.unpack_from("<i", data, 4)[0]
            if count < 0 or count > len(stream) // 3:
                raise bad("shared string count")
        elif typ == 0x0018:  # Lbl (defined name): python-calamine indexes it unchecked
            if len(data) < 15:
                raise bad("defined name too short")
            cch, cce = data[3], struct.unpack_from("<H", data, 4)[0]
            width = 2 if data[14] & 1 else 1
            if 15 + cch * width + cce > len(data):
                raise bad("defined name overruns its record")
    if len(sheets) > 4096:
        raise bad("too many sheets")
    spans = []
    for offset, name in sheets:
        max_row = max_col = -1
        end = offset
        for typ, pos, data in _biff_records(stream, offset):
            end = pos + 4 + len(data)
            if typ == 0x0200 and len(data) in (10, 14):  # DIMENSIONS: reserved as given
                if len(data) == 10:
                    rf, rl, cf, cl = struct.unpack_from("<HHHH", data)
                else:
                    rf, rl, cf, cl = struct.unpack_from("<IIHH", data)
                if rl >= 1 and cl >= 1:
                    rows = ((rl - 1 - rf) & 0xFFFFFFFF) + 1
                    cols = ((cl - 1 - cf) & 0xFFFFFFFF) + 1
                    if rows > max(limits.max_rows, 65536) or cols > max(limits.max_columns, 256):
                        raise WorkbookError(TooLarge(name, rows, cols, limits).finding(path))
            elif typ in _BIFF_CELLS and len(data) >= 4:
                row, col = struct.unpack_from("<HH", data)
                max_row, max_col = max(max_row, row), max(max_col, col)
            elif typ == 0x00BD and len(data) >= 6:  # MULRK
                row, first = struct.unpack_from("<HH", data)
                last = max(struct.unpack_from("<H", data, len(data) - 2)[0], first + (len(data) - 6) // 6 - 1)
                max_row, max_col = max(max_row, row), max(max_col, last)
            elif typ == 0x00E5 and len(data) >= 2:  # MERGEDCELLS: python-calamine indexes it unchecked
                count = struct.unpack_from("<H", data)[0]
                if 2 + 8 * count > len(data):
                    raise bad("merged cells overrun their record")
                for i in range(count):
                    _, rl, _, cl = struct.unpack_from("<HHHH", data, 2 + 8 * i)
                    max_row, max_col = max(max_row, rl), max(max_col, cl)
        spans.append((offset, end))
        _check_size(path, name, max_row + 1, max_col + 1, limits)
    spans.sort()
    for (_, end), (start, _) in zip(spans, spans[1:]):
        if start < end:
            raise bad("sheets overlap")


# --- zip packages (.xlsx, .ods) -----------------------------------------------------------------------

_XML_SUFFIXES = (".xml", ".rels", ".vml")


def _check_zip(path: str, data: bytes, limits: Limits) -> dict[str, set[str]]:
    handle = io.BytesIO(data)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError, struct.error) as exc:
        raise _corrupt(path, f"压缩包已损坏或不完整（{exc}）", f"the zip container is corrupt or truncated ({exc})") from None
    with archive:
        members = archive.infolist()
        if len(members) > limits.max_members:
            raise _error(path, "zip-too-many-members", f"压缩包内有 {len(members)} 个文件，超过上限 {limits.max_members}",
                         f"the zip holds {len(members)} members, over the limit of {limits.max_members}")
        for m in members:
            name = m.filename.replace("\\", "/")
            if name.startswith("/") or ".." in name.split("/") or (len(name) > 1 and name[1] == ":") or "\0" in name:
                raise _error(path, "zip-unsafe-path", f"压缩包内含不安全的路径「{m.filename}」",
                             f"the zip holds an unsafe member path '{m.filename}'")
        by_name = {m.filename: m for m in members}
        if len(by_name) != len(members):
            twice = next(n for n in by_name if sum(m.filename == n for m in members) > 1)
            raise _corrupt(path, f"压缩包内有两个同名文件「{twice}」", f"the zip holds two members named '{twice}'")
        inflated = sum(m.file_size for m in members)
        if inflated > limits.max_inflated_bytes:
            raise _error(path, "zip-bomb", f"解压后大小 {inflated // MiB} MiB，超过上限 {limits.max_inflated_bytes // MiB} MiB（疑似压缩炸弹）",
                         f"it would inflate to {inflated // MiB} MiB, over the limit of {limits.max_inflated_bytes // MiB} MiB (a zip bomb?)")
        for m in members:
            if m.file_size > MiB and m.file_size > limits.max_member_ratio * max(m.compress_size, 1):
                raise _error(path, "zip-bomb", f"「{m.filename}」的压缩比超过 {limits.max_member_ratio}:1（疑似压缩炸弹）",
                             f"member '{m.filename}' has a compression ratio over {limits.max_member_ratio}:1 (a zip bomb?)")
        if "word/document.xml" in by_name:
            raise _error(path, "not-a-workbook", "这是 Word 文档（.docx），不是工作簿", "this is a Word document (.docx), not a workbook")
        if "ppt/presentation.xml" in by_name:
            raise _error(path, "not-a-workbook", "这是 PowerPoint 演示文稿，不是工作簿", "this is a PowerPoint presentation, not a workbook")
        package = _Package(path, handle)
        done: set[str] = set()

        def read_xml(name: str) -> bytes:
            done.add(name)
            return b"".join(package.xml(by_name[name])) if name in by_name else b""

        mimetype = b""
        for chunk in package.raw(by_name["mimetype"]) if "mimetype" in by_name else ():
            mimetype = mimetype or chunk[:200]
        is_ods = b"spreadsheet" in mimetype
        done.add("mimetype")
        if not is_ods and "xl/workbook.xml" not in by_name:
            raise _error(path, "not-a-workbook", "压缩包内没有工作簿（缺少 xl/workbook.xml）",
                         "a zip file with no workbook in it (no xl/workbook.xml)")
        content_types = read_xml("[Content_Types].xml")
        if "xl/vbaProject.bin" in by_name or b"macroEnabled" in content_types:
            raise _error(path, "file-macro-enabled", "工作簿含宏（.xlsm），出于安全不予读取；请另存为 .xlsx",
                         "the workbook contains macros (.xlsm) and is refused for safety; save it as .xlsx")
        workbook = read_xml("xl/workbook.xml")
        if _STRICT_NS in workbook:
            raise _error(path, "file-strict-ooxml", "工作簿为 Strict Open XML 格式，请在 Excel 中另存为普通的「Excel 工作簿 (.xlsx)」",
                         "the workbook is in Strict Open XML format; save it as a regular 'Excel Workbook (.xlsx)'")
        rels = read_xml("xl/_rels/workbook.xml.rels")
        targets = _rel_targets(rels)
        names = _sheet_names(workbook, rels)
        formulas: dict[str, set[str]] = {}
        for m in members:
            name = m.filename
            if name in done:
                continue
            if name in names or (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                cells, _ = _scan_worksheet(path, package, m, names.get(name, name), limits)
                if cells:
                    formulas[name] = cells
            elif is_ods and name == "content.xml":
                _scan_ods(path, package, m, limits)
            elif name.endswith(_XML_SUFFIXES) or name in targets:
                _drain(package.xml(m))  # inflating is the check: size, CRC and DTDs, piece by piece
            else:
                _drain(package.raw(m))  # every other member is still held to its declared size and CRC
        return formulas


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


_TARGET = re.compile(rb'\bTarget\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')
_RELATIONSHIP = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?Relationship\b[^>]*>')
_REL_ID = re.compile(rb'\bId\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')
_SHEET = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?sheet\b[^>]*>')
_SHEET_NAME = re.compile(rb'\sname\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')
_SHEET_RID = re.compile(rb'\s[\w.-]*:id\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')


def _part_name(target: str) -> str:
    """The zip member a workbook relationship's Target names, as python-calamine resolves it."""
    if target.startswith("/"):
        return target[1:]
    if target.startswith("xl/"):
        return target
    return f"xl/{target}"


def _rel_targets(rels: bytes) -> set[str]:
    found = set()
    for m in _TARGET.finditer(rels):
        target = (m.group(1) or m.group(2) or b"").decode("utf-8", "replace")
        found.add(_part_name(target))
        found.add(os.path.normpath(_part_name(target)).replace("\\", "/"))
    return found


def _sheet_names(workbook: bytes, rels: bytes) -> dict[str, str]:
    """Each worksheet part → its sheet's name, from xl/workbook.xml and its relationships (no XML parser needed)."""
    import html

    targets = {}
    for rel in _RELATIONSHIP.findall(rels):
        rid, target = _REL_ID.search(rel), _TARGET.search(rel)
        if rid and target:
            targets[(rid.group(1) or rid.group(2) or b"")] = _part_name((target.group(1) or target.group(2) or b"").decode("utf-8", "replace"))
    parts = {}
    for tag in _SHEET.findall(workbook):
        name, rid = _SHEET_NAME.search(tag), _SHEET_RID.search(tag)
        if rid and (rid.group(1) or rid.group(2) or b"") in targets:
            label = html.unescape((name.group(1) or name.group(2) or b"").decode("utf-8", "replace")) if name else ""
            parts[targets[rid.group(1) or rid.group(2) or b""]] = label
    return parts


def _pieces(chunks: Iterable[bytes], cut) -> Iterator[tuple[bytes, bool]]:
    """Re-chunk a stream so that each piece ends where ``cut(buffer)`` says (0: not yet); with whether it is the last."""
    buffer = b""
    ready = None
    for chunk in chunks:
        buffer = buffer + chunk if buffer else chunk
        at = cut(buffer)
        if at:
            if ready is not None:
                yield ready, False
            ready, buffer = buffer[:at], buffer[at:]
    last = (ready or b"") + buffer
    if last:
        yield last, True


_END_TAG_HEAD = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?\Z")


def _after_last_row(buffer: bytes) -> int:
    """The offset just after the last ``</row>`` (any prefix) in the buffer, or 0."""
    at = len(buffer)
    while True:
        at = buffer.rfind(b"row>", 0, at)
        if at < 0:
            return 0
        start = buffer.rfind(b"<", max(0, at - 64), at)
        if start >= 0 and _END_TAG_HEAD.match(buffer, start, at):
            return at + 4


_PREFIX = rb"(?:[A-Za-z_][\w.-]*:)?"
#: Every <c> tag: its reference when it starts r="A1", else b"" (its place must then be worked out by parsing).
_CELL_REF = re.compile(rb'<c(?: r="([A-Za-z]*[0-9]*)"|(?=[\s>/]))')
_PREFIXED_CELL = re.compile(rb"<[A-Za-z_][\w.-]*:c[\s>/]")
#: An attribute value holding '<' or '>' (python-calamine takes it; it could split or hide a mergeCell tag here).
_ODD_ATTRIBUTE = re.compile(rb"=\s*\"[^\"<>]*[<>]|=\s*'[^'<>]*[<>]")
_MERGE = re.compile(rb"<" + _PREFIX + rb"mergeCell(?=[\s/>])([^>]*)>")
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
    None if some <c> tag does not start with its reference."""
    found = _CELL_REF.findall(piece)
    if b"" in found:
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


def _scan_worksheet(path: str, package: _Package, info: zipfile.ZipInfo, sheet: str,
                    limits: Limits) -> tuple[set[str], tuple[int, int]]:
    """One pass over a worksheet: its formula cells with no cached value, and its extent within the limits.

    The extent is what python-calamine will allocate: the last row and column of any cell (by its r
    attribute, or by its place when it has none) and of any merged range (the reader fills those), and
    the number of cells with content. Ordinary sheets, whose every cell starts ``<c r="A1"``, are measured
    with a few pattern searches per piece; any other (no r, r not first, a namespace prefix) tag by tag.
    Returns the formula cells and the (rows, columns) found.
    """
    formulas: set[str] = set()
    rows = cols = cells = 0
    positional = False
    for piece, last in _pieces(package.xml(info), _after_last_row):
        if b"<f" in piece:
            formulas |= _formula_cells(piece)
        if b"mergeCell" in piece:
            for attrs in _MERGE.findall(piece):
                for part in (_attr(attrs, b"ref") or b"").split(b":"):
                    pos = _cell_position(part)
                    if pos:
                        rows, cols = max(rows, pos[0]), max(cols, pos[1])
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
        _check_size(path, sheet, rows, cols, limits, at_least=not last)
        if cells > limits.max_cells:
            raise WorkbookError(TooLarge(sheet, rows, cols, limits, at_least=True).finding(path))
    if positional:
        rows, cols = _parsed_extent(path, sheet, package.xml(info), rows, cols, limits)
        _check_size(path, sheet, rows, cols, limits)
    return formulas, (rows, cols)


def _local(name: str) -> str:
    return name.rpartition(":")[2]


def _parse(path: str, chunks: Iterable[bytes], start, end, after_chunk) -> None:
    """Feed UTF-8 XML pieces to expat (a C parser: quotes, comments and CDATA handled, no DTD reaches it)."""
    from xml.parsers import expat

    parser = expat.ParserCreate(encoding="utf-8")
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        for chunk in chunks:
            parser.Parse(chunk, False)
            after_chunk()
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise _corrupt(path, f"XML 无法解析（{exc}）", f"its XML does not parse ({exc})") from None


def _parsed_extent(path: str, sheet: str, chunks: Iterable[bytes], rows: int, cols: int,
                   limits: Limits) -> tuple[int, int]:
    """Where python-calamine puts each cell, element by element.

    A row's r sets the row, and its end moves to the next; a cell's r places it (and the next cell of the row
    after it), a cell without r goes after the one before. A cell with no child element holds no value: it
    takes its place in the row but adds nothing to the extent. Merged ranges count whole.
    """
    state = {"row": 0, "col": 0, "rows": rows, "cols": cols, "cells": 0, "cell": None, "content": False}

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
        elif local == "mergeCell":
            for part in attrs.get("ref", "").split(":"):
                pos = _cell_position(part.encode("utf-8", "replace"))
                if pos:
                    state["rows"], state["cols"] = max(state["rows"], pos[0]), max(state["cols"], pos[1])
        elif state["cell"] is not None:
            state["content"] = True

    def end(name: str) -> None:
        local = _local(name)
        if local == "row":
            state["row"], state["col"] = state["row"] + 1, 0
        elif local == "c":
            if state["content"]:
                here = state["cell"]
                state["rows"], state["cols"] = max(state["rows"], here[0]), max(state["cols"], here[1])
                state["cells"] += 1
            state["cell"] = None

    def after_chunk() -> None:
        _check_size(path, sheet, state["rows"], state["cols"], limits, at_least=True)
        if state["cells"] > limits.max_cells:
            raise WorkbookError(TooLarge(sheet, state["rows"], state["cols"], limits, at_least=True).finding(path))

    _parse(path, chunks, start, end, after_chunk)
    return state["rows"], state["cols"]


def _attribute(attrs: dict[str, str], suffix: str) -> str | None:
    """The value of the attribute whose local name is ``suffix``, whatever its prefix."""
    for key, value in attrs.items():
        if _local(key) == suffix:
            return value
    return None


def _repeat(attrs: dict[str, str], which: str) -> int:
    value = (_attribute(attrs, f"number-{which}-repeated") or "1").strip()
    if not value.isdigit():
        return 1
    return _HUGE if len(value.lstrip("0")) > 12 else max(int(value), 1)


def _scan_ods(path: str, package: _Package, info: zipfile.ZipInfo, limits: Limits) -> None:
    """Each table of content.xml with its repeated rows and columns expanded, as python-calamine expands them.

    Trailing empty rows and cells (LibreOffice writes a million of them) cost nothing; any with content (a
    value type, or a child element), or followed by content, count.
    """
    state = {"name": "?", "row": 0, "height": 0, "width": 0, "row_repeat": 1, "col": 0, "row_end": 0,
             "in_cell": False, "content": False}

    def start(name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if local == "table":
            state.update(name=_attribute(attrs, "name") or "?", row=0, height=0, width=0)
        elif local == "table-row":
            state.update(row_repeat=_repeat(attrs, "rows"), col=0, row_end=0)
        elif local in ("table-cell", "covered-table-cell"):
            state["col"] += _repeat(attrs, "columns")
            state.update(in_cell=True, content=_attribute(attrs, "value-type") is not None)
        elif state["in_cell"]:
            state["content"] = True

    def end(name: str) -> None:
        local = _local(name)
        if local in ("table-cell", "covered-table-cell"):
            if state["content"]:
                state["row_end"] = state["col"]
            state["in_cell"] = False
        elif local == "table-row":
            if state["row_end"]:
                state["height"] = state["row"] + state["row_repeat"]
                state["width"] = max(state["width"], state["row_end"])
                height, width = state["height"], state["width"]
                if height > limits.max_rows or height * width > limits.max_cells:  # stop early: rows only grow
                    _check_size(path, state["name"], height, width, limits, at_least=True)
            state["row"] += state["row_repeat"]
        elif local == "table":
            _check_size(path, state["name"], state["height"], state["width"], limits)
            state.update(row=0, height=0, width=0)

    _parse(path, package.xml(info), start, end, lambda: None)
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


_CELL = re.compile(rb'<c\b([^>]*?)(?:/>|>(.*?)</c>)', re.S)
_REF = re.compile(rb'\br="([A-Z]+[0-9]+)"')
_VALUE = re.compile(rb'<v>[^<]')


def _formula_cells(xml: bytes) -> set[str]:
    """The cells of a worksheet's XML that hold a formula but no cached value."""
    if b"<f" not in xml:  # most applications have no formulas at all
        return set()
    cells = set()
    for attrs, body in _CELL.findall(xml):
        if body and b"<f" in body and not _VALUE.search(body):
            ref = _REF.search(attrs)
            if ref:
                cells.add(ref.group(1).decode())
    return cells


def sheet_parts(data: bytes) -> dict[str, str]:
    """For an .xlsx (its bytes), each worksheet's zip part → the sheet's name."""
    from defusedxml import ElementTree as SafeET

    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel_ns = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            workbook = SafeET.fromstring(archive.read("xl/workbook.xml"))
            rels = SafeET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except Exception:  # noqa: BLE001 - the reader's own findings stand without this refinement
        return {}
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    parts = {}
    for sheet in workbook.iter(f"{main}sheet"):
        target = targets.get(sheet.get(f"{rel_ns}id"), "")
        part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        parts[part] = sheet.get("name", "")
    return parts
