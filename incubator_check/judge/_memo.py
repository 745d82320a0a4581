"""What the judge works out once per ruleset (issue 21): a ruleset is frozen once loaded (its models are
``frozen``, and ``Ruleset.at`` gives a new one for a day), so what depends on the ruleset alone — the columns
a test reads, the names an expression reads, a threshold as zen takes it — is the same for every submission
and is kept here rather than worked out again for every check."""

from __future__ import annotations

from typing import Any

# id(owner) → (owner, its memo). The entry holds the owner itself, so its id is never reused while the entry
# lives; rulesets are few (each bundled one, and one per day it is resolved on, which ``Ruleset.at`` keeps too).
_MEMOS: dict[int, tuple[Any, dict[Any, Any]]] = {}


def memo(owner: Any) -> dict[Any, Any]:
    """The memo of one frozen object (a ruleset): a dict its users key by what they keep."""
    entry = _MEMOS.get(id(owner))
    if entry is None or entry[0] is not owner:
        entry = _MEMOS[id(owner)] = (owner, {})
    return entry[1]


def once(owner: Any, key: Any, make) -> Any:
    """``make()``, worked out once for this frozen object and ``key``, then kept in its memo."""
    kept = memo(owner)
    try:
        return kept[key]
    except KeyError:
        found = kept[key] = make()
        return found
