"""The submission workbook's layout: sheets, fields, columns, value kinds and units.

This is the product contract of ``spec/workbook.md`` written once as data, so that
the reader, the template writer and the fixtures all agree on every label. Two lists are
the law's, kept in the rule data and read from it when first asked for (importing this
module reads no file): the industries of the SME classifications the bundled rulesets name and the
reasons an accreditation is revoked for (Article 20, each bundled ruleset's ``bans.years``), as the model
accepts them (:func:`industries`, :func:`revocation_reasons`, ``INDUSTRIES`` and ``REVOCATION_REASONS``).
Which of them one submission may use is the ruleset's being applied: its caller passes them in
(``read_workbook(choices=)``, ``build_template(ruleset=)``), because this stage comes before the rules; and the levels an application may be for, the
ministry's two and those the bundled rulesets claim (:func:`levels`, ``LEVELS``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from functools import lru_cache
from typing import Any, Callable


class Kind(str, Enum):
    """How a cell's value is parsed."""

    TEXT = "text"
    USCC = "uscc"
    YESNO = "yesno"
    DATE = "date"
    YEAR = "year"
    INTEGER = "integer"
    MONEY = "money"  # canonical unit 万元
    AREA = "area"  # canonical unit 平方米
    ENUM = "enum"
    ENUM_LIST = "enum_list"  # several choices separated by 、 or ,
    COUNTY = "county"  # 6-digit administrative division code


class Required(str, Enum):
    """When a field must be filled in."""

    YES = "yes"
    NO = "no"
    WHEN_REMOTE = "when_remote"
    WITH_REVOKED_ON = "with_revoked_on"
    ARTICLE_8 = "article_8"  # required where the tenant's industry classifies on it
    EXCELLENCE = "excellence"  # required on 卓越级 applications


MINISTRY_LEVELS = ("标准级", "卓越级")  # the ministry's two levels (Article 5)
REMOTE_CATEGORIES = ("一类", "二类", "三类", "四类", "五类", "六类")
SITE_TENURES = ("自有", "租赁", "协议使用")


def rule_data(name: str) -> str:
    """The text of one file of the bundled rule data (``rulesets/``), installed or in a source checkout."""
    from importlib import resources

    try:
        return resources.files("incubator_check.rulesets").joinpath(name).read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):  # a source checkout run without installing
        from pathlib import Path

        return (Path(__file__).parents[2] / "rulesets" / name).read_text(encoding="utf-8")


def load_yaml(text: str) -> Any:
    """YAML text → its data (a fresh copy each call), parsed safely by PyYAML once per content and kept on the
    user's disk (``_yaml_cache``: a check that finds every file's entry imports no PyYAML)."""
    from .._yaml_cache import load

    return load(text)


def _top_level(text: str, key: str) -> Any:
    """One top-level entry of a rule-data file's text, parsed by itself: the lines from ``key:`` to the next
    top-level key (None when the file has none).

    A ruleset is 20 KB of YAML, of which the entry wanted here is a few lines; the loader parses the whole file
    for a check anyway (``tests/test_report_languages.py`` holds the two readings equal).
    """
    import re

    block = re.search(rf"^{re.escape(key)}:.*?(?=^[^\s#]|\Z)", text, re.M | re.S)
    return None if block is None else load_yaml(block.group())[key]


@lru_cache(maxsize=1)
def _bundled_rulesets() -> tuple[str, ...]:
    """The text of every bundled ruleset (a rule-data file that says ``kind: ruleset``), by file name."""
    import re
    from importlib import resources

    try:
        folder = resources.files("incubator_check.rulesets")
    except ModuleNotFoundError:  # a source checkout run without installing
        from pathlib import Path

        folder = Path(__file__).parents[2] / "rulesets"
    texts = (entry.read_text(encoding="utf-8") for entry in sorted(folder.iterdir(), key=lambda e: e.name)
             if entry.name.endswith(".yaml"))
    return tuple(text for text in texts if re.search(r"^kind:\s*ruleset\s*(#.*)?$", text, re.M))


def _union(lists: Any) -> tuple[str, ...]:
    return tuple(dict.fromkeys(item for values in lists for item in values))


@lru_cache(maxsize=1)
def industries() -> tuple[str, ...]:
    """Every industry an SME classification a bundled ruleset names (``sme_classification:``) lists: what the
    model accepts. Which of them a submission may use is its ruleset's (``read_workbook(choices=)``)."""
    named = (_top_level(text, "sme_classification") for text in _bundled_rulesets())
    return _union(_top_level(rule_data(f"{name}.yaml"), "industries") or () for name in dict.fromkeys(named) if name)


@lru_cache(maxsize=1)
def levels() -> tuple[str, ...]:
    """The levels an application may be for: the ministry's two, then every other level a bundled ruleset
    claims (a province's or city's own, under Article 27: Shenzhen's 市孵化器) — read from the rule data, so a
    province's level needs no code change. A rule-data file is a ruleset when it says ``kind: ruleset``."""
    import re

    found = []
    for text in _bundled_rulesets():
        level = re.search(r"^level:\s*([^\s#]+)", text, re.M)
        if level and level.group(1) not in MINISTRY_LEVELS + tuple(found):
            found.append(level.group(1))
    return MINISTRY_LEVELS + tuple(found)


@lru_cache(maxsize=1)
def revocation_reasons() -> tuple[str, ...]:
    """Why an earlier accreditation was revoked (Article 20): every reason a bundled ruleset's ban lasts a number
    of years for (``bans.years``), what the model accepts. Which of them a submission may use is its ruleset's."""
    return _union((_top_level(text, "bans") or {}).get("years") or () for text in _bundled_rulesets())


def __getattr__(name: str) -> tuple[str, ...]:
    """``INDUSTRIES``, ``LEVELS`` and ``REVOCATION_REASONS``, read from the rule data the first time they are asked for."""
    if name == "INDUSTRIES":
        return industries()
    if name == "LEVELS":
        return levels()
    if name == "REVOCATION_REASONS":
        return revocation_reasons()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class FieldSpec:
    """One profile field or one roster column."""

    key: str
    label: str  # canonical Chinese label, without its unit
    kind: Kind
    required: Required = Required.NO
    en: str = ""
    unit: str = ""  # canonical unit shown in the label's brackets
    options: tuple[str, ...] | Callable[[], tuple[str, ...]] = ()  # the choices, or the function that reads them
    note: str = ""  # what the field is for, in Chinese, for the 说明 sheet
    article: str = ""  # the article the field serves
    aliases: tuple[str, ...] = ()  # other labels that name it (a ruleset's declared field may give some)

    @property
    def choices(self) -> tuple[str, ...]:
        """The values an enumeration takes (read from the rule data for an industry or a revocation reason)."""
        options = self.options
        return options() if callable(options) else options

    @property
    def header(self) -> str:
        """The label as the template writes it, with its unit in full-width brackets."""
        return f"{self.label}（{self.unit}）" if self.unit else self.label


@dataclass(frozen=True)
class SheetSpec:
    """One sheet of the workbook."""

    key: str
    name: str  # canonical Chinese name
    en: str  # accepted English name
    required: bool
    tabular: bool  # header row + records, or label/value pairs
    fields: tuple[FieldSpec, ...] = field(default_factory=tuple)

    def field(self, key: str) -> FieldSpec:
        for f in self.fields:
            if f.key == key:
                return f
        raise KeyError(key)


F = FieldSpec
R = Required

PROFILE = SheetSpec(
    key="profile",
    name="基本信息",
    en="Profile",
    required=True,
    tabular=False,
    fields=(
        F("incubator_name", "孵化器名称", Kind.TEXT, R.YES, "Incubator name", note="孵化器对外使用的名称", article="第十一条"),
        F("operator_name", "运营主体名称", Kind.TEXT, R.YES, "Operator name", note="孵化器运营主体（法人）的名称", article="第六条第（一）项"),
        F("operator_uscc", "运营主体统一社会信用代码", Kind.USCC, R.YES, "Operator USCC", note="18 位统一社会信用代码（GB 32100-2015），校验位将被核验", article="第二十条"),
        F("level", "申报级别", Kind.ENUM, R.YES, "Level applied for", options=levels, note="标准级、卓越级，或省、市规则集的级别（如 市孵化器），决定适用的认定条件", article="第五条"),
        F("application_year", "申报年度", Kind.YEAR, R.YES, "Application year", note="四位年份；上年度 = 申报年度 − 1，前年度 = 申报年度 − 2", article="第六条"),
        F("application_date", "申报日期", Kind.DATE, R.NO, "Application date", note="用于判断第二十条的禁止申报期；不填则以检查当日为准", article="第二十条"),
        F("province", "所在省份", Kind.TEXT, R.YES, "Province", note="省级行政区名称，如 浙江省", article="第十一条"),
        F("city", "所在地市", Kind.TEXT, R.NO, "City", note="地级行政区或计划单列市，如 宁波市；用于确定推荐单位和公示名单", article="工信厅科函〔2025〕349号"),
        F("county_code", "所在区县行政区划代码", Kind.COUNTY, R.NO, "County code", note="6 位行政区划代码", article="第十条"),
        F("independent_legal_person", "是否具有独立法人资格", Kind.YESNO, R.YES, "Independent legal person", note="是/否", article="第六条第（一）项"),
        F("remote_area", "是否位于艰苦边远地区", Kind.YESNO, R.YES, "In a remote area", note="按人力资源和社会保障部艰苦边远地区范围和类别规定；是则标准级各项指标降低 15%", article="第十条"),
        F("remote_area_category", "艰苦边远地区类别", Kind.ENUM, R.WHEN_REMOTE, "Remote-area category", options=REMOTE_CATEGORIES, note="一类至六类；位于艰苦边远地区时必填", article="第十条"),
        F("site_address", "孵化场地地址", Kind.TEXT, R.NO, "Site address", note="多处场地用 ； 分隔；列入公示名单", article="工信厅科函〔2025〕349号"),
        F("site_area_m2", "可自主支配孵化场地面积", Kind.AREA, R.YES, "Site area", unit="平方米", note="自有、租赁或协议使用的孵化场地面积", article="第六条第（二）项"),
        F("site_tenure", "场地使用方式", Kind.ENUM_LIST, R.NO, "Site tenure", options=SITE_TENURES, note="自有、租赁、协议使用，可多选，用 、 或 , 分隔", article="第六条第（二）项"),
        F("total_staff", "机构总人数", Kind.INTEGER, R.YES, "Total staff", unit="人", note="孵化器机构的全部人员数", article="第六条第（三）项"),
        F("fulltime_service_staff", "专职孵化服务人员数", Kind.INTEGER, R.YES, "Full-time service staff", unit="人", note="专职从事孵化服务的人员数，应占机构总人数 80% 以上", article="第六条第（三）项"),
        F("mentors", "创业导师人数", Kind.INTEGER, R.YES, "Mentors", unit="人", note="每 10 家在孵企业至少配备 1 名创业导师", article="第六条第（三）项"),
        F("leader_profile", "团队负责人从业经历", Kind.TEXT, R.NO, "Team leader's experience", note="产业背景、创业投资、技术洞察、企业管理等经历，由评审人员判断", article="第六条第（三）项"),
        F("total_revenue", "上年度总收入", Kind.MONEY, R.YES, "Total revenue (data year)", unit="万元", note="孵化器上年度总收入", article="第六条第（七）项"),
        F("rent_property_revenue", "上年度房租及物业收入", Kind.MONEY, R.YES, "Rent and property revenue (data year)", unit="万元", note="上年度房租及物业收入；其余收入占比应不低于 30%", article="第六条第（七）项"),
        F("service_revenue_accounted_separately", "是否单独核算孵化服务收入", Kind.YESNO, R.YES, "Service revenue accounted separately", note="是/否", article="第六条第（七）项"),
        F("statistics_years_reported", "已报送创新创业类服务机构统计数据年数", Kind.INTEGER, R.YES, "Years of statistics reported", unit="年", note="按国家统计局批准的统计调查制度已报送的年数", article="第六条第（九）项"),
        F("major_accident_3y", "近3年是否发生重大环保、质量和安全事故", Kind.YESNO, R.YES, "Major accident in 3 years", note="是/否", article="第六条第（十）项"),
        F("serious_dishonesty", "是否被列为严重失信主体", Kind.YESNO, R.YES, "Listed as seriously dishonest", note="是/否", article="第六条第（十）项"),
        F("major_violation", "是否有重大违法行为或涉嫌重大违法正在接受审查", Kind.YESNO, R.YES, "Major violation or under investigation", note="是/否", article="第六条第（十）项"),
        F("former_national_incubator", "是否为原国家级科技企业孵化器", Kind.YESNO, R.NO, "Former national incubator", note="过渡期至 2027-12-31 原国家级资格继续保留", article="解读第五问"),
        F("revoked_on", "曾被撤销部级孵化器认定的日期", Kind.DATE, R.NO, "Date of earlier revocation", note="曾被撤销认定的，填写撤销日期", article="第二十条"),
        F("revocation_reason", "撤销原因", Kind.ENUM, R.WITH_REVOKED_ON, "Reason for revocation", options=revocation_reasons, note="绩效评价、复核不通过、自行申请（禁止 2 年）；违法违规、重大事故（禁止 3 年）", article="第二十条"),
        # 卓越级 only
        F("focus_sector", "聚焦细分产业领域", Kind.TEXT, R.EXCELLENCE, "Focus sector", note="卓越级：聚焦的新兴产业或未来产业细分领域", article="第七条第（一）项"),
        F("sector_startups_y1", "上年度服务细分产业领域创业企业数", Kind.INTEGER, R.EXCELLENCE, "Sector start-ups served (data year)", unit="家", note="卓越级：近两年每年不少于 30 家", article="第七条第（一）项"),
        F("sector_startups_y2", "前年度服务细分产业领域创业企业数", Kind.INTEGER, R.EXCELLENCE, "Sector start-ups served (year before)", unit="家", note="卓越级：近两年每年不少于 30 家", article="第七条第（一）项"),
        F("service_investment_revenue_y1", "上年度服务和投资收入", Kind.MONEY, R.EXCELLENCE, "Service and investment revenue (data year)", unit="万元", note="卓越级：占总收入比重不低于 50%", article="第七条第（二）项"),
        F("service_investment_revenue_y2", "前年度服务和投资收入", Kind.MONEY, R.EXCELLENCE, "Service and investment revenue (year before)", unit="万元", note="卓越级：占总收入比重不低于 50%", article="第七条第（二）项"),
        F("total_revenue_y2", "前年度总收入", Kind.MONEY, R.EXCELLENCE, "Total revenue (year before)", unit="万元", note="卓越级：前年度总收入", article="第七条第（二）项"),
    ),
)

EXCELLENCE_KEYS = frozenset(f.key for f in PROFILE.fields if f.required is R.EXCELLENCE)

TENANTS = SheetSpec(
    key="tenants",
    name="在孵企业",
    en="Tenants",
    required=True,
    tabular=True,
    fields=(
        F("name", "企业名称", Kind.TEXT, R.YES, "Name", note="在孵企业名称", article="第八条"),
        F("uscc", "统一社会信用代码", Kind.USCC, R.YES, "USCC", note="18 位统一社会信用代码，校验位将被核验", article="第八条"),
        F("registered_on", "注册日期", Kind.DATE, R.YES, "Registered on", note="企业注册（成立）日期", article="第六条第（四）项"),
        F("registered_in_incubator", "是否注册在孵化器内", Kind.YESNO, R.YES, "Registered in the incubator", note="是/否；在孵企业须注册在孵化器内", article="第八条"),
        F("operating_in_incubator", "是否在孵化器内实际运营", Kind.YESNO, R.YES, "Operating in the incubator", note="是/否；在孵企业须实际运营在孵化器内", article="第八条"),
        F("industry", "所属行业", Kind.ENUM, R.YES, "Industry", options=industries, note="按《中小企业划型标准规定》的 16 个行业之一", article="第八条"),
        F("employees", "从业人员", Kind.INTEGER, R.ARTICLE_8, "Employees", unit="人", note="上年度从业人员数；按行业划型需要时必填", article="第八条"),
        F("revenue_y1", "上年度营业收入", Kind.MONEY, R.YES, "Revenue (data year)", unit="万元", note="用于划型、成长性和毕业条件", article="第六条第（六）项"),
        F("revenue_y2", "前年度营业收入", Kind.MONEY, R.YES, "Revenue (year before)", unit="万元", note="用于成长性和毕业条件", article="第六条第（六）项"),
        F("rd_y1", "上年度研发经费投入", Kind.MONEY, R.YES, "R&D spending (data year)", unit="万元", note="用于成长性", article="第六条第（六）项"),
        F("rd_y2", "前年度研发经费投入", Kind.MONEY, R.YES, "R&D spending (year before)", unit="万元", note="用于成长性", article="第六条第（六）项"),
        F("total_assets", "资产总额", Kind.MONEY, R.ARTICLE_8, "Total assets", unit="万元", note="建筑业、房地产开发经营、租赁和商务服务业划型需要", article="第八条"),
        F("tech_sme", "是否科技型中小企业", Kind.YESNO, R.YES, "Certified tech-based SME", note="是/否", article="第六条第（四）项"),
        F("innovative_sme", "是否创新型中小企业", Kind.YESNO, R.YES, "Certified innovative SME", note="是/否", article="第六条第（四）项"),
        F("incubator_equity_invested", "上年度获孵化器股权投资且确权实缴", Kind.YESNO, R.YES, "Equity investment by the incubator (paid in)", note="是/否", article="第六条第（五）项"),
        F("financing_received", "上年度获得投融资", Kind.YESNO, R.YES, "Financing received", note="是/否", article="第六条第（五）项"),
        F("newly_certified", "上年度新认定为专精特新中小企业或高新技术企业", Kind.YESNO, R.YES, "Newly certified specialised SME or high-tech enterprise", note="是/否；毕业条件 1", article="第九条"),
        F("largest_round", "单笔最大天使或风险投资", Kind.MONEY, R.NO, "Largest angel or venture round", unit="万元", note="毕业条件 2：超过 500 万元", article="第九条"),
        F("acquired_or_listed", "上年度被兼并、收购或挂牌、上市", Kind.YESNO, R.NO, "Acquired, merged or listed", note="是/否；毕业条件 4", article="第九条"),
        F("graduated", "上年度毕业", Kind.YESNO, R.YES, "Graduated in the data year", note="是/否；须至少符合第九条一项条件", article="第六条第（八）项"),
    ),
)

STAFF = SheetSpec(
    key="staff",
    name="人员",
    en="Staff",
    required=False,
    tabular=True,
    fields=(
        F("name", "姓名", Kind.TEXT, R.YES, "Name", note="人员姓名", article="第六条第（三）项"),
        F("role", "岗位", Kind.TEXT, R.NO, "Role", note="岗位名称", article="第六条第（三）项"),
        F("fulltime_service", "是否专职孵化服务人员", Kind.YESNO, R.YES, "Full-time service staff", note="是/否", article="第六条第（三）项"),
        F("mentor", "是否创业导师", Kind.YESNO, R.YES, "Mentor", note="是/否", article="第六条第（三）项"),
    ),
)

FUNDS = SheetSpec(
    key="funds",
    name="投资基金",
    en="Funds",
    required=False,
    tabular=True,
    fields=(
        F("name", "基金名称", Kind.TEXT, R.YES, "Fund name", note="联动的股权投资基金名称", article="第七条第（四）项"),
        F("amac_code", "中国证券投资基金业协会备案编码", Kind.TEXT, R.NO, "AMAC registration code", note="基金业协会备案编码，如 SXX123", article="第七条第（四）项"),
        F("sector", "投资细分产业领域", Kind.TEXT, R.NO, "Sector", note="基金投资的细分产业领域", article="第七条第（四）项"),
    ),
)

# Other spellings applicants use for an enumeration value, keyed as compared
# (NFKC, lower-case, without spaces and list punctuation).
ALIASES: dict[str, dict[str, str]] = {
    "level": {"standard": "标准级", "excellence": "卓越级", "标准": "标准级", "卓越": "卓越级"},
    "remote_area_category": {
        **{f"{i}类": c for i, c in enumerate(REMOTE_CATEGORIES, start=1)},
        **{f"{c}区": c for c in REMOTE_CATEGORIES},
        **{f"{i}类区": c for i, c in enumerate(REMOTE_CATEGORIES, start=1)},
    },
    "industry": {
        "农林牧渔业": "农、林、牧、渔业",
        "农业": "农、林、牧、渔业",
        "采矿业": "工业",
        "制造业": "工业",
        "电力热力燃气及水生产和供应业": "工业",
        "铁路运输业以外的交通运输业": "交通运输业",
        "电信互联网和相关服务": "信息传输业",
        "信息传输软件和信息技术服务业": "软件和信息技术服务业",
        "软件业": "软件和信息技术服务业",
        "信息技术服务业": "软件和信息技术服务业",
        "房地产开发": "房地产开发经营",
        "租赁业": "租赁和商务服务业",
        "商务服务业": "租赁和商务服务业",
        "科学研究和技术服务业": "其他未列明行业",
        "科技服务业": "其他未列明行业",
        "水利环境和公共设施管理业": "其他未列明行业",
        "居民服务修理和其他服务业": "其他未列明行业",
        "社会工作": "其他未列明行业",
        "文化体育和娱乐业": "其他未列明行业",
        "其他": "其他未列明行业",
    },
    "revocation_reason": {"绩效评价不合格": "绩效评价", "连续两年绩效评价为d": "绩效评价", "弄虚作假": "违法违规", "严重失信": "违法违规", "偷税漏税": "违法违规"},
}

INSTRUCTIONS_NAME = "说明"
INSTRUCTIONS_EN = "Instructions"

SHEETS = (PROFILE, TENANTS, STAFF, FUNDS)
