"""The file as a whole: read once, its format sniffed, handed to its format's check.

:func:`read_bytes` reads a regular file once, within ``Limits.max_file_bytes``; :func:`check_data` tells a
compound file (``.xls``: ``_ole``) from a zip (``.xlsx``, ``.ods``: ``_zip``) from anything else (``not-a-workbook``,
saying what it looks like); :func:`unreadable` is the finding for a file python-calamine itself could not read.
"""

from __future__ import annotations

import os
import stat

from ..errors import WorkbookError
from ..findings import Finding, Severity
from ._limits import MiB, Limits, _error
from ._ole import _check_ole
from ._zip import _check_zip

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")


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
