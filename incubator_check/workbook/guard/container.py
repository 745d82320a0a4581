"""The zip container of an ``.xlsx`` or ``.ods``, and the walk over its members.

The zip directory (member count, declared sizes, compression ratios, unsafe or ambiguous names, Word and
PowerPoint packages); the members by the names python-calamine finds them under (:class:`_Members`); each member
inflated once in bounded pieces, held to its declared size and CRC, its XML with no DTD (:class:`_Package`); the
workbook parts python-calamine opens and the sheets and shared strings they lead to; macros and Strict OOXML.
Each worksheet is measured by ``_sheet``, an ``.ods`` table by ``_ods``, every other member drained.
"""

from __future__ import annotations

import io
import posixpath
import struct
import zipfile
import zlib
from typing import NamedTuple

from .limits import MiB, Limits, Unusual, _Budget, _error
from .ods import _scan_ods
from . import sheet as _sheet
from .sheet import SCREEN_BYTES, _SharedStrings, _scan_shared_strings, _scan_worksheet, _screen_worksheet
from .package import _Package
from .xmlparse import _drain, _local, _parse, _xml_encoding

_STRICT_NS = b"http://purl.oclc.org/ooxml/spreadsheetml/main"
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _fold(name: str) -> str:
    """A member name as python-calamine looks it up: ``\\`` read as ``/``, ASCII letters in either case
    (only ASCII: it finds ``XL/Sheet.xml`` for ``xl/sheet.xml``, not ``É`` for ``é``)."""
    name = name.replace("\\", "/")
    return name.lower() if name.isascii() else name.translate(_ASCII_LOWER)  # lower() of ASCII is the same, faster


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
            raise _error(path, "file-corrupt:two-names", member=info.filename, name=name)
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
                raise _error(path, "zip-unsafe-path", name=name)
            key = _fold(name)
            if key in self.by_fold:
                other = self.names[id(self.by_fold[key])]
                if other == name:
                    raise _error(path, "file-corrupt:same-name", name=name)
                raise _error(path, "file-corrupt:folded-names", other=other, name=name)
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


#: The elements of the relationship and workbook parts parsed lately, by (the part's bytes, the names wanted): a
#: batch's workbooks, made from one template, mostly share them byte for byte. Parts up to this size, up to this many
#: (then all are forgotten and the table starts again).
_ELEMENTS_BYTES, _ELEMENTS_KEPT = 64 * 1024, 64
_ELEMENTS: dict[tuple[bytes, frozenset[str]], tuple[tuple[str, dict[str, str]], ...]] = {}


def _elements(path: str, data: bytes, wanted: frozenset[str]) -> list[tuple[str, dict[str, str]]]:
    """The elements of a small XML part whose local name is in ``wanted``, with their attributes, as expat reads
    them (entities decoded; a duplicate attribute, which python-calamine would take the last of, is refused).

    What expat makes of the same bytes is the same every time (``path`` only names the file in a refusal, and a
    refused part is never kept), so a part seen lately is answered from :data:`_ELEMENTS`, with copies of the
    attributes: nothing a caller does to them reaches another workbook's answer."""
    key = (data, wanted)
    known = _ELEMENTS.get(key) if len(data) <= _ELEMENTS_BYTES else None
    if known is not None:
        return [(local, dict(attrs)) for local, attrs in known]
    found: list[tuple[str, dict[str, str]]] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if local in wanted:
            found.append((local, attrs))

    _parse(path, [data], start, lambda name: None, lambda: None)
    if len(data) <= _ELEMENTS_BYTES:
        if len(_ELEMENTS) >= _ELEMENTS_KEPT:
            _ELEMENTS.clear()  # all forgotten at once: one step, whatever else runs meanwhile
        _ELEMENTS[key] = tuple((local, dict(attrs)) for local, attrs in found)
    return found


def _relationships(path: str, data: bytes) -> list[dict[str, str]]:
    return [attrs for _, attrs in _elements(path, data, frozenset({"Relationship"}))] if data else []


def _check_zip(path: str, data: bytes, limits: Limits, screen: bool = False) -> dict[str, set[str]]:
    """The package's checks, in order; every worksheet measured cell by cell, or with ``screen`` bounded by
    ``_screen_worksheet`` (which raises :class:`Unusual` for what it cannot bound). Returns the formula cells."""
    handle = io.BytesIO(data)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError, struct.error) as exc:
        raise _error(path, "file-corrupt:zip", error=exc) from None
    with archive:
        infos = archive.infolist()
    if len(infos) > limits.max_members:
        raise _error(path, "zip-too-many-members", count=len(infos), limit=limits.max_members)
    members = _Members(path, infos)
    inflated = sum(m.file_size for m in infos)
    if inflated > limits.max_inflated_bytes:
        raise _error(path, "zip-bomb", size=inflated // MiB, limit=limits.max_inflated_bytes // MiB)
    for m in infos:
        if m.file_size > MiB and m.file_size > limits.max_member_ratio * max(m.compress_size, 1):
            raise _error(path, "zip-bomb:ratio", name=m.filename, ratio=limits.max_member_ratio)
    if members.get("word/document.xml"):
        raise _error(path, "not-a-workbook:docx")
    if members.get("ppt/presentation.xml"):
        raise _error(path, "not-a-workbook:pptx")
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
        raise _error(path, "file-macro-enabled")
    workbooks = _workbook_parts(path, members, read_xml)
    if not is_ods and not workbooks:
        raise _error(path, "not-a-workbook:zip")
    sheets: dict[int, str] = {}  # id(info) → its sheet's name
    parts: dict[str, str] = {}  # member name → its sheet's name, as sheet_parts gives them
    strings: list[zipfile.ZipInfo] = []
    for part, workbook in workbooks:
        if _STRICT_NS in workbook:
            raise _error(path, "file-strict-ooxml")
        found, shared = _workbook_sheets(path, part, workbook, members, read_xml)
        for info, label in found.items():
            sheets.setdefault(id(info), label)
            parts.setdefault(members.name(info), label)
        strings += [s for s in shared if s not in strings]
    budget = _Budget(path, limits)
    lengths = _SharedStrings.empty()
    for info in strings:  # before the sheets, which refer to them
        done.add(id(info))
        lengths = lengths.union(_scan_shared_strings(path, package, info, members.name(info), budget))
    formulas: dict[str, set[str]] = {}
    screened: dict[str, bytes] = {}  # member name → the worksheet inflated, for the looks (_passed)
    for m in infos:
        if id(m) in done:
            continue
        name = members.name(m)
        key = _fold(name)
        if id(m) in sheets or (key.endswith(".xml") and "worksheets/" in key):
            sheet = sheets.get(id(m), name)
            if not screen:
                cells, _ = _scan_worksheet(path, package, m, sheet, limits, lengths, budget)
            elif m.file_size <= min(SCREEN_BYTES, _sheet._MAX_PIECE):  # the full scan would read it in one piece
                xml = screened[name] = b"".join(package.raw(m))
                cells = _screen_worksheet(path, package, m, xml, sheet, limits, lengths, budget)
            else:
                raise Unusual(sheet)
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
    try:
        inflated = _inflated_for_looks(data, infos, members, package, parts, screened)
    except Exception:  # noqa: BLE001 - never: the guard read all of it; the looks then read through zipfile, as before
        inflated = None, None
    _PASSED[0] = _Passed(data, parts, *inflated)
    return formulas


class _Passed(NamedTuple):
    """What the guard found in the package it passed last, for the reader that opens it next (:data:`_PASSED`)."""

    data: bytes
    parts: dict[str, str]  # worksheet member → sheet name, as sheet_parts gives them
    #: The worksheets the screen inflated (member → bytes) and the bytes of the styles part (None: there is none),
    #: when these are exactly the bytes ``zipfile`` would read for the looks (``looks.sheet_looks``); else None.
    sheets: dict[str, bytes] | None
    styles: bytes | None


#: The package the guard passed last (:class:`_Passed`): the reader asks :func:`sheet_parts` of the same bytes right
#: after, and the looks want the worksheets and styles inflated; they get what the guard built and inflated with
#: the same functions, not a second walk over the zip directory and the workbook's relationships, nor a second
#: inflation. One slot, compared by identity (bytes are immutable: what the same object holds cannot change); the
#: reader empties it when it is done (:func:`forget_passed`), so no file's parts outlive its read.
_PASSED: list[_Passed | None] = [None]


def forget_passed() -> None:
    """Empty :data:`_PASSED`."""
    _PASSED[0] = None


def passed(data: bytes) -> _Passed | None:
    """What the guard found in these bytes (the same object) if it passed them last, else None."""
    last = _PASSED[0]
    return last if last is not None and last.data is data else None


def _inflated_for_looks(data: bytes, infos: list[zipfile.ZipInfo], members: _Members, package: _Package,
                        parts: dict[str, str], screened: dict[str, bytes]) -> tuple[dict[str, bytes] | None, bytes | None]:
    """The screened worksheets and the styles part for the looks, or (None, None) where the looks must read them
    through ``zipfile`` as before: the looks find a part by its lower-cased name among ``zipfile``'s names and read
    it with ``ZipFile.read``, which also refuses a local header that names another file or a flag it does not
    support. The bytes are the same only when every member is named as ``zipfile`` names it, no two alike in lower
    case, each worksheet was screened (inflated whole, held to its size and CRC) and every part read passes those
    checks of ``zipfile``'s."""
    lowered = set()
    for info in infos:
        name = members.name(info)
        if name != info.filename or name.lower() in lowered:
            return None, None
        lowered.add(name.lower())
    if not parts or any(part not in screened or not _zipfile_opens(data, members.get(part)) for part in parts):
        return None, None
    styles = next((info for info in infos if info.filename.lower() == "xl/styles.xml"), None)
    if styles is None:
        return {part: screened[part] for part in parts}, None
    if not _zipfile_opens(data, styles):
        return None, None
    return {part: screened[part] for part in parts}, b"".join(package.raw(styles))  # passed the guard: its size and CRC hold


def _zipfile_opens(data: bytes, info: zipfile.ZipInfo | None) -> bool:
    """Whether ``zipfile.ZipFile.open`` accepts this member's local header (Python 3.11's checks: the signature,
    no patched or strongly encrypted data, the header's name decoded as its flag says equal to the directory's)."""
    if info is None or info.flag_bits & 0x60:
        return False
    at = info.header_offset
    local = data[at:at + 30]
    if len(local) != 30 or local[:4] != b"PK\x03\x04":
        return False
    flags, = struct.unpack_from("<H", local, 6)
    name_len, = struct.unpack_from("<H", local, 26)
    try:
        name = data[at + 30:at + 30 + name_len].decode("utf-8" if flags & 0x800 else "cp437")
    except UnicodeDecodeError:
        return False
    return name == info.orig_filename


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

def sheet_parts(data: bytes) -> dict[str, str]:
    """For an .xlsx (its bytes), each worksheet's zip member → the sheet's name, found as :func:`check_data` finds
    them (so the keys are those of the formula cells it returns)."""
    known = passed(data)
    if known is not None:
        return dict(known.parts)
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
