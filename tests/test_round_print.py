"""The round's documents on paper: the summary workbook printed by LibreOffice, the letters by Chromium, each to
PDF, read back with PyMuPDF (the text is there, every sheet fits the page width, no text under 8 points) and
pdffonts (the Chinese fonts are embedded). ``INCUBATOR_CHECK_PRINTS=DIR`` keeps the PDFs for a person to look at.

Outside CI these tests skip when LibreOffice, Chromium, Playwright, PyMuPDF or poppler is missing; on CI they fail.
"""

from __future__ import annotations

import collections
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from incubator_check.cli import main
from round_folder import ROUND, make_round

SOFFICE = shutil.which("libreoffice") or shutil.which("soffice")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _missing() -> str | None:
    for module in ("pymupdf", "playwright.sync_api"):
        try:
            __import__(module)
        except ImportError:
            return f"{module} is not installed (pip install '.[test]')"
    for tool, name in ((SOFFICE, "libreoffice"), (CHROMIUM, "chromium"), (shutil.which("pdffonts"), "pdffonts")):
        if tool is None:
            return f"{name} is not installed"
    return None


if _missing():
    if os.environ.get("CI"):
        pytest.fail(f"print tests cannot run on CI: {_missing()}", pytrace=False)
    pytest.skip(_missing(), allow_module_level=True)

import pymupdf  # noqa: E402

SMALLEST = 8.0  # points: report.md, "each prints on A4 at 8-point type or larger"


def _pages(pdf: Path) -> list[dict]:
    """Each page: its size, the smallest type on it (the footer aside), its text, and its sheet (from the footer)."""
    pages = []
    with pymupdf.open(pdf) as doc:
        for page in doc:
            sizes, sheet = collections.Counter(), ""
            for block in page.get_text("dict")["blocks"]:
                for line in block.get("lines", []):
                    for span in line["spans"]:
                        if span["text"].strip() and span["bbox"][1] < page.rect.height - 40:  # the footer aside
                            sizes[round(span["size"], 1)] += 1
            text = page.get_text()
            lines = text.splitlines()  # the footer: "summary.xlsx — 汇总表" (one line, or the sheet on a line of its own), then "1 / 46"
            sheet = next((lines[i - 1].split("—")[-1].strip() for i, line in enumerate(lines)
                          if i and re.fullmatch(r"\d+ / \d+", line)), "")
            pages.append({"width": page.rect.width, "height": page.rect.height, "smallest": min(sizes, default=99),
                          "text": text, "sheet": sheet})
    return pages


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("print")
    folder = make_round(tmp / "round")
    summary, letters, printable = tmp / "summary.xlsx", tmp / "letters", tmp / "printable"
    CliRunner().invoke(main, ["batch", str(folder), "-o", str(summary), "--letters", str(letters),
                              "--round-html", str(printable), "-j", "2"])
    out = Path(os.environ.get("INCUBATOR_CHECK_PRINTS") or tmp / "pdf")
    out.mkdir(parents=True, exist_ok=True)
    profile = tmp / "lo-profile"
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(out), str(summary)], check=True, capture_output=True, timeout=600)
    from playwright.sync_api import sync_playwright

    letter_pdfs = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"], headless=True)
        page = browser.new_page()
        for name in sorted(os.listdir(letters)):
            page.goto((letters / name).as_uri())
            target = out / (Path(name).stem + ".pdf")
            page.pdf(path=str(target), prefer_css_page_size=True, print_background=True)
            letter_pdfs.append(target)
        documents = {}
        for name in sorted(os.listdir(printable)):
            page.goto((printable / name).as_uri())
            documents[Path(name).stem] = target = out / f"round-{Path(name).stem}.pdf"
            page.pdf(path=str(target), prefer_css_page_size=True, print_background=True)
        browser.close()
    return {"summary": out / "summary.pdf", "letters": letter_pdfs, "documents": documents}


def test_the_summary_workbook_prints_every_sheet_on_a4_landscape_at_8_points_or_more(printed):
    pages = _pages(printed["summary"])
    sheets = collections.Counter(p["sheet"] for p in pages)
    for sheet in ("汇总表", "建议推荐", "公示名单", "原国家级初核", "卓越级推荐名额", "条款矩阵", "问题清单"):
        assert sheets[sheet], f"{sheet} not printed: {sheets}"
    for page in pages:
        assert round(page["width"]) == 842 and round(page["height"]) == 595  # A4 landscape, in points
        assert page["smallest"] >= SMALLEST, (page["sheet"], page["smallest"])
    # the round's documents fit few pages: 43 applications in 2 pages of 汇总表, 1 of 公示名单
    assert sheets["汇总表"] <= 3 and sheets["公示名单"] <= 2 and sheets["原国家级初核"] == 1


def test_the_printed_summary_holds_the_text(printed):
    pages = _pages(printed["summary"])
    text = "".join(p["text"] for p in pages if p["sheet"] in ("汇总表", "公示名单")).replace("\n", "")  # a cell may wrap
    for app in ROUND:
        assert app.incubator in text, app.incubator  # every name whole, not cut by its column
    assert "杭州市滨江区江南大道 1 号；滨江区长河路 9 号" in text
    fonts = subprocess.run(["pdffonts", str(printed["summary"])], capture_output=True, text=True).stdout
    assert any(name in fonts for name in ("NotoSansCJK", "WenQuanYi", "Noto Sans CJK")), fonts
    assert all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:] if line.strip())  # every font embedded


def test_each_letter_prints_on_one_a4_page_at_8_points_or_more(printed):
    assert len(printed["letters"]) == sum(a.verdict != "PASS" for a in ROUND) + 1
    for pdf in printed["letters"]:
        pages = _pages(pdf)
        assert len(pages) == 1, pdf.name
        page = pages[0]
        assert round(page["width"]) == 595 and round(page["height"]) == 842  # A4 portrait
        assert page["smallest"] >= SMALLEST, (pdf.name, page["smallest"])
        assert "审核意见" in page["text"]


def test_the_printable_documents_print_on_a4_landscape_at_8_points_or_more(printed):
    documents = printed["documents"]
    assert sorted(documents) == sorted(["汇总表", "建议推荐", "公示名单", "原国家级初核", "卓越级推荐名额"])
    for name, pdf in documents.items():
        pages = _pages(pdf)
        for page in pages:
            assert round(page["width"]) == 842 and round(page["height"]) == 595, name  # A4 landscape, in points
            assert page["smallest"] >= SMALLEST, (name, page["smallest"])
        if len(pages) > 1:  # the header repeated on every page (thead as a table-header-group)
            assert all({"公示名单": "孵化场地地址", "卓越级推荐名额": "推荐单位"}.get(name, "未通过条款") in p["text"]
                       for p in pages), name
    summary = _pages(documents["汇总表"])
    assert len(summary) <= 4  # 44 rows at 9 points
    text = "".join(p["text"] for p in summary).replace("\n", "")
    for app in ROUND:
        assert app.incubator in text, app.incubator  # every name whole
    quota = "".join(p["text"] for p in _pages(documents["卓越级推荐名额"])).replace("\n", "")
    assert "⌈10% ×（标准级 14 + 卓越级 3）⌉ = ⌈1.7⌉ = 2" in quota  # the cap worked out, on paper
    notice = "".join(p["text"] for p in _pages(documents["公示名单"])).replace("\n", "")
    assert "杭州市滨江区江南大道 1 号；滨江区长河路 9 号" in notice
    # Chromium embeds the CJK glyphs as Type 3 fonts (no font name to check): each embedded, with a Unicode map
    fonts = subprocess.run(["pdffonts", str(documents["公示名单"])], capture_output=True, text=True).stdout
    listed = [line.split() for line in fonts.splitlines()[2:] if line.strip()]
    assert listed and all(line[-5] == "yes" and line[-3] == "yes" for line in listed), fonts
