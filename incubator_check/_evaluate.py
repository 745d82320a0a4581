"""Superseded by :mod:`incubator_check.judge`; kept only for the importers that still name it.

``check_submission``, ``CheckOptions``, ``exact``, ``percent`` and ``_compile`` are re-exported from
where they now live. Import them from :mod:`incubator_check` (the public API), :mod:`incubator_check.judge`
or :mod:`incubator_check._compile` instead; this module goes once nothing imports it.
"""

from __future__ import annotations

from ._compile import compile_ruleset as _compile
from .judge import CheckOptions, check_submission
from .judge.numbers import exact, percent

__all__ = ["CheckOptions", "_compile", "check_submission", "exact", "percent"]
