"""The recommending authority (推荐单位) of an application, from the rule data ``rulesets/authorities.yaml``.

工信厅科函〔2025〕349号 is addressed to the provinces, autonomous regions and municipalities, the five 计划单列市
and the 新疆生产建设兵团: each checks its own applications and keeps its own excellence quota, so a batch groups
by authority, never by the raw text of 所在省份 (浙江 / 浙江省 / 浙江省杭州市 / Zhejiang are one authority).

The authority is found, in this order, from the county code (the most exact: a 计划单列市 or the 兵团 by its
first four digits, a province by its first two), from 所在地市, from 所在省份; the report says which.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

__all__ = ["Authority", "authority_of", "authority_citation", "place_findings", "region_of"]

PROVINCE, PLANNED_CITY, CORPS = "province", "planned-city", "corps"


@dataclass(frozen=True)
class Authority:
    """An authority found for one application: its name, its kind, and the field and text it was found from."""

    name: str
    kind: str  # province | planned-city | corps
    basis: str  # the profile field it was found from: county_code | city | province
    given: str  # that field's text as written

    def as_json(self) -> dict[str, str]:
        return {"name": self.name, "kind": self.kind, "basis": self.basis, "given": self.given}


_DROP = re.compile(r"[\s·・.,，、()（）_-]+|province|city|municipality|autonomousregion")


def _key(text: str) -> str:
    """A spelling compared: NFKC, lower case, no spaces or punctuation, no 'province', 'city' and the like."""
    return _DROP.sub("", unicodedata.normalize("NFKC", text).lower())


def _list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value or [])


@lru_cache(maxsize=1)
def _table() -> dict[str, Any]:
    """The rule data, indexed: code prefixes, exact spellings and Chinese name starts of every authority."""
    from ..workbook.layout import load_yaml, rule_data

    data = load_yaml(rule_data("authorities.yaml"))
    by_code: dict[str, tuple[str, str]] = {}
    province_of: dict[str, str] = {}  # a 计划单列市 or the 兵团 → the province it lies in
    spelled: dict[str, tuple[str, str]] = {}
    starts: list[tuple[str, tuple[str, str]]] = []  # a Chinese name or short name a text may begin or contain
    for entry in data["provinces"]:
        who = (entry["name"], PROVINCE)
        by_code[str(entry["code"])] = who
        for name in [entry["name"], *_list(entry["short"]), *_list(entry.get("en"))]:
            spelled[_key(name)] = who
        starts += [(entry["name"], who), *((s, who) for s in _list(entry["short"]))]
    inside: list[tuple[str, tuple[str, str]]] = []  # names that decide wherever they occur (深圳 in 广东省深圳市)
    for entry in data["planned_cities"]:
        who = (entry["name"], PLANNED_CITY)
        by_code[str(entry["code"])] = who
        province_of[entry["name"]] = entry["province"]
        for name in [entry["name"], *_list(entry["short"]), *_list(entry.get("en"))]:
            spelled[_key(name)] = who
        inside += [(entry["name"], who), *((s, who) for s in _list(entry["short"]))]
    corps = data["corps"]
    who = (corps["name"], CORPS)
    by_code[str(corps["code"])] = who
    province_of[corps["name"]] = corps["province"]
    for name in [corps["name"], *_list(corps["short"]), *_list(corps.get("en"))]:
        spelled[_key(name)] = who
    inside += [(corps["name"], who), *((s, who) for s in _list(corps["short"]))]
    inside += [(c, who) for c in _list(corps["cities"])]
    starts.sort(key=lambda item: -len(item[0]))
    inside.sort(key=lambda item: -len(item[0]))
    return {"by_code": by_code, "spelled": spelled, "starts": starts, "inside": inside,
            "citation": data["citation"], "province_of": province_of}


def authority_citation() -> str:
    """The notice that makes the authorities and their quota: 工信厅科函〔2025〕349号."""
    return _table()["citation"]


def _from_text(text: str, *, whole_city: bool) -> tuple[str, str] | None:
    table = _table()
    key = _key(text)
    if not key:
        return None
    if key in table["spelled"]:
        return table["spelled"][key]
    plain = unicodedata.normalize("NFKC", text).replace(" ", "")
    for name, who in table["inside"]:  # a 计划单列市 or the 兵团 named anywhere: 广东省深圳市, 新疆生产建设兵团第八师
        if name in plain:
            return who
    if not whole_city:
        for name, who in table["starts"]:  # 浙江省杭州市, 浙江杭州
            if plain.startswith(name):
                return who
    return None


def authority_of(province: str | None, city: str | None = None, county_code: str | None = None) -> Authority | None:
    """The authority that recommends an incubator with this 所在省份, 所在地市 and county code; None if none fits.

    A 计划单列市 or the 兵团 wins over its province wherever it appears; otherwise the county code, which is
    exact, is taken before the province's text.
    """
    table = _table()
    code = (county_code or "").strip()
    if len(code) == 6 and code.isdigit():
        who = table["by_code"].get(code[:4])
        if who:
            return Authority(who[0], who[1], "county_code", code)
    if city:
        who = _from_text(city, whole_city=True)
        if who and who[1] != PROVINCE:
            return Authority(who[0], who[1], "city", city)
    if province:
        who = _from_text(province, whole_city=False)
        if who:
            return Authority(who[0], who[1], "province", province)
    if len(code) == 6 and code.isdigit() and code[:2] in table["by_code"]:
        who = table["by_code"][code[:2]]
        return Authority(who[0], who[1], "county_code", code)
    return None


def region_of(accrediting: str | None) -> str | None:
    """The authority whose region a ruleset's accrediting body (its ``authority``) names, or None for a national
    one: 深圳市工业和信息化局 → 深圳市, 浙江省科学技术厅 → 浙江省, 工业和信息化部 → None."""
    found = authority_of(accrediting) if accrediting else None
    return found.name if found else None


def _province(name: str) -> str:
    """The province an authority lies in: itself for a province, the listed one for a 计划单列市 or the 兵团."""
    return _table()["province_of"].get(name, name)


def _basis_words() -> dict[str, Any]:
    from ..findings import Bilingual

    return {"county_code": Bilingual("区县代码", "the county code"), "city": Bilingual("所在地市", "the city"),
            "province": Bilingual("所在省份", "the province")}


def place_findings(profile: Any, source: Any) -> list[Any]:
    """Warnings where the county code, 所在地市 and 所在省份 name different places (``authorities.yaml``): the
    code's province against 所在省份, the code's 计划单列市 or 兵团 against 所在地市, a 计划单列市 named in
    所在地市 against 所在省份; and a code whose first two digits are no province's. The authority is still found
    by :func:`authority_of`; the warning says which field decided it."""
    from ..findings import Bilingual, from_catalogue

    _BASIS = _basis_words()
    table = _table()
    province, city = (profile.province or "").strip(), (profile.city or "").strip()
    code = (profile.county_code or "").strip()
    decided = authority_of(profile.province, profile.city, profile.county_code)
    by_province = _from_text(province, whole_city=False) if province else None
    by_city = _from_text(city, whole_city=True) if city else None
    by_city = by_city if by_city and by_city[1] != PROVINCE else None
    found: list[Any] = []

    def add(key: str, at: str, **params: Any) -> None:
        basis = _BASIS.get(decided.basis, Bilingual(decided.basis, decided.basis)) if decided else Bilingual("—", "—")
        finding = from_catalogue(key, source.path, sheet=source.sheets.get("profile"), decided=decided.name if decided
                                 else "—", basis=basis, **params)
        found.append(finding.model_copy(update={"cell": source.profile_cells.get(at), "column": at}))

    if len(code) == 6 and code.isdigit():
        code_province = table["by_code"].get(code[:2])
        code_city = table["by_code"].get(code[:4])
        if code_province is None:
            add("county-code-unknown", "county_code", code=code, prefix=code[:2])
        else:
            if by_province and _province(by_province[0]) != code_province[0]:
                add("place-contradiction", "county_code", field=Bilingual("所在省份", "province"), given=province, code=code,
                    place=code_city[0] if code_city else code_province[0], province=code_province[0])
            # 所在地市 names a 计划单列市 (or the 兵团) the code is not in, or the code is in one 所在地市 does not name
            if (by_city and (code_city is None or code_city[0] != by_city[0])) or (code_city and city and not by_city):
                add("place-contradiction", "county_code", field=Bilingual("所在地市", "city"), given=city, code=code,
                    place=code_city[0] if code_city else code_province[0], province=code_province[0])
    elif by_city and by_province and by_province[1] == PROVINCE and _province(by_city[0]) != by_province[0]:
        add("city-province-contradiction", "city", city=city, place=by_city[0], province=_province(by_city[0]),
            given=province)
    return found
