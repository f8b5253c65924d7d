"""The code behind a sweep: hashes of the terrisim package and of user modules, git, versions.

A sweep's *code identity* is a hash of the source of the terrisim package (its ``.py`` files
and the data files that shape results) and of every user module the experiment runs (a
custom ``run_function``'s module, a rule given as ``"module:Class"`` in the scenario, in
``fixed`` or in a level). The git commit and a dirty flag are recorded when git is there but
do not enter the identity, so a sweep resumes the same with or without git. Resuming a sweep
after the code changed is refused unless explicitly allowed (see :mod:`.store`).
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.metadata
import platform
import re
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import terrisim

#: Suffixes of the package's files that can change a run's results.
SOURCE_SUFFIXES = (".py", ".toml", ".json", ".csv")
#: Distributions whose versions ``experiment.json`` records (those installed).
VERSIONED = ("numpy", "scipy", "pandas", "SALib", "numba", "Mesa", "dask", "pyarrow")
_MODULE_REF = re.compile(r"^([A-Za-z_][\w.]*):([A-Za-z_]\w*)$")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def package_files() -> dict[str, str]:
    """Hash of each source file of the terrisim package, by path relative to the package.

    Returns:
        ``{relative path: 16-hex-digit hash}``, sorted by path.
    """
    root = Path(terrisim.__file__).resolve().parent
    files = sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and p.suffix in SOURCE_SUFFIXES and "__pycache__" not in p.parts
    )
    return {p.relative_to(root).as_posix(): _sha(p.read_bytes()) for p in files}


def _module_refs(value: Any) -> Iterable[str]:
    """Every ``"module:Name"`` string inside a nested value (a scenario dump, levels)."""
    if isinstance(value, str):
        match = _MODULE_REF.match(value)
        if match:
            yield match.group(1)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _module_refs(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _module_refs(v)


def user_modules(values: Iterable[Any]) -> dict[str, str]:
    """Hash of the source of each user module named in ``values`` (outside terrisim).

    Args:
        values: Things that may name modules (the run function's name, the scenario's dump,
            factor levels, ``fixed``).

    Returns:
        ``{module name: hash of its source file}``; a module that cannot be found is hashed as
        ``"missing"`` (the run itself will say why it cannot import it).
    """
    names = {m for v in values for m in _module_refs(v)}
    out: dict[str, str] = {}
    for name in sorted(names):
        if name == "terrisim" or name.startswith("terrisim."):
            continue  # in the package hash
        origin = _source_file(name)
        out[name] = _sha(origin.read_bytes()) if origin and origin.is_file() else "missing"
    return out


def _source_file(name: str) -> Path | None:
    """The file a fresh process would import for module ``name`` (``sys.modules`` ignored).

    A module imported earlier in this process may come from another folder than the one
    ``sys.path`` names now; workers import afresh, so the hash must follow ``sys.path``.
    """
    path: list[str] | None = None
    spec = None
    parts = name.split(".")
    for i in range(len(parts)):
        spec = importlib.machinery.PathFinder.find_spec(".".join(parts[: i + 1]), path)
        if spec is None:
            return None
        path = list(spec.submodule_search_locations or [])
    return Path(spec.origin) if spec and spec.origin else None


def _git(*args: str) -> str | None:
    git = shutil.which("git")
    if git is None:
        return None
    root = Path(terrisim.__file__).resolve().parent
    try:  # fixed arguments, no user input: git itself on the package's folder
        proc = subprocess.run(  # noqa: S603
            [git, "-C", str(root), *args], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


def git_state() -> dict[str, Any] | None:
    """The git commit of the package's checkout and whether it has uncommitted changes.

    Returns:
        ``{"commit": ..., "dirty": bool}``, or None when the package is not in a git checkout
        (an installed wheel) or git is not available.
    """
    commit = _git("rev-parse", "HEAD")
    if not commit:
        return None
    status = _git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": bool(status)}


def code_identity(values: Iterable[Any]) -> dict[str, Any]:
    """The code a sweep runs: package and user-module hashes, and git when there is one.

    Args:
        values: What may name user modules (see :func:`user_modules`).

    Returns:
        ``{"hash", "package", "files", "modules", "git"}``: ``hash`` covers the package and
        the user modules (not git), ``package`` the package alone, ``files`` the per-file
        hashes of the package.
    """
    files = package_files()
    modules = user_modules(values)
    package = _sha("\n".join(f"{k} {v}" for k, v in files.items()).encode())
    blob = package + "".join(f"\n{k} {v}" for k, v in modules.items())
    return {
        "hash": _sha(blob.encode()),
        "package": package,
        "files": files,
        "modules": modules,
        "git": git_state(),
    }


def describe_change(old: dict[str, Any], new: dict[str, Any]) -> str:
    """Say in words what changed between two code identities (for a one-line message).

    Args:
        old: The identity recorded in ``experiment.json``.
        new: The identity of the code that would run now.

    Returns:
        E.g. ``"terrisim package hash abc→def (rules/trust.py); module my_rules abc→def"``.
    """
    parts = []
    if old.get("package") != new.get("package"):
        a, b = old.get("files", {}), new.get("files", {})
        changed = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
        shown = ", ".join(changed[:5]) + (f" and {len(changed) - 5} more" if changed[5:] else "")
        parts.append(
            f"terrisim package hash {old.get('package')}→{new.get('package')}"
            + (f" ({shown})" if shown else "")
        )
    a, b = old.get("modules", {}), new.get("modules", {})
    for name in sorted(a.keys() | b.keys()):
        if a.get(name) != b.get(name):
            parts.append(f"module {name} {a.get(name, 'absent')}→{b.get(name, 'absent')}")
    return "; ".join(parts) or f"code hash {old.get('hash')}→{new.get('hash')}"


def versions() -> dict[str, str]:
    """Versions of Python and of the scientific libraries installed (those importable).

    Returns:
        ``{"python": ..., "numpy": ..., ...}``; a library not installed is left out.
    """
    out = {"python": platform.python_version()}
    for name in VERSIONED:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return out
