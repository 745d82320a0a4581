"""The exceptions incubator-check raises; every one carries a bilingual message.

    IncubatorCheckError
    ├── WorkbookError      a file cannot be read as a submission workbook at all
    └── RulesetError       a ruleset file is missing, malformed or inconsistent
"""

from __future__ import annotations

from .findings import Finding


class IncubatorCheckError(Exception):
    """Base of every error incubator-check raises on purpose."""

    def __init__(self, zh: str, en: str):
        super().__init__(f"{zh} / {en}")
        self.zh = zh
        self.en = en

    def message(self, lang: str = "zh") -> str:
        """The message in one language."""
        return self.en if lang == "en" else self.zh


class WorkbookError(IncubatorCheckError):
    """A file cannot be read as a submission workbook (not a workbook, encrypted, unsafe, no roster)."""

    def __init__(self, finding: Finding):
        super().__init__(finding.message_zh, finding.message_en)
        self.finding = finding


class RulesetError(IncubatorCheckError):
    """A ruleset cannot be loaded: unknown id, bad YAML, a clause that does not fit the schema."""
