"""The web app (``../shared/spec/web.md``): ``create_app(config=None)`` is the WSGI application.

``incubator-check serve`` runs it locally; an office runs it under waitress (README):
``waitress-serve --call incubator_check.web:create_app``. Flask is imported only when the app is made,
so the command line starts as fast as before. The application itself is in ``_app.py``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app", "UploadLimits", "render_report_html"]


def create_app(config: dict[str, Any] | None = None):
    """The Flask (WSGI) application; see ``_app.create_app`` for the configuration keys."""
    from ._app import create_app as make

    return make(config)


def __getattr__(name: str):
    if name == "UploadLimits":
        from ._uploads import UploadLimits

        return UploadLimits
    if name == "render_report_html":
        from ._html import render_report_html

        return render_report_html
    raise AttributeError(name)
