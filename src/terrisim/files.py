"""Writing files safely: flushing them to disk, and saying in one line why a write failed.

Used by ``terrisim run`` (:mod:`terrisim.run_folder`) and the sweep's result store
(:mod:`terrisim.experiments.store`). Standard library only, so the command line starts fast.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
from collections.abc import Iterator
from pathlib import Path

_ERRNO_IN_TEXT = re.compile(r"\[errno (\d+)\]", re.IGNORECASE)


def fsync_dir(directory: Path) -> None:
    """Flush a directory entry to disk (makes a rename durable).

    Args:
        directory: The directory whose entries changed.
    """
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_folder(folder: Path) -> None:
    """Flush every file of a folder (not its sub-folders), then the folder itself, to disk.

    Args:
        folder: The folder.
    """
    for path in folder.iterdir():
        if path.is_file():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    fsync_dir(folder)


def error_number(exc: OSError) -> int | None:
    """The errno of an OSError, also when only its text has it (pyarrow's ``[errno 28]``)."""
    if exc.errno is not None:
        return exc.errno
    found = _ERRNO_IN_TEXT.search(str(exc))
    return int(found.group(1)) if found else None


def os_error_text(exc: OSError, path: str | Path | None = None) -> str:
    """One line naming the path an OSError is about and what the errno means.

    Example: ``runs/demo/territories.parquet: No space left on device (ENOSPC)``.

    Args:
        exc: The error.
        path: The path to name when the error does not carry one (pyarrow's do not).

    Returns:
        ``PATH: meaning (ENAME)``, or ``PATH: the error's own text`` without an errno.
    """
    where = exc.filename if exc.filename is not None else path
    number = error_number(exc)
    if number is None:
        meaning = exc.strerror or str(exc) or type(exc).__name__
    else:
        meaning = f"{os.strerror(number)} ({errno.errorcode.get(number, f'errno {number}')})"
    return meaning if where is None else f"{os.fsdecode(where)}: {meaning}"


@contextlib.contextmanager
def naming(path: Path) -> Iterator[None]:
    """Give an OSError raised in the block the path being written, if it names none.

    Args:
        path: The file the block writes.

    Raises:
        OSError: The block's, with ``filename`` set to ``path`` when it had none.
    """
    try:
        yield
    except OSError as exc:
        if exc.filename is not None:
            raise
        number = error_number(exc)
        raise OSError(number, os.strerror(number) if number else str(exc), str(path)) from exc
