"""The web app (spec/web.md) through Flask's test client: every route, bad input, limits, Host check, CSP,
escaping of applicant text, a hostile upload followed by a good one, and 10 concurrent checks."""

from __future__ import annotations

import concurrent.futures as cf
import io
import json
import os
import re
import time
import uuid
import zipfile
from pathlib import Path

import openpyxl
import pytest

from conftest import build_workbook
from incubator_check.web import UploadLimits, create_app

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
MULTIPART = "multipart/form-data"


@pytest.fixture(scope="module")
def app():
    app = create_app({"JOBS": 2})
    yield app
    app.extensions["incubator_check"].close()


@pytest.fixture
def client(app):
    return app.test_client()


def _file(name: str, upload_as: str | None = None):
    return (io.BytesIO((FIXTURES / name).read_bytes()), upload_as or name)


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def _folder_zip(*names: str, folder: str = "申报材料/") -> bytes:
    return _zip({folder + n: (FIXTURES / n).read_bytes() for n in names})


def _wait(client, location: str) -> str:
    token = location.split("/")[2].split("?")[0]
    for _ in range(300):
        progress = client.get(f"/b/{token}/progress.json").get_json()
        if progress["finished"]:
            return token
        time.sleep(0.05)
    raise AssertionError("batch did not finish")


# --- pages ------------------------------------------------------------------------------------------


def test_start_page_in_chinese_by_default_and_in_english(client):
    page = client.get("/").get_data(as_text=True)
    assert 'lang="zh-CN"' in page and "开始检查" in page and "工信部科〔2025〕131号" in page
    assert 'name="files"' in page and 'enctype="multipart/form-data"' in page  # a plain form: works without JavaScript
    assert "miit-2025-standard" in page and "shenzhen-2025" in page
    assert "/template.xlsx?level=" in page
    assert 'href="/?lang=en"' in page  # the language switch
    en = client.get("/?lang=en").get_data(as_text=True)
    assert 'lang="en"' in en and ">Check<" in en and "开始检查" not in en


def test_every_page_has_a_language_switch_and_no_external_resource(client):
    for url in ("/", "/rules", "/rules/miit-2025-standard", "/rules/miit-2025-standard/6.4.new"):
        page = client.get(url).get_data(as_text=True)
        assert 'id="lang-switch"' in page, url
        assert not re.search(r'(src|href)="(https?:)?//', page), url


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.data == b"ok"


def test_rules_pages(client):
    page = client.get("/rules").get_data(as_text=True)
    assert "miit-2025-standard" in page and "miit-2025-excellence" in page
    page = client.get("/rules/miit-2025-standard").get_data(as_text=True)
    assert "6.4.new" in page and "≥ 20%" in page and "17%" in page  # normal and relaxed (× 0.85)
    page = client.get("/rules/miit-2025-standard/6.4.new?lang=en").get_data(as_text=True)
    assert "Legal text" in page and "第六条" in page
    assert client.get("/rules/no-such").status_code == 404
    assert client.get("/rules/miit-2025-standard/9.99").status_code == 404
    assert client.get("/rules/miit-2025-standard.yaml").status_code == 404  # an id, never a path
    assert client.get("/rules/..%2F..%2Fetc%2Fpasswd").status_code == 404


def test_blank_templates(client):
    for level in ("标准级", "卓越级"):
        response = client.get("/template.xlsx", query_string={"level": level})
        assert response.status_code == 200
        assert "attachment" in response.headers["Content-Disposition"]
        book = openpyxl.load_workbook(io.BytesIO(response.data))
        assert "基本信息" in book.sheetnames
    assert client.get("/template.xlsx?level=x").status_code == 400


def test_every_bundled_ruleset_s_blank_workbook_is_offered_a_province_s_with_its_own_fields(client):
    rules = client.get("/rules?lang=zh").get_data(as_text=True)
    for rid in ("miit-2025-standard", "miit-2025-excellence", "shenzhen-2025"):
        assert f'/template.xlsx?ruleset={rid}&amp;lang=zh' in rules  # the rules page lists each ruleset's workbook
    start = client.get("/?lang=zh").get_data(as_text=True)
    assert "/template.xlsx?ruleset=shenzhen-2025&amp;lang=zh" in start and "空白申报表（深圳市" in start
    response = client.get("/template.xlsx", query_string={"ruleset": "shenzhen-2025"})
    assert response.status_code == 200 and "shenzhen-2025.xlsx" in response.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    labels = [c.value for c in book["基本信息"]["A"]]
    assert "运营团队人数（人）" in labels and "是否实际运营满1年" in labels  # Shenzhen's declared fields
    assert book["基本信息"]["B" + str(labels.index("申报级别") + 1)].value == "市孵化器"
    ministry = openpyxl.load_workbook(io.BytesIO(client.get("/template.xlsx?level=标准级").data))
    assert "运营团队人数（人）" not in [c.value for c in ministry["基本信息"]["A"]]
    for bad in ("no-such", "../rulesets/shenzhen-2025.yaml", "/etc/passwd"):
        assert client.get("/template.xlsx", query_string={"ruleset": bad}).status_code == 400


def test_api_rulesets(client):
    data = client.get("/api/rulesets").get_json()
    ids = [r["id"] for r in data["rulesets"]]
    assert "miit-2025-standard" in ids
    standard = next(r for r in data["rulesets"] if r["id"] == "miit-2025-standard")
    clause = next(c for c in standard["clauses"] if c["id"] == "6.2")
    assert clause["conditions"][0]["threshold"] == "5000" and clause["conditions"][0]["relaxed_threshold"] == "4250"


# --- one workbook -----------------------------------------------------------------------------------


def test_one_workbook_gives_its_report_page(client, app):
    response = client.post("/check", data={"files": _file("standard-fail-tenants.xlsx", "申报表.xlsx"), "lang": "zh"},
                           content_type=MULTIPART)
    assert response.status_code == 303
    location = response.headers["Location"]
    assert re.fullmatch(r"/r/[A-Za-z0-9_-]{43}\?lang=zh", location)
    page = client.get(location).get_data(as_text=True)
    assert "结论：不通过" in page and "申报表.xlsx" in page and "请先处理" in page
    assert "需再增加 3 家在孵企业" in page
    rows = re.findall(r'data-clause="([^"]+)" data-status="([A-Z]+)"', page)
    assert ("6.4.count", "FAIL") in rows and ("6.2", "PASS") in rows and len(rows) >= 15
    assert "in-0000" not in page  # the generated name never shows
    en = client.get(location.replace("lang=zh", "lang=en")).get_data(as_text=True)
    assert "Verdict: FAIL" in en
    assert "Number of tenants" in en or "tenants" in en
    assert "需再增加" not in en  # checked in both languages: the English page is English throughout
    # the upload itself is gone; only results remain in the private folder
    private = app.config["INCUBATOR_CHECK_TEMP"]
    assert not [d for d in os.listdir(private) if d.startswith("up-")]


def test_report_downloads(client):
    location = client.post("/check", data={"files": _file("standard-pass.xlsx")}, content_type=MULTIPART).headers["Location"]
    base = location.split("?")[0]
    data = client.get(base + "/report.json").get_json()
    assert data["verdict"] == "PASS" and data["source"]["path"] == "standard-pass.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(client.get(base + "/report.xlsx").data))
    assert book.sheetnames[0] == "结论"
    html = client.get(base + "/report.html?lang=en")
    text = html.get_data(as_text=True)
    assert "attachment" in html.headers["Content-Disposition"]
    assert "<script" not in text and "http" not in text.split("</style>")[0]  # self-contained
    assert "Verdict" in text and "@page" in text and "counter(page)" in text
    assert client.get(base + "/report.exe").status_code == 404


def test_api_check(client):
    response = client.post("/api/check", data={"file": _file("standard-fail-area.xlsx", "甲.xlsx"), "lang": "en"},
                           content_type=MULTIPART)
    assert response.status_code == 200 and response.mimetype == "application/json"
    data = response.get_json()
    assert data["schema"] == "incubator-check/report/v1" and data["verdict"] == "FAIL"
    assert data["source"]["path"] == "甲.xlsx" and data["lang"] == "en"
    assert any(c["id"] == "6.2" and c["status"] == "FAIL" for c in data["clauses"])


def test_api_check_unreadable_workbook_is_200_error(client):
    response = client.post("/api/check", data={"file": _file("broken-not-a-workbook.xlsx")}, content_type=MULTIPART)
    assert response.status_code == 200
    data = response.get_json()
    assert data["verdict"] == "ERROR" and data["error"]["code"]
    assert data["source"]["path"] == "broken-not-a-workbook.xlsx"


def test_api_check_options(client):
    data = client.post("/api/check", data={"file": _file("standard-pass.xlsx"), "ruleset": "shenzhen-2025",
                                           "as_of": "2026-05-01"}, content_type=MULTIPART).get_json()
    assert data["ruleset"]["id"] == "shenzhen-2025"


@pytest.mark.parametrize("form, code", [
    ({}, "no-file"),
    ({"file": (io.BytesIO(b"x"), "")}, "no-file"),
    ({"file": (io.BytesIO(b"x"), "notes.txt")}, "not-a-workbook"),
    ({"file": (io.BytesIO(b"x"), "folder.zip")}, "not-a-workbook"),
    ({"file": _file("standard-pass.xlsx"), "ruleset": "../../etc/passwd"}, "unknown-ruleset"),
    ({"file": _file("standard-pass.xlsx"), "ruleset": "rulesets/miit-2025-standard.yaml"}, "unknown-ruleset"),
    ({"file": _file("standard-pass.xlsx"), "as_of": "2026-13-40"}, "bad-date"),
    ({"file": _file("standard-pass.xlsx"), "lang": "fr"}, "bad-lang"),
])
def test_api_bad_requests_are_400_with_the_error_shape(client, form, code):
    response = client.post("/api/check", data=form, content_type=MULTIPART)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == code and error["message_zh"] and error["message_en"]


def test_api_check_takes_one_file(client):
    response = client.post("/api/check", data={"file": [_file("standard-pass.xlsx"), _file("standard-pass.xls")]},
                           content_type=MULTIPART)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "one-file"


def test_bad_request_on_a_page_is_a_page(client):
    response = client.post("/check", data={"files": (io.BytesIO(b"x"), "说明.docx")}, content_type=MULTIPART)
    assert response.status_code == 400 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "说明.docx" in page and "不是申报表" in page


def test_unknown_or_expired_result_is_404(client):
    assert client.get("/r/" + "A" * 43).status_code == 404
    assert client.get("/b/" + "A" * 43).status_code == 404
    assert client.get("/r/../../etc/passwd").status_code == 404
    assert client.get("/api/nothing").get_json()["error"]["code"] == "not-found"
    assert client.get("/check").status_code == 405


def test_results_expire_on_time_without_traffic():
    app = create_app({"KEEP_SECONDS": 1, "JOBS": 1})
    try:
        client = app.test_client()
        location = client.post("/check", data={"files": _file("standard-pass.xlsx")}, content_type=MULTIPART).headers["Location"]
        assert client.get(location).status_code == 200
        private = app.config["INCUBATOR_CHECK_TEMP"]
        assert [d for d in os.listdir(private) if d.startswith("res-")]
        time.sleep(2.5)  # no request meanwhile: the expiry timer alone removes the result
        assert not [d for d in os.listdir(private) if d.startswith("res-")]
        assert client.get(location).status_code == 404
    finally:
        app.extensions["incubator_check"].close()
    assert not os.path.exists(app.config["INCUBATOR_CHECK_TEMP"])  # nothing left behind


# --- batches ----------------------------------------------------------------------------------------


def test_zip_of_a_folder_gives_the_batch_page(client):
    archive = _folder_zip("standard-pass.xlsx", "standard-fail-area.xlsx", "duplicate-a.xlsx", "duplicate-b.xlsx",
                          "broken-not-a-workbook.xlsx", "excellence-pass.xlsx")
    archive_with_junk = _zip({**{i.filename: zipfile.ZipFile(io.BytesIO(archive)).read(i) for i in zipfile.ZipFile(io.BytesIO(archive)).infolist()},
                              "申报材料/说明.docx": b"x", "__MACOSX/._a.xlsx": b"x", "申报材料/~$lock.xlsx": b"x"})
    response = client.post("/check", data={"files": (io.BytesIO(archive_with_junk), "申报材料.zip")}, content_type=MULTIPART)
    assert response.status_code == 303 and response.headers["Location"].startswith("/b/")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<progress" in page or "summary" in page
    token = _wait(client, response.headers["Location"])
    page = client.get(f"/b/{token}").get_data(as_text=True)
    rows = re.findall(r'<tr data-verdict="([A-Z]+)">', page)
    assert len(rows) == 6 and "ERROR" in rows and "PASS" in rows
    files = re.findall(r'<td class="num">\d+</td><td class="file">([^<]+)</td>', page)
    assert files == sorted(files) and files[0].startswith("申报材料/")
    assert "说明.docx" in page  # shown as not checked
    cross_table = page[page.index('<table id="cross">'):]
    cross_table = cross_table[:cross_table.index("</table>")]
    # the kind in words, as the terminal and the workbook say it, not the finding's code
    assert "在孵企业重复申报" in cross_table and "tenant-in-several-submissions" not in cross_table
    assert "duplicate-a.xlsx" in page
    # the round's documents as printable HTML, one file each, the same as batch --round-html writes
    assert f'href="/b/{token}/round.zip?lang=zh"' in page
    printable = zipfile.ZipFile(io.BytesIO(client.get(f"/b/{token}/round.zip").data))
    assert sorted(printable.namelist()) == sorted(["汇总表.html", "建议推荐.html", "公示名单.html", "原国家级初核.html",
                                                   "卓越级推荐名额.html"])
    summary_page = printable.read("汇总表.html").decode("utf-8")
    assert summary_page.count("<tr>") == 1 + 6 and "thead { display: table-header-group; }" in summary_page
    english = zipfile.ZipFile(io.BytesIO(client.get(f"/b/{token}/round.zip?lang=en").data))
    assert "Public notice.html" in english.namelist()
    assert "卓越级推荐名额" in page
    only_fail = client.get(f"/b/{token}?verdict=FAIL").get_data(as_text=True)
    assert set(re.findall(r'<tr data-verdict="([A-Z]+)">', only_fail)) == {"FAIL"}
    by_clause = client.get(f"/b/{token}?clause=6.2").get_data(as_text=True)
    assert len(re.findall(r'<tr data-verdict=', by_clause)) == 1
    by_verdict = client.get(f"/b/{token}?sort=verdict").get_data(as_text=True)
    assert re.findall(r'<tr data-verdict="([A-Z]+)">', by_verdict)[0] == "FAIL"
    summary = openpyxl.load_workbook(io.BytesIO(client.get(f"/b/{token}/summary.xlsx").data))
    assert summary.sheetnames[0] == "汇总表" and summary["汇总表"].max_row == 7
    assert openpyxl.load_workbook(io.BytesIO(client.get(f"/b/{token}/summary.xlsx?lang=en").data)).sheetnames[0] == "Summary"
    lines = client.get(f"/b/{token}/reports.jsonl").data.decode().splitlines()
    assert len(lines) == 6 and all(json.loads(line)["source"]["path"].startswith("申报材料/") for line in lines)
    assert b"in-0000" not in "\n".join(lines).encode()
    report = client.get(f"/b/{token}/0?lang=en").get_data(as_text=True)
    assert "Back to the summary" in report and "Verdict" in report
    assert client.get(f"/b/{token}/0/report.json").get_json()["source"]["path"] == files[0]
    assert client.get(f"/b/{token}/0/report.xlsx").status_code == 200
    assert client.get(f"/b/{token}/99").status_code == 404


def test_several_files_give_the_batch_page(client):
    response = client.post("/check", data={"files": [_file("standard-pass.xlsx"), _file("standard-fail-area.xlsx")]},
                           content_type=MULTIPART)
    assert response.status_code == 303 and response.headers["Location"].startswith("/b/")
    token = _wait(client, response.headers["Location"])
    assert len(client.get(f"/b/{token}/reports.jsonl").data.splitlines()) == 2


def test_api_batch(client):
    response = client.post("/api/batch", data={"files": [_file("standard-pass.xlsx", "b.xlsx"), _file("standard-fail-area.xlsx", "a.xlsx"),
                                                         _file("broken-values.xlsx", "c.xlsx")], "lang": "en"},
                           content_type=MULTIPART)
    assert response.status_code == 200 and response.mimetype == "application/x-ndjson"
    reports = [json.loads(line) for line in response.data.decode().splitlines()]
    assert [r["source"]["path"] for r in reports] == ["a.xlsx", "b.xlsx", "c.xlsx"]  # file-name order
    assert [r["verdict"] for r in reports][:2] == ["FAIL", "PASS"]
    zipped = client.post("/api/batch", data={"file": (io.BytesIO(_folder_zip("duplicate-a.xlsx", "duplicate-b.xlsx")), "x.zip")},
                         content_type=MULTIPART)
    reports = [json.loads(line) for line in zipped.data.decode().splitlines()]
    cross = [f for f in reports[0]["findings"] if f["code"] == "tenant-in-several-submissions"]
    assert cross and cross[0]["others"] == ["申报材料/duplicate-b.xlsx"]


# --- limits -----------------------------------------------------------------------------------------


@pytest.fixture
def small(tmp_path):
    limits = UploadLimits(file_bytes=200_000, files=3, zip_bytes=400_000, zip_members=5, zip_inflated=600_000)
    app = create_app({"UPLOAD_LIMITS": limits, "MAX_CONTENT_LENGTH": 2_000_000, "JOBS": 1})
    yield app.test_client()
    app.extensions["incubator_check"].close()


def _code(response) -> tuple[int, str]:
    return response.status_code, response.get_json()["error"]["code"]


def test_limit_file_size(small):
    big = (io.BytesIO(b"PK" + b"\0" * 300_000), "big.xlsx")
    assert small.post("/api/check", data={"file": big}, content_type=MULTIPART).status_code == 413
    page = small.post("/check", data={"files": (io.BytesIO(b"\0" * 300_000), "big.xlsx")}, content_type=MULTIPART)
    assert page.status_code == 413 and "MiB" in page.get_data(as_text=True)


def test_a_file_past_the_size_limit_among_several_is_its_own_error_row(small):
    big = (io.BytesIO(b"PK" + b"\0" * 300_000), "扫描件/大文件.xlsx")
    response = small.post("/api/batch", data={"files": [_file("standard-pass.xlsx"), big]}, content_type=MULTIPART)
    assert response.status_code == 200
    reports = {json.loads(x)["source"]["path"]: json.loads(x) for x in response.data.decode().splitlines()}
    assert reports["standard-pass.xlsx"]["verdict"] == "PASS"  # the others are checked
    refused = reports["扫描件/大文件.xlsx"]
    assert refused["verdict"] == "ERROR" and refused["error"]["code"] == "file-too-large"
    assert "大文件.xlsx" in refused["error"]["message_zh"] and "1 MiB" in refused["error"]["message_en"]
    assert "in-0000" not in response.data.decode()
    # the people's page: the same row, saying why
    page = small.post("/check", data={"files": [_file("standard-pass.xlsx"), (io.BytesIO(b"\0" * 300_000), "大文件.xlsx")]},
                      content_type=MULTIPART)
    token = _wait(small, page.headers["Location"])
    summary = small.get(f"/b/{token}").get_data(as_text=True)
    row = re.search(r'<tr data-verdict="ERROR">.*?</tr>', summary, re.S)
    assert row and "大文件.xlsx" in row.group(0) and "超过上限" in row.group(0)
    assert "in-0000" not in summary


def test_a_zip_member_past_the_size_limit_is_its_own_error_row(small):
    archive = _zip({"申报材料/a.xlsx": (FIXTURES / "standard-pass.xlsx").read_bytes(), "申报材料/b.xlsx": b"\0" * 250_000})
    response = small.post("/api/batch", data={"file": (io.BytesIO(archive), "a.zip")}, content_type=MULTIPART)
    assert response.status_code == 200
    reports = [json.loads(x) for x in response.data.decode().splitlines()]
    assert [(r["source"]["path"], r["verdict"]) for r in reports] == [("申报材料/a.xlsx", "PASS"), ("申报材料/b.xlsx", "ERROR")]
    assert reports[1]["error"]["code"] == "file-too-large"


def test_limit_request_size(small):
    response = small.post("/api/batch", data={"files": [(io.BytesIO(b"\0" * 190_000), f"{i}.xlsx") for i in range(12)]},
                          content_type=MULTIPART)
    assert response.status_code == 413


@pytest.mark.parametrize("path", ["/check", "/check?lang=en", "/api/check", "/api/batch"])
def test_an_oversize_request_is_413_in_both_languages_on_every_route(small, path):
    files = [(io.BytesIO(b"\0" * 190_000), f"{i}.xlsx") for i in range(12)]
    response = small.post(path, data={"files": files, "file": files[0]}, content_type=MULTIPART)
    assert response.status_code == 413
    text = response.get_data(as_text=True)
    if path.startswith("/api/"):
        error = response.get_json()["error"]
        assert error["code"] == "too-large" and "过大" in error["message_zh"] and "too large" in error["message_en"]
    else:
        assert ("too large" in text) if "lang=en" in path else ("过大" in text)


def test_limit_files_per_request(small):
    files = [_file("standard-pass.xlsx", f"{i}.xlsx") for i in range(4)]
    assert _code(small.post("/api/batch", data={"files": files}, content_type=MULTIPART)) == (413, "too-many-files")


def test_limit_zip_members(small):
    archive = _zip({f"d/{i}.txt": b"x" for i in range(6)})
    assert _code(small.post("/api/batch", data={"file": (io.BytesIO(archive), "a.zip")}, content_type=MULTIPART)) == (413, "zip-too-many-members")


def test_limit_zip_inflated_size(small):
    archive = _zip({"a.xlsx": b"\0" * 150_000, "b.xlsx": b"\0" * 150_000, "c.xlsx": b"\0" * 150_000, "d.xlsx": b"\0" * 190_000})
    assert len(archive) < 10_000
    assert _code(small.post("/api/batch", data={"file": (io.BytesIO(archive), "a.zip")}, content_type=MULTIPART))[0] == 413


def test_limit_zip_member_larger_than_a_file(small):
    archive = _zip({"a.xlsx": b"\0" * 250_000})
    assert _code(small.post("/api/batch", data={"file": (io.BytesIO(archive), "a.zip")}, content_type=MULTIPART)) == (413, "file-too-large")


def test_zip_member_lying_about_its_size_is_stopped_while_inflating(small):
    archive = bytearray(_zip({"a.xlsx": b"\0" * 250_000}))
    # the central directory and the local header both claim 1,000 bytes: the copy counts what it inflates
    for sig in (b"PK\x01\x02", b"PK\x03\x04"):
        at = archive.find(sig)
        offset = at + (24 if sig == b"PK\x01\x02" else 22)
        archive[offset:offset + 4] = (1000).to_bytes(4, "little")
    status, code = _code(small.post("/api/batch", data={"file": (io.BytesIO(bytes(archive)), "a.zip")}, content_type=MULTIPART))
    assert status in (400, 413) and code in ("file-too-large", "zip-corrupt")


@pytest.mark.parametrize("members, code", [
    ({"申报材料/inner.zip": b"PK"}, "zip-nested"),
    ({"申报材料/inner.7z": b"x"}, "zip-nested"),
    ({"../evil.xlsx": b"x"}, "zip-traversal"),
    ({"a/../../evil.xlsx": b"x"}, "zip-traversal"),
    ({"/etc/evil.xlsx": b"x"}, "zip-traversal"),
    ({"C:/evil.xlsx": b"x"}, "zip-traversal"),
    ({"readme.txt": b"x"}, "no-workbook"),
])
def test_zip_refusals(small, members, code):
    response = small.post("/api/batch", data={"file": (io.BytesIO(_zip(members)), "a.zip")}, content_type=MULTIPART)
    assert _code(response) == (400, code)


def test_corrupt_zip(small):
    response = small.post("/api/batch", data={"file": (io.BytesIO(b"PK\x03\x04 not really"), "a.zip")}, content_type=MULTIPART)
    assert _code(response) == (400, "zip-corrupt")


def test_zip_with_gbk_names(client):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        info = zipfile.ZipInfo("申报.xlsx")
        data = (FIXTURES / "standard-pass.xlsx").read_bytes()
        z.writestr(info, data)
    raw = bytearray(buf.getvalue())
    utf8 = "申报.xlsx".encode("utf-8")
    # a zip written by Chinese Windows: GBK names, no UTF-8 flag (rewrite both headers' names and flags)
    raw = bytes(raw).replace(utf8, "申报".encode("gbk") + b"__.xlsx")
    raw = bytearray(raw)
    for at, flag_at in ((0, 6), (raw.rfind(b"PK\x01\x02"), 8)):  # the outer zip's own headers, not the workbook's
        raw[at + flag_at:at + flag_at + 2] = (int.from_bytes(raw[at + flag_at:at + flag_at + 2], "little") & ~0x800).to_bytes(2, "little")
    response = client.post("/api/batch", data={"file": (io.BytesIO(bytes(raw)), "a.zip")}, content_type=MULTIPART)
    assert json.loads(response.data.decode().splitlines()[0])["source"]["path"] == "申报__.xlsx"


# --- safety -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8765", "127.0.0.1.evil.example", "localhost.evil.example"])
def test_host_check_refuses_other_names(client, host):
    assert client.get("/", headers={"Host": host}).status_code == 400
    response = client.post("/api/check", data={"file": _file("standard-pass.xlsx")}, content_type=MULTIPART, headers={"Host": host})
    assert _code(response) == (400, "bad-host")


@pytest.mark.parametrize("host", ["127.0.0.1:8765", "localhost", "localhost:8765", "[::1]:8765"])
def test_host_check_accepts_own_names(client, host):
    assert client.get("/healthz", headers={"Host": host}).status_code == 200


def test_other_sites_cannot_post(client):
    response = client.post("/api/check", data={"file": _file("standard-pass.xlsx")}, content_type=MULTIPART,
                           headers={"Origin": "https://evil.example"})
    assert _code(response) == (400, "bad-origin")
    same = client.post("/api/check", data={"file": _file("standard-pass.xlsx")}, content_type=MULTIPART,
                       headers={"Origin": "http://localhost"})
    assert same.status_code == 200


FORGED = [
    {"Origin": "null"},  # a page with <meta name=referrer content=no-referrer>, a sandboxed frame
    {"Origin": "http://localhost:8080"},  # another program's page on this computer, another port
    {"Origin": "http://127.0.0.1"},  # the same port, another name: another origin
    {"Origin": "https://localhost"},  # another scheme
    {"Origin": "http://localhost.evil.example"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},  # localhost:8080 is the same site as localhost:80
    {"Origin": "http://localhost", "Sec-Fetch-Site": "cross-site"},
]


@pytest.mark.parametrize("path", ["/check", "/api/check", "/api/batch"])
@pytest.mark.parametrize("headers", FORGED, ids=lambda h: ",".join(f"{k}={v}" for k, v in h.items()))
def test_forged_requests_are_refused_before_anything_is_stored(app, client, path, headers):
    private = app.config["INCUBATOR_CHECK_TEMP"]
    before = set(os.listdir(private))
    response = client.post(path, data={"file": _file("standard-pass.xlsx"), "files": _file("standard-pass.xlsx")},
                           content_type=MULTIPART, headers=headers)
    assert response.status_code == 400
    assert "bad-origin" in response.get_data(as_text=True)
    assert set(os.listdir(private)) <= before


@pytest.mark.parametrize("headers", [{}, {"Origin": "http://localhost"}, {"Origin": "http://LOCALHOST:80"},
                                     {"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"}],
                         ids=["curl", "own-origin", "own-origin-spelled-out", "browser-same-origin"])
def test_own_pages_and_programs_may_post(client, headers):
    response = client.post("/api/check", data={"file": _file("standard-pass.xlsx")}, content_type=MULTIPART, headers=headers)
    assert response.status_code == 200 and response.get_json()["verdict"] == "PASS"


def test_the_own_origin_is_the_servers_port(app):
    client = app.test_client()
    headers = {"Host": "127.0.0.1:8765"}
    ok = client.post("/api/check", data={"file": _file("standard-pass.xlsx")}, content_type=MULTIPART,
                     headers={**headers, "Origin": "http://127.0.0.1:8765"})
    assert ok.status_code == 200
    other = client.post("/api/check", data={"file": _file("standard-pass.xlsx")}, content_type=MULTIPART,
                        headers={**headers, "Origin": "http://127.0.0.1:8766"})
    assert _code(other) == (400, "bad-origin")


def test_content_security_policy_on_every_response(client):
    for url in ("/", "/rules", "/healthz", "/api/rulesets", "/static/app.js", "/nope"):
        response = client.get(url)
        policy = response.headers["Content-Security-Policy"]
        assert "default-src 'none'" in policy and "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy and "http" not in policy
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    response = client.get("/")
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    page = response.get_data(as_text=True)
    assert f'<style nonce="{nonce}">' in page
    assert not re.search(r"<script(?![^>]*\ssrc=)", page)  # no inline script at all
    assert " on" not in re.sub(r'"[^"]*"', '""', page).lower().replace("one", "")  # no inline event handlers


HOSTILE = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def hostile_workbook(tmp_path_factory):
    path = tmp_path_factory.mktemp("web") / "hostile.xlsx"
    return build_workbook(path, profile={"incubator_name": '<img src=x onerror="alert(2)">孵化器'},
                          tenants=[{"name": HOSTILE + "有限公司", "registered_in_incubator": "否"}, {}, {}])


def test_applicant_text_is_escaped_everywhere(client, hostile_workbook):
    data = hostile_workbook.read_bytes()
    name = '<b onmouseover=alert(3)>申报.xlsx'
    location = client.post("/check", data={"files": (io.BytesIO(data), name)}, content_type=MULTIPART).headers["Location"]
    pages = [client.get(location).get_data(as_text=True), client.get(location.replace("zh", "en")).get_data(as_text=True),
             client.get(location.split("?")[0] + "/report.html").get_data(as_text=True)]
    token = _wait(client, client.post("/check", data={"files": [(io.BytesIO(data), name), _file("standard-pass.xlsx")]},
                                      content_type=MULTIPART).headers["Location"])
    pages += [client.get(f"/b/{token}").get_data(as_text=True), client.get(f"/b/{token}/0").get_data(as_text=True)]
    for page in pages:
        assert HOSTILE not in page and "<img src=x" not in page and "<b onmouseover" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page or "&lt;img src=x" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;有限公司" in pages[0]  # the tenant, in the findings or the exclusions
    # the download name carries no path and no quote
    disposition = client.get(location.split("?")[0] + "/report.json").headers["Content-Disposition"]
    assert "/" not in disposition.split("filename*=")[0] and '"x"' not in disposition


def test_hostile_upload_then_a_good_one(client, tmp_path):
    good = (FIXTURES / "standard-pass.xlsx").read_bytes()
    members = {i.filename: zipfile.ZipFile(io.BytesIO(good)).read(i) for i in zipfile.ZipFile(io.BytesIO(good)).infolist()}
    sheet = members["xl/worksheets/sheet1.xml"].decode()
    members["xl/worksheets/sheet1.xml"] = sheet.replace("</sheetData>", '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>').encode()
    far_cell = _zip(members)
    truncated = good[: len(good) // 2]
    for hostile in (far_cell, truncated, b"\xd0\xcf\x11\xe0" + b"\0" * 600, b""):
        response = client.post("/api/check", data={"file": (io.BytesIO(hostile), "crafted.xlsx")}, content_type=MULTIPART)
        assert response.status_code == 200 and response.get_json()["verdict"] == "ERROR"
        after = client.post("/api/check", data={"file": (io.BytesIO(good), "good.xlsx")}, content_type=MULTIPART)
        assert after.status_code == 200 and after.get_json()["verdict"] == "PASS"
    assert client.get("/healthz").status_code == 200


def test_ten_concurrent_checks(app):
    names = ["standard-pass.xlsx", "standard-fail-area.xlsx", "standard-fail-tenants.xlsx", "standard-incomplete.xlsx",
             "broken-not-a-workbook.xlsx"] * 2
    expected = {"standard-pass.xlsx": "PASS", "standard-fail-area.xlsx": "FAIL", "standard-fail-tenants.xlsx": "FAIL",
                "standard-incomplete.xlsx": "INCOMPLETE", "broken-not-a-workbook.xlsx": "ERROR"}

    def one(i: int):
        client = app.test_client()
        name = names[i]
        response = client.post("/api/check", data={"file": _file(name, f"{i}-{name}")}, content_type=MULTIPART)
        return name, i, response.status_code, response.get_json()

    with cf.ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(one, range(10)))
    for name, i, status, data in results:
        assert status == 200
        assert data["verdict"] == expected[name], (name, data.get("error"))
        assert data["source"]["path"] == f"{i}-{name}"


# --- check --format html and serve ------------------------------------------------------------------


def test_check_format_html_is_the_report_page_as_one_file(tmp_path):
    import subprocess
    import sys

    out = tmp_path / "检查结果.html"
    run = subprocess.run([sys.executable, "-m", "incubator_check", "check", str(FIXTURES / "standard-fail-tenants.xlsx"),
                          "--output", str(out)], capture_output=True, text=True)
    assert run.returncode == 1, run.stderr
    html = out.read_text("utf-8")
    assert "结论：不通过" in html and 'data-clause="6.4.count"' in html
    assert "<script" not in html and not re.search(r'(src|href)="(https?:)?//', html)
    assert "size: A4" in html and "counter(pages)" in html and "table-header-group" in html
    # The page on standard output is the same UTF-8 file (it declares its charset), not console text: a Chinese
    # Windows console's GBK would make `> report.html` a page the browser misreads.
    en = subprocess.run([sys.executable, "-m", "incubator_check", "check", str(FIXTURES / "standard-pass.xlsx"),
                         "--format", "html", "--lang", "en"], capture_output=True)
    page = en.stdout.decode("utf-8")
    assert en.returncode == 0 and "Verdict: PASS" in page and re.search(r'<meta charset="?utf-8', page, re.I)


def test_serve_options():
    from click.testing import CliRunner

    from incubator_check.web._serve import _duration, serve

    assert _duration("90m") == 5400 and _duration("2h") == 7200 and _duration("3600") == 3600
    result = CliRunner().invoke(serve, ["--keep", "soon", "--no-browser"])
    assert result.exit_code == 2
    result = CliRunner().invoke(serve, ["--port", "70000"])
    assert result.exit_code == 2


def _multipart(files: list[tuple[str, bytes]]) -> tuple[bytes, dict[str, str]]:
    boundary = uuid.uuid4().hex
    body = b"".join(f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n\r\n'.encode()
                    + data + b"\r\n" for name, data in files) + f"--{boundary}--\r\n".encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def test_serve_options_set_the_limits_and_win_over_the_environment(tmp_path):
    import http.client
    import subprocess
    import sys

    env = {**os.environ, "TMPDIR": os.fspath(tmp_path), "INCUBATOR_CHECK_JOBS": "1",
           "INCUBATOR_CHECK_MAX_FILES": "5", "INCUBATOR_CHECK_KEEP_SECONDS": "1800"}
    proc = subprocess.Popen([sys.executable, "-m", "incubator_check", "serve", "--port", "0", "--no-browser",
                             "--max-files", "2", "--max-file-mib", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        port = int(re.search(r"127\.0\.0\.1:(\d+)/", proc.stdout.readline()).group(1))

        def ask(method: str, path: str, files=()):
            body, headers = _multipart(list(files)) if files else (b"", {})
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                return response.status, response.read().decode("utf-8")
            finally:
                connection.close()

        status, index = ask("GET", "/?lang=en")
        assert status == 200 and "Up to 1 MiB per file and 2 files at a time." in index
        good = (FIXTURES / "standard-pass.xlsx").read_bytes()
        status, answer = ask("POST", "/api/batch", [(f"{i}.xlsx", good) for i in range(3)])  # the variable says 5
        assert (status, json.loads(answer)["error"]["code"]) == (413, "too-many-files")
        status, answer = ask("POST", "/api/batch", [("big.xlsx", good + b"\0" * (1 << 20))])
        assert status == 413 and json.loads(answer)["error"]["code"] == "file-too-large"  # the only file: refused whole
        status, answer = ask("POST", "/api/batch", [("a.xlsx", good), ("b.xlsx", good)])
        assert status == 200 and [json.loads(x)["verdict"] for x in answer.splitlines()] == ["PASS", "PASS"]
        # a variable no option overrides still holds: results kept 1800 s, not serve's own default of an hour
        body, headers = _multipart([("a.xlsx", good)])
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        connection.request("POST", "/check?lang=en", body=body, headers=headers)
        location = connection.getresponse().getheader("Location")
        connection.close()
        status, page = ask("GET", location)
        assert status == 200 and "Results are kept for 30 minutes" in page
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert not list(tmp_path.iterdir())  # nothing left behind


def test_serve_refuses_a_bad_limit_in_both_languages(tmp_path):
    import subprocess
    import sys

    env = {**os.environ, "TMPDIR": os.fspath(tmp_path), "INCUBATOR_CHECK_ZIP_MEMBERS": "many"}
    run = subprocess.run([sys.executable, "-m", "incubator_check", "serve", "--port", "0", "--no-browser"],
                         capture_output=True, text=True, env=env, timeout=60)
    assert run.returncode == 2 and "INCUBATOR_CHECK_ZIP_MEMBERS" in run.stderr
    assert "应为正整数" in run.stderr and "must be a positive whole number" in run.stderr
    run = subprocess.run([sys.executable, "-m", "incubator_check", "serve", "--no-browser", "--max-files", "0"],
                         capture_output=True, text=True, env={**env, "INCUBATOR_CHECK_ZIP_MEMBERS": ""}, timeout=60)
    assert run.returncode == 2 and "--max-files" in run.stderr


def test_serve_on_a_port_in_use_is_one_line_in_both_languages_and_exit_2(tmp_path):
    import socket
    import subprocess
    import sys

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = subprocess.run([sys.executable, "-m", "incubator_check", "serve", "--port", str(port), "--no-browser"],
                             capture_output=True, text=True, env={**os.environ, "TMPDIR": os.fspath(tmp_path)}, timeout=60)
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "无法监听" in lines[0] and "cannot listen" in lines[0] and "--port" in lines[0]
    assert "Traceback" not in run.stderr and not list(tmp_path.iterdir())


def test_serve_has_an_option_for_every_limit_and_its_help_gives_the_codes_default():
    import dataclasses

    from click.testing import CliRunner

    from incubator_check._supervise import WorkerLimits
    from incubator_check.web._app import ENVIRONMENT
    from incubator_check.web._serve import LIMIT_OPTIONS, serve
    from incubator_check.web._uploads import MiB, UploadLimits

    mirrored = {variable for _, variable, *_ in LIMIT_OPTIONS} | {"INCUBATOR_CHECK_KEEP_SECONDS"}  # --keep
    assert mirrored == set(ENVIRONMENT) - {"INCUBATOR_CHECK_PROCESS_TEMP"}  # serve always uses its private folder
    defaults = {**{f.name: f.default for f in dataclasses.fields(UploadLimits)},
                **{f.name: f.default for f in dataclasses.fields(WorkerLimits)}, "MAX_CONTENT_LENGTH": 1024 * MiB}
    for option, variable, _, zh, en in LIMIT_OPTIONS:
        key, unit = ENVIRONMENT[variable]
        if key == "JOBS":
            continue  # the CPUs, at most 8: not one number
        shown = defaults[key] // MiB if unit == "MiB" else defaults[key]
        assert f"默认 {shown}" in zh and f"default {shown}" in en, option
    text = CliRunner().invoke(serve, ["--help"], terminal_width=200).output
    assert all(option in text and variable in text for option, variable, *_ in LIMIT_OPTIONS)


@pytest.mark.parametrize("how", ["zip", "folder-upload", "same-names"])
def test_two_workbooks_of_one_name_in_two_folders_are_told_apart(client, how):
    a, b = (FIXTURES / "duplicate-a.xlsx").read_bytes(), (FIXTURES / "duplicate-b.xlsx").read_bytes()
    if how == "zip":
        data = {"files": (io.BytesIO(_zip({"甲/申报表.xlsx": a, "乙/申报表.xlsx": b})), "申报材料.zip")}
        names = ("甲/申报表.xlsx", "乙/申报表.xlsx")
    elif how == "folder-upload":
        data = {"files": [(io.BytesIO(a), "甲/申报表.xlsx"), (io.BytesIO(b), "乙/申报表.xlsx")]}
        names = ("甲/申报表.xlsx", "乙/申报表.xlsx")
    else:
        data = {"files": [(io.BytesIO(a), "申报表.xlsx"), (io.BytesIO(b), "申报表.xlsx"), (io.BytesIO(b"%PDF"), "说明.pdf")]}
        names = ("申报表.xlsx", "申报表 (2).xlsx")
    token = _wait(client, client.post("/check", data=data, content_type=MULTIPART).headers["Location"])
    reports = [json.loads(line) for line in client.get(f"/b/{token}/reports.jsonl").get_data(as_text=True).splitlines()]
    if how == "same-names":  # the PDF beside them is its own ERROR row (test_a_file_that_is_not_a_workbook_…)
        reports = [r for r in reports if r["source"]["path"] != "说明.pdf"]
    assert sorted(r["source"]["path"] for r in reports) == sorted(names)
    for report in reports:
        other = names[1] if report["source"]["path"] == names[0] else names[0]
        cross = [f for f in report["findings"] if f["code"] == "tenant-in-several-submissions"]
        assert len(cross) == 3 and all(f["others"] == [other] and other in f["message_zh"] for f in cross)
    page = client.get(f"/b/{token}").get_data(as_text=True)
    assert all(n in page for n in names)
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/b/{token}/summary.xlsx").data), read_only=True)
    files = [r[1] for r in book["条款矩阵"].iter_rows(min_row=2, values_only=True)]  # the round's 汇总表 has no file column
    assert all(n in files for n in names)


def test_a_file_that_is_not_a_workbook_among_several_is_its_own_error_row(client):
    """As `batch` does with a folder: every uploaded file is counted, and one that is not a workbook is an ERROR
    row that names it and says, in the page's language, what it is and what to do."""
    data = {"files": [_file("standard-pass.xlsx", "甲/申报表.xlsx"), (io.BytesIO(b"%PDF-1.4 scan"), "甲/营业执照.pdf"),
                      (io.BytesIO("企业名称,统一社会信用代码\n".encode()), "在孵企业.csv"), (io.BytesIO(b"7z"), "附件.7z")]}
    location = client.post("/check", data=data, content_type=MULTIPART).headers["Location"]
    token = _wait(client, location)
    reports = {r["source"]["path"]: r for r in
               (json.loads(line) for line in client.get(f"/b/{token}/reports.jsonl").get_data(as_text=True).splitlines())}
    assert {p: r["verdict"] for p, r in reports.items()} == {
        "甲/申报表.xlsx": "PASS", "甲/营业执照.pdf": "ERROR", "在孵企业.csv": "ERROR", "附件.7z": "ERROR"}
    assert "PDF" in reports["甲/营业执照.pdf"]["error"]["message_en"] and "PDF" in reports["甲/营业执照.pdf"]["error"]["message_zh"]
    assert "申报表模板" in reports["在孵企业.csv"]["error"]["message_zh"] and "template" in reports["在孵企业.csv"]["error"]["message_en"]
    assert "解压" in reports["附件.7z"]["error"]["message_zh"] and "unpack" in reports["附件.7z"]["error"]["message_en"]
    for lang, total, reason in (("zh", "共 4 份", "看起来是PDF 文档"), ("en", "4 in all", "it looks like a PDF document")):
        page = client.get(f"/b/{token}?lang={lang}").get_data(as_text=True)
        assert total in _visible(page)
        row = re.search(r'<tr data-verdict="ERROR"><td class="num">\d+</td><td class="file">甲/营业执照.pdf</td>.*?</tr>', page, re.S)
        assert row and reason in row.group(0), lang
        assert "in-0000" not in page  # the stored name never shows
    # the JSON API for a batch gives it its line too
    lines = client.post("/api/batch", data={"files": [_file("standard-pass.xlsx"), (io.BytesIO(b"x"), "说明.docx")]},
                        content_type=MULTIPART).get_data(as_text=True).splitlines()
    assert [(json.loads(x)["source"]["path"], json.loads(x)["verdict"]) for x in lines] == [
        ("standard-pass.xlsx", "PASS"), ("说明.docx", "ERROR")]


def test_several_files_none_of_them_a_workbook_are_refused_whole(client):
    response = client.post("/check", data={"files": [(io.BytesIO(b"x"), "说明.docx"), (io.BytesIO(b"%PDF"), "执照.pdf")]},
                           content_type=MULTIPART)
    assert response.status_code == 400 and "没有申报表" in response.get_data(as_text=True)


# --- pages for people (issue 16) -----------------------------------------------------------------------


def _visible(page: str) -> str:
    """A page's text as a reader sees it: no tags, no style or script."""
    page = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"<[^>]+>", " ", page)


def _rule_data_names(rs) -> tuple[set[str], set[str]]:
    """The identifiers of a ruleset's data: (snake_case names, one-word names such as growth and N)."""
    from incubator_check.rules.fields import declared_specs
    from incubator_check.workbook.layout import SHEETS

    names = {f.key for sheet in SHEETS for f in sheet.fields}
    names |= {f.key for specs in declared_specs(rs).values() for f in specs}
    names |= set(rs.tenant_tests) | set(rs.aggregates) | set(rs.parameters) | {"N"}
    return {n for n in names if "_" in n}, {n for n in names if "_" not in n}


def test_every_clause_page_shows_its_figures_in_words(client):
    from incubator_check.rules.ruleset import bundled_ids, load_ruleset

    seen = 0
    for rid in bundled_ids():
        rs = load_ruleset(rid)
        snake, single = _rule_data_names(rs)
        for clause in rs.clauses:
            for lang in ("zh", "en"):
                response = client.get(f"/rules/{rid}/{clause.id}?lang={lang}")
                assert response.status_code == 200
                page = response.get_data(as_text=True)
                text = _visible(page.split("<main", 1)[-1])
                where = f"{rid} {clause.id} ({lang})"
                assert not [n for n in snake if n in text], where
                # a one-word name (growth, graduate, N) may be an English word in a reading, never a figure or a heading
                figures = re.findall(r"<tr><td>([^<]*)</td><td class=\"num\">", page) + re.findall(r"<h2>([^<]*)</h2>", page)
                seen += len(figures)
                for cell in figures:
                    assert not [n for n in single if re.search(rf"(?<![A-Za-z0-9_]){n}(?![A-Za-z0-9_])", cell)], (where, cell)
    assert seen > 100
    page = client.get("/rules/miit-2025-standard/6.7").get_data(as_text=True)
    assert "（上年度总收入 − 上年度房租及物业收入） ÷ 上年度总收入" in page  # the brackets: (total − rent) ÷ total
    page = client.get("/rules/miit-2025-standard/6.7?lang=en").get_data(as_text=True)
    assert "(Total revenue (data year) − Rent and property revenue (data year)) ÷ Total revenue (data year)" in page
    page = client.get("/rules/miit-2025-standard/6.3.mentors").get_data(as_text=True)
    assert "创业导师人数 ÷ 在孵企业数" in page
    page = client.get("/rules/miit-2025-standard/6.4.new").get_data(as_text=True)
    assert "上年度新注册的在孵企业占比" in page and "new_in_data_year" not in page


def test_english_pages_use_half_width_punctuation(client):
    location = client.post("/check", data={"files": _file("standard-fail-tenants.xlsx"), "lang": "en"},
                           content_type=MULTIPART).headers["Location"]
    batch = client.post("/check", data={"files": [_file("standard-pass.xlsx"), _file("broken-values.xlsx")], "lang": "en"},
                        content_type=MULTIPART).headers["Location"]
    token = _wait(client, batch)
    pages = {path: client.get(path).get_data(as_text=True) for path in
             ("/?lang=en", "/rules?lang=en", "/rules/miit-2025-standard?lang=en", "/rules/miit-2025-standard/6.4.sme?lang=en",
              "/rules/shenzhen-2025/4.6?lang=en", location, f"/b/{token}?lang=en")}
    for path, page in pages.items():
        text = _visible(page)
        # Chinese quoted in an English page (legal text, sheet names) keeps its own marks; the page's own words do not
        assert not re.findall(r"[A-Za-z0-9)\]][：；，（）、]|[：；，、][A-Za-z]", text), path
    assert "Downloads:" in pages[location] or "Download:" in pages[location]
    assert "Verdict: FAIL" in pages[location]
    zh = client.get(location.replace("lang=en", "lang=zh")).get_data(as_text=True)
    assert "结论：不通过" in zh  # the Chinese page keeps its full-width marks


def test_batch_rows_have_titles_and_reasons(client):
    batch = client.post("/check", data={"files": [_file("standard-fail-area.xlsx"), _file("broken-values.xlsx")]},
                        content_type=MULTIPART).headers["Location"]
    token = _wait(client, batch)
    for lang, title, reason in (("zh", "6.2 孵化场地面积：差 ", "提交前须改正：5 处错误"),
                                ("en", "6.2 Incubation site area: short by ", "To correct before filing: 5 errors")):
        page = client.get(f"/b/{token}?lang={lang}").get_data(as_text=True)
        rows = dict(re.findall(r'<tr data-verdict="([A-Z]+)">.*?<td class="st [A-Z]+">[^<]*</td><td>([^<]*)</td>', page, re.S))
        assert rows["FAIL"].startswith(title), rows
        assert rows["INCOMPLETE"].startswith(reason), rows  # a 待补正 from error cells says which cells
        assert re.search(r'<option value="6.2">6.2 (孵化场地面积|Incubation site area)</option>', page)


def test_one_upload_is_judged_once(client, app, monkeypatch):
    """The report page's two languages come from one judgement, written out in each language."""
    client.get("/healthz")
    state = app.extensions["incubator_check"]
    pool = state.reader()
    jobs = []
    submit = pool.submit

    def counted(job):
        jobs.append(job)
        return submit(job)

    monkeypatch.setattr(pool, "submit", counted)
    location = client.post("/check", data={"files": _file("standard-fail-tenants.xlsx"), "lang": "zh"},
                           content_type=MULTIPART).headers["Location"]
    assert [(j.lang, j.also) for j in jobs] == [("zh", ("en",))]
    zh = client.get(location).get_data(as_text=True)
    en = client.get(location.replace("lang=zh", "lang=en")).get_data(as_text=True)
    assert "需再增加 3 家在孵企业" in zh and "结论：不通过" in zh
    assert "Verdict: FAIL" in en and "3 more tenants are needed" in en and "需再增加" not in en
    assert len(jobs) == 1


# --- the 初核 of a former national-level incubator (工信厅科函〔2025〕349号) ----------------------------------


def _former_national_excellence(area: int) -> bytes:
    """excellence-pass.xlsx as a former national-level incubator's application with ``area`` square metres."""
    book = openpyxl.load_workbook(FIXTURES / "excellence-pass.xlsx")
    ws = book["基本信息"]
    rows = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1)}
    ws.cell(rows["是否为原国家级科技企业孵化器"], 2).value = "是"
    ws.cell(rows["可自主支配孵化场地面积（平方米）"], 2).value = area
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_report_page_shows_the_first_check_against_the_standard_level(client):
    upload = (io.BytesIO(_former_national_excellence(4612)), "原国家级.xlsx")
    response = client.post("/check", data={"files": upload}, content_type=MULTIPART)
    assert response.status_code == 303
    for lang, heading, verdict, gap in (("zh", "原国家级初核：", "不通过", "6.2 孵化场地面积：差 388 平方米"),
                                        ("en", "First check of a former national-level incubator: ", "FAIL",
                                         "6.2 Incubation site area: short by 388 m²")):
        page = client.get(response.headers["Location"].split("?")[0] + f"?lang={lang}").get_data(as_text=True)
        text = re.sub(r"\s+", " ", _visible(page))
        assert re.search(re.escape(heading.strip()) + r"\s*" + verdict, text) and gap in text, lang
        assert "工信厅科函〔2025〕349号" in text and "miit-2025-standard" in text
        first = re.search(r'<table class="clauses" id="first-check-clauses">.*?</table>', page, re.S).group(0)
        assert 'data-clause="6.2" data-status="FAIL"' in first and 'data-clause="7.1"' not in first
        assert 'data-clause="7.1"' in re.search(r'<table class="clauses" id="clauses">.*?</table>', page, re.S).group(0)


def test_a_batch_row_says_its_first_check(client):
    files = [(io.BytesIO(_former_national_excellence(4612)), "原国家级.xlsx"), _file("excellence-pass.xlsx")]
    response = client.post("/check", data={"files": files}, content_type=MULTIPART)
    token = _wait(client, response.headers["Location"])
    page = client.get(f"/b/{token}").get_data(as_text=True)
    rows = re.findall(r"<tr data-verdict=.*?</tr>", page, re.S)
    former = next(r for r in rows if "原国家级.xlsx" in r)
    assert "原国家级初核：不通过——6.2 孵化场地面积：差 388 平方米" in former
    assert all("原国家级初核" not in r for r in rows if "原国家级.xlsx" not in r)  # only where a first check was asked
    english = client.get(f"/b/{token}?lang=en").get_data(as_text=True)
    assert ("First check of a former national-level incubator: FAIL — 6.2 Incubation site area: short by 388 m²"
            in english)
