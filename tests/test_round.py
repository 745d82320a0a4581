"""The reviewer's round (工信厅科函〔2025〕349号): who recommends each application, the excellence quota, and the
documents a province produces: 汇总表, 建议推荐, 公示名单, 原国家级初核, the quota, and a letter to each applicant
that does not pass. A generated folder of 43 applications for three authorities is checked cell by cell."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from incubator_check.cli import main
from incubator_check.present.summary import quota, summary_row, summary_setup
from incubator_check.rules.authority import authority_of
from round_folder import ROUND, UNREADABLE, make_round, uscc_of

FIXTURES = Path(__file__).parent.parent / "fixtures"


# --- the recommending authority ----------------------------------------------------------------------

@pytest.mark.parametrize("province", ["浙江", "浙江省", "浙江省杭州市", "浙江杭州", "Zhejiang", "ZHEJIANG PROVINCE", " 浙江省 ",
                                      "浙江省（杭州）"])
def test_every_spelling_of_a_province_is_one_authority(province):
    found = authority_of(province)
    assert (found.name, found.kind, found.basis) == ("浙江省", "province", "province")


def test_the_county_code_gives_the_province_when_the_text_names_none():
    assert authority_of("某省", None, "330106").name == "浙江省"
    assert authority_of(None, None, "440305").basis == "county_code"


@pytest.mark.parametrize("province, city, county, expected", [
    ("浙江省", "宁波市", None, ("宁波市", "planned-city", "city")),
    ("浙江省", "Ningbo", None, ("宁波市", "planned-city", "city")),
    ("浙江省", None, "330212", ("宁波市", "planned-city", "county_code")),
    ("浙江省宁波市", None, None, ("宁波市", "planned-city", "province")),
    ("广东省", "深圳市", "440305", ("深圳市", "planned-city", "county_code")),
    ("广东省", "广州市", "440106", ("广东省", "province", "province")),
    ("山东", "青岛", None, ("青岛市", "planned-city", "city")),
    ("辽宁省", "大连市", None, ("大连市", "planned-city", "city")),
    ("福建省", "厦门市", None, ("厦门市", "planned-city", "city")),
])
def test_a_planned_city_is_its_own_authority_beside_its_province(province, city, county, expected):
    found = authority_of(province, city, county)
    assert (found.name, found.kind, found.basis) == expected


@pytest.mark.parametrize("province, city, county", [
    ("新疆生产建设兵团", None, None), ("兵团", None, None), ("新疆", "石河子市", None), ("新疆维吾尔自治区", None, "659001"),
    ("XPCC", None, None)])
def test_the_corps_is_its_own_authority(province, city, county):
    assert authority_of(province, city, county).kind == "corps"
    assert authority_of(province, city, county).name == "新疆生产建设兵团"


def test_xinjiang_itself_stays_the_province():
    assert authority_of("新疆", "乌鲁木齐市", "650102").name == "新疆维吾尔自治区"


def test_no_authority_when_nothing_names_one():
    assert authority_of("火星", "某市", "99") is None and authority_of(None) is None


# --- the place agrees with itself: county code, 所在地市, 所在省份 (rulesets/authorities.yaml) ------------------

def _place(province, city, county):
    from types import SimpleNamespace

    from incubator_check.rules.authority import place_findings

    profile = SimpleNamespace(province=province, city=city, county_code=county)
    source = SimpleNamespace(path="a.xlsx", sheets={"profile": "基本信息"}, profile_cells={"county_code": "B10", "city": "B9"})
    return place_findings(profile, source)


@pytest.mark.parametrize("province, city, county", [
    ("浙江省", "杭州市", "330106"), ("浙江", "宁波市", "330212"), ("浙江省", None, "330212"), ("浙江省", "宁波市", None),
    ("广东省", "深圳市", "440305"), ("新疆", "石河子市", "659001"), ("新疆生产建设兵团", "石河子市", "659001"),
    ("兵团", None, None), ("Zhejiang", None, "330106"), ("某省", None, "330106"), (None, None, None)])
def test_a_place_that_agrees_with_itself_gives_no_warning(province, city, county):
    assert _place(province, city, county) == []


def test_a_county_code_of_another_province_is_a_warning_naming_both_and_the_authority_it_gave():
    [found] = _place("江苏省", "杭州市", "330106")
    assert found.code == "place-contradiction" and found.severity.value == "warning"
    assert (found.sheet, found.cell, found.column) == ("基本信息", "B10", "county_code")
    # 所在省份 decides a province (authority_of); the warning says so, and that the code names another
    assert "330106 属于浙江省（浙江省），与所在省份「江苏省」不一致；推荐单位按所在省份定为江苏省" in found.message_zh
    assert "county code 330106 is in 浙江省 (浙江省), which contradicts the province given, '江苏省'" in found.message_en
    assert "taken from the province (江苏省)" in found.message_en


def test_a_county_code_outside_the_planned_city_named_in_the_city_field_is_a_warning():
    [found] = _place("浙江省", "宁波市", "330106")  # a Hangzhou code under 所在地市 宁波市
    assert found.code == "place-contradiction" and "与所在地市「宁波市」不一致" in found.message_zh
    [found] = _place("浙江省", "杭州市", "330212")  # a Ningbo code: the authority is 宁波市, the city field says otherwise
    assert found.code == "place-contradiction" and "属于宁波市（浙江省）" in found.message_zh
    assert "推荐单位按区县代码定为宁波市" in found.message_zh  # a 计划单列市's code decides


def test_a_planned_city_of_another_province_is_a_warning_without_a_code():
    [found] = _place("江苏省", "宁波市", None)
    assert found.code == "city-province-contradiction" and found.cell == "B9"
    assert "所在地市「宁波市」是宁波市，属于浙江省，与所在省份「江苏省」不一致" in found.message_zh


def test_a_county_code_that_is_no_province_s_is_implausible():
    [found] = _place("浙江省", None, "990101")
    assert found.code == "county-code-unknown" and "前两位 99 不是任何省级行政区的代码" in found.message_zh


def test_the_contradiction_reaches_the_report_as_a_warning_at_the_code_s_cell(tmp_path):
    path = tmp_path / "江苏代码.xlsx"
    book = openpyxl.load_workbook(FIXTURES / "standard-pass.xlsx")
    ws = book["基本信息"]
    rows = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1)}
    ws.cell(rows["所在区县行政区划代码"], 2).value = "320102"  # Nanjing, under 所在省份 浙江省
    book.save(path)
    data = json.loads(CliRunner().invoke(main, ["check", str(path), "--format", "json"]).output)
    found = [f for f in data["findings"] if f["code"] == "place-contradiction"]
    assert len(found) == 1 and found[0]["where"] == f"基本信息!B{rows['所在区县行政区划代码']}"
    assert data["incubator"]["authority"]["name"] == "浙江省" and data["verdict"] == "PASS"  # a warning only


# --- the quota: ceil(10 % × all the authority's recommendations) --------------------------------------

SETUP = summary_setup(None, "zh")


def _rows(*groups: tuple[str, str, str, int]):
    """(authority, level, verdict, how many) → summary rows."""
    made = []
    for authority, level, verdict, count in groups:
        for _ in range(count):
            data = {"source": {"path": f"{len(made)}.xlsx"}, "verdict": verdict, "clauses": [], "findings": [],
                    "incubator": {"level": level, "authority": {"name": authority, "kind": "province", "basis": "province",
                                                                "given": authority}}}
            made.append(summary_row(data, len(made), SETUP))
    return made


def _cap(rows, authority="浙江省"):
    return next(q for q in quota(rows, SETUP) if q.authority == authority)


def test_the_issue_example_31_standard_and_5_excellence_give_a_cap_of_4():
    q = _cap(_rows(("浙江省", "标准级", "PASS", 31), ("浙江省", "卓越级", "PASS", 5)))
    assert (q.total, q.cap, q.over) == (36, 4, 1)
    assert q.formula("zh") == "⌈10% ×（标准级 31 + 卓越级 5）⌉ = ⌈3.6⌉ = 4"
    assert q.formula("en") == "⌈10% × (31 standard + 5 excellence)⌉ = ⌈3.6⌉ = 4"


@pytest.mark.parametrize("recommended, cap", [(0, 0), (1, 1), (9, 1), (10, 1), (11, 2), (20, 2), (21, 3)])
def test_the_cap_rounds_up_a_tenth_of_all_recommendations(recommended, cap):
    rows = _rows(("浙江省", "标准级", "PASS", recommended), ("浙江省", "卓越级", "FAIL", 1))
    assert _cap(rows).cap == cap


def test_excellence_recommendations_count_in_the_whole():
    # 9 standard + 1 excellence = 10 → 1; 9 standard + 2 excellence = 11 → 2: both within the cap.
    assert _cap(_rows(("浙江省", "标准级", "PASS", 9), ("浙江省", "卓越级", "PASS", 1))).over == 0
    q = _cap(_rows(("浙江省", "标准级", "PASS", 9), ("浙江省", "卓越级", "PASS", 2)))
    assert (q.cap, q.over) == (2, 0)


def test_excellence_applicants_that_fail_are_not_recommended_and_do_not_count():
    rows = _rows(("浙江省", "标准级", "PASS", 10), ("浙江省", "卓越级", "FAIL", 4), ("浙江省", "卓越级", "INCOMPLETE", 1))
    q = _cap(rows)
    assert (q.standard, q.excellence, q.excellence_applicants, q.cap, q.over) == (10, 0, 5, 1, 0)
    assert {r.recommendation for r in rows if r.level == "卓越级"} == {"no"}


def test_over_the_cap_every_excellence_pass_is_pending_and_standard_ones_stay_recommended():
    rows = _rows(("浙江省", "标准级", "PASS", 5), ("浙江省", "卓越级", "PASS", 2))
    assert _cap(rows).over == 1
    assert [r.recommendation for r in rows] == ["yes"] * 5 + ["pending"] * 2


def test_each_authority_keeps_its_own_quota():
    rows = _rows(("浙江省", "标准级", "PASS", 10), ("浙江省", "卓越级", "PASS", 1),
                 ("宁波市", "标准级", "PASS", 2), ("宁波市", "卓越级", "PASS", 1))
    assert (_cap(rows, "浙江省").cap, _cap(rows, "浙江省").over) == (2, 0)
    assert (_cap(rows, "宁波市").cap, _cap(rows, "宁波市").over) == (1, 0)


def test_the_share_and_the_rounding_are_rule_data():
    from incubator_check.rules.ruleset import load_ruleset

    rule = load_ruleset("miit-2025-excellence").recommendation_quota
    assert (SETUP.share, SETUP.rounding, SETUP.citation) == (rule.share, rule.rounding, "工信厅科函〔2025〕349号")


# --- the round: a generated folder of 43 applications and one unreadable file ------------------------

@pytest.fixture(scope="module")
def round_outputs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("round")
    folder = make_round(tmp / "申报 材料")
    summary = tmp / "汇总.xlsx"
    letters = tmp / "补正 通知"
    printable = tmp / "打印 文件"
    result = CliRunner().invoke(main, ["batch", str(folder), "-o", str(summary), "--letters", str(letters),
                                       "--round-html", str(printable), "-j", "2"])
    assert result.exit_code == 1, result.output
    table = CliRunner().invoke(main, ["batch", str(folder), "-j", "2"]).output
    lines = CliRunner().invoke(main, ["batch", str(folder), "--format", "json", "-j", "2"]).output
    return {"folder": folder, "summary": summary, "letters": letters, "table": table, "printable": printable,
            "reports": {os.path.basename(json.loads(line)["source"]["path"]): json.loads(line) for line in lines.splitlines()}}


def _sheet(path, name):
    ws = openpyxl.load_workbook(path)[name]
    rows = list(ws.iter_rows(values_only=True))
    return rows[0], rows[1:]


class _Table(HTMLParser):
    """The cells of a printable document's one table, as text."""

    def __init__(self):
        super().__init__()
        self.rows, self.cell = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self.cell = ""

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.rows[-1].append(self.cell)
            self.cell = None


def _page(folder, name):
    """A printable document's header and rows, each cell typed as the workbook types it: a count or a whole
    area as a number, an empty cell as None (a USCC, 18 characters, stays text)."""
    parser = _Table()
    parser.feed((folder / f"{name}.html").read_text(encoding="utf-8"))
    typed = [tuple(int(v) if re.fullmatch(r"\d{1,9}", v) else (v or None) for v in row) for row in parser.rows]
    return typed[0], typed[1:]


# The xlsx sheets and the printable pages are checked against the same expectations.
DOCUMENTS = [pytest.param(lambda outputs, name: _sheet(outputs["summary"], name), id="xlsx"),
             pytest.param(lambda outputs, name: _page(outputs["printable"], name), id="html")]


AUTHORITY_ORDER = ["宁波市", "新疆生产建设兵团", "浙江省"]  # the authorities as the 汇总表 sorts them (then the undetermined)


def _expected_order():
    known = sorted(ROUND, key=lambda a: (AUTHORITY_ORDER.index(a.authority), a.city if a.city != "Ningbo" else "Ningbo",
                                         a.incubator))
    return known


def test_each_report_carries_its_authority_and_the_new_fields(round_outputs):
    reports = round_outputs["reports"]
    for app in ROUND:
        inc = reports[app.file]["incubator"]
        assert inc["authority"]["name"] == app.authority, app.file
        assert inc["site_address"] == (app.address or None) and inc["city"] == app.city
        assert inc["former_national"] is app.former
    assert reports["nb-std-00.xlsx"]["incubator"]["authority"] == {"name": "宁波市", "kind": "planned-city",
                                                                    "basis": "county_code", "given": "330212"}
    assert reports["nb-std-01.xlsx"]["incubator"]["authority"]["basis"] == "city"
    assert reports[UNREADABLE]["verdict"] == "ERROR"


@pytest.mark.parametrize("document", DOCUMENTS)
def test_the_summary_table_row_by_row(round_outputs, document):
    head, rows = document(round_outputs, "汇总表")
    assert list(head) == ["序号", "推荐单位", "地市", "孵化器名称", "运营主体", "统一社会信用代码", "申报级别", "场地面积（平方米）",
                          "在孵企业数", "原国家级", "结论", "未通过条款", "建议推荐"]
    assert len(rows) == len(ROUND) + 1
    words = {"PASS": "通过", "FAIL": "不通过", "INCOMPLETE": "待补正"}
    recommended = {"yes": "是", "pending": "待定（超名额）", "no": "否"}
    by_name = {r[3]: r for r in rows}
    for index, app in enumerate(ROUND):
        row = by_name[app.incubator]
        city = app.city or ("宁波市" if app.authority == "宁波市" else None)
        assert row[1:7] == (app.authority, city, app.incubator, app.operator, uscc_of(index), app.level), app.file
        assert row[7] == (app.area if app.area and app.fixture != "standard-incomplete.xlsx" else None), app.file
        assert row[9] == ("是" if app.former else "否") and row[10] == words[app.verdict], app.file
        assert row[12] == recommended[app.recommended], app.file
    # sorted by authority, city, name; numbered 1…n; the unreadable file last, with no authority
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
    keys = [(AUTHORITY_ORDER.index(r[1]), r[2] or "", r[3]) for r in rows[:-1]]
    assert keys == sorted(keys)
    assert rows[-1][1] == "（未能确定推荐单位）" and rows[-1][10] == "无法读取"
    assert by_name["宁波未达孵化器"][11] == "7.1 服务细分产业领域创业企业数：差 18 家"
    assert by_name["温州1号孵化器"][11] == "6.2 孵化场地面积：差 388 平方米"
    assert by_name["宁波慈溪1号孵化器"][11].startswith("6.4.count 在孵企业数量：差 3 家；6.4.new")
    assert by_name["湖州孵化器"][11] == "缺数据：6.2, 6.4.count；提交前须改正：1 处错误（基本信息!B13）"


@pytest.mark.parametrize("document", DOCUMENTS)
def test_the_recommended_sheet_and_the_public_notice(round_outputs, document):
    _, rows = document(round_outputs, "建议推荐")
    chosen = [a for a in ROUND if a.recommended != "no"]
    assert sorted(r[3] for r in rows) == sorted(a.incubator for a in chosen)
    head, notice = document(round_outputs, "公示名单")
    assert list(head) == ["序号", "推荐单位", "运营主体名称", "孵化场地地址", "面积（平方米）", "申报级别"]
    by_operator = {r[2]: r for r in notice}
    assert set(by_operator) == {a.operator for a in chosen}
    for app in chosen:
        assert by_operator[app.operator][1:] == (app.authority, app.operator, app.address, app.area, app.level)
    assert by_operator["杭州卓越1号运营有限公司"][3] == "杭州市滨江区江南大道 1 号；滨江区长河路 9 号"  # several sites, as written


@pytest.mark.parametrize("document", DOCUMENTS)
def test_the_first_check_of_former_national_incubators(round_outputs, document):
    _, rows = document(round_outputs, "原国家级初核")
    # 宁波未达孵化器 applies at excellence level and fails there (7.1), but the 初核 is against the standard
    # level's conditions (工信厅科函〔2025〕349号): judged a second time against them, it passes.
    assert [(r[3], r[6], r[7], r[8]) for r in rows] == [
        ("宁波未达孵化器", "卓越级", "通过", None),
        ("兵团原国家级孵化器", "标准级", "不通过", "6.2 孵化场地面积：差 388 平方米"),
        ("兵团第1孵化器", "标准级", "通过", None),
        ("兵团第2孵化器", "标准级", "通过", None)]


def test_a_former_national_excellence_applicant_carries_its_standard_level_first_check(round_outputs):
    reports = round_outputs["reports"]
    report = reports["nb-exc-fail.xlsx"]
    assert report["verdict"] == "FAIL" and report["ruleset"]["id"] == "miit-2025-excellence"
    first = report["first_check"]
    assert first["ruleset"]["id"] == "miit-2025-standard" and first["citation"] == "工信厅科函〔2025〕349号"
    assert first["verdict"] == "PASS" and {c["id"] for c in first["clauses"]} >= {"6.2", "6.4.count", "6.8"}
    assert first["ruleset"]["values_on"] == report["ruleset"]["values_on"]  # the same deciding day
    # Only where the ruleset asks for one: not for an excellence applicant that is not former national-level,
    # nor for a standard-level application (its own verdict is its 初核).
    assert "first_check" not in reports["nb-exc-pass.xlsx"] and "first_check" not in reports["xj-std-0.xlsx"]
    assert "原国家级初核（工信厅科函〔2025〕349号，按 miit-2025-standard）：通过" in CliRunner().invoke(
        main, ["check", str(round_outputs["folder"] / "nb-exc-fail.xlsx")]).output


def test_the_printable_documents_escape_the_applicants_text_and_repeat_their_header(round_outputs):
    from incubator_check.present.round_html import document_html
    from incubator_check.present.workbook import Document

    names = sorted(os.listdir(round_outputs["printable"]))
    assert names == sorted(["汇总表.html", "建议推荐.html", "公示名单.html", "原国家级初核.html", "卓越级推荐名额.html"])
    text = (round_outputs["printable"] / "汇总表.html").read_text(encoding="utf-8")
    assert "@page { size: A4 landscape;" in text and "thead { display: table-header-group; }" in text
    hostile = Document("notice", "<b>公示</b>", ["运营主体名称"], [["<script>alert(1)</script>&"]], [[None]], [10])
    page = document_html(hostile, "zh")
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;&amp;" in page
    assert "<title>&lt;b&gt;公示&lt;/b&gt;</title>" in page


@pytest.mark.parametrize("document", DOCUMENTS)
def test_the_quota_sheet_per_authority(round_outputs, document):
    head, rows = document(round_outputs, "卓越级推荐名额")
    assert head[4] == "卓越级上限（工信厅科函〔2025〕349号）"
    assert [r[:5] + (r[6], r[7]) for r in rows] == [
        ("宁波市", 10, 1, 11, 2, 0, 2),
        ("新疆生产建设兵团", 7, 0, 7, 1, 0, 0),
        ("浙江省", 14, 3, 17, 2, 1, 3)]
    assert rows[2][5] == "⌈10% ×（标准级 14 + 卓越级 3）⌉ = ⌈1.7⌉ = 2"


def test_a_letter_lists_what_the_first_check_did_not_meet(tmp_path):
    book = openpyxl.load_workbook(FIXTURES / "excellence-pass.xlsx")
    ws = book["基本信息"]
    rows = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1)}
    for label, value in (("是否为原国家级科技企业孵化器", "是"), ("可自主支配孵化场地面积（平方米）", 4612),
                         ("上年度服务细分产业领域创业企业数（家）", 12)):
        ws.cell(rows[label], 2).value = value
    (tmp_path / "in").mkdir()
    book.save(tmp_path / "in" / "a.xlsx")
    result = CliRunner().invoke(main, ["batch", str(tmp_path / "in"), "--letters", str(tmp_path / "letters")])
    assert result.exit_code == 1, result.output
    (letter,) = (tmp_path / "letters").iterdir()
    text = letter.read_text(encoding="utf-8")
    assert "一、未达到的条件" in text and "<td>7.1</td>" in text  # the excellence level's own
    assert "二、原国家级初核" in text and "结论为： <span class='verdict'>不通过</span>" in text
    assert "<td>6.2</td><td>孵化场地面积</td><td>4612</td><td>≥ 5000</td><td>差 388 平方米</td>" in text


def test_a_letter_to_each_applicant_that_does_not_pass(round_outputs):
    letters = sorted(os.listdir(round_outputs["letters"]))
    failing = [a for a in ROUND if a.verdict != "PASS"]
    assert len(letters) == len(failing) + 1  # and the unreadable file
    _, rows = _sheet(round_outputs["summary"], "汇总表")
    numbers = {r[3]: r[0] for r in rows}
    for app in failing:
        name = f"{numbers[app.incubator]:03d}-{app.incubator}.html"
        assert name in letters, name
        text = (round_outputs["letters"] / name).read_text(encoding="utf-8")
        assert app.operator in text and uscc_of(ROUND.index(app)) in text and app.authority in text
    text = (round_outputs["letters"] / f"{numbers['宁波未达孵化器']:03d}-宁波未达孵化器.html").read_text(encoding="utf-8")
    assert "<td>7.1</td><td>服务细分产业领域创业企业数</td><td>12</td><td>≥ 30</td><td>差 18 家</td>" in text
    # a former national-level incubator applying at excellence level: its 初核 against the standard level, passed
    assert ("、原国家级初核</h2><p>贵单位为原国家级科技企业孵化器，申报另按标准级条件（miit-2025-standard）初核"
            "（工信厅科函〔2025〕349号），结论为： <span class='verdict'>通过</span>") in text
    assert text.count("<table>") == 1  # nothing of the 初核 to correct
    text = (round_outputs["letters"] / f"{numbers['兵团原国家级孵化器']:03d}-兵团原国家级孵化器.html").read_text(encoding="utf-8")
    assert "原国家级初核" not in text  # a standard-level application: its own verdict is its 初核
    text = (round_outputs["letters"] / f"{numbers['湖州孵化器']:03d}-湖州孵化器.html").read_text(encoding="utf-8")
    assert "一、缺少数据、无法判断的条款" in text and "<td>基本信息!B13</td>" in text and "待补正" in text
    broken = [n for n in letters if UNREADABLE[:-5] in n]
    assert broken and "申报表无法读取" in (round_outputs["letters"] / broken[0]).read_text(encoding="utf-8")


def test_the_terminal_table_gives_a_reason_units_and_words(round_outputs):
    table = round_outputs["table"]
    assert "zj-incomplete.xlsx   待补正    缺数据：6.2, 6.4.count；提交前须改正：1 处错误（基本信息!B13）" in table
    assert "nb-exc-fail.xlsx     不通过    7.1 差 18 家" in table
    assert "[在孵企业重复申报]" in table and "tenant-in-several-submissions" not in table
    assert "浙江省：卓越级通过 3，上限 ⌈10% ×（标准级 14 + 卓越级 3）⌉ = ⌈1.7⌉ = 2，超出 1" in table


# --- across submissions -------------------------------------------------------------------------------

def test_a_file_sent_twice_is_one_finding_not_a_roster_of_them(tmp_path):
    folder = tmp_path / "f"
    folder.mkdir()
    for name in ("a.xlsx", "b.xlsx"):
        shutil.copyfile(FIXTURES / "standard-pass.xlsx", folder / name)
    shutil.copyfile(FIXTURES / "excellence-pass.xlsx", folder / "c.xlsx")
    lines = CliRunner().invoke(main, ["batch", str(folder), "--format", "json", "-j", "1"]).output.splitlines()
    reports = [json.loads(line) for line in lines]
    across = [[f["code"] for f in r["findings"] if "others_count" in f] for r in reports]
    assert across == [["identical-files"], ["identical-files"], []]
    assert "同一文件提交了" not in reports[0]["findings"][-1]["message"]  # each report says "also", naming the other
    assert "本文件与另外 1 份申报内容完全相同" in reports[0]["findings"][-1]["message"]
    table = CliRunner().invoke(main, ["batch", str(folder), "-j", "1"]).output
    assert "跨申报问题：1" in table and "[同一文件重复提交] 同一文件提交了 2 次" in table
    english = CliRunner().invoke(main, ["batch", str(folder), "-j", "1", "--lang", "en"]).output
    assert "[same file twice] the same file was submitted 2 times" in english


def test_a_tenant_with_a_mistyped_uscc_is_matched_by_name_and_registration_date(tmp_path):
    folder = tmp_path / "f"
    folder.mkdir()
    shutil.copyfile(FIXTURES / "duplicate-a.xlsx", folder / "a.xlsx")
    book = openpyxl.load_workbook(FIXTURES / "excellence-pass.xlsx")
    ws = book["在孵企业"]
    head = [c.value for c in ws[1]]
    source = openpyxl.load_workbook(FIXTURES / "duplicate-a.xlsx")["在孵企业"]
    src_head = [c.value for c in source[1]]
    name, uscc, registered = (source.cell(2, src_head.index(h) + 1).value for h in ("企业名称", "统一社会信用代码", "注册日期"))
    typo = uscc[:10] + ("1" if uscc[10] != "1" else "2") + uscc[11:]
    ws.cell(2, head.index("企业名称") + 1).value = name.replace("有限公司", " 有限公司")  # a space more: the same name
    ws.cell(2, head.index("统一社会信用代码") + 1).value = typo
    ws.cell(2, head.index("注册日期") + 1).value = registered
    book.save(folder / "b.xlsx")
    lines = CliRunner().invoke(main, ["batch", str(folder), "--format", "json", "-j", "1"]).output.splitlines()
    reports = [json.loads(line) for line in lines]
    found = [f for f in reports[1]["findings"] if f["code"] == "tenant-name-date-in-several-submissions"]
    assert len(found) == 1 and found[0]["row"] == 2 and found[0]["others_count"] == 1
    assert uscc in found[0]["message"] and typo in found[0]["message"] and "可能是代码笔误" in found[0]["message"]
    assert any(f["code"] == "tenant-name-date-in-several-submissions" for f in reports[0]["findings"])


# --- one summary, two front ends ---------------------------------------------------------------------

def test_the_cli_and_the_web_write_the_same_summary(tmp_path):
    from incubator_check.web import create_app

    folder = tmp_path / "f"
    folder.mkdir()
    names = ["standard-pass.xlsx", "standard-fail-area.xlsx", "excellence-pass.xlsx", "standard-incomplete.xlsx"]
    for name in names:
        shutil.copyfile(FIXTURES / name, folder / name)
    cli = tmp_path / "cli.xlsx"
    CliRunner().invoke(main, ["batch", str(folder), "-o", str(cli), "-j", "1"])
    import time
    import zipfile

    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        for name in names:
            z.write(folder / name, name)
    app = create_app({"JOBS": 1})
    try:
        client = app.test_client()
        response = client.post("/check", data={"files": (io.BytesIO(archive.getvalue()), "f.zip")},
                               content_type="multipart/form-data")
        token = response.headers["Location"].split("/")[2].split("?")[0]
        for _ in range(600):
            if client.get(f"/b/{token}/progress.json").get_json()["finished"]:
                break
            time.sleep(0.05)
        web = openpyxl.load_workbook(io.BytesIO(client.get(f"/b/{token}/summary.xlsx").data))
        letters = zipfile.ZipFile(io.BytesIO(client.get(f"/b/{token}/letters.zip").data))
        assert "补正通知" in client.get(f"/b/{token}").get_data(as_text=True)
    finally:
        app.extensions["incubator_check"].close()
    # the web's letters are the CLI's: one per applicant that does not pass, numbered as in the 汇总表
    folder_letters = tmp_path / "letters"
    CliRunner().invoke(main, ["batch", str(folder), "--letters", str(folder_letters), "-j", "1"])
    assert sorted(letters.namelist()) == sorted(os.listdir(folder_letters)) and len(letters.namelist()) == 2
    book = openpyxl.load_workbook(cli)
    assert web.sheetnames == book.sheetnames
    for name in book.sheetnames:
        assert [c.value for c in web[name][1]] == [c.value for c in book[name][1]], name
        ours = [row for row in book[name].iter_rows(min_row=2, values_only=True)]
        theirs = [row for row in web[name].iter_rows(min_row=2, values_only=True)]
        if name not in ("问题清单", "跨申报问题", "条款矩阵"):  # the web shows the uploaded names, the CLI the paths
            assert theirs == ours, name
        assert len(theirs) == len(ours), name


# --- a batch without --ruleset: each file's own ruleset, and the outputs say which ----------------------

def test_a_batch_without_ruleset_judges_each_file_by_its_level_and_place_and_shows_every_ruleset_used(tmp_path):
    folder = tmp_path / "深圳与浙江"
    folder.mkdir()
    shutil.copyfile(FIXTURES / "standard-pass.xlsx", folder / "a-ministry.xlsx")
    book = openpyxl.load_workbook(FIXTURES / "standard-pass.xlsx")
    ws = book["基本信息"]
    rows = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1)}
    ws.cell(rows["申报级别"], 2).value = "市孵化器"
    ws.cell(rows["所在省份"], 2).value = "广东省"
    ws.cell(rows["所在区县行政区划代码"], 2).value = "440305"
    for label, value in {"是否在深圳市（含深汕特别合作区）实际从事生产经营活动": "是", "是否实际运营满1年": "是",
                         "运营团队人数（人）": 12, "其中专业人员数（人）": 10}.items():
        ws.append([label, value])
    book.save(folder / "b-shenzhen.xlsx")
    ws.cell(rows["所在省份"], 2).value = "浙江省"  # a 市孵化器 application from a place that has no such level
    ws.cell(rows["所在区县行政区划代码"], 2).value = "330106"
    book.save(folder / "c-zhejiang-city-level.xlsx")
    lines = CliRunner().invoke(main, ["batch", str(folder), "--format", "json", "-j", "1"]).output.splitlines()
    reports = {os.path.basename(json.loads(line)["source"]["path"]): json.loads(line) for line in lines}
    assert reports["a-ministry.xlsx"]["ruleset"]["id"] == "miit-2025-standard"
    assert reports["b-shenzhen.xlsx"]["ruleset"]["id"] == "shenzhen-2025"
    assert not any(f["code"] == "ruleset-other-region" for f in reports["b-shenzhen.xlsx"]["findings"])
    [other] = [f for f in reports["c-zhejiang-city-level.xlsx"]["findings"] if f["code"] == "ruleset-other-region"]
    assert "只有深圳市的规则集 shenzhen-2025" in other["message"] and "推荐单位为浙江省" in other["message"]
    # The terminal says which rulesets were used; the matrix has every ruleset's clauses and a ruleset column.
    table = CliRunner().invoke(main, ["batch", str(folder), "-j", "1"]).output
    assert "所用规则集：shenzhen-2025（2 份）、miit-2025-standard（1 份）" in table
    summary = tmp_path / "汇总.xlsx"
    CliRunner().invoke(main, ["batch", str(folder), "-o", str(summary), "-j", "1"])
    head, matrix = _sheet(summary, "条款矩阵")
    assert head[:5] == ("序号", "文件", "孵化器", "结论", "规则集")
    assert any(str(h).startswith("6.2 ") for h in head) and any(str(h).startswith("4.3.team ") for h in head)
    by_file = {r[1]: r for r in matrix}
    shenzhen = by_file[next(f for f in by_file if "b-shenzhen" in f)]
    assert shenzhen[4] == "shenzhen-2025" and shenzhen[head.index(next(h for h in head if h.startswith("4.3.team")))] == "通过"
    assert shenzhen[head.index(next(h for h in head if h.startswith("6.2 ")))] is None  # not a clause of its ruleset
