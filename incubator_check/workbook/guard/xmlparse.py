"""XML as the guard reads it: in UTF-8 pieces, with no DTD, through expat.

The zip container (``_zip``) inflates each XML part into pieces; this module transcodes a UTF-16 or UTF-32
part to UTF-8, finds a DTD or entity declaration in any case, feeds pieces to expat (``_parse``) and reads a
count as python-calamine parses it (``_count``). Shared by the worksheet, the workbook parts and the ``.ods``.
"""

from __future__ import annotations

import codecs
import re
from typing import Iterable, Iterator

from .limits import _HUGE, _error

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


def _count(text: str) -> int:
    """A count as python-calamine parses it (Rust's ``str::parse::<u32>`` also takes a leading ``+``), read generously:
    surrounding spaces allowed, and a count too long for 32 bits taken as huge rather than refused; not a number: 1."""
    text = text.strip().removeprefix("+")
    if not text or not text.isascii() or not text.isdigit():
        return 1
    return _HUGE if len(text.lstrip("0")) > 12 else int(text)


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
        raise _error(path, "file-corrupt:xml", error=exc) from None
