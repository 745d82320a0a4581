"""The rule data's parse cache: YAML text → its data, parsed once per content and kept on the user's disk.

Every check reads the bundled rule data (rulesets, the SME classification, the authorities, other systems'
headers, plausibility), ~100 KB of YAML that PyYAML takes ~40 ms to import and parse. The data a text parses to
is kept, pickled, in one file per text, named by the **sha256 of the text** (its UTF-8 bytes: exactly what the
parser is given) and this format's version (:data:`FORMAT`). An entry is served only when its name and its
header both carry that key and the payload's own sha256 matches: a file edited by a single byte has another
key, so its old data can never be served for it (the YAML stays the source of truth; an entry is a copy of
what it parses to, nothing else). A check that finds every entry imports no PyYAML.

What an entry may hold: mappings, lists, text, numbers, booleans, None, and the dates and times YAML makes
(``datetime.date``, ``datetime.datetime`` with its ``timezone`` and ``timedelta``). It is read with an
unpickler that refuses every other global (:class:`_DataOnly`), so a planted file cannot run code; data of any
other kind is never written. A file that is missing, unreadable, truncated, corrupt, of another format or
holding a refused global is a miss: the text is parsed and the entry written again. Writes go to a temporary
file in the same folder, renamed into place (``os.replace``); a failure to write (a read-only home, a full
disk) is silent and never fails a check.

Where: :func:`folder`, the user's cache folder (``platformdirs.user_cache_dir("incubator-check")``:
``~/.cache/incubator-check`` on Linux, ``%LOCALAPPDATA%\\incubator-check\\Cache`` on Windows,
``~/Library/Caches/incubator-check`` on macOS), or the folder the environment variable
``INCUBATOR_CHECK_CACHE_DIR`` names; that variable empty or ``off`` turns the cache off. Entries go in a
subfolder of the format's version; at most :data:`_KEEP` are kept (the oldest go when a new one is written).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import os
import pickle
from functools import lru_cache
from typing import Any

__all__ = ["VARIABLE", "FORMAT", "load", "base_folder", "folder", "entry_path", "prune"]

#: The environment variable that names the cache folder; empty or ``off``: no cache.
VARIABLE = "INCUBATOR_CHECK_CACHE_DIR"
#: The entries' format; part of every key. Raise it whenever what an entry holds or how it is written changes.
FORMAT = 1
_MAGIC = b"incubator-check parsed YAML"
_PROTOCOL = 5  # Python 3.8 and later read it; the package needs 3.10
_KEEP = 256  # entries: the bundled files and their fragments are ~20; each edit of a ruleset adds one

#: The only globals an entry may name: the types YAML's safe loader makes for dates and times.
_ALLOWED = {("datetime", "date"): dt.date, ("datetime", "datetime"): dt.datetime,
            ("datetime", "timezone"): dt.timezone, ("datetime", "timedelta"): dt.timedelta}
_PLAIN = (str, int, float, bool, type(None), dt.date, dt.timedelta, dt.timezone)  # dt.datetime is a dt.date


class _DataOnly(pickle.Unpickler):
    """An unpickler that builds data only: any global other than the date and time types is refused."""

    def find_class(self, module: str, name: str) -> Any:
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"global {module}.{name} refused") from None


def _unpickle(payload: bytes) -> Any:
    return _DataOnly(io.BytesIO(payload)).load()


def load(text: str) -> Any:
    """YAML text → its data, a fresh copy each call (callers may edit it): parsed by PyYAML's safe loader, or
    unpickled from what an earlier parse of the same text left in this process or on disk."""
    return _unpickle(_payload(text))


def base_folder() -> str | None:
    """The program's cache folder (this cache's entries and the loaded rulesets' are in folders of it), or None
    when the cache is off."""
    base = os.environ.get(VARIABLE)
    if base is None:
        try:
            from platformdirs import user_cache_dir

            base = user_cache_dir("incubator-check", appauthor=False)
        except Exception:  # no user folder to be had: no cache, and the check goes on
            return None
    elif not base.strip() or base.strip().lower() == "off":
        return None
    return base


def folder() -> str | None:
    """The folder of this format's entries, or None when the cache is off."""
    base = base_folder()
    return None if base is None else os.path.join(base, f"parsed-yaml-v{FORMAT}")


def entry_path(text: str) -> str | None:
    """Where the entry for ``text`` is (or would be), or None when the cache is off."""
    where = folder()
    return None if where is None else os.path.join(where, _digest(text) + ".pickle")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _header(key: str, payload: bytes) -> bytes:
    return b"%s v%d\n%s\n%s\n" % (_MAGIC, FORMAT, key.encode(), hashlib.sha256(payload).hexdigest().encode())


@lru_cache(maxsize=64)
def _payload(text: str) -> bytes:
    """The pickled data of ``text``: once per process for each text (a fresh copy is one unpickling)."""
    key = _digest(text)
    where = folder()
    path = None if where is None else os.path.join(where, key + ".pickle")
    if path is not None:
        found = _read(path, key)
        if found is not None:
            return found
    data = _parse(text)
    payload = pickle.dumps(data, protocol=_PROTOCOL)
    if path is not None and _is_data(data):
        _write(path, _header(key, payload) + payload)
    return payload


def _parse(text: str) -> Any:
    """YAML text → its data, safely (no tags that build objects); with libyaml's loader when PyYAML has it (most
    wheels do), five times faster than the pure-Python one."""
    import yaml

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _read(path: str, key: str) -> bytes | None:
    """The entry's payload when the file is whole, carries ``key`` and unpickles as data; else None."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
        head, _, rest = raw.partition(b"\n")
        named, _, rest = rest.partition(b"\n")
        check, _, payload = rest.partition(b"\n")
        if head != b"%s v%d" % (_MAGIC, FORMAT) or named != key.encode() \
                or check != hashlib.sha256(payload).hexdigest().encode():
            return None
        _unpickle(payload)  # data only, whole: a refused global or a cut pickle is a miss
        return payload
    except Exception:  # unreadable, corrupt, refused: a miss, whatever the reason
        return None


def _write(path: str, content: bytes) -> None:
    """``content`` as the file ``path``, whole or not at all (``_files.atomic_path``); any failure is silent."""
    from ._files import atomic_path

    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with atomic_path(path) as temporary, open(temporary, "wb") as out:
            out.write(content)
        prune(os.path.dirname(path))
    except Exception:  # noqa: BLE001 - a read-only home, a full disk, a file another process holds open (Windows)
        return


def prune(where: str, keep: int | None = None) -> None:
    """At most ``keep`` entries (this cache's :data:`_KEEP` by default) in the folder ``where`` (this cache's, or the
    loaded rulesets'): the oldest written go first."""
    keep = _KEEP if keep is None else keep
    with os.scandir(where) as entries:
        found = [(e.stat().st_mtime_ns, e.path) for e in entries if e.name.endswith(".pickle")]
    for _, path in sorted(found)[: max(0, len(found) - keep)]:
        with contextlib.suppress(OSError):
            os.unlink(path)


def _is_data(value: Any) -> bool:
    """True when ``value`` holds only what an entry may hold (what :class:`_DataOnly` reads back)."""
    if isinstance(value, dict):
        return all(_is_data(k) and _is_data(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_is_data(v) for v in value)
    return type(value) in _PLAIN or type(value) is dt.datetime
