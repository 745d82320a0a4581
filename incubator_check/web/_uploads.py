"""Uploads: stored under generated names in the app's private folder, with size, count and zip limits.

An uploaded file's name is only ever *shown* (escaped by the templates); no path is derived from it.
Stored files are ``<private dir>/<random>/in-<n>.<suffix>``, where the suffix is one of a fixed list chosen by
the name's extension (``.bin`` for a file that is not a workbook and that the guard does not know by name).
``secure_filename`` is not used: it turns ``申报表.xlsx`` into ``xlsx``.

A zip (a folder a reviewer compressed) is opened with limits on the member count, each member's and the
total inflated size (counted while inflating, whatever the zip's directory claims), and refused when it
holds another archive or a member whose name climbs out of the folder (``../``, an absolute path, a drive).
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import tempfile
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import IO, Any, Iterable

from flask import Request
from werkzeug.exceptions import RequestEntityTooLarge

WORKBOOK_SUFFIXES = (".xlsx", ".xls", ".ods", ".xlsm")
ARCHIVE_SUFFIXES = (".zip", ".rar", ".7z", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".zst", ".cab", ".arj", ".lzh", ".jar")
MiB = 1 << 20
_CHUNK = 1 << 16
_DRIVE = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True)
class UploadLimits:
    """The limits of one request; documented in docs/limits.md and web.md."""

    file_bytes: int = 20 * MiB  # each workbook, uploaded or inflated from a zip
    files: int = 2000  # workbooks per request (uploaded, or members of a zip)
    zip_bytes: int = 512 * MiB  # an uploaded zip itself
    zip_members: int = 2000  # entries in a zip, folders included
    zip_inflated: int = 1024 * MiB  # all members of a zip, inflated


class UploadError(Exception):
    """A request refused as a whole: 400 (bad input) or 413 (too large), with a message in both languages."""

    def __init__(self, status: int, code: str, zh: str, en: str):
        super().__init__(en)
        self.status, self.code, self.zh, self.en = status, code, zh, en


@dataclass
class Upload:
    display: str  # the uploaded name (or the path inside the zip), for showing only
    path: str  # the generated path it is stored under
    workbook: bool = True  # False: a file of several that is not named as a workbook (its row is the guard's ERROR)
    refused: Any = None  # a file of several past the per-file limit, never stored: its row is this finding's ERROR


@dataclass
class Batch:
    folder: str
    uploads: list[Upload] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # names in a zip that are not workbooks

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def display_name(raw: str | None) -> str:
    """An uploaded name as it is shown: the folders a browser sends with it (a dropped folder) kept as a relative
    path, without a drive, a root, ``.`` or ``..``; no control characters; not too long."""
    parts = [p for p in (raw or "").replace("\\", "/").split("/") if p not in ("", ".", "..")]
    if parts and _DRIVE.match(parts[0]):
        parts[0] = parts[0][2:]
        parts = [p for p in parts if p]
    return _clean("/".join(parts)) or "(unnamed)"


def _told_apart(uploads: list["Upload"]) -> None:
    """Two uploads shown under one name (two 申报表.xlsx from two folders, whose paths the browser did not
    send) get " (2)", " (3)"… before the suffix, so every output tells them apart."""
    seen: dict[str, int] = {}
    taken = {u.display for u in uploads}
    for upload in uploads:
        n = seen.get(upload.display, 0) + 1
        seen[upload.display] = n
        if n > 1:
            stem, suffix = os.path.splitext(upload.display)
            while f"{stem} ({n}){suffix}" in taken:
                n += 1
            upload.display = f"{stem} ({n}){suffix}"
            taken.add(upload.display)


def _clean(text: str) -> str:
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    return text.strip()[:200]


def suffix_of(name: str) -> str:
    return os.path.splitext(name)[1].lower()


class _CountingFile:
    """The temporary file werkzeug parses an uploaded file into, holding no more than the per-file limit.

    A zip past its limit refuses the request as it arrives (the zip is the whole batch). Any other file past the
    per-file limit is counted to its end but no longer stored (``over``): one file of several is then that file's
    ERROR row, and the others are checked (``save_uploads``); the request as a whole stays bounded by
    ``MAX_CONTENT_LENGTH``."""

    def __init__(self, handle: IO[bytes], limit: int, refuse: bool = False):
        self._handle, self._limit, self._refuse = handle, limit, refuse
        self.size, self.over = 0, False

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.size > self._limit:
            if self._refuse:
                raise RequestEntityTooLarge()
            if not self.over:
                self.over = True
                self._handle.truncate(0)  # what was kept of it is of no use: the disk holds none of it
            return len(data)
        return self._handle.write(data)

    def __getattr__(self, name: str):
        return getattr(self._handle, name)

    def __iter__(self):
        return iter(self._handle)


class PrivateRequest(Request):
    """Request whose uploaded files are parsed into the app's private folder, never the system's temp folder."""

    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        from flask import current_app

        folder = current_app.config["INCUBATOR_CHECK_TEMP"]
        limits: UploadLimits = current_app.config["UPLOAD_LIMITS"]
        is_zip = suffix_of(display_name(filename)) == ".zip"
        return _CountingFile(tempfile.TemporaryFile(dir=folder), limits.zip_bytes if is_zip else limits.file_bytes,
                             refuse=is_zip)


def _copy(source: IO[bytes], target: str, limit: int, budget: list[int] | None = None) -> None:
    """Copy a stream to a new file, refusing past ``limit`` (and past the shared ``budget`` of a zip)."""
    size = 0
    with open(target, "xb") as out:
        while True:
            chunk = source.read(_CHUNK)
            if not chunk:
                return
            size += len(chunk)
            if size > limit:
                raise UploadError(413, "file-too-large", f"有文件超过 {limit // MiB} MiB 的上限",
                                  f"a file is larger than the {limit // MiB} MiB limit")
            if budget is not None:
                budget[0] -= len(chunk)
                if budget[0] < 0:
                    raise UploadError(413, "zip-too-large", "压缩包解压后的总大小超过上限",
                                      "the zip inflates to more than the limit")
            out.write(chunk)


def new_batch(private: str) -> Batch:
    folder = os.path.join(private, "up-" + secrets.token_hex(12))
    os.mkdir(folder, 0o700)
    return Batch(folder)


def _stored_suffix(suffix: str) -> str:
    """The suffix a non-workbook is stored under: its own when the guard answers that suffix by name (a CSV, a
    WPS file, an archive: each with what to do), else a neutral one; the guard then says what the bytes look like."""
    from ..workbook.guard.file import _BY_SUFFIX  # the suffixes the guard refuses by name

    return suffix if suffix in _BY_SUFFIX else ".bin"


def _stored_name(batch: Batch, suffix: str) -> str:
    return os.path.join(batch.folder, f"in-{len(batch.uploads):06d}{suffix}")


def save_uploads(files: Iterable, private: str, limits: UploadLimits, allow_zip: bool = True) -> Batch:
    """Store the uploaded files (werkzeug FileStorage) and the workbooks of any zip among them."""
    files = [f for f in files if f is not None and (f.filename or "") != ""]
    if not files:
        raise UploadError(400, "no-file", "没有上传文件", "no file was uploaded")
    if len(files) > limits.files:
        raise UploadError(413, "too-many-files", f"一次最多上传 {limits.files} 个文件", f"at most {limits.files} files at a time")
    batch = new_batch(private)
    try:
        for storage in files:
            name = display_name(storage.filename)
            suffix = suffix_of(name)
            if getattr(storage.stream, "over", False) and suffix != ".zip":  # past the limit: nothing of it stored
                stored = _stored_name(batch, suffix if suffix in WORKBOOK_SUFFIXES else _stored_suffix(suffix))
                batch.uploads.append(Upload(name, stored, workbook=suffix in WORKBOOK_SUFFIXES,
                                            refused=_too_large(stored, storage.stream.size, limits)))
            elif suffix == ".zip" and allow_zip:
                _extract_zip(storage.stream, name, batch, limits)
            elif suffix in WORKBOOK_SUFFIXES:
                path = _stored_name(batch, suffix)
                _copy(storage.stream, path, limits.file_bytes)
                batch.uploads.append(Upload(name, path))
            elif len(files) > 1 and allow_zip:
                # One of several: checked like any entry of a folder by `batch`, so it is its own ERROR row saying
                # what it is and what to do (the guard's not-a-workbook), and counted: no uploaded file vanishes.
                path = _stored_name(batch, _stored_suffix(suffix))
                _copy(storage.stream, path, limits.file_bytes)
                batch.uploads.append(Upload(name, path, workbook=False))
            else:
                allowed = "、".join(WORKBOOK_SUFFIXES + ((".zip",) if allow_zip else ()))
                raise UploadError(400, "not-a-workbook", f"「{name}」不是申报表（应为 {allowed}）",
                                  f"'{name}' is not a workbook ({', '.join(WORKBOOK_SUFFIXES + (('.zip',) if allow_zip else ()))})")
            if len(batch.uploads) > limits.files:
                raise UploadError(413, "too-many-files", f"一次最多检查 {limits.files} 份申报表", f"at most {limits.files} workbooks at a time")
        refused = [u for u in batch.uploads if u.refused is not None]
        if refused and len(refused) == len(batch.uploads):  # nothing else to check: the request is refused as before
            raise UploadError(413, "file-too-large", f"「{refused[0].display}」超过 {limits.file_bytes // MiB} MiB 的上限",
                              f"'{refused[0].display}' is larger than the {limits.file_bytes // MiB} MiB limit")
        if not any(u.workbook for u in batch.uploads) and len(files) > 1 \
                and not any(suffix_of(display_name(f.filename)) == ".zip" for f in files):
            raise UploadError(400, "not-a-workbook", "上传的文件中没有申报表（.xlsx、.xls、.ods）",
                              "none of the uploaded files is a workbook (.xlsx, .xls, .ods)")
        if not any(u.workbook for u in batch.uploads):
            raise UploadError(400, "no-workbook", "压缩包中没有申报表（.xlsx、.xls、.ods）", "the zip holds no workbook (.xlsx, .xls, .ods)")
    except BaseException:
        batch.remove()
        raise
    order = sorted(range(len(batch.uploads)), key=lambda i: (batch.uploads[i].display, i))
    batch.uploads = [batch.uploads[i] for i in order]
    _told_apart(batch.uploads)
    return batch


def _member_name(info: zipfile.ZipInfo) -> str:
    """A member's name as its author wrote it: zips made on Chinese Windows store GBK names without the UTF-8 flag."""
    name = info.filename
    if not info.flag_bits & 0x800:
        try:
            raw = name.encode("cp437")
        except UnicodeEncodeError:
            return name
        for encoding in ("utf-8", "gb18030"):
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError:
                continue
    return name




def _extract_zip(stream: IO[bytes], zip_name: str, batch: Batch, limits: UploadLimits) -> None:
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise UploadError(400, "zip-corrupt", f"「{zip_name}」不是有效的 zip 压缩包", f"'{zip_name}' is not a valid zip file") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > limits.zip_members:
            raise UploadError(413, "zip-too-many-members", f"压缩包的条目超过 {limits.zip_members} 个",
                              f"the zip has more than {limits.zip_members} entries")
        if sum(i.file_size for i in infos) > limits.zip_inflated:
            raise UploadError(413, "zip-too-large", "压缩包解压后的总大小超过上限", "the zip inflates to more than the limit")
        budget = [limits.zip_inflated]
        for info in infos:
            name = _member_name(info)
            parts = name.replace("\\", "/").split("/")
            if name.startswith(("/", "\\")) or _DRIVE.match(name) or ".." in parts:
                raise UploadError(400, "zip-traversal", f"压缩包中的「{_clean(name)}」指向文件夹之外，已拒绝",
                                  f"the zip's member '{_clean(name)}' points outside its folder; refused")
            if info.is_dir():
                continue
            base = parts[-1]
            shown = _clean("/".join(p for p in parts if p))
            if suffix_of(base) in ARCHIVE_SUFFIXES:
                raise UploadError(400, "zip-nested", f"压缩包中含有另一个压缩包「{shown}」，请解压后再上传",
                                  f"the zip holds another archive '{shown}'; unpack it first")
            if suffix_of(base) not in WORKBOOK_SUFFIXES or base.startswith(("~$", ".~lock", "._")) or parts[0] == "__MACOSX":
                if parts[0] != "__MACOSX" and not base.startswith("._"):
                    batch.skipped.append(shown)
                continue
            if info.flag_bits & 0x1:
                raise UploadError(400, "zip-encrypted", "压缩包设置了密码，请解压后再上传", "the zip is password-protected; unpack it first")
            if len(batch.uploads) >= limits.files:
                raise UploadError(413, "too-many-files", f"一次最多检查 {limits.files} 份申报表", f"at most {limits.files} workbooks at a time")
            path = _stored_name(batch, suffix_of(base))
            if info.file_size > limits.file_bytes:  # as its directory says: not inflated, its own ERROR row
                batch.uploads.append(Upload(shown, path, refused=_too_large(path, info.file_size, limits)))
                continue
            try:
                with archive.open(info) as member:
                    _copy(member, path, limits.file_bytes, budget)
            except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, EOFError, NotImplementedError, RuntimeError):
                raise UploadError(400, "zip-corrupt", f"无法解压「{shown}」：压缩包已损坏", f"cannot unpack '{shown}': the zip is damaged") from None
            batch.uploads.append(Upload(shown, path))


def _too_large(stored: str, size: int, limits: UploadLimits):
    """The ERROR of a file past the per-file limit, as the guard words it for a file too large to read; named by
    its stored path, which the report's renamer turns into the uploaded name like every other."""
    from ..findings import from_catalogue

    return from_catalogue("file-too-large", stored, size=-(-size // MiB), limit=limits.file_bytes // MiB)  # 20.3 MiB: 21

