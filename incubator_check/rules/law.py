"""The law the rule data quotes: ``rulesets/law/*.md``, shipped inside the package as rule data."""

from __future__ import annotations

import pathlib
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

from ..errors import RulesetError

if TYPE_CHECKING:  # importlib.resources.abc from 3.11, importlib.abc before (removed in 3.14)
    from importlib.resources.abc import Traversable

__all__ = ["bundled_root", "law_text"]

_PACKAGE = "incubator_check.rulesets"


@lru_cache(maxsize=1)
def bundled_root() -> Traversable:
    """The rule data shipped with the package, as an importlib.resources traversable (a folder, a wheel's zip
    or a frozen bundle alike); from a source checkout that is not installed, the top-level rulesets/."""
    try:
        return resources.files(_PACKAGE)
    except ModuleNotFoundError:
        return pathlib.Path(__file__).resolve().parents[2] / "rulesets"


def law_text(source: str) -> str:
    """The legal text a ruleset's ``source:`` names, read from the package data (``rulesets/law/*.md``).

    ``source`` is relative to the bundled rule data, written with ``/``; it is resolved by traversing the
    package's resources, never as a folder on disk, so that an installed wheel or a frozen executable
    reads the same text as a checkout. Leaving the package (``..``, an absolute path) is refused.
    """
    parts = source.split("/")
    if not source or source.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise RulesetError(f"法律文本来源 {source!r} 须为规则集数据内的相对路径",
                           f"legal source {source!r} must be a relative path inside the rule data")
    node = bundled_root()
    for part in parts:
        node = node / part
    try:
        return node.read_text(encoding="utf-8")
    except OSError:
        raise RulesetError(f"找不到法律文本 {source}", f"no legal text {source} in the rule data") from None
