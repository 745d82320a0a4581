"""What the judge does not decide: clauses a reviewer must judge (REVIEW), and the ruleset's notes.

A review clause (e.g. Article 6(9), the incubator's services) is written out with the profile's figures
filled into its message, for the reviewer to weigh. A note (e.g. Article 25's transition for a former
national incubator) is shown when its ``when`` expression holds and every name it reads is known.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..rules.engine import EngineFailure, evaluate
from ..report import ClauseResult, Note, Status, Text
from ._memo import once
from .messages import clause_reading, from_rules

if TYPE_CHECKING:
    from ..rules.compile import CompiledRuleset
    from ..rules.ruleset import Clause, Ruleset


def review_clause(clause: "Clause", base: dict[str, Any], ruleset: "Ruleset | None" = None) -> ClauseResult:
    values = {k: ("—" if v is None else v) for k, v in base.items()}
    reading = clause_reading(ruleset, clause) if ruleset is not None else from_rules(clause.reading)
    return ClauseResult(id=clause.id, article=clause.article, title=Text(clause.title.zh, clause.title.en),
                        status=Status.REVIEW, message=from_rules(clause.review, **values), reading=reading)


def notes(compiled: "CompiledRuleset", base: dict[str, Any]) -> list[Note]:
    """The ruleset's notes that apply to this submission."""
    shown = []
    for note, call, reads in zip(compiled.ruleset.notes, compiled.note_calls, compiled.note_reads):
        if any(base.get(n) is None for n in reads if n in base):
            continue  # a blank the note reads: it cannot be said to apply
        try:
            # given only the names it reads: zen converts every value it is given
            if evaluate(call, {n: base[n] for n in reads if n in base}) is True:
                shown.append(Note(id=note.id, article=note.article, message=Text(note.message.zh, note.message.en)))
        except EngineFailure:
            continue
    return shown


def cited_readings(ruleset: "Ruleset", clause: "Clause", reading: Text) -> Text:
    """A clause's reading with the readings it cites, each with its source and date (e.g. the 2026 SME tier).

    The ruleset's alone for a given reading (the clause's own, or its ban's), so kept per ruleset, clause and
    reading (``_memo``); a Text is never changed once made."""
    return once(ruleset, ("cited", id(clause), reading), lambda: _cited_readings(ruleset, clause, reading))


def _cited_readings(ruleset: "Ruleset", clause: "Clause", reading: Text) -> Text:
    chinese, english = reading.zh, reading.en
    for key in clause.cites:
        cited = ruleset.readings[key]
        joint = "" if not chinese or chinese.endswith(("。", "；")) else "；"
        chinese += joint + f"{cited.text.zh}（{cited.source}，{cited.issued.isoformat()}）"
        english = " ".join(p for p in (english, f"{cited.text.en} ({cited.source}, {cited.issued.isoformat()})") if p)
    return Text(chinese, english)
