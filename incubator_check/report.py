"""The report of one check: every clause with its figure, threshold, status and shortfall (``spec/report.md``).

The report holds every text in both languages (:class:`Text`: titles, messages, readings, the reasons a
roster row is excluded, notes) and every finding as a :class:`~incubator_check.findings.Finding`, which is
bilingual too. The judge never chooses a language; the report's ``lang`` is the language it is written out
in, and only writing it out chooses: :meth:`Report.as_json` writes each text in ``lang`` (the JSON of
``report.md``, unchanged), and :meth:`Report.in_language` gives the same report in the other language without
judging again.

For code that reads a report in one language, the familiar attribute names are views in the report's
language: ``clause.title``, ``clause.message``, ``clause.reading``, ``excluded.reasons`` are strings;
``report.ruleset``, ``report.findings``, ``report.notes``, ``report.error`` are the JSON's dicts. The texts
themselves are ``title_text``, ``message_text``, ``reading_text``, ``reason_texts``; the findings
``finding_list``.

A report read back from its JSON (``Report.model_validate``, as the supervised worker's answer is) knows
its texts in the language it was written in only: a plain string is that text in every language.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from typing import Any

from pydantic import (BaseModel, ConfigDict, Field, PrivateAttr, SerializationInfo, SerializerFunctionWrapHandler,
                      field_serializer, field_validator, model_serializer, model_validator)
from pydantic_core import core_schema

from .findings import Finding, Severity
from ._words import unit_code

SCHEMA = "incubator-check/report/v1"


class Text:
    """A text in Chinese and English; which one is shown is chosen when a report is written out."""

    __slots__ = ("zh", "en")

    def __init__(self, zh: str, en: str | None = None) -> None:
        self.zh = zh
        self.en = zh if en is None else en  # one string: the same text in every language (a name, a cell)

    def __call__(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh

    def __add__(self, other: "Text | str") -> "Text":
        other = other if isinstance(other, Text) else Text(other)
        return Text(self.zh + other.zh, self.en + other.en)

    def __bool__(self) -> bool:
        return bool(self.zh or self.en)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Text) and (self.zh, self.en) == (other.zh, other.en)

    def __hash__(self) -> int:
        return hash((self.zh, self.en))

    def __repr__(self) -> str:
        return f"Text({self.zh!r}, {self.en!r})"

    @staticmethod
    def join(texts: Iterable["Text"], zh: str = "；", en: str = "; ") -> "Text":
        """The texts one after the other, each language with its own separator."""
        texts = list(texts)
        return Text(zh.join(t.zh for t in texts), en.join(t.en for t in texts))

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            cls._validate, serialization=core_schema.plain_serializer_function_ser_schema(cls._written, info_arg=True))

    @classmethod
    def _validate(cls, value: Any) -> "Text":
        if isinstance(value, Text):
            return value
        if isinstance(value, str):
            return cls(value)
        if isinstance(value, dict) and set(value) == {"zh", "en"}:
            return cls(value["zh"], value["en"])
        raise ValueError("a text is a Text, a string or {zh, en}")

    @staticmethod
    def _written(value: "Text", info: SerializationInfo) -> Any:
        lang = _asked_language(info)
        return {"zh": value.zh, "en": value.en} if lang is None else value(lang)


def _asked_language(info: SerializationInfo) -> str | None:
    """The language a dump was asked for (``context={"lang": …}``), or None: then texts stay bilingual."""
    context = info.context
    return context.get("lang") if isinstance(context, dict) else None


def _with_languages(data: dict[str, Any], key: str, text: Text) -> dict[str, Any]:
    """``data`` with ``key_zh`` and ``key_en`` right after ``key``, as report.md orders them."""
    out: dict[str, Any] = {}
    for k, v in data.items():
        out[k] = v
        if k == key:
            out[f"{key}_zh"], out[f"{key}_en"] = text.zh, text.en
    return out


def _read_languages(data: Any, key: str) -> Any:
    """The JSON's ``key`` / ``key_zh`` / ``key_en`` read back as one bilingual text."""
    if isinstance(data, dict) and f"{key}_zh" in data:
        data = dict(data)
        data[key] = Text(data.pop(f"{key}_zh"), data.pop(f"{key}_en"))
    return data


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


_M = ConfigDict(extra="forbid", populate_by_name=True, defer_build=True)


def _no_items() -> list[Any]:
    """A new empty list: the default of a report's list fields. A function rather than ``list``: pydantic asks a
    default factory's signature when it builds a model, and ``inspect`` finds the signature of a built-in type by
    parsing its text, which on Python 3.10–3.11 compiles ``tokenize``'s patterns at the first (~7 ms of a check
    process) and costs ~0.4 ms each time on any version; a Python function's is read from its code."""
    return []


class _Shown(BaseModel):
    """A part of a report whose one-language views show its texts in the report's language."""

    model_config = _M
    _lang: str = PrivateAttr("zh")


class ConditionResult(_Shown):
    """One comparison inside a clause (a clause such as 6.5 or 6.7 has several)."""

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
    message_text: Text = Field(default_factory=lambda: Text(""), alias="message")
    needs: list[str] = Field(default_factory=_no_items)  # cells that would decide it

    _unit_code = field_serializer("shortfall_unit")(lambda self, unit: unit_code(unit))

    @property
    def message(self) -> str:
        return self.message_text(self._lang)


class ClauseResult(_Shown):
    """One clause of the ruleset, judged."""

    id: str
    article: str
    title_text: Text = Field(alias="title")  # written as title (in the report's language), title_zh, title_en
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
    message_text: Text = Field(default_factory=lambda: Text(""), alias="message")
    reading_text: Text = Field(default_factory=lambda: Text(""), alias="reading")
    evidence: list[str] = Field(default_factory=_no_items)
    rows: list[int] = Field(default_factory=_no_items)  # roster rows counted in the figure
    needs: list[str] = Field(default_factory=_no_items)
    conditions: list[ConditionResult] = Field(default_factory=_no_items)

    _unit_code = field_serializer("unit", "shortfall_unit")(lambda self, unit: unit_code(unit))
    _titles = model_validator(mode="before")(classmethod(lambda cls, data: _read_languages(data, "title")))

    @model_serializer(mode="wrap")
    def _json(self, handler: SerializerFunctionWrapHandler, info: SerializationInfo) -> dict[str, Any]:
        data = handler(self)
        return data if _asked_language(info) is None else _with_languages(data, "title", self.title_text)

    @property
    def title(self) -> str:
        return self.title_text(self._lang)

    @property
    def title_zh(self) -> str:
        return self.title_text.zh

    @property
    def title_en(self) -> str:
        return self.title_text.en

    @property
    def message(self) -> str:
        return self.message_text(self._lang)

    @property
    def reading(self) -> str:
        return self.reading_text(self._lang)


class ExcludedTenant(_Shown):
    row: int
    name: str | None
    uscc: str | None
    reason_texts: list[Text] = Field(alias="reasons")
    undecided: bool = False  # True when the tenant might qualify once the missing figures are given

    @property
    def reasons(self) -> list[str]:
        return [reason(self._lang) for reason in self.reason_texts]


class TenantSummary(BaseModel):
    model_config = _M
    listed: int
    qualifying: int
    qualifying_max: int | None = None  # when undecided rows could still qualify
    excluded: list[ExcludedTenant] = Field(default_factory=_no_items)


class RulesetRef(BaseModel):
    """Which ruleset judged the submission."""

    model_config = _M
    id: str
    version: str
    sha256: str
    title: Text
    citation: str
    effective: str
    example: bool
    authority: str = "工业和信息化部"
    values_on: str | None = None  # the day its dated values were read for (the deciding day)
    values_from: str | None = None  # where that day came from: --as-of, 申报日期 or 检查当日


class _Message(BaseModel):
    """A part written as ``message`` (in the report's language), ``message_zh``, ``message_en``."""

    model_config = _M  # each subclass declares ``message: Text`` where its JSON puts it

    _messages = model_validator(mode="before")(classmethod(lambda cls, data: _read_languages(data, "message")))

    @model_serializer(mode="wrap")
    def _json(self, handler: SerializerFunctionWrapHandler, info: SerializationInfo) -> dict[str, Any]:
        data = handler(self)
        return data if _asked_language(info) is None else _with_languages(data, "message", self.message)


class Note(_Message):
    """A remark of the ruleset that applies to this submission (e.g. the transition of Article 25)."""

    id: str
    article: str
    message: Text


class ErrorInfo(_Message):
    """Why a workbook could not be checked at all: the code and message of its fatal finding."""

    code: str
    message: Text


def _finding(data: Any) -> Any:
    """A finding from the report's shape of it (``Finding.as_json``): what a report read back from JSON holds."""
    if not isinstance(data, dict):
        return data
    return Finding(code=data["code"], severity=Severity(data["severity"]), message_zh=data["message_zh"],
                   message_en=data["message_en"], sheet=data.get("sheet"), cell=data.get("cell"), row=data.get("row"),
                   column=data.get("field"))


def _in_language(value: Any, lang: str) -> Any:
    """A plan's texts written out: every object with ``text_zh``/``text_en`` also gets ``text`` in ``lang``."""
    if isinstance(value, list):
        return [_in_language(v, lang) for v in value]
    if not isinstance(value, dict):
        return value
    out = {k: _in_language(v, lang) for k, v in value.items()}
    if "text_zh" in out and "text_en" in out:
        out["text"] = out["text_en"] if lang == "en" else out["text_zh"]
    return out


class FirstCheck(BaseModel):
    """The 初核 of 工信厅科函〔2025〕349号: the same submission judged against another level's conditions (a former
    national-level incubator applying at excellence level, against the standard level's), as the ruleset's
    ``first_check`` asks. Its clauses are the other ruleset's; the report's findings serve both."""

    model_config = _M
    ruleset_ref: RulesetRef = Field(alias="ruleset")
    citation: str
    reading: Text
    verdict: Verdict
    clauses: list[ClauseResult] = Field(default_factory=_no_items)


class Report(BaseModel):
    """The JSON report of report.md; field names are fixed, more may be added."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, defer_build=True)
    schema_: str = Field(default=SCHEMA, alias="schema")
    source: dict[str, Any]
    ruleset_ref: RulesetRef | None = Field(default=None, alias="ruleset")
    incubator: dict[str, Any] | None = None
    relaxation: dict[str, Any] | None = None
    application_date: dict[str, Any] | None = None
    verdict: Verdict
    error_info: ErrorInfo | None = Field(default=None, alias="error")
    clauses: list[ClauseResult] = Field(default_factory=_no_items)
    tenants: TenantSummary | None = None
    finding_list: list[Finding] = Field(default_factory=_no_items, alias="findings")
    note_list: list[Note] = Field(default_factory=_no_items, alias="notes")
    lang: str = "zh"  # the language the report is written out in
    # The plan to pass (``check --plan``; docs/report-plan.md), its texts in both languages: ``text`` is chosen
    # when the report is written out. Absent unless a plan was asked for.
    plan: dict[str, Any] | None = None
    # The 初核 against the standard level's conditions (FirstCheck); absent when the ruleset asks for none.
    first_check: FirstCheck | None = None

    @field_validator("finding_list", mode="before")
    @classmethod
    def _findings(cls, value: Any) -> Any:
        return [_finding(f) for f in value] if isinstance(value, list) else value

    @field_serializer("finding_list")
    def _written_findings(self, findings: list[Finding], info: SerializationInfo) -> list[dict[str, Any]]:
        lang = _asked_language(info)
        return [f.as_json(lang) if lang else f.model_dump(mode="json") for f in findings]

    @field_serializer("plan")
    def _written_plan(self, plan: dict[str, Any] | None, info: SerializationInfo) -> dict[str, Any] | None:
        return None if plan is None else _in_language(plan, _asked_language(info) or self.lang)

    def model_post_init(self, context: Any) -> None:
        self._show_in(self.lang)

    def _show_in(self, lang: str) -> None:
        for clause in self.clauses + (self.first_check.clauses if self.first_check else []):
            clause._lang = lang
            for condition in clause.conditions:
                condition._lang = lang
        for excluded in self.tenants.excluded if self.tenants else ():
            excluded._lang = lang

    def as_json(self) -> dict[str, Any]:
        """The report as plain JSON data, every text in the report's language."""
        data = self.model_dump(mode="json", by_alias=True, context={"lang": self.lang})
        for key in ("plan", "first_check"):
            if data.get(key) is None:
                data.pop(key, None)
        return data

    def as_json_text(self) -> str:
        """The report as compact JSON text, exactly ``_text.dumps(self.as_json())``.

        pydantic writes it in one call, without the tree of Python objects in between (~40 % less time a report),
        where that can only give the same text: no plan (its texts are chosen in Python as it is written), and the
        free-form parts (source, incubator, relaxation, application date) holding nothing but text, integers,
        booleans and None, as the rest of the report does (a float would be written otherwise). Everything else,
        and anything pydantic refuses (a lone surrogate in a file's name), goes through :meth:`as_json`."""
        from ._text import _plain, dumps

        if self.plan is None and _plain([self.source, self.incubator, self.relaxation, self.application_date]):
            try:
                return self.model_dump_json(by_alias=True, context={"lang": self.lang},
                                            exclude={"plan"} if self.first_check is not None else {"plan", "first_check"})
            except (ValueError, TypeError):  # pydantic's serialization error is a ValueError
                pass  # refused (a lone surrogate): written the long way below, as json_safe has it
        return dumps(self.as_json())

    def in_language(self, lang: str) -> "Report":
        """The same report, written out in ``lang``."""
        other = self.model_copy(update={"lang": lang}, deep=True)
        other._show_in(lang)
        return other

    def failed(self) -> list[ClauseResult]:
        """The clauses that fail."""
        return [c for c in self.clauses if c.status is Status.FAIL]

    # --- one-language views, as the JSON has them ---------------------------------------------------------

    def _written(self, part: BaseModel | None) -> Any:
        return None if part is None else part.model_dump(mode="json", context={"lang": self.lang})

    @property
    def ruleset(self) -> dict[str, Any] | None:
        return self._written(self.ruleset_ref)

    @property
    def error(self) -> dict[str, Any] | None:
        return self._written(self.error_info)

    @property
    def notes(self) -> list[dict[str, Any]]:
        return [self._written(note) for note in self.note_list]

    @property
    def findings(self) -> list[dict[str, Any]]:
        return [f.as_json(self.lang) for f in self.finding_list]
