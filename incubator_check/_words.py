"""The words people read for statuses, verdicts, severities and units, in Chinese and English.

One vocabulary for every output (terminal, workbooks, HTML, web pages): report.md says people see the
verdicts as 通过 / 不通过 / 待补正 / 无法读取, a clause as 通过 / 不通过 / 缺数据 / 待复核, and a figure with its
unit (3 家, 3 tenants, 1 tenant, 388 平方米, 388 m²). The units are the rulesets' own words.
"""

from __future__ import annotations

# status or verdict → (Chinese, English)
STATUS = {
    "PASS": ("通过", "PASS"),
    "FAIL": ("不通过", "FAIL"),
    "MISSING": ("缺数据", "MISSING"),
    "REVIEW": ("待复核", "REVIEW"),
    "INCOMPLETE": ("待补正", "INCOMPLETE"),
    "ERROR": ("无法读取", "ERROR"),
}
SEVERITY = {"error": ("错误", "error"), "warning": ("警告", "warning"), "info": ("说明", "info")}
# unit → (Chinese, English singular, English plural)
UNITS = {
    "家": ("家", "tenant", "tenants"),
    "人": ("人", "person", "people"),
    "名": ("名", "person", "people"),
    "支": ("支", "fund", "funds"),
    "个": ("个", "", ""),
    "年": ("年", "year", "years"),
    "万元": ("万元", "× 10,000 yuan", "× 10,000 yuan"),
    "元": ("元", "yuan", "yuan"),
    "m2": ("平方米", "m²", "m²"),
    "date": ("", "", ""),
    "ratio": ("", "", ""),
    "flag": ("", "", ""),
}
# A unit as the JSON report writes it: a language-neutral code (report.md), never a Chinese word that an
# English report would carry. The rulesets keep their own words; the outputs read both.
UNIT_CODES = {"家": "tenants", "人": "people", "名": "people", "支": "funds", "个": "items", "年": "years",
              "万元": "10k-yuan", "元": "yuan"}
for _word, _code in UNIT_CODES.items():
    UNITS.setdefault(_code, UNITS[_word])  # 人 before 名: "people" reads 人


def unit_code(unit: str) -> str:
    """``家`` → ``tenants``, ``万元`` → ``10k-yuan``; a code (``m2``, ``date``, ``ratio``) stays as it is."""
    return UNIT_CODES.get(unit, unit)


def status_word(status: str, lang: str) -> str:
    """通过 / PASS, 待补正 / INCOMPLETE, …: a clause's status or a submission's verdict."""
    zh, en = STATUS.get(status, (status, status))
    return en if lang == "en" else zh


def severity_word(severity: str, lang: str) -> str:
    """错误 / 警告 / 说明, or error / warning / info."""
    zh, en = SEVERITY.get(severity, (severity, severity))
    return en if lang == "en" else zh


def unit_word(unit: str, lang: str, amount: str | None = None) -> str:
    """A unit as a person writes it; in English singular for an amount of 1, plural otherwise."""
    zh, one, many = UNITS.get(unit, (unit, unit, unit))
    if lang != "en":
        return zh
    return one if amount in ("1", "1.0") else many


def with_unit(amount: str, unit: str, lang: str) -> str:
    """``3 家`` / ``3 tenants``, ``1 tenant``, ``85.7143 平方米`` / ``85.7143 m²``: a figure with its unit."""
    return f"{amount} {unit_word(unit, lang, amount)}".strip()
