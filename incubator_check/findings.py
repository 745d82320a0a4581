"""Findings: problems in a submission, collected as data rather than raised.

Like frictionless's validation errors, a finding names where it is (file, sheet,
cell), what it is (a stable ``code``) and how bad it is (``severity``), with the
message in Chinese and English. The reader collects all of them at once.
"""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, ConfigDict


class Severity(str, Enum):
    """How much a finding matters."""

    ERROR = "error"  # the value (or the whole file) cannot be used
    WARNING = "warning"  # the value is used, but a reviewer should look
    INFO = "info"  # how the program read something (a unit converted, a header found lower down)


class Finding(BaseModel):
    """One problem or remark about a submission."""

    model_config = ConfigDict(frozen=True)

    code: str
    severity: Severity
    message_zh: str
    message_en: str
    file: str = ""
    sheet: str | None = None
    cell: str | None = None  # "C12", or a range "A3:D3"
    row: int | None = None  # 1-based worksheet row
    column: str | None = None  # the field key

    @property
    def where(self) -> str:
        """``在孵企业!C12`` — the sheet and cell as a spreadsheet writes them."""
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.sheet or ""

    def message(self, lang: str = "zh") -> str:
        """The message in one language."""
        return self.message_en if lang == "en" else self.message_zh

    def as_json(self, lang: str = "zh") -> dict:
        """The report's shape of a finding (report.md), with both languages kept."""
        return {
            "severity": self.severity.value,
            "code": self.code,
            "where": self.where,
            "sheet": self.sheet,
            "cell": self.cell,
            "row": self.row,
            "field": self.column,
            "message": self.message(lang),
            "message_zh": self.message_zh,
            "message_en": self.message_en,
        }


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell_name(row: int, col: int) -> str:
    """0-based row and column → ``C12``."""
    return f"{column_letter(col)}{row + 1}"
