"""A run's output folder, replaced whole or not at all (``terrisim run --out DIR``).

A run writes its files into a hidden sibling folder, ``.DIR.partial-PID`` (same parent, so
the same file system), flushes them to disk and renames that folder to ``DIR`` only when every
file is written. An interrupted or failed run (Ctrl-C, SIGTERM, ``kill -9``, an error, a full
disk) therefore never touches an earlier ``DIR``, and every file of a run folder comes from
the same run (no ``summary.png`` of an earlier run beside the new results).

``DIR`` may be absent or empty. A folder holding an earlier run is replaced only when asked
(``--overwrite``; the default folder ``runs/latest`` always is): it is renamed aside
(``.DIR.old-PID``), the new one renamed in, then the old one deleted; Ctrl-C and SIGTERM wait
until the three are done. A folder holding anything else (no ``manifest.json`` of
``terrisim run``, or files it does not write) is never replaced, nor is the current folder or
one holding it (``--out .``). A symbolic link is followed: the folder it points to is replaced.

Leftovers of a killed run (``kill -9``, a power cut) are dealt with by the next run into the
same ``DIR`` (:func:`clean_leftovers`): partial folders are deleted, and an old folder set aside
just before the kill is put back if ``DIR`` is missing (deleted if not).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from terrisim.errors import ScenarioError
from terrisim.files import fsync_dir, fsync_folder
from terrisim.signals import signals_held

#: The files ``terrisim run`` writes (``terrisim.output.write_run``).
RUN_FILES = frozenset(
    {
        "series.parquet",
        "territories.parquet",
        "events.csv",
        "summary.json",
        "manifest.json",
        "summary.png",
    }
)
MANIFEST = "manifest.json"
PARTIAL = "partial"
OLD = "old"


def place(out: Path) -> Path:
    """``out`` as an absolute path, links followed: the folder the renames act on.

    So that ``.`` and ``..`` have a name and a parent, and a symbolic link to a run folder
    stays a link to the new run (the folder it points to is replaced, not the link).
    """
    return Path(os.path.realpath(out))


def sibling(out: Path, kind: str, pid: int | None = None) -> Path:
    """The hidden folder ``.NAME.KIND-PID`` beside ``out`` (``kind``: partial or old)."""
    out = place(out)
    return out.parent / f".{out.name}.{kind}-{os.getpid() if pid is None else pid}"


def earlier_run(out: Path) -> dict | None:
    """The manifest of the run in ``out`` (None if ``out`` holds no ``terrisim run``)."""
    try:
        manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or manifest.get("command", "terrisim run") != "terrisim run":
        return None
    return manifest if {"scenario", "seed"} <= manifest.keys() else None


def check_out(out: Path, *, overwrite: bool) -> bool:
    """Check that a run may write ``out``; return whether it replaces an earlier run.

    Args:
        out: The output folder.
        overwrite: Replace an earlier run found there.

    Returns:
        True when ``out`` holds an earlier run that the new one will replace.

    Raises:
        ScenarioError: ``out`` is a file or inside one, is the current folder or holds it,
            is a non-empty folder that holds no run or files a run does not write, or holds an
            earlier run and ``overwrite`` is false.
    """
    if out.exists() and not out.is_dir():
        raise ScenarioError(f"--out: {out} is a file, not a folder")
    above = next((p for p in out.parents if p.exists()), None)
    if above is not None and not above.is_dir():
        raise ScenarioError(f"--out: {above} is a file, not a folder (so {out} cannot be made)")
    here = Path.cwd().resolve()
    if out.resolve() in (here, *here.parents):
        raise ScenarioError(
            f"--out: {out} is the current folder or holds it (a run replaces its --out whole); "
            "give a folder inside it, e.g. --out runs/demo"
        )
    if not out.is_dir() or not any(out.iterdir()):
        return False
    manifest = earlier_run(out)
    if manifest is None:
        raise ScenarioError(
            f"--out: {out} is not empty and holds no run of terrisim (no {MANIFEST} written by "
            "terrisim run); choose another --out (nothing there is replaced)"
        )
    foreign = sorted(p.name for p in out.iterdir() if p.name not in RUN_FILES)
    if foreign:
        raise ScenarioError(
            f"--out: {out} holds files terrisim run does not write ({', '.join(foreign[:5])}); "
            "move them or choose another --out (the folder would be replaced whole)"
        )
    if not overwrite:
        raise ScenarioError(
            f"--out: {out} holds an earlier run (seed {manifest.get('seed')}, "
            f"{manifest.get('steps')} steps); give --overwrite to replace it once the new run "
            "is complete, or choose another --out"
        )
    return True


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _leftovers(out: Path, kind: str) -> Iterator[Path]:
    """Hidden siblings of ``out`` of this kind left by processes that no longer run."""
    out = place(out)
    prefix = f".{out.name}.{kind}-"
    if not out.parent.is_dir():
        return
    for path in sorted(out.parent.iterdir()):
        pid = path.name.removeprefix(prefix)
        if path.name.startswith(prefix) and pid.isdigit() and not _alive(int(pid)):
            yield path


def clean_leftovers(out: Path) -> list[str]:
    """Deal with the folders a killed run into ``out`` left beside it; say what was done.

    Partial folders are deleted. An earlier run set aside (``.NAME.old-PID``) is put back
    when ``out`` is missing (the kill came between the two renames), deleted otherwise.

    Args:
        out: The output folder.

    Returns:
        One sentence per folder dealt with.
    """
    notes = []
    for old in _leftovers(out, OLD):
        if out.exists():
            shutil.rmtree(old, ignore_errors=True)
            notes.append(f"deleted {old}, the run {out} held before a run that was killed")
        else:
            old.rename(place(out))
            notes.append(f"put back {out} (set aside as {old.name} by a run that was killed)")
    for partial in _leftovers(out, PARTIAL):
        shutil.rmtree(partial, ignore_errors=True)
        notes.append(f"deleted {partial}, the unfinished files of a run that was killed")
    return notes


class RunFolder:
    """Where a run writes (``partial``) until :meth:`commit` puts it in place as ``out``.

    Use as a context manager: leaving it with an error (or Ctrl-C) deletes the partial folder
    and leaves ``out`` as it was.

    Args:
        out: The output folder.

    Attributes:
        out: The output folder, as given.
        place: The output folder, absolute (:func:`place`).
        partial: The hidden folder the run writes into.
        started: Whether the partial folder was made (the run is writing).
        committed: Whether ``out`` now holds this run.
    """

    def __init__(self, out: Path) -> None:
        self.out = out
        self.place = place(out)
        self.partial = sibling(out, PARTIAL)
        self.started = False
        self.committed = False

    def __enter__(self) -> RunFolder:
        self.place.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(self.partial, ignore_errors=True)
        self.partial.mkdir()
        self.started = True
        return self

    def __exit__(self, *exc: object) -> None:
        shutil.rmtree(self.partial, ignore_errors=True)

    def commit(self) -> None:
        """Flush the partial folder to disk and put it in place of ``out``, whole.

        An earlier ``out`` is renamed aside, the new one renamed in, then the old one deleted
        (left for the next run to delete if that fails); Ctrl-C and SIGTERM wait for all three.
        """
        fsync_folder(self.partial)
        old = sibling(self.place, OLD)
        with signals_held():
            if self.place.exists():
                self.place.rename(old)
                try:
                    self.partial.rename(self.place)
                except BaseException:
                    old.rename(self.place)
                    raise
            else:
                self.partial.rename(self.place)
            self.committed = True
            with contextlib.suppress(OSError):
                fsync_dir(self.place.parent)
            shutil.rmtree(old, ignore_errors=True)
