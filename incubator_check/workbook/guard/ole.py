"""The compound file of an ``.xls`` (CFB) and the BIFF workbook stream inside it.

A strict reading of the Compound File Binary format (:class:`_Cfb`: sector chains that loop or leave the file are
refused), encryption (an encrypted OOXML package, ``FILEPASS``), Word documents, and the BIFF records as
python-calamine parses them (``_check_biff``): every cell, ``MULRK``, ``DIMENSIONS`` and ``MERGEDCELLS`` record
within :class:`Limits`, the records it indexes unchecked long enough, the shared strings within the text budget.
"""

from __future__ import annotations

import struct
from array import array
from collections import Counter
from typing import Iterator

from ...errors import WorkbookError
from .limits import Limits, TooLarge, _Budget, _check_size, _error

def _check_ole(path: str, data: bytes, limits: Limits) -> None:
    # What the compound file holds is decided by its directory entries' names, never by a search of the bytes:
    # a cell may hold the text "EncryptionInfo" (a tenant's name) and the file is no less a plain workbook.
    try:
        cfb = _Cfb(data)
    except _CfbError as exc:
        raise _error(path, "file-corrupt:compound-file", error=exc) from None
    names = {name for name, _, _ in cfb.entries[1:]}
    if "EncryptedPackage" in names or "EncryptionInfo" in names:
        raise _error(path, "file-encrypted")
    if "WordDocument" in names:
        raise _error(path, "not-a-workbook:word")
    if "Workbook" not in names and "Book" not in names:
        raise _error(path, "not-a-workbook:compound-file")
    try:
        stream = cfb.stream("Workbook")
        if stream is None:
            stream = cfb.stream("Book")
    except _CfbError as exc:
        raise _error(path, "file-corrupt:compound-file", error=exc) from None
    if stream is None:
        raise _error(path, "not-a-workbook:compound-file")
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
        return _error(path, "file-corrupt:biff", error=what)

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
                raise _error(path, "file-encrypted")
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
