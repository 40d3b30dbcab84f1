"""Writing files whole or not at all: the one writer for every file the library writes.

A crash, a full disk or an interrupt while writing must never leave a half-written
picture or checkpoint where the user's file was: the data goes to a temporary file in the
same directory, is flushed to disk, and is then renamed over the target in one step.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically and durably; return the path written.

    A missing directory raises ``FileNotFoundError`` naming ``path`` itself, never the
    temporary file. A new file gets the mode an ordinary write would give it; an existing
    file keeps its mode.
    """
    target = Path(path)
    if not target.parent.is_dir():
        raise FileNotFoundError(
            f"cannot write {target}: the directory {target.parent} does not exist"
        )
    fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, target.stat().st_mode if target.exists() else _default_mode())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    if hasattr(os, "O_DIRECTORY"):  # POSIX: make the rename itself durable
        directory = os.open(target.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    return target


def _default_mode() -> int:
    """0o666 less the process's umask: what ``open(path, "w")`` would create."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
