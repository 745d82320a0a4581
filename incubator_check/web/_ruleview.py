"""The rule data as the rules pages and ``/api/rulesets`` show it: rulesets, clauses, conditions, thresholds.

Only bundled rulesets are shown (a ruleset reference may also be a path, never from a URL).
"""

from __future__ import annotations

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


def clause_view(rs, clause, lang: str) -> dict[str, Any]:
    from ..rules.ruleset import in_language

    conditions, thresholds, relaxed_list, tests = [], [], [], []
    ci = rs.clauses.index(clause)
    for ki, cond in enumerate(clause.conditions):
        unit = clause.unit if clause.unit else ""
        if cond.share:
            unit = "ratio"
            figure = _view.word("share_of", lang, test=cond.share)
            test = rs.tenant_tests.get(cond.share)
            if test is not None:
                tests.append({"name": cond.share, "article": test.article, "legal_text": test.legal_text,
                              "reading": in_language(test.reading, lang) if test.reading else ""})
        else:
            figure = cond.value + (f" / {cond.per}" if cond.per else "")
            if cond.per:
                unit = "ratio"
        over_time = rs.condition_over_time(ci, ki)
        since = (lambda day: f"（{_view.word('since', lang, day=day.isoformat())}）") if len(over_time) > 1 else (lambda day: "")
        threshold = "；".join(threshold_text(cond, unit, t.normal, lang) + since(day) for day, _, t in over_time)
        relaxed = "；".join(threshold_text(cond, unit, t.relaxed, lang) + f"（{rs.relaxation.basis}）" + since(day)
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
    cited = [f"{rs.readings[key].text(lang)}（{rs.readings[key].source}，{rs.readings[key].issued}）" for key in clause.cites]
    return {"id": clause.id, "article": clause.article, "title": clause.title(lang), "legal_text": clause.legal_text,
            "reading": " ".join(([in_language(clause.reading, lang)] if clause.reading else []) + cited),
            "review": clause.review(lang) if clause.review else "", "conditions": conditions, "tests": tests,
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


