"""The report of one check: every clause with its figure, threshold, status and shortfall (``spec/report.md``)."""

from __future__ import annotations

from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

SCHEMA = "incubator-check/report/v1"


class Status(str, Enum):
    """A clause's outcome."""

    PASS = "PASS"
    FAIL = "FAIL"
    MISSING = "MISSING"  # depends on data that is absent or unusable
    REVIEW = "REVIEW"  # a reviewer must judge it


class Verdict(str, Enum):
    """A submission's outcome."""

    PASS = "PASS"
    FAIL = "FAIL"
    INCOMPLETE = "INCOMPLETE"
    ERROR = "ERROR"


_M = ConfigDict(extra="forbid")


class ConditionResult(BaseModel):
    """One comparison inside a clause (a clause such as 6.5 or 6.7 has several)."""

    model_config = _M
    status: Status
    value: str | None = None
    value_range: list[str] | None = None  # [lowest, highest] possible when data is missing
    numerator: str | None = None
    denominator: str | None = None
    operator: str
    threshold: str
    effective_threshold: str
    shortfall: str | None = None
    shortfall_unit: str = ""
    message: str = ""
    needs: list[str] = Field(default_factory=list)  # cells that would decide it


class ClauseResult(BaseModel):
    """One clause of the ruleset, judged."""

    model_config = _M
    id: str
    article: str
    title: str
    title_zh: str
    title_en: str
    status: Status
    value: str | None = None
    value_range: list[str] | None = None
    unit: str = ""
    operator: str | None = None
    threshold: str | None = None
    effective_threshold: str | None = None
    relaxed: bool = False
    shortfall: str | None = None
    shortfall_unit: str = ""  # the unit of the shortfall (家, 人, 万元, m2, date), which for a share is not the share's
    message: str = ""
    reading: str = ""
    evidence: list[str] = Field(default_factory=list)
    rows: list[int] = Field(default_factory=list)  # roster rows counted in the figure
    needs: list[str] = Field(default_factory=list)
    conditions: list[ConditionResult] = Field(default_factory=list)


class ExcludedTenant(BaseModel):
    model_config = _M
    row: int
    name: str | None
    uscc: str | None
    reasons: list[str]
    undecided: bool = False  # True when the tenant might qualify once the missing figures are given


class TenantSummary(BaseModel):
    model_config = _M
    listed: int
    qualifying: int
    qualifying_max: int | None = None  # when undecided rows could still qualify
    excluded: list[ExcludedTenant] = Field(default_factory=list)


class Report(BaseModel):
    """The JSON report of report.md; field names are fixed, more may be added."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    schema_: str = Field(default=SCHEMA, alias="schema")
    source: dict[str, Any]
    ruleset: dict[str, Any] | None = None
    incubator: dict[str, Any] | None = None
    relaxation: dict[str, Any] | None = None
    application_date: dict[str, Any] | None = None
    verdict: Verdict
    error: dict[str, Any] | None = None
    clauses: list[ClauseResult] = Field(default_factory=list)
    tenants: TenantSummary | None = None
    findings: list[dict[str, Any]] = Field(default_factory=list)
    notes: list[dict[str, Any]] = Field(default_factory=list)
    lang: str = "zh"

    def as_json(self) -> dict[str, Any]:
        """The report as plain JSON data."""
        return self.model_dump(mode="json", by_alias=True)

    def failed(self) -> list[ClauseResult]:
        """The clauses that fail."""
        return [c for c in self.clauses if c.status is Status.FAIL]
