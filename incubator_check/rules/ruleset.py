"""Rulesets: the regulation as data (YAML). The rules stage's public names, from the modules that hold them:

* :mod:`.schema` — what a ruleset is (every key, dated values, :meth:`Ruleset.at`);
* :mod:`.law` — the legal texts the quotes are checked against;
* :mod:`.load` — files read, ``extends`` merged, the bundled index and its claims (:func:`ruleset_for`);
* :mod:`.compile`, :mod:`.engine`, :mod:`.intervals` — expressions compiled and run in zen-engine.
"""

from __future__ import annotations

from .law import bundled_root, law_text
from .load import bundled_ids, default_for_level, index_of, load_ruleset, ruleset_for
from .schema import (Aggregate, Bans, CitedReading, Clause, Condition, DeclaredField, Note, Parameter, Quota,
                     Relaxation, ReviewItem, Ruleset, SmeClassification, TenantTest, Term, Text, TestFinding,
                     Thresholds, in_language, value_on)

__all__ = ["Aggregate", "Bans", "CitedReading", "Clause", "Condition", "DeclaredField", "Note", "Parameter",
           "Quota", "Relaxation", "ReviewItem", "Ruleset", "SmeClassification", "TenantTest", "Term", "Text",
           "TestFinding", "Thresholds", "bundled_ids", "bundled_root", "default_for_level", "in_language",
           "index_of", "law_text", "load_ruleset", "ruleset_for", "value_on"]
