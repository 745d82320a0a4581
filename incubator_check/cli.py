"""The ``incubator-check`` command: template, read, check, batch and rules.

Exit codes (report.md): 0 every submission passes; 1 at least one is FAIL,
INCOMPLETE or ERROR; 2 the command was used wrongly (an output that is one of the
inputs included); 3 the program could not finish (an output that cannot be written,
an internal failure); 130 interrupted. Errors go to stderr.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import os
import sys

import click

from . import __version__

# The errors and findings (and with them pydantic) are imported where a command needs them, not here: a one-file
# ``check`` imports its checker in its child process only (issue 21).

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
        from .workbook.values import ValueProblem, parse_date

        try:  # the forms the workbook takes (workbook.md): 2026-05-01, 2026/5/1, 2026年5月1日, 20260501
            return parse_date(str(value))
        except ValueProblem as problem:
            self.fail(f"{problem.zh} / {problem.en}", param, ctx)


DATE = _DateType()
EXISTING_FILE = click.Path(exists=True, dir_okay=False)  # an unreadable file gets its ERROR report (exit 1)


class _Commands(click.Group):
    """The commands, with the ones in ``lazy`` (name → a function returning the command) imported when used."""

    lazy: dict = {}

    def list_commands(self, ctx):
        return sorted(set(super().list_commands(ctx)) | set(self.lazy))

    def get_command(self, ctx, name):
        if name not in self.commands and name in self.lazy:
            self.add_command(self.lazy[name](), name)
        return super().get_command(ctx, name)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="incubator-check")
def main() -> None:
    """检查科技型企业孵化器申报表是否符合工信部科〔2025〕131号认定条件。

    Checks an incubator's application workbook against MIIT's 2025 incubator
    accreditation criteria, clause by clause.
    """


@main.command()
@click.argument("out", type=click.Path(dir_okay=False, writable=True))
@click.option("--level", type=click.Choice(["标准级", "卓越级"]), default=None,
              help="申报级别（默认标准级，或 --ruleset 的级别） / level applied for (标准级, or the ruleset's).")
@click.option("--ruleset", metavar="ID|PATH", default=None,
              help="规则集：模板含其声明的字段 / ruleset whose own fields the template adds.")
@click.option("--force", is_flag=True, help="覆盖已有文件 / overwrite an existing file.")
def template(out: str, level: str | None, ruleset: str | None, force: bool) -> None:
    """写出空白申报表 / write the blank application workbook."""
    from ._template import write_template

    loaded = _load_ruleset_option(ruleset)

    if os.path.exists(out) and not force:
        raise click.UsageError(f"{out} 已存在，使用 --force 覆盖 / {out} exists; use --force to overwrite")
    with _writing():
        try:
            write_template(out, level=level, ruleset=loaded)
        except OSError as exc:
            from ._files import OutputFailed

            raise exc if isinstance(exc, OutputFailed) else OutputFailed(out, exc.strerror or str(exc)) from None
    click.echo(f"{out}")


@main.command()
@click.argument("file", type=EXISTING_FILE)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--lang", type=LANG, default=_lang_default, help="输出语言 / output language.")
def read(file: str, fmt: str, lang: str) -> None:
    """显示程序如何理解一份申报表 / show how a workbook was understood: the parsed data and every finding."""
    from ._supervise import ReaderPool
    from .errors import WorkbookError
    from .findings import Severity

    try:
        with ReaderPool(workers=1) as pool:  # the same isolation as check: a crafted file cannot take this down
            result = pool.read(file)
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
        from .present.terminal import render_read

        click.echo(render_read(result, lang, color=_color_wanted()))
    sys.exit(1 if result.submission is None or any(f.severity is Severity.ERROR for f in findings) else 0)


def _load_ruleset_option(ruleset: str | None):
    """--ruleset ID|PATH, loaded now so that a bad ruleset is a usage error (exit 2) before any file is read."""
    if ruleset is None:
        return None
    from .errors import RulesetError
    from .rules.ruleset import load_ruleset

    try:
        return load_ruleset(ruleset)
    except RulesetError as exc:
        raise click.BadParameter(f"{exc.zh} / {exc.en}", param_hint="--ruleset") from None


FORMATS = ("table", "json", "xlsx")
_BY_SUFFIX = {".json": "json", ".jsonl": "json", ".ndjson": "json", ".xlsx": "xlsx", ".txt": "table"}


class OutputError(click.ClickException):
    """An output could not be written: exit 3 (report.md), one bilingual line."""

    exit_code = 3

    def __init__(self, failed) -> None:
        super().__init__(f"{failed.zh}\n{failed.en}")

    def format_message(self) -> str:
        return self.message


def _format_for(fmt: str | None, output: str | None) -> str:
    """--format, or else the --output file's extension (report.md), or else the terminal table."""
    if fmt:
        return fmt
    if output and output != "-":
        return _BY_SUFFIX.get(os.path.splitext(output)[1].lower(), "table")
    return "table"


def _refuse_output_onto_input(output: str | None, inputs: list[str]) -> None:
    """Exit 2 if writing --output would overwrite one of the inputs (compared as files, links followed)."""
    from ._files import input_it_would_replace

    if output:
        clash = input_it_would_replace(output, inputs)
        if clash is not None:
            from ._text import visible

            raise click.UsageError(f"--output {visible(output)} 就是输入文件 {visible(clash)}，不会覆盖它 / "
                                   f"--output {visible(output)} is the input {visible(clash)}; it is never overwritten")


@contextlib.contextmanager
def _writing():
    """Turn a failure to write an output into exit 3 with one clear message."""
    from ._files import OutputFailed

    try:
        yield
    except OutputFailed as exc:
        raise OutputError(exc) from None


def _write_text(output: str | None, text: str, utf8: bool) -> None:
    """Text to --output (UTF-8 file, or a stream), or to the console; JSON is UTF-8 even on a GBK console."""
    from ._files import output_text

    if output:
        with _writing(), output_text(output) as handle:
            handle.write(text + "\n")
    elif utf8:
        with _writing(), output_text("-") as handle:
            handle.write(text + "\n")
    else:
        click.echo(text)


def _plan_costs(given: tuple[str, ...], ruleset) -> tuple[tuple[str, str], ...]:
    """``--plan-cost LEVER=WEIGHT`` checked here, before the worker: a lever the levers file lacks, or a weight that
    is not a number ≥ 0, is a usage error naming what was found and what is known."""
    from decimal import Decimal, InvalidOperation

    from .errors import RulesetError
    from .plan import load_levers

    costs: dict[str, Decimal] = {}
    for item in given:
        lever, _, weight = item.partition("=")
        try:
            value = Decimal(weight.strip())
            if not value.is_finite() or value < 0:
                raise InvalidOperation
        except InvalidOperation:
            raise click.BadParameter(f"{item}：应为 调整项=非负数 / expected LEVER=a number ≥ 0",
                                     param_hint="--plan-cost") from None
        costs[lever.strip()] = value
    try:
        load_levers(ruleset, costs)
    except RulesetError as exc:
        raise click.BadParameter(f"{exc.zh} / {exc.en}", param_hint="--plan-cost") from None
    return tuple((k, str(v)) for k, v in costs.items())


@main.command("check")
@click.argument("file", type=EXISTING_FILE)
@click.option("--ruleset", metavar="ID|PATH", help="规则集 id 或 YAML 文件；默认按申报级别 / ruleset id or YAML path; default follows 申报级别.")
@click.option("--format", "fmt", type=click.Choice(FORMATS + ("html",)), default=None,
              help="table 终端；json 报告；xlsx 工作簿；html 可打印的网页报告；默认按 --output 的扩展名 / terminal, JSON report, "
                   "a workbook, or a printable HTML page; by default from the --output extension.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, allow_dash=True),
              help="写入文件，- 为标准输出 / write to this file; - is standard output.")
@click.option("--lang", type=LANG, default=_lang_default, help="输出语言 / output language (zh default).")
@click.option("--as-of", "as_of", type=DATE, help="检查日期（未填申报日期时用于第二十条） / date of the check, for Article 20 when 申报日期 is blank.")
@click.option("--plan", "plan", type=click.Choice(["as-is", "worst"]), is_flag=False, flag_value="as-is", default=None,
              help="同时给出通过方案：使所有可计量条款通过的最小联合调整；worst 按空白单元格的最不利情形 / also give the plan "
                   "to pass: the smallest joint change after which every measurable clause passes; worst plans for the "
                   "worst the blank cells could be.")
@click.option("--plan-cost", "plan_costs", multiple=True, metavar="LEVER=WEIGHT",
              help="调整项的单位成本，如 graduate=3 / a lever's cost per unit, e.g. graduate=3 (see rulesets/levers.yaml).")
def check_command(file: str, ruleset: str | None, fmt: str | None, output: str | None, lang: str,
                  as_of: dt.date | None, plan: str | None, plan_costs: tuple[str, ...]) -> None:
    """逐条检查一份申报表 / check one workbook, clause by clause.

    The workbook is read in a supervised worker process: a file that crashes or exhausts the reader is
    that file's ERROR report (exit 1), never a crash of the command.
    """
    from ._early import take_started_child
    from ._environment import default_start_method
    from ._supervise import Job, check_once
    from .present.table_line import table_of_line

    fmt = _format_for(fmt or ("html" if output and os.path.splitext(output)[1].lower() in (".html", ".htm") else None), output)
    if fmt == "xlsx" and not output:
        raise click.UsageError("--format xlsx 需要 --output 文件 / --format xlsx needs --output FILE")
    _refuse_output_onto_input(output, [file])
    loaded = _load_ruleset_option(ruleset)
    costs = _plan_costs(plan_costs, loaded) if plan or plan_costs else ()
    # One child, started before the checker is imported, checks the file (and writes the table) under a worker's
    # limits: the parent imports neither the checker nor a process pool (issue 21).
    write = functools.partial(table_of_line, lang, _color_wanted() and not output) if fmt == "table" else None
    outcome = check_once(Job(file, loaded.path if loaded else None, lang, as_of, plan=plan or ("as-is" if costs else None),
                             plan_costs=costs), write=write, early=take_started_child(default_start_method()))
    if outcome.text is not None:
        _write_text(output, outcome.text, utf8=False)
        sys.exit(0 if outcome.keys["verdict"] == "PASS" else 1)
    data = json.loads(outcome.line)
    if fmt == "json":  # the worker's report as it wrote it, indented: no model to build and write out again
        from ._text import dumps  # orjson where it writes the same bytes: a fifth of json's time, indented

        _write_text(output, dumps(data, indent=True), utf8=True)
        sys.exit(0 if data["verdict"] == "PASS" else 1)
    from .report import Report

    report = Report.model_validate(data)
    if fmt == "xlsx":
        from ._files import output_stream
        from .present.workbook import write_report

        with _writing(), output_stream(output) as handle:
            write_report(handle, report, lang)
        if output != "-":
            click.echo(output)
    elif fmt == "html":
        from .web._html import render_report_html

        _write_text(output, render_report_html(report.as_json(), lang), utf8=True)
    else:
        from .present.terminal import render_check

        _write_text(output, render_check(report, lang, color=_color_wanted() and not output), utf8=False)
    sys.exit(0 if report.verdict.value == "PASS" else 1)


@main.command("rules")
@click.argument("args", nargs=-1, metavar="[ID] | show CLAUSE")
@click.option("--ruleset", metavar="ID|PATH", default=None, help="与 show 一起用 / with show: the ruleset to look in.")
@click.option("--lang", type=LANG, default=_lang_default)
@click.option("--as-of", "as_of", type=DATE, help="与 show 一起用：显示该日适用的取值 / with show: the values in force on this day.")
def rules(args: tuple[str, ...], ruleset: str | None, lang: str, as_of: dt.date | None) -> None:
    """列出规则集与条款 / list rulesets; `rules ID` lists its clauses; `rules show 6.4.new` prints one clause."""
    from .present.terminal import render_clause, render_rules

    if args and args[0] == "show":
        if len(args) != 2:
            raise click.UsageError("用法 / usage: incubator-check rules show CLAUSE_ID")
        _load_ruleset_option(ruleset)
        text = render_clause(args[1], ruleset, lang, as_of)
        if text is None:
            raise click.BadParameter(f"没有条款 {args[1]} / no clause {args[1]}", param_hint="CLAUSE_ID")
        click.echo(text)
        return
    if len(args) > 1:
        raise click.UsageError("用法 / usage: incubator-check rules [ID] | rules show CLAUSE_ID")
    if args:
        _load_ruleset_option(args[0])
    click.echo(render_rules(args[0] if args else None, lang))


def _default_jobs() -> int:
    """Worker processes by default: measured in benchmarks/batch.py (see docs/benchmarks.md)."""
    return max(1, min(os.cpu_count() or 1, 8))


@main.command("batch")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.option("--recursive", "-r", is_flag=True, help="包括子文件夹 / include sub-folders.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="table 终端表格；json 每行一份报告（JSON Lines）；xlsx 汇总工作簿；默认按 --output 的扩展名 / "
                   "table, JSON Lines or a summary workbook; by default from the --output extension.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, allow_dash=True),
              help="写入文件（xlsx 必填），- 为标准输出 / write to this file (required for xlsx); - is standard output.")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=None, help="并行进程数 / worker processes.")
@click.option("--ruleset", metavar="ID|PATH", help="规则集；默认按各申报表的申报级别 / ruleset; default follows each 申报级别.")
@click.option("--lang", type=LANG, default=_lang_default)
@click.option("--as-of", "as_of", type=DATE, help="检查日期 / date of the check (Article 20).")
@click.option("--letters", type=click.Path(file_okay=False), default=None,
              help="为每份未通过的申报写一页补正通知（HTML，可打印）到此文件夹 / write a printable letter (HTML) to each "
                   "applicant that does not pass into this folder.")
@click.option("--round-html", "round_html", type=click.Path(file_okay=False), default=None,
              help="把汇总表、建议推荐、公示名单、原国家级初核、卓越级推荐名额各写成一份可打印的 HTML（A4 横向）到此文件夹 / "
                   "write the 汇总表, the recommended ones, the 公示名单, the 原国家级初核 and the excellence quota as "
                   "printable HTML (A4 landscape) into this folder.")
def batch(folder: str, recursive: bool, fmt: str | None, output: str | None, jobs: int | None, ruleset: str | None,
          lang: str, as_of: dt.date | None, letters: str | None, round_html: str | None) -> None:
    """检查文件夹中的全部申报表 / check every .xlsx, .xls and .ods in a folder.

    Each workbook is read in a supervised worker: one that crashes or exhausts the reader gets its ERROR row,
    and the others go on.
    """
    from ._batch import find_entries, find_workbooks, run_batch, with_cross_findings
    from .present.summary import summary_setup
    from ._text import visible

    fmt = _format_for(fmt, output)
    if fmt == "xlsx" and not output:
        raise click.UsageError("--format xlsx 需要 --output 文件 / --format xlsx needs --output FILE")
    paths, left_out = find_entries(folder, recursive)  # every entry gets a row: the count is the folder's
    if all(os.path.isdir(p) and not os.path.islink(p) for p in paths):  # nothing but sub-folders: the -r hint
        _no_workbooks(folder, recursive)
    if left_out:
        names = "、".join(visible(os.path.relpath(p, folder)) for p in left_out[:10]) + ("…" if len(left_out) > 10 else "")
        click.echo(_t(lang, f"说明：已跳过 {len(left_out)} 个隐藏或临时文件（{names}）",
                      f"note: {len(left_out)} hidden or temporary files skipped ({names.replace('、', ', ')})"), err=True)
    if output:  # the whole tree is the input set, sub-folders included, even without --recursive
        _refuse_output_onto_input(output, paths if recursive else find_workbooks(folder, True))
    loaded = _load_ruleset_option(ruleset)
    jobs = jobs or _default_jobs()
    show_progress = sys.stderr.isatty() and len(paths) > 1
    with _writing():
        with click.progressbar(length=len(paths), file=sys.stderr, label="检查中 / checking") if show_progress else _nullbar() as bar:
            try:
                spool = run_batch(paths, ruleset=loaded.path if loaded else None, lang=lang, as_of=as_of,
                                  jobs=min(jobs, max(len(paths), 1)), progress=bar.update, folder=folder)
            except OSError as exc:  # the spool in the temporary folder: TMPDIR full or unwritable
                from ._files import OutputFailed

                if isinstance(exc, OutputFailed):
                    raise
                raise OutputFailed(os.environ.get("TMPDIR") or "TMPDIR", exc.strerror or str(exc)) from None
        for skipped in spool.skipped:
            click.echo(_t(lang, f"说明：{visible(skipped)} 是本工具生成的汇总表或报告，已跳过",
                          f"note: {visible(skipped)} is a summary or report this tool wrote; skipped"), err=True)
        try:
            cross = spool.cross_findings()
            verdicts = [v for (v,) in spool.db.execute("SELECT verdict FROM submission ORDER BY file")]
            if fmt == "json":
                from ._files import output_text

                with output_text(output or "-") as handle:
                    for line in with_cross_findings(spool, cross, lang):
                        handle.write(line + "\n")
            elif fmt == "xlsx":
                from ._files import output_stream
                from .present.workbook import write_summary

                with output_stream(output) as handle:
                    write_summary(handle, lambda: with_cross_findings(spool, cross, lang), summary_setup(loaded, lang), cross)
                if output != "-":
                    click.echo(output)
            else:
                from .present.terminal import render_batch

                text = render_batch(with_cross_findings(spool, cross, lang), cross, summary_setup(loaded, lang),
                                    _color_wanted() and not output)
                _write_text(output, click.unstyle(text) if output else text, utf8=False)
            if letters:
                from .present.letters import write_letters

                written = write_letters(letters, lambda: with_cross_findings(spool, cross, lang), summary_setup(loaded, lang))
                click.echo(_t(lang, f"已写出 {written} 封补正通知：{visible(letters)}",
                              f"{written} letters written to {visible(letters)}"), err=True)
            if round_html:
                from .present.round_html import write_round_html

                written = write_round_html(round_html, lambda: with_cross_findings(spool, cross, lang),
                                           summary_setup(loaded, lang))
                click.echo(_t(lang, f"已写出 {written} 份可打印的汇总文件：{visible(round_html)}",
                              f"{written} printable documents written to {visible(round_html)}"), err=True)
        except OSError as exc:
            from ._files import OutputFailed

            if isinstance(exc, OutputFailed):
                raise
            raise OutputFailed(output or "TMPDIR", exc.strerror or str(exc)) from None
        finally:
            spool.close()
    sys.exit(0 if verdicts and all(v == "PASS" for v in verdicts) else 1)


def _no_workbooks(folder: str, recursive: bool) -> None:
    """A folder with no workbooks is a usage error (exit 2), with a hint where the workbooks might be."""
    from ._batch import find_workbooks
    from ._text import visible

    shown = visible(folder)
    if not recursive:
        below = len(find_workbooks(folder, True))
        if below:
            raise click.UsageError(f"{shown} 中没有申报表，但其子文件夹中有 {below} 份；加 -r（--recursive）以包括子文件夹 / "
                                   f"no workbooks in {shown}, but {below} in its sub-folders; add -r (--recursive) to include them")
    raise click.UsageError(f"{shown} 中没有 .xlsx、.xls 或 .ods 申报表 / no .xlsx, .xls or .ods workbooks in {shown}")


class _nullbar:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def update(self, n: int) -> None:
        """No progress bar when stderr is not a terminal."""


def _color_wanted() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def _on_sigterm(signum, frame) -> None:
    # An exit that unwinds: every output's temporary file is removed and the workers are stopped.
    raise SystemExit(128 + signum)


def _quiet_torn_message_noise() -> None:
    """Keep one harmless Python 3.13 report off the user's console (the other unraisable exceptions stay).

    multiprocessing unpickles a worker's message from a ``BytesIO``'s exported buffer. A worker killed while it
    writes (the OOM killer, Task Manager) leaves a torn message; its unpickling fails, and the ``BytesIO`` is kept,
    with its export, in the exception's frames until the garbage collector closes it. Python 3.13 closes it before
    the export is released and prints "Exception ignored in: <_io.BytesIO ...> ... BufferError" at whatever line
    runs then: a traceback that looks like a crash, for a file the batch already reports as ``reader-crashed``.
    Forked workers inherit the hook.
    """
    import io

    default = sys.unraisablehook

    def hook(unraisable) -> None:
        if isinstance(unraisable.exc_value, BufferError) and isinstance(unraisable.object, io.BytesIO):
            return
        default(unraisable)

    sys.unraisablehook = hook


def _console_safe() -> None:
    """Console text in the console's encoding, a character it cannot show replaced, never a crash (GBK, cp936)."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError, OSError):
            stream.reconfigure(errors="replace")


def _serve_command():
    """The web app's command (web.md), imported when it is asked for (or listed by ``--help``), not by every command."""
    from .web._serve import serve

    return serve


main.lazy = {"serve": _serve_command}  # type: ignore[attr-defined]


def run() -> None:
    """The entry point: exit codes 0/1/2/3/130 of report.md, one-line messages, never a traceback."""
    import multiprocessing
    import signal

    from ._environment import prepare_environment

    prepare_environment()  # again, for callers of this function (tests, programs): it keeps what is set
    # In a frozen Windows bundle a worker is this same executable started again: let it be a worker, not the CLI.
    multiprocessing.freeze_support()
    with contextlib.suppress(ValueError, OSError, AttributeError):
        signal.signal(signal.SIGTERM, _on_sigterm)
    _console_safe()
    _quiet_torn_message_noise()
    lang = "en" if "--lang=en" in sys.argv or ("--lang" in sys.argv[:-1] and sys.argv[sys.argv.index("--lang") + 1] == "en") \
        else _lang_default()
    if lang == "zh":
        from ._click_zh import install

        install()  # click's own usage errors and headings in Chinese
    try:
        code = main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo(_t(lang, "已中断。", "Interrupted."), err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        click.echo(_t(lang, "已中断。", "Interrupted."), err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except BrokenPipeError:  # the reader of our output went away (`| head`): nothing more to say
        with contextlib.suppress(Exception):
            sys.stdout = open(os.devnull, "w")
        sys.exit(1)
    except Exception as exc:  # noqa: BLE001 - an internal failure is one line and exit 3, never a traceback
        errors = sys.modules.get(__package__ + ".errors")  # not imported: not one of ours
        if errors is not None and isinstance(exc, errors.IncubatorCheckError):  # pragma: no cover - commands catch these
            click.echo(f"{exc.zh}\n{exc.en}", err=True)
            sys.exit(3)
        if os.environ.get("INCUBATOR_CHECK_DEBUG"):
            raise
        click.echo(f"内部错误（{type(exc).__name__}: {exc}），请报告此问题 / internal error ({type(exc).__name__}: {exc}); "
                   f"please report it (INCUBATOR_CHECK_DEBUG=1 shows the details)", err=True)
        sys.exit(3)
    sys.exit(code or 0)
