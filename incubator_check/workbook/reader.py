"""The reader: one workbook file (.xlsx, .xls, .ods) in, a :class:`Submission` and every finding out.

Sheets, fields and columns are found by label (``spec/workbook.md``); every value
form of the spec is parsed to canonical units; every problem is collected as a
:class:`Finding` naming its sheet and cell, never raised one at a time. Only a
file that cannot be read as a workbook at all raises :class:`WorkbookError`.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
import hashlib
from decimal import Decimal
import io
import os
import re
import unicodedata
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from types import SimpleNamespace
from typing import Any, Callable, Mapping

import python_calamine
from pydantic import TypeAdapter, ValidationError

from . import guard as _guard
from .layout import (
    ALIASES,
    FUNDS,
    INSTRUCTIONS_EN,
    INSTRUCTIONS_NAME,
    PROFILE,
    SHEETS,
    STAFF,
    TENANTS,
    FieldSpec,
    Kind,
    Required,
    SheetSpec,
)
from .looks import SheetLooks, hidden_sheets, sheet_looks
from .readings import ValueMeaning, industry_of_code, yes_no_coding
from .values import parse_yesno
from .values import (
    INVISIBLE,
    PartialDate,
    ValueProblem,
    amount_parser,
    integer_parser,
    normalize_label,
    parse_county,
    parse_date,
    parse_enum,
    parse_enum_list,
    parse_integer,
    parse_text,
    parse_uscc,
    parse_year,
    split_unit,
    unit_factor,
    uscc_problem,
    usual_uscc,
    visible_text,
    within_model,
)
from .values import MAX_DIGITS, MAX_MAGNITUDE
from ..errors import WorkbookError
from ..findings import Bilingual, Finding, Severity, cell_name, column_letter, finding_at, from_catalogue
from ..model import Fund, Profile, SourceMap, StaffMember, Submission, Tenant, _annotation

#: The layout's enumerations as namespaces of their members, for the code that runs per field and per column: a member
#: looked up on its enum class (Kind.MONEY) costs ~40 ns in Python 3.11, on a namespace ~10 ns, and _parser_for alone
#: asked up to eleven. The members are the same objects, so every ``is`` and ``in`` answers as before.
_KIND = SimpleNamespace(**Kind.__members__)
_REQUIRED = SimpleNamespace(**Required.__members__)
#: Header rows are looked for among this many first rows of a tabular sheet.
HEADER_SEARCH_ROWS = 20
#: Labels of the profile sheet's own header row, skipped silently.
_PROFILE_HEADER_WORDS = {normalize_label(w) for w in ("项目", "字段", "填报内容", "内容", "值", "填写说明", "说明", "备注", "field", "value", "notes", "item")}

Parser = Callable[[Any], Any]


@dataclass
class ReadResult:
    """What the reader made of a workbook: the submission (None if unusable) and every finding."""

    submission: Submission | None
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        """The findings of severity error."""
        return [f for f in self.findings if f.severity is Severity.ERROR]


def _blank(raw: Any) -> bool:
    return raw is None or raw == "" or (isinstance(raw, str) and not raw.strip())


_MISSING = object()
_ONE = Decimal(1)


@lru_cache(maxsize=1)
def _tenant_rows() -> TypeAdapter:
    """The roster's validator, built when a roster is first validated: most rosters are built without it
    (``_built_tenants``), and building it costs ~3 ms of a one-file check."""
    return TypeAdapter(tuple[Tenant, ...])


def _problem_finding(p: ValueProblem, path: str, sheet: str, cell: str, row: int, spec: FieldSpec) -> Finding:
    """A value's problem at its cell, the field named before it (「field」… / 'field': …)."""
    return Finding(code=p.code, severity=p.severity, message_zh=f"「{spec.header}」{p.zh}",
                   message_en=f"'{spec.en}': {p.en}", file=path, sheet=sheet, cell=cell, row=row, column=spec.key)


def _label(spec: FieldSpec) -> Bilingual:
    """A field as each language names it in a sentence: its label, its English name."""
    return Bilingual(spec.label, spec.en)


def _header(spec: FieldSpec) -> Bilingual:
    """A field as each language names it where its unit matters: its header (label and unit), its English name."""
    return Bilingual(spec.header, spec.en)


class _Collector:
    """Collects findings for one file."""

    def __init__(self, path: str):
        self.path = path
        self.findings: list[Finding] = []
        # A parsed amount the model counts differently (values.within_model): the roster is then validated
        # by the model again, so that such a value is refused at its cell as before.
        self.revalidate = False

    def add(self, key: str, sheet: str | None = None, cell: str | None = None, row: int | None = None,
            column: str | None = None, /, **params: object) -> None:
        """The catalogue's finding ``key`` at its place (sheet, cell, row, field key), with its parameters."""
        self.findings.append(finding_at(key, self.path, sheet, cell, row, column, **params))

    def problem(self, p: ValueProblem, sheet: str, cell: str, row: int, spec: FieldSpec) -> None:
        self.findings.append(_problem_finding(p, self.path, sheet, cell, row, spec))


def _parser_for(spec: FieldSpec, unit: str) -> Parser:
    kind = spec.kind
    if kind is _KIND.YESNO:
        return parse_yesno  # imported at the top: an import statement here cost a lookup in importlib each call
    if kind is _KIND.TEXT:
        return parse_text
    if kind is _KIND.USCC:
        return parse_uscc
    if kind is _KIND.DATE:
        return parse_date
    if kind is _KIND.YEAR:
        return parse_year
    if kind is _KIND.INTEGER:
        return integer_parser(kind, unit)
    if kind in (_KIND.MONEY, _KIND.AREA):
        return amount_parser(kind, unit)
    if kind is _KIND.ENUM and spec.key == "industry":
        return _industry_parser(spec)
    if kind is _KIND.ENUM:
        choices, aliases = spec.choices, ALIASES.get(spec.key, {})
        return lambda raw: parse_enum(raw, choices, aliases)
    if kind is _KIND.ENUM_LIST:
        choices = spec.choices
        return lambda raw: parse_enum_list(raw, choices)
    if kind is _KIND.COUNTY:
        return parse_county
    raise AssertionError(kind)  # pragma: no cover - every Kind is handled above


def _label_index(sheet: SheetSpec) -> dict[str, FieldSpec]:
    index: dict[str, FieldSpec] = {}
    for spec in sheet.fields:
        for label in (spec.label, spec.key, spec.en, spec.header, *spec.aliases):
            index.setdefault(normalize_label(label), spec)
    return index


_LABELS = {sheet.key: _label_index(sheet) for sheet in SHEETS}
#: The value readings of this read (``read_workbook(values=)``) by sheet and field, and the --as-of day if given.
_READ_VALUES: ContextVar[tuple[Mapping[str, Mapping[str, tuple[ValueMeaning, ...]]], dt.date | None]] = ContextVar(
    "values", default=({}, None))
#: The labels of this read: the core layout's, or with the fields a ruleset declares (``read_workbook(fields=)``).
_READ_LABELS: ContextVar[dict[str, dict[str, FieldSpec]]] = ContextVar("labels", default=_LABELS)


def _with_declared(declared: Mapping[str, tuple[FieldSpec, ...]],
                   choices: Mapping[str, tuple[str, ...]] | None = None) -> dict[str, SheetSpec]:
    """The sheets of the layout with a ruleset's declared fields added (profile and roster), and its own choices
    for the enumerations whose values are the ruleset's (industry, revocation reason)."""
    choices = choices or {}
    return {sheet.key: replace(sheet, fields=tuple(replace(f, options=choices[f.key]) if f.key in choices else f
                                                   for f in sheet.fields) + tuple(declared.get(sheet.key, ())))
            for sheet in SHEETS}


#: The layouts of the (fields, choices) read with lately, newest first: a batch reads every file with the same
#: ones (the bundled rulesets'), and building a layout's label index costs more than reading a small sheet.
_LAYOUTS: list[tuple[dict, dict, dict[str, SheetSpec], dict[str, dict[str, FieldSpec]]]] = []


def _declared_layout(fields: Mapping[str, tuple[FieldSpec, ...]], choices: Mapping[str, tuple[str, ...]]
                     ) -> tuple[dict[str, SheetSpec], dict[str, dict[str, FieldSpec]]]:
    """:func:`_with_declared` and its label indexes, built once for the same fields and choices (compared by value:
    copies of the caller's are kept, so a mapping changed after the call is never mistaken for the one cached)."""
    fields = {key: tuple(specs) for key, specs in fields.items()}
    choices = {key: tuple(values) for key, values in choices.items()}
    for known_fields, known_choices, sheets, labels in _LAYOUTS:
        if known_fields == fields and known_choices == choices:
            return sheets, labels
    sheets = _with_declared(fields, choices)
    labels = {key: _label_index(sheet) for key, sheet in sheets.items()}
    _LAYOUTS.insert(0, (fields, choices, sheets, labels))
    del _LAYOUTS[8:]
    return sheets, labels


_SHEET_NAMES = {normalize_label(name): sheet for sheet in SHEETS for name in (sheet.name, sheet.en, sheet.key)}
_IGNORED_SHEETS = {normalize_label(INSTRUCTIONS_NAME), normalize_label(INSTRUCTIONS_EN), "instructions"}


def _match_label(sheet_key: str, raw: Any) -> tuple[FieldSpec | None, str]:
    """The field a label or header names, and the unit it carries (normalised), if any."""
    label = normalize_label(raw)
    labels = _READ_LABELS.get()[sheet_key]
    spec = labels.get(label)
    if spec is not None:
        return spec, normalize_label(spec.unit) if spec.unit else ""
    base, unit = split_unit(label)
    spec = labels.get(base)
    return spec, unit


def _other_header(sheet: SheetSpec, raw: Any) -> tuple[FieldSpec | None, str, str, tuple[str, str] | None]:
    """A header of another system (``rulesets/other-systems.yaml``): (field, unit, how, broader-warning).

    ``how`` is "synonym", "broader" or "kept" (a column the rules do not use), or "" when it is not listed.
    """
    from .readings import readings

    table = readings()
    label = normalize_label(raw)
    base, unit = split_unit(label)
    for text, text_unit in ((label, ""), (base, unit)):
        key = table.headers.get(sheet.key, {}).get(text)
        if key is not None:
            spec = sheet.field(key)
            return spec, text_unit or (normalize_label(spec.unit) if spec.unit else ""), "synonym", None
        broader = table.broader.get(sheet.key, {}).get(text)
        if broader is not None:
            spec = sheet.field(broader[0])
            return spec, text_unit or (normalize_label(spec.unit) if spec.unit else ""), "broader", broader[1:]
        if text in table.kept.get(sheet.key, frozenset()):
            return None, "", "kept", None
    return None, "", "", None


def _unknown_unit(spec: FieldSpec, unit: str) -> str | None:
    """The units a header's unknown unit should have been (for ``unknown-unit``), or None if it is known."""
    if not unit or spec.kind not in (_KIND.MONEY, _KIND.AREA, _KIND.INTEGER, _KIND.YEAR):
        return None
    if unit_factor(spec.kind, unit) is None:
        return {_KIND.MONEY: "万元、千元、元", _KIND.AREA: "平方米、㎡、m²、公顷"}.get(spec.kind, spec.unit or "—")
    return None


class _SheetData:
    """One worksheet's cells as python-calamine gives them, with merged ranges filled."""

    def __init__(self, name: str, rows: list[list[Any]], merged: list[tuple[tuple[int, int], tuple[int, int]]]):
        self.name = name
        self.rows = rows
        self.merged = merged
        self.looks = SheetLooks()

    @classmethod
    def load(cls, workbook: python_calamine.CalamineWorkbook, name: str, limits: _guard.Limits) -> "_SheetData":
        sheet = workbook.get_sheet_by_name(name)
        # total_height/total_width are the last 0-based index; the guard has already measured the sheet,
        # this is a second line of defence before the rows are built.
        rows, cols = sheet.total_height + 1, sheet.total_width + 1
        if rows > limits.max_rows or cols > limits.max_columns or rows * cols > limits.max_cells:
            raise _guard.TooLarge(name, rows, cols, limits)
        rows = sheet.to_python(skip_empty_area=False)
        try:
            merged = list(sheet.merged_cell_ranges or [])
        except Exception:  # noqa: BLE001 - merged ranges are optional metadata for some formats
            merged = []
        return cls(name, rows, merged)

    def fill_merged(self, collector: _Collector, limits: _guard.Limits) -> None:
        # Overlapping ranges (which Excel itself refuses) fill the same cells again and again; the cells
        # filled in all are bounded by the sheet's cell limit, so 200 overlapping ranges cost no more than one grid.
        budget = limits.max_cells
        for (r0, c0), (r1, c1) in self.merged:
            if r0 >= len(self.rows):
                continue
            budget -= (r1 - r0 + 1) * (c1 - c0 + 1)
            if budget < 0:
                collector.findings.append(from_catalogue(
                    "merged-area-too-large", collector.path, sheet=self.name, limit=limits.max_cells))
                return
            top = self.rows[r0][c0] if c0 < len(self.rows[r0]) else ""
            ref = f"{cell_name(r0, c0)}:{cell_name(r1, c1)}"
            collector.add("merged-cells", self.name, ref, r0 + 1, range=ref, value=top)
            for r in range(r0, r1 + 1):
                while r >= len(self.rows):
                    self.rows.append([])
                row = self.rows[r]
                while len(row) <= c1:
                    row.append("")
                for c in range(c0, c1 + 1):
                    if (r, c) != (r0, c0) and _blank(row[c]):
                        row[c] = top


def read_workbook(path: str | os.PathLike[str], *, today: dt.date | None = None,
                  limits: _guard.Limits | None = None, data: bytes | None = None,
                  fields: Mapping[str, tuple[FieldSpec, ...]] | None = None,
                  choices: Mapping[str, tuple[str, ...]] | None = None,
                  values: Mapping[str, Mapping[str, tuple[ValueMeaning, ...]]] | None = None,
                  sha256: str | None = None) -> ReadResult:
    """Read one submission workbook; raise :class:`WorkbookError` only if it is not a usable workbook.

    ``data`` is the file's bytes if the caller has read them (``path`` then only names the file); otherwise
    the file is read here, once, and everything below sees those bytes. ``fields`` are the profile fields and
    roster columns a ruleset declares beyond the core layout, by sheet key (``rules/fields.py``): read like
    any other, into the model's ``declared``. ``choices`` are the values the ruleset being applied allows for an
    enumeration of the law's, by field key (``industry``, ``revocation_reason``: ``rules/fields.py``); a value
    outside them is an invalid-choice finding at its cell. Without them, every bundled ruleset's are allowed.
    ``values`` are the ruleset's value readings by sheet and field key (``rules/fields.py``): a value it lists
    reads as it says, with an info finding that cites the reading; ``today``, when given, is the deciding day
    (--as-of) they are dated against, else 申报日期, else today.
    ``sha256`` is that of ``data``, when the caller has hashed them already (hashed here otherwise).
    """
    if values:
        token = _READ_VALUES.set((values, today))
        try:
            return read_workbook(path, today=today, limits=limits, data=data, fields=fields, choices=choices,
                                 sha256=sha256)
        finally:
            _READ_VALUES.reset(token)
    if fields or choices:
        sheets, labels = _declared_layout(fields or {}, choices or {})
        token = _READ_LABELS.set(labels)
        try:
            return _read_workbook(path, today, limits, data, sheets, sha256)
        finally:
            _READ_LABELS.reset(token)
    return _read_workbook(path, today, limits, data, None, sha256)


def _read_workbook(path: str | os.PathLike[str], today: dt.date | None, limits: _guard.Limits | None,
                   data: bytes | None, sheets: dict[str, SheetSpec] | None, sha256: str | None = None) -> ReadResult:
    path = os.fspath(path)
    limits = limits or _guard.Limits()
    today = today or dt.date.today()
    collector = _Collector(path)
    if data is None:
        data = _guard.read_bytes(path, limits)  # read once: the guard, calamine and the hash all see these bytes
        sha256 = None
    full = _guard.full_scan()
    try:
        formula_parts = _guard.check_data(path, data, limits)  # raises WorkbookError for what must not be opened
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except (WorkbookError, KeyboardInterrupt, SystemExit):
        _guard.forget_passed()  # nothing is read after a refusal: the guard's hand-over is not kept
        raise
    except BaseException as exc:  # noqa: BLE001 - a Rust panic arrives as a BaseException; never a traceback
        try:
            raise WorkbookError(_after_full_scan(path, data, limits, full, exc)) from None
        finally:
            _guard.forget_passed()
    try:
        return _read(workbook, path, data, collector, today, limits, formula_parts, sheets, sha256)
    except _guard.TooLarge as exc:
        raise WorkbookError(exc.finding(path)) from None
    except (WorkbookError, KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - a calamine error (or Rust panic) while reading a sheet
        raise WorkbookError(_after_full_scan(path, data, limits, full, exc)) from None
    finally:
        workbook.close()
        _guard.forget_passed()


def _after_full_scan(path: str, data: bytes, limits: _guard.Limits, full: bool, exc: BaseException):
    """The finding for a file python-calamine failed on: the full scan's refusal if the screen had let it by (the
    screen never should: then the code is the guard's, as it was before the screen), else what calamine said."""
    if not full:
        try:
            _guard.check_data(path, data, limits, full=True)
        except WorkbookError as refused:
            return refused.finding
        except Exception:  # noqa: BLE001 - the scan's own failure leaves calamine's error standing
            pass
    return _guard.unreadable(path, exc)


#: A sheet name that repeats a table's name with a copy's or continuation's mark: 在孵企业 (2), 在孵企业（续）, 在孵企业2.
_SHEET_COPY = re.compile(r"^(.*?)(?:\(续\d*\)|续\d*|\(\d+\)|-?\d+)$")
#: The marks of a continuation (not of Excel's copy, 在孵企业 (2)): 续, a number, -2.
_SHEET_CONTINUED = re.compile(r"(?:\(续\d*\)|续\d*|[^()\d]-?\d+)$")


def _sheet_of(name: str) -> SheetSpec | None:
    key = normalize_label(name)
    sheet = _SHEET_NAMES.get(key)
    if sheet is None:
        match = _SHEET_COPY.match(key)
        if match:
            sheet = _SHEET_NAMES.get(match.group(1))
    return sheet


#: A part of a numbered annex, 附表2-1 / 附表2-2: the statistics system's name for a roster split over sheets. Only the
#: name's pattern is known, not which annex holds the roster, so a part is the roster's only when its header row is.
_ANNEX_PART = re.compile(r"^附表\d+[-_]\d+$")


def _choose_sheets(names: list[str], hidden: set[str], collector: _Collector,
                   continued: dict[str, list[str]], parts: list[str] | None = None) -> dict[str, str]:
    """Each table's sheet, as a person sees the workbook: a visible sheet over a hidden one of the same table (a
    stale copy), the sheet bearing the table's own name over a copy (在孵企业 (2)); every sheet not read is named in a
    finding. Visible annex parts (附表2-1) go to ``parts``, for their header row to decide."""
    candidates: dict[str, list[str]] = {}
    for name in names:
        sheet = _sheet_of(name)
        if sheet is None:
            if parts is not None and name not in hidden and _ANNEX_PART.match(normalize_label(name)):
                parts.append(name)
            elif normalize_label(name) not in _IGNORED_SHEETS:
                collector.add("unknown-sheet", name, name=name)
            continue
        candidates.setdefault(sheet.key, []).append(name)
    found: dict[str, str] = {}
    for key, named in candidates.items():
        visible = [n for n in named if n not in hidden]
        if not visible:
            found[key] = named[0]
            collector.add("sheet-hidden-read", named[0], name=named[0])
            for other in named[1:]:
                collector.add("sheet-duplicate", other, name=other, used=named[0])
            continue
        own = [n for n in visible if normalize_label(n) in _SHEET_NAMES]
        used = found[key] = (own or visible)[0]
        for other in named:
            if other in hidden:
                collector.add("sheet-hidden-ignored", other, name=other, used=used)
            elif other != used and key == "tenants" and _SHEET_CONTINUED.search(normalize_label(other)):
                continued.setdefault(key, []).append(other)
            elif other != used:
                collector.add("sheet-duplicate", other, name=other, used=used)
    return found


def _read(workbook, path: str, content: bytes, collector: _Collector, today: dt.date, limits: _guard.Limits,
          formula_parts: dict[str, set[str]], sheets: dict[str, SheetSpec] | None = None,
          sha256: str | None = None) -> ReadResult:
    continued: dict[str, list[str]] = {}
    parts: list[str] = []
    found = _choose_sheets(list(workbook.sheet_names), hidden_sheets(workbook), collector, continued, parts)
    _roster_parts(workbook, parts, sheets["tenants"] if sheets else TENANTS, found, continued, collector, limits)
    fatal = False
    for sheet in SHEETS:
        if sheet.required and sheet.key not in found:
            fatal = True
            collector.add("sheet-missing", sheet.name, name=sheet.name, alias=sheet.en)
    # Built, not validated (model_construct), here and for the submission below: every value is already of its
    # field's type (text, models, tuples of models), and validating them only built the models' validators,
    # ~1.5 ms of a one-file check (a report never serializes a submission; ``read`` builds its serializer).
    source = SourceMap.model_construct(path=path, sha256=sha256 or hashlib.sha256(content).hexdigest(), sheets=dict(found))
    if fatal:
        return ReadResult(None, collector.findings)

    looks = sheet_looks(content, set(found.values()) | {n for names in continued.values() for n in names})
    profile_data = _SheetData.load(workbook, found["profile"], limits)
    profile_data.looks = looks.get(found["profile"]) or profile_data.looks
    profile_data.fill_merged(collector, limits)
    profile, cells, units = _read_profile(profile_data, collector, today, sheets["profile"] if sheets else PROFILE)
    source.profile_cells.update(cells)
    source.units.update(units)

    tables: dict[str, tuple[list[dict[str, Any]], dict[str, str]] | None] = {}
    for sheet in (TENANTS, STAFF, FUNDS):
        if sheet.key not in found:
            tables[sheet.key] = None
            continue
        data = _SheetData.load(workbook, found[sheet.key], limits)
        data.looks = looks.get(found[sheet.key]) or data.looks
        data.fill_merged(collector, limits)
        layout = sheets[sheet.key] if sheets else sheet
        tables[sheet.key] = _read_table(layout, data, collector, source, today, profile)
        if continued.get(sheet.key) and tables[sheet.key] is not None:
            _read_continued(workbook, layout, data, continued[sheet.key], tables[sheet.key][0], collector, source,
                            today, profile, limits, looks)

    tenants_rows, _ = tables["tenants"] or ([], {})
    if formula_parts:
        names = _guard.sheet_parts(content)
        by_sheet = {names[part]: cells_ for part, cells_ in formula_parts.items() if part in names}
        _formula_findings(path, collector, found, source, cells, by_sheet)

    if sheets and len(sheets["tenants"].fields) > len(TENANTS.fields):
        declared = {spec.key for spec in sheets["tenants"].fields[len(TENANTS.fields):]}
        for record in tenants_rows:
            own = {key: record.pop(key) for key in declared if key in record}
            if own:
                record["declared"] = own
    tenants = _tenants(tenants_rows, collector, found["tenants"], source)
    if not tenants:
        collector.add("roster-empty", found["tenants"])
    # An optional sheet left with its header only (as the template gives it) was not filled in: None, not "none".
    staff = _rows_of(StaffMember, tables["staff"][0], collector, found.get("staff"), source.columns.get("staff", {})) \
        if tables["staff"] and tables["staff"][0] else None
    funds = _rows_of(Fund, tables["funds"][0], collector, found.get("funds"), source.columns.get("funds", {})) \
        if tables["funds"] and tables["funds"][0] else None
    if staff is not None:
        _check_staff(profile, staff, collector, found["staff"], source)
    _contradictions(profile, tenants, collector, source)
    _plausibility(profile, tenants, collector, source)
    key_of_sheet = {name: key for key, name in found.items()}
    row_ids = {place: row for row, place in source.continued.items()}  # (sheet, worksheet row) → row id
    for names in continued.values():
        key_of_sheet.update(dict.fromkeys(names, "tenants"))
    unusable = set()
    for f in collector.findings:
        if f.severity is Severity.ERROR and f.column and f.sheet in key_of_sheet:
            key = key_of_sheet[f.sheet]
            row = row_ids.get((f.sheet, f.row), f.row)
            unusable.add(f"{key}.{f.column}" if key == "profile" else f"{key}.{f.column}.{row}")
    source = source.model_copy(update={"unusable": frozenset(unusable)})
    submission = Submission.model_construct(profile=profile, tenants=tenants, staff=staff, funds=funds, source=source)
    return ReadResult(submission, collector.findings)


def _roster_parts(workbook, parts: list[str], layout: SheetSpec, found: dict[str, str], continued: dict[str, list[str]],
                  collector: _Collector, limits: _guard.Limits) -> None:
    """Annex parts (附表2-1, 附表2-2) whose header row is the roster's are one roster, in the workbook's order: the
    first is the roster when no sheet bears its name, the others (or all) its continuations. Any other part is a
    sheet the application does not have."""
    enough = max(2, len(layout.fields) // 2)  # as _find_header: a row naming half the columns is the header
    roster = [name for name in parts if _find_header(layout, _SheetData.load(workbook, name, limits))[1] >= enough]
    for name in parts:
        if name not in roster:
            collector.add("unknown-sheet", name, name=name)
    if roster and "tenants" not in found:
        found["tenants"] = roster.pop(0)
    if roster:
        continued.setdefault("tenants", []).extend(roster)


def _read_continued(workbook, sheet: SheetSpec, first: _SheetData, names: list[str], records: list[dict[str, Any]],
                    collector: _Collector, source: SourceMap, today: dt.date, profile: Profile, limits: _guard.Limits,
                    looks: dict[str, SheetLooks]) -> None:
    """The roster's continuation sheets, read as the same roster: each row keeps its own sheet and cell (the
    source map), and is numbered after the rows of the sheets before it so that every row has its own id."""
    letters = source.columns.get(sheet.key, {})
    offset = len(first.rows)
    for name in names:
        data = _SheetData.load(workbook, name, limits)
        data.looks = looks.get(name) or data.looks
        data.fill_merged(collector, limits)
        more, own = _read_table(sheet, data, collector, source, today, profile)
        source.columns[sheet.key] = letters  # the first sheet's columns stay the roster's
        source.continued_columns[name] = dict(own)
        if more:
            collector.add("sheet-continued", name, f"A{more[0]['row']}", more[0]["row"], name=name, first=first.name,
                          row=more[0]["row"], at=offset + more[0]["row"])
        for record in more:
            real = record["row"]
            record["row"] = offset + real
            source.continued[offset + real] = (name, real)
        records.extend(more)
        offset += len(data.rows)


def _read_profile(data: _SheetData, collector: _Collector, today: dt.date, layout: SheetSpec = PROFILE):
    values: dict[str, Any] = {}
    cells: dict[str, str] = {}
    units: dict[str, str] = {}
    sheet = data.name
    seen: dict[str, str] = {}
    first_at: dict[str, tuple[int, int, str]] = {}  # field → (row, column, unit) of the first row's value
    looks = data.looks
    labelled: list[tuple[int, int, Any, FieldSpec | None, str]] = []  # (row, label column, label, field, unit)
    struck_rows: list[int] = []
    for r, row in enumerate(data.rows):
        label_col = next((c for c, v in enumerate(row) if not _blank(v)), None)
        if label_col is None:
            continue
        if (r, label_col) in looks.struck:
            struck_rows.append(r + 1)  # a struck-through field is a deleted one
            continue
        raw_label = row[label_col]
        spec, unit = _match_label("profile", raw_label)
        if spec is None and raw_label.__class__ is str:
            spec, unit = _match_label("profile", _without_coding(raw_label))
        labelled.append((r, label_col, raw_label, spec, unit))
    if struck_rows:
        collector.add("rows-struck-skipped", sheet, f"A{struck_rows[0]}", struck_rows[0], rows=_rows_shown(struck_rows))
    # A field's row: the first visible one; a hidden one only when no visible row holds the field.
    visible_row: dict[str, int] = {}
    for r, _, _, spec, _ in labelled:
        if spec is not None and r not in looks.hidden_rows:
            visible_row.setdefault(spec.key, r)
    for r, label_col, raw_label, spec, unit in labelled:
        row = data.rows[r]
        if spec is None:
            if normalize_label(raw_label) not in _PROFILE_HEADER_WORDS:
                collector.add("unknown-field", sheet, cell_name(r, label_col), r + 1, label=raw_label)
            continue
        ref = cell_name(r, label_col + 1)
        if r in looks.hidden_rows:
            if spec.key in visible_row:
                collector.add("field-hidden-ignored", sheet, ref, r + 1, spec.key, row=r + 1, field=_label(spec),
                              used=cell_name(visible_row[spec.key], label_col + 1))
                continue
            collector.add("field-hidden-read", sheet, ref, r + 1, spec.key, row=r + 1, field=_label(spec))
        if spec.key in seen:
            first_r, first_col, first_unit = first_at[spec.key]
            a = data.rows[first_r][first_col] if first_col < len(data.rows[first_r]) else ""
            b = row[label_col + 1] if label_col + 1 < len(row) else ""
            if r not in looks.hidden_rows and not _same_value(spec, (first_unit, unit), a, b):
                # Two visible rows the person sees, with different answers: neither can be taken for the applicant's.
                for at, at_row in ((seen[spec.key], first_r + 1), (ref, r + 1)):
                    collector.add("duplicate-field-disagrees", sheet, at, at_row, spec.key, field=_label(spec),
                                  first=seen[spec.key], second=ref, a=_shown_raw(a), b=_shown_raw(b))
                values.pop(spec.key, None)
                continue
            collector.add("duplicate-field", sheet, ref, r + 1, spec.key, field=_label(spec), first=seen[spec.key])
            continue
        seen[spec.key] = ref
        first_at[spec.key] = (r, label_col + 1, unit)
        cells[spec.key] = ref
        expected = _unknown_unit(spec, unit)
        if expected:
            collector.add("unknown-unit", sheet, cell_name(r, label_col), r + 1, spec.key, field=_label(spec),
                          unit=unit, expected=expected)
            continue
        _note_unit(collector, spec, unit, sheet, cell_name(r, label_col), r + 1, units, f"profile.{spec.key}")
        raw = row[label_col + 1] if label_col + 1 < len(row) else ""
        if (r, label_col + 1) in looks.struck and not _blank(raw):
            collector.add("cells-struck-blank", sheet, ref, r + 1, cells=_rows_shown([ref]))
            raw = ""
        if _blank(raw):
            continue
        parser = _parser_for(spec, unit)
        coding = yes_no_coding(str(raw_label)) if spec.kind is _KIND.YESNO else None
        if coding:
            parser = _coded_yesno(coding)
            collector.add("yes-no-coded", sheet, cell_name(r, label_col), r + 1, spec.key, field=_label(spec),
                          coding=_coding_shown(coding))
        scale = looks.scaled.get((r, label_col + 1))
        if scale is not None and spec.kind in (_KIND.MONEY, _KIND.AREA, _KIND.INTEGER) and raw.__class__ in (int, float):
            from decimal import Decimal

            from .values import canonical_decimal, to_decimal

            column = _Column(label_col + 1, spec, parser, column_letter(label_col + 1))
            if raw == raw and raw not in (float("inf"), float("-inf")):
                raw = format(canonical_decimal(to_decimal(raw) / Decimal(scale[1])), "f")
                column.scaled.append((r, scale[0], scale[1]))
                collector.findings.append(_scaled_finding(column, collector.path, sheet)[2])
        value = _parse_cell(parser, raw, spec, collector, sheet, ref, r + 1, today)
        if value is not None:
            values[spec.key] = value
            if value.__class__ is PartialDate:
                collector.add("date-partial", sheet, ref, r + 1, spec.key, field=_label(spec), cells=_rows_shown([ref]),
                              precision=Bilingual("年份" if value.precision == "year" else "年月",
                                                  "year" if value.precision == "year" else "year and month"))

    level = values.get("level")
    for spec in layout.fields:
        needed = (spec.required is _REQUIRED.YES
                  or (spec.required is _REQUIRED.WHEN_REMOTE and values.get("remote_area") is True)
                  or (spec.required is _REQUIRED.WITH_REVOKED_ON and "revoked_on" in values)
                  or (spec.required is _REQUIRED.EXCELLENCE and level == "卓越级"))
        if not needed or spec.key in values:
            continue
        if spec.key in cells:
            if not any(f.cell == cells[spec.key] and f.sheet == sheet for f in collector.findings):
                collector.add("value-missing", sheet, cells[spec.key], _row_of(cells[spec.key]), spec.key,
                              field=_header(spec))
        else:
            collector.add("field-missing", sheet, None, None, spec.key, header=spec.header, gloss=spec.en)
    declared = {spec.key for spec in layout.fields[len(PROFILE.fields):]}
    own = {key: values.pop(key) for key in declared if key in values}
    return Profile(**values, declared=own), cells, units


_CODING_LABEL = re.compile(r"[(（]\s*[0-9０-９][^()（）]*[)）]\s*$")


def _same_value(spec: FieldSpec, units: tuple[str, str], a: Any, b: Any) -> bool:
    """Whether two cells give one answer: equal once read (8600 and "8600.0", 是 and TRUE), or, where either cannot
    be read, equal as the text a person sees."""
    if _blank(a) and _blank(b):
        return True
    try:
        return _parser_for(spec, units[0])(a) == _parser_for(spec, units[1])(b)
    except (ValueProblem, ValueError, TypeError, ArithmeticError):
        return normalize_label(_shown_raw(a)) == normalize_label(_shown_raw(b))


def _shown_raw(raw: Any) -> str:
    """A cell's value as the person sees it in a message: 8600, not calamine's 8600.0."""
    if _blank(raw):
        return ""
    if raw.__class__ is float and raw.is_integer():
        raw = int(raw)
    text = visible_text(str(raw)).strip()
    return text if len(text) <= 40 else text[:37] + "…"


def _without_coding(label: str) -> str:
    """A label without the coding it states at its end (``是否具有独立法人资格（1.是 2.否）``)."""
    return _CODING_LABEL.sub("", label)


def _row_of(cell: str) -> int:
    return int("".join(ch for ch in cell if ch.isdigit()))


def _note_unit(collector: _Collector, spec: FieldSpec, unit: str, sheet: str, cell: str, row: int,
               units: dict[str, str], key: str) -> None:
    if spec.kind not in (_KIND.MONEY, _KIND.AREA) or not unit:
        return
    factor = unit_factor(spec.kind, unit)
    units[key] = unit
    if factor is not None and factor != 1:
        collector.add("unit-converted", sheet, cell, row, spec.key, field=_label(spec), unit=unit, canonical=spec.unit,
                      factor=factor)


def _parse_cell(parser: Parser, raw: Any, spec: FieldSpec, collector: _Collector, sheet: str, ref: str,
                row: int, today: dt.date) -> Any:
    try:
        value = parser(raw)
    except ValueProblem as problem:
        collector.problem(problem, sheet, ref, row, spec)
        return None
    if spec.kind is _KIND.USCC:
        problem = uscc_problem(value)
        if problem:
            collector.problem(problem, sheet, ref, row, spec)
    elif spec.kind is _KIND.DATE and value > today and spec.key != "application_date":
        collector.add("date-in-future", sheet, ref, row, spec.key, field=_label(spec), value=value, today=today)
        return None
    return value


def _find_header(sheet: SheetSpec, data: _SheetData) -> tuple[int, int]:
    """The header row (0-based) and how many known headers it holds."""
    best_row, best_score = -1, 0
    enough = max(2, len(sheet.fields) // 2)
    for r, row in enumerate(data.rows[:HEADER_SEARCH_ROWS]):
        score = sum(1 for v in row if v.__class__ is str and v.strip() and _match_label(sheet.key, v)[0] is not None)
        if score > best_score:
            best_row, best_score = r, score
            if score >= enough:  # a row naming half the columns is the header; no need to look further
                break
    return best_row, best_score


#: The classes of raw values that are their own memo key: no value of one compares equal to a value of another (a
#: text is never a number or a date, a float never a date). Any other value is keyed with its class, as 1 == 1.0 ==
#: True would otherwise share one parse; a datetime (a date's subclass) too. Exact classes, not subclasses.
_BARE_KEYS = frozenset({str, float, dt.date})


def _memo_key(raw: Any) -> Any:
    """A raw value's key in a column's memo (:data:`_BARE_KEYS`)."""
    cls = raw.__class__
    return raw if cls in _BARE_KEYS else (cls, raw)


class _Column:
    """One recognised column: its field, parser and letter, and a memo of values already parsed.

    Rosters repeat values (是/否, industries, round figures), so each distinct raw value is parsed once.
    """

    __slots__ = ("index", "spec", "header", "parser", "letter", "memo", "required", "check_uscc", "check_date",
                 "translated", "partial", "invisible", "scaled", "outside_model")

    def __init__(self, index: int, spec: FieldSpec, parser: Parser, letter: str):
        self.index, self.spec, self.parser, self.letter = index, spec, parser, letter
        self.header = _header(spec)
        # An industry written another way (an alias, a GB/T 4754 code): raw value → rows, for one info each.
        self.translated: dict[Any, list[int]] | None = {} if spec.key == "industry" else None
        self.memo: dict[Any, Any] = {}  # by _memo_key
        self.required = spec.required is _REQUIRED.YES
        self.check_uscc = spec.kind is _KIND.USCC
        self.check_date = spec.kind is _KIND.DATE and spec.key != "application_date"
        self.partial: list[tuple[int, PartialDate]] = []  # (row, value) of dates known to the year or month only
        self.invisible: set[str] = set()  # raw values that held invisible characters
        self.outside_model = False  # a parsed amount the model would refuse (values.within_model)
        self.scaled: list[tuple[int, str, object]] = []  # (row, format, divisor) of cells read as displayed


def _read_table(sheet: SheetSpec, data: _SheetData, collector: _Collector, source: SourceMap, today: dt.date,
                profile: Profile):
    name = data.name
    header_row, score = _find_header(sheet, data)
    if score == 0:
        if any(not _blank(v) for row in data.rows for v in row) or sheet.required:
            collector.add("header-missing", name, "A1", 1, name=name, rows=HEADER_SEARCH_ROWS,
                          first=sheet.fields[0].label, second=sheet.fields[1].label)
        return [], {}
    if header_row > 0 and any(not _blank(v) for row in data.rows[:header_row] for v in row):
        collector.add("header-not-first-row", name, f"A{header_row + 1}", header_row + 1, row=header_row + 1)
    looks = data.looks
    caption = _unit_caption(data.rows[:header_row + 1])
    captioned: list[FieldSpec] = []
    columns: list[_Column] = []
    letters: dict[str, str] = {}
    kept: list[tuple[int, str]] = []  # (column, header) of columns the rules do not use
    matched: list[tuple[int, Any, FieldSpec, str, bool]] = []  # (column, header, field, unit, unit of its own)
    for c, raw in enumerate(data.rows[header_row]):
        if _blank(raw):
            continue
        spec, unit = _match_label(sheet.key, raw)
        ref = cell_name(header_row, c)
        how = ""
        if spec is None:
            spec, unit, how, broader = _other_header(sheet, raw)
            if how == "kept":
                kept.append((c, str(raw).strip()))
                collector.add("column-kept", name, ref, header_row + 1, header=raw)
                continue
        if spec is None:
            if caption is None or caption[2] != (header_row, c):
                collector.add("unknown-column", name, ref, header_row + 1, header=raw)
            continue
        if how == "synonym":
            collector.add("header-synonym", name, ref, header_row + 1, spec.key, raw=raw, header=spec.header,
                          gloss=spec.en)
        elif how == "broader":
            collector.add("header-broader", name, ref, header_row + 1, spec.key, raw=raw, header=spec.header,
                          gloss=spec.en, reason=Bilingual(*broader))
        matched.append((c, raw, spec, unit, bool(split_unit(normalize_label(raw))[1])))
    # A field's column: the first visible one; a hidden one only when no visible column holds the field.
    chosen: dict[str, int] = {}
    twins: list[tuple[int, int, FieldSpec]] = []  # (column, the column read, field) of visible duplicates
    for c, raw, spec, unit, own in matched:
        if spec.key not in chosen or (chosen[spec.key] in looks.hidden_columns and c not in looks.hidden_columns):
            chosen[spec.key] = c
    for c, raw, spec, unit, own in matched:
        ref = cell_name(header_row, c)
        if chosen[spec.key] != c:
            used = column_letter(chosen[spec.key])
            if c in looks.hidden_columns:
                collector.add("column-hidden-ignored", name, ref, header_row + 1, spec.key, letter=column_letter(c),
                              field=_label(spec), used=used)
            else:
                collector.add("duplicate-column", name, ref, header_row + 1, spec.key, field=_label(spec), letter=used)
                twins.append((c, chosen[spec.key], spec))
            continue
        if c in looks.hidden_columns:
            collector.add("column-hidden-read", name, ref, header_row + 1, spec.key, letter=column_letter(c),
                          field=_label(spec))
        if caption is not None and spec.kind is _KIND.MONEY and not own:
            unit = caption[0]
            captioned.append(spec)
        expected = _unknown_unit(spec, unit)
        if expected:
            collector.add("unknown-unit", name, ref, header_row + 1, spec.key, field=_label(spec), unit=unit,
                          expected=expected)
            continue
        _note_unit(collector, spec, unit, name, ref, header_row + 1, source.units, f"{sheet.key}.{spec.key}")
        letters[spec.key] = column_letter(c)
        parser = _parser_for(spec, unit)
        coding = yes_no_coding(str(raw)) if spec.kind is _KIND.YESNO else None
        if coding:
            parser = _coded_yesno(coding)
            collector.add("yes-no-coded", name, ref, header_row + 1, spec.key, field=_label(spec),
                          coding=_coding_shown(coding))
        meanings = _READ_VALUES.get()[0].get(sheet.key, {}).get(spec.key)
        if meanings:
            parser = _read_by_meanings(parser, meanings, _deciding_day(profile, today))
        columns.append(_Column(c, spec, parser, letters[spec.key]))
        if meanings:
            columns[-1].translated = {}
    if captioned:
        unit, text, (r, c) = caption
        collector.add("unit-caption", name, cell_name(r, c), r + 1, cell=cell_name(r, c), caption=text,
                      unit=unit, fields=Bilingual("、".join(s.label for s in captioned), ", ".join(s.en for s in captioned)))
    source.columns[sheet.key] = dict(letters)
    for spec in sheet.fields:
        if spec.key in letters or spec.required is _REQUIRED.NO:
            continue
        collector.add("column-missing" if spec.required is _REQUIRED.YES else "column-missing:optional", name,
                      f"{column_letter(len(data.rows[header_row]))}{header_row + 1}", header_row + 1, spec.key,
                      header=spec.header, gloss=spec.en)

    data_rows = _data_rows(data, header_row, columns, collector)
    for c, used, spec in twins:  # two visible columns of one field that disagree: neither is read for that row
        for r, row in data_rows:
            a, b = (row[used] if used < len(row) else ""), (row[c] if c < len(row) else "")
            if not (_blank(a) and _blank(b)) and a != b:
                collector.add("duplicate-column-disagrees", name, cell_name(r, used), r + 1, spec.key,
                              field=_label(spec), first=cell_name(r, used), second=cell_name(r, c), a=a, b=b)
    records: list[dict[str, Any]] = [{"row": r + 1} for r, _ in data_rows]
    found: list[tuple[int, int, Finding]] = []  # (row, column, finding), sorted into row order below
    missing = _MISSING
    bare = _BARE_KEYS
    numbers = [r for r, _ in data_rows]
    table = [row for _, row in data_rows]
    # Column by column: each column's memo and parser stay hot, and repeated values cost a dict lookup.
    for column in columns:
        index, memo, key, spec = column.index, column.memo, column.spec.key, column.spec
        parser = column.parser
        # The column's constant tests, hoisted out of the row loop (translated is set before the loop, never after).
        check_uscc, check_date, translated = column.check_uscc, column.check_date, column.translated
        translating = translated is not None and key == "industry"
        # A column with none of the tests below (a USCC, a date, a translation or a ruleset's reading: a value read by
        # a reading, _Meant, comes only from a column whose translated is set) has its value stored and nothing else.
        special = check_uscc or check_date or translated is not None
        # An amount column of the header's own unit (no conversion) reads its usual cell here, without the memo (its
        # figures seldom repeat) or a call: a float from 1 up to 10^15 whose repr has at most 15 digits. That is the
        # parser's fast path (amount_parser: 0 <= raw <= 1e15, a whole float as Decimal(int(raw)), else the decimal
        # of its repr, unscaled), so the value is the parser's. It is also one the model takes as it is: the repr
        # is the shortest decimal that rounds to the float, and rounding is monotonic, so with 1 and 10^15 exact
        # floats the decimal is in [1, 10^15) as the float is, the loop's own first test of within_model. Any other
        # cell (a text, a fraction below 1, a long repr, NaN) goes through the loop below as before.
        plain_amounts = not special and getattr(parser, "unscaled", False) is True
        # Likewise a USCC column read by parse_uscc itself (no ruleset's reading before it): a cell holding a plainly
        # written, well-formed code with its right check character (values.usual_uscc) is that code, with no problem,
        # which is what parse_uscc and uscc_problem make of it; any other cell goes through the loop. Codes are
        # distinct, so the memo was only cost.
        plain_codes = check_uscc and parser is parse_uscc
        # And a text column read by parse_text itself: a printable text (isprintable() refuses every invisible
        # character, all of category Cf, and the no-break space, Zs) is what parse_text makes of it, stripped and in
        # NFC, with nothing for the loop to note; any other cell (not a text, or not printable) goes through the loop.
        plain_texts = not special and parser is parse_text
        # And a date column read by parse_date itself: a date cell (exactly a date: parse_date returns it as it is)
        # not after the deciding day is stored as the loop stores it; a later one, or any other value, is the loop's.
        plain_dates = check_date and parser is parse_date
        fast = plain_amounts or plain_codes or plain_texts or plain_dates
        # The column's cells in one list comprehension (a short row has a blank there), then zipped with the rows.
        for record, r, raw in zip(records, numbers, [row[index] if index < len(row) else "" for row in table]):
            if fast:
                if plain_amounts:
                    if raw.__class__ is float and 1.0 <= raw < 1e15:
                        if raw.is_integer():
                            record[key] = Decimal(int(raw))
                            continue
                        text = repr(raw)
                        if len(text) <= MAX_DIGITS + 1:
                            record[key] = Decimal(text)
                            continue
                elif plain_codes:
                    code = usual_uscc(raw)
                    if code is not None:
                        record[key] = code
                        continue
                elif plain_texts:
                    if raw.__class__ is str and raw.isprintable():
                        text = raw.strip()
                        if text:  # (a blank is the loop's: value-missing where the field is required)
                            record[key] = unicodedata.normalize("NFC", text)
                            continue
                elif raw.__class__ is dt.date and not raw > today:
                    record[key] = raw
                    continue
            cls = raw.__class__
            memo_key = raw if cls in bare else (cls, raw)  # _memo_key inlined
            try:
                value = memo.get(memo_key, missing)  # blank cells are never memoised
            except TypeError:  # an unhashable raw value: parsed without the memo
                value, memo_key = missing, None
            if value is missing:
                if raw == "" or raw is None or (cls is str and not raw.strip()):
                    if column.required:
                        found.append((r, index, finding_at("value-missing", collector.path, name,
                                                           f"{column.letter}{r + 1}", r + 1, key, field=column.header)))
                    continue
                # A value not parsed yet, in the loop (a call less for each distinct value): its invisible characters
                # noted, parsed (a ValueProblem is its value), an amount the model counts otherwise noted, memoised.
                # isprintable() before the search: INVISIBLE's characters are all of category Cf, never printable.
                if cls is str and not raw.isascii() and not raw.isprintable() and INVISIBLE.search(raw):
                    column.invisible.add(raw)
                try:
                    value = parser(raw)
                except ValueProblem as problem:
                    value = problem
                if value.__class__ is Decimal and not (_ONE <= value < MAX_MAGNITUDE) and not within_model(value):
                    column.outside_model = True  # within_model's own first test taken here, without its call
                if memo_key is not None:
                    memo[memo_key] = value
            cls = value.__class__
            if cls is ValueProblem:
                found.append((r, index, _problem_finding(value, collector.path, name, f"{column.letter}{r + 1}", r + 1, spec)))
                continue
            if not special:  # the cell's value, as below, without the tests that cannot apply to this column
                record[key] = value
                continue
            if check_uscc:
                problem = uscc_problem(value)
                if problem:
                    found.append((r, index, _problem_finding(problem, collector.path, name, f"{column.letter}{r + 1}",
                                                             r + 1, spec)))
            elif check_date:
                if value > today:
                    found.append((r, index, finding_at("date-in-future", collector.path, name, f"{column.letter}{r + 1}",
                                                       r + 1, key, field=_label(spec), value=value, today=today)))
                    continue
                if cls is PartialDate:
                    column.partial.append((r, value))
            if cls is _Meant:
                translated.setdefault(raw, []).append(r + 1)  # type: ignore[union-attr]
                record[key] = value.value
                # A ruleset's reading says what the cell means, not that the model takes it: the model checks.
                collector.revalidate = True
                continue
            record[key] = value
            if translating and value != raw:
                translated.setdefault(raw, []).append(r + 1)  # type: ignore[union-attr]
    for column in columns:
        for raw, rows in (column.translated or {}).items():
            finding = (_translation_finding(column, raw, rows, collector.path, name) if column.spec.key == "industry"
                       else _meaning_finding(column, raw, rows, collector.path, name))
            found.append((rows[0] - 1, column.index, finding))
        if column.partial:
            found.append(_partial_finding(column, collector.path, name))
        if column.invisible:
            cells = [f"{column.letter}{r + 1}" for r, row in data_rows
                     if column.index < len(row) and row[column.index] in column.invisible]
            if cells:
                found.append((header_row, column.index, finding_at(
                    "invisible-characters", collector.path, name, cells[0], _row_of(cells[0]), column.spec.key,
                    field=_label(column.spec), count=len(cells), cell=cells[0])))
        if column.scaled:
            found.append(_scaled_finding(column, collector.path, name))
    found.sort(key=lambda item: (item[0], item[1]))
    collector.findings.extend(f for _, _, f in found)
    collector.revalidate = collector.revalidate or any(column.outside_model for column in columns)
    if kept:
        for record, (r, row) in zip(records, data_rows):
            values = tuple((header, _kept_text(row[c])) for c, header in kept if c < len(row) and not _blank(row[c]))
            if values:
                record["kept"] = values
    return records, letters


#: A unit caption above a table or in its title: 金额单位：千元, 单位：万元, （单位：千元）.
_CAPTION = re.compile(r"(?:金额|货币)?单位\s*[:：]?\s*(?:人民币)?\s*(万元|千元|元)")
#: The first text of a row that is no enterprise: a total, a note, the form's signature lines.
_NOTE_ROW = re.compile(r"^(?:(合计|小计|总计|累计)|(注|备注|说明|注释)\s*\d*\s*[:：.．、]|(填表人|制表人|填报人|审核人|"
                       r"联系人|联系电话|填表日期|填报日期|单位负责人|负责人)\s*[:：]?)")


_NOTE_FIRST = frozenset("合小总累注备说填制审联单负")


def _unit_caption(rows: list[list[Any]]) -> tuple[str, str, tuple[int, int]] | None:
    """The money unit a caption above the table (or beside it, in the header row) states: (unit, text, cell)."""
    for r, row in enumerate(rows):
        for c, raw in enumerate(row):
            if raw.__class__ is not str or "单位" not in raw:
                continue
            match = _CAPTION.search(unicodedata.normalize("NFKC", raw).replace(" ", ""))
            if match:
                return match.group(1), raw.strip(), (r, c)
    return None


def _data_rows(data: _SheetData, header_row: int, columns: list["_Column"], collector: _Collector):
    """The rows below the header that are enterprises (or meant to be), as a person reads the table.

    Not read, each kind named in one finding: hidden rows, struck-through rows (deleted on paper), totals, notes and
    signature lines, and rows with nothing in a field's column (a pre-filled 序号, a helper formula filled down).
    A struck cell in a row that is read is deleted content: blank."""
    looks, name = data.looks, data.name
    fields = [c.index for c in columns]
    name_col = next((c.index for c in columns if c.spec.key == "name"), None)
    skipped: dict[str, list[int]] = {}
    notes: dict[str, list[int]] = {}
    struck_cells: list[str] = []
    rows = []
    # The per-row tests below are plain loops, not any()/next() over generators: this runs for every row of a roster.
    for r, row in enumerate(data.rows[header_row + 1:], start=header_row + 1):
        for v in row:  # any cell not blank
            if v.__class__ is str:
                if v.strip():
                    break
            elif v != "" and v is not None:
                break
        else:
            continue
        if r in looks.hidden_rows:
            skipped.setdefault("hidden", []).append(r + 1)
            continue
        if looks.struck:
            struck = [c for c, v in enumerate(row) if (r, c) in looks.struck and not _blank(v)]
            if struck:
                filled = [c for c, v in enumerate(row) if not _blank(v)]
                if (name_col is not None and name_col in struck) or len(struck) == len(filled):
                    skipped.setdefault("struck", []).append(r + 1)
                    continue
                row = list(row)
                for c in struck:
                    if c in fields:
                        struck_cells.append(cell_name(r, c))
                    row[c] = ""
        first = None  # the row's first text
        for v in row:
            if v.__class__ is str and v.strip():
                first = v
                break
        if first is not None and first.lstrip()[:1] in _NOTE_FIRST:  # a name is not normalised per row for this
            match = _NOTE_ROW.match(unicodedata.normalize("NFKC", first).strip())
            if match:
                notes.setdefault(next(g for g in match.groups() if g), []).append(r + 1)
                continue
        width = len(row)
        for c in fields:  # any field's cell not blank (_blank inlined)
            if c < width:
                v = row[c]
                if not (v is None or v == "" or (isinstance(v, str) and not v.strip())):
                    break
        else:
            skipped.setdefault("blank", []).append(r + 1)
            continue
        if looks.scaled:
            row = _displayed(row, r, looks, columns)
        rows.append((r, row))
    if "hidden" in skipped:
        numbers = skipped["hidden"]
        collector.add("rows-hidden-skipped", name, f"A{numbers[0]}", numbers[0], rows=_rows_shown(numbers))
    if "struck" in skipped:
        numbers = skipped["struck"]
        collector.add("rows-struck-skipped", name, f"A{numbers[0]}", numbers[0], rows=_rows_shown(numbers))
    if "blank" in skipped:
        numbers = skipped["blank"]
        collector.add("rows-numbered-blank", name, f"A{numbers[0]}", numbers[0], rows=_rows_shown(numbers))
    for word, numbers in notes.items():
        collector.add("rows-note-skipped", name, f"A{numbers[0]}", numbers[0], rows=_rows_shown(numbers), word=word)
    if struck_cells:
        collector.add("cells-struck-blank", name, struck_cells[0], _row_of(struck_cells[0]),
                      cells=_rows_shown(struck_cells))
    return rows


def _displayed(row: list[Any], r: int, looks: SheetLooks, columns: list["_Column"]) -> list[Any]:
    """A row with each numeric cell of a field whose format scales the display read as it is displayed."""
    from decimal import Decimal

    from .values import canonical_decimal, to_decimal

    out = None
    for column in columns:
        c = column.index
        scale = looks.scaled.get((r, c))
        if scale is None or c >= len(row) or row[c].__class__ not in (int, float) or column.spec.kind not in (
                _KIND.MONEY, _KIND.AREA, _KIND.INTEGER):
            continue
        fmt, divisor = scale
        raw = row[c]
        if raw != raw or raw in (float("inf"), float("-inf")):
            continue
        if out is None:
            out = list(row)
        out[c] = format(canonical_decimal(to_decimal(raw) / Decimal(divisor)), "f")
        column.scaled.append((r, fmt, divisor))
    return row if out is None else out


def _rows_shown(numbers: list) -> Bilingual:
    """Row numbers or cells as a person reads a list of them: the first ten, then … ."""
    more = "…" if len(numbers) > 10 else ""
    return Bilingual("、".join(map(str, numbers[:10])) + more, ", ".join(map(str, numbers[:10])) + more)


def _coding_shown(coding: dict[str, bool]) -> Bilingual:
    return Bilingual("，".join(f"{code} = {'是' if yes else '否'}" for code, yes in coding.items()),
                     ", ".join(f"{code} = {'yes' if yes else 'no'}" for code, yes in coding.items()))


def _partial_finding(column: "_Column", path: str, sheet: str) -> tuple[int, int, Finding]:
    r = column.partial[0][0]
    precision = column.partial[0][1].precision
    cells = _rows_shown([f"{column.letter}{row + 1}" for row, _ in column.partial])
    return (r, column.index, finding_at("date-partial", path, sheet, f"{column.letter}{r + 1}", r + 1, column.spec.key,
                                        field=_label(column.spec), cells=cells,
                                        precision=Bilingual("年份" if precision == "year" else "年月",
                                                            "year" if precision == "year" else "year and month")))


def _scaled_finding(column: "_Column", path: str, sheet: str) -> tuple[int, int, Finding]:
    from decimal import Decimal

    r, fmt, divisor = column.scaled[0]
    divisor = Decimal(divisor)
    shown = Bilingual(f"1/{divisor:,.0f}", f"1/{divisor:,.0f}") if divisor >= 1 else Bilingual("100 倍", "100 times")
    cells = _rows_shown([f"{column.letter}{row + 1}" for row, _, _ in column.scaled])
    return (r, column.index, finding_at("display-scaled", path, sheet, f"{column.letter}{r + 1}", r + 1,
                                        column.spec.key, field=_label(column.spec), format=fmt, cells=cells, shown=shown))


def _coded_yesno(coding: dict[str, bool]) -> Parser:
    """Yes/no under a header that states its coding (``（1.是 2.否）``): its codes, and 是/否 as ever."""

    def parse(raw: Any) -> bool:
        if isinstance(raw, (int, float)) and not isinstance(raw, bool) and raw == int(raw):
            raw = str(int(raw))
        text = normalize_label(raw)
        if text in coding:
            return coding[text]
        if text.isdigit():
            shown = Bilingual("、".join(f"{code} = {'是' if yes else '否'}" for code, yes in coding.items()),
                              ", ".join(f"{code} = {yes}" for code, yes in coding.items()))
            raise ValueProblem("invalid-yes-no:coded", coding=shown, value=raw)
        return parse_yesno(raw)

    return parse


class _Meant:
    """A value read by a ruleset's value reading: the value, and the reading (kept for the cell's info finding)."""

    __slots__ = ("value", "meaning")

    def __init__(self, value: Any, meaning: ValueMeaning):
        self.value, self.meaning = value, meaning


def _deciding_day(profile: Profile, today: dt.date) -> dt.date:
    """The day value readings are dated against, as the judge's values are: --as-of, else 申报日期, else today."""
    as_of = _READ_VALUES.get()[1]
    if as_of is not None:
        return as_of
    return profile.application_date or today


def _read_by_meanings(parser: Parser, meanings: tuple[ValueMeaning, ...], day: dt.date) -> Parser:
    """A column's parser that first reads the values a ruleset's value readings list (``values:``)."""

    def parse(raw: Any) -> Any:
        if isinstance(raw, str):
            text = normalize_label(raw)
            for meaning in meanings:
                if text in meaning.written:
                    if meaning.first_day is not None and day < meaning.first_day:
                        raise ValueProblem("value-reading-too-early", value=raw.strip(), reading=meaning.reading,
                                           first=meaning.first_day.isoformat(), day=day.isoformat())
                    return _Meant(meaning.value, meaning)
        return parser(raw)

    return parse


def _meaning_finding(column: "_Column", raw: Any, rows: list[int], path: str, sheet: str) -> Finding:
    meaning = column.memo[_memo_key(raw)].meaning
    more = "…" if len(rows) > 10 else ""
    shown = Bilingual("、".join(map(str, rows[:10])) + more, ", ".join(map(str, rows[:10])) + more)
    value = Bilingual("是" if meaning.value else "否", "yes" if meaning.value else "no") \
        if isinstance(meaning.value, bool) else meaning.value
    return finding_at("value-read-by-reading", path, sheet, f"{column.letter}{rows[0]}", rows[0], column.spec.key,
                      field=_label(column.spec), raw=str(raw).strip(), value=value, reading=meaning.reading,
                      source=meaning.source, issued=meaning.issued.isoformat(), rows=shown)


def _industry_parser(spec: FieldSpec) -> Parser:
    """An industry: one of the 16, an alias (制造业), or a GB/T 4754-2017 code mapped to its SME industry."""
    choices, aliases = spec.choices, ALIASES.get(spec.key, {})

    def parse(raw: Any) -> str:
        try:
            return parse_enum(raw, choices, aliases)
        except ValueProblem:
            coded = industry_of_code(raw)
            if coded is None:
                raise
            code, industry = coded
            if not industry:
                raise ValueProblem("invalid-choice:industry-code", code=code) from None
            return industry

    return parse


def _translation_finding(column: "_Column", raw: Any, rows: list[int], path: str, sheet: str) -> Finding:
    value = column.memo.get(_memo_key(raw), raw)
    coded = industry_of_code(raw)
    more = "…" if len(rows) > 10 else ""
    shown = Bilingual("、".join(map(str, rows[:10])) + more, ", ".join(map(str, rows[:10])) + more)
    code = coded is not None and _as_alias(raw, column.spec) is None  # a GB/T 4754 code, not a name of the industry
    return finding_at("value-translated:industry-code" if code else "value-translated", path, sheet,
                      f"{column.letter}{rows[0]}", rows[0], column.spec.key, raw=raw, value=value, rows=shown)


def _as_alias(raw: Any, spec: FieldSpec) -> str | None:
    """The industry a value names (itself or an alias), or None when it is not a name (a GB/T 4754 code)."""
    try:
        return parse_enum(raw, spec.choices, ALIASES.get(spec.key, {}))
    except ValueProblem:
        return None


def _kept_text(raw: Any) -> str:
    if isinstance(raw, float) and raw == int(raw):
        return str(int(raw))
    return raw.isoformat() if isinstance(raw, (dt.date, dt.datetime)) else str(raw)


def _contradictions(profile: Profile, tenants: tuple[Tenant, ...], collector: _Collector, source: SourceMap) -> None:
    """Figures that contradict each other (workbook.md): warnings at the cells involved; judged as given."""
    where = source.profile_cells
    sheet = source.sheets.get("profile")

    def pair(code: str, part: str, whole: str) -> None:
        a, b = getattr(profile, part), getattr(profile, whole)
        if a is None or b is None or a <= b:
            return
        pa, pb = PROFILE.field(part), PROFILE.field(whole)
        cells = ",".join(c for c in (where.get(part), where.get(whole)) if c)
        figure, total = _plain(a), _plain(b)  # with its unit in Chinese, as the label has none there
        collector.add(code, sheet, cells or None, None, part, part=_label(pa), whole=_label(pb),
                      figure=Bilingual(f"{figure}{pa.unit}", figure), total=Bilingual(f"{total}{pb.unit}", total))

    pair("rent-above-total-revenue", "rent_property_revenue", "total_revenue")
    pair("service-revenue-above-total", "service_investment_revenue_y1", "total_revenue")
    pair("service-revenue-above-total", "service_investment_revenue_y2", "total_revenue_y2")
    pair("fulltime-above-total-staff", "fulltime_service_staff", "total_staff")
    data_year = profile.data_year
    if data_year is None:
        return
    for tenant in tenants:
        if tenant.registered_on is not None and tenant.registered_on.year > data_year:
            ref = source.tenant_ref("registered_on", tenant.row)
            collector.add("registered-after-data-year", source.sheets.get("tenants"),
                          ref.split("!")[1] if ref else None, tenant.row, "registered_on",
                          row=tenant.row, date=tenant.registered_on, year=data_year)


def _plausibility(profile: Profile, tenants: tuple[Tenant, ...], collector: _Collector, source: SourceMap) -> None:
    """Figures of an implausible order for their unit (``rulesets/plausibility.yaml``): a warning each, naming the
    cells and the likely unit; the figures are judged as written."""
    from .plausibility import implausible

    for check, sheet, row, cells, ratio in implausible(profile, tenants, source):
        shown = format(ratio.quantize(Decimal("0.01")).normalize(), ",f") if ratio < 1000 else f"{ratio:,.0f}"
        if check.above is not None and ratio > check.above:
            bound = Bilingual(f"高于合理上限 {check.above:,}", f"above the plausible {check.above:,}")
        else:
            bound = Bilingual(f"低于合理下限 {check.below:,}", f"below the plausible {check.below:,}")
        collector.add("implausible-figure", sheet, cells[0] if cells else None, row, check.figure,
                      cells=",".join(cells) or "—", measure=Bilingual(*check.measure), ratio=shown,
                      unit=Bilingual(*check.unit), bound=bound, likely=Bilingual(*check.likely))


def _plain(value: Any) -> str:
    from decimal import Decimal

    return format(value.normalize(), "f") if isinstance(value, Decimal) else str(value)


def _tenants(records: list[dict[str, Any]], collector: _Collector, sheet: str, source: SourceMap) -> tuple[Tenant, ...]:
    first_row: dict[str, int] = {}
    for record in records:
        uscc = record.get("uscc")
        if uscc is not None:
            if uscc in first_row:
                record["duplicate_of"] = first_row[uscc]
                collector.add("duplicate-uscc", sheet, source.tenant_ref("uscc", record["row"]).split("!", 1)[1],
                              record["row"], "uscc", uscc=uscc, first=first_row[uscc])
            else:
                first_row[uscc] = record["row"]
    if not collector.revalidate:
        built = _built_tenants(records)
        if built is not None:
            return built
    try:
        return _tenant_rows().validate_python(records)  # one call into pydantic-core for the whole roster
    except ValidationError:
        return _rows_of(Tenant, records, collector, sheet, source.columns.get("tenants", {}))


#: The roster's fields whose parsed value the model converts: an enumeration's text to its member.
_TENANT_ENUMS = tuple((spec.key, _annotation(spec), _annotation(spec)._value2member_map_)
                      for spec in TENANTS.fields if spec.kind is _KIND.ENUM)
_TENANT_DEFAULTS = tuple((key, None if info.default_factory is not None else info.default)
                         for key, info in Tenant.model_fields.items())
_TENANT_DEFAULT_VALUES = dict(_TENANT_DEFAULTS)
_TENANT_FIELD_COUNT = len(_TENANT_DEFAULT_VALUES)
#: A list of enumerations (no roster field has one today) is left to the model to convert.
_TENANTS_BUILDABLE = all(spec.kind is not _KIND.ENUM_LIST for spec in TENANTS.fields)


def _built_tenants(records: list[dict[str, Any]]) -> tuple[Tenant, ...] | None:
    """The roster's models built from what the parsers produced, without validating it a second time.

    The parsers give each field the model's type and bounds (text, yes/no, a date, a non-negative count, an
    amount ≥ 0 of at most 15 digits, values.within_model); only an enumeration's text becomes its member
    here. None (validate instead) when a record holds anything else: a key the model lacks, a text that is no
    member."""
    if not _TENANTS_BUILDABLE:
        return None
    tenants = []
    new, set_attribute = object.__new__, object.__setattr__
    for record in records:
        if "row" not in record:
            return None
        # What pydantic's model_construct does, without its per-field Python loop over aliases and defaults:
        # every field in the model's order (a blank is its default), the fields given, no extra, no private.
        # The defaults' dict updated by the record: the model's field order (a key keeps its place when updated)
        # and the record's values, as {key: record.get(key, default)} gave, without a Python loop per field.
        values = {**_TENANT_DEFAULT_VALUES, **record}
        if len(values) != _TENANT_FIELD_COUNT:  # a key the model lacks (the defaults' keys are the model's fields)
            return None
        if "declared" not in record:
            values["declared"] = {}
        for key, enum, members in _TENANT_ENUMS:
            value = values[key]
            if value is not None:
                # The member of that value, as enum(value) finds it first (its value map), without Enum's call.
                member = members.get(value) if value.__class__ is str else None
                if member is not None:
                    values[key] = member
                    continue
                try:
                    values[key] = enum(value)
                except ValueError:
                    return None
        tenant = new(Tenant)
        set_attribute(tenant, "__dict__", values)
        set_attribute(tenant, "__pydantic_fields_set__", set(record))
        set_attribute(tenant, "__pydantic_extra__", None)
        set_attribute(tenant, "__pydantic_private__", None)
        tenants.append(tenant)
    return tuple(tenants)


def _rows_of(model, records: list[dict[str, Any]], collector: _Collector, sheet: str | None,
             letters: dict[str, str]) -> tuple:
    """The rows as models; a value the parser passed but the model refuses is an error at its cell (with the
    value and what was expected) and left blank: no message of pydantic's reaches a person unwrapped."""
    rows = []
    for record in records:
        for _ in range(len(record) + 1):
            try:
                rows.append(model(**record))
                break
            except ValidationError as exc:
                for error in exc.errors():
                    key = str(error["loc"][0]) if error.get("loc") else ""
                    if key not in record or key == "row":
                        raise
                    value = record.pop(key)
                    letter = letters.get(key)
                    spec = _field_spec(key)
                    collector.add("value-not-accepted", sheet, f"{letter}{record['row']}" if letter else None,
                                  record["row"], key, field=_label(spec) if spec else key, value=value,
                                  reason=Bilingual(_expected_zh(error), str(error.get("msg", ""))))
    return tuple(rows)


def _field_spec(key: str) -> FieldSpec | None:
    for sheet in SHEETS:
        for spec in sheet.fields:
            if spec.key == key:
                return spec
    return None


def _expected_zh(error: dict) -> str:
    kind = str(error.get("type", ""))
    if "greater_than" in kind or "less_than" in kind:
        return "超出允许的范围"
    if "date" in kind:
        return "不是有效的日期"
    if "int" in kind or "decimal" in kind or "float" in kind or "finite" in kind:
        return "不是有效的数值"
    return "不符合该字段的类型"


def _check_staff(profile: Profile, staff: tuple[StaffMember, ...], collector: _Collector, sheet: str,
                 source: SourceMap) -> None:
    listed = {
        "total_staff": len(staff),
        "fulltime_service_staff": sum(1 for s in staff if s.fulltime_service),
        "mentors": sum(1 for s in staff if s.mentor),
    }
    for key, count in listed.items():
        declared = getattr(profile, key)
        if declared is None or declared == count:
            continue
        spec = PROFILE.field(key)
        collector.add("staff-count-mismatch", source.sheets.get("profile"), source.profile_cells.get(key), None, key,
                      field=_label(spec), declared=declared, staff=sheet, count=count)


def _formula_findings(path: str, collector: _Collector, found: dict[str, str], source: SourceMap,
                      profile_cells: dict[str, str], formula_cells: dict[str, set[str]]) -> None:
    """A formula with no cached value in a field's cell is an error at that cell, not a blank (nor a zero)."""
    by_cell = {(f.sheet, f.cell): i for i, f in enumerate(collector.findings) if f.code == "value-missing"}
    key_of_sheet = {name: key for key, name in found.items()}
    for sheet, cells in formula_cells.items():
        key = key_of_sheet.get(sheet)
        for cell in sorted(cells, key=lambda c: (_row_of(c), len(c), c)):
            column = cell.rstrip("0123456789")
            if key == "profile":
                field = next((k for k, ref in profile_cells.items() if ref == cell), None)
            else:
                letters = source.columns.get(key or "", {})
                field = next((k for k, letter in letters.items() if letter == column), None)
            if field is None:
                continue
            finding = finding_at("formula-no-value", path, sheet, cell, _row_of(cell), field, cell=cell)
            if (sheet, cell) in by_cell:
                collector.findings[by_cell[(sheet, cell)]] = finding
            else:
                collector.findings.append(finding)
