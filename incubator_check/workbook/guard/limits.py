"""The limits one workbook must keep, and the refusals every format's check raises.

:class:`Limits` bounds what a workbook may cost to read; :class:`TooLarge` is a sheet over the row, column or cell
limit; :class:`_Budget` counts the text python-calamine would build against ``Limits.max_text_bytes``. Every
refusal is a :class:`WorkbookError` carrying one ERROR :class:`Finding` of the catalogue (``_error``).
"""

from __future__ import annotations

from dataclasses import dataclass

from ...errors import WorkbookError
from ...findings import Bilingual, Finding, from_catalogue

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


class Unusual(Exception):
    """The screen (``check_data`` without ``full``) met something it does not measure exactly: the full scan decides."""


def _error(path: str, key: str, **params: object) -> WorkbookError:
    """The refusal of a file: the catalogue's finding ``key`` (``code`` or ``code:variant``) with its parameters."""
    return WorkbookError(from_catalogue(key, path, **params))


#: How sure a sheet's size is: read to its end, or refused part way (``{at_least}`` in ``sheet-too-large``).
_AT_LEAST = {False: Bilingual("", ""), True: Bilingual("至少", "at least ")}


class TooLarge(Exception):
    """A sheet exceeds the row, column or cell limit."""

    def __init__(self, sheet: str, rows: int, columns: int, limits: Limits, at_least: bool = False):
        super().__init__(sheet)
        self.sheet, self.rows, self.columns, self.limits, self.at_least = sheet, rows, columns, limits, at_least

    def finding(self, path: str) -> Finding:
        lim = self.limits
        return from_catalogue("sheet-too-large", path, sheet=self.sheet, at_least=_AT_LEAST[self.at_least],
                              rows=self.rows, columns=self.columns, max_rows=lim.max_rows, max_columns=lim.max_columns,
                              max_cells=lim.max_cells)

    def exceeds(self) -> bool:
        lim = self.limits
        return self.rows > lim.max_rows or self.columns > lim.max_columns or self.rows * self.columns > lim.max_cells


def _check_size(path: str, sheet: str, rows: int, columns: int, limits: Limits, at_least: bool = False) -> None:
    too_large = TooLarge(sheet, rows, columns, limits, at_least)
    if too_large.exceeds():
        raise WorkbookError(too_large.finding(path))


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
            raise _error(self.path, "text-too-large:sheet" if sheet else "text-too-large", size=self.used // MiB,
                         limit=self.limit // MiB, name=sheet)
