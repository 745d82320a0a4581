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


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="监听地址；非本机地址时局域网内任何人都可使用 / address to listen on; anything but loopback lets anyone on the network use it.")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True, help="端口 / port (0: any free port).")
@click.option("--no-browser", is_flag=True, help="不打开浏览器 / do not open the browser.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None, help="页面默认语言 / default page language (zh).")
@click.option("--keep", default="1h", show_default=True, metavar="DURATION",
              help="检查结果保留时长（如 30m、2h） / how long results are kept for download (30m, 2h).")
def serve(host: str, port: int, no_browser: bool, lang: str | None, keep: str) -> None:
    """在浏览器中使用：启动本机网页服务 / start the local web app and open it in the browser."""
    from werkzeug.serving import make_server

    from . import create_app

    seconds = _duration(keep)
    if lang is None:
        lang = "en" if os.environ.get("INCUBATOR_CHECK_LANG", "").lower().startswith("en") else "zh"
    if host not in LOOPBACK:
        click.echo("警告：服务监听在 {0}，局域网内任何能访问本机的人都可以使用它。\n"
                   "warning: listening on {0}; anyone who can reach this computer on the network can use it.".format(host), err=True)
    app = create_app({"ALLOWED_HOSTS": _own_names(host), "KEEP_SECONDS": seconds, "DEFAULT_LANG": lang,
                      "PROCESS_TEMP": True})
    state = app.extensions["incubator_check"]
    try:
        server = make_server(host, port, app, threaded=True)
    except OSError as exc:
        state.close()
        raise click.UsageError(f"无法监听 {host}:{port}（{exc.strerror}；端口是否已被占用？） / cannot listen on "
                               f"{host}:{port} ({exc.strerror}; is the port in use?)") from None
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
