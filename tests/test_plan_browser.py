"""The plan box and the what-if on the report page, in a real browser (Playwright, Debian's chromium): change a
figure, see the verdict change — with the page's script (judged as the field changes) and without it (the form)."""

from __future__ import annotations

import pytest

pytest.importorskip("playwright.sync_api")

from test_web_browser import ARGS, CHROMIUM, FIXTURES, _shot, server  # noqa: E402,F401 - the same served app
from playwright.sync_api import expect, sync_playwright  # noqa: E402


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


def _report(page, server) -> None:
    page.goto(server + "/?lang=zh")
    page.set_input_files("#files", str(FIXTURES / "standard-fail-tenants.xlsx"))
    page.click("#submit")
    expect(page.locator("#verdict")).to_have_text("结论：不通过")


def _to_pass(page) -> None:
    """The plan's figures: 3 tenants more, 2 of them new, 1 graduate more."""
    page.fill("#f-tenants", "30")
    page.fill("#f-attr_new_in_data_year", "6")
    page.fill("#f-attr_graduate", "3")


def test_the_plan_box_and_the_what_if_with_javascript(browser, server):
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        _report(page, server)
        expect(page.locator("#plan")).to_contain_text("新增在孵企业 3 家，其中上年度新注册 2 家；另需 1 家在孵企业毕业")
        expect(page.locator('#plan tr[data-clause="6.4.count"]')).to_contain_text("通过 30")
        _shot(page, "plan", full=False)
        page.click("#what-if-link")
        expect(page.locator("#whatif-verdict")).to_contain_text("不通过")
        _to_pass(page)
        page.locator("#f-attr_graduate").blur()  # a change: the script judges it at once, no page load
        expect(page.locator("#whatif-verdict")).to_contain_text("通过", timeout=20_000)
        expect(page.locator("#whatif-verdict")).not_to_contain_text("不通过")
        expect(page.locator('#whatif-clauses tr[data-clause="6.8"] td').first).to_have_text("通过")
        page.fill("#f-mentors", "2")  # 2 mentors for 30 tenants: 6.3.mentors fails
        page.locator("#f-mentors").blur()
        expect(page.locator('#whatif-clauses tr[data-clause="6.3.mentors"] td').first).to_have_text("不通过", timeout=20_000)
        expect(page.locator("#whatif-verdict")).to_contain_text("不通过")
        _shot(page, "what-if")
        assert not errors, errors  # a CSP violation shows here
    finally:
        context.close()


def test_the_what_if_without_javascript(browser, server):
    context = browser.new_context(java_script_enabled=False, locale="zh-CN")
    page = context.new_page()
    try:
        _report(page, server)
        page.click("#what-if-link")
        _to_pass(page)
        page.click("#whatif-run")  # the form, posted; the server answers with the page
        expect(page.locator("#whatif-verdict")).to_have_text("调整后的结论：通过")
        page.fill("#f-tenants", "abc")
        page.click("#whatif-run")
        expect(page.locator("#whatif-problem")).to_contain_text("abc")
    finally:
        context.close()


def test_the_what_if_shows_the_answer_to_the_latest_change_only(browser, server):
    """Answers may come back out of order: the first change's answer (3 tenants more, still 不通过) is held back
    until the last change's (通过) is shown; when it then arrives it must not overwrite the newer verdict."""
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    held = []

    def hold_the_first(route):
        if route.request.method == "POST" and not held:
            held.append(route)  # answered below, after the later changes' answers
            return
        route.continue_()

    try:
        _report(page, server)
        page.click("#what-if-link")
        expect(page.locator("#whatif-verdict")).to_contain_text("不通过")
        page.route("**/what-if**", hold_the_first)
        page.fill("#f-tenants", "30")
        page.locator("#f-tenants").blur()  # the first change: its answer is held
        page.fill("#f-attr_new_in_data_year", "6")
        page.locator("#f-attr_new_in_data_year").blur()
        page.fill("#f-attr_graduate", "3")
        page.locator("#f-attr_graduate").blur()
        expect(page.locator("#whatif-verdict")).not_to_contain_text("不通过", timeout=20_000)
        assert held, "the first change was never sent"
        with page.expect_response(lambda r: r.request.method == "POST" and "what-if" in r.url):
            held[0].continue_()
        page.wait_for_timeout(300)  # the script has had the stale answer
        expect(page.locator("#whatif-verdict")).not_to_contain_text("不通过")
        expect(page.locator('#whatif-clauses tr[data-clause="6.8"] td').first).to_have_text("通过")
    finally:
        context.close()
