"""``check``'s terminal table, written by the child that checked the file.

A module of its own, importing nothing at the top: the command line names this function for its child (pickled by
reference), and neither the command line nor the child's early start (``_start``) should pay for the table's imports
before they are needed.
"""

from __future__ import annotations


def table_of_line(lang: str, color: bool, line: str) -> str:
    """The terminal table of the report's JSON line: the same model, validated from the same JSON, so the same
    text as the command line would write from it."""
    import json

    from ..report import Report
    from .terminal import render_check

    return render_check(Report.model_validate(json.loads(line)), lang, color=color)
