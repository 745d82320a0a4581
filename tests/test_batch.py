"""Batch: a reviewer's folder — a row per workbook, cross-submission findings, the same output whatever --jobs."""

from __future__ import annotations

import hashlib
import json
import os
import shutil

import openpyxl
import pytest
from click.testing import CliRunner

from incubator_check.cli import main
from incubator_check import _batch

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures")
FOLDER_FILES = [
    "standard-pass.xlsx",
    "standard-fail-area.xlsx",
    "broken-not-a-workbook.xlsx",
    "broken-missing-sheet.xlsx",
    "duplicate-a.xlsx",
    "duplicate-b.xlsx",
    "excellence-pass.xlsx",
]


@pytest.fixture()
def folder(tmp_path):
    target = tmp_path / "申报材料"
    target.mkdir()
    for name in FOLDER_FILES:
        shutil.copyfile(os.path.join(FIXTURES, name), target / name)
    (target / "说明.txt").write_text("not a workbook, not an application", encoding="utf-8")
    (target / "~$standard-pass.xlsx").write_bytes(b"lock file of an open workbook")
    return target


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def lines_of(result):
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_batch_json_lines_one_per_workbook_in_file_name_order(folder):
    result = run("batch", str(folder), "--format", "json", "--jobs", "1")
    assert result.exit_code == 1  # a FAIL and ERRORs are in the folder
    reports = lines_of(result)
    names = [os.path.basename(r["source"]["path"]) for r in reports]
    assert names == sorted(FOLDER_FILES + ["说明.txt"])  # a lock file is no one's; a text file gets its row
    verdicts = {os.path.basename(r["source"]["path"]): r["verdict"] for r in reports}
    assert verdicts["standard-pass.xlsx"] == "PASS"
    assert verdicts["standard-fail-area.xlsx"] == "FAIL"
    assert verdicts["broken-not-a-workbook.xlsx"] == "ERROR"
    assert verdicts["broken-missing-sheet.xlsx"] == "ERROR"
    assert verdicts["excellence-pass.xlsx"] == "PASS"
    for report in reports:
        assert report["schema"] == "incubator-check/report/v1"
    error = next(r for r in reports if r["verdict"] == "ERROR" and "not-a-workbook" in r["source"]["path"])
    assert error["error"]["code"] == "not-a-workbook"
    assert "~$standard-pass.xlsx" in result.stderr  # the files left out, listed once


def test_batch_gives_every_entry_of_the_folder_a_row_and_counts_them_all(tmp_path):
    """A CSV, a WPS .et, a zip and a sub-folder beside two workbooks: six entries, six rows, 「共 6 份」."""
    target = tmp_path / "材料 2026"
    target.mkdir()
    for name in ("standard-pass.xlsx", "standard-fail-area.xlsx"):
        shutil.copyfile(os.path.join(FIXTURES, name), target / name)
    (target / "在孵企业名单.csv").write_text("企业名称,统一社会信用代码\n甲公司,91330106MA00000001\n", encoding="gbk")
    shutil.copyfile(os.path.join(FIXTURES, "standard-pass.xls"), target / "申报表.et")
    shutil.make_archive(str(tmp_path / "附件"), "zip", os.path.join(FIXTURES))
    shutil.copyfile(tmp_path / "附件.zip", target / "附件.zip")
    (target / "往年材料").mkdir()
    shutil.copyfile(os.path.join(FIXTURES, "standard-pass.xlsx"), target / "往年材料" / "2025.xlsx")
    (target / ".DS_Store").write_bytes(b"\0")
    result = run("batch", str(target), "--format", "json", "--jobs", "1")
    reports = {os.path.basename(r["source"]["path"]): r for r in lines_of(result)}
    assert set(reports) == {"standard-pass.xlsx", "standard-fail-area.xlsx", "在孵企业名单.csv", "申报表.et", "附件.zip",
                            "往年材料"}
    assert result.exit_code == 1
    codes = {name: (r.get("error") or {}).get("code") for name, r in reports.items()}
    assert codes["在孵企业名单.csv"] == codes["申报表.et"] == codes["附件.zip"] == "not-a-workbook"
    assert codes["往年材料"] == "file-unreadable" and "-r" in reports["往年材料"]["error"]["message"]
    assert "WPS" in reports["申报表.et"]["error"]["message"] and "解压" in reports["附件.zip"]["error"]["message"]
    assert "模板" in reports["在孵企业名单.csv"]["error"]["message"]
    table = run("batch", str(target), "--jobs", "1")
    assert "共 6 份" in table.stdout, table.stdout
    recursive = run("batch", str(target), "-r", "--format", "json", "--jobs", "1")
    assert {os.path.basename(r["source"]["path"]) for r in lines_of(recursive)} >= {"2025.xlsx", "在孵企业名单.csv"}


def test_a_sub_folder_is_named_a_folder_where_the_system_refuses_to_open_one(tmp_path, monkeypatch):
    """Windows answers os.open of a folder with "Permission denied" (POSIX opens it): the row must still say
    it is a folder and hint at -r, not blame the file's permissions (seen under Wine, issue 19)."""
    from incubator_check.workbook.guard import file as guard_file

    (tmp_path / "往年材料").mkdir()
    real_open = os.open

    def windows_open(path, flags, *args):
        if os.path.isdir(path):
            raise PermissionError(13, "Permission denied", path)
        return real_open(path, flags, *args)

    monkeypatch.setattr(guard_file.os, "open", windows_open)
    from incubator_check.errors import WorkbookError

    with pytest.raises(WorkbookError) as caught:
        guard_file.read_bytes(str(tmp_path / "往年材料"), guard_file.Limits())
    assert caught.value.finding.code == "file-unreadable" and "-r" in caught.value.finding.message_zh


def test_batch_finds_the_same_tenant_claimed_by_two_incubators(folder):
    reports = {os.path.basename(r["source"]["path"]): r for r in
               lines_of(run("batch", str(folder), "--format", "json", "--jobs", "1"))}
    cross_a = [f for f in reports["duplicate-a.xlsx"]["findings"] if f["code"] == "tenant-in-several-submissions"]
    cross_b = [f for f in reports["duplicate-b.xlsx"]["findings"] if f["code"] == "tenant-in-several-submissions"]
    assert len(cross_a) == 3 and len(cross_b) == 3  # fixtures/README.md: three USCCs in common
    assert {f["uscc"] for f in cross_a} == {f["uscc"] for f in cross_b}
    assert all(any("duplicate-b.xlsx" in p for p in f["others"]) and f["others_count"] == 1 for f in cross_a)
    assert sorted(f["row"] for f in cross_a) == [3, 4, 5]
    assert not [f for f in reports["excellence-pass.xlsx"]["findings"] if f["code"] == "tenant-in-several-submissions"]


def test_batch_flags_an_operator_applying_twice(folder):
    shutil.copyfile(os.path.join(FIXTURES, "standard-fail-area.xlsx"), folder / "standard-fail-area-again.xlsx")
    reports = lines_of(run("batch", str(folder), "--format", "json", "--jobs", "1"))
    flagged = [os.path.basename(r["source"]["path"]) for r in reports
               if any(f["code"] == "operator-in-several-submissions" for f in r["findings"])]
    # One operator, two different files: flagged. The byte-identical copy is "the same file twice", once, and only
    # the first of the two in file order ("…-again.xlsx" sorts first) is compared with the others.
    assert "standard-fail-area-again.xlsx" in flagged and "standard-pass.xlsx" in flagged
    copy = next(r for r in reports if r["source"]["path"].endswith("standard-fail-area.xlsx"))
    assert [f["code"] for f in copy["findings"] if f.get("others_count")] == ["identical-files"]
    assert [os.path.basename(p) for p in copy["findings"][-1]["others"]] == ["standard-fail-area-again.xlsx"]


def test_batch_output_is_byte_identical_for_jobs_1_and_2(folder, tmp_path):
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    run("batch", str(folder), "--format", "json", "--jobs", "1", "--output", str(one), "--as-of", "2026-05-01")
    run("batch", str(folder), "--format", "json", "--jobs", "2", "--output", str(two), "--as-of", "2026-05-01")
    assert one.read_bytes() == two.read_bytes()
    assert len(one.read_text(encoding="utf-8").splitlines()) == len(FOLDER_FILES) + 1  # 说明.txt has its row


def test_batch_never_writes_to_its_inputs(folder):
    def snapshot():
        return {p: hashlib.sha256((folder / p).read_bytes()).hexdigest() for p in sorted(os.listdir(folder))}

    before = snapshot()
    run("batch", str(folder), "--format", "json", "--jobs", "2")
    assert snapshot() == before


def test_batch_summary_workbook(folder, tmp_path):
    out = tmp_path / "汇总.xlsx"
    result = run("batch", str(folder), "--format", "xlsx", "--output", str(out), "--jobs", "1")
    assert result.exit_code == 1
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["汇总表", "建议推荐", "公示名单", "原国家级初核", "卓越级推荐名额", "条款矩阵", "问题清单",
                               "跨申报问题"]
    matrix = book["条款矩阵"]
    header = [c.value for c in matrix[1]]
    assert header[:4] == ["序号", "文件", "孵化器", "结论"]
    columns = {h.split(" ")[0]: i for i, h in enumerate(header) if h}
    for clause_id in ("6.2", "6.4.new", "20", "7.1", "10.remote"):
        assert clause_id in columns
    assert "6.2 孵化场地面积" in header  # report.md: a clause column is headed by its id and its title
    assert matrix.freeze_panes == "A2" and matrix.auto_filter.ref.startswith("A1:")
    rows = {r[1]: r for r in matrix.iter_rows(min_row=2, values_only=True)}
    assert set(rows) == set(FOLDER_FILES) | {"说明.txt"}
    fail = rows["standard-fail-area.xlsx"]
    assert fail[header.index("结论")] == "不通过"
    assert fail[columns["6.2"]] == "不通过"
    assert fail[header.index("未通过条款")] == "6.2 孵化场地面积：差 388 平方米"
    cell = matrix.cell(row=[r[1] for r in matrix.iter_rows(min_row=1, values_only=True)].index("standard-fail-area.xlsx") + 1,
                       column=columns["6.2"] + 1)
    assert cell.fill.fgColor.rgb.endswith("FFC7CE")  # red for FAIL
    findings = list(book["问题清单"].iter_rows(min_row=2, values_only=True))
    assert any(r[1] == "broken-not-a-workbook.xlsx" and r[4] == "not-a-workbook" for r in findings)
    cross = list(book["跨申报问题"].iter_rows(min_row=2, values_only=True))
    pair = [r for r in cross if r[1] == "tenant-in-several-submissions" and "duplicate-a.xlsx" in r[4]]
    assert len(pair) == 3 and all("duplicate-b.xlsx" in r[4] for r in pair) and pair[0][0] == "在孵企业重复申报"
    quota = list(book["卓越级推荐名额"].iter_rows(min_row=2, values_only=True))
    # 浙江省: standard passes and one excellence pass; the cap is 10 % of all of them, rounded up.
    zhejiang = next(r for r in quota if r[0] == "浙江省")
    assert zhejiang[2] == 1 and zhejiang[4] == -(-(zhejiang[1] + 1) // 10) and zhejiang[6] == 0
    assert "⌈10% ×（标准级" in zhejiang[5]


def test_batch_xlsx_needs_an_output_file(folder):
    result = CliRunner().invoke(main, ["batch", str(folder), "--format", "xlsx"])
    assert result.exit_code == 2


def test_batch_on_a_missing_folder_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(main, ["batch", str(tmp_path / "nope")])
    assert result.exit_code == 2


def test_batch_exit_0_when_every_workbook_passes(tmp_path):
    folder = tmp_path / "ok"
    folder.mkdir()
    shutil.copyfile(os.path.join(FIXTURES, "standard-pass.xlsx"), folder / "a.xlsx")
    shutil.copyfile(os.path.join(FIXTURES, "excellence-pass.xlsx"), folder / "b.xlsx")
    result = run("batch", str(folder))
    assert result.exit_code == 0, result.output
    assert "a.xlsx" in result.output and "通过" in result.output


def test_batch_recursive(tmp_path):
    folder = tmp_path / "top"
    (folder / "杭州").mkdir(parents=True)
    shutil.copyfile(os.path.join(FIXTURES, "standard-pass.xlsx"), folder / "杭州" / "a.xlsx")
    flat = run("batch", str(folder), "--format", "json")
    assert flat.exit_code == 2 and "--recursive" in flat.output  # nothing at the top: a hint, not an empty answer
    reports = lines_of(run("batch", str(folder), "--format", "json", "--recursive"))
    assert [os.path.basename(r["source"]["path"]) for r in reports] == ["a.xlsx"]


def test_batch_output_file_is_written_whole_or_not_at_all(folder, tmp_path, monkeypatch):
    from incubator_check.present import workbook as _summary

    out = tmp_path / "summary.xlsx"
    out.write_bytes(b"the previous summary")

    def broken(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(_summary, "write_summary", broken)
    result = CliRunner().invoke(main, ["batch", str(folder), "--format", "xlsx", "--output", str(out)])
    assert result.exit_code != 0  # click turns the interrupt into "Aborted!"
    assert out.read_bytes() == b"the previous summary"
    assert [p for p in os.listdir(tmp_path) if p.startswith(".~")] == []


def test_an_output_that_cannot_be_written_is_a_clear_error(folder, tmp_path):
    result = CliRunner().invoke(main, ["batch", str(folder), "--format", "json", "--output",
                                       str(tmp_path / "no-such-folder" / "all.jsonl")])
    assert result.exit_code == 3  # report.md: the program could not finish
    assert "无法写入" in result.output and "cannot write" in result.output
    assert "Traceback" not in result.output


@pytest.fixture()
def two_folders(tmp_path):
    """The provincial layout: one folder per applicant, each holding 申报表.xlsx; the two share three tenants."""
    root = tmp_path / "申报材料"
    for applicant, fixture in (("甲孵化器", "duplicate-a.xlsx"), ("乙孵化器", "duplicate-b.xlsx")):
        (root / applicant).mkdir(parents=True)
        shutil.copyfile(os.path.join(FIXTURES, fixture), root / applicant / "申报表.xlsx")
    return root


def test_same_named_workbooks_in_two_folders_are_told_apart_in_every_output(two_folders, tmp_path):
    a, b = "甲孵化器/申报表.xlsx", "乙孵化器/申报表.xlsx"
    reports = lines_of(run("batch", str(two_folders), "--recursive", "--format", "json", "--jobs", "2"))
    assert sorted(r["source"]["path"].replace("\\", "/") for r in reports) == sorted([a, b])
    for report in reports:
        own = report["source"]["path"].replace("\\", "/")
        other = b if own == a else a
        cross = [f for f in report["findings"] if f["code"] == "tenant-in-several-submissions"]
        assert len(cross) == 3
        for finding in cross:
            assert [p.replace("\\", "/") for p in finding["others"]] == [other]
            assert other in finding["message_zh"].replace("\\", "/") and other in finding["message_en"].replace("\\", "/")
    out = tmp_path / "汇总.xlsx"
    assert run("batch", str(two_folders), "--recursive", "--output", str(out)).exit_code in (0, 1)
    book = openpyxl.load_workbook(out, read_only=True)
    files = [str(r[1]).replace("\\", "/") for r in book["条款矩阵"].iter_rows(min_row=2, values_only=True) if r[1]]
    assert a in files and b in files
    cross = list(book["跨申报问题"].iter_rows(min_row=2, values_only=True))
    pairs = [r for r in cross if r[1] == "tenant-in-several-submissions"]
    assert len(pairs) == 3 and all(a in r[4].replace("\\", "/") and b in r[4].replace("\\", "/") for r in pairs)
    table = run("batch", str(two_folders), "--recursive", "--format", "table").output.replace("\\", "/")
    assert a in table and b in table


def _cross_of_a_made_batch():
    """A spool given six submissions' keys by hand: the cross-check's findings, as (code, key, claims)."""
    from incubator_check._batch import Spool

    def keys(operator, tenants, sha256):
        return {"verdict": "PASS", "operator_uscc": operator, "operator_name": operator, "name": "孵化器",
                "province": "浙江省", "level": "standard", "sha256": sha256, "tenants": tenants}

    batch = [  # (USCC, row, name, registration date) of each roster
        keys("OP-A", [("U1", 3, "甲公司", "2020-01-01"), ("U2", 4, "乙公司", None), ("U2", 5, "乙公司", None)], "s1"),
        keys("OP-B", [("U1", 3, "甲 公司", "2020-01-01"), ("U3", 4, "丙公司", "2021-05-05")], "s2"),  # U1 again
        keys("OP-C", [("U4", 3, "丙公司", "2021-05-05"), ("", 4, "丁公司", "2022-02-02")], "s3"),  # 丙: other USCC
        keys("OP-A", [("U5", 3, "戊公司", "2019-09-09")], "s4"),  # the operator again, another file
        keys("OP-D", [("U5", 3, "戊公司", "2019-09-09")], "s4"),  # a copy of the one before: left out
        keys("OP-E", [("U6", 3, "己公司", "2018-08-08"), ("U6", 4, "己公司", "2018-08-08")], "s6"),  # twice in one file
    ]
    spool = Spool()
    try:
        for n, k in enumerate(batch):
            spool.add(f"{n}.xlsx", "{}", k)
        return sorted((f.code, f.key, f.claims) for f in spool.cross_findings())
    finally:
        spool.close()


def test_the_cross_check_finds_keys_in_several_submissions_whatever_their_hashes(monkeypatch):
    """The cross-check groups only the rows of keys found again as the batch came in (kept by their hashes): what
    it finds is what grouping every row finds, with the hashes as they are and with every key's hash the same."""
    expected = [
        ("identical-files", "s4", [(3, "3.xlsx", None), (4, "4.xlsx", None)]),
        ("operator-in-several-submissions", "OP-A", [(0, "0.xlsx", None), (3, "3.xlsx", None)]),
        ("tenant-in-several-submissions", "U1", [(0, "0.xlsx", 3), (1, "1.xlsx", 3)]),
        ("tenant-name-date-in-several-submissions", "U3、U4", [(1, "1.xlsx", 4), (2, "2.xlsx", 3)]),
    ]
    assert _cross_of_a_made_batch() == expected
    monkeypatch.setattr(_batch, "_key_hash", lambda key: 7)  # every key collides with every other
    assert _cross_of_a_made_batch() == expected
