"""The templates, loaded through ``importlib.resources`` (so a PyInstaller bundle finds them), and the HTML report.

``render_report_html(report, lang)`` is ``check --format html``: the web app's report page as one self-contained
file (inline CSS, no script, no external resources) that prints on A4 with page numbers and a repeating table
header. The web app renders the same ``report.html`` through the same loader.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any
from urllib.parse import urlencode

import jinja2

from . import _view


def _source(name: str):
    """A template's text from the package (a traversable, never a made-up folder path)."""
    if "/" in name or "\\" in name or name.startswith("."):
        return None
    item = resources.files(__package__).joinpath("templates").joinpath(name)
    if not item.is_file():
        return None
    return item.read_text(encoding="utf-8"), None, lambda: True


LOADER = jinja2.FunctionLoader(_source)


@lru_cache(maxsize=1)
def static_file(name: str) -> bytes:
    return resources.files(__package__).joinpath("static").joinpath(name).read_bytes()


def common(lang: str) -> dict[str, Any]:
    """What every template may use: the words, the verdict and status words, a link builder."""
    from .. import __version__

    def link(path: str, **params: Any) -> str:
        query = {k: v for k, v in params.items() if v not in (None, "")}
        query["lang"] = lang
        return path + "?" + urlencode(query)

    return {
        "lang": lang,
        "version": __version__,
        "w": lambda key, **values: _view.word(key, lang, **values),
        "vw": lambda verdict: _view.verdict_word(verdict, lang),
        "sw": lambda status: _view.status_word(status, lang),
        "mark": lambda full_width: _view.mark(full_width, lang),
        "link": link,
    }


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=LOADER, autoescape=jinja2.select_autoescape(["html"], default=True),
                              trim_blocks=True, lstrip_blocks=True)


def render_report_html(report_json: dict[str, Any], lang: str = "zh") -> str:
    """One report as a self-contained HTML file: the page the web app shows, without links or script."""
    template = _environment().get_template("report.html")
    return template.render(**common(lang), r=_view.report_view(report_json, lang), standalone=True, nonce=None,
                           downloads=None, back=None, switch_url=None, kept_for=None)
