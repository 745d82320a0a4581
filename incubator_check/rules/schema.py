"""The ruleset schema: the regulation as data, every key a ruleset file may hold (``docs/rulesets.md``).

A threshold, a factor or a parameter's value is either a plain value or a dated series
(``{2025-07-10: "0.2", 2027-01-01: "0.25"}``, in the spirit of OpenFisca's parameters): each value holds from
its day until the next one's. :meth:`Ruleset.at` resolves every series for one day, once, before judging;
nothing after it sees a series. Every quote (``legal_text``) names the document it is quoted from
(``source``), set by the loader from the file that defined it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..errors import RulesetError

__all__ = ["Aggregate", "Bans", "CitedReading", "Clause", "Condition", "Dated", "DeclaredField", "FirstCheck", "Note",
           "Parameter", "Quota", "Relaxation", "ReviewItem", "Ruleset", "SmeClassification", "TenantTest",
           "Term", "Text", "TestFinding", "Thresholds", "ValueReading", "ValueReadings", "in_language", "value_on"]

_STRICT = ConfigDict(extra="forbid", frozen=True, defer_build=True)

#: A dated series: (first day, value) pairs in date order; each value holds until the day before the next.
Dated = tuple[tuple[dt.date, Any], ...]



def in_language(text: "Text | str", lang: str) -> str:
    """A ruleset text in one language; a plain string is Chinese only and serves both."""
    return text(lang) if isinstance(text, Text) else text


class Text(BaseModel):
    """A sentence in Chinese and English."""

    model_config = _STRICT
    zh: str
    en: str

    def __call__(self, lang: str, **values: Any) -> str:
        template = self.en if lang == "en" else self.zh
        try:
            return template.format(**values)
        except (KeyError, IndexError, ValueError):
            return template


def _decimal(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float, str)):
        return Decimal(str(value))
    if isinstance(value, dict):
        return _series(value)
    return value


def _series(value: dict[Any, Any]) -> Dated:
    """A YAML mapping of days to values → its dated series; two entries for one day are refused."""
    if not value:
        raise ValueError("a dated value needs at least one day")
    days: dict[dt.date, Any] = {}
    for key, item in value.items():
        try:
            day = key if isinstance(key, dt.date) else dt.date.fromisoformat(str(key))
        except ValueError:
            raise ValueError(f"{key!r} is not a day (YYYY-MM-DD)") from None
        if day in days:
            raise ValueError(f"the day {day} is given twice")
        if isinstance(item, dict):
            raise ValueError("a dated value's values are plain values")
        days[day] = _decimal(item)
    return tuple(sorted(days.items()))


def is_dated(value: Any) -> bool:
    return isinstance(value, tuple)


def value_on(value: Any, day: dt.date, what: str = "") -> Any:
    """A plain value as it is; a dated series' value on ``day``; a day before the series begins is an error."""
    if not is_dated(value):
        return value
    found = None
    for first, item in value:
        if first <= day:
            found = (item,)
    if found is None:
        raise RulesetError(f"{what} 在 {day} 尚无取值（自 {value[0][0]} 起）",
                           f"{what} has no value on {day} (its values begin on {value[0][0]})")
    return found[0]


def _plain_values(value: Any) -> list[Any]:
    return [item for _, item in value] if is_dated(value) else [value]


def shown_dated(value: Any, show: Any = str) -> str:
    """A value as ``rules show`` and the rules pages write it: plain, or each value with the day it holds from."""
    if not is_dated(value):
        return show(value)
    return "; ".join(f"{show(item)} (from {day.isoformat()})" for day, item in value)


class Term(BaseModel):
    """One part of a tenant test: an expression over ``#`` (the tenant), a class test, or another test."""

    model_config = _STRICT
    expr: str | None = None
    needs: tuple[str, ...] = ()
    blank: bool | None = None  # what the term is when a needed field is blank; None = unknown
    sme_class: tuple[str, ...] | None = None
    test: str | None = None
    reason: Text | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> "Term":
        if sum(x is not None for x in (self.expr, self.sme_class, self.test)) != 1:
            raise ValueError("a term has exactly one of expr, sme_class, test")
        return self


class TestFinding(BaseModel):
    """A finding raised for a tenant whose terms come out a certain way (a graduate that is not one)."""

    model_config = _STRICT
    code: str
    severity: Literal["error", "warning", "info"] = "warning"
    when_true: tuple[int, ...] = ()
    when_false: tuple[int, ...] = ()
    message: Text


class TenantTest(BaseModel):
    """A per-tenant test: true, false or unknown, folded from its terms with Kleene logic."""

    model_config = _STRICT
    title: Text | None = None  # the tenants that pass it, in words (a share's figure on the clause pages)
    article: str = ""
    legal_text: str = ""
    source: str = ""  # the document legal_text is quoted from (set by the loader)
    reading: Text | str = ""
    all: tuple[Term, ...] | None = None
    any: tuple[Term, ...] | None = None
    finding: TestFinding | None = None

    @model_validator(mode="after")
    def _one_combination(self) -> "TenantTest":
        if (self.all is None) == (self.any is None):
            raise ValueError("a tenant test has exactly one of all, any")
        return self

    @property
    def terms(self) -> tuple[Term, ...]:
        return self.all if self.all is not None else self.any  # type: ignore[return-value]


Operator = Literal[">=", ">", "<=", "<", "=="]


class Condition(BaseModel):
    """One comparison of a clause: a figure (or a share of tenants) against a threshold."""

    model_config = _STRICT
    id: str = ""  # names it for an override (else its share's test, or its value when one name)
    value: str | None = None  # zen expression over profile fields, parameters and aggregates
    share: str | None = None  # or: the share of the population passing this tenant test
    per: str | None = None  # denominator expression for a ratio
    needs: tuple[str, ...] | None = None
    operator: Operator
    threshold: Decimal | bool | Dated
    relaxable: bool = False
    shortfall: Literal["amount", "add", "convert"] | None = None
    shortfall_unit: str = ""
    shortfall_text: Text | None = None
    reading: Text | str = ""

    _threshold = field_validator("threshold", mode="before")(classmethod(lambda cls, v: _decimal(v)))

    @model_validator(mode="after")
    def _one_figure(self) -> "Condition":
        if (self.value is None) == (self.share is None):
            raise ValueError("a condition has exactly one of value, share")
        kinds = {isinstance(v, bool) for v in _plain_values(self.threshold)}
        if len(kinds) != 1:
            raise ValueError("a dated threshold is yes/no on every day or a number on every day")
        return self

    @property
    def is_flag(self) -> bool:
        """A yes/no condition (its threshold is true or false, on every day)."""
        return isinstance(_plain_values(self.threshold)[0], bool)

    def thresholds(self, relaxation: "Relaxation | None") -> "Thresholds":
        """The threshold as written and as relaxed under Article 10 (× the factor, for a relaxable numeric
        condition of a ruleset with a relaxation): the one place the relaxed threshold is computed."""
        threshold, factor = self.threshold, relaxation.factor if relaxation is not None else None
        if is_dated(threshold) or is_dated(factor):
            raise RulesetError("规则集尚未按日期取值（Ruleset.at）", "the ruleset was not resolved for a day (Ruleset.at)")
        if self.is_flag or not self.relaxable or factor is None:
            return Thresholds(threshold, threshold, False)
        return Thresholds(threshold, threshold * factor, True)


class Thresholds(NamedTuple):
    """A condition's threshold as written and as relaxed (equal when it is not relaxable)."""

    normal: Decimal | bool
    relaxed: Decimal | bool
    relaxable: bool


class CitedReading(BaseModel):
    """A reading of the law that rests on another text (a later national rule, an interpretation), with
    that text and its date: cited in the report of every clause that ``cites`` it."""

    model_config = _STRICT
    text: Text
    source: str  # the document, as a person cites it
    issued: dt.date
    effective: dt.date | None = None  # None: the in-force date was not available


class DeclaredField(BaseModel):
    """A profile field or roster column a ruleset needs beyond the core layout (``workbook/layout.py``):
    the template for that ruleset shows it, the reader reads it, its expressions name it by ``key``."""

    model_config = _STRICT
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    en: str
    kind: Literal["text", "yesno", "date", "year", "integer", "money", "area"]
    unit: str = ""
    required: bool = False
    aliases: tuple[str, ...] = ()  # other headers that name it
    note: str = ""
    article: str = ""


class DeclaredFields(BaseModel):
    model_config = _STRICT
    profile: tuple[DeclaredField, ...] = ()
    tenants: tuple[DeclaredField, ...] = ()


class ValueReading(BaseModel):
    """Values a yes/no column may hold beyond 是/否, and what they read as, on the authority of a cited reading
    (``readings``): 「科技和创新型中小企业」 written in 是否科技型中小企业 reads as 是 (reading sme-2026).

    ``from`` is the first day the value can be meant so (the day the text it rests on was issued: a name that
    did not exist before cannot be a certificate's); on an earlier deciding day the value is an error at its
    cell, never a guessed 是."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)
    written: tuple[str, ...] = Field(min_length=1)
    reads: bool
    reading: str  # the id of the ruleset's reading (``readings``) it rests on
    from_: dt.date | None = Field(default=None, alias="from")


class ValueReadings(BaseModel):
    """Roster column (field key) → the value readings of that column. Only the roster's columns have them: a
    profile field is one cell, which the applicant writes as the template says."""

    model_config = _STRICT
    tenants: dict[str, tuple[ValueReading, ...]] = Field(default_factory=dict)


class FirstCheck(BaseModel):
    """工信厅科函〔2025〕349号's 初核: an application at this ruleset's level whose profile field ``when`` is 是 is
    also judged against the ruleset claiming ``level`` (the standard level), and the report carries that result."""

    model_config = _STRICT
    when: str  # a yes/no profile field: former_national_incubator
    level: str  # the level whose conditions the first check applies: 标准级
    citation: str
    reading: Text


class Clause(BaseModel):
    """One clause of the regulation with a stable id."""

    model_config = _STRICT
    id: str
    article: str
    legal_text: str
    source: str = ""  # the document legal_text is quoted from (set by the loader)
    title: Text
    unit: str = ""
    reading: Text | str = ""
    combine: Literal["all", "any"] = "all"
    conditions: tuple[Condition, ...] = ()
    review: Text | None = None
    ban: bool = False
    shortfall_text: Text | None = None
    cites: tuple[str, ...] = ()  # ids of the ruleset's readings this clause rests on

    @model_validator(mode="after")
    def _one_kind(self) -> "Clause":
        kinds = sum((bool(self.conditions), self.review is not None, self.ban))
        if kinds != 1:
            raise ValueError(f"clause {self.id}: exactly one of conditions, review, ban")
        return self


class ReviewItem(BaseModel):
    model_config = _STRICT
    id: str
    article: str
    title: Text
    message: Text


class Relaxation(BaseModel):
    """Article 10: thresholds × factor when the profile field ``when`` is yes."""

    model_config = _STRICT
    factor: Decimal | Dated
    basis: str
    when: str
    legal_text: str = ""
    source: str = ""  # the document legal_text is quoted from (set by the loader)
    reading: Text | None = None
    review: ReviewItem | None = None

    _factor = field_validator("factor", mode="before")(classmethod(lambda cls, v: _decimal(v)))


class Parameter(BaseModel):
    model_config = _STRICT
    value: Decimal | Dated
    unit: str = ""
    article: str = ""
    legal_text: str = ""
    source: str = ""  # the document legal_text is quoted from (set by the loader)
    reading: Text | str = ""

    _value = field_validator("value", mode="before")(classmethod(lambda cls, v: _decimal(v)))


class Aggregate(BaseModel):
    """A figure computed over a whole sheet, e.g. the funds with an AMAC code."""

    model_config = _STRICT
    title: Text | None = None  # the figure in words, as the clause pages show it
    expr: str
    needs: tuple[str, ...] = ()


class Bans(BaseModel):
    model_config = _STRICT
    article: str
    legal_text: str
    source: str = ""  # the document legal_text is quoted from (set by the loader)
    reading: Text
    in_force: str
    years: dict[str, int]


class Note(BaseModel):
    model_config = _STRICT
    id: str
    when: str
    article: str
    message: Text


class Quota(BaseModel):
    model_config = _STRICT
    share: Decimal | Dated
    rounding: Literal["up", "down"] = "up"
    citation: str

    _share = field_validator("share", mode="before")(classmethod(lambda cls, v: _decimal(v)))


class Ruleset(BaseModel):
    """A complete ruleset, after ``extends`` has been resolved."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True, defer_build=True)
    id: str
    kind: Literal["ruleset"]
    version: str
    level: str
    title: Text
    citation: str
    issued: dt.date | None = None
    effective: dt.date
    until: dt.date | None = None  # the last day it applies, if it was repealed or replaced
    authority: str = "工业和信息化部"  # who accredits under it: with level and day, what it claims
    source: str = ""
    example: bool = False
    default: bool = False  # claims its level and authority from ``effective`` (to ``until``): chosen without --ruleset
    fields: DeclaredFields = Field(default_factory=DeclaredFields)
    readings: dict[str, CitedReading] = Field(default_factory=dict)
    values: ValueReadings = Field(default_factory=ValueReadings)  # values a column reads as, by a cited reading
    first_check: FirstCheck | None = None  # 初核: a second judgement against another level's conditions
    resolved_on: dt.date | None = None  # the day its dated values were resolved for (Ruleset.at)
    sme_classification: str = "sme-2011"
    population: str = "qualifying"
    relaxation: Relaxation | None = None
    parameters: dict[str, Parameter] = Field(default_factory=dict)
    aggregates: dict[str, Aggregate] = Field(default_factory=dict)
    tenant_tests: dict[str, TenantTest] = Field(default_factory=dict)
    bans: Bans | None = None
    notes: tuple[Note, ...] = ()
    recommendation_quota: Quota | None = None
    clauses: tuple[Clause, ...]
    sha256: str = ""
    path: str = ""
    sme: "SmeClassification | None" = None

    def clause(self, clause_id: str) -> Clause:
        for c in self.clauses:
            if c.id == clause_id:
                return c
        raise KeyError(clause_id)

    def applies_on(self, day: dt.date) -> bool:
        return self.effective <= day and (self.until is None or day <= self.until)

    def at(self, day: dt.date) -> "Ruleset":
        """This ruleset with every dated value resolved for ``day``: the only way a series reaches the judge.

        The result is cached per day. A day before the ruleset is in force (or after ``until``) still resolves
        (its values are those of the nearest day in force) so that a late or early application is judged and
        told which rules were used; a dated value with no value on the day is a :class:`RulesetError`."""
        if self.resolved_on == day:
            return self
        key = (self.path, self.sha256, day)
        cached = _AT.get(key)
        if cached is not None:
            return cached
        on = max(day, self.effective) if self.until is None else min(max(day, self.effective), self.until)
        where = self.id

        def clause_at(clause: Clause) -> Clause:
            if not any(is_dated(c.threshold) for c in clause.conditions):
                return clause
            conds = tuple(c.model_copy(update={"threshold": value_on(c.threshold, on, f"{where} {clause.id}")})
                          for c in clause.conditions)
            return clause.model_copy(update={"conditions": conds})

        update: dict[str, Any] = {
            "resolved_on": day,
            "clauses": tuple(clause_at(c) for c in self.clauses),
            "parameters": {name: p.model_copy(update={"value": value_on(p.value, on, f"{where} {name}")})
                           for name, p in self.parameters.items()},
        }
        if self.relaxation is not None:
            update["relaxation"] = self.relaxation.model_copy(
                update={"factor": value_on(self.relaxation.factor, on, f"{where} relaxation")})
        if self.recommendation_quota is not None:
            update["recommendation_quota"] = self.recommendation_quota.model_copy(
                update={"share": value_on(self.recommendation_quota.share, on, f"{where} recommendation_quota")})
        resolved = self.model_copy(update=update)
        if len(_AT) > 256:
            _AT.clear()
        _AT[key] = resolved
        return resolved

    def condition_over_time(self, ci: int, ki: int) -> list[tuple[dt.date, "Condition", "Thresholds"]]:
        """A condition on each day its threshold or the relaxation factor changes (from ``effective``; only the
        resolved day for a resolved ruleset): (first day, the condition, its normal and relaxed threshold)."""
        if self.resolved_on is not None:
            cond = self.clauses[ci].conditions[ki]
            return [(self.resolved_on, cond, cond.thresholds(self.relaxation))]
        cond = self.clauses[ci].conditions[ki]
        days = {self.effective}
        for series in (cond.threshold, self.relaxation.factor if self.relaxation else None):
            if is_dated(series):
                days |= {day for day, _ in series if day > self.effective and (self.until is None or day <= self.until)}
        out = []
        for day in sorted(days):
            on = self.at(day)
            resolved = on.clauses[ci].conditions[ki]
            out.append((day, resolved, resolved.thresholds(on.relaxation)))
        return out

    def dated_values(self) -> list[tuple[str, Dated]]:
        """Every dated series in the ruleset, named as ``rules show`` names it (for tests and pages)."""
        found: list[tuple[str, Dated]] = []
        for clause in self.clauses:
            for i, cond in enumerate(clause.conditions):
                if is_dated(cond.threshold):
                    found.append((f"{clause.id}.conditions[{i}].threshold", cond.threshold))
        found += [(f"parameters.{n}.value", p.value) for n, p in self.parameters.items() if is_dated(p.value)]
        if self.relaxation is not None and is_dated(self.relaxation.factor):
            found.append(("relaxation.factor", self.relaxation.factor))
        if self.recommendation_quota is not None and is_dated(self.recommendation_quota.share):
            found.append(("recommendation_quota.share", self.recommendation_quota.share))
        return found


class SmeClassification(BaseModel):
    """The SME classification standard as data: bounds per industry and class."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    id: str
    kind: Literal["sme-classification"]
    version: str
    title: Text
    citation: str
    effective: dt.date
    source: str = ""
    legal_text: str = ""
    reading: Text
    figures: dict[str, dict[str, str]]
    classes: dict[str, Text]
    industries: dict[str, dict[str, Any]]

    @model_validator(mode="after")
    def _bounds(self) -> "SmeClassification":
        for industry, spec in self.industries.items():
            for cls in self.bounded:
                bounds = spec.get(cls)
                if not isinstance(bounds, dict) or not bounds:
                    raise ValueError(f"{industry}: missing bounds for {cls}")
                for figure in bounds:
                    if figure not in self.figures:
                        raise ValueError(f"{industry}.{cls}: unknown figure {figure}")
        return self

    @property
    def bounded(self) -> list[str]:
        """The classes with lower bounds, largest first (the YAML order); the last class is what falls below."""
        return list(self.classes)[:-1]

    @property
    def ranked(self) -> list[str]:
        """Every class, smallest first: a class's index here is its rank."""
        return list(reversed(self.classes))

    def bounds(self, industry: str, cls: str) -> dict[str, Decimal]:
        return {k: Decimal(str(v)) for k, v in self.industries[industry][cls].items()}



_AT: dict[tuple[str, str, dt.date], Ruleset] = {}
