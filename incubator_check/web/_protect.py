"""What every request passes through: the Host and Origin checks, the security headers, the error answers.

``install(app)`` adds them to an application. Every refusal and every error is the project's own answer,
in both languages (``_common.error``): JSON for programs, a page for people; never werkzeug's bare text.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from . import _view
from ._common import WebError, error
from ._uploads import MiB, UploadError, UploadLimits

__all__ = ["install", "host_allowed"]


def host_allowed(host: str, allowed: list[str]) -> bool:
    """Whether a ``Host`` header (or an Origin's netloc) names this server: one of the allowed names, any port."""
    host = host.strip().lower()
    if host.startswith("["):
        name = host[1:host.find("]")] if "]" in host else host
    else:
        name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return bool(name) and name in allowed


def _origin_of(url: str) -> tuple[str, str, int | None] | None:
    """(scheme, host, port) of an origin or a base URL, the port made explicit; None when it is not one."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port if port is not None else (443 if scheme == "https" else 80)


def forged() -> bool:
    """Whether a state-changing request comes from somewhere other than this app's own pages.

    A browser says where a request comes from: ``Sec-Fetch-Site`` (Chromium, Edge, Firefox, Safari) must be
    ``same-origin``, and ``Origin`` must be this server's own scheme, host and port (``null``, what a page
    that hides its referrer or a sandboxed frame sends, is refused; so is another port of localhost). A
    request with neither header is not from a browser (``curl``, a script): a web page cannot make one, so
    it is let through. docs/decisions.md says why no CSRF token is needed besides.
    """
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site.strip().lower() != "same-origin":
        return True
    origin = request.headers.get("Origin")
    if origin is None:
        return False
    own = _origin_of(f"{request.scheme}://{request.host}")
    return own is None or _origin_of(origin) != own


def install(app: Flask) -> None:
    @app.before_request
    def _guard():
        g.nonce = secrets.token_urlsafe(16)
        if not host_allowed(request.host, app.config["ALLOWED_HOSTS"]):
            g.refused = True
            return error(400, "bad-host", "请求的主机名不是本服务器的名称或地址，已拒绝",
                         "the request's Host is not this server's name or address; refused")
        if request.method not in ("GET", "HEAD", "OPTIONS") and forged():
            g.refused = True
            return error(400, "bad-origin", "请求来自其他网站或其他端口的网页，已拒绝",
                         "the request comes from a page of another site or port; refused")
        return None

    @app.after_request
    def _headers(response: Response) -> Response:
        nonce = g.get("nonce", "")
        response.headers["Content-Security-Policy"] = (
            f"default-src 'none'; script-src 'self'; style-src 'nonce-{nonce}'; img-src 'self' data:; "
            "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"  # "no-referrer" would make our own forms post "Origin: null"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
        if request.path != "/static/app.js":
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.errorhandler(WebError)
    @app.errorhandler(UploadError)
    def _known(exc):
        return error(exc.status, exc.code, exc.zh, exc.en)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        g.refused = True  # the form is not read again (too large, malformed): the page is in ?lang= or the default
        keep = int(app.config["KEEP_SECONDS"])
        if exc.code == 413:
            limits: UploadLimits = app.config["UPLOAD_LIMITS"]
            return error(413, "too-large", f"上传的内容过大（每个文件不超过 {limits.file_bytes // MiB} MiB，每次最多 {limits.files} 个文件）",
                         f"the upload is too large (at most {limits.file_bytes // MiB} MiB a file and {limits.files} files at a time)")
        if exc.code == 404:
            return error(404, "not-found", _view.word("not_found", "zh", keep=_view.duration(keep, "zh")),
                         _view.word("not_found", "en", keep=_view.duration(keep, "en")))
        if exc.code == 405:
            return error(405, "method-not-allowed", "不支持此请求方式", "method not allowed")
        return error(exc.code or 400, "bad-request", "请求有误", exc.description or "bad request")

    @app.errorhandler(Exception)
    def _internal(exc: Exception):
        g.refused = True
        app.logger.exception("internal error")
        return error(500, "internal-error", "服务器内部错误，请报告此问题", "internal server error; please report it")
