"""The limits one workbook must keep, and the refusals every format's check raises.

:class:`Limits` bounds what a workbook may cost to read; :class:`TooLarge` is a sheet over the row, column or cell
limit; :class:`_Budget` counts the text python-calamine would build against ``Limits.max_text_bytes``. Every
refusal is a :class:`WorkbookError` carrying one ERROR :class:`Finding` (``_error``, ``_corrupt``, ``_encrypted``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ..errors import WorkbookError
from ..findings import Finding, Severity

MiB = 1 << 20
#: A count or an index past any limit (a number too long to be worth reading).
_HUGE = 1 << 40


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
    max_text_bytes: int = 128 * MiB  # the text python-calamine would hold: shared strings, and each cell's copy of one


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


def _encrypted(path: str) -> WorkbookError:
    return _error(path, "file-encrypted", "工作簿设有打开密码（已加密），无法读取；请去除密码后另存",
                  "the workbook is password-protected (encrypted) and cannot be read; remove the password and save again")


class _Budget:
    """The text python-calamine would hold for the workbook, against ``Limits.max_text_bytes``.

    Amplification inside every other limit: one shared string is copied into every cell that refers to it, and an
    .ods cell's text into every column and row it is repeated over, so a small file can make gigabytes of text.
    """

    #: What a Rust String costs beyond its bytes (python-calamine holds every shared string as one).
    STRING_OVERHEAD = 24

    def __init__(self, path: str, limits: Limits):
        self.path, self.limit, self.used = path, limits.max_text_bytes, 0

    def add(self, n: int, sheet: str | None = None) -> None:
        self.used += n
        if self.used > self.limit:
            where_zh = f"（工作表「{sheet}」）" if sheet else ""
            where_en = f" (sheet '{sheet}')" if sheet else ""
            raise _error(self.path, "text-too-large",
                         f"读取时将生成至少 {self.used // MiB} MiB 的文字{where_zh}，超过上限 {self.limit // MiB} MiB"
                         f"（同一段文字被大量单元格重复引用或重复）；请删除重复的长文字后另存",
                         f"reading it would build at least {self.used // MiB} MiB of text{where_en}, over the limit of "
                         f"{self.limit // MiB} MiB (one text repeated in very many cells); remove the repeated long text "
                         f"and save again")
