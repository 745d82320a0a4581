"""The web app in a real browser: Playwright driving Debian's chromium (``.ci/browser-deps`` installs it).

Outside CI these tests skip when chromium or Playwright is missing; with ``CI`` set they fail instead.
``WEB_SCREENSHOTS=DIR`` also saves a screenshot of each page into DIR (``docs/web-*.png`` come from here).
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install '.[test]')"
    if CHROMIUM is None:
        return "chromium is not installed (.ci/browser-deps)"
    if shutil.which("pdftotext") is None:
        return "pdftotext is not installed (poppler-utils, .ci/browser-deps)"
    return None


if _missing():
    if os.environ.get("CI"):
        pytest.fail(f"browser tests cannot run on CI: {_missing()}", pytrace=False)
    pytest.skip(_missing(), allow_module_level=True)

from playwright.sync_api import expect, sync_playwright  # noqa: E402


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``serve`` in its own process (as a person runs it), with its temporary folder where the test can see it."""
    tmp = tmp_path_factory.mktemp("serve-tmp")
    env = {**os.environ, "TMPDIR": str(tmp), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", "from incubator_check.web._serve import serve; serve()",
                             "--no-browser", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, cwd=str(tmp))
    line = proc.stdout.readline()
    match = re.search(r"(http://127\.0\.0\.1:\d+)/", line)
    assert match, line + proc.stderr.read()
    yield match.group(1)
    proc.terminate()  # SIGTERM, handled as Ctrl-C
    assert proc.wait(timeout=30) == 130
    assert os.listdir(tmp) == []  # nothing left behind


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1200, "height": 900}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)  # a CSP violation shows here
    yield page
    context.close()
    assert not errors, errors


def _shot(page, name: str, full: bool = True) -> None:
    folder = os.environ.get("WEB_SCREENSHOTS")
    if folder:
        os.makedirs(folder, exist_ok=True)
        page.screenshot(path=os.path.join(folder, f"web-{name}.png"), full_page=full)


@pytest.fixture(scope="module")
def folder_zip(tmp_path_factory) -> Path:
    """A zip of a folder: 40 workbooks of 100 tenants (so the progress bar is seen) and a few fixtures."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import _corpus

    work = tmp_path_factory.mktemp("corpus")
    paths = _corpus.make_corpus(str(work / "c"), 40)
    target = work / "申报材料.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        for p in paths:
            z.write(p, "申报材料/" + os.path.basename(p))
        for name in ("standard-fail-tenants.xlsx", "duplicate-a.xlsx", "duplicate-b.xlsx", "broken-not-a-workbook.xlsx",
                     "excellence-pass.xlsx"):
            z.write(FIXTURES / name, "申报材料/" + name)
    return target


def test_start_page(page, server):
    page.goto(server + "/")
    expect(page.locator("h1")).to_have_text("孵化器申报检查")
    expect(page.locator("#submit")).to_have_text("开始检查")
    _shot(page, "start")


def test_one_workbook(page, server, tmp_path):
    page.goto(server + "/")
    page.set_input_files("#files", str(FIXTURES / "standard-fail-tenants.xlsx"))
    expect(page.locator("[data-names]")).to_contain_text("standard-fail-tenants.xlsx")  # our script ran under the CSP
    page.click("#submit")
    expect(page.locator("#verdict")).to_have_text("结论：不通过")
    rows = page.locator("#clauses tbody tr")
    assert rows.count() >= 15
    count = page.locator('#clauses tr[data-clause="6.4.count"]')
    expect(count.locator("td").first).to_have_text("不通过")
    expect(count).to_contain_text("27")
    expect(count).to_contain_text("≥ 30")
    expect(count).to_contain_text("3 家")
    expect(page.locator("#fix-first")).to_contain_text("需再增加 3 家在孵企业")
    count.locator("summary").click()  # the clause opens to its legal text
    expect(count.locator(".legal")).to_contain_text("法条原文")
    _shot(page, "report")

    # the language switch
    page.click("#lang-switch")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#verdict")).to_have_text("Verdict: FAIL")
    expect(page.locator('#clauses tr[data-clause="6.4.count"]')).to_contain_text("3 tenants")
    _shot(page, "report-en")
    page.click("#lang-switch")
    expect(page.locator("#verdict")).to_have_text("结论：不通过")

    # the downloads
    for label, suffix in (("Excel 报告", ".xlsx"), ("网页报告（可打印）", ".html"), ("JSON", ".json")):
        with page.expect_download() as info:
            page.get_by_role("link", name=label, exact=True).click()
        target = tmp_path / ("report" + suffix)
        info.value.save_as(target)
        assert info.value.suggested_filename.startswith("standard-fail-tenants-检查结果")
        if suffix == ".json":
            assert json.loads(target.read_text("utf-8"))["verdict"] == "FAIL"
        if suffix == ".xlsx":
            assert openpyxl.load_workbook(target).sheetnames[0] == "结论"

    # printed to PDF: A4, page numbers, the clause titles in its text
    page.emulate_media(media="print")
    pdf = tmp_path / "report.pdf"
    page.pdf(path=str(pdf), format="A4", prefer_css_page_size=True)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert 1 <= pages <= 6
    assert "(A4)" in info
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    for title in ("孵化场地面积", "在孵企业数量", "上年度新注册在孵企业占比", "毕业企业占比"):
        assert title in text, title
    assert re.search(rf"\b1\s*/\s*{pages}\b", text) and re.search(rf"\b{pages}\s*/\s*{pages}\b", text)  # page numbers
    assert "结论：不通过" in text


def test_zip_of_a_folder(page, server, folder_zip, tmp_path):
    page.goto(server + "/?lang=zh")
    page.set_input_files("#files", str(folder_zip))
    page.click("#submit")
    expect(page.locator("h1")).to_have_text("批量检查")
    progress = page.locator("#progress")
    if progress.count():  # the progress bar while it works (it may be done already on a fast machine)
        assert int(progress.get_attribute("max")) == 45
        _shot(page, "batch-progress")
    expect(page.locator("#summary")).to_be_visible(timeout=120_000)
    rows = page.locator("#summary tbody tr")
    assert rows.count() == 45
    expect(page.locator("#counts")).to_contain_text("共 45 份")
    expect(page.locator("#cross")).to_contain_text("在孵企业重复申报")  # the kind in words, not its code
    expect(page.locator("#cross")).not_to_contain_text("tenant-in-several-submissions")
    expect(page.locator('#summary tr[data-verdict="ERROR"]')).to_contain_text("broken-not-a-workbook.xlsx")
    _shot(page, "batch", full=False)

    with page.expect_download() as info:
        page.click("#dl-summary")
    summary = tmp_path / "summary.xlsx"
    info.value.save_as(summary)
    book = openpyxl.load_workbook(summary)
    assert book.sheetnames[:2] == ["汇总表", "建议推荐"] and book["汇总表"].max_row == 46
    with page.expect_download() as info:
        page.click("#dl-jsonl")
    lines = tmp_path / "reports.jsonl"
    info.value.save_as(lines)
    reports = [json.loads(line) for line in lines.read_text("utf-8").splitlines()]
    assert len(reports) == 45 and reports[0]["source"]["path"].startswith("申报材料/")

    # filter by verdict (a plain GET form: works without JavaScript too)
    page.select_option("select[name=verdict]", "ERROR")
    page.click(".filters button")
    assert page.locator("#summary tbody tr").count() == 1

    # a row opens its report
    page.get_by_role("link", name="查看报告").first.click()
    expect(page.locator("#verdict")).to_contain_text("结论：")
    page.click("#lang-switch")
    expect(page.locator("text=Back to the summary")).to_be_visible()


def test_a_pdf_and_a_csv_chosen_with_the_workbooks_are_error_rows(page, server, tmp_path):
    """Several files chosen at once, two of them not workbooks: each is its own ERROR row saying what it is and what
    to do, and the count is every file chosen (as `batch` counts a folder's entries)."""
    chosen = [FIXTURES / "standard-pass.xlsx", FIXTURES / "standard-fail-area.xlsx"]
    (tmp_path / "营业执照.pdf").write_bytes(b"%PDF-1.4\n% a scan\n")
    (tmp_path / "在孵企业.csv").write_text("企业名称,统一社会信用代码\n甲公司,91330100MA2XXXXX0X\n", encoding="utf-8")
    page.goto(server + "/?lang=zh")
    page.set_input_files("#files", [str(p) for p in chosen] + [str(tmp_path / "营业执照.pdf"), str(tmp_path / "在孵企业.csv")])
    page.click("#submit")
    expect(page.locator("#summary")).to_be_visible(timeout=120_000)
    expect(page.locator("#counts")).to_contain_text("共 4 份")
    errors = page.locator('#summary tr[data-verdict="ERROR"]')
    assert errors.count() == 2
    expect(errors.filter(has_text="营业执照.pdf")).to_contain_text("看起来是PDF 文档")
    expect(errors.filter(has_text="在孵企业.csv")).to_contain_text("申报表模板")
    _shot(page, "batch-not-a-workbook", full=False)
    page.click("#lang-switch")
    expect(page.locator("#counts")).to_contain_text("4 in all")
    expect(page.locator('#summary tr[data-verdict="ERROR"]').filter(has_text="营业执照.pdf")).to_contain_text(
        "it looks like a PDF document")


def test_rules_pages(page, server):
    page.goto(server + "/rules")
    expect(page.locator("#rulesets")).to_contain_text("miit-2025-standard")
    _shot(page, "rules")
    page.get_by_role("link", name="miit-2025-standard", exact=True).click()
    expect(page.locator("#ruleset-clauses")).to_contain_text("6.4.new")
    _shot(page, "ruleset")
    page.get_by_role("link", name="6.4.new", exact=True).click()
    expect(page.locator("h1")).to_contain_text("6.4.new")
    assert page.locator("#legal-text").inner_text().strip()
    expect(page.locator("#conditions")).to_contain_text("≥ 20%")
    _shot(page, "clause")
    page.click("#lang-switch")
    expect(page.locator("#conditions")).to_contain_text("Relaxed")


def test_works_without_javascript(browser, server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(server + "/")
        page.set_input_files("#files", [str(FIXTURES / "standard-pass.xlsx"), str(FIXTURES / "standard-fail-area.xlsx")])
        page.click("#submit")
        expect(page.locator("#summary")).to_be_visible(timeout=60_000)  # the meta refresh reloads until it is done
        assert page.locator("#summary tbody tr").count() == 2
    finally:
        context.close()


EVIL_PAGE = """<!doctype html><meta charset=utf-8><meta name=referrer content=no-referrer>
<form id=f method=post action="{target}/check" enctype="multipart/form-data">
<input type=file name=files id=i><input name=lang value=en></form>
<script>
const dt = new DataTransfer();
dt.items.add(new File([new Uint8Array([80, 75, 3, 4])], "申报表.xlsx"));
document.getElementById("i").files = dt.files;
document.getElementById("f").submit();
</script>"""


@pytest.mark.parametrize("evil_host", ["evil.test", "127.0.0.1"], ids=["another-site", "another-localhost-port"])
def test_a_page_elsewhere_that_auto_posts_a_file_is_refused(server, browser, evil_host):
    """A page on another origin (a second name mapped to 127.0.0.1, or another port) submits a form with a file
    at load, hiding its referrer (so Chromium sends ``Origin: null``): the app refuses it, stores nothing."""
    import http.server
    import threading

    body = EVIL_PAGE.format(target=server).encode("utf-8")

    class Evil(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    evil = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Evil)
    threading.Thread(target=evil.serve_forever, daemon=True).start()
    try:
        mapped = browser.browser_type.launch(executable_path=CHROMIUM, headless=True,
                                             args=ARGS + ["--host-resolver-rules=MAP evil.test 127.0.0.1"])
        try:
            page = mapped.new_page()
            answers = []
            page.on("response", lambda r: answers.append((r.url, r.status)) if r.url.startswith(server) else None)
            page.goto(f"http://{evil_host}:{evil.server_address[1]}/")
            page.wait_for_url(f"{server}/check*", timeout=15000)
            page.wait_for_load_state()
            text = page.content()
        finally:
            mapped.close()
    finally:
        evil.shutdown()
    assert answers and answers[0][1] == 400, answers
    assert "请求来自其他网站" in text  # the refusal page (in the default language: a refusal reads no form)
