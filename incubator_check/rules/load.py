"""Loading rulesets: files read once, ``extends`` chains merged (by clause and condition id), references
checked, every quote's document recorded, and the index of the bundled rulesets with their claims.

A ruleset ``extends`` another: it inherits its parameters, tests, aggregates and clauses; ``keep`` lists the
clauses it keeps (all when absent); a clause it writes in full replaces the parent's of that id or is added;
``overrides`` changes keys of a parent's clause, and a condition in it is matched to the parent's by its
``id`` (or, in a clause of one condition, to that one). Every ``legal_text`` keeps the ``source`` of the file
that wrote it, so that an inherited ministry quote is still found in the ministry's text.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import os
import re
from contextvars import ContextVar
from dataclasses import replace
from functools import lru_cache
from typing import Any

from pydantic import ValidationError

from ..errors import RulesetError
from ..workbook.layout import PROFILE, TENANTS, FieldSpec, Required, load_yaml
from .compile import compile_ruleset
from .law import bundled_root
from .fields import as_spec, meanings_of
from .schema import CitedReading, DeclaredFields, Ruleset, SmeClassification, ValueReadings
from .stored import store_ruleset, stored_declarations, stored_ruleset

__all__ = ["ruleset_for_place", "bundled_fields", "bundled_values", "bundled_ids", "default_for_level", "index_of", "load_ruleset", "ruleset_for"]


@lru_cache(maxsize=1)
def _bundled_dir() -> str:
    """The bundled rulesets as a folder path, for the loader's ``extends`` and ``--ruleset`` lookups."""
    return str(bundled_root())


#: A ruleset file says so on a line of its own; other rule-data files (the SME classification, other
#: systems' headers, data other stages own) are not rulesets and the index does not parse them.
_RULESET_KIND = re.compile(r"^kind:\s*ruleset\s*(#.*)?$", re.M)
_HEAD_KEYS = ("level", "authority", "default", "effective", "until", "example")


def index_of(folder: str) -> dict[str, dict[str, Any]]:
    """The rulesets in ``folder``: id → its head (level, authority, default, effective, until), checked that no two
    claim the same level and authority on one day."""
    heads: dict[str, dict[str, Any]] = {}
    for name in sorted(n for n in os.listdir(folder) if n.endswith(".yaml")):
        path = os.path.join(folder, name)
        try:
            with open(path, encoding="utf-8") as handle:
                if not _RULESET_KIND.search(handle.read()):
                    continue
        except (OSError, UnicodeDecodeError) as exc:
            raise RulesetError(f"无法读取规则集文件 {path}（{exc}）", f"cannot read ruleset file {path} ({exc})") from None
        data = _rule_file(path)  # its own keys: a claim is what the file itself says (read only: no copy)
        head = {key: data.get(key) for key in _HEAD_KEYS}
        head["fields"] = data.get("fields") or {}
        if head["default"] and not head["level"]:
            raise RulesetError(f"规则集 {path} 声明 default 但未写明 level", f"ruleset {path} says default but names no level")
        head["authority"] = head["authority"] or "工业和信息化部"
        head["effective"] = _day(head["effective"], path)
        head["until"] = _day(head["until"], path) if head["until"] is not None else None
        heads[name[:-5]] = head
    _check_claims(heads, folder)
    return heads


def _day(value: Any, path: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise RulesetError(f"规则集 {path} 的日期 {value!r} 无效", f"ruleset {path} has an invalid date {value!r}") from None


def _check_claims(heads: dict[str, dict[str, Any]], folder: str) -> None:
    """Two rulesets that claim one level and authority on one day are a load error, never a silent choice."""
    claims = [(rid, h) for rid, h in heads.items() if h["default"]]
    for i, (a, ha) in enumerate(claims):
        for b, hb in claims[i + 1:]:
            if (ha["level"], ha["authority"]) != (hb["level"], hb["authority"]):
                continue
            start = max(ha["effective"], hb["effective"])
            ends = [d for d in (ha["until"], hb["until"]) if d is not None]
            if not ends or start <= min(ends):
                raise RulesetError(
                    f"规则集 {a} 与 {b}（{folder}）都声明适用于{ha['authority']}的{ha['level']}，且自 {start} 起重叠；"
                    f"请用 until 结束其一，或去掉其一的 default",
                    f"rulesets {a} and {b} ({folder}) both claim {ha['level']} of {ha['authority']} from {start}; "
                    f"end one with until, or drop one's default")


@lru_cache(maxsize=1)
def _bundled_heads() -> dict[str, dict[str, Any]]:
    return index_of(_bundled_dir())


@lru_cache(maxsize=1)
def bundled_fields() -> dict[str, tuple[FieldSpec, ...]]:
    """The fields every bundled ruleset declares, by sheet: what a workbook is read with before its ruleset is
    chosen (by its 申报级别). Each is optional for the reader; the ruleset that needs one judges it MISSING."""
    return _bundled_declarations()[0]


@lru_cache(maxsize=1)
def _bundled_declarations() -> tuple[dict[str, tuple[FieldSpec, ...]], dict[str, dict[str, tuple[Any, ...]]]]:
    """:func:`bundled_fields` and :func:`bundled_values`, worked out from the bundled rule data once, and kept
    between processes for as long as its texts and the code are the same (``stored.stored_declarations``): ~4 ms
    of a one-file check's first check (the rulesets resolved, their declarations validated)."""
    return stored_declarations(_bundled_dir(), lambda: (_bundled_fields(), _bundled_values()))


def _bundled_fields() -> dict[str, tuple[FieldSpec, ...]]:
    found: dict[str, dict[str, FieldSpec]] = {}
    for head in _bundled_heads().values():
        try:
            declared = DeclaredFields(**head["fields"])
        except (TypeError, ValidationError):
            continue  # the ruleset's own load reports it
        for sheet in ("profile", "tenants"):
            for item in getattr(declared, sheet):
                found.setdefault(sheet, {}).setdefault(item.key, replace(as_spec(item), required=Required.NO))
    return {sheet: tuple(specs.values()) for sheet, specs in found.items()}


@lru_cache(maxsize=1)
def bundled_values() -> dict[str, dict[str, tuple[Any, ...]]]:
    """The value readings of every bundled ruleset, by sheet and field (:func:`_bundled_values`)."""
    return _bundled_declarations()[1]


def _bundled_values() -> dict[str, dict[str, tuple[Any, ...]]]:
    """The value readings of every bundled ruleset, by sheet and field: what a workbook is read with before its
    ruleset is chosen (``_check`` reads again when the chosen one's differ).

    From each ruleset's data (its ``extends`` resolved, its ``values`` and ``readings`` validated by their own
    models), not from a full load: loading and compiling the rulesets a check will not use was a fifth of a
    one-file check's first check. ``tests/test_rulesets.py`` holds this equal to the readings of each full load."""
    found: dict[str, dict[str, tuple[Any, ...]]] = {}
    for rid in bundled_ids():
        try:
            data = _resolve(_locate(rid, None))
            meanings = meanings_of(ValueReadings(**(data.get("values") or {})),
                                   {key: CitedReading(**item) for key, item in (data.get("readings") or {}).items()})
        except (RulesetError, TypeError, KeyError, ValidationError):
            continue  # the ruleset's own load reports it
        for sheet, fields in meanings.items():
            for key, readings in fields.items():
                known = found.setdefault(sheet, {}).get(key, ())
                found[sheet][key] = known + tuple(m for m in readings if m not in known)
    return found


def bundled_ids() -> list[str]:
    """The ids of the rulesets shipped with the package."""
    return list(_bundled_heads())


def ruleset_for(level: str | None, authority: str | None = None, day: dt.date | None = None) -> str:
    """The bundled ruleset that claims this level (标准级 when unknown) and authority (any, when None) on ``day``.

    On a day no claim covers (an application dated before the measures took effect), the claim nearest in
    time is used: the latest that began before the day, else the earliest; the report shows which and from when.
    """
    level = level or "标准级"
    claims = [(rid, h) for rid, h in _bundled_heads().items()
              if h["default"] and h["level"] == level and (authority is None or h["authority"] == authority)]
    if not claims:
        raise RulesetError(f"没有适用于{level}的规则集", f"no bundled ruleset for level {level}")
    if authority is None and len({h["authority"] for _, h in claims}) > 1 and day is None:
        claims = [c for c in claims if c[1]["authority"] == "工业和信息化部"] or claims
    if day is None:
        day = dt.date.today()
    on_day = [rid for rid, h in claims if h["effective"] <= day and (h["until"] is None or day <= h["until"])]
    if len(on_day) > 1:
        names = "、".join(on_day)
        raise RulesetError(f"{day} 有多个规则集适用于{level}（{names}），请用 --ruleset 指定",
                           f"several rulesets claim {level} on {day} ({names}); choose one with --ruleset")
    if on_day:
        return on_day[0]
    before = [c for c in claims if c[1]["effective"] <= day]
    pick = max(before, key=lambda c: c[1]["effective"]) if before else min(claims, key=lambda c: c[1]["effective"])
    return pick[0]


def ruleset_for_place(level: str | None, place: str | None, day: dt.date | None = None) -> str:
    """:func:`ruleset_for` for an application from ``place`` (its 推荐单位, ``rules/authority.py``): among the claims
    on its level, the one whose accrediting body is of that place (深圳市工业和信息化局 for 深圳市) before any other;
    a national claim (the ministry's) or, failing both, whatever :func:`ruleset_for` gives."""
    from .authority import region_of

    wanted = level or "标准级"
    if place:
        own = sorted({h["authority"] for h in _bundled_heads().values()
                      if h["default"] and h["level"] == wanted and region_of(h["authority"]) == place})
        if own:
            return ruleset_for(level, own[0], day)
        national = sorted({h["authority"] for h in _bundled_heads().values()
                           if h["default"] and h["level"] == wanted and region_of(h["authority"]) is None})
        if national:
            return ruleset_for(level, national[0], day)
    return ruleset_for(level, None, day)


def default_for_level(level: str | None) -> str:
    """The ministry's bundled ruleset for this level today (kept for callers without a day: ruleset_for)."""
    return ruleset_for(level, "工业和信息化部" if level in (None, "标准级", "卓越级") else None)


def _load_yaml(path: str) -> dict[str, Any]:
    """A rule-data file's mapping, a fresh copy each call: the loader edits what it merges. The copy is one
    unpickling of the parse (``load_yaml`` of the same text), three times cheaper than a ``deepcopy``."""
    text = _parsed_yaml(*_stat(path))[0]
    read = _READ.get()
    if read is not None:  # a ruleset's load: the texts it was made from, for its entry (stored.py)
        read.append((path, text))
    return load_yaml(text)


#: During :func:`load_ruleset`, the (file, text) of every rule-data file it reads.
_READ: ContextVar[list[tuple[str, str]] | None] = ContextVar("_READ", default=None)


def _rule_file(path: str) -> dict[str, Any]:
    """A rule-data file's mapping as parsed once per process for as long as the file is unchanged (shared: not
    to be edited) — the bundled files are read for their heads, then loaded."""
    return _parsed_yaml(*_stat(path))[1]


def _stat(path: str) -> tuple[str, int, int]:
    try:
        info = os.stat(path)
    except OSError as exc:
        raise _unreadable(path, exc) from None
    return path, info.st_mtime_ns, info.st_size


def _unreadable(path: str, exc: OSError) -> RulesetError:
    return RulesetError(f"无法读取规则集文件 {path}（{exc.strerror}）", f"cannot read ruleset file {path} ({exc.strerror})")


@lru_cache(maxsize=32)
def _parsed_yaml(path: str, mtime_ns: int, size: int) -> tuple[str, dict[str, Any]]:
    """The file's text and its mapping (the parse cache's: PyYAML is imported only when it must parse)."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        data = load_yaml(text)
    except OSError as exc:
        raise _unreadable(path, exc) from None
    except Exception as exc:
        import yaml  # imported already: only a parse raises it

        if not isinstance(exc, yaml.YAMLError):
            raise
        raise RulesetError(f"规则集文件 {path} 不是有效的 YAML：{exc}", f"ruleset file {path} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise RulesetError(f"规则集文件 {path} 应为键值映射", f"ruleset file {path} must be a mapping")
    return text, data


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


def _condition_id(cond: dict[str, Any]) -> str | None:
    """A condition's id: its ``id``, else the tenant test it is a share of, else its figure when that is one name."""
    if cond.get("id"):
        return str(cond["id"])
    if cond.get("share"):
        return str(cond["share"])
    value = str(cond.get("value") or "")
    return value if value.isidentifier() else None


def _merge_clause(base: dict[str, Any], override: dict[str, Any], path: str, cid: str) -> dict[str, Any]:
    """A parent's clause with an override's keys; its conditions matched by id, never by position."""
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if key == "conditions" and isinstance(value, list):
            conditions = merged.get("conditions", [])
            ids = [_condition_id(c) for c in conditions]
            for cond in value:
                if not isinstance(cond, dict):
                    raise RulesetError(f"规则集 {path} 条款 {cid} 的条件应为键值映射",
                                       f"ruleset {path}: clause {cid}'s conditions must be mappings")
                wanted = cond.get("id")
                if wanted is None and len(conditions) == 1:
                    index = 0
                elif wanted is not None and str(wanted) in ids:
                    index = ids.index(str(wanted))
                else:
                    known = "、".join(i for i in ids if i) or "—"
                    raise RulesetError(
                        f"规则集 {path} 覆盖条款 {cid} 的条件须以 id 指明覆盖哪一个（可用：{known}）",
                        f"ruleset {path}: an override of clause {cid}'s conditions must name the condition by id "
                        f"(known: {known})")
                conditions[index] = {**conditions[index], **cond}
            merged["conditions"] = conditions
        else:
            merged[key] = value
    return merged


def _mark_sources(data: dict[str, Any], inherited: str | None = None) -> None:
    """Each quote of this file names the document it is quoted from: the file's ``source`` (or, when the file
    names none, the one it inherits from its parent) unless the quote says."""
    source = data.get("source") or inherited
    if not source:
        return
    items: list[Any] = list(data.get("clauses") or [])
    items += list((data.get("tenant_tests") or {}).values()) + list((data.get("parameters") or {}).values())
    items += [data.get("relaxation"), data.get("bans")]
    items += [o for o in (data.get("overrides") or {}).values() if isinstance(o, dict) and "legal_text" in o]
    for item in items:
        if isinstance(item, dict) and "legal_text" in item:
            item.setdefault("source", source)


def _resolve(path: str, seen: tuple[str, ...] = ()) -> dict[str, Any]:
    data = _load_yaml(path)
    parent_ref = data.pop("extends", None)
    if parent_ref is None:
        _mark_sources(data)
        return data
    if parent_ref in seen:
        raise RulesetError(f"规则集 {path} 的 extends 形成循环", f"ruleset {path} extends itself in a cycle")
    parent = _resolve(_locate(parent_ref, os.path.dirname(path)), seen + (parent_ref,))
    _mark_sources(data, parent.get("source"))
    merged = {k: copy.deepcopy(v) for k, v in parent.items()
              if k not in ("clauses", "keep", "overrides", "default", "example", "until")}
    for key in ("parameters", "tenant_tests", "aggregates", "readings"):
        if key in data:
            merged[key] = {**merged.get(key, {}), **data.pop(key)}
    if "values" in data:  # value readings add to the parent's, sheet by sheet, field by field
        values = {sheet: dict(items or {}) for sheet, items in (merged.get("values") or {}).items()}
        for sheet, items in (data.pop("values") or {}).items():
            values[sheet] = {**values.get(sheet, {}), **(items or {})}
        merged["values"] = values
    if "fields" in data:  # declared fields add to the parent's, sheet by sheet
        fields = {sheet: list(items) for sheet, items in (merged.get("fields") or {}).items()}
        for sheet, items in (data.pop("fields") or {}).items():
            fields[sheet] = fields.get(sheet, []) + list(items or [])
        merged["fields"] = fields
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
        clauses[by_id[str(cid)]] = _merge_clause(clauses[by_id[str(cid)]], override, path, str(cid))
    merged.update(data)
    merged["clauses"] = clauses
    return merged


@lru_cache(maxsize=32)
def load_ruleset(ref: str) -> Ruleset:
    """Load a ruleset by bundled id or by path, with its ``extends`` chain and its SME classification; what an
    earlier process loaded from the same texts with the same code, when there is one (``stored``)."""
    path = _locate(ref, None)
    ruleset = stored_ruleset(path)
    if ruleset is not None:
        return ruleset
    read: list[tuple[str, str]] = []
    token = _READ.set(read)
    try:
        ruleset = _load_ruleset(path)
    finally:
        _READ.reset(token)
    store_ruleset(path, read, ruleset)
    return ruleset


def _load_ruleset(path: str) -> Ruleset:
    data = _resolve(path)
    data.pop("keep", None)
    data.pop("overrides", None)
    sme_ref = data.get("sme_classification", "sme-2011")
    sme_data = _load_yaml(_locate(sme_ref, os.path.dirname(path)))
    digest = hashlib.sha256(json.dumps(_keyed([data, sme_data]), sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()
    try:
        sme = SmeClassification(**sme_data)
        ruleset = Ruleset(**data, sha256=digest, path=path, sme=sme)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:5])
        raise RulesetError(f"规则集 {path} 不符合格式：{problems}", f"ruleset {path} does not fit the schema: {problems}") from None
    _check_references(ruleset, path)
    compile_ruleset(ruleset)  # compiling now makes a bad expression a load error, not a check error
    return ruleset


def _keyed(data: Any) -> Any:
    """The data with every mapping key as text (a dated series is keyed by days), for its digest."""
    if isinstance(data, dict):
        return {str(k): _keyed(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_keyed(v) for v in data]
    return data


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
    core = {f.key for f in PROFILE.fields} | {f.key for f in TENANTS.fields}
    for declared in ruleset.fields.profile + ruleset.fields.tenants:
        if declared.key in core:
            raise RulesetError(f"规则集 {path} 声明的字段 {declared.key} 与核心字段重名",
                               f"ruleset {path} declares field {declared.key}, which is a core field")
    for sheet, layout in (("tenants", TENANTS),):
        own = {d.key: d.kind for d in getattr(ruleset.fields, sheet)}
        for key, readings in getattr(ruleset.values, sheet).items():
            kind = own.get(key) or next((f.kind.value for f in layout.fields if f.key == key), None)
            if kind != "yesno":
                raise RulesetError(f"规则集 {path} 的 values.{sheet}.{key}：只有是/否字段可以有取值解读",
                                   f"ruleset {path}: values.{sheet}.{key}: only a yes/no field may have value readings")
            for item in readings:
                if item.reading not in ruleset.readings:
                    raise RulesetError(f"规则集 {path} 的 values.{sheet}.{key} 引用了不存在的解读 {item.reading}",
                                       f"ruleset {path}: values.{sheet}.{key} cites unknown reading {item.reading}")
    if ruleset.first_check is not None:
        when = ruleset.first_check.when
        if next((f.kind.value for f in PROFILE.fields if f.key == when), None) != "yesno":
            raise RulesetError(f"规则集 {path} 的 first_check.when 应为基本信息中的是/否字段，实为 {when}",
                               f"ruleset {path}: first_check.when must be a yes/no profile field, not {when}")
    for clause in ruleset.clauses:
        for cited in clause.cites:
            if cited not in ruleset.readings:
                raise RulesetError(f"条款 {clause.id} 引用了不存在的解读 {cited}",
                                   f"clause {clause.id} cites unknown reading {cited}")
        for cond in clause.conditions:
            if cond.share is not None and cond.share not in tests:
                raise RulesetError(f"条款 {clause.id} 引用了不存在的检验 {cond.share}",
                                   f"clause {clause.id} refers to unknown tenant test {cond.share}")
