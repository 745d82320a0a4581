"""The gate in front of the reader: what a file must be before it is opened, and the limits it must keep.

A ``.xlsx`` or ``.ods`` is a zip of XML; a ``.xls`` is a compound file holding a BIFF
record stream. python-calamine trusts much of it: one cell at ``XFD1048576`` makes it
allocate a dense grid of 17 billion cells and abort the whole process, an ``.xls``
``DIMENSIONS`` record is reserved as given, an ``.ods`` repeats rows and columns as
told, and a few BIFF records are indexed unchecked (a Rust panic, which Python sees as
a ``BaseException``). So before python-calamine sees a file, this package checks it,
inflating each zip member once, in bounded pieces:

- the zip directory: member count, declared inflated size, compression ratio,
  member names (path traversal, duplicates), Word/PowerPoint documents;
- every member: it may not inflate past its declared size (a lying zip bomb), and
  its size and CRC must match;
- every XML part (also one padded past its first kilobytes, or in UTF-16): no DTD,
  no entity declaration;
- macros (.xlsm) and Strict OOXML;
- every worksheet's cells and merged ranges (xlsx: screened first, with a few searches over each part that an
  ordinary sheet passes; anything unusual, and any refusal, goes to the full scan, so the code is the full scan's), every table's rows and columns
  with repetitions expanded (ods), every BIFF cell, ``DIMENSIONS`` and
  ``MERGEDCELLS`` record (xls): rows, columns and cells within :class:`Limits`;
- the compound file of an ``.xls``: encryption (``FILEPASS``, or an encrypted OOXML
  package), sector chains that loop or leave the file, records too short for what
  python-calamine reads from them.

Every refusal is a :class:`Finding` with a stable code, carried by
:class:`WorkbookError`; nothing here writes to the file. ``docs/limits.md`` lists the
limits and the codes.

One module a format or concern, in import order (``docs/architecture.md``):

- ``_limits``: :class:`Limits`, :class:`TooLarge`, the text budget, the refusals' findings;
- ``_xml``: XML in UTF-8 pieces with no DTD, expat, counts as python-calamine reads them;
- ``_ods``: an ``.ods`` ``content.xml``, its tables with their repetitions expanded;
- ``_sheet``: an ``.xlsx`` worksheet's extent and formula cells, its shared-string table;
- ``_zip``: the zip container (members, inflation, CRC) and the walk over an ``.xlsx``/``.ods`` package;
- ``_ole``: the compound file of an ``.xls`` and its BIFF stream;
- ``_file``: the file read once, its format sniffed and dispatched; the finding for what calamine cannot read.
"""

from __future__ import annotations

from .file import check_data, check_file, full_scan, full_scan_only, read_bytes, unreadable
from .limits import Limits, TooLarge
from .container import forget_passed, sheet_parts

__all__ = ["Limits", "TooLarge", "check_data", "check_file", "full_scan", "full_scan_only", "read_bytes", "sheet_parts", "unreadable", "forget_passed"]
