"""What every process of the program inherits, and how it starts its reader's children: read by the entry points
before anything else of the program is imported (``_start``), by the command line, and by the supervisor."""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from typing import Iterator

#: Names a start method for every pool ("spawn", "forkserver" or "fork"): how CI runs the suite on Linux with
#: spawn, as Windows and macOS start their workers, so that a bug only spawn shows surfaces on Linux too.
START_METHOD_VARIABLE = "INCUBATOR_CHECK_START_METHOD"


def prepare_environment() -> None:
    """Set before any model exists and before any child starts; a value the user set is kept."""
    # pydantic looks for plugins of other packages (importlib.metadata over every installed distribution) when it
    # builds its first model: a tenth of a one-file check's CPU, for plugins this program never uses.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    _metadata_on_demand()


#: importlib.metadata's functions, which pydantic's plugin loader binds when it is imported (``from importlib.metadata
#: import entry_points``) and calls only when plugins are searched for.
_METADATA_FUNCTIONS = frozenset({"distribution", "distributions", "entry_points", "files", "metadata",
                                 "packages_distributions", "requires", "version"})


def _metadata_on_demand() -> None:
    """``importlib.metadata`` imported when it is first used, not when pydantic is imported.

    pydantic imports it for its plugin search, which the variable above turns off; the import alone (with ``email``,
    ``csv``, ``zipfile`` paths and the rest) is 11 ms, a twentieth of a one-file check that never calls it. In its
    place, until then, a module of the same name and spec: its functions are stand-ins that import the real module
    and call it, any other attribute imports it too, and from then on the real module is the one imported.
    Nothing changes where it is already imported (a test's sitecustomize), or where it cannot be found."""
    import importlib
    import importlib.util
    import types

    name = "importlib.metadata"
    if name in sys.modules:
        return
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return
    if spec is None:
        return

    def real() -> types.ModuleType:
        if isinstance(sys.modules.get(name), OnDemand):
            del sys.modules[name]
        module = importlib.import_module(name)
        importlib.metadata = module  # type: ignore[attr-defined]  # the package's attribute, as an import sets it
        return module

    class OnDemand(types.ModuleType):
        def __getattr__(self, attribute: str):
            if attribute in _METADATA_FUNCTIONS:
                def stand_in(*args, **kwargs):
                    return getattr(real(), attribute)(*args, **kwargs)

                stand_in.__name__ = stand_in.__qualname__ = attribute
                return stand_in
            return getattr(real(), attribute)

    module = OnDemand(name)
    # What the import system reads of a module it finds in sys.modules, set so that reading it imports nothing.
    module.__spec__, module.__file__ = spec, spec.origin
    module.__path__ = list(spec.submodule_search_locations or [])
    module.__package__ = name
    sys.modules[name] = module
    importlib.metadata = module  # type: ignore[attr-defined]


def default_start_method() -> str:
    """How the reader's children start: the variable's method where this platform has it, else fork on Linux (the
    cheapest: the child starts with the parent's imports), spawn on macOS and Windows."""
    import multiprocessing

    asked = os.environ.get(START_METHOD_VARIABLE, "").strip().lower()
    if asked in multiprocessing.get_all_start_methods():
        return asked
    return "fork" if sys.platform.startswith("linux") else "spawn"


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off for a while (one workbook, one import of the checker), and as it was
    afterwards. A check builds a roster's objects and frees them with it (reference counting does); the collector's
    full passes over a large roster find nothing to free, cost 15 % of a 50,000-row check and make the cost per row
    rise with the roster. An import makes hundreds of thousands of objects that live as long as the process, none
    of them garbage: its passes over them were 6 % of a one-file check's import of the checker."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()

