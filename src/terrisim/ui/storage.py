"""Durable sessions: an SQLite database (standard library ``sqlite3``) in the server's data folder.

A session (a run of the trainers' page, a game) is stored as what built it (its *spec*: the
scenario, the seed, the teams...) plus its *action log* (steps, shocks, offers, answers, ends of
round), one row per action. Every action is committed (``INSERT`` in autocommit mode, WAL
journal, ``synchronous=FULL``) before the server answers the request that made it; a server
killed with ``kill -9`` and started again rebuilds each session by replaying its log, which
gives the same state, because every random draw flows from the session's seed (ODD 5.3) and
the game's agents draw nothing.

The file is ``<data>/terrisim.sqlite3``; ``<data>`` is ``terrisim ui --data DIR``, by default
the user's data folder (:func:`default_data_dir`). ``Database(":memory:")`` keeps everything in
memory (tests, notebooks): the same code, nothing on disk.

Pruning (:meth:`Database.prune`, at start-up and then hourly): a finished or ended game, or a
finished run, is deleted when nothing happened to it for ``keep_days`` (default 30) days; a run
of the trainers' page that is not finished, after ``keep_days`` too. A game in progress is
never deleted.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from terrisim.errors import ScenarioError

SCHEMA_VERSION = 1
FILE_NAME = "terrisim.sqlite3"
KEEP_DAYS = 30.0
"""Days a finished (or ended) session is kept after its last action (see :meth:`prune`)."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
    id       TEXT PRIMARY KEY,
    kind     TEXT NOT NULL,
    spec     TEXT NOT NULL,
    secrets  TEXT NOT NULL DEFAULT '{}',
    created  REAL NOT NULL,
    updated  REAL NOT NULL,
    finished REAL,
    ended    REAL,
    room     TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS actions (
    session TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    seq     INTEGER NOT NULL,
    action  TEXT NOT NULL,
    at      REAL NOT NULL,
    PRIMARY KEY (session, seq)
);
CREATE TABLE IF NOT EXISTS join_codes (
    code    TEXT PRIMARY KEY,
    session TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    team    TEXT NOT NULL
);
"""


def default_data_dir() -> Path:
    """The user's data folder for terrisim (the default of ``terrisim ui --data``).

    ``$XDG_DATA_HOME/terrisim`` (default ``~/.local/share/terrisim``) on Linux and other
    Unix systems, ``~/Library/Application Support/terrisim`` on macOS,
    ``%LOCALAPPDATA%/terrisim`` on Windows (the folders ``platformdirs`` would choose).
    """
    home = Path.home()
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local") / "terrisim"
    if sys.platform == "darwin":
        return home / "Library" / "Application Support" / "terrisim"
    return Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share") / "terrisim"


@dataclass
class StoredSession:
    """A session as stored: what built it and what happened to it.

    Attributes:
        id: The session id.
        kind: ``"sim"`` (a run of the trainers' page) or ``"game"``.
        spec: What builds it (JSON-ready).
        secrets: Its tokens (a game's trainer and team tokens).
        actions: The action log, in order.
        created: Creation time (seconds since the epoch).
        updated: Time of the last action.
        finished: When it reached its planned end (``None`` before).
        ended: When a trainer ended it (``None`` while open).
        room: What the trainer shows the room besides the game itself (a game's round timer
            and messages to the teams); not part of the action log, nor of the replay.
    """

    id: str
    kind: str
    spec: dict[str, Any]
    secrets: dict[str, Any]
    actions: list[dict[str, Any]] = field(default_factory=list)
    created: float = 0.0
    updated: float = 0.0
    finished: float | None = None
    ended: float | None = None
    room: dict[str, Any] = field(default_factory=dict)


class Database:
    """The SQLite file of the server's sessions (one connection, shared by the threads).

    Args:
        path: The database file, or ``":memory:"``.

    Raises:
        ScenarioError: the file cannot be opened or is not a terrisim database.
    """

    def __init__(self, path: Path | str = ":memory:") -> None:
        self.path = str(path)
        self._lock = threading.Lock()
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            if self.path != ":memory:":
                self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.execute("PRAGMA busy_timeout=5000")
            self._db.executescript(_SCHEMA)
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(sessions)")}
            if "room" not in columns:  # a database of the first version of this schema
                self._db.execute("ALTER TABLE sessions ADD COLUMN room TEXT NOT NULL DEFAULT '{}'")
            version = self.meta("schema_version")
        except sqlite3.Error as exc:
            raise ScenarioError(f"{self.path}: cannot open the database ({exc})") from None
        if version is None:
            self.set_meta("schema_version", str(SCHEMA_VERSION))
        elif version != str(SCHEMA_VERSION):
            raise ScenarioError(
                f"{self.path}: schema_version {version} (this terrisim reads {SCHEMA_VERSION})"
            )

    @classmethod
    def in_folder(cls, data_dir: Path | str) -> Database:
        """Open (or create) ``data_dir/terrisim.sqlite3``, creating the folder if needed."""
        folder = Path(data_dir).expanduser()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ScenarioError(
                f"--data {folder}: cannot create the folder ({exc.strerror or exc})"
            ) from None
        return cls(folder / FILE_NAME)

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                if self._db.in_transaction:  # SQLite ends it itself on a full disk
                    self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _query(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    # ------------------------------------------------------------------ meta
    def meta(self, key: str) -> str | None:
        """A value of the ``meta`` table (schema version, the facilitator's key)."""
        rows = self._query("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    def set_meta(self, key: str, value: str) -> None:
        """Set a value of the ``meta`` table (committed on return)."""
        with self._transaction() as db:
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # ------------------------------------------------------------------ sessions
    def insert(self, stored: StoredSession) -> None:
        """Store a new session and its actions so far (committed on return)."""
        with self._transaction() as db:
            db.execute(
                "INSERT INTO sessions (id, kind, spec, secrets, created, updated, finished, ended)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    stored.id,
                    stored.kind,
                    _dumps(stored.spec),
                    _dumps(stored.secrets),
                    stored.created,
                    stored.updated,
                    stored.finished,
                    stored.ended,
                ),
            )
            db.executemany(
                "INSERT INTO actions (session, seq, action, at) VALUES (?, ?, ?, ?)",
                [(stored.id, k, _dumps(a), stored.created) for k, a in enumerate(stored.actions)],
            )

    def append(self, session_id: str, seq: int, action: dict[str, Any], *, finished: bool) -> None:
        """Log action number ``seq`` (0-based) of a session (committed on return).

        Args:
            session_id: The session.
            seq: The action's number; a number already logged raises ``sqlite3.IntegrityError``.
            action: The action (JSON-ready).
            finished: Whether the session is at its planned end after this action (an undo
                of a game's last round makes it open again: ``finished`` is cleared).
        """
        now = time.time()
        with self._transaction() as db:
            db.execute(
                "INSERT INTO actions (session, seq, action, at) VALUES (?, ?, ?, ?)",
                (session_id, seq, _dumps(action), now),
            )
            db.execute(
                "UPDATE sessions SET updated = ?, finished = "
                "CASE WHEN ? THEN COALESCE(finished, ?) ELSE NULL END WHERE id = ?",
                (now, finished, now, session_id),
            )

    def set_room(self, session_id: str, room: dict[str, Any]) -> None:
        """Replace a session's room state (timer, messages; committed on return)."""
        with self._transaction() as db:
            db.execute("UPDATE sessions SET room = ? WHERE id = ?", (_dumps(room), session_id))

    def set_secrets(self, session_id: str, secrets: dict[str, Any]) -> None:
        """Replace a session's tokens (committed on return)."""
        with self._transaction() as db:
            db.execute(
                "UPDATE sessions SET secrets = ? WHERE id = ?", (_dumps(secrets), session_id)
            )

    def end(self, session_id: str) -> float:
        """Mark a session as ended by its trainer; returns the time stored."""
        now = time.time()
        with self._transaction() as db:
            db.execute(
                "UPDATE sessions SET ended = COALESCE(ended, ?), updated = ? WHERE id = ?",
                (now, now, session_id),
            )
        rows = self._query("SELECT ended FROM sessions WHERE id = ?", (session_id,))
        return float(rows[0][0]) if rows else now

    def load(self, session_id: str) -> StoredSession | None:
        """The stored session ``session_id`` with its action log, or ``None``."""
        with self._lock:
            row = self._db.execute(
                "SELECT id, kind, spec, secrets, created, updated, finished, ended, room "
                "FROM sessions WHERE id = ?",
                (session_id,),
            ).fetchone()
            if row is None:
                return None
            actions = self._db.execute(
                "SELECT action FROM actions WHERE session = ? ORDER BY seq", (session_id,)
            ).fetchall()
        return StoredSession(
            id=row[0],
            kind=row[1],
            spec=json.loads(row[2]),
            secrets=json.loads(row[3]),
            actions=[json.loads(a) for (a,) in actions],
            created=row[4],
            updated=row[5],
            finished=row[6],
            ended=row[7],
            room=json.loads(row[8]),
        )

    def ids(self, kind: str | None = None) -> list[str]:
        """Ids of the stored sessions (of ``kind`` if given), oldest first."""
        if kind is None:
            rows = self._query("SELECT id FROM sessions ORDER BY created")
        else:
            rows = self._query("SELECT id FROM sessions WHERE kind = ? ORDER BY created", (kind,))
        return [r[0] for r in rows]

    def prune(self, keep_days: float = KEEP_DAYS, now: float | None = None) -> int:
        """Delete the old sessions nobody will come back to; returns how many.

        Deleted: sessions finished or ended whose last action is older than ``keep_days``;
        runs of the trainers' page (kind ``sim``) idle for ``keep_days``, finished or not.
        Games in progress are kept, however old.
        """
        cutoff = (time.time() if now is None else now) - keep_days * 86400.0
        with self._transaction() as db:
            cursor = db.execute(
                "DELETE FROM sessions WHERE updated < ? AND "
                "(finished IS NOT NULL OR ended IS NOT NULL OR kind = 'sim')",
                (cutoff,),
            )
            return cursor.rowcount

    # ------------------------------------------------------------------ join codes
    def add_code(self, code: str, session_id: str, team: str) -> bool:
        """Store a team's join code; ``False`` if the code is already taken."""
        try:
            with self._transaction() as db:
                db.execute(
                    "INSERT INTO join_codes (code, session, team) VALUES (?, ?, ?)",
                    (code, session_id, team),
                )
        except sqlite3.IntegrityError:
            return False
        return True

    def find_code(self, code: str) -> tuple[str, str] | None:
        """``(session id, team)`` of a join code, or ``None``."""
        rows = self._query("SELECT session, team FROM join_codes WHERE code = ?", (code,))
        return (rows[0][0], rows[0][1]) if rows else None

    def codes(self, session_id: str) -> dict[str, str]:
        """The join codes of a session's teams, ``{team: code}``."""
        rows = self._query("SELECT team, code FROM join_codes WHERE session = ?", (session_id,))
        return dict(rows)

    def close(self) -> None:
        """Close the connection (the data is already committed)."""
        with self._lock:
            self._db.close()


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
