"""``incubator-check serve``: the web app on werkzeug's threaded server, bound to 127.0.0.1, in the browser.

Ctrl-C (or SIGTERM) stops it with exit code 130; the private temporary folder (uploads, results, the
reader's files) is removed, so nothing is left behind.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import sys
import threading
import webbrowser

import click

LOOPBACK = ("127.0.0.1", "localhost", "::1")
WILDCARD = ("0.0.0.0", "::", "")


def _duration(value: str) -> int:
    """``3600``, ``90m``, ``2h``, ``1d`` → seconds."""
    match = re.fullmatch(r"\s*(\d+)\s*([smhd]?)\s*", str(value).lower())
    if not match or int(match.group(1)) == 0:
        raise click.BadParameter(f"'{value}' 不是时长（如 30m、1h、3600） / is not a duration (30m, 1h, 3600)", param_hint="--keep")
    return int(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]


def _own_names(host: str) -> list[str]:
    """The names a browser may use for this server: loopback, the bound address, and this machine's name and addresses."""
    names = list(LOOPBACK)
    if host not in WILDCARD:
        names.append(host)
        return names
    try:
        hostname = socket.gethostname()
        names += [hostname, socket.getfqdn()]
        names += socket.gethostbyname_ex(hostname)[2]
    except OSError:  # no resolvable host name: the listening address alone is accepted
        pass
    try:  # the address of the interface that reaches the network, without sending anything
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))
            names.append(probe.getsockname()[0])
    except OSError:  # no network route: nothing more to add
        pass
    return list(dict.fromkeys(n for n in names if n))


# The limits an office may set: each option is the same setting as an INCUBATOR_CHECK_* variable (_app.ENVIRONMENT,
# which a WSGI server reads); an option given wins over its variable, a variable over the default. The defaults in
# the help are the code's (tests/test_web.py compares them): UploadLimits, WorkerLimits, _app._default_jobs.
# (option, variable, smallest value, help zh, help en)
LIMIT_OPTIONS = (
    ("--max-file-mib", "INCUBATOR_CHECK_MAX_FILE_MIB", 1,
     "每份申报表的大小上限，MiB（默认 20）", "each workbook's size limit, MiB (default 20)"),
    ("--max-files", "INCUBATOR_CHECK_MAX_FILES", 1,
     "一次最多检查的申报表份数（默认 2000）", "workbooks in one request, at most (default 2000)"),
    ("--max-zip-mib", "INCUBATOR_CHECK_MAX_ZIP_MIB", 1,
     "上传的 zip 压缩包的大小上限，MiB（默认 512）", "an uploaded zip's size limit, MiB (default 512)"),
    ("--zip-members", "INCUBATOR_CHECK_ZIP_MEMBERS", 1,
     "zip 压缩包的条目数上限，含文件夹（默认 2000）", "entries in a zip, folders included, at most (default 2000)"),
    ("--zip-inflated-mib", "INCUBATOR_CHECK_ZIP_INFLATED_MIB", 1,
     "zip 压缩包解压后的总大小上限，MiB（默认 1024）", "a zip's members inflated, in all, MiB (default 1024)"),
    ("--max-request-mib", "INCUBATOR_CHECK_MAX_REQUEST_MIB", 1,
     "一次上传请求的大小上限，MiB（默认 1024）", "one whole upload request, MiB (default 1024)"),
    ("--jobs", "INCUBATOR_CHECK_JOBS", 1,
     "检查进程数（默认为 CPU 数，最多 8）", "reader worker processes (default: the CPUs, at most 8)"),
    ("--recycle-tasks", "INCUBATOR_CHECK_RECYCLE_TASKS", 0,
     "检查进程检查这么多份后换新（默认 1000；0 为不换）", "a worker is replaced after this many checks (default 1000; 0: never)"),
    ("--recycle-mib", "INCUBATOR_CHECK_RECYCLE_MIB", 0,
     "一次检查后进程内存超过此值（MiB）即换新（默认 1024；0 为不换）",
     "a worker is replaced when a check leaves it above this many MiB (default 1024; 0: never)"),
)


def _parameter(option: str) -> str:
    return option.lstrip("-").replace("-", "_")


def _limit_options(command):
    for option, variable, smallest, zh, en in reversed(LIMIT_OPTIONS):
        command = click.option(option, type=click.IntRange(min=smallest), default=None, metavar="N",
                               help=f"{zh}；环境变量 {variable} / {en}; environment variable {variable}.")(command)
    return command


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="监听地址；非本机地址时局域网内任何人都可使用 / address to listen on; anything but loopback lets anyone on the network use it.")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True, help="端口 / port (0: any free port).")
@click.option("--no-browser", is_flag=True, help="不打开浏览器 / do not open the browser.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None, help="页面默认语言 / default page language (zh).")
@click.option("--keep", default=None, metavar="DURATION",
              help="检查结果保留时长（如 30m、2h；默认 1h；环境变量 INCUBATOR_CHECK_KEEP_SECONDS，单位秒） / how long results are "
                   "kept for download (30m, 2h; default 1h; environment variable INCUBATOR_CHECK_KEEP_SECONDS, in seconds).")
@_limit_options
def serve(host: str, port: int, no_browser: bool, lang: str | None, keep: str | None, **limits: int | None) -> None:
    """在浏览器中使用：启动本机网页服务 / start the local web app and open it in the browser."""
    from werkzeug.serving import make_server

    from . import create_app
    from ._app import settings_from_environment

    seconds = _duration(keep) if keep is not None else None
    given = {variable: str(limits[_parameter(option)]) for option, variable, *_ in LIMIT_OPTIONS
             if limits.get(_parameter(option)) is not None}
    try:  # the variables and the options together, checked before anything starts
        settings = settings_from_environment({**os.environ, **given})
    except ValueError as exc:
        click.echo(f"无法启动 / cannot start: {exc}", err=True)
        sys.exit(2)
    if seconds is not None:
        settings["KEEP_SECONDS"] = seconds
    if lang is None:
        lang = "en" if os.environ.get("INCUBATOR_CHECK_LANG", "").lower().startswith("en") else "zh"
    if host not in LOOPBACK:
        click.echo("警告：服务监听在 {0}，局域网内任何能访问本机的人都可以使用它。\n"
                   "warning: listening on {0}; anyone who can reach this computer on the network can use it.".format(host), err=True)
    app = create_app({**settings, "ALLOWED_HOSTS": _own_names(host), "DEFAULT_LANG": lang, "PROCESS_TEMP": True})
    state = app.extensions["incubator_check"]
    try:  # bound here first: werkzeug answers a port in use with its own English text and exit 1
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            if os.name != "nt":
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
        server = make_server(host, port, app, threaded=True)
    except OSError as exc:
        state.close()
        click.echo(f"无法监听 {host}:{port}（端口已被占用？请用 --port 换一个） / cannot listen on {host}:{port} "
                   f"({exc.strerror or exc}; is the port in use? choose another with --port)", err=True)
        sys.exit(2)
    shown = "127.0.0.1" if host in WILDCARD else (f"[{host}]" if ":" in host else host)
    url = f"http://{shown}:{server.server_port}/?lang={lang}"
    click.echo(f"incubator-check: {url}\n按 Ctrl-C 停止 / press Ctrl-C to stop")

    def stop(signum, frame):
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)
    if not no_browser:
        threading.Timer(0.3, webbrowser.open, args=(url,)).start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:  # Ctrl-C is how serve ends; the finally block cleans up and exits 130
        pass
    finally:
        server.server_close()
        state.close()
    click.echo("已停止 / stopped", err=True)
    sys.exit(130)
