"""A provincial round's folder, generated: 43 applications for three recommending authorities and one file that
cannot be read, each made from a fixture by changing its 基本信息 (name, operator, USCC, province, city, county
code, site address, area, former national-level flag) and adding the two new rows 所在地市 and 孵化场地地址.

``ROUND`` is what each application is and what the round's documents must say of it, written by hand: the
authority, the verdict, the recommendation. Three authorities, each reached by several spellings:

- 浙江省 (浙江 / 浙江省 / 浙江省杭州市 / Zhejiang, or a Hangzhou county code): 14 standard passes, 3 excellence
  passes, 2 standard failures, 1 incomplete. Cap ⌈10 % × 17⌉ = 2 < 3 excellence passes: those 3 are pending.
- 宁波市, a 计划单列市 beside its province (所在省份 浙江省 with 所在地市 宁波市, or county code 3302xx): 10 standard
  passes, 1 excellence pass, 1 excellence failure, 2 standard failures. Cap ⌈10 % × 11⌉ = 2 ≥ 1: recommended.
  The excellence failure is a former national-level incubator: its 初核 is a second judgement against the standard
  level, which it passes.
- 新疆生产建设兵团 (by name, or county code 6590xx under 新疆): 7 standard passes (2 of them former national-level),
  1 former national-level failure, 1 incomplete. Cap ⌈10 % × 7⌉ = 1, no excellence applicant.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import openpyxl

from conftest import make_uscc

FIXTURES = Path(__file__).parent.parent / "fixtures"


@dataclass(frozen=True)
class Application:
    file: str
    fixture: str
    incubator: str
    operator: str
    province: str
    city: str | None
    county: str | None
    address: str
    area: int
    authority: str
    level: str
    verdict: str
    former: bool = False
    recommended: str = "no"  # yes | pending | no
    startups: int | None = None  # 上年度服务细分产业领域创业企业数, to make an excellence applicant fail


def _round() -> list[Application]:
    apps: list[Application] = []
    zj_spellings = ["浙江", "浙江省", "浙江省杭州市", "Zhejiang", "  浙江省 "]
    for i in range(14):
        apps.append(Application(f"zj-std-{i:02d}.xlsx", "standard-pass.xlsx", f"杭州第{i + 1:02d}科技企业孵化器",
                                f"杭州第{i + 1:02d}孵化器运营有限公司", zj_spellings[i % 5], "杭州市", "330106" if i % 3 else None,
                                f"杭州市西湖区文三路 {100 + i} 号", 5000 + 100 * i, "浙江省", "标准级", "PASS", recommended="yes"))
    for i in range(3):
        apps.append(Application(f"zj-exc-{i}.xlsx", "excellence-pass.xlsx", f"杭州卓越{i + 1}号孵化器", f"杭州卓越{i + 1}号运营有限公司",
                                "浙江省", "杭州市", "330108", f"杭州市滨江区江南大道 {i + 1} 号；滨江区长河路 {i + 9} 号", 21500,
                                "浙江省", "卓越级", "PASS", recommended="pending"))
    for i in range(2):
        apps.append(Application(f"zj-fail-{i}.xlsx", "standard-fail-area.xlsx", f"温州{i + 1}号孵化器", f"温州{i + 1}号运营有限公司",
                                "浙江省温州市", "温州市", None, f"温州市鹿城区 {i} 号", 4612, "浙江省", "标准级", "FAIL"))
    apps.append(Application("zj-incomplete.xlsx", "standard-incomplete.xlsx", "湖州孵化器", "湖州孵化器运营有限公司",
                            "浙江", "湖州市", "330502", "湖州市吴兴区 1 号", 0, "浙江省", "标准级", "INCOMPLETE"))
    for i in range(10):
        by_code = i % 2 == 0
        apps.append(Application(f"nb-std-{i:02d}.xlsx", "standard-pass.xlsx", f"宁波第{i + 1:02d}孵化器", f"宁波第{i + 1:02d}运营有限公司",
                                "浙江省", None if by_code else "宁波市", "330212" if by_code else None,
                                f"宁波市鄞州区天童南路 {i + 1} 号", 6000 + i, "宁波市", "标准级", "PASS", recommended="yes"))
    apps.append(Application("nb-exc-pass.xlsx", "excellence-pass.xlsx", "宁波卓越孵化器", "宁波卓越运营有限公司", "浙江省",
                            "Ningbo", None, "宁波市高新区聚贤路 1 号", 21500, "宁波市", "卓越级", "PASS", recommended="yes"))
    apps.append(Application("nb-exc-fail.xlsx", "excellence-pass.xlsx", "宁波未达孵化器", "宁波未达运营有限公司", "浙江省",
                            "宁波市", None, "宁波市江北区 2 号", 21500, "宁波市", "卓越级", "FAIL", former=True, startups=12))
    for i in range(2):
        apps.append(Application(f"nb-fail-{i}.xlsx", "standard-fail-tenants.xlsx", f"宁波慈溪{i + 1}号孵化器",
                                f"宁波慈溪{i + 1}号运营有限公司", "浙江省宁波市", "宁波市", None, f"慈溪市 {i} 号", 5200,
                                "宁波市", "标准级", "FAIL"))
    for i in range(7):
        apps.append(Application(f"xj-std-{i}.xlsx", "standard-pass.xlsx", f"兵团第{i + 1}孵化器", f"兵团第{i + 1}运营有限公司",
                                "新疆生产建设兵团" if i % 2 else "新疆", "石河子市", None if i % 2 else "659001",
                                f"石河子市北四路 {i + 1} 号", 5000, "新疆生产建设兵团", "标准级", "PASS", former=i < 2,
                                recommended="yes"))
    apps.append(Application("xj-former-fail.xlsx", "standard-fail-area.xlsx", "兵团原国家级孵化器", "兵团原国家级运营有限公司",
                            "新疆生产建设兵团", "五家渠市", None, "五家渠市 8 号", 4612, "新疆生产建设兵团", "标准级", "FAIL",
                            former=True))
    apps.append(Application("xj-incomplete.xlsx", "standard-incomplete.xlsx", "兵团待补孵化器", "兵团待补运营有限公司",
                            "兵团", "阿拉尔市", None, "", 0, "新疆生产建设兵团", "标准级", "INCOMPLETE"))
    return apps


ROUND = _round()
UNREADABLE = "zz-broken.xlsx"  # not a workbook: its ERROR row has no authority

_LABELS = {"incubator": "孵化器名称", "operator": "运营主体名称", "uscc": "运营主体统一社会信用代码", "province": "所在省份",
           "county": "所在区县行政区划代码", "area": "可自主支配孵化场地面积（平方米）", "former": "是否为原国家级科技企业孵化器",
           "startups": "上年度服务细分产业领域创业企业数（家）"}


def uscc_of(index: int) -> str:
    return make_uscc(5000 + index, prefix="91330212")


def make_round(folder: Path) -> Path:
    """Write the round's applications (and the unreadable file) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for index, app in enumerate(ROUND):
        book = openpyxl.load_workbook(FIXTURES / app.fixture)
        ws = book["基本信息"]
        rows = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1)}
        values = {"incubator": app.incubator, "operator": app.operator, "uscc": uscc_of(index), "province": app.province,
                  "county": app.county, "former": "是" if app.former else "否"}
        if app.area and app.fixture != "standard-incomplete.xlsx":
            values["area"] = app.area
        if app.startups is not None:
            values["startups"] = app.startups
        for key, value in values.items():
            ws.cell(rows[_LABELS[key]], 2).value = value
        ws.append(["所在地市", app.city])
        ws.append(["孵化场地地址", app.address or None])
        book.save(folder / app.file)
    (folder / UNREADABLE).write_text("序号,名称\n1,不是工作簿\n", encoding="utf-8")
    return folder


def area_text(app: Application) -> str:
    return str(Decimal(app.area)) if app.area else ""
