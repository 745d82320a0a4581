"""Crafted names and links for a reviewer's folder: what a stranger's zip or share can put there.

``build_names(folder, good)`` makes each case in ``folder`` (a good workbook's bytes, or a link or
special file) and returns ``{name: NameCase}``; :data:`NAME_CASES` says what each is and what the
batch must answer: ``None`` for a normal report of the good workbook, else the ERROR code. Every
case gets its own row; none may hang, crash or be skipped silently.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from incubator_check._text import json_text


@dataclass(frozen=True)
class NameCase:
    path: Path
    shown: str  # source.path in the batch's JSON (relative, escaped where UTF-8 cannot hold it)
    code: str | None
    path_exists_for_click: bool = True  # False: `check PATH` is a usage error (exit 2), as for any missing path


NAME_CASES: dict[str, tuple[str, str | None]] = {
    "good.xlsx": ("the good workbook itself", None),
    "  spaces 与 中文 申报表.xlsx": ("spaces, leading too, and Chinese", None),
    "two\nlines.xlsx": ("a newline in the name", None),
    "ctrl\x01\x07\x7f.xlsx": ("control characters and DEL", None),
    "ansi\x1b[31mred.xlsx": ("a terminal escape sequence", None),
    "\udcff\udcfe-not-utf8.xlsx": ("bytes that are not UTF-8 (0xff 0xfe)", None),
    '=HYPERLINK("http:x","y").xlsx': ("a formula as the name", None),
    "rtl-\u202egnp.xlsx": ("a right-to-left override", None),
    "长" * 80 + ".xlsx": ("a 245-byte name", None),
    "link-outside.xlsx": ("a link to a good workbook outside the folder", None),
    "link-to-good.xlsx": ("a link to good.xlsx in the same folder", "same-file"),
    "hardlink-good.xlsx": ("a hard link to good.xlsx", "same-file"),
    "link-to-dev-zero.xlsx": ("a link to /dev/zero (endless zeros)", "file-unreadable"),
    "link-to-dev-urandom.xlsx": ("a link to /dev/urandom", "file-unreadable"),
    "link-to-folder.xlsx": ("a link to a folder", "file-unreadable"),
    "dangling.xlsx": ("a link to nothing", "file-unreadable"),
    "loop.xlsx": ("a link to itself", "file-unreadable"),
    "fifo.xlsx": ("a named pipe with no writer", "file-unreadable"),
}


def build_names(folder: str | os.PathLike[str], good: str | os.PathLike[str]) -> dict[str, NameCase]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    outside = folder.parent / "outside-the-folder.xlsx"
    shutil.copyfile(good, outside)
    made: dict[str, NameCase] = {}
    for name, (_, code) in NAME_CASES.items():
        path = folder / name
        exists = True
        try:
            if name == "link-outside.xlsx":
                path.symlink_to(outside)
            elif name == "link-to-good.xlsx":
                path.symlink_to("good.xlsx")
            elif name == "hardlink-good.xlsx":
                os.link(folder / "good.xlsx", path)
            elif name == "link-to-dev-zero.xlsx":
                path.symlink_to("/dev/zero")
            elif name == "link-to-dev-urandom.xlsx":
                path.symlink_to("/dev/urandom")
            elif name == "link-to-folder.xlsx":
                (folder.parent / "a-folder").mkdir(exist_ok=True)
                path.symlink_to(folder.parent / "a-folder")
                exists = False  # click: a folder where a file is expected
            elif name == "dangling.xlsx":
                path.symlink_to(folder / "no-such-file.xlsx")
                exists = False
            elif name == "loop.xlsx":
                path.symlink_to(path)
                exists = False
            elif name == "fifo.xlsx":
                os.mkfifo(path)
            else:
                shutil.copyfile(good, path)
        except (OSError, NotImplementedError, AttributeError, UnicodeEncodeError):
            continue  # this platform or file system cannot hold it
        made[name] = NameCase(path, json_text(name), code, exists)
    return made
