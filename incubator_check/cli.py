"""The ``incubator-check`` command: template, read, check, batch and rules.

Exit codes (report.md): 0 every submission passes; 1 at least one is FAIL,
INCOMPLETE or ERROR; 2 the command was used wrongly. Errors go to stderr.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sys

import click

from . import __version__
from ._reader import read_workbook
from .errors import IncubatorCheckError, RulesetError, WorkbookError
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
EXISTING_FILE = click.Path(exists=True, dir_okay=False)  # an unreadable file gets its ERROR report (exit 1)


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


def _load_ruleset_option(ruleset: str | None):
    """--ruleset ID|PATH, loaded now so that a bad ruleset is a usage error (exit 2) before any file is read."""
    from ._ruleset import load_ruleset

    if ruleset is None:
        return None
    try:
        return load_ruleset(ruleset)
    except RulesetError as exc:
        raise click.BadParameter(f"{exc.zh} / {exc.en}", param_hint="--ruleset") from None


@main.command("check")
@click.argument("file", type=EXISTING_FILE)
@click.option("--ruleset", metavar="ID|PATH", help="规则集 id 或 YAML 文件；默认按申报级别 / ruleset id or YAML path; default follows 申报级别.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "xlsx"]), default="table", show_default=True,
              help="table 终端；json 报告；xlsx 工作簿（需 --output） / terminal, JSON report, or a workbook (needs --output).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="写入文件 / write to this file.")
@click.option("--lang", type=LANG, default=_lang_default, help="输出语言 / output language (zh default).")
@click.option("--as-of", "as_of", type=DATE, help="检查日期（未填申报日期时用于第二十条） / date of the check, for Article 20 when 申报日期 is blank.")
def check_command(file: str, ruleset: str | None, fmt: str, output: str | None, lang: str, as_of: dt.date | None) -> None:
    """逐条检查一份申报表 / check one workbook, clause by clause."""
    from ._check import check
    from ._render import render_check

    if fmt == "xlsx" and not output:
        raise click.UsageError("--format xlsx 需要 --output 文件 / --format xlsx needs --output FILE")
    if output and os.path.abspath(output) == os.path.abspath(file):
        raise click.UsageError("--output 不能是输入文件 / --output must not be the input file")
    loaded = _load_ruleset_option(ruleset)
    report = check(file, loaded, lang=lang, as_of=as_of)
    if fmt == "xlsx":
        from ._summary import write_report

        with _output_path(output) as tmp:
            write_report(tmp, report, lang)
        click.echo(output)
    else:
        text = json.dumps(report.as_json(), ensure_ascii=False, indent=2) if fmt == "json" else render_check(
            report, lang, color=_color_wanted() and not output)
        if output:
            with _output(output) as handle:
                handle.write(text + "\n")
        else:
            click.echo(text)
    sys.exit(0 if report.verdict.value == "PASS" else 1)


@main.command("rules")
@click.argument("args", nargs=-1, metavar="[ID] | show CLAUSE")
@click.option("--ruleset", metavar="ID|PATH", default=None, help="与 show 一起用 / with show: the ruleset to look in.")
@click.option("--lang", type=LANG, default=_lang_default)
def rules(args: tuple[str, ...], ruleset: str | None, lang: str) -> None:
    """列出规则集与条款 / list rulesets; `rules ID` lists its clauses; `rules show 6.4.new` prints one clause."""
    from ._render import render_clause, render_rules

    if args and args[0] == "show":
        if len(args) != 2:
            raise click.UsageError("用法 / usage: incubator-check rules show CLAUSE_ID")
        _load_ruleset_option(ruleset)
        text = render_clause(args[1], ruleset, lang)
        if text is None:
            raise click.BadParameter(f"没有条款 {args[1]} / no clause {args[1]}", param_hint="CLAUSE_ID")
        click.echo(text)
        return
    if len(args) > 1:
        raise click.UsageError("用法 / usage: incubator-check rules [ID] | rules show CLAUSE_ID")
    if args:
        _load_ruleset_option(args[0])
    click.echo(render_rules(args[0] if args else None, lang))


@contextlib.contextmanager
def _output_path(path: str):
    """A temporary path for an output file, renamed into place when done; a failure is one clear message."""
    from ._files import atomic_path

    try:
        with atomic_path(path) as tmp:
            yield tmp
    except OSError as exc:
        raise click.FileError(path, hint=f"无法写入（{exc.strerror}；文件是否正被 Excel/WPS 打开？） / cannot write it "
                                         f"({exc.strerror}; is it open in Excel/WPS?)") from None


@contextlib.contextmanager
def _output(path: str):
    """A text output file (UTF-8, \\n line ends) written whole or not at all."""
    with _output_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as handle:
        yield handle


def _default_jobs() -> int:
    """Worker processes by default: measured in benchmarks/batch.py (see docs/benchmarks.md)."""
    return max(1, min(os.cpu_count() or 1, 8))


@main.command("batch")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.option("--recursive", "-r", is_flag=True, help="包括子文件夹 / include sub-folders.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "xlsx"]), default="table", show_default=True,
              help="table 终端表格；json 每行一份报告（JSON Lines）；xlsx 汇总工作簿 / table, JSON Lines or a summary workbook.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True),
              help="写入文件（xlsx 必填） / write to this file (required for xlsx).")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=None, help="并行进程数 / worker processes.")
@click.option("--ruleset", metavar="ID|PATH", help="规则集；默认按各申报表的申报级别 / ruleset; default follows each 申报级别.")
@click.option("--lang", type=LANG, default=_lang_default)
@click.option("--as-of", "as_of", type=DATE, help="检查日期 / date of the check (Article 20).")
def batch(folder: str, recursive: bool, fmt: str, output: str | None, jobs: int | None, ruleset: str | None,
          lang: str, as_of: dt.date | None) -> None:
    """检查文件夹中的全部申报表 / check every .xlsx, .xls and .ods in a folder."""
    from ._batch import find_workbooks, run_batch, with_cross_findings
    from ._ruleset import default_for_level, load_ruleset

    if fmt == "xlsx" and not output:
        raise click.UsageError("--format xlsx 需要 --output 文件 / --format xlsx needs --output FILE")
    loaded = _load_ruleset_option(ruleset)
    paths = find_workbooks(folder, recursive)
    jobs = jobs or _default_jobs()
    show_progress = sys.stderr.isatty() and len(paths) > 1
    with click.progressbar(length=len(paths), file=sys.stderr, label="检查中 / checking") if show_progress else _nullbar() as bar:
        spool = run_batch(paths, ruleset=loaded.path if loaded else None, lang=lang, as_of=as_of,
                          jobs=min(jobs, max(len(paths), 1)), progress=bar.update)
    try:
        cross = spool.cross_findings()
        verdicts = [v for (v,) in spool.db.execute("SELECT verdict FROM submission ORDER BY file")]
        if fmt == "json":
            lines = with_cross_findings(spool, cross, lang)
            if output:
                with _output(output) as handle:
                    for line in lines:
                        handle.write(line + "\n")
            else:
                for line in lines:
                    click.echo(line)
        elif fmt == "xlsx":
            from ._summary import write_summary

            rulesets = [loaded] if loaded else [load_ruleset(default_for_level(level)) for level in ("标准级", "卓越级")]
            clause_ids = list(dict.fromkeys(c.id for rs in rulesets for c in rs.clauses))
            clause_ids += [rs.relaxation.review.id for rs in rulesets if rs.relaxation and rs.relaxation.review]
            quota_rule = next((rs.recommendation_quota for rs in rulesets if rs.recommendation_quota), None)
            if quota_rule is None:
                quota_rule = load_ruleset(default_for_level("卓越级")).recommendation_quota
            quota = spool.quota(quota_rule.share, quota_rule.rounding)
            with _output_path(output) as tmp:
                write_summary(tmp, lambda: with_cross_findings(spool, cross, lang), list(dict.fromkeys(clause_ids)),
                              cross, quota, lang, quota_rule.citation)
            click.echo(output)
        else:
            from ._render import render_batch

            text = render_batch(with_cross_findings(spool, cross, lang), cross, lang, _color_wanted())
            if output:
                with _output(output) as handle:
                    handle.write(click.unstyle(text) + "\n")
            else:
                click.echo(text)
    finally:
        spool.close()
    sys.exit(0 if verdicts and all(v == "PASS" for v in verdicts) else 1)


class _nullbar:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def update(self, n: int) -> None:
        """No progress bar when stderr is not a terminal."""


def _color_wanted() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def run() -> None:
    """Entry point that turns any unexpected failure into a one-line message, never a traceback."""
    try:
        main(standalone_mode=True)
    except IncubatorCheckError as exc:  # pragma: no cover - commands catch these themselves
        click.echo(f"{exc.zh}\n{exc.en}", err=True)
        sys.exit(1)
