"""What the pages show, in Chinese or English: the words, and a report turned into rows for a person.

Everything here works on the JSON report of ``report.md`` (a plain dict), so the web pages, the batch
rows and ``check --format html`` show one report the same way. Nothing here escapes: the templates do
(Jinja2 autoescape), and no value built here is marked safe.
"""

from __future__ import annotations

from typing import Any

from ..present.figures import clause_figures as figure  # one writer of a clause's figures for every output
from ..present.terminal import plan_figure
from .._words import severity_word, status_word  # the outputs' one vocabulary (report.md)

# Every word of the pages: key → (Chinese, English).
WORDS: dict[str, tuple[str, str]] = {
    "app": ("孵化器申报检查", "Incubator application check"),
    "home": ("首页", "Home"),
    "rules": ("认定条件", "Rules"),
    "templates": ("空白申报表", "Blank workbooks"),
    "switch": ("English", "中文"),
    "intro1": ("检查科技型企业孵化器的申报表是否符合《工业和信息化部科技型企业孵化器管理办法》（工信部科〔2025〕131号）的认定条件：逐条给出数值、门槛、结果和差距。",
               "Checks a technology-business incubator's application workbook against the accreditation criteria of "
               "MIIT's incubator measures (工信部科〔2025〕131号), clause by clause: the figure, the threshold, the result and the gap."),
    "intro2": ("上传一份申报表即得检查报告；上传多份或一个文件夹的 .zip 压缩包即得汇总。文件只在本机检查，检查后即删除。",
               "Upload one workbook for its report; several, or a .zip of a folder, for a summary. Files are checked on this "
               "computer and deleted as soon as they are checked."),
    "drop": ("把申报表（.xlsx、.xls、.ods）或 .zip 压缩包拖到这里，或点击选择文件",
             "Drop workbooks (.xlsx, .xls, .ods) or a .zip here, or click to choose files"),
    "chosen": ("已选择：", "Chosen: "),
    "ruleset": ("规则集", "Ruleset"),
    "ruleset_auto": ("按申报表中的申报级别（标准级 / 卓越级）", "As the workbook's level says (standard / excellence)"),
    "as_of": ("申报日期（可选）", "Application date (optional)"),
    "as_of_help": ("申报表未填申报日期时，按此日期判断第二十条；不填则用今天。",
                   "Used for Article 20 when the workbook gives no 申报日期; today when blank."),
    "submit": ("开始检查", "Check"),
    "blank_std": ("空白申报表（标准级）", "Blank workbook (standard)"),
    "blank_exc": ("空白申报表（卓越级）", "Blank workbook (excellence)"),
    "blank_of": ("空白申报表", "Blank workbook"),
    "limits": ("每个文件不超过 {size}，每次最多 {files} 个文件。", "Up to {size} per file and {files} files at a time."),
    "example": ("示例", "example"),
    "verdict": ("结论", "Verdict"),
    "fix_first": ("请先处理", "Fix these first"),
    "plan": ("通过方案", "Plan to pass"),
    "plan_before": ("调整前", "Before"),
    "plan_after": ("调整后", "After"),
    "what_if": ("假如调整数据", "What if"),
    "what_if_hint": ("修改任意数据后重新检查：由服务器用同一套规则判定，不改动原申报表。",
                     "Change any figure and judge again: the server applies the same rules; the workbook is not changed."),
    "back_report": ("返回检查报告", "Back to the report"),
    "what_if_run": ("重新检查", "Judge again"),
    "what_if_result": ("调整后的结论", "Verdict with these figures"),
    "what_if_open": ("假如调整数据……", "What if…"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "blank": ("（空白）", "(blank)"),
    "plan_unchanged": ("保持不变（由评审人员判断）", "Left as they are (for a reviewer)"),
    "plan_verified": ("方案已按调整后的数据重新检查，所有可计量条款均通过。", "The plan was checked again on the changed figures: every measurable clause passes."),
    "nothing_to_fix": ("所有可量化的条件均已满足；待复核的条款由评审人员判断。",
                       "Every measurable condition is met; the clauses marked REVIEW are for a reviewer to judge."),
    "file": ("文件", "File"),
    "incubator": ("孵化器", "Incubator"),
    "operator": ("运营主体", "Operator"),
    "province": ("省份", "Province"),
    "level": ("申报级别", "Level"),
    "date_used": ("所用申报日期", "Application date used"),
    "values_on": ("规则取值日期", "Rule values as of"),
    "relaxed": ("已适用{basis}：门槛 × {factor}", "{basis} applied: thresholds × {factor}"),
    "clauses": ("逐条结果", "Clause by clause"),
    "first_check": ("原国家级初核", "First check of a former national-level incubator"),
    "first_check_against": ("按标准级条件（{title}，{ruleset}）初核，依据{citation}。",
                            "Checked against the standard level's conditions ({title}, {ruleset}) under {citation}."),
    "first_check_unmet": ("初核未通过", "Not met in the first check"),
    "status": ("结果", "Result"),
    "clause": ("条款", "Clause"),
    "value": ("数值", "Figure"),
    "threshold": ("门槛", "Threshold"),
    "shortfall": ("差额", "Shortfall"),
    "explanation": ("说明", "Explanation"),
    "cells": ("数据来源", "Cells"),
    "needs": ("取决于", "Depends on"),
    "legal_text": ("法条原文", "Legal text"),
    "reading": ("解读", "Reading applied"),
    "tenants": ("在孵企业", "Tenants"),
    "tenants_line": ("名单 {listed} 家，计入 {qualifying} 家", "{listed} listed, {qualifying} qualifying"),
    "excluded": ("未计入的企业及原因", "Tenants not counted, and why"),
    "row": ("行", "Row"),
    "name": ("名称", "Name"),
    "uscc": ("统一社会信用代码", "USCC"),
    "reasons": ("原因", "Reasons"),
    "undecided": ("（补齐数据后可能计入）", " (might count once the missing figures are given)"),
    "findings": ("发现的问题", "Findings"),
    "severity": ("级别", "Severity"),
    "code": ("代码", "Code"),
    "cross_kind": ("类型", "Kind"),
    "where": ("位置", "Cell"),
    "message": ("说明", "Message"),
    "no_findings": ("没有发现问题。", "No findings."),
    "notes": ("提示", "Notes"),
    "downloads": ("下载", "Download"),
    "dl_xlsx": ("Excel 报告", "Excel report"),
    "dl_html": ("网页报告（可打印）", "HTML report (printable)"),
    "dl_json": ("JSON", "JSON"),
    "print": ("打印", "Print"),
    "print_hint": ("用浏览器的打印功能（Ctrl+P）打印或另存为 PDF（A4）。", "Use the browser's print (Ctrl+P) to print or save as PDF (A4)."),
    "checked_lang": ("本报告的说明文字为检查时所选的语言（英文）。", "The explanations in this report are in the language chosen for the check (Chinese)."),
    "error_reason": ("无法读取的原因", "Why it cannot be read"),
    "ruleset_used": ("规则集", "Ruleset"),
    "generated": ("由 incubator-check {version} 生成", "Generated by incubator-check {version}"),
    "batch": ("批量检查", "Batch check"),
    "progress": ("检查进度", "Progress"),
    "working": ("正在检查，请稍候……", "Checking, please wait…"),
    "batch_failed": ("批量检查未能完成：", "The batch could not be finished: "),
    "submissions": ("份申报", "submissions"),
    "failed_clauses": ("不通过的条款与差额", "Failed clauses and shortfalls"),
    "missing_clauses": ("缺数据：", "missing: "),
    "filter": ("筛选", "Filter"),
    "all": ("全部", "All"),
    "sort": ("排序", "Sort"),
    "sort_file": ("按文件名", "by file name"),
    "sort_verdict": ("按结论", "by verdict"),
    "sort_incubator": ("按孵化器", "by incubator"),
    "apply": ("应用", "Apply"),
    "open": ("查看报告", "Open report"),
    "cross": ("跨申报问题", "Findings across submissions"),
    "no_cross": ("没有跨申报问题。", "None."),
    "quota": ("卓越级推荐名额（按推荐单位）", "Excellence recommendation quota, per recommending authority"),
    "authority": ("推荐单位", "Authority"),
    "quota_applicants": ("卓越级申报数", "Excellence applicants"),
    "quota_passing": ("卓越级通过数", "Excellence passing"),
    "quota_total": ("推荐总数", "All recommended"),
    "quota_limit": ("卓越级上限", "Excellence cap"),
    "quota_formula": ("计算", "Worked out"),
    "quota_over": ("超出名额", "Over quota"),
    "no_quota": ("本批没有卓越级申报。", "No excellence applications in this batch."),
    "dl_summary": ("汇总工作簿（Excel）", "Summary workbook (Excel)"),
    "dl_letters": ("补正通知（每份未通过的申报一页）", "Letters to the applicants that do not pass"),
    "dl_round": ("汇总表、公示名单、初核（可打印）", "Summary, public notice, first check (printable)"),
    "dl_jsonl": ("全部报告（JSON Lines）", "All reports (JSON Lines)"),
    "skipped": ("未检查的文件（不是申报表）：", "Files not checked (not workbooks): "),
    "back_batch": ("返回汇总", "Back to the summary"),
    "count": ("共 {n} 份", "{n} in all"),
    "rulesets": ("规则集", "Rulesets"),
    "citation": ("依据", "Citation"),
    "effective": ("施行", "In force"),
    "normal": ("门槛", "Threshold"),
    "relaxed_threshold": ("艰苦边远地区降低后", "Relaxed (remote areas)"),
    "since": ("自 {day} 起", "from {day}"),
    "kind_review": ("由评审人员判断", "judged by a reviewer"),
    "kind_ban": ("禁止情形", "ban"),
    "figure": ("指标", "Figure"),
    "share_of": ("{test}占比", "share of {test}"),
    "count_of": ("{test}数", "number of {test}"),
    "tenant_test": ("在孵企业的认定", "Which tenants count"),
    "ban_years": ("年", "years"),
    "error": ("出错了", "Something went wrong"),
    "back_home": ("返回首页", "Back to the start page"),
    "not_found": ("没有这个页面，或结果已过期（结果保存 {keep}）。", "No such page, or the result has expired (results are kept for {keep})."),
    "kept_for": ("结果保存 {keep}，之后自动删除。", "Results are kept for {keep}, then deleted."),
}


def word(key: str, lang: str, **values: Any) -> str:
    zh, en = WORDS[key]
    text = en if lang == "en" else zh
    return text.format(**values) if values else text


#: Chinese punctuation and its English form: the templates write a mark once, ``mark('：')``, for both languages.
_HALF_WIDTH = {"：": ": ", "；": "; ", "，": ", ", "、": ", ", "（": " (", "）": ")"}


def mark(full_width: str, lang: str) -> str:
    """A punctuation mark in the page's language: full-width in Chinese, half-width (with its space) in English."""
    return _HALF_WIDTH[full_width] if lang == "en" else full_width


def pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def verdict_word(verdict: str, lang: str) -> str:
    """通过 / 不通过 / 待补正 / 无法读取 (report.md)."""
    return status_word(verdict, lang)


def duration(seconds: int, lang: str) -> str:
    if seconds % 3600 == 0:
        n = seconds // 3600
        return f"{n} hour{'s' if n != 1 else ''}" if lang == "en" else f"{n} 小时"
    n = max(seconds // 60, 1)
    return f"{n} minute{'s' if n != 1 else ''}" if lang == "en" else f"{n} 分钟"


def _legal(ruleset_id: str | None) -> dict[str, tuple[str, str]]:
    """clause id → (legal text, reading in zh|en) from a bundled ruleset; empty when it is not bundled."""
    from ..rules.ruleset import bundled_ids, load_ruleset

    if not ruleset_id or ruleset_id not in bundled_ids():
        return {}
    try:
        rs = load_ruleset(ruleset_id)
    except Exception:  # noqa: BLE001 - the report is still shown without the legal text
        return {}
    return {c.id: c for c in rs.clauses}  # type: ignore[return-value]


def report_view(data: dict[str, Any], lang: str) -> dict[str, Any]:
    """A JSON report as the report page shows it."""
    verdict = data.get("verdict", "ERROR")
    inc = data.get("incubator") or {}
    rs = data.get("ruleset") or {}
    clauses = _clause_rows(data.get("clauses", []), rs.get("id"), lang)
    fix: list[str] = []
    for c in clauses:
        if c["status"] == "FAIL":
            fix.append(f"{c['id']} {c['title']}：{c['message']}" if lang != "en" else f"{c['id']} {c['title']}: {c['message']}")
    for c in clauses:
        if c["status"] == "MISSING":
            cells = mark("、", lang).join(c["needs"][:6]) + ("…" if len(c["needs"]) > 6 else "")
            fix.append(f"{c['id']} {c['title']}：{word('needs', lang)} {cells}" if lang != "en"
                       else f"{c['id']} {c['title']}: {word('needs', lang)} {cells}")
    findings = []
    for f in data.get("findings", []):
        message = f.get("message_en" if lang == "en" else "message_zh") or f.get("message", "")
        findings.append({**f, "message": message, "severity_word": severity_word(f.get("severity", ""), lang)})
    errors = [f for f in findings if f.get("severity") == "error"]
    for f in errors[:5]:
        fix.append(f"{f.get('where') or ''} {f['message']}".strip())
    if len(errors) > 5:
        fix.append(("…and %d more errors below" % (len(errors) - 5)) if lang == "en" else f"……另有 {len(errors) - 5} 个错误，见下文")
    groups: dict[str, list[dict[str, Any]]] = {}
    for f in findings:
        groups.setdefault(f.get("sheet") or (f.get("where") or "").split("!")[0] or "—", []).append(f)
    error = data.get("error")
    if error:
        error = {**error, "message": error.get("message_en" if lang == "en" else "message_zh") or error.get("message", "")}
        fix = [error["message"]]
    relax = data.get("relaxation") or {}
    tenants = data.get("tenants")
    if tenants:
        qualifying = str(tenants.get("qualifying"))
        if tenants.get("qualifying_max") is not None:
            qualifying += f"–{tenants['qualifying_max']}"
        tenants = {**tenants, "line": word("tenants_line", lang, listed=tenants.get("listed"), qualifying=qualifying)}
    return {
        "plan": plan_view(data.get("plan"), lang), "first_check": first_check_view(data.get("first_check"), lang),
        "verdict": verdict, "verdict_word": verdict_word(verdict, lang), "error": error,
        "path": (data.get("source") or {}).get("path", ""), "sha256": (data.get("source") or {}).get("sha256"),
        "incubator": inc, "ruleset": rs, "clauses": clauses, "fix": fix, "tenants": tenants,
        "finding_groups": list(groups.items()), "finding_count": len(findings),
        "notes": [n.get("message_en" if lang == "en" else "message_zh") or n.get("message", "") for n in data.get("notes", [])],
        "relaxed": word("relaxed", lang, basis=relax.get("basis", ""), factor=relax.get("factor", "")) if relax.get("applied") else "",
        "date_used": (data.get("application_date") or {}).get("date"),
        "values_on": " ".join(v for v in ((data.get("ruleset") or {}).get("values_on"),
                                          (data.get("ruleset") or {}).get("values_from")) if v),
        "checked_lang": data.get("lang", lang),
    }


def _clause_rows(clauses: list[dict[str, Any]], ruleset_id: str | None, lang: str) -> list[dict[str, Any]]:
    """A report's clauses as the page's table shows them, each with its legal text and reading from the ruleset."""
    from ..rules.ruleset import in_language

    legal = _legal(ruleset_id)
    rows = []
    for c in clauses:
        value, threshold, shortfall = figure(c, lang)
        rule = legal.get(c["id"])
        rows.append({
            "id": c["id"], "article": c.get("article", ""), "title": c.get("title_en" if lang == "en" else "title_zh")
            or c.get("title", ""), "status": c["status"], "status_word": status_word(c["status"], lang), "value": value,
            "threshold": threshold, "shortfall": shortfall, "message": c.get("message", ""),
            "evidence": c.get("evidence", []), "needs": c.get("needs", []),
            "legal_text": rule.legal_text if rule is not None else "",
            "reading": in_language(rule.reading, lang) if rule is not None and rule.reading else c.get("reading", ""),
            "relaxed": c.get("relaxed", False),
        })
    return rows


def first_check_view(first: dict[str, Any] | None, lang: str) -> dict[str, Any] | None:
    """The 初核 (工信厅科函〔2025〕349号) as the report page shows it: the same submission judged against the standard
    level's conditions, its verdict, what it did not meet, and its clauses; None when the ruleset asks for none."""
    if not first:
        return None
    from ..present.summary import failed_clauses

    rs = first.get("ruleset") or {}
    # each clause's title in the page's language (a batch is checked in one, its page read in either)
    clauses = [{**c, "title": c.get("title_en" if lang == "en" else "title_zh") or c.get("title", "")}
               for c in first.get("clauses", [])]
    unmet = [f"{cid} {title}{mark('：', lang)}{gap}" for cid, title, gap in failed_clauses(clauses, lang)]
    missing = [c["id"] for c in first.get("clauses", []) if c["status"] == "MISSING"]
    if missing:
        unmet.append(word("missing_clauses", lang) + mark("、", lang).join(missing))
    return {"verdict": first.get("verdict"), "verdict_word": verdict_word(first.get("verdict", ""), lang),
            "citation": first.get("citation", ""), "reading": first.get("reading", ""), "ruleset": rs,
            "unmet": unmet, "clauses": _clause_rows(first.get("clauses", []), rs.get("id"), lang)}


def plan_view(plan: dict[str, Any] | None, lang: str) -> dict[str, Any] | None:
    """The plan to pass as the report page's box shows it: its sentence, what blocks it, the changed clauses."""
    if not plan:
        return None
    key = "text_en" if lang == "en" else "text_zh"
    changed = [{"id": c["id"], "title": c.get("title_en" if lang == "en" else "title_zh", ""),
                "before": f"{status_word(c['before']['status'], lang)} {plan_figure(c['before'], lang)}",
                "after": f"{status_word(c['after']['status'], lang)} {plan_figure(c['after'], lang)}",
                "after_status": c["after"]["status"]}
               for c in plan.get("clauses", []) if c["before"] != c["after"]]
    text = plan.get(key) or plan.get("text", "")
    for prefix in ("通过方案：", "Plan to pass: "):  # the box has its own heading
        text = text[len(prefix):] if text.startswith(prefix) else text
    return {"status": plan["status"], "text": text,
            "actions": [a.get(key) or a.get("text", "") for a in plan.get("actions", [])],
            "blocking": [b.get(key) or b.get("text", "") for b in plan.get("blocking", [])],
            "needs": plan.get("needs", [])[:12], "changed": changed, "unchanged": plan.get("unchanged", []),
            "verified": plan.get("verified", False)}


def what_if_values(figures: dict[str, Any]) -> dict[str, str]:
    """The what-if form's starting values, as text: the profile figures, the tenants, each attribute's count."""
    values = {"application_year": str(figures.get("application_year") or "")}
    for name, value in figures.get("profile", {}).items():
        values[name] = "" if value is None else ("true" if value is True else "false" if value is False else str(value))
    values["tenants"] = str(figures.get("tenants", 0))
    for name, count in figures.get("attributes", {}).items():
        values[f"attr_{name}"] = str(count)
    return values


def what_if_fields(figures: dict[str, Any], levers, values: dict[str, str], lang: str,
                   ruleset=None) -> list[dict[str, Any]]:
    """The what-if form's fields: each with its label (the workbook's), its kind (yes/no or number) and value."""
    from ..workbook.layout import PROFILE

    en = lang == "en"
    fields = []
    for name, value in figures.get("profile", {}).items():
        try:
            spec = PROFILE.field(name)
        except KeyError:  # a field the ruleset declares: labelled from the ruleset (rules/fields.py)
            from ..rules.fields import field_spec

            spec = field_spec(ruleset, "profile", name)
        label = (spec.en or spec.label) if en else spec.label
        if spec.unit:
            label += f" ({spec.unit})" if en else f"（{spec.unit}）"
        fields.append({"name": name, "label": label, "flag": spec.kind.value == "yesno",
                       "value": values.get(name, "")})
    fields.append({"name": "tenants", "label": "Tenants (Article 8)" if en else "在孵企业数（第八条）", "flag": False,
                   "value": values.get("tenants", "0")})
    for name in figures.get("attributes", {}):
        title = levers.tenants.attributes[name].title
        fields.append({"name": f"attr_{name}", "label": (f"of which {title.en}" if en else f"其中{title.zh}"), "flag": False,
                       "value": values.get(f"attr_{name}", "0")})
    return fields


def batch_row(index: int, data: dict[str, Any], lang: str, setup) -> dict[str, Any]:
    """One submission of a batch as its summary row: the clauses not passed with their titles and gaps, and a
    待补正's reasons, in the words of the round's summary workbook (present/summary.py)."""
    from ..present.summary import summary_row

    clauses = data.get("clauses", [])
    failed = [c for c in clauses if c["status"] == "FAIL"]
    missing = [c["id"] for c in clauses if c["status"] == "MISSING"]
    if data.get("error"):
        error = data["error"]
        detail = error.get("message_en" if lang == "en" else "message_zh") or error.get("message", "")
    else:
        # the titles in the page's language (the batch was checked in one language)
        shown = {**data, "clauses": [{**c, "title": setup.titles.get(c["id"], c.get("title") or "")} for c in clauses]}
        detail = summary_row(shown, index, setup).unmet(lang)
    inc = data.get("incubator") or {}
    return {
        "index": index, "file": (data.get("source") or {}).get("path", ""), "incubator": inc.get("name") or "",
        "province": inc.get("province") or "", "level": inc.get("level") or "",
        "verdict": data.get("verdict"), "verdict_word": verdict_word(data.get("verdict", ""), lang),
        "failed": [c["id"] for c in failed], "missing": missing,
        "not_passing": [c["id"] for c in clauses if c["status"] in ("FAIL", "MISSING")], "detail": detail,
        "first_check": _first_check_line(data.get("first_check"), lang),
    }


def _first_check_line(first: dict[str, Any] | None, lang: str) -> str:
    """A batch row's 初核, in one line: 原国家级初核：不通过——6.2 孵化场地面积：差 388 平方米."""
    view = first_check_view(first, lang)
    if view is None:
        return ""
    line = word("first_check", lang) + mark("：", lang) + view["verdict_word"]
    return line + ((" — " if lang == "en" else "——") + mark("；", lang).join(view["unmet"]) if view["unmet"] else "")
