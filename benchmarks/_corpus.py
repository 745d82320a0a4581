"""Benchmark corpora: N application workbooks of 100 tenants each, made by fixtures/build.py."""

from __future__ import annotations

import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "fixtures"))

import build  # noqa: E402  (fixtures/build.py)


def make_corpus(folder: str, count: int, tenants: int = 100) -> list[str]:
    """Write ``count`` distinct workbooks (8 templates, copied) into ``folder``; reuse it if already complete."""
    os.makedirs(folder, exist_ok=True)
    paths = [os.path.join(folder, f"application-{i:05d}.xlsx") for i in range(count)]
    if all(os.path.exists(p) for p in paths):
        return paths
    templates = []
    for seed in range(1, 9):
        path = os.path.join(folder, f"_template-{seed}.xlsx")
        if not os.path.exists(path):
            data = build.standard_application(n_tenants=tenants, seed=seed)
            build.write_workbook(data, path)
        templates.append(path)
    for i, path in enumerate(paths):
        if not os.path.exists(path):
            shutil.copyfile(templates[i % len(templates)], path)
    return paths
