"""A zip's members inflated from the raw file in bounded pieces (:class:`_Package`): the type the container
scan, the worksheet scan and the ODS scan share, below all three so that none imports another for it."""

from __future__ import annotations

import os
import struct
import zipfile
import zlib
from typing import Iterator

from .limits import _error
from .xmlparse import _DTD, _prepend, _transcode, _xml_encoding

_CHUNK = 1 << 20  # inflate and scan in pieces of this size


class _Package:
    """Members of a zip inflated from the raw file in bounded pieces, each held to its declared size and CRC."""

    def __init__(self, path: str, handle):
        self.path = path
        self.handle = handle
        self.size = handle.seek(0, os.SEEK_END)

    def raw(self, info: zipfile.ZipInfo) -> Iterator[bytes]:
        """The inflated bytes of one member; refuse one that inflates past its declared size (a zip bomb)."""
        name, handle = info.filename, self.handle
        if info.flag_bits & 0x1:
            raise _error(self.path, "file-encrypted")
        if not 0 <= info.header_offset <= self.size - 30:
            raise _error(self.path, "file-corrupt:part-outside", name=name)
        handle.seek(info.header_offset)
        local = handle.read(30)
        if len(local) != 30 or local[:4] != b"PK\x03\x04":
            raise _error(self.path, "file-corrupt:part-header", name=name)
        name_len, extra_len = struct.unpack_from("<HH", local, 26)
        start = info.header_offset + 30 + name_len + extra_len
        left, size = info.compress_size, info.file_size
        if start + left > self.size:
            raise _error(self.path, "file-corrupt:part-truncated", name=name)
        handle.seek(start)
        produced = crc = 0
        if info.compress_type == zipfile.ZIP_STORED:
            if left != size:
                raise _error(self.path, "file-corrupt:part-size", name=name)
            while left:
                chunk = handle.read(min(_CHUNK, left))
                if not chunk:
                    raise _error(self.path, "file-corrupt:part-truncated", name=name)
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
                    raise _error(self.path, "file-corrupt:part-inflate", name=name, error=exc) from None
                pending = inflater.unconsumed_tail
                if out:
                    produced += len(out)
                    if produced > size:
                        raise _error(self.path, "zip-bomb:member", name=name, size=size)
                    crc = zlib.crc32(out, crc)
                    yield out
            if not inflater.eof:
                raise _error(self.path, "file-corrupt:part-deflate-truncated", name=name)
        else:
            raise _error(self.path, "file-corrupt:part-method", name=name, method=info.compress_type)
        if produced != size:
            raise _error(self.path, "file-corrupt:part-size", name=name)
        if crc != info.CRC:
            raise _error(self.path, "file-corrupt:part-crc", name=name)

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
                raise _error(self.path, "xml-dtd", name=name)
            tail = (tail + chunk)[-16:] if len(chunk) < 16 else chunk[-16:]
            yield chunk
