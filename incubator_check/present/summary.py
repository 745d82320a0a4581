"""A batch as data for the reviewer's round: a summary row per report, the quota per authority, the round's order.

One function turns a report into a summary row (:func:`summary_row`); the terminal table, the summary
workbook, the round's documents, the letters and the web pages all read that row, so a report is summarised
once. The quota (工信厅科函〔2025〕349号: excellence-level recommendations at most 10 % of all the authority's
recommendations, rounded up) is worked out from the rows by :func:`quota`, with the share and the rounding
from the ruleset's ``recommendation_quota``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any, Iterable

from .._text import visible
from .._words import status_word, with_unit
from .figures import clause_figures, must_correct

__all__ = ["SummarySetup", "SummaryRow", "Quota", "summary_setup", "summary_row", "quota", "in_round_order",
           "matrix_columns", "rulesets_used",
           "recommendation_word", "authority_basis", "NO_AUTHORITY"]

EXCELLENCE = "卓越级"
NO_AUTHORITY = ("（未能确定推荐单位）", "(authority not determined)")


@dataclass(frozen=True)
class SummarySetup:
    """What a batch's summary needs of the rulesets, the same for the CLI and the web app.

    ``clause_ids`` and ``titles``: the clause-status matrix's columns; ``standard_ids``: the clauses of the
    standard level (the 初核 of former national-level incubators); ``share``, ``rounding``, ``citation``: the
    quota's rule data.
    """

    clause_ids: tuple[str, ...]
    titles: dict[str, str]
    standard_ids: frozenset[str]
    share: Decimal
    rounding: str
    citation: str
    lang: str


def summary_setup(loaded: Any | None, lang: str) -> SummarySetup:
    """The summary's setup for a batch checked with ``loaded`` (a ruleset given by ``--ruleset``) or, without
    one, with the default ruleset of each level."""
    from ..rules.ruleset import default_for_level, in_language, load_ruleset

    rulesets = [loaded] if loaded else [load_ruleset(default_for_level(level)) for level in ("标准级", EXCELLENCE)]
    clause_ids = list(dict.fromkeys(c.id for rs in rulesets for c in rs.clauses))
    clause_ids += [rs.relaxation.review.id for rs in rulesets if rs.relaxation and rs.relaxation.review]
    rule = next((rs.recommendation_quota for rs in rulesets if rs.recommendation_quota), None)
    if rule is None:
        rule = load_ruleset(default_for_level(EXCELLENCE)).recommendation_quota
    titles = {c.id: in_language(c.title, lang) for rs in reversed(rulesets) for c in rs.clauses}
    titles.update({rs.relaxation.review.id: in_language(rs.relaxation.review.title, lang)
                   for rs in rulesets if rs.relaxation and rs.relaxation.review})
    standard = load_ruleset(default_for_level("标准级"))
    standard_ids = frozenset(c.id for c in standard.clauses) | (
        {standard.relaxation.review.id} if standard.relaxation and standard.relaxation.review else set())
    return SummarySetup(tuple(dict.fromkeys(clause_ids)), titles, standard_ids, rule.share, rule.rounding,
                        rule.citation, lang)


@dataclass
class SummaryRow:
    """One submission as the round's documents show it."""

    index: int  # the file's place in the batch (file-name order)
    file: str
    verdict: str
    authority: str  # the 推荐单位's name, or "" when none could be found
    authority_how: str  # how it was found, in words
    city: str
    incubator: str
    operator: str
    uscc: str
    level: str
    site_address: str
    site_area: str
    tenants: int | None
    former_national: bool | None
    failed: list[tuple[str, str, str]]  # (id, title, gap in words: 差 880 平方米, 禁止申报至 2028-03-02)
    missing: list[str]  # clause ids
    error_cells: int
    error: str  # why the file could not be read, for an ERROR
    statuses: dict[str, str]
    standard_verdict: str | None  # the standard-level conditions' result (初核); None when not judged here
    findings: list[dict[str, Any]] = field(default_factory=list)
    ruleset: str = ""  # the id of the ruleset the file was checked against
    titles: dict[str, str] = field(default_factory=dict)  # its clauses' titles, by id
    # The 初核's own failed and missing clauses, when it was a second judgement (an excellence application)
    standard_failed: list[tuple[str, str, str]] = field(default_factory=list)
    standard_missing: list[str] = field(default_factory=list)
    standard_ruleset: str = ""
    recommendation: str = "no"  # yes | pending | no, set by :func:`quota`
    number: int = 0  # 序号 in the round's order, set by :func:`in_round_order`

    @property
    def recommended(self) -> bool:
        """工信厅科函〔2025〕349号's "recommended": the verdict is PASS (meets every measurable condition)."""
        return self.verdict == "PASS"

    def unmet(self, lang: str, titles: bool = True) -> str:
        """未通过条款: the failed clauses with their shortfalls in words and units, the missing ones, the errors."""
        en = lang == "en"
        parts = [(f"{cid} {title}: {gap}" if en else f"{cid} {title}：{gap}") if titles else f"{cid} {gap}"
                 for cid, title, gap in self.failed]
        if self.missing:
            parts.append(("missing data: " if en else "缺数据：") + ", ".join(self.missing))
        if self.error_cells:
            parts.append(must_correct(self.findings, lang))
        if self.error:
            parts.append(self.error)
        return ("; " if en else "；").join(parts)

    def standard_unmet(self, lang: str) -> str:
        """The 初核's 未通过条款: the application's own for a standard-level one; for one judged a second time
        against the standard level (an excellence application), that judgement's, and its error cells."""
        if self.standard_verdict is None:
            return ""
        if not self.standard_ruleset:
            return self.unmet(lang)
        other = SummaryRow(**{**self.__dict__, "failed": self.standard_failed, "missing": self.standard_missing,
                              "error": ""})
        return other.unmet(lang)


def authority_basis(authority: dict[str, Any] | None, lang: str) -> str:
    """How the authority was found, in words: 由所在省份「浙江」确定."""
    if not authority:
        return "none of 所在省份, 所在地市, county code names one" if lang == "en" else "所在省份、所在地市、区县代码均未能确定"
    fields = {"province": ("所在省份", "所在省份 (province)"), "city": ("所在地市", "所在地市 (city)"),
              "county_code": ("所在区县行政区划代码", "the county code")}
    zh, en = fields.get(authority.get("basis"), (authority.get("basis"), authority.get("basis")))
    given = visible(str(authority.get("given") or ""))
    return f"from {en} '{given}'" if lang == "en" else f"由{zh}「{given}」确定"


def _standard_verdict(data: dict[str, Any], standard_ids: frozenset[str]) -> str | None:
    """The standard level's result of a report: its verdict for a standard application; for an excellence one,
    the verdict of its first check against the standard level (``first_check``, which its ruleset asks for of a
    former national-level incubator), else None (not judged at the standard level)."""
    inc = data.get("incubator") or {}
    if data.get("error"):
        return "ERROR"
    if data.get("first_check"):
        return data["first_check"]["verdict"]
    if inc.get("level") == EXCELLENCE:
        return None
    return data["verdict"]


def failed_clauses(clauses: list[dict[str, Any]], lang: str) -> list[tuple[str, str, str]]:
    """The failed clauses as (id, title, the gap in words and units)."""
    failed = []
    for c in clauses:
        if c["status"] == "FAIL":
            value, threshold, shortfall = clause_figures(c, lang)
            if c.get("shortfall_unit") == "date" and c.get("shortfall"):
                gap = (f"barred until {c['shortfall']}" if lang == "en" else f"禁止申报至 {c['shortfall']}")
            elif shortfall:
                gap = (f"short by {shortfall}" if lang == "en" else f"差 {shortfall}")
            else:
                gap = f"{value} ({threshold})" if threshold else (c.get("message") or "")
            failed.append((c["id"], c["title"], gap))
    return failed


def summary_row(line: str | dict[str, Any], index: int, setup: SummarySetup) -> SummaryRow:
    """A report (a JSON line of the batch, or its data) as one row of the summary."""
    lang = setup.lang
    data = json.loads(line) if isinstance(line, str) else line
    inc = data.get("incubator") or {}
    clauses = data.get("clauses") or []
    failed = failed_clauses(clauses, lang)
    first = data.get("first_check") or {}
    findings = data.get("findings") or []
    authority = inc.get("authority")
    tenants = (data.get("tenants") or {}).get("listed")
    return SummaryRow(
        index=index, file=visible(data["source"]["path"]), verdict=data["verdict"],
        authority=(authority or {}).get("name") or "", authority_how=authority_basis(authority, lang),
        # a 计划单列市 found by its county code is its own 地市
        city=visible(inc.get("city") or ((authority or {}).get("name") if (authority or {}).get("kind") == "planned-city" else "")
                     or ""), incubator=visible(inc.get("name") or ""),
        operator=visible(inc.get("operator_name") or ""), uscc=visible(inc.get("operator_uscc") or ""),
        level=inc.get("level") or "", site_address=visible(inc.get("site_address") or ""),
        site_area=inc.get("site_area_m2") or "", tenants=tenants, former_national=inc.get("former_national"),
        failed=failed, missing=[c["id"] for c in clauses if c["status"] == "MISSING"],
        error_cells=sum(1 for f in findings if f.get("severity") == "error" and not data.get("error")),
        error=visible((data.get("error") or {}).get("message") or ""),
        statuses={c["id"]: c["status"] for c in clauses},
        standard_verdict=_standard_verdict(data, setup.standard_ids), findings=findings,
        ruleset=(data.get("ruleset") or {}).get("id") or "", titles={c["id"]: c.get("title") or "" for c in clauses},
        standard_failed=failed_clauses(first.get("clauses") or [], lang),
        standard_missing=[c["id"] for c in first.get("clauses") or [] if c["status"] == "MISSING"],
        standard_ruleset=(first.get("ruleset") or {}).get("id") or "")


def matrix_columns(setup: SummarySetup, rows: Iterable[SummaryRow]) -> tuple[list[str], dict[str, str]]:
    """The clause-status matrix's columns and their titles: the setup's (the ``--ruleset``'s, or the ministry's
    two levels), then every other clause a file was judged on (a city's ruleset chosen by its 申报级别), in the
    order the files give them — a batch without ``--ruleset`` shows every ruleset it used."""
    ids, titles = list(setup.clause_ids), dict(setup.titles)
    seen = set(ids)
    for row in rows:
        for cid in row.statuses:
            if cid not in seen:
                seen.add(cid)
                ids.append(cid)
                titles.setdefault(cid, row.titles.get(cid, ""))
    return ids, titles


def rulesets_used(rows: Iterable[SummaryRow]) -> list[tuple[str, int]]:
    """Each ruleset the batch's files were checked against, with how many files (most first, then by id)."""
    counts: dict[str, int] = {}
    for row in rows:
        if row.ruleset:
            counts[row.ruleset] = counts.get(row.ruleset, 0) + 1
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


@dataclass(frozen=True)
class Quota:
    """One authority's excellence quota: ceil(share × (standard + excellence recommendations))."""

    authority: str
    standard: int  # standard-level applications recommended (PASS)
    excellence: int  # excellence-level applications recommended (PASS)
    excellence_applicants: int
    share: Decimal
    rounding: str
    cap: int

    @property
    def total(self) -> int:
        return self.standard + self.excellence

    @property
    def over(self) -> int:
        return max(self.excellence - self.cap, 0)

    def formula(self, lang: str) -> str:
        """⌈10% × (31 + 5)⌉ = ⌈3.6⌉ = 4: the cap worked out, with the figures."""
        percent = format((self.share * 100).normalize(), "f") + "%"
        exact = format((self.share * self.total).normalize(), "f")
        left, right = ("⌈", "⌉") if self.rounding == "up" else ("⌊", "⌋")
        if lang == "en":
            return (f"{left}{percent} × ({self.standard} standard + {self.excellence} excellence){right} = "
                    f"{left}{exact}{right} = {self.cap}")
        return f"{left}{percent} ×（标准级 {self.standard} + 卓越级 {self.excellence}）{right} = {left}{exact}{right} = {self.cap}"


def quota(rows: list[SummaryRow], setup: SummarySetup) -> list[Quota]:
    """Per authority, the excellence cap of 工信厅科函〔2025〕349号, and each row's 建议推荐 set from it.

    A standard-level PASS is recommended (yes). An excellence-level PASS is recommended (yes) while the
    authority's excellence passes are within the cap; past it, each is "pending": the authority chooses which
    (the selection is competitive, Article 7's 择优), the tool does not.
    """
    groups: dict[str, list[SummaryRow]] = {}
    for row in rows:
        groups.setdefault(row.authority, []).append(row)
    result = []
    for authority in sorted(groups, key=_authority_order):
        members = groups[authority]
        standard = sum(1 for r in members if r.recommended and r.level != EXCELLENCE)
        excellence = sum(1 for r in members if r.recommended and r.level == EXCELLENCE)
        exact = setup.share * (standard + excellence)
        cap = int(exact.to_integral_value(ROUND_CEILING if setup.rounding == "up" else ROUND_FLOOR))
        q = Quota(authority, standard, excellence, sum(1 for r in members if r.level == EXCELLENCE), setup.share,
                  setup.rounding, cap)
        for r in members:
            if not r.recommended:
                r.recommendation = "no"
            elif r.level == EXCELLENCE and q.over:
                r.recommendation = "pending"
            else:
                r.recommendation = "yes"
        if authority or q.total or q.excellence_applicants:  # the unreadable files' group has nothing to count
            result.append(q)
    return result


def _authority_order(name: str) -> tuple[int, str]:
    return (0 if name else 1, name)  # the undetermined last


def in_round_order(rows: Iterable[SummaryRow]) -> list[SummaryRow]:
    """Sorted by authority, city, incubator name (then file), and numbered 1, 2, …: the 汇总表's order."""
    ordered = sorted(rows, key=lambda r: (_authority_order(r.authority), r.city, r.incubator, r.file))
    for number, row in enumerate(ordered, start=1):
        row.number = number
    return ordered


_RECOMMENDATION = {"yes": ("是", "yes"), "pending": ("待定（超名额）", "pending (over quota)"),
                   "no": ("否", "no")}


def recommendation_word(value: str, lang: str) -> str:
    zh, en = _RECOMMENDATION[value]
    return en if lang == "en" else zh


def authority_word(name: str, lang: str) -> str:
    return name or (NO_AUTHORITY[1] if lang == "en" else NO_AUTHORITY[0])


def verdict_word(verdict: str | None, lang: str) -> str:
    if verdict is None:
        return ("not judged (applied at excellence level)" if lang == "en" else "未判断（按卓越级申报，标准级条件另行核查）")
    return status_word(verdict, lang)


def area_number(area: str) -> int | Decimal | None:
    """The site area as a number for a workbook cell (exact: an integer, or the decimal as written)."""
    if not area:
        return None
    value = Decimal(area)
    return int(value) if value == value.to_integral_value() else value


def area_word(area: str, lang: str) -> str:
    return with_unit(area, "m2", lang) if area else ""


_CROSS = {
    "identical-files": ("同一文件重复提交", "same file twice"),
    "tenant-in-several-submissions": ("在孵企业重复申报", "tenant in several submissions"),
    "tenant-name-date-in-several-submissions": ("同名企业代码不一致", "same tenant, different USCC"),
    "operator-in-several-submissions": ("运营主体重复申报", "operator applying twice"),
}


def cross_label(code: str, lang: str) -> str:
    """A cross-submission finding's kind in words (the terminal and the workbooks show it, not the code)."""
    zh, en = _CROSS.get(code, (code, code))
    return en if lang == "en" else zh
