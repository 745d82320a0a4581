"""Text for people: what ``read`` and ``check`` print in a terminal, in Chinese or English."""

from __future__ import annotations

from decimal import Decimal
from enum import Enum
from typing import Any

import click

from ._layout import PROFILE, TENANTS
from ._reader import ReadResult
from .findings import Finding, Severity

_SEVERITY = {
    Severity.ERROR: ("错误", "error", "red"),
    Severity.WARNING: ("警告", "warning", "yellow"),
    Severity.INFO: ("说明", "info", "cyan"),
}


def _style(text: str, color: bool, **kwargs: Any) -> str:
    return click.style(text, **kwargs) if color else text


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
        lines.append(f"  {tag} {f.code}{where}: {f.message(lang)}")
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
            lines.append(f"  {'row' if en else '第'} {t.row}{'' if en else ' 行'} {t.name or '—'}: " + "; ".join(parts))
        if sub.staff is not None:
            lines.append(f"{'Staff' if en else '人员'}: {len(sub.staff)}")
        if sub.funds is not None:
            lines.append(f"{'Funds' if en else '投资基金'}: {len(sub.funds)}")
        lines.append("")
    lines.append(_style(("Findings" if en else "发现的问题") + f": {len(result.findings)}", color, bold=True))
    lines.extend(render_findings(result.findings, lang, color))
    return "\n".join(lines)
