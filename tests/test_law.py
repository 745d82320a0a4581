"""The law inside the package, and every quote of it checked word for word (the Catala habit: the legal
sentence sits next to the rule, and a test holds them together).

Each ruleset names its legal text with ``source:`` (``law/….md``, package data read through
importlib.resources), and every quote keeps the ``source`` of the file that wrote it: a province's own quotes
name the province's text, the ones it inherits from the ministry's ruleset the ministry's. Every
``legal_text`` of every ruleset — clauses, tenant tests, parameters, Article 10, Article 20, the SME
classification — must occur in its own document after NFKC (full-width ``，（）：；`` equal the
half-width ones of the official text) and with whitespace ignored; ``…`` stands for an omission, so the
pieces around it must occur in that order. A quote that names an article (``第六条第（四）项``) must be
found inside that article, not just anywhere in the measures.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Iterator

import pytest

from incubator_check import load_ruleset
from incubator_check.rules.load import _load_yaml, _locate
from incubator_check.rules.ruleset import SmeClassification, bundled_ids, law_text
from incubator_check.errors import RulesetError

_ARTICLE = re.compile(r"^(第[一二三四五六七八九十百]+条)", re.M)
_OMISSION = re.compile(r"\.{3,}")  # NFKC turns … into ..., and …… into ......


def normalise(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def articles(law: str) -> dict[str, str]:
    """第六条 → the text of Article 6, up to the next article (or chapter, or the interpretation)."""
    body = re.split(r"^(?:解读 \|)", law, maxsplit=1, flags=re.M)[0]
    starts = [(m.start(), m.group(1)) for m in _ARTICLE.finditer(body)]
    out: dict[str, str] = {}
    for i, (start, name) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(body)
        out.setdefault(name, body[start:end])
    return out


def found(quote: str, law: str) -> bool:
    """Is ``quote`` in ``law`` word for word, each ``…`` an omission (the pieces in order)?"""
    text = normalise(law)
    position = 0
    for piece in (p for p in _OMISSION.split(normalise(quote)) if p):
        at = text.find(piece, position)
        if at < 0:
            return False
        position = at + len(piece)
    return True


def where(quote: str, law: str, article: str) -> str:
    """The part of ``law`` a quote must be found in: the cited article when there is one."""
    m = _ARTICLE.match(article or "")
    if m is None:
        return law
    return articles(law).get(m.group(1), "")


def quotes(rs) -> Iterator[tuple[str, str, str, str]]:
    """(where in the ruleset, article, legal_text, its document) for every quote of a loaded ruleset."""
    for c in rs.clauses:
        yield f"clauses[{c.id}]", c.article, c.legal_text, c.source
    for name, t in rs.tenant_tests.items():
        if t.legal_text:
            yield f"tenant_tests.{name}", t.article, t.legal_text, t.source
    for name, p in rs.parameters.items():
        if p.legal_text:
            yield f"parameters.{name}", p.article, p.legal_text, p.source
    if rs.relaxation is not None and rs.relaxation.legal_text:
        yield "relaxation", rs.relaxation.basis, rs.relaxation.legal_text, rs.relaxation.source
    if rs.bans is not None:
        yield "bans", rs.bans.article, rs.bans.legal_text, rs.bans.source


def sme(ref: str = "sme-2011") -> SmeClassification:
    return SmeClassification(**_load_yaml(_locate(ref, None)))


ALL_QUOTES = [pytest.param(rid, loc, article, text, source, id=f"{rid} {loc}")
              for rid in bundled_ids() for loc, article, text, source in quotes(load_ruleset(rid))]


@pytest.mark.parametrize("ruleset_id", bundled_ids())
def test_every_ruleset_names_its_law_inside_the_package(ruleset_id):
    rs = load_ruleset(ruleset_id)
    assert rs.source.startswith("law/"), rs.source  # not ../shared/…, which only a checkout has
    assert rs.citation in law_text(rs.source)
    assert rs.sme is not None and rs.sme.source.startswith("law/")
    assert "中小企业划型标准规定" in law_text(rs.sme.source)


@pytest.mark.parametrize("ruleset_id,location,article,text,source", ALL_QUOTES)
def test_every_legal_text_is_quoted_word_for_word(ruleset_id, location, article, text, source):
    assert source.startswith("law/"), f"{ruleset_id} {location} names no document"
    law = law_text(source)
    assert text.strip(), location
    assert found(text, where(text, law, article)), f"{ruleset_id} {location} ({article}) is not in the law: {text}"


def test_the_sme_classification_quotes_its_own_text_and_cites_it():
    classification = sme()
    law = law_text(classification.source)
    assert found(classification.legal_text, law), classification.legal_text
    assert classification.citation in law  # 工信部联企业〔2011〕300号 is the document quoted, not another one


@pytest.mark.parametrize("ruleset_id", [r for r in bundled_ids() if not load_ruleset(r).example])
def test_every_real_ruleset_cites_the_document_it_quotes(ruleset_id):
    rs = load_ruleset(ruleset_id)
    assert rs.citation in law_text(rs.source)


def test_every_quoted_article_exists():
    law = law_text(load_ruleset("miit-2025-standard").source)
    assert len(articles(law)) == 29  # 《管理办法》共7章29条 (解读三)
    for rid in bundled_ids():
        for location, article, _, source in quotes(load_ruleset(rid)):
            m = _ARTICLE.match(article)
            assert m and m.group(1) in articles(law_text(source)), (rid, location, article, source)


def test_a_province_quotes_its_own_text_and_inherits_the_ministrys_quotes_with_their_document():
    shenzhen, ministry = load_ruleset("shenzhen-2025"), load_ruleset("miit-2025-standard")
    assert shenzhen.source == "law/shenzhen-2025-incubator-measures.md"
    assert {c.source for c in shenzhen.clauses} == {shenzhen.source}
    assert shenzhen.tenant_tests["growth_sz"].source == shenzhen.source
    # Who is a tenant (Article 8) is inherited: the ministry's words, found in the ministry's text only.
    qualifying = shenzhen.tenant_tests["qualifying"]
    assert qualifying == ministry.tenant_tests["qualifying"] and qualifying.source == ministry.source
    assert not found(qualifying.legal_text, law_text(shenzhen.source))
    assert found(qualifying.legal_text, law_text(qualifying.source))


# --- the checker itself can say no ----------------------------------------------------------------------

MEASURES = "miit-2025-incubator-measures"


def test_a_quote_that_drops_words_is_not_found():
    # The Article 9 quote as it was before this test: "，由孵化器自主确定" left out.
    law = law_text(f"law/{MEASURES}.md")
    dropped = "本办法所称的毕业企业是指至少符合以下条件之一的在孵企业：1. 新认定为专精特新中小企业或高新技术企业；"
    assert not found(dropped, law)
    assert found(dropped.replace("在孵企业：", "在孵企业，由孵化器自主确定："), law)


def test_the_statistics_bureau_wording_is_not_in_the_300_text():
    assert not found("大型、中型和小型企业须同时满足所列指标的下限，否则下划一档；微型企业只须满足所列指标中的一项即可。",
                     law_text("law/sme-classification-2011.md"))


def test_an_omission_keeps_the_order_of_the_pieces():
    law = law_text(f"law/{MEASURES}.md")
    assert found("此类被撤销认定的孵化器运营主体两年内不得再次申报。……此类被撤销的孵化器运营主体 3 年内不得再次申报。", law)
    assert not found("此类被撤销的孵化器运营主体 3 年内不得再次申报。……此类被撤销认定的孵化器运营主体两年内不得再次申报。", law)


def test_a_quote_must_be_inside_the_article_it_cites():
    law = law_text(f"law/{MEASURES}.md")
    quote = "在孵企业不少于 30 家"
    assert found(quote, where(quote, law, "第六条第（四）项"))
    assert not found(quote, where(quote, law, "第七条第（一）项"))


def test_full_width_punctuation_matches_the_official_half_width():
    # Article 6 is printed with half-width (一), and ; — the ruleset quotes it with full-width marks.
    law = law_text(f"law/{MEASURES}.md")
    assert "(二)具有稳定清晰的孵化场地," in law
    assert found("具有稳定清晰的孵化场地，可自主支配（自有、租赁或协议使用）的孵化场地面积不低于 5000 平方米。", law)


@pytest.mark.parametrize("source", ["../shared/regulation/miit-2025-incubator-measures.md", "/etc/passwd",
                                    "law/../sme-2011.yaml", "law/no-such-law.md", ""])
def test_a_source_outside_the_package_data_is_refused(source):
    with pytest.raises(RulesetError):
        law_text(source)
