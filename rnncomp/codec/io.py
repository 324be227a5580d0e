"""Crash-safe file output."""

import contextlib
import os
import uuid

from rnncomp.codec.errors import OutputExistsError


def write_atomic(path: str | os.PathLike, data: bytes, overwrite: bool = False) -> None:
    """Write ``data`` to ``path`` so that the path holds either the old or the complete new file.

    The data goes to a temporary file in the same directory, is fsynced, and is renamed over
    ``path``; on any error the temporary file is removed. The existence check and the rename are
    not one atomic step, so a file created concurrently in between gets replaced.

    Raises:
        OutputExistsError: if ``path`` exists and ``overwrite`` is False.
        OSError: if writing fails.
    """
    path = os.fspath(path)
    if not overwrite and os.path.lexists(path):
        raise OutputExistsError(f"{path} already exists (allow overwriting to replace it)")
    directory, name = os.path.split(os.path.abspath(path))
    temp = os.path.join(directory, f".{name}.{uuid.uuid4().hex}.tmp")
    # os.open with mode 0o666 gives the file the usual umask-derived permissions (mkstemp: 0o600).
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    _fsync_directory(directory)


def output_problem(path: str | os.PathLike, overwrite: bool) -> str | None:
    """Why `path` cannot take a new file (a missing folder, or a file there without
    `overwrite`), or None: checked before the minutes of work that precede a write."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        return f"no such folder for {path}: {folder}"
    if os.path.lexists(path) and not overwrite:
        return f"{path} exists (use --force to overwrite)"
    return None


def _fsync_directory(directory: str) -> None:
    """Persist the rename on POSIX systems; elsewhere directories cannot be opened for fsync."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
