"""The ``incubator-check`` command: template, read, check, batch and rules.

Exit codes (report.md): 0 every submission passes; 1 at least one is FAIL,
INCOMPLETE or ERROR; 2 the command was used wrongly. Errors go to stderr.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys

import click

from . import __version__
from ._reader import read_workbook
from .errors import IncubatorCheckError, WorkbookError
from .findings import Severity

LANG = click.Choice(["zh", "en"])


def _lang_default() -> str:
    return "en" if os.environ.get("INCUBATOR_CHECK_LANG", "").lower().startswith("en") else "zh"


def _t(lang: str, zh: str, en: str) -> str:
    return en if lang == "en" else zh


class _DateType(click.ParamType):
    name = "DATE"

    def convert(self, value, param, ctx):
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"'{value}' 不是 YYYY-MM-DD 日期 / is not a YYYY-MM-DD date", param, ctx)


DATE = _DateType()
EXISTING_FILE = click.Path(exists=True, dir_okay=False, readable=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="incubator-check")
def main() -> None:
    """检查科技型企业孵化器申报表是否符合工信部科〔2025〕131号认定条件。

    Checks an incubator's application workbook against MIIT's 2025 incubator
    accreditation criteria, clause by clause.
    """


@main.command()
@click.argument("out", type=click.Path(dir_okay=False, writable=True))
@click.option("--level", type=click.Choice(["标准级", "卓越级"]), default="标准级", show_default=True,
              help="申报级别 / level applied for.")
@click.option("--force", is_flag=True, help="覆盖已有文件 / overwrite an existing file.")
def template(out: str, level: str, force: bool) -> None:
    """写出空白申报表 / write the blank application workbook."""
    from ._template import write_template

    if os.path.exists(out) and not force:
        raise click.UsageError(f"{out} 已存在，使用 --force 覆盖 / {out} exists; use --force to overwrite")
    try:
        write_template(out, level=level)
    except OSError as exc:
        raise click.UsageError(f"无法写入 {out}（{exc.strerror}） / cannot write {out} ({exc.strerror})") from None
    click.echo(f"{out}")


@main.command()
@click.argument("file", type=EXISTING_FILE)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--lang", type=LANG, default=_lang_default, help="输出语言 / output language.")
def read(file: str, fmt: str, lang: str) -> None:
    """显示程序如何理解一份申报表 / show how a workbook was understood: the parsed data and every finding."""
    try:
        result = read_workbook(file)
    except WorkbookError as exc:
        if fmt == "json":
            click.echo(json.dumps({"source": {"path": file}, "error": exc.finding.as_json(lang),
                                   "submission": None, "findings": [exc.finding.as_json(lang)]}, ensure_ascii=False, indent=2))
        else:
            click.echo(_t(lang, "错误：", "ERROR: ") + exc.message(lang), err=True)
        sys.exit(1)
    findings = result.findings
    if fmt == "json":
        payload = {
            "source": {"path": file},
            "submission": None if result.submission is None else result.submission.model_dump(mode="json"),
            "findings": [f.as_json(lang) for f in findings],
        }
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        from ._render import render_read

        click.echo(render_read(result, lang, color=_color_wanted()))
    sys.exit(1 if result.submission is None or any(f.severity is Severity.ERROR for f in findings) else 0)


def _color_wanted() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def run() -> None:
    """Entry point that turns any unexpected failure into a one-line message, never a traceback."""
    try:
        main(standalone_mode=True)
    except IncubatorCheckError as exc:  # pragma: no cover - commands catch these themselves
        click.echo(f"{exc.zh}\n{exc.en}", err=True)
        sys.exit(1)
