"""autograd.files: a file is written whole or not at all, and a killed write is cleaned up.

A write that is killed (kill -9) between creating its temporary file and renaming it
leaves that temporary behind; the next write to the same path removes it, and leaves
alone the temporaries of other paths and of writers that still run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from autograd.files import remove_stale_temporaries, write_atomic

ROOT = Path(__file__).resolve().parent.parent


def a_dead_pid() -> int:
    """The id of a process that ran and has ended (and was reaped)."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_write_replaces_the_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "out.bin"
    write_atomic(path, b"old")
    assert write_atomic(path, b"new") == path
    assert path.read_bytes() == b"new"
    assert os.listdir(tmp_path) == ["out.bin"]


@pytest.mark.skipif(sys.platform == "win32", reason="kill -9 and POSIX process ids")
def test_the_temporary_of_a_killed_write_is_removed_by_the_next_write(tmp_path):
    path = tmp_path / "model.json"
    write_atomic(path, b"old")
    hang = textwrap.dedent(
        f"""
        import os, sys, time
        sys.path.insert(0, {str(ROOT)!r})
        from autograd import files
        def stop(fd):
            print("writing", flush=True)
            time.sleep(60)
        os.fsync = stop
        files.write_atomic({str(path)!r}, b"half")
        """
    )
    writer = subprocess.Popen([sys.executable, "-c", hang], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout is not None and writer.stdout.readline() == "writing\n"
        os.kill(writer.pid, signal.SIGKILL)
    finally:
        writer.wait()
    left = sorted(set(os.listdir(tmp_path)) - {"model.json"})
    assert len(left) == 1 and left[0].startswith(f".model.json.{writer.pid}.")
    assert path.read_bytes() == b"old"  # the killed write never reached the file

    write_atomic(path, b"new")
    assert os.listdir(tmp_path) == ["model.json"]
    assert path.read_bytes() == b"new"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX process ids")
def test_only_this_paths_temporaries_of_ended_writers_are_removed(tmp_path):
    target = tmp_path / "model.json"
    dead, alive = a_dead_pid(), os.getppid()  # the parent runs while this test does
    stale = tmp_path / f".model.json.{dead}.abc_123.tmp"
    kept = [
        tmp_path / f".model.json.{alive}.abc_123.tmp",  # a live writer may be writing it
        tmp_path / f".model.json.5.{dead}.abcdefgh.tmp",  # the temporary of model.json.5
        tmp_path / f".other.json.{dead}.abcdefgh.tmp",  # another file's
        tmp_path / f".model.json.{dead}.tmp",  # not a name write_atomic makes
        tmp_path / "model.json.tmp",
    ]
    for file in [stale, *kept]:
        file.write_bytes(b"x")
    assert remove_stale_temporaries(target) == [stale]
    assert not stale.exists() and all(file.exists() for file in kept)


def test_a_temporary_of_this_process_is_removed_unless_a_write_is_using_it(tmp_path):
    target = tmp_path / "model.json"
    leftover = tmp_path / f".model.json.{os.getpid()}.abcdefgh.tmp"
    leftover.write_bytes(b"x")
    write_atomic(target, b"data")
    assert os.listdir(tmp_path) == ["model.json"]


def test_a_stale_directory_of_that_name_is_left_alone(tmp_path):
    directory = tmp_path / f".model.json.{a_dead_pid()}.abcdefgh.tmp"
    directory.mkdir()
    write_atomic(tmp_path / "model.json", b"data")
    assert directory.is_dir()


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_a_write_that_fails_midway_keeps_the_old_file_whole(tmp_path, monkeypatch, failing):
    path = tmp_path / "out.bin"
    write_atomic(path, b"old")

    def crash(*args: object) -> None:
        raise OSError("disk died")

    monkeypatch.setattr(os, failing, crash)
    with pytest.raises(OSError, match="disk died"):
        write_atomic(path, b"new")
    monkeypatch.undo()
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["out.bin"]


def test_writing_into_a_missing_directory_names_the_users_path(tmp_path):
    path = tmp_path / "no" / "such" / "out.bin"
    with pytest.raises(FileNotFoundError) as raised:
        write_atomic(path, b"data")
    assert str(path) in str(raised.value) and ".tmp" not in str(raised.value)
