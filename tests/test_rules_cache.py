"""The rule data's parse cache (``incubator_check/_yaml_cache.py``, docs/decisions.md, issue 21 item 5).

Every test here has a cache folder of its own (the session's, set in conftest.py, is never the user's), and
empties the process's memos so that what is exercised is the disk.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import pickle
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from incubator_check import _check, _yaml_cache
from incubator_check.rules import load as rules_load
from incubator_check.rules import stored
from incubator_check.rules.ruleset import load_ruleset

FIXTURES = Path(__file__).parent.parent / "fixtures"
BUNDLED = Path(rules_load._bundled_dir())  # the rule data as the loader finds it: installed or in a checkout

TEXT = textwrap.dedent("""\
    name: 测试
    threshold: "5000"
    share: 0.8
    count: 30
    flag: true
    blank: null
    day: 2026-01-01
    moment: 2026-01-01 08:30:00+08:00
    plain_moment: 2026-01-01 08:30:00
    by_year: {2024: 1, 2025: 2}
    list: [a, b, {c: d}]
    """)


def forget() -> None:
    """The process's memos emptied: the next load asks the disk (or parses)."""
    _yaml_cache._payload.cache_clear()
    rules_load._parsed_yaml.cache_clear()
    load_ruleset.cache_clear()
    rules_load.bundled_values.cache_clear()
    rules_load.bundled_fields.cache_clear()
    rules_load._bundled_declarations.cache_clear()


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(_yaml_cache.VARIABLE, str(folder))
    forget()
    yield folder
    forget()


@pytest.fixture
def parses(monkeypatch) -> list[str]:
    """The texts PyYAML is asked to parse."""
    seen: list[str] = []
    real = _yaml_cache._parse

    def spy(text: str):
        seen.append(text)
        return real(text)

    monkeypatch.setattr(_yaml_cache, "_parse", spy)
    return seen


def entries(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.pickle"))


def test_a_miss_parses_and_writes_an_entry_named_by_the_texts_sha256(cache, parses):
    data = _yaml_cache.load(TEXT)
    assert parses == [TEXT]
    digest = hashlib.sha256(TEXT.encode("utf-8")).hexdigest()
    assert entries(cache) == [cache / f"parsed-yaml-v{_yaml_cache.FORMAT}" / f"{digest}.pickle"]
    assert _yaml_cache.entry_path(TEXT) == str(entries(cache)[0])
    assert data["day"] == dt.date(2026, 1, 1) and data["by_year"] == {2024: 1, 2025: 2}
    assert data["moment"].utcoffset() == dt.timedelta(hours=8)
    assert not list(cache.rglob("*.tmp"))  # the temporary was renamed into place


def test_a_hit_reads_the_entry_and_does_not_parse(cache, parses):
    first = _yaml_cache.load(TEXT)
    forget()
    parses.clear()
    again = _yaml_cache.load(TEXT)
    assert parses == []
    assert again == first and again == _yaml_cache._parse(TEXT)


def test_each_load_is_a_fresh_copy(cache):
    first = _yaml_cache.load(TEXT)
    first["list"][2]["c"] = "edited"
    first["extra"] = 1
    again = _yaml_cache.load(TEXT)
    assert again["list"][2] == {"c": "d"} and "extra" not in again


def test_an_edited_text_is_parsed_anew(cache, parses):
    assert _yaml_cache.load(TEXT)["threshold"] == "5000"
    edited = TEXT.replace('"5000"', '"5001"')
    forget()
    assert _yaml_cache.load(edited)["threshold"] == "5001"
    assert parses == [TEXT, edited]
    assert len(entries(cache)) == 2


def test_an_edited_ruleset_file_gives_its_new_threshold(cache, tmp_path):
    """The stale threshold, the worst defect: a ruleset edited to the same size and time still gives the edit."""
    path = tmp_path / "rules" / "standard-copy.yaml"
    path.parent.mkdir()
    shutil.copy(BUNDLED / "miit-2025-standard.yaml", path)
    shutil.copy(BUNDLED / "sme-2011.yaml", path.parent / "sme-2011.yaml")

    def threshold() -> str:
        return str(next(c for c in load_ruleset(str(path)).clauses if c.id == "6.2").conditions[0].threshold)

    assert threshold() == "5000"
    raw = path.read_bytes()
    assert raw.count(b'threshold: "5000"') == 1
    stat = path.stat()
    path.write_bytes(raw.replace(b'threshold: "5000"', b'threshold: "6000"'))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same size, same time: only the content tells
    forget()
    assert threshold() == "6000"


def test_an_entry_under_another_texts_name_is_a_miss(cache, parses):
    other = TEXT.replace("测试", "别的")
    _yaml_cache.load(other)
    source = Path(_yaml_cache.entry_path(other))
    target = Path(_yaml_cache.entry_path(TEXT))
    shutil.copy(source, target)  # the other text's entry, whole and valid, under this text's name
    forget()
    assert _yaml_cache.load(TEXT)["name"] == "测试"
    assert parses[-1] == TEXT
    forget()
    parses.clear()
    assert _yaml_cache.load(TEXT)["name"] == "测试" and parses == []  # rewritten


@pytest.mark.parametrize("damage", ["empty", "truncated", "garbage", "flipped", "old-format"])
def test_a_damaged_entry_is_a_miss_and_is_written_again(cache, parses, damage):
    _yaml_cache.load(TEXT)
    path = Path(_yaml_cache.entry_path(TEXT))
    raw = path.read_bytes()
    path.write_bytes({
        "empty": b"",
        "truncated": raw[: len(raw) - 7],
        "garbage": os.urandom(len(raw)),
        "flipped": raw[:-20] + bytes([raw[-20] ^ 1]) + raw[-19:],  # a bit of the payload: its checksum fails
        "old-format": raw.replace(b" v%d\n" % _yaml_cache.FORMAT, b" v0\n", 1),
    }[damage])
    forget()
    parses.clear()
    assert _yaml_cache.load(TEXT) == _yaml_cache._parse(TEXT)
    assert parses[0] == TEXT  # parsed again ...
    assert path.read_bytes() == raw  # ... and the entry written again


class _Planted:
    """What a planted entry would run when unpickled: a shell command, or Python code (which runs on Windows too)."""

    def __init__(self, how: str, marker: str) -> None:
        self.how, self.marker = how, marker

    def __reduce__(self):
        if self.how == "os.system":
            return (os.system, (f"touch {self.marker}",))
        return (exec, (f"open({self.marker!r}, 'w').close()",))


def _entry_with_payload(text: str, payload: bytes) -> bytes:
    key = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return _yaml_cache._header(key, payload) + payload


@pytest.mark.parametrize("how", ["os.system", "builtins.exec"])
def test_an_entry_naming_a_forbidden_global_runs_nothing_and_is_a_miss(cache, parses, tmp_path, how):
    marker = tmp_path / "ran"
    payload = pickle.dumps({"name": "测试", "evil": _Planted(how, str(marker))}, protocol=5)
    assert how.split(".")[1].encode() in payload
    folder = Path(_yaml_cache.folder())
    folder.mkdir(parents=True)
    path = Path(_yaml_cache.entry_path(TEXT))
    path.write_bytes(_entry_with_payload(TEXT, payload))  # header and checksum right: only the unpickler stands
    data = _yaml_cache.load(TEXT)
    assert not marker.exists()
    assert data == _yaml_cache._parse(TEXT) and parses[0] == TEXT
    assert how.split(".")[1].encode() not in path.read_bytes()  # replaced by the real entry


@pytest.mark.parametrize("planted", [("builtins", "eval"), ("os", "system"), ("datetime", "date.fromisoformat"),
                                     ("subprocess", "Popen")])
def test_the_unpickler_refuses_every_global_but_the_date_types(planted):
    module, name = planted
    payload = b"\x80\x04\x95" + b"\x00" * 8 + b"\x8c" + bytes([len(module)]) + module.encode() \
        + b"\x8c" + bytes([len(name)]) + name.encode() + b"\x93."
    with pytest.raises(pickle.UnpicklingError):
        _yaml_cache._unpickle(payload)


def test_data_the_unpickler_would_refuse_is_never_written(cache, parses):
    text = "pairs: !!omap [{a: 1}, {b: 2}]\nwhich: !!set {x, y}\n"  # tuples and a set: not an entry's data
    data = _yaml_cache.load(text)
    assert data == {"pairs": [("a", 1), ("b", 2)], "which": {"x", "y"}}
    assert entries(cache) == []
    forget()
    assert _yaml_cache.load(text) == data and parses == [text, text]


def _report(path: Path) -> str:
    return json.dumps(_check.check(str(path)).model_dump(mode="json"), sort_keys=True, ensure_ascii=False)


@pytest.fixture(scope="module")
def uncached_report() -> str:
    os.environ[_yaml_cache.VARIABLE], before = "off", os.environ[_yaml_cache.VARIABLE]
    try:
        forget()
        return _report(FIXTURES / "standard-pass.xlsx")
    finally:
        os.environ[_yaml_cache.VARIABLE] = before
        forget()


@pytest.mark.parametrize("how", ["under-a-file", "replace-fails", "disk-full"])
def test_an_unwritable_cache_never_fails_a_check(cache, monkeypatch, uncached_report, tmp_path, how):
    if how == "under-a-file":  # the folder cannot be made (root ignores permission bits: a file is in the way)
        blocker = tmp_path / "a-file"
        blocker.write_text("x")
        monkeypatch.setenv(_yaml_cache.VARIABLE, str(blocker / "cache"))
    elif how == "replace-fails":
        def refuse(*args, **kwargs):
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr(_yaml_cache.os, "replace", refuse)
    else:  # every write fails as on a full disk (/dev/full), after the temporary was made
        import builtins

        if not os.path.exists("/dev/full"):
            pytest.skip("no /dev/full here")

        def full(file, mode="r", *args, **kwargs):  # the cache's writes (to its temporary) go to a full disk
            if str(file).endswith(".part") and "w" in mode:
                return builtins.open("/dev/full", mode, *args, **kwargs)
            return builtins.open(file, mode, *args, **kwargs)

        monkeypatch.setattr(_yaml_cache, "open", full, raising=False)
        monkeypatch.setattr(stored, "open", full, raising=False)
    assert _report(FIXTURES / "standard-pass.xlsx") == uncached_report
    assert entries(tmp_path) == []
    assert not list(tmp_path.rglob("*.tmp")) + list(tmp_path.rglob("*.part"))  # no temporary left behind


@pytest.mark.parametrize("value", ["", "off", "OFF", "  "])
def test_the_cache_turned_off_reads_and_writes_nothing(tmp_path, monkeypatch, parses, value):
    monkeypatch.setenv(_yaml_cache.VARIABLE, value)
    monkeypatch.chdir(tmp_path)
    forget()
    try:
        assert _yaml_cache.folder() is None and _yaml_cache.entry_path(TEXT) is None
        assert _yaml_cache.load(TEXT)["name"] == "测试"
        forget()
        assert _yaml_cache.load(TEXT)["name"] == "测试"
        assert parses == [TEXT, TEXT]
        assert list(tmp_path.iterdir()) == []
    finally:
        forget()


def test_without_the_variable_the_users_cache_folder(monkeypatch):
    from platformdirs import user_cache_dir

    monkeypatch.delenv(_yaml_cache.VARIABLE)
    assert _yaml_cache.folder() == os.path.join(user_cache_dir("incubator-check", appauthor=False),
                                                f"parsed-yaml-v{_yaml_cache.FORMAT}")


def test_the_session_never_uses_the_users_cache():
    from platformdirs import user_cache_dir

    from conftest import CACHE_VARIABLE

    assert CACHE_VARIABLE == _yaml_cache.VARIABLE
    assert not _yaml_cache.folder().startswith(user_cache_dir("incubator-check", appauthor=False))
    assert os.path.basename(os.environ[CACHE_VARIABLE]).startswith("incubator-check-test-cache-")


def test_the_oldest_entries_go_past_the_bound(cache, monkeypatch):
    monkeypatch.setattr(_yaml_cache, "_KEEP", 3)
    texts = [f"n: {i}\n" for i in range(5)]
    for i, text in enumerate(texts):
        _yaml_cache.load(text)
        os.utime(_yaml_cache.entry_path(text), ns=(i * 10**9, i * 10**9))
    assert [p.name for p in entries(cache)] == sorted(Path(_yaml_cache.entry_path(t)).name for t in texts[2:])


def test_a_check_with_a_warm_cache_imports_no_yaml(tmp_path):
    """A whole check in a fresh process: the first parses and writes, the second finds every entry."""
    program = textwrap.dedent(f"""\
        import sys
        from incubator_check import _check
        report = _check.check({str(FIXTURES / "standard-pass.xlsx")!r})
        print(report.verdict.value, "yaml" in sys.modules)
        """)
    env = {**os.environ, _yaml_cache.VARIABLE: str(tmp_path / "cache")}
    runs = [subprocess.run([sys.executable, "-c", program], env=env, capture_output=True, text=True, timeout=120)
            for _ in range(2)]
    assert [r.returncode for r in runs] == [0, 0], [r.stderr for r in runs]
    first, second = (r.stdout.split() for r in runs)
    assert first[0] == second[0]
    assert (first[1], second[1]) == ("True", "False")
    assert entries(tmp_path / "cache")


# --- the loaded rulesets kept between processes (rules/stored.py) ------------------------------------------


@pytest.fixture
def loads(monkeypatch) -> list[str]:
    """The ruleset files loaded from their texts (not read back from an entry)."""
    seen: list[str] = []
    real = rules_load._load_ruleset

    def spy(path: str):
        seen.append(path)
        return real(path)

    monkeypatch.setattr(rules_load, "_load_ruleset", spy)
    return seen


def _copied_standard(tmp_path: Path) -> Path:
    """The bundled standard ruleset as a file of its own that extends another (a province's ruleset, in short)."""
    folder = tmp_path / "rules"
    folder.mkdir(exist_ok=True)
    shutil.copy(BUNDLED / "miit-2025-standard.yaml", folder / "parent.yaml")
    shutil.copy(BUNDLED / "sme-2011.yaml", folder / "sme-2011.yaml")
    child = folder / "province.yaml"
    child.write_text("kind: ruleset\nid: province-test\nversion: '1'\nextends: parent\n", encoding="utf-8")
    return child


def test_a_loaded_ruleset_is_read_back_by_the_next_process_not_loaded_again(cache, loads):
    first = load_ruleset("miit-2025-standard")
    (entry,) = (cache / f"loaded-rulesets-v{stored.FORMAT}").iterdir()
    assert entry == Path(stored.entry_path(first.path))
    forget()
    again = load_ruleset("miit-2025-standard")
    assert loads == [first.path]  # the second time from the entry
    assert again == first and again is not first and again.sha256 == first.sha256


def test_a_check_gives_the_same_report_from_a_stored_ruleset(cache, uncached_report, loads):
    assert _report(FIXTURES / "standard-pass.xlsx") == uncached_report  # loaded, and stored
    forget()
    assert _report(FIXTURES / "standard-pass.xlsx") == uncached_report  # read back
    assert len(loads) == 1


@pytest.mark.parametrize("edited", ["province.yaml", "parent.yaml", "sme-2011.yaml"])
def test_an_edit_of_any_file_the_ruleset_was_loaded_from_is_a_miss(cache, tmp_path, loads, edited):
    """The stale threshold, the worst defect: the ruleset, a file it extends and its SME classification alike,
    edited to the same size and time."""
    child = _copied_standard(tmp_path)

    def figures() -> tuple[str, str]:
        ruleset = load_ruleset(str(child))
        area = next(c for c in ruleset.clauses if c.id == "6.2").conditions[0].threshold
        return str(area), str(ruleset.sme.industries["农、林、牧、渔业"]["small"])

    before = figures()
    assert before[0] == "5000"
    path = child.parent / edited
    raw = path.read_bytes()
    change = {"province.yaml": (b"version: '1'", b"version: '2'"), "parent.yaml": (b'threshold: "5000"', b'threshold: "6000"'),
              "sme-2011.yaml": (b"small: {revenue: 50}", b"small: {revenue: 60}")}[edited]
    assert raw.count(change[0]) >= 1, edited
    stat = path.stat()
    path.write_bytes(raw.replace(change[0], change[1], 1))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same size, same time: only the content tells
    forget()
    after = figures()
    assert len(loads) == 2  # loaded again from the texts
    if edited == "parent.yaml":
        assert after == ("6000", before[1])
    elif edited == "sme-2011.yaml":
        assert after[1] != before[1]
    else:
        assert load_ruleset(str(child)).version == "2"


def test_other_code_is_another_entry(cache, monkeypatch, loads):
    load_ruleset("miit-2025-standard")
    forget()
    monkeypatch.setattr(stored, "_code_stamp", lambda: "another build of the loader")
    load_ruleset("miit-2025-standard")
    assert len(loads) == 2 and len(list((cache / f"loaded-rulesets-v{stored.FORMAT}").iterdir())) == 2


@pytest.mark.parametrize("damage", ["empty", "truncated", "flipped", "old-format", "a file gone"])
def test_a_damaged_stored_ruleset_is_a_miss_and_is_written_again(cache, tmp_path, loads, damage):
    child = _copied_standard(tmp_path)
    fresh = load_ruleset(str(child))
    path = Path(stored.entry_path(str(child)))
    raw = path.read_bytes()
    if damage == "a file gone":
        (child.parent / "parent.yaml").rename(child.parent / "elsewhere.yaml")
        shutil.copy(child.parent / "elsewhere.yaml", child.parent / "parent.yaml")  # back, by another route
        (child.parent / "elsewhere.yaml").unlink()
        path.write_bytes(raw.replace(str(child.parent / "parent.yaml").encode(), str(child.parent / "gone.yaml").encode()))
    else:
        path.write_bytes({"empty": b"", "truncated": raw[:-7], "flipped": raw[:-20] + bytes([raw[-20] ^ 1]) + raw[-19:],
                          "old-format": raw.replace(b" v%d\n" % stored.FORMAT, b" v0\n", 1)}[damage])
    forget()
    assert load_ruleset(str(child)) == fresh
    assert len(loads) == 2 and path.read_bytes() == raw


@pytest.mark.parametrize("how", ["os.system", "builtins.exec"])
def test_a_stored_ruleset_naming_a_forbidden_global_runs_nothing_and_is_a_miss(cache, tmp_path, loads, how):
    child = _copied_standard(tmp_path)
    fresh = load_ruleset(str(child))
    path = Path(stored.entry_path(str(child)))
    head, listed, _, _ = path.read_bytes().split(b"\n", 3)
    marker = tmp_path / "ran"
    payload = pickle.dumps(_Planted(how, str(marker)), protocol=5)
    path.write_bytes(b"\n".join([head, listed, hashlib.sha256(payload).hexdigest().encode(), payload]))
    forget()
    assert load_ruleset(str(child)) == fresh
    assert not marker.exists() and len(loads) == 2


def test_the_unpickler_builds_the_schemas_models_and_nothing_else():
    from incubator_check.rules import schema

    unpickler = stored._RulesetOnly(__import__("io").BytesIO(b""))
    assert unpickler.find_class("incubator_check.rules.schema", "Ruleset") is schema.Ruleset
    assert unpickler.find_class("decimal", "Decimal").__name__ == "Decimal"
    for module, name in [("os", "system"), ("builtins", "exec"), ("builtins", "eval"), ("incubator_check.rules.schema", "os"),
                         ("incubator_check.rules.schema", "BaseModel"), ("incubator_check.rules.load", "load_ruleset"),
                         ("subprocess", "Popen")]:
        with pytest.raises(pickle.UnpicklingError):
            unpickler.find_class(module, name)


def test_a_stored_ruleset_is_never_written_with_the_cache_off(tmp_path, monkeypatch, loads):
    monkeypatch.setenv(_yaml_cache.VARIABLE, "off")
    forget()
    load_ruleset("miit-2025-standard")
    forget()
    load_ruleset("miit-2025-standard")
    assert len(loads) == 2 and not list(tmp_path.rglob("*.pickle"))
    forget()


def test_a_check_with_a_warm_cache_builds_no_ruleset_validator(tmp_path):
    """What the stored ruleset is for: with it, a check neither validates a ruleset nor builds the schema's
    validator (pydantic's build of the Ruleset model, ~5 ms of a one-file check)."""
    program = textwrap.dedent("""
        import sys
        from incubator_check import _check
        from incubator_check.rules import schema
        _check.check(sys.argv[1])
        print(schema.Ruleset.__pydantic_complete__)
    """)
    env = dict(os.environ, **{_yaml_cache.VARIABLE: str(tmp_path / "cache")})
    runs = [subprocess.run([sys.executable, "-c", program, str(FIXTURES / "standard-pass.xlsx")], env=env,
                           capture_output=True, timeout=120) for _ in range(2)]
    assert [r.stdout.strip() for r in runs] == [b"True", b"False"], [r.stderr.decode("utf-8", "replace") for r in runs]



# --- what the bundled rulesets declare for the reader, kept the same way (stored.stored_declarations) ---------


def test_the_bundled_declarations_are_read_back_not_worked_out_again(cache, monkeypatch):
    made = []
    real = rules_load._bundled_fields
    monkeypatch.setattr(rules_load, "_bundled_fields", lambda: made.append(1) or real())
    first = (rules_load.bundled_fields(), rules_load.bundled_values())
    forget()
    again = (rules_load.bundled_fields(), rules_load.bundled_values())
    assert made == [1] and again == first and again[1]["tenants"]["tech_sme"]  # the 2026 reading, read back


@pytest.fixture
def rule_data(tmp_path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "a.yaml").write_text("x: 1\n", encoding="utf-8")
    (folder / "b.yaml").write_text("y: 2\n", encoding="utf-8")
    return folder


def _declared(folder: Path, made: list[int], value=None):
    from incubator_check.workbook.readings import ValueMeaning

    def make():
        made.append(1)
        return value if value is not None else {"tenants": {"tech_sme": (ValueMeaning(
            frozenset({"科技型"}), True, "r", "某文件", dt.date(2026, 1, 17)),)}}

    return stored.stored_declarations(str(folder), make)


def test_an_edit_of_any_file_of_the_rule_data_makes_the_declarations_again(cache, rule_data):
    made: list[int] = []
    first = _declared(rule_data, made)
    assert _declared(rule_data, made) == first and made == [1]
    stat = (rule_data / "b.yaml").stat()
    (rule_data / "b.yaml").write_text("y: 3\n", encoding="utf-8")
    os.utime(rule_data / "b.yaml", ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same size, same time
    _declared(rule_data, made)
    assert made == [1, 1]
    (rule_data / "c.yaml").write_text("z: 1\n", encoding="utf-8")  # a file added is another rule data
    _declared(rule_data, made)
    assert made == [1, 1, 1]
    _declared(rule_data, made)
    assert made == [1, 1, 1]


def test_declarations_the_unpickler_would_refuse_are_never_kept(cache, rule_data):
    made: list[int] = []
    odd = {"tenants": {"x": (_Planted("builtins.exec", str(rule_data / "ran")),)}}
    assert _declared(rule_data, made, odd) is odd and _declared(rule_data, made, odd) is odd
    assert made == [1, 1] and not (rule_data / "ran").exists()
    assert not list(cache.rglob("declarations-*.pickle"))


def test_a_planted_declarations_entry_runs_nothing(cache, rule_data):
    made: list[int] = []
    _declared(rule_data, made)
    (entry,) = cache.rglob("declarations-*.pickle")
    head, listed, _, _ = entry.read_bytes().split(b"\n", 3)
    payload = pickle.dumps(_Planted("os.system", str(rule_data / "ran")), protocol=5)
    entry.write_bytes(b"\n".join([head, listed, hashlib.sha256(payload).hexdigest().encode(), payload]))
    _declared(rule_data, made)
    assert made == [1, 1] and not (rule_data / "ran").exists()
