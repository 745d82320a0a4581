"""The judge's sentences, written in Chinese and English side by side (:class:`~incubator_check.report.Text`).

Nothing here knows which language a report will be shown in: every sentence is built in both, and the
report writes out one. A ruleset's own templates (titles, readings, review items, shortfall advice) are
filled in here for both languages, each with its own values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..rules.ruleset import Text as RulesText
from .._words import unit_word
from ..report import Status, Text
from ._memo import once
from .numbers import fraction, percent

if TYPE_CHECKING:
    from ..rules.ruleset import Clause, Condition, Ruleset
    from ..report import ConditionResult

LANGUAGES = ("zh", "en")
_OPERATORS = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "="}
_YES_NO = {"true": Text("是", "yes"), "false": Text("否", "no")}


def _unit_text(unit: str, amount: str | None) -> Text:
    """A figure's unit in both languages, English singular for 1 (``27 家`` / ``27 tenants``, ``1 tenant``)."""
    # The words depend on the unit and on whether the amount is one (``unit_word``), not on the amount itself:
    # kept by those two (the units are the rulesets' few words). A Text is never changed once made.
    one = amount in _ONE
    key = (unit, one)
    text = _UNIT_TEXTS.get(key)
    if text is None:
        words = (unit_word(unit, "zh"), unit_word(unit, "en", "1" if one else None))  # both languages, always
        text = _UNIT_TEXTS[key] = Text(*(f" {word}" if word else "" for word in words))
    return text


_ONE = ("1", "1.0")  # the amounts ``unit_word`` writes in the singular
_UNIT_TEXTS: dict[tuple[str, bool], Text] = {}


class Amount(str):
    """A figure in a ruleset sentence; ``{shortfall:tenant|tenants}`` writes the word for its number (1 → tenant)."""

    def __format__(self, spec: str) -> str:
        if "|" in spec:
            one, many = spec.split("|", 1)
            return one if self in ("1", "1.0") else many
        return format(str(self), spec)
NEEDS_REVIEW = Text("无法计算，需人工复核", "could not be computed; needs review")


def clause_reading(ruleset: "Ruleset", clause: "Clause") -> Text:
    """A clause's reading (``reading:``) filled in for both languages. It has no values, so it is the ruleset's
    alone and is made once per ruleset and clause (``_memo``; the ruleset holds the clause, so its id stays its)."""
    return once(ruleset, ("reading", id(clause)), lambda: from_rules(clause.reading))


def from_rules(template: RulesText | str | None, **values: Any) -> Text:
    """A ruleset text filled in for both languages; a value that is a :class:`Text` gives each language its own."""
    if template is None:
        return Text("")
    if not isinstance(template, RulesText):
        return Text(template)  # a plain string in a ruleset is Chinese only and serves both

    if not any(isinstance(v, Text) for v in values.values()):
        # every value is the same in both languages: given as it is, not copied per language (a review clause is
        # given every profile figure, once per workbook)
        return Text(*(template(lang, **values) for lang in LANGUAGES))

    def filled(lang: str) -> str:
        return template(lang, **{k: (v(lang) if isinstance(v, Text) else v) for k, v in values.items()})

    return Text(*(filled(lang) for lang in LANGUAGES))


def either(choices: list[Text]) -> Text:
    """``2 年或 3 年`` / ``2 or 3`` (and ``a、b 或 c`` / ``a, b or c``): one of several."""
    if len(choices) <= 1:
        return Text.join(choices, "", "")
    head, last = choices[:-1], choices[-1]
    space = " " if last.zh[:1].isascii() else ""  # a space between 或 and a number, as the reports write 2 年或 3 年
    return Text("、".join(c.zh for c in head) + "或" + space + last.zh,
                ", ".join(c.en for c in head) + " or " + last.en)


#: ``shown`` of (value, unit), kept: a threshold is shown the same way in every report, and the display of a
#: ratio parses the written figure back into a fraction. A :class:`Text` is never changed once made (``+``
#: gives a new one), so one may serve every report. Bounded: figures are as many as the workbooks.
_SHOWN: dict[tuple[str | None, str], Text] = {}
_SHOWN_MAX = 4096


def shown(value: str | None, unit: str) -> Text:
    """A figure the report wrote, as a sentence shows it: yes/no for a flag, a percentage for a ratio."""
    key = (value, unit)
    text = _SHOWN.get(key)
    if text is None:
        if len(_SHOWN) >= _SHOWN_MAX:
            _SHOWN.clear()
        text = _SHOWN[key] = _shown(value, unit)
    return text


def _shown(value: str | None, unit: str) -> Text:
    if value is None:
        return Text("—")
    if value in _YES_NO:
        return _YES_NO[value]
    if unit == "ratio":
        return Text(percent(fraction(value)))
    return Text(value)


def condition_message(result: "ConditionResult", cond: "Condition", clause: "Clause", advice: RulesText | None,
                      data_year: int | None, year_before: int | None) -> Text:
    """What a condition found: the figure against the threshold, or what is missing, and advice when it fails."""
    unit = "ratio" if (cond.share is not None or cond.per is not None) else clause.unit
    unit_word = _unit_text(unit, result.value)
    op = _OPERATORS[cond.operator]
    if result.value_range:
        low, high = shown(result.value_range[0], unit), shown(result.value_range[1], unit)
        figure = Text(f"{low.zh}–{high.zh}", f"{low.en}–{high.en}")
    else:
        figure = shown(result.value, unit) + (Text("") if result.value is None else unit_word)
    if result.numerator is not None and result.denominator is not None:
        fraction_text = f"{result.numerator}/{result.denominator}"
        figure = Text(fraction_text) + (Text("") if result.value is None else Text(" = ") + figure)
    threshold = shown(result.threshold, unit)
    if result.effective_threshold != result.threshold:
        relaxed = shown(result.effective_threshold, unit)
        threshold = threshold + Text(f"（降低后 {relaxed.zh}）", f" (relaxed {relaxed.en})")
    if result.status is Status.MISSING:
        needed = "、".join(result.needs[:5]) + ("…" if len(result.needs) > 5 else "")
        if needed:
            return Text(f"取决于缺失的数据：{needed}", f"missing data decides it: {needed}")
        return Text("取决于缺失的数据", "missing data decides it")
    if result.status is Status.REVIEW:
        return NEEDS_REVIEW
    if isinstance(cond.threshold, bool):
        base = Text(f"{figure.zh}（应为{threshold.zh}）", f"{figure.en} (expected {threshold.en})")
    elif result.denominator == "0":  # an empty roster, a total of 0: say so, never "5/0"
        of = Text(f"{result.numerator} / 0") if result.numerator is not None else Text("0")
        base = Text(f"{of.zh}：分母为 0（没有可计入的数据，如在孵企业名单为空），比例无从计算，不满足门槛 {op} {threshold.zh}",
                    f"{of.en}: the denominator is 0 (nothing to count, e.g. an empty roster), so there is no share, "
                    f"and the threshold {op} {threshold.en} is not met")
    else:
        base = Text(f"{figure.zh}，门槛 {op} {threshold.zh}", f"{figure.en}, threshold {op} {threshold.en}")
    # Advice that states the shortfall is left out when there is none to state (never "需再配备  名").
    if (result.status is Status.FAIL and advice is not None
            and (result.shortfall or "{shortfall" not in (advice.zh if isinstance(advice, RulesText) else advice))):
        base = Text.join([base, from_rules(advice, shortfall=Amount(result.shortfall or ""), data_year=data_year or "",
                                           year_before=year_before or "")])
    return base
