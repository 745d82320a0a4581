"""The gate in front of the reader: what a file must be before it is opened, and the limits it must keep.

A ``.xlsx`` or ``.ods`` is a zip of XML. Before python-calamine inflates anything,
the zip directory is checked: member count, inflated size, compression ratio,
member names, DTDs in any XML part (entity expansion, external entities),
encryption, macros and strict OOXML. Every refusal is a :class:`Finding` with a
stable code, carried by :class:`WorkbookError`; nothing here writes to the file.
"""

from __future__ import annotations

import os
import re
import zipfile
import zlib
from dataclasses import dataclass

from .errors import WorkbookError
from .findings import Finding, Severity

MiB = 1 << 20


@dataclass(frozen=True)
class Limits:
    """Bounds on what one workbook may cost to read. All configurable; the defaults are documented in the README."""

    max_file_bytes: int = 50 * MiB
    max_inflated_bytes: int = 256 * MiB  # all zip members together, as the zip directory declares them
    max_member_ratio: int = 200  # inflated ÷ compressed, for any member over 1 MiB inflated
    max_members: int = 2000
    max_rows: int = 100_000  # per sheet
    max_columns: int = 500  # per sheet


def _error(path: str, code: str, zh: str, en: str) -> WorkbookError:
    return WorkbookError(Finding(code=code, severity=Severity.ERROR, message_zh=f"{os.path.basename(path)}：{zh}",
                                 message_en=f"{os.path.basename(path)}: {en}", file=path))


class TooLarge(Exception):
    """A sheet exceeds the row or column limit."""

    def __init__(self, sheet: str, rows: int, columns: int, limits: Limits):
        super().__init__(sheet)
        self.sheet, self.rows, self.columns, self.limits = sheet, rows, columns, limits

    def finding(self, path: str) -> Finding:
        return Finding(code="sheet-too-large", severity=Severity.ERROR, file=path, sheet=self.sheet,
                       message_zh=f"{os.path.basename(path)}：工作表「{self.sheet}」有 {self.rows} 行 × {self.columns} 列，"
                                  f"超过上限 {self.limits.max_rows} 行 × {self.limits.max_columns} 列",
                       message_en=f"{os.path.basename(path)}: sheet '{self.sheet}' has {self.rows} rows × {self.columns} columns, "
                                  f"over the limit of {self.limits.max_rows} rows × {self.limits.max_columns} columns")


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


def check_file(path: str, limits: Limits) -> dict[str, set[str]]:
    """Refuse, before parsing, a file that is not a workbook or would cost more than the limits.

    For an .xlsx, return the cells of each worksheet part that hold a formula with no cached value
    (python-calamine reads those as empty), found in the same pass over the zip.
    """
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as handle:
            head = handle.read(8192)
    except OSError as exc:
        raise _error(path, "file-unreadable", f"无法打开文件（{exc.strerror}）", f"cannot open the file ({exc.strerror})") from None
    if size > limits.max_file_bytes:
        raise _error(path, "file-too-large", f"文件大小 {size // MiB} MiB，超过上限 {limits.max_file_bytes // MiB} MiB",
                     f"the file is {size // MiB} MiB, over the limit of {limits.max_file_bytes // MiB} MiB")
    if head.startswith(_OLE):
        _check_ole(path)
        return {}
    if head.startswith(_ZIP):
        return _check_zip(path, limits)
    zh, en = _what_is_it(head)
    raise _error(path, "not-a-workbook", f"不是 Excel/WPS/LibreOffice 工作簿，看起来是{zh}；请提交 .xlsx、.xls 或 .ods 文件",
                 f"not an Excel/WPS/LibreOffice workbook; it looks like {en}. Submit an .xlsx, .xls or .ods file")


def _check_ole(path: str) -> None:
    with open(path, "rb") as handle:
        data = handle.read()
    if "EncryptedPackage".encode("utf-16-le") in data or "EncryptionInfo".encode("utf-16-le") in data:
        raise _error(path, "file-encrypted", "工作簿设有打开密码（已加密），无法读取；请去除密码后另存",
                     "the workbook is password-protected (encrypted) and cannot be read; remove the password and save again")
    if "WordDocument".encode("utf-16-le") in data:
        raise _error(path, "not-a-workbook", "这是 Word 文档，不是工作簿", "this is a Word document, not a workbook")
    if "Workbook".encode("utf-16-le") not in data and "Book".encode("utf-16-le") not in data:
        raise _error(path, "not-a-workbook", "这是 Office 复合文档，但不含工作簿", "an Office compound file with no workbook in it")


def _check_zip(path: str, limits: Limits) -> dict[str, set[str]]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError) as exc:
        raise _error(path, "file-corrupt", f"压缩包已损坏或不完整（{exc}），请重新保存后提交",
                     f"the zip container is corrupt or truncated ({exc}); save the workbook again") from None
    with archive:
        members = archive.infolist()
        if len(members) > limits.max_members:
            raise _error(path, "zip-too-many-members", f"压缩包内有 {len(members)} 个文件，超过上限 {limits.max_members}",
                         f"the zip holds {len(members)} members, over the limit of {limits.max_members}")
        names = {m.filename for m in members}
        for m in members:
            name = m.filename.replace("\\", "/")
            if name.startswith("/") or ".." in name.split("/") or (len(name) > 1 and name[1] == ":"):
                raise _error(path, "zip-unsafe-path", f"压缩包内含不安全的路径「{m.filename}」",
                             f"the zip holds an unsafe member path '{m.filename}'")
        inflated = sum(m.file_size for m in members)
        if inflated > limits.max_inflated_bytes:
            raise _error(path, "zip-bomb", f"解压后大小 {inflated // MiB} MiB，超过上限 {limits.max_inflated_bytes // MiB} MiB（疑似压缩炸弹）",
                         f"it would inflate to {inflated // MiB} MiB, over the limit of {limits.max_inflated_bytes // MiB} MiB (a zip bomb?)")
        for m in members:
            if m.file_size > MiB and m.file_size > limits.max_member_ratio * max(m.compress_size, 1):
                raise _error(path, "zip-bomb", f"「{m.filename}」的压缩比超过 {limits.max_member_ratio}:1（疑似压缩炸弹）",
                             f"member '{m.filename}' has a compression ratio over {limits.max_member_ratio}:1 (a zip bomb?)")
        if "word/document.xml" in names:
            raise _error(path, "not-a-workbook", "这是 Word 文档（.docx），不是工作簿", "this is a Word document (.docx), not a workbook")
        if "ppt/presentation.xml" in names:
            raise _error(path, "not-a-workbook", "这是 PowerPoint 演示文稿，不是工作簿", "this is a PowerPoint presentation, not a workbook")
        is_ods = "mimetype" in names and b"spreadsheet" in _read_head(archive, "mimetype", 200)
        if not is_ods and "xl/workbook.xml" not in names:
            raise _error(path, "not-a-workbook", "压缩包内没有工作簿（缺少 xl/workbook.xml）",
                         "a zip file with no workbook in it (no xl/workbook.xml)")
        content_types = _read_head(archive, "[Content_Types].xml", 1 << 16)
        if "xl/vbaProject.bin" in names or b"macroEnabled" in content_types:
            raise _error(path, "file-macro-enabled", "工作簿含宏（.xlsm），出于安全不予读取；请另存为 .xlsx",
                         "the workbook contains macros (.xlsm) and is refused for safety; save it as .xlsx")
        formulas: dict[str, set[str]] = {}
        for m in members:
            name = m.filename
            if not name.endswith((".xml", ".rels", ".vml")):
                continue
            # Worksheets are read whole (bounded by the inflated-size limit above) to find formulas as well;
            # every other part only as far as its prolog, where a DTD would have to be.
            worksheet = name.startswith("xl/worksheets/") and name.endswith(".xml")
            data = content_types if name == "[Content_Types].xml" else _read_head(archive, name, m.file_size + 1 if worksheet else 4096)
            head = data[:4096]
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise _error(path, "xml-dtd", f"「{name}」含 DTD/实体声明，出于安全不予读取（可能是实体膨胀或外部实体攻击）",
                             f"part '{name}' declares a DTD or entities, refused for safety (entity expansion or external entities)")
            if name == "xl/workbook.xml" and _STRICT_NS in head:
                raise _error(path, "file-strict-ooxml", "工作簿为 Strict Open XML 格式，请在 Excel 中另存为普通的「Excel 工作簿 (.xlsx)」",
                             "the workbook is in Strict Open XML format; save it as a regular 'Excel Workbook (.xlsx)'")
            if worksheet:
                cells = _formula_cells(data)
                if cells:
                    formulas[name] = cells
        return formulas


def _read_head(archive: zipfile.ZipFile, name: str, size: int) -> bytes:
    try:
        with archive.open(name) as member:
            return member.read(size)
    except KeyError:
        return b""
    except (zipfile.BadZipFile, OSError, RuntimeError, ValueError, EOFError, NotImplementedError, zlib.error) as exc:
        raise _error(archive.filename or "", "file-corrupt", f"「{name}」已损坏，无法解压（{exc}），请重新保存后提交",
                     f"part '{name}' is corrupt and cannot be inflated ({exc}); save the workbook again") from None


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


def sheet_parts(path: str) -> dict[str, str]:
    """For an .xlsx, each worksheet's zip part → the sheet's name."""
    from defusedxml import ElementTree as SafeET

    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel_ns = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    try:
        with zipfile.ZipFile(path) as archive:
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
