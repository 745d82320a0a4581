"""Rulesets: the regulation as data (YAML), loaded, merged along ``extends``, and validated.

A ruleset names its clauses (ids of ``spec/clauses.md``), quotes the article each
implements, and gives each condition as a zen-engine expression with an operator
and a threshold. A provincial ruleset (Article 27) ``extends`` the ministry's and
overrides thresholds by clause id; no code changes.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import os
import pathlib
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..workbook.layout import load_yaml
from ..errors import RulesetError

if TYPE_CHECKING:  # importlib.resources.abc from 3.11, importlib.abc before (removed in 3.14)
    from importlib.resources.abc import Traversable

_STRICT = ConfigDict(extra="forbid", frozen=True)


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
    return value


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
    article: str = ""
    legal_text: str = ""
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
    value: str | None = None  # zen expression over profile fields, parameters and aggregates
    share: str | None = None  # or: the share of the population passing this tenant test
    per: str | None = None  # denominator expression for a ratio
    needs: tuple[str, ...] | None = None
    operator: Operator
    threshold: Decimal | bool
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
        return self


class Clause(BaseModel):
    """One clause of the regulation with a stable id."""

    model_config = _STRICT
    id: str
    article: str
    legal_text: str
    title: Text
    unit: str = ""
    reading: Text | str = ""
    combine: Literal["all", "any"] = "all"
    conditions: tuple[Condition, ...] = ()
    review: Text | None = None
    ban: bool = False
    shortfall_text: Text | None = None

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
    factor: Decimal
    basis: str
    when: str
    legal_text: str = ""
    reading: Text | None = None
    review: ReviewItem | None = None

    _factor = field_validator("factor", mode="before")(classmethod(lambda cls, v: _decimal(v)))


class Parameter(BaseModel):
    model_config = _STRICT
    value: Decimal
    unit: str = ""
    article: str = ""
    legal_text: str = ""
    reading: Text | str = ""

    _value = field_validator("value", mode="before")(classmethod(lambda cls, v: _decimal(v)))


class Aggregate(BaseModel):
    """A figure computed over a whole sheet, e.g. the funds with an AMAC code."""

    model_config = _STRICT
    expr: str
    needs: tuple[str, ...] = ()


class Bans(BaseModel):
    model_config = _STRICT
    article: str
    legal_text: str
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
    share: Decimal
    rounding: Literal["up", "down"] = "up"
    citation: str

    _share = field_validator("share", mode="before")(classmethod(lambda cls, v: _decimal(v)))


class Ruleset(BaseModel):
    """A complete ruleset, after ``extends`` has been resolved."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)
    id: str
    kind: Literal["ruleset"]
    version: str
    level: str
    title: Text
    citation: str
    issued: dt.date | None = None
    effective: dt.date
    source: str = ""
    example: bool = False
    default: bool = False  # applied to applications of its level when no --ruleset is given
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


class SmeClassification(BaseModel):
    """The SME classification standard as data: bounds per industry and class."""

    model_config = ConfigDict(extra="forbid", frozen=True)
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


Ruleset.model_rebuild()

_PACKAGE = "incubator_check.rulesets"


@lru_cache(maxsize=1)
def bundled_root() -> Traversable:
    """The rule data shipped with the package, as an importlib.resources traversable (a folder, a wheel's zip
    or a frozen bundle alike); from a source checkout that is not installed, the top-level rulesets/."""
    try:
        return resources.files(_PACKAGE)
    except ModuleNotFoundError:
        return pathlib.Path(__file__).resolve().parent.parent / "rulesets"


@lru_cache(maxsize=1)
def _bundled_dir() -> str:
    """The bundled rulesets as a folder path, for the loader's ``extends`` and ``--ruleset`` lookups."""
    return str(bundled_root())


def law_text(source: str) -> str:
    """The legal text a ruleset's ``source:`` names, read from the package data (``rulesets/law/*.md``).

    ``source`` is relative to the bundled rule data, written with ``/``; it is resolved by traversing the
    package's resources, never as a folder on disk, so that an installed wheel or a frozen executable
    reads the same text as a checkout. Leaving the package (``..``, an absolute path) is refused.
    """
    parts = source.split("/")
    if not source or source.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise RulesetError(f"法律文本来源 {source!r} 须为规则集数据内的相对路径",
                           f"legal source {source!r} must be a relative path inside the rule data")
    node = bundled_root()
    for part in parts:
        node = node / part
    try:
        return node.read_text(encoding="utf-8")
    except OSError:
        raise RulesetError(f"找不到法律文本 {source}", f"no legal text {source} in the rule data") from None


@lru_cache(maxsize=1)
def _bundled_heads() -> dict[str, dict[str, Any]]:
    """Each bundled rule-data file's id → its top-level ``kind``, ``level`` and ``default``, each file parsed once."""
    heads = {}
    for name in sorted(n for n in os.listdir(_bundled_dir()) if n.endswith(".yaml")):
        data = _rule_file(os.path.join(_bundled_dir(), name))  # read only: no copy needed
        heads[name[:-5]] = {key: data.get(key) for key in ("kind", "level", "default")}
    return heads


def bundled_ids() -> list[str]:
    """The ids of the rulesets shipped with the package."""
    return [ruleset_id for ruleset_id, head in _bundled_heads().items() if head["kind"] == "ruleset"]


@lru_cache(maxsize=8)
def default_for_level(level: str | None) -> str:
    """The bundled ruleset applied to an application of this level (标准级 when the level is unknown)."""
    for ruleset_id in bundled_ids():
        head = _bundled_heads()[ruleset_id]
        if head["default"] and head["level"] == (level or "标准级"):
            return ruleset_id
    raise RulesetError(f"没有适用于{level}的规则集", f"no bundled ruleset for level {level}")


def _load_yaml(path: str) -> dict[str, Any]:
    """A rule-data file's mapping, a fresh copy each call: the loader edits what it merges."""
    return copy.deepcopy(_rule_file(path))


def _rule_file(path: str) -> dict[str, Any]:
    """A rule-data file's mapping as parsed once per process for as long as the file is unchanged (shared: not
    to be edited) — the bundled files are read for their heads, then loaded."""
    try:
        info = os.stat(path)
    except OSError as exc:
        raise _unreadable(path, exc) from None
    return _parsed_yaml(path, info.st_mtime_ns, info.st_size)


def _unreadable(path: str, exc: OSError) -> RulesetError:
    return RulesetError(f"无法读取规则集文件 {path}（{exc.strerror}）", f"cannot read ruleset file {path} ({exc.strerror})")


@lru_cache(maxsize=32)
def _parsed_yaml(path: str, mtime_ns: int, size: int) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as handle:
            data = load_yaml(handle.read())
    except OSError as exc:
        raise _unreadable(path, exc) from None
    except yaml.YAMLError as exc:
        raise RulesetError(f"规则集文件 {path} 不是有效的 YAML：{exc}", f"ruleset file {path} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise RulesetError(f"规则集文件 {path} 应为键值映射", f"ruleset file {path} must be a mapping")
    return data


def _locate(ref: str, near: str | None) -> str:
    """A ruleset reference (an id or a path) → a file path."""
    if ref.endswith((".yaml", ".yml")) or os.sep in ref or "/" in ref:
        if os.path.isfile(ref):
            return ref
        raise RulesetError(f"找不到规则集文件 {ref}", f"no ruleset file {ref}")
    for folder in ([near] if near else []) + [_bundled_dir()]:
        candidate = os.path.join(folder, f"{ref}.yaml")
        if os.path.isfile(candidate):
            return candidate
    known = "、".join(bundled_ids())
    raise RulesetError(f"没有名为 {ref} 的规则集（可用：{known}）", f"no ruleset named {ref} (available: {known})")


def _merge_clause(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if key == "conditions" and isinstance(value, list):
            conditions = merged.get("conditions", [])
            for i, cond in enumerate(value):
                if i < len(conditions):
                    conditions[i] = {**conditions[i], **cond}
                else:
                    conditions.append(cond)
            merged["conditions"] = conditions
        else:
            merged[key] = value
    return merged


def _resolve(path: str, seen: tuple[str, ...] = ()) -> dict[str, Any]:
    data = _load_yaml(path)
    parent_ref = data.pop("extends", None)
    if parent_ref is None:
        return data
    if parent_ref in seen:
        raise RulesetError(f"规则集 {path} 的 extends 形成循环", f"ruleset {path} extends itself in a cycle")
    parent = _resolve(_locate(parent_ref, os.path.dirname(path)), seen + (parent_ref,))
    merged = {k: copy.deepcopy(v) for k, v in parent.items() if k not in ("clauses", "keep", "overrides", "default", "example")}
    for key in ("parameters", "tenant_tests", "aggregates"):
        if key in data:
            merged[key] = {**merged.get(key, {}), **data.pop(key)}
    keep = data.pop("keep", None)
    clauses = [c for c in parent.get("clauses", []) if keep is None or str(c.get("id")) in {str(k) for k in keep}]
    by_id = {str(c.get("id")): i for i, c in enumerate(clauses)}
    for clause in data.pop("clauses", []) or []:
        cid = str(clause.get("id"))
        if cid in by_id:
            clauses[by_id[cid]] = clause
        else:
            by_id[cid] = len(clauses)
            clauses.append(clause)
    for cid, override in (data.pop("overrides", None) or {}).items():
        if str(cid) not in by_id:
            raise RulesetError(f"规则集 {path} 覆盖了不存在的条款 {cid}", f"ruleset {path} overrides unknown clause {cid}")
        clauses[by_id[str(cid)]] = _merge_clause(clauses[by_id[str(cid)]], override)
    merged.update(data)
    merged["clauses"] = clauses
    return merged


@lru_cache(maxsize=32)
def load_ruleset(ref: str) -> Ruleset:
    """Load a ruleset by bundled id or by path, with its ``extends`` chain and its SME classification."""
    path = _locate(ref, None)
    data = _resolve(path)
    data.pop("keep", None)
    data.pop("overrides", None)
    sme_ref = data.get("sme_classification", "sme-2011")
    sme_data = _load_yaml(_locate(sme_ref, os.path.dirname(path)))
    digest = hashlib.sha256(json.dumps([data, sme_data], sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()
    try:
        sme = SmeClassification(**sme_data)
        ruleset = Ruleset(**data, sha256=digest, path=path, sme=sme)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:5])
        raise RulesetError(f"规则集 {path} 不符合格式：{problems}", f"ruleset {path} does not fit the schema: {problems}") from None
    _check_references(ruleset, path)
    from .compile import compile_ruleset  # compiling now makes a bad expression a load error, not a check error

    compile_ruleset(ruleset)
    return ruleset


def _check_references(ruleset: Ruleset, path: str) -> None:
    ids = [c.id for c in ruleset.clauses]
    if len(ids) != len(set(ids)):
        raise RulesetError(f"规则集 {path} 有重复的条款编号", f"ruleset {path} repeats a clause id")
    tests = ruleset.tenant_tests
    if ruleset.population not in tests:
        raise RulesetError(f"规则集 {path} 缺少在孵企业检验 {ruleset.population}", f"ruleset {path} lacks tenant test {ruleset.population}")
    for name, test in tests.items():
        for term in test.terms:
            if term.test is not None and term.test not in tests:
                raise RulesetError(f"检验 {name} 引用了不存在的检验 {term.test}", f"test {name} refers to unknown test {term.test}")
            if term.sme_class is not None and ruleset.sme is not None:
                unknown = set(term.sme_class) - set(ruleset.sme.classes)
                if unknown:
                    raise RulesetError(f"检验 {name} 引用了未知的企业类型 {unknown}", f"test {name} names unknown classes {unknown}")
    for clause in ruleset.clauses:
        for cond in clause.conditions:
            if cond.share is not None and cond.share not in tests:
                raise RulesetError(f"条款 {clause.id} 引用了不存在的检验 {cond.share}",
                                   f"clause {clause.id} refers to unknown tenant test {cond.share}")
