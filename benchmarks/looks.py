"""Cost of the formatting pass (issue 15): what reading a workbook as a person sees it adds to a read.

    python benchmarks/looks.py [N]        # N tenants a workbook (default 100; also 1,000 and 10,000)

For each roster size, three .xlsx files: a plain one (the pass finds nothing to look for), one with hidden rows
and a hidden column, and one with struck-through rows and a display-scaling format on every money cell (the pass
searches the cells' styles). Per file: the bare python-calamine read (every sheet to Python rows), the
formatting pass alone (``workbook.looks``: hidden sheets from calamine's metadata, styles.xml, the worksheet XML),
and the whole project read; each the best of 5. The ratio is the pass over the bare read.

An .xls or .ods costs no extra pass: python-calamine's sheet metadata gives their sheets' visibility, and their
rows, columns, fonts and formats are not read (docs/limits.md).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time

import python_calamine
from openpyxl.styles import Font

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "fixtures"))

import build  # noqa: E402

from incubator_check import read_workbook  # noqa: E402
from incubator_check.workbook.looks import hidden_sheets, sheet_looks  # noqa: E402


def bare_read(path: str) -> None:
    book = python_calamine.CalamineWorkbook.from_path(path)
    for name in book.sheet_names:
        book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    book.close()


def looks_pass(path: str) -> None:
    data = open(path, "rb").read()
    book = python_calamine.CalamineWorkbook.from_filelike(__import__("io").BytesIO(data))
    hidden_sheets(book)
    sheet_looks(data, set(book.sheet_names))
    book.close()


def best(fn, path: str, rounds: int = 5) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn(path)
        times.append(time.perf_counter() - start)
    return min(times) * 1000


def make(folder: str, n: int) -> dict[str, str]:
    data = build.standard_application(n, seed=3, total_staff=max(20, n), fulltime_service_staff=max(17, n * 85 // 100))
    paths = {}
    for kind in ("plain", "hidden", "struck-scaled"):
        wb = build.build_workbook(data)
        ws = wb[build.TENANTS.name]
        if kind == "hidden":
            for r in range(5, 5 + max(1, n // 20)):
                ws.row_dimensions[r].hidden = True
            ws.column_dimensions["T"].hidden = True
        elif kind == "struck-scaled":
            for r in range(5, 5 + max(1, n // 20)):
                for c in range(1, ws.max_column + 1):
                    ws.cell(row=r, column=c).font = Font(strike=True)
            for row in ws.iter_rows(min_row=2, min_col=8, max_col=12):
                for cell in row:
                    cell.number_format = "#,##0,"
        path = os.path.join(folder, f"{kind}-{n}.xlsx")
        build.save(wb, path)
        paths[kind] = path
    return paths


def main(argv: list[str]) -> int:
    sizes = [int(argv[0])] if argv else [100, 1000, 10000]
    print(f"{'file':24} {'bare read ms':>12} {'looks ms':>9} {'ratio':>6} {'project read ms':>16}")
    with tempfile.TemporaryDirectory() as folder:
        for n in sizes:
            for kind, path in make(folder, n).items():
                bare, looks, whole = best(bare_read, path), best(looks_pass, path), best(read_workbook, path, 3)
                print(f"{os.path.basename(path):24} {bare:12.1f} {looks:9.1f} {looks / bare:6.2f} {whole:16.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
