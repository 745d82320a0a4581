"""Text for people: what ``read`` and ``check`` print in a terminal, in Chinese or English."""

from __future__ import annotations

from decimal import Decimal
from enum import Enum
from typing import Any

from ..workbook.layout import PROFILE, TENANTS
from ..workbook.reader import ReadResult
from .._text import visible
from .._words import severity_word, status_word, with_unit  # noqa: F401 - the outputs' one vocabulary
from ..findings import Finding, Severity
from .figures import clause_figures, must_correct, pad, width  # noqa: F401 - re-exported for the outputs

_SEVERITY = {
    Severity.ERROR: ("错误", "error", "red"),
    Severity.WARNING: ("警告", "warning", "yellow"),
    Severity.INFO: ("说明", "info", "cyan"),
}


def _style(text: str, color: bool, **kwargs: Any) -> str:
    if not color:
        return text
    import click  # only to colour: a check's child writes its table without importing the command line's library

    return click.style(text, **kwargs)


def show_value(value: Any, lang: str) -> str:
    """A parsed value as a person reads it."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return ("yes" if value else "no") if lang == "en" else ("是" if value else "否")
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, tuple):
        return "、".join(show_value(v, lang) for v in value)
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def render_findings(findings: list[Finding], lang: str, color: bool) -> list[str]:
    lines = []
    for f in findings:
        zh, en, colour = _SEVERITY[f.severity]
        tag = _style(f"[{en if lang == 'en' else zh}]", color, fg=colour)
        where = f" {f.where}" if f.where else ""
        lines.append(f"  {tag} {f.code}{visible(where)}: {visible(f.message(lang))}")
    return lines


def render_read(result: ReadResult, lang: str, color: bool) -> str:
    en = lang == "en"
    lines: list[str] = []
    sub = result.submission
    if sub is not None:
        source = sub.source
        lines.append(_style("基本信息 / Profile" if not en else "Profile", color, bold=True))
        for spec in PROFILE.fields:
            value = getattr(sub.profile, spec.key)
            ref = source.profile_ref(spec.key) or ("未找到" if not en else "not found")
            label = spec.en if en else spec.header
            lines.append(f"  {label}: {show_value(value, lang)}  ({ref})")
        lines.append("")
        lines.append(_style(f"在孵企业 {len(sub.tenants)} 家" if not en else f"Tenants: {len(sub.tenants)}", color, bold=True))
        keys = [f for f in TENANTS.fields if f.key not in ("name",)]
        for t in sub.tenants:
            parts = [f"{(s.en if en else s.label)}={show_value(getattr(t, s.key), lang)}" for s in keys
                     if getattr(t, s.key) is not None]
            parts += [f"{visible(header)}={visible(value)}" for header, value in t.kept]  # columns kept as they were
            sheet, row = source.tenant_place(t.row)  # a continuation sheet's row, on its own sheet
            at = f"{visible(sheet)} " if t.row in source.continued else ""
            lines.append(f"  {at}{'row' if en else '第'} {row}{'' if en else ' 行'} {visible(t.name or '—')}: " + "; ".join(parts))
        columns = source.columns.get("tenants", {})
        if columns:  # how each column was understood: its letter and field (other headers: see the info findings)
            lines.append(("  columns: " if en else "  列：") + ("; " if en else "；").join(
                f"{letter} {TENANTS.field(key).en if en else TENANTS.field(key).header}"
                for key, letter in sorted(columns.items(), key=lambda item: (len(item[1]), item[1]))))
        if sub.staff is not None:
            lines.append(f"{'Staff' if en else '人员'}: {len(sub.staff)}")
        if sub.funds is not None:
            lines.append(f"{'Funds' if en else '投资基金'}: {len(sub.funds)}")
        lines.append("")
    lines.append(_style(("Findings" if en else "发现的问题") + f": {len(result.findings)}", color, bold=True))
    lines.extend(render_findings(result.findings, lang, color))
    return "\n".join(lines)


# --- check ------------------------------------------------------------------------------------------


_STATUS_COLOUR = {"PASS": "green", "FAIL": "red", "MISSING": "yellow", "REVIEW": "cyan", "ERROR": "red",
                  "INCOMPLETE": "yellow"}



def render_check(report, lang: str, color: bool) -> str:
    """The terminal view of one report: a line per clause, excluded tenants, findings, notes, the verdict."""
    en = lang == "en"
    lines: list[str] = []
    path = visible(report.source.get("path", ""))  # a name may hold a newline, bytes that are not UTF-8, escapes
    verdict = report.verdict.value
    if report.error:
        lines.append(f"{path}")
        lines.append(_style(f"{status_word('ERROR', lang)}: ", color, fg="red", bold=True) + visible(report.error["message"]))
        for f in report.findings[1:]:
            lines.append(f"  {f['code']} {visible(f['where'])}: {visible(f['message'])}")
        return "\n".join(lines)
    inc = report.incubator or {}
    rs = report.ruleset or {}
    lines.append(_style(f"{visible(inc.get('name') or '') or path}", color, bold=True) + f"  ({path})")
    lines.append(("Ruleset" if en else "规则集") + f": {rs.get('id')} {rs.get('version')} — {rs.get('title')}")
    if rs.get("values_on"):
        lines.append((f"rule values as of {rs['values_on']}" if en else f"规则取值日期：{rs['values_on']}")
                     + _day_source(report, en))
    if report.relaxation and report.relaxation.get("applied"):
        basis = report.relaxation.get("basis", "")
        lines.append((f"relaxation of {basis} applied: thresholds × " if en else f"已适用{basis}：门槛 × ") + report.relaxation["factor"])
    lines.append("")
    head = ("status", "clause", "value", "threshold", "shortfall") if en else ("结果", "条款", "数值", "门槛", "差额")
    rows = []
    shown = {c["id"]: c for c in report.as_json()["clauses"]}
    for clause in report.clauses:
        value, threshold, shortfall = clause_figures(shown[clause.id], lang)
        rows.append((clause.status.value, f"{clause.id} {clause.title}", value, threshold, shortfall, clause.message))
    # Columns padded to the widest cell by display width (a CJK character takes two columns), so that the
    # columns line up in both languages; only the figures are capped, the clause titles are shown whole.
    sizes = [0] * 5
    sizes[0] = max([width(status_word(r[0], lang)) for r in rows] + [width(head[0])])
    for i in range(1, 5):
        sizes[i] = max([width(r[i]) for r in rows] + [width(head[i])])
        if i > 1:
            sizes[i] = min(sizes[i], 28)
    lines.append("  ".join(pad(h, s) for h, s in zip(head, sizes)).rstrip())
    for status, name, value, threshold, shortfall, message in rows:
        word = pad(status_word(status, lang), sizes[0])
        cells = [_style(word, color, fg=_STATUS_COLOUR.get(status)), pad(name, sizes[1]), pad(value, sizes[2]),
                 pad(threshold, sizes[3]), pad(shortfall, sizes[4])]
        lines.append("  ".join(cells).rstrip())
        if status in ("FAIL", "MISSING", "REVIEW") and message:
            lines.append(" " * (sizes[0] + 2) + _style(message, color, dim=True))
    tenants = report.tenants
    if tenants is not None:
        lines.append("")
        extra = f"–{tenants.qualifying_max}" if tenants.qualifying_max is not None else ""
        lines.append(_style((f"Tenants: {tenants.listed} listed, {tenants.qualifying}{extra} qualifying" if en
                             else f"在孵企业：名单 {tenants.listed} 家，计入 {tenants.qualifying}{extra} 家"), color, bold=True))
        for ex in tenants.excluded:
            lines.append(f"  {'row' if en else '第'} {ex.row}{'' if en else ' 行'} {visible(ex.name or '—')}: "
                         + visible(("; " if en else "；").join(ex.reasons)))
    if report.findings:
        lines.append("")
        lines.append(_style(("Findings" if en else "发现的问题") + f": {len(report.findings)}", color, bold=True))
        for f in report.findings:
            zh, en_word, colour = _SEVERITY[Severity(f["severity"])]
            tag = _style(f"[{en_word if en else zh}]", color, fg=colour)
            where = f" {f['where']}" if f["where"] else ""
            lines.append(f"  {tag} {f['code']}{visible(where)}: {visible(f['message'])}")
    for note in report.notes:
        lines.append("")
        lines.append(("Note: " if en else "提示：") + note["message"])
    lines.append("")
    date = report.application_date or {}
    source = {"申报日期": ("申报日期", "申报日期 in the profile"), "--as-of": ("--as-of", "--as-of"),
              "检查当日": ("检查当日", "the date of the check")}.get(date.get("source"), (date.get("source"), date.get("source")))
    lines.append(("Application date used" if en else "所用申报日期") + f": {date.get('date')} ({source[1] if en else source[0]})")
    to_correct = must_correct(report.findings, lang)
    if to_correct:
        lines.append(to_correct)
    lines.append(_style(("Verdict: " if en else "结论：") + status_word(verdict, lang), color,
                        fg=_STATUS_COLOUR.get(verdict), bold=True))
    first = report.as_json().get("first_check")
    if first:  # the 初核 against the standard level (工信厅科函〔2025〕349号): its result and what it did not meet
        from .summary import failed_clauses

        gaps = [f"{cid} {gap}" for cid, _, gap in failed_clauses(first["clauses"], lang)]
        gaps += [(f"missing data: {c['id']}" if en else f"缺数据：{c['id']}") for c in first["clauses"]
                 if c["status"] == "MISSING"]
        lines.append((f"First check against {first['ruleset']['id']} ({first['citation']}): " if en else
                      f"原国家级初核（{first['citation']}，按 {first['ruleset']['id']}）：")
                     + status_word(first["verdict"], lang) + ((" — " + "; ".join(gaps)) if gaps and en else
                                                              ("——" + "；".join(gaps)) if gaps else ""))
    if report.plan is not None:
        lines.append("")
        lines += render_plan(report.as_json()["plan"], lang, color)
    return "\n".join(lines)


def plan_figure(shown: dict[str, Any], lang: str) -> str:
    """A clause's figure before or after a plan, as the terminal and the pages write it (27 家, 13.3%)."""
    value, _, _ = clause_figures(shown, lang)
    if shown.get("numerator") is not None and shown.get("unit") == "ratio":
        value += f" ({shown['numerator']}/{shown['denominator']})"
    return value


def render_plan(plan: dict[str, Any], lang: str, color: bool) -> list[str]:
    """The plan to pass (docs/report-plan.md): its sentence, what blocks it, each clause's figure before and after."""
    en = lang == "en"
    colour = {"plan": "green", "pass": "green", "fill": "yellow", "blocked": "red", "error": "red"}.get(plan["status"])
    lines = [_style(visible(plan["text"]), color, fg=colour, bold=True)]
    for item in plan.get("blocking", []):
        lines.append("  " + visible(item["text"]))
    for need in plan.get("needs", [])[:10]:
        lines.append("  " + visible(need))
    changed = [c for c in plan.get("clauses", []) if c["before"] != c["after"]]
    if changed:
        head = ("clause", "before", "after") if en else ("条款", "调整前", "调整后")
        rows = [(c["id"], f"{status_word(c['before']['status'], lang)} {plan_figure(c['before'], lang)}",
                 f"{status_word(c['after']['status'], lang)} {plan_figure(c['after'], lang)}") for c in changed]
        sizes = [max(width(r[i]) for r in rows + [head]) for i in range(3)]
        lines.append("  " + "  ".join(pad(h, s) for h, s in zip(head, sizes)).rstrip())
        for row in rows:
            lines.append("  " + "  ".join(pad(v, s) for v, s in zip(row, sizes)).rstrip())
    if plan.get("unchanged"):
        lines.append(("  Left as they are (for a reviewer): " if en else "  保持不变（由评审人员判断）：") + ", ".join(plan["unchanged"]))
    return lines


# --- rules ------------------------------------------------------------------------------------------


def _day_source(report, en: bool) -> str:
    """Where the deciding day came from: --as-of, 申报日期 or the day of the check."""
    source = (report.ruleset or {}).get("values_from")
    words = {"申报日期": "the application date", "--as-of": "--as-of", "检查当日": "the day of the check"}
    if source not in words:
        return ""
    return f" ({words[source]})" if en else f"（{source}）"


def condition_values(rs, ci: int, ki: int, lang: str) -> list[str]:
    """A condition's threshold (and relaxed threshold) on each day it changes, as ``rules show`` writes it: one
    line when it never changes, else one per day with the day it holds from."""
    en = lang == "en"
    over_time = rs.condition_over_time(ci, ki)
    lines = []
    for day, cond, (normal, relaxed, relaxable) in over_time:
        text = f"{cond.operator} {exact_text(normal)}"
        if relaxable:
            text += f"   ({'relaxed' if en else '艰苦边远地区降低后'} {exact_text(relaxed)}, {rs.relaxation.basis})"
        if rs.resolved_on is not None:
            text += f"   [{'as of' if en else '取值日期'} {day.isoformat()}]"
        elif len(over_time) > 1:
            text += f"   [{'from' if en else '自'} {day.isoformat()}{'' if en else ' 起'}]"
        lines.append(text)
    return lines


def render_rules(ruleset_id: str | None, lang: str) -> str:
    from ..rules.ruleset import bundled_ids, load_ruleset
    from ..rules.schema import shown_dated

    en = lang == "en"
    lines = []
    ids = [ruleset_id] if ruleset_id else bundled_ids()
    for rid in ids:
        rs = load_ruleset(rid)
        mark = (" [example]" if en else "【示例】") if rs.example else ""
        lines.append(f"{rs.id} {rs.version}{mark} — {rs.title(lang)} ({rs.citation}, {'effective' if en else '施行'} {rs.effective})")
        if ruleset_id:
            for clause in rs.clauses:
                thresholds = ", ".join(f"{c.operator} {shown_dated(c.threshold, exact_text)}" for c in clause.conditions)
                kind = "REVIEW" if clause.review else ("ban" if clause.ban else thresholds)
                lines.append(f"  {clause.id:<14} {clause.article:<12} {pad(clause.title(lang), 30)} {kind}")
    return "\n".join(lines)


def exact_text(value) -> str:
    from ..judge.numbers import exact

    return exact(value) or ""


def render_clause(clause_id: str, ruleset_ref: str | None, lang: str, as_of=None) -> str | None:
    from ..rules.ruleset import bundled_ids, default_for_level, load_ruleset

    en = lang == "en"
    # Without --ruleset: the default ruleset of a standard-level application first (chosen by the rule data's
    # `default` and `level`, never by a name written here), then every other bundled one.
    first = default_for_level("标准级")
    candidates = [ruleset_ref] if ruleset_ref else [first] + [r for r in bundled_ids() if r != first]
    for rid in candidates:
        rs = load_ruleset(rid)
        if as_of is not None:
            rs = rs.at(as_of)
        try:
            clause = rs.clause(clause_id)
        except KeyError:
            continue
        from ..rules.ruleset import in_language

        lines = [f"{clause.id}  {clause.title(lang)}  ({rs.id} {rs.version})",
                 f"{'Article' if en else '条款'}: {rs.citation} {clause.article}",
                 f"{'Legal text' if en else '法条原文'}: {clause.legal_text}"]
        if clause.reading:
            lines.append(f"{'Reading' if en else '解读'}: {in_language(clause.reading, lang)}")
        if clause.review:
            lines.append(f"{'Status' if en else '结果'}: REVIEW — {clause.review(lang)}")
        if clause.ban and rs.bans:
            lines.append(f"{'Reading' if en else '解读'}: {rs.bans.reading(lang)}")
            for reason, years in rs.bans.years.items():
                lines.append(f"  {reason}: {years} {'years' if en else '年'}")
        ci = rs.clauses.index(clause)
        for cited in clause.cites:
            reading = rs.readings[cited]
            lines.append(f"{'Reading cited' if en else '引用解读'}: {reading.text(lang)} ({reading.source}, {reading.issued})")
        for ki, cond in enumerate(clause.conditions):
            figure = cond.share and (f"share of tenants passing '{cond.share}'" if en else f"符合「{cond.share}」的在孵企业占比") or (
                f"{cond.value}" + (f" / {cond.per}" if cond.per else ""))
            values = condition_values(rs, ci, ki, lang)
            lines.append(f"  {figure} {values[0]}")
            lines += [f"  {' ' * len(figure)} {v}" for v in values[1:]]
            if cond.share:
                lines += _describe_test(rs, cond.share, en, "    ")
                lines.append(f"    {'of the tenants that pass' if en else '分母：符合'} {rs.population}:")
                lines += _describe_test(rs, rs.population, en, "      ")
        return "\n".join(lines)
    return None


# --- batch ------------------------------------------------------------------------------------------


def render_batch(lines, cross, setup, color: bool) -> str:
    """The terminal table of a batch: a row per submission with the reason for its verdict (the failed clauses
    with their shortfalls in units, the missing ones, the cells to correct), then the findings across
    submissions in words, the excellence quota per authority and the totals."""
    from .summary import authority_word, cross_label, quota, rulesets_used, summary_row

    lang = setup.lang
    en = lang == "en"
    rows = [summary_row(line, index, setup) for index, line in enumerate(lines)]
    quotas = quota(rows, setup)
    counts: dict[str, int] = {}
    table = []
    for row in rows:
        counts[row.verdict] = counts.get(row.verdict, 0) + 1
        if row.error:
            detail = row.error
        else:
            detail = row.unmet(lang, titles=False)
        table.append((row.file, row.verdict, detail))
    size0 = max([width(r[0]) for r in table] + [width("file" if en else "文件")])
    size1 = max([width(status_word(r[1], lang)) for r in table] + [6])
    out = [pad("file" if en else "文件", size0) + "  " + pad("verdict" if en else "结论", size1) + "  " +
           ("why: clauses not met, shortfalls, cells to correct" if en else "原因：不通过的条款与差额、缺数据、待改正的单元格")]
    for name, verdict, detail in table:
        word = _style(pad(status_word(verdict, lang), size1), color, fg=_STATUS_COLOUR.get(verdict))
        out.append(f"{pad(name, size0)}  {word}  {detail}".rstrip())
    if cross:
        out.append("")
        out.append(_style(f"Across submissions: {len(cross)}" if en else f"跨申报问题：{len(cross)}", color, bold=True))
        for c in cross:
            out.append(f"  [{cross_label(c.code, lang)}] {visible(c.message(lang))}")
    if any(q.excellence_applicants for q in quotas):
        out.append("")
        out.append(_style((f"Excellence quota ({setup.citation})" if en else f"卓越级推荐名额（{setup.citation}）"), color, bold=True))
        for q in quotas:
            if not q.excellence_applicants:
                continue
            over = (f", {q.over} over" if en else f"，超出 {q.over}") if q.over else ""
            out.append(f"  {authority_word(q.authority, lang)}" + (": " if en else "：") + (
                f"{q.excellence} excellence passing, cap {q.formula(lang)}{over}" if en
                else f"卓越级通过 {q.excellence}，上限 {q.formula(lang)}{over}"))
    used = rulesets_used(rows)
    if used:  # which rules each file was judged on: its 申报级别's (and its place's) unless --ruleset chose one
        out.append("")
        out.append(("Rulesets used: " if en else "所用规则集：") + (", " if en else "、").join(
            f"{rid} ({n})" if en else f"{rid}（{n} 份）" for rid, n in used))
    out.append("")
    total = sum(counts.values())
    summary = ", ".join(f"{status_word(k, lang)} {v}" for k, v in sorted(counts.items()))
    out.append((f"{total} workbooks: " if en else f"共 {total} 份：") + summary)
    return "\n".join(out)


def _describe_test(rs, name: str, en: bool, indent: str) -> list[str]:
    """A tenant test as the ruleset states it: its article, legal text, reading and terms."""
    from ..rules.ruleset import in_language
    test = rs.tenant_tests[name]
    lines = [f"{indent}{name} ({test.article}): {test.legal_text}".rstrip(": ")]
    if test.reading:
        lines.append(f"{indent}{'reading' if en else '解读'}: {in_language(test.reading, 'en' if en else 'zh')}")
    joiner = ("all of" if en else "同时满足") if test.all is not None else ("any of" if en else "满足其一")
    lines.append(f"{indent}{joiner}:")
    for term in test.terms:
        if term.expr:
            blank = "" if term.blank is None else (f"  (blank = {str(term.blank).lower()})" if en else f"（未填视为{'是' if term.blank else '否'}）")
            lines.append(f"{indent}  - {term.expr}{blank}")
        elif term.test:
            lines.append(f"{indent}  - {'test' if en else '检验'} {term.test}")
        else:
            lines.append(f"{indent}  - {'SME class in' if en else '企业规模属于'} {', '.join(term.sme_class or ())} ({rs.sme_classification})")
    return lines
