"""The file as a whole: read once, its format sniffed, handed to its format's check.

:func:`read_bytes` reads a regular file once, within ``Limits.max_file_bytes``; :func:`check_data` tells a
compound file (``.xls``: ``_ole``) from a zip (``.xlsx``, ``.ods``: ``_zip``) from anything else (``not-a-workbook``,
saying what it looks like); :func:`unreadable` is the finding for a file python-calamine itself could not read.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import stat
from typing import Iterator

from ...errors import WorkbookError
from ...findings import Bilingual, Finding, from_catalogue
from .limits import MiB, Limits, Unusual, _error
from .ole import _check_ole
from .container import _check_zip

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")


#: What a file that is not a workbook looks like (``{looks}`` in ``not-a-workbook``).
_LOOKS = {
    "pdf": Bilingual("PDF 文档", "a PDF document"),
    "image": Bilingual("图片", "an image"),
    "rtf": Bilingual("RTF 文档", "an RTF document"),
    "empty": Bilingual("空文件", "an empty file"),
    "html": Bilingual("网页（HTML）", "a web page (HTML)"),
    "csv": Bilingual("文本/CSV 文件", "a text/CSV file"),
    "text": Bilingual("文本文件", "a text file"),
    "unknown": Bilingual("未知格式的文件", "a file of unknown format"),
}


#: Files a folder of applications holds beside the workbooks, refused by their names with what to do instead.
_BY_SUFFIX = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".et": "wps", ".ett": "wps", ".zip": "archive",
              ".rar": "archive", ".7z": "archive"}


def _what_is_it(head: bytes) -> Bilingual:
    """What a file that is not a workbook looks like, in Chinese and English."""
    if head.startswith(b"%PDF"):
        return _LOOKS["pdf"]
    if head.startswith(b"\x89PNG") or head.startswith(b"\xff\xd8\xff") or head[:6] in (b"GIF87a", b"GIF89a"):
        return _LOOKS["image"]
    if head.startswith(b"{\\rtf"):
        return _LOOKS["rtf"]
    if not head:
        return _LOOKS["empty"]
    sample = head[:4096]
    for encoding in ("utf-8", "gb18030", "utf-16"):
        try:
            text = sample.decode(encoding)
        except UnicodeDecodeError:
            continue
        if text.lstrip().lower().startswith(("<html", "<!doctype html")):
            return _LOOKS["html"]
        if "," in text or "\t" in text:
            return _LOOKS["csv"]
        return _LOOKS["text"]
    return _LOOKS["unknown"]


def read_bytes(path: str, limits: Limits) -> bytes:
    """The file's bytes, read once: everything after this (the guard, python-calamine, the sha256) sees these bytes.

    Only a regular file is opened (a folder, a pipe or a device is refused before it can block), its size is
    checked before it is read, and the read stops one byte past the limit, so a file that grows while it is
    read, or is swapped for another, cannot make the answer disagree with what was checked.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        if os.path.isdir(path):  # Windows cannot open a folder at all (Permission denied): say what it is, as POSIX does
            raise _error(path, "file-unreadable:folder") from None
        raise _error(path, "file-unreadable:open", error=exc.strerror) from None
    try:
        info = os.fstat(fd)  # the file opened, not whatever the name points to by now
        if not stat.S_ISREG(info.st_mode):
            raise _error(path, "file-unreadable:folder" if stat.S_ISDIR(info.st_mode) else "file-unreadable:special-file")
        if info.st_size > limits.max_file_bytes:
            raise _too_big(path, info.st_size, limits)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            # Its size and one byte more, then, only if that byte came (it grew), the rest up to the limit: a read
            # of the limit's 50 MiB at once has that much allocated, then shrunk, for every 15 KB file of a batch.
            data = handle.read(info.st_size + 1)
            if len(data) > info.st_size:
                data += handle.read(limits.max_file_bytes + 1 - len(data))
    except OSError as exc:
        raise _error(path, "file-unreadable:read", error=exc.strerror) from None
    finally:
        os.close(fd)
    if len(data) > limits.max_file_bytes:  # it grew after the size check
        raise _too_big(path, len(data), limits)
    return data


def _too_big(path: str, size: int, limits: Limits) -> WorkbookError:
    return _error(path, "file-too-large", size=size // MiB, limit=limits.max_file_bytes // MiB)


def check_data(path: str, data: bytes, limits: Limits, full: bool | None = None) -> dict[str, set[str]]:
    """Refuse, before parsing, a file that is not a workbook or would cost more than the limits.

    ``data`` is the file's bytes (:func:`read_bytes`); ``path`` only names it in messages.
    For an .xlsx, return the cells of each worksheet part that hold a formula with no cached value
    (python-calamine reads those as empty), found in the same pass over the zip.

    An .xlsx is screened first: its worksheets are bounded with a few searches over each part (``_sheet``'s
    screen), which an ordinary workbook passes with the same answer; anything the screen does not bound, and any
    refusal, sends the file to the full scan, cell by cell, so that a refused file always gets the full scan's
    finding. ``full`` skips the screen; by default it is skipped inside :func:`full_scan_only` (a file whose reader
    died is checked again that way: ``docs/limits.md``).
    """
    if len(data) > limits.max_file_bytes:
        raise _too_big(path, len(data), limits)
    # By its name first: a folder's CSV, WPS file or archive gets the answer that tells the person what to do.
    suffix = os.path.splitext(path)[1].lower()
    if suffix in _BY_SUFFIX:
        kind = _BY_SUFFIX[suffix]
        if kind == "csv":
            raise _error(path, "not-a-workbook:csv")
        if kind == "wps":
            raise _error(path, "not-a-workbook:wps")
        raise _error(path, "not-a-workbook:archive")
    head = data[:8192]
    if head.startswith(_OLE):
        _check_ole(path, data, limits)
        return {}
    if head.startswith(_ZIP):
        if not (_FULL.get() if full is None else full):
            try:
                return _check_zip(path, data, limits, screen=True)
            except (Unusual, WorkbookError):
                pass  # the full scan decides, and names the finding
        return _check_zip(path, data, limits)
    raise _error(path, "not-a-workbook", looks=_what_is_it(head))


#: Whether the guard skips the screen here (:func:`full_scan`).
_FULL: contextvars.ContextVar[bool] = contextvars.ContextVar("incubator_check_full_guard", default=False)


@contextlib.contextmanager
def full_scan_only() -> Iterator[None]:
    """Within this block every workbook is guarded with the full scan (``check_data(..., full=True)``), whoever reads
    it: the reader pool checks a file again this way after its worker died (``_supervise``), so that a file the
    screen let by gets the full scan's finding, not the death's."""
    token = _FULL.set(True)
    try:
        yield
    finally:
        _FULL.reset(token)


def full_scan() -> bool:
    """Whether the reader is to guard with the full scan only (inside :func:`full_scan_only`)."""
    return _FULL.get()


def check_file(path: str, limits: Limits, full: bool | None = None) -> dict[str, set[str]]:
    """:func:`check_data` on the file's bytes (:func:`read_bytes`)."""
    return check_data(path, read_bytes(path, limits), limits, full)


def unreadable(path: str, exc: BaseException) -> Finding:
    """The finding for a file python-calamine could not read, by the kind of failure."""
    import python_calamine

    detail = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
    if isinstance(exc, python_calamine.PasswordError):
        return from_catalogue("file-encrypted:password", path)
    if isinstance(exc, (python_calamine.ZipError, python_calamine.XmlError)):
        return from_catalogue("file-corrupt", path, error=detail)
    return from_catalogue("file-unreadable", path, error=detail)
