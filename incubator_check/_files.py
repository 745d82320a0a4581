"""Output files written whole or not at all: a temporary name beside the target, renamed into place."""

from __future__ import annotations

import contextlib
import os
import secrets
from typing import Iterator


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[str]:
    """A temporary path beside ``path``, renamed onto it when the block succeeds and removed when it fails.

    The file is created with ordinary permissions (0666 less the umask), so the result is as readable as a
    file saved directly; an interrupted run leaves neither a half-written output nor a stray temporary file.
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(folder, f".~{os.path.basename(path)}.{secrets.token_hex(6)}")
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
