"""Writing files whole or not at all: the one writer for every file the library writes.

A crash, a full disk or an interrupt while writing must never leave a half-written
picture or checkpoint where the user's file was: the data goes to a temporary file in the
same directory, is flushed to disk, and is then renamed over the target in one step.

A process killed while writing leaves its temporary file behind. Temporaries are named
``.<target>.<pid>.<random>.tmp``, so the next write to the same target finds them, and
removes those whose writer is gone (no process of that id runs, or it is this process
and no write of this process is using the file). A temporary of another live process,
which may be writing the same target at this moment, is left alone.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
from pathlib import Path

_IN_PROGRESS: set[str] = set()  # this process's temporaries being written, by path
_LOCK = threading.Lock()
_WRITER = re.compile(r"(\d+)\.[a-z0-9_]+")  # "<pid>.<mkstemp's random letters>"


def write_atomic(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically and durably; return the path written.

    A missing directory raises ``FileNotFoundError`` naming ``path`` itself, never the
    temporary file. A new file gets the mode an ordinary write would give it; an existing
    file keeps its mode. Temporaries left by a killed write to ``path`` are removed.
    """
    target = Path(path)
    if not target.parent.is_dir():
        raise FileNotFoundError(
            f"cannot write {target}: the directory {target.parent} does not exist"
        )
    remove_stale_temporaries(target)
    with _LOCK:
        fd, temporary = tempfile.mkstemp(
            prefix=f"{_prefix(target)}{os.getpid()}.", suffix=".tmp", dir=target.parent
        )
        _IN_PROGRESS.add(temporary)
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
    finally:
        with _LOCK:
            _IN_PROGRESS.discard(temporary)
    if hasattr(os, "O_DIRECTORY"):  # POSIX: make the rename itself durable
        directory = os.open(target.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    return target


def remove_stale_temporaries(target: Path) -> list[Path]:
    """Remove the temporaries of writes to ``target`` whose writer is gone; return them.

    Only files named as ``write_atomic`` names this target's temporaries are considered,
    and a failure to remove one (permissions, a race with another cleaner) is ignored.
    """
    prefix, removed = _prefix(target), list[Path]()
    try:
        names = os.listdir(target.parent)
    except OSError:
        return removed
    for name in names:
        if not (name.startswith(prefix) and name.endswith(".tmp")):
            continue
        writer = _WRITER.fullmatch(name[len(prefix) : -len(".tmp")])
        if writer is None:
            continue
        candidate = target.parent / name
        with _LOCK:
            if str(candidate) in _IN_PROGRESS or _writer_alive(int(writer.group(1))):
                continue
        try:
            if candidate.is_file() and not candidate.is_symlink():
                candidate.unlink()
                removed.append(candidate)
        except OSError:
            pass
    return removed


def _prefix(target: Path) -> str:
    return f".{target.name}."


def _writer_alive(pid: int) -> bool:
    """Whether process ``pid`` may still be writing: True unless it surely is not running.

    This process's own temporaries are judged by ``_IN_PROGRESS`` instead. Where a process
    cannot be asked about safely (Windows, whose ``os.kill`` ends it), assume it runs.
    """
    if pid == os.getpid():
        return False
    if os.name == "nt" or pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it runs, as another user
        return True
    return True


def _default_mode() -> int:
    """0o666 less the process's umask: what ``open(path, "w")`` would create."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
