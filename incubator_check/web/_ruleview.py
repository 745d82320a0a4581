"""The rule data as the rules pages and ``/api/rulesets`` show it: rulesets, clauses, conditions, thresholds.

Only bundled rulesets are shown (a ruleset reference may also be a path, never from a URL).
"""

from __future__ import annotations

import re
from typing import Any

from flask import abort

from . import _view


def rulesets_json() -> list[dict[str, Any]]:
    """The bundled rulesets and their clauses (the data of ``rules``), for programs and the rules pages."""
    from ..judge.numbers import exact
    from ..rules.ruleset import bundled_ids, load_ruleset

    out = []
    for rid in bundled_ids():
        rs = load_ruleset(rid)
        clauses = []
        for ci, c in enumerate(rs.clauses):
            conditions = []
            for ki, cond in enumerate(c.conditions):
                # Each value with the day it holds from; threshold and relaxed_threshold are the latest ones.
                values = [{"from": day.isoformat(), "threshold": exact(t.normal),
                           "relaxed_threshold": exact(t.relaxed) if t.relaxable else None}
                          for day, _, t in rs.condition_over_time(ci, ki)]
                conditions.append({"value": cond.value, "share": cond.share, "per": cond.per, "operator": cond.operator,
                                   "threshold": values[-1]["threshold"], "relaxable": cond.relaxable,
                                   "relaxed_threshold": values[-1]["relaxed_threshold"], "values": values})
            clauses.append({"id": c.id, "article": c.article, "title_zh": c.title.zh, "title_en": c.title.en,
                            "legal_text": c.legal_text, "unit": c.unit,
                            "kind": "review" if c.review else ("ban" if c.ban else "conditions"),
                            "conditions": conditions})
        out.append({"id": rs.id, "version": rs.version, "level": rs.level, "title_zh": rs.title.zh, "title_en": rs.title.en,
                    "citation": rs.citation, "effective": rs.effective.isoformat(), "example": rs.example,
                    "default": rs.default, "sha256": rs.sha256, "clauses": clauses})
    return out


def threshold_text(cond, unit: str, value, lang: str) -> str:
    from fractions import Fraction

    from .._words import unit_word
    from ..judge.numbers import exact, percent

    if isinstance(value, bool):
        shown = ("yes" if value else "no") if lang == "en" else ("是" if value else "否")
    elif unit == "ratio":
        shown = percent(Fraction(value))
    else:
        shown = exact(value) or ""
        suffix = unit_word(unit, lang)
        shown = f"{shown} {suffix}".strip()
    operator = {"==": "=", ">=": "≥", "<=": "≤"}.get(cond.operator, cond.operator)
    return f"{operator} {shown}"


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_TOKEN = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)|\s*([-+*/])\s*")
_OPERATORS = {"-": "−", "+": "+", "*": "×", "/": "÷"}


def figure_words(rs, expression: str, lang: str) -> str:
    """A figure of the rule data in words: each name as the workbook labels it (a profile field, the core layout's or
    the ruleset's own), an aggregate or ``N`` by its title in the rule data; the operators as a reader writes them.
    One pass over the expression, so a label's own hyphen (Start-ups) is never taken for a minus."""
    def token(match: re.Match) -> str:
        return _name_words(rs, match.group(1), lang) if match.group(1) else f" {_OPERATORS[match.group(2)]} "

    return _TOKEN.sub(token, expression).strip()


def _name_words(rs, key: str, lang: str) -> str:
    from ..rules.fields import field_spec

    if key == "N":  # the population: the tenants passing the ruleset's population test
        return _view.word("count_of", lang, test=_test_words(rs, rs.population, lang))
    aggregate = rs.aggregates.get(key)
    if aggregate is not None and aggregate.title is not None:
        return aggregate.title(lang)
    try:
        spec = field_spec(rs, "profile", key)
    except KeyError:
        return key  # a name with no words in the rule data: tests/test_web.py finds it on a clause page
    return spec.en if lang == "en" and spec.en else spec.label


def _in_words(rs, text, lang: str) -> str:
    """A text of the rule data whose placeholders name fields (申报：{focus_sector}), each placeholder shown as the
    field's label: the rule page has no workbook to fill them from."""
    import string

    names = {name for _, name, _, _ in string.Formatter().parse(text.en if lang == "en" else text.zh) if name}
    return text(lang, **{name: _name_words(rs, name, lang) for name in names})


def _test_words(rs, name: str, lang: str) -> str:
    test = rs.tenant_tests.get(name)
    return test.title(lang) if test is not None and test.title is not None else name


def _condition_figure(rs, cond, lang: str) -> str:
    words = _figure(rs, cond, lang)
    return words[:1].upper() + words[1:] if lang == "en" else words  # a cell of its own starts a sentence


def _figure(rs, cond, lang: str) -> str:
    """「(上年度总收入 − 上年度房租及物业收入) ÷ 上年度总收入」: a compound numerator in brackets, so it reads as computed."""
    if cond.share:
        return _view.word("share_of", lang, test=_test_words(rs, cond.share, lang))
    value = figure_words(rs, cond.value, lang)
    if not cond.per:
        return value
    per = figure_words(rs, cond.per, lang)
    return f"{_bracketed(cond.value, value, lang)} ÷ {_bracketed(cond.per, per, lang)}"


def _bracketed(expression: str, words: str, lang: str) -> str:
    if _NAME.fullmatch(expression.strip()) is not None:
        return words
    return f"({words})" if lang == "en" else f"（{words}）"


def clause_view(rs, clause, lang: str) -> dict[str, Any]:
    from ..rules.ruleset import in_language

    conditions, thresholds, relaxed_list, tests = [], [], [], []
    ci = rs.clauses.index(clause)
    for ki, cond in enumerate(clause.conditions):
        unit = clause.unit if clause.unit else ""
        figure = _condition_figure(rs, cond, lang)
        if cond.share:
            unit = "ratio"
            test = rs.tenant_tests.get(cond.share)
            if test is not None:
                tests.append({"name": _test_words(rs, cond.share, lang), "article": test.article,
                              "legal_text": test.legal_text,
                              "reading": in_language(test.reading, lang) if test.reading else ""})
        elif cond.per:
            unit = "ratio"
        over_time = rs.condition_over_time(ci, ki)
        def bracketed(text: str) -> str:
            return _view.mark("（", lang) + text + _view.mark("）", lang)

        since = (lambda day: bracketed(_view.word("since", lang, day=day.isoformat()))) if len(over_time) > 1 else (lambda day: "")
        threshold = _view.mark("；", lang).join(threshold_text(cond, unit, t.normal, lang) + since(day) for day, _, t in over_time)
        relaxed = _view.mark("；", lang).join(threshold_text(cond, unit, t.relaxed, lang) + bracketed(rs.relaxation.basis) + since(day)
                                              for day, _, t in over_time if t.relaxable)
        conditions.append({"figure": figure, "threshold": threshold, "relaxed": relaxed,
                           "reading": in_language(cond.reading, lang) if cond.reading else ""})
        thresholds.append(threshold)
        if relaxed:
            relaxed_list.append(relaxed)
    if clause.review:
        thresholds.append(_view.word("kind_review", lang))
    if clause.ban:
        thresholds.append(_view.word("kind_ban", lang))
    cited = [rs.readings[key].text(lang) + _view.mark("（", lang) + f"{rs.readings[key].source}{_view.mark('，', lang)}"
             f"{rs.readings[key].issued}" + _view.mark("）", lang) for key in clause.cites]
    return {"id": clause.id, "article": clause.article, "title": clause.title(lang), "legal_text": clause.legal_text,
            "reading": " ".join(([in_language(clause.reading, lang)] if clause.reading else []) + cited),
            "review": _in_words(rs, clause.review, lang) if clause.review else "", "conditions": conditions, "tests": tests,
            "thresholds": thresholds, "relaxed": relaxed_list,
            "bans": list(rs.bans.years.items()) if clause.ban and rs.bans else []}


def ruleset_summary(lang: str) -> list[dict[str, Any]]:
    from ..rules.ruleset import bundled_ids, load_ruleset

    out = []
    for rid in bundled_ids():
        rs = load_ruleset(rid)
        out.append({"id": rs.id, "version": rs.version, "title": rs.title(lang), "level": rs.level,
                    "citation": rs.citation, "effective": rs.effective.isoformat(), "example": rs.example})
    return out


def bundled_ruleset(rid: str):
    from ..rules.ruleset import bundled_ids, load_ruleset

    if rid not in bundled_ids():  # only bundled ids: a ruleset reference may also be a path, never from a URL
        abort(404)
    return load_ruleset(rid)


