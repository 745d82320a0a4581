"""A loaded ruleset kept between processes: validated once from its texts, then read back by the next check.

Loading a ruleset resolves its ``extends`` chain, validates the result and its SME classification into the
schema's models (whose validators pydantic first has to build), works out its digest and checks its references:
~12 ms of every one-file ``check`` (issue 21, item 5: "the ruleset is compiled once and cached"). What that makes
is kept, pickled, in the user's cache folder (beside the parse cache, ``_yaml_cache.folder``), one entry per
ruleset file.

An entry is served only for the same texts and the same code. Its name is the sha256 of the ruleset's path, this
format's version and a stamp of the code that made it (the package's version, pydantic's, Python's, and the size
and time of each module that decides what the texts load to: an edited module is other code). Inside, it lists every file the load
read — the ruleset, each file it extends, its SME classification — with the sha256 of each text, and those are
read again and compared before the entry is used: a file edited by a byte, or replaced by another, is a miss.
A threshold read stale would be the worst defect this tool could have; nothing but an exact match is served.

It is read with an unpickler that builds only the schema's own models and enumerations, dates and decimals, and
refuses every other global (a planted file cannot run code); any failure (missing, cut, corrupt, refused, another
format) is a miss, and a miss is the ordinary load, whose result is then written (whole or not at all; a failure
to write is silent).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import hashlib
import io
import os
import pickle
import sys
from enum import Enum
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Callable

from .. import _yaml_cache

if TYPE_CHECKING:
    from .schema import Ruleset

__all__ = ["FORMAT", "stored_ruleset", "store_ruleset", "stored_declarations", "entry_path", "text_digest"]

#: The entries' format; part of every key. Raise it whenever what an entry holds or how it is written changes.
FORMAT = 1
_MAGIC = b"incubator-check loaded ruleset"
_PROTOCOL = 5
_KEEP = 64  # entries: one per ruleset file loaded (three bundled); each edit of a ruleset outside the package adds one


class _RulesetOnly(pickle.Unpickler):
    """An unpickler that builds a ruleset only: the schema's models and enumerations, dates, decimals."""

    def find_class(self, module: str, name: str) -> Any:
        from pydantic import BaseModel

        from . import schema

        if module == schema.__name__:
            found = getattr(schema, name, None)
            if isinstance(found, type) and issubclass(found, (BaseModel, Enum)) and found.__module__ == module:
                return found
        elif (module, name) in _PLAIN_GLOBALS:
            return _PLAIN_GLOBALS[(module, name)]
        raise pickle.UnpicklingError(f"global {module}.{name} refused")


class _DeclarationsOnly(pickle.Unpickler):
    """An unpickler that builds what rulesets declare for the reader only: field specifications and their kinds,
    value meanings, dates, decimals."""

    def find_class(self, module: str, name: str) -> Any:
        from ..workbook import layout, readings

        allowed = {(layout.__name__, "FieldSpec"): layout.FieldSpec, (layout.__name__, "Kind"): layout.Kind,
                   (layout.__name__, "Required"): layout.Required,
                   (readings.__name__, "ValueMeaning"): readings.ValueMeaning, **_PLAIN_GLOBALS}
        try:
            return allowed[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"global {module}.{name} refused") from None


_PLAIN_GLOBALS = {("datetime", "date"): dt.date, ("datetime", "datetime"): dt.datetime,
                  ("datetime", "timedelta"): dt.timedelta, ("datetime", "timezone"): dt.timezone,
                  ("decimal", "Decimal"): decimal.Decimal}


def text_digest(text: str) -> str:
    """A rule-data file's text as the loader read it (``open(…, encoding="utf-8")``), digested."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def entry_path(path: str) -> str | None:
    """Where the entry of the ruleset file ``path`` is (or would be), or None when the cache is off."""
    base = _yaml_cache.base_folder()
    if base is None:
        return None
    key = hashlib.sha256(f"{FORMAT}\n{_code_stamp()}\n{os.path.abspath(path)}".encode("utf-8", "surrogatepass"))
    return os.path.join(base, f"loaded-rulesets-v{FORMAT}", key.hexdigest() + ".pickle")


def stored_ruleset(path: str) -> "Ruleset | None":
    """The ruleset an earlier load of ``path`` made, when every file it read is unchanged; else None."""
    where = entry_path(path)
    if where is None:
        return None
    try:
        entry = _read_entry(where)
        if entry is None:
            return None
        listed, payload = entry
        for item in listed.split("\t"):
            read, _, digest = item.rpartition("|")
            with open(read, encoding="utf-8") as handle:  # as the loader reads it
                if text_digest(handle.read()) != digest:
                    return None
        ruleset = _RulesetOnly(io.BytesIO(payload)).load()
    except Exception:  # noqa: BLE001 - missing, unreadable, cut, corrupt, refused, a file gone: a miss
        return None
    from .schema import Ruleset

    return ruleset if type(ruleset) is Ruleset and ruleset.path == path else None


def store_ruleset(path: str, read: list[tuple[str, str]], ruleset: "Ruleset") -> None:
    """Keep ``ruleset``, loaded from ``path`` after reading ``read`` ((file, its text) each), for the next load."""
    where = entry_path(path)
    if where is None or any("\t" in f or "\n" in f or "|" in os.path.basename(f) for f, _ in read):
        return
    try:
        payload = pickle.dumps(ruleset, protocol=_PROTOCOL)
        _write(where, "\t".join(f"{f}|{text_digest(text)}" for f, text in dict(read).items()), payload)
    except Exception:  # noqa: BLE001 - a read-only home, a full disk, a file another process holds (Windows)
        return


def stored_declarations(folder: str, make: Callable[[], Any]) -> Any:
    """What the bundled rulesets declare for the reader (``make()``: their fields and value readings, worked out
    from every rule-data file of ``folder``), kept like a loaded ruleset: served only when every ``.yaml`` file of
    the folder has the text it had, with the same code; else made, and kept when no file changed meanwhile."""
    base = _yaml_cache.base_folder()
    try:
        files = sorted(os.path.join(folder, n) for n in os.listdir(folder) if n.endswith((".yaml", ".yml")))
    except OSError:
        files = []
    if base is None or not files:
        return make()
    key = hashlib.sha256(f"{FORMAT}\n{_code_stamp()}\ndeclarations\n{os.path.abspath(folder)}".encode("utf-8", "surrogatepass"))
    where = os.path.join(base, f"loaded-rulesets-v{FORMAT}", "declarations-" + key.hexdigest() + ".pickle")
    before = _texts(files)
    with contextlib.suppress(Exception):  # missing, cut, corrupt, refused: a miss
        entry = _read_entry(where)
        if entry is not None and entry[0] == _listed(before):
            return _DeclarationsOnly(io.BytesIO(entry[1])).load()
    made = make()
    # Not kept when it would not read back (a type the unpickler refuses) or cannot be written: made each time then.
    with contextlib.suppress(Exception):
        payload = pickle.dumps(made, protocol=_PROTOCOL)
        _DeclarationsOnly(io.BytesIO(payload)).load()
        if _texts(files) == before:  # else a file changed while it was read: what was made may mix both texts
            _write(where, _listed(before), payload)
    return made


def _texts(files: list[str]) -> list[tuple[str, str | None]]:
    """Each file with the digest of its text as the loader reads it (None: unreadable)."""
    out = []
    for file in files:
        try:
            with open(file, encoding="utf-8") as handle:
                out.append((file, text_digest(handle.read())))
        except (OSError, ValueError):
            out.append((file, None))
    return out


def _listed(texts: list[tuple[str, str | None]]) -> str:
    return "\t".join(f"{f}|{d}" for f, d in texts)


def _read_entry(where: str) -> tuple[str, bytes] | None:
    """An entry's list of files read (``file|sha256``, tab-separated) and its payload, when its format and its
    payload's checksum are right; None otherwise. Raises OSError when there is none."""
    with open(where, "rb") as handle:
        raw = handle.read()
    head, _, rest = raw.partition(b"\n")
    listed, _, rest = rest.partition(b"\n")
    check, _, payload = rest.partition(b"\n")
    if head != b"%s v%d" % (_MAGIC, FORMAT) or check != hashlib.sha256(payload).hexdigest().encode():
        return None
    return listed.decode("utf-8", "surrogatepass"), payload


def _write(where: str, listed: str, payload: bytes) -> None:
    """An entry, whole or not at all (``_files.atomic_path``), then the oldest beyond :data:`_KEEP` removed."""
    from .._files import atomic_path

    os.makedirs(os.path.dirname(where), exist_ok=True)
    with atomic_path(where) as temporary, open(temporary, "wb") as out:
        out.write(b"%s v%d\n%s\n%s\n" % (_MAGIC, FORMAT, listed.encode("utf-8", "surrogatepass"),
                                         hashlib.sha256(payload).hexdigest().encode()) + payload)
    _yaml_cache.prune(os.path.dirname(where), _KEEP)


#: The modules, besides every one of ``rules/``, whose code decides what a ruleset's texts load to.
_LOADER_MODULES = ("__init__.py", "_yaml_cache.py", "errors.py", "findings.py", "workbook/layout.py",
                   "workbook/readings.py", "workbook/values.py")


@lru_cache(maxsize=1)
def _code_stamp() -> str:
    """The code that turns texts into a ruleset, as a stamp: the versions, and each module that decides what the
    texts load to (every one of ``rules/``, and :data:`_LOADER_MODULES`) by its size and time, so that an edited
    checkout is other code; in a frozen executable, which has no module files, the executable's own."""
    import pydantic

    from .. import __version__

    rules = os.path.dirname(os.path.abspath(__file__))
    package = os.path.dirname(rules)
    files = [os.path.join(package, name) for name in _LOADER_MODULES]
    with contextlib.suppress(OSError), os.scandir(rules) as entries:
        files += [e.path for e in entries if e.name.endswith(".py")]
    modules = []
    for file in files:
        with contextlib.suppress(OSError):
            info = os.stat(file)
            modules.append(f"{os.path.relpath(file, package)}:{info.st_mtime_ns}:{info.st_size}")
    if not modules:
        with contextlib.suppress(OSError):
            info = os.stat(sys.executable)
            modules.append(f"{sys.executable}:{info.st_mtime_ns}:{info.st_size}")
    return hashlib.sha256("\n".join([__version__, pydantic.VERSION, sys.version] + sorted(modules))
                          .encode("utf-8", "surrogatepass")).hexdigest()
