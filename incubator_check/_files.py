"""Output files that lose nothing: never an input, whole or not at all, a stream when the target is one.

- An output is compared with every input by file identity (device and inode, after links),
  not by path: ``check link.xlsx -o real.xlsx`` and ``batch DIR -o DIR/app1.xlsx`` are refused.
- ``-`` is standard output; a target that exists and is not a regular file (a FIFO, a device such as
  ``/dev/null``) is written as the stream it is, never replaced by a regular file.
- A regular file is written to a temporary name beside it and renamed into place when complete. The
  temporary name carries the writer's process id, so a later run removes what a killed one left
  (``.~汇总.xlsx.12345.3f9a1c.part``); SIGTERM is turned into an exit that removes it at once.
- A failure to write (a full disk, a read-only folder, a file open in Excel) is :class:`OutputFailed`,
  which the command line reports in one bilingual line with exit code 3.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
import sys
import time
from typing import IO, Iterator

STDOUT = "-"
_PART = re.compile(r"^\.~(?P<base>.+)\.(?P<pid>\d+)\.[0-9a-f]{12}\.part$")
_STALE_SECONDS = 3600  # where a writer's liveness cannot be asked (Windows), a temporary this old is stale


# The zip comment of every workbook this tool writes: a later batch over the same folder recognises it from the
# file's last bytes, without parsing anything, and skips it instead of counting it as a failed application.
OUTPUT_MARK = b"incubator-check output workbook"


def is_own_output(data: bytes) -> bool:
    """True for a workbook this tool wrote (its zip comment is :data:`OUTPUT_MARK`)."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 22 - 256))
    return end >= 0 and data[end + 22:].rstrip(b"\0") == OUTPUT_MARK


class OutputFailed(OSError):
    """An output could not be written; ``zh``/``en`` say which and why."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path, self.reason = path, reason
        self.zh = f"无法写入 {path}（{reason}；磁盘是否已满、文件夹是否只读、文件是否正被 Excel/WPS 打开？）"
        self.en = f"cannot write {path} ({reason}; is the disk full, the folder read-only, or the file open in Excel/WPS?)"


def _identity(path: str) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    return (info.st_dev, info.st_ino) if info.st_ino else None


def is_stream(path: str) -> bool:
    """True for standard output and for an existing target that is not a regular file (a FIFO, a device)."""
    if path == STDOUT:
        return True
    try:
        return not stat.S_ISREG(os.stat(path).st_mode) and not stat.S_ISDIR(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def input_it_would_replace(output: str, inputs: list[str]) -> str | None:
    """The input that writing ``output`` would overwrite, by identity (links followed), or None."""
    if output == STDOUT or is_stream(output):
        return None
    target = _identity(output)
    if target is None:  # the output does not exist yet: it can only be an input by its path
        absolute = os.path.normcase(os.path.abspath(output))
        return next((p for p in inputs if os.path.normcase(os.path.abspath(p)) == absolute), None)
    return next((p for p in inputs if _identity(p) == target), None)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if sys.platform == "win32":  # os.kill(pid, 0) would terminate it there; a running writer holds its file open
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def remove_stale_parts(path: str) -> None:
    """Remove the temporaries a killed run left for ``path`` (their writer is gone, or they are old)."""
    folder = os.path.dirname(os.path.abspath(path))
    base = os.path.basename(path)
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            match = _PART.match(entry.name)
            if not match or match["base"] != base:
                continue
            with contextlib.suppress(OSError):
                if not _alive(int(match["pid"])) and (sys.platform != "win32"
                                                       or time.time() - entry.stat().st_mtime > _STALE_SECONDS):
                    os.unlink(entry.path)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[str]:
    """A temporary path beside ``path``, renamed onto it when the block succeeds and removed when it fails.

    The file is created with ordinary permissions (0666 less the umask), so the result is as readable as a
    file saved directly; an interrupted run leaves neither a half-written output nor a stray temporary file.
    """
    path = os.fspath(path)
    remove_stale_parts(path)
    folder = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(folder, f".~{os.path.basename(path)}.{os.getpid()}.{secrets.token_hex(6)}.part")
    try:
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    except OSError as exc:
        raise OutputFailed(path, exc.strerror or type(exc).__name__) from None
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise OutputFailed(path, exc.strerror or str(exc)) from None
        raise


@contextlib.contextmanager
def output_stream(path: str) -> Iterator[IO[bytes]]:
    """A binary handle on the output: standard output, the stream a FIFO or device is, or an atomic file."""
    try:
        if path == STDOUT:
            stream = sys.stdout.buffer if hasattr(sys.stdout, "buffer") else None
            if stream is None:  # a test runner's text stdout
                import io

                buffer = io.BytesIO()
                yield buffer
                sys.stdout.write(buffer.getvalue().decode("utf-8", "replace"))
                return
            yield stream
            stream.flush()
        elif is_stream(path):
            with open(path, "wb") as handle:
                yield handle
        else:
            with atomic_path(path) as tmp, open(tmp, "wb") as handle:
                yield handle
    except OSError as exc:
        raise OutputFailed(path, exc.strerror or str(exc)) from None


@contextlib.contextmanager
def output_text(path: str, encoding: str = "utf-8") -> Iterator[IO[str]]:
    """A text handle on the output (UTF-8, ``\\n`` line ends), written whole or not at all."""
    import io

    with output_stream(path) as raw:
        handle = io.TextIOWrapper(raw, encoding=encoding, errors="strict" if encoding == "utf-8" else "replace",
                                  newline="\n", write_through=False)
        try:
            yield handle
            handle.flush()
        finally:
            handle.detach()
