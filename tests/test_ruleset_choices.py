"""所属行业 and 撤销原因 take their values from the ruleset being applied, not from fixed rule-data files (issue 18,
item 7): a ruleset whose SME classification or Article 20 allows fewer values refuses the others at their cell,
in the reader, the check and the template's drop-downs."""

from __future__ import annotations

import pytest
from openpyxl.utils import get_column_letter, range_boundaries

from incubator_check import _check
from incubator_check._check import check
from incubator_check._template import build_template
from incubator_check.rules.fields import choices_of
from incubator_check.rules.load import load_ruleset
from incubator_check.workbook.layout import INDUSTRIES, PROFILE, REVOCATION_REASONS, TENANTS
from incubator_check.workbook.reader import read_workbook

DROPPED_INDUSTRY = "物业管理"
DROPPED_REASON = "自行申请"


@pytest.fixture(scope="module")
def narrowed():
    """The ministry's ruleset with one industry fewer in its SME classification and one reason fewer in its bans."""
    rules = load_ruleset("miit-2025-standard")
    sme = rules.sme.model_copy(update={"industries": {k: v for k, v in rules.sme.industries.items()
                                                      if k != DROPPED_INDUSTRY}})
    bans = rules.bans.model_copy(update={"years": {k: v for k, v in rules.bans.years.items() if k != DROPPED_REASON}})
    return rules.model_copy(update={"sme": sme, "bans": bans})


@pytest.fixture
def submission(workbook_factory):
    tenants = [{"industry": DROPPED_INDUSTRY}]
    return workbook_factory(profile={"revoked_on": "2020-01-01", "revocation_reason": DROPPED_REASON},
                            tenants=tenants, n_tenants=3)


def _choice_findings(findings) -> dict[str, str]:
    """Field → cell of each invalid-choice finding, from the reader (Finding) or a report (its JSON form)."""
    found = [f if isinstance(f, dict) else {"code": f.code, "field": f.column, "cell": f.cell} for f in findings]
    return {f["field"]: f["cell"] for f in found if f["code"].startswith("invalid-choice")}


def test_the_bundled_rulesets_declare_what_the_model_accepts():
    rules = load_ruleset("miit-2025-standard")
    assert choices_of(rules) == {"industry": INDUSTRIES, "revocation_reason": REVOCATION_REASONS}
    assert TENANTS.field("industry").choices == INDUSTRIES
    assert PROFILE.field("revocation_reason").choices == REVOCATION_REASONS
    assert choices_of(load_ruleset("shenzhen-2025")) == {"industry": INDUSTRIES}  # bans: null judges no reason


def test_the_reader_allows_the_choices_it_is_given(submission, narrowed):
    assert _choice_findings(read_workbook(submission).findings) == {}
    result = read_workbook(submission, choices=choices_of(narrowed))
    assert _choice_findings(result.findings) == {
        "industry": submission.tenant_cell("industry"), "revocation_reason": submission.profile_cell("revocation_reason")}
    assert result.submission.tenants[0].industry is None and result.submission.profile.revocation_reason is None


def test_a_check_judges_the_choice_against_its_ruleset(submission, narrowed):
    assert _choice_findings(check(submission, "miit-2025-standard").findings) == {}
    found = _choice_findings(check(submission, narrowed).findings)
    assert found == {"industry": submission.tenant_cell("industry"),
                     "revocation_reason": submission.profile_cell("revocation_reason")}


def test_the_ruleset_the_level_chooses_is_the_one_whose_choices_count(submission, narrowed, monkeypatch):
    # Read first with every bundled ruleset's values; the chosen ruleset allows fewer, so it is read again with its own.
    monkeypatch.setattr(_check, "load_ruleset", lambda _rid: narrowed)
    found = _choice_findings(check(submission).findings)
    assert found == {"industry": submission.tenant_cell("industry"),
                     "revocation_reason": submission.profile_cell("revocation_reason")}


def _dropdown(wb, sheet, key) -> list:
    """The values the drop-down of one field offers (the first data row of a roster, the profile's value cell)."""
    ws = wb[sheet.name]
    if sheet is TENANTS:
        headers = [c.value for c in ws[1]]
        cell = f"{get_column_letter(headers.index(TENANTS.field(key).header) + 1)}2"
    else:
        cell = "B" + str(next(r for r in range(1, ws.max_row + 1) if ws.cell(row=r, column=1).value == PROFILE.field(key).header))
    (dv,) = [dv for dv in ws.data_validations.dataValidation if cell in dv]
    sheet_name, ref = dv.formula1.lstrip("=").rsplit("!", 1)
    lists = wb[sheet_name.strip("'")]
    min_col, min_row, max_col, max_row = range_boundaries(ref.replace("$", ""))
    return [lists.cell(row=r, column=c).value for r in range(min_row, max_row + 1) for c in range(min_col, max_col + 1)]


def test_the_template_lists_its_rulesets_choices(narrowed):
    bundled = build_template(ruleset=load_ruleset("miit-2025-standard"))
    assert _dropdown(bundled, TENANTS, "industry") == list(INDUSTRIES)
    assert _dropdown(bundled, PROFILE, "revocation_reason") == list(REVOCATION_REASONS)
    own = build_template(ruleset=narrowed)
    assert _dropdown(own, TENANTS, "industry") == [i for i in INDUSTRIES if i != DROPPED_INDUSTRY]
    assert _dropdown(own, PROFILE, "revocation_reason") == [r for r in REVOCATION_REASONS if r != DROPPED_REASON]
