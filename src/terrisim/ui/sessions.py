"""Sessions held by the UI server: each browser (or game table) works on its own session.

A session is a live object (a run of the trainers' page, a game) behind an id. It is
**durable**: the store writes what built it (its spec) and every action done to it to the
server's database (:mod:`terrisim.ui.storage`), committed before the request is answered, and
rebuilds it by replaying that log when it is asked for a session it does not hold in memory
(after a restart, or after the session was unloaded to keep within the memory budget). So the
store never loses a session: it only unloads idle ones, the least recently used first, when the
sessions in memory take more than ``memory_mb`` megabytes (measured by
:func:`footprint`); a session used in the last ``idle_seconds`` is never unloaded.

Every session carries a lock, because the HTTP server answers requests on several threads, and
a ``version``, the number of actions logged: a command sent with an older version is refused as
stale (HTTP 409) instead of being applied to a state the sender has not seen.
"""

from __future__ import annotations

import gc
import logging
import secrets
import sys
import threading
import time
import types
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

import numpy as np

from terrisim.ui.server import HTTPError
from terrisim.ui.storage import Database, StoredSession

log = logging.getLogger(__name__)

MEMORY_MB = 1000.0
"""Default memory budget of the sessions held in memory (``terrisim ui --memory-mb``)."""
IDLE_SECONDS = 15.0
"""A session used more recently than this is never unloaded from memory."""
REMEASURE_SECONDS = 30.0
"""A changed session's footprint is measured again at most this often."""

Rebuild = Callable[[StoredSession], Any]
"""Rebuilds a session's live object from its stored spec and action log."""

_NOT_DATA = (
    type,
    types.ModuleType,
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodType,
    types.CodeType,
    types.FrameType,
)


def footprint(root: Any) -> int:
    """Bytes held by ``root`` and every object it reaches (classes, modules, functions excluded).

    ``sys.getsizeof`` summed over the object graph (``gc.get_referents``); a numpy array counts
    its data when it owns it.
    """
    seen: set[int] = set()
    stack = [root]
    total = 0
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, _NOT_DATA):
            continue
        seen.add(id(obj))
        total += sys.getsizeof(obj)
        if isinstance(obj, np.ndarray):
            if obj.base is not None:
                stack.append(obj.base)
            continue
        stack.extend(gc.get_referents(obj))
    return total


def _not_found(kind: str | None, session_id: str) -> HTTPError:
    what = {"game": "partie", "sim": "simulation"}.get(kind or "", "session")
    hint = " : cliquez sur Réinitialiser" if kind == "sim" else ""
    return HTTPError(
        HTTPStatus.NOT_FOUND,
        "unknown_session",
        f"aucune {what} « {session_id} » sur ce serveur (terminée et supprimée, ou lien "
        f"erroné){hint}",
    )


@dataclass
class Session:
    """A live object behind an id, with a lock and a version.

    Attributes:
        id: The session id (random, URL-safe).
        kind: What the session holds (``"sim"``, ``"game"``).
        payload: The live object (for ``"sim"``: a :class:`~terrisim.ui.api.SimulationRun`).
        version: The number of actions logged.
        secrets: Its tokens (stored with it).
        ended: When a trainer ended it (``None`` while open).
        room: The room state stored with it (see :class:`~terrisim.ui.storage.StoredSession`).
        created: Creation time (seconds since the epoch).
    """

    id: str
    kind: str
    payload: Any
    version: int = 0
    secrets: dict[str, Any] = field(default_factory=dict)
    ended: float | None = None
    room: dict[str, Any] = field(default_factory=dict)
    created: float = field(default_factory=time.time)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    store: SessionStore | None = field(default=None, repr=False)
    size: int = 0
    measured: float = 0.0
    used: float = field(default_factory=time.monotonic)
    unloaded: bool = False

    @contextmanager
    def change(self, expected_version: int | None = None) -> Iterator[Any]:
        """Lock the session for a change; refuse it if ``expected_version`` is stale.

        Inside the block, apply the change to the payload, then call :meth:`log` with the
        action: it is committed to the database before the block ends (and so before the
        request is answered), and the version increases.

        Args:
            expected_version: The version the client last saw, or ``None`` to skip the check.

        Yields:
            The payload, to modify.

        Raises:
            HTTPError: 409 when ``expected_version`` is not the current version.
        """
        with self.lock:
            self._check_loaded()
            if expected_version is not None and _as_int(expected_version) != self.version:
                raise HTTPError(
                    HTTPStatus.CONFLICT,
                    "stale",
                    f"cette page montre la version {expected_version} de la session, qui en est "
                    f"à la version {self.version} : l'affichage est rechargé",
                )
            try:
                yield self.payload
            except HTTPError:
                raise
            except Exception:
                # a failure half-way may leave the live object changed but not logged: forget
                # it, the next request rebuilds it from the database (the state before)
                if self.store is not None:
                    self.store.unload(self)
                raise

    def log(self, action: dict[str, Any]) -> None:
        """Commit ``action`` to the database (call it inside :meth:`change`); version + 1."""
        if self.store is not None:
            self.store.commit(self, action)
        self.version += 1

    @contextmanager
    def read(self) -> Iterator[Any]:
        """Lock the session for reading (no version change)."""
        with self.lock:
            self._check_loaded()
            yield self.payload

    def _check_loaded(self) -> None:
        self.used = time.monotonic()
        if self.unloaded:  # unloaded while this request waited: the page asks again
            raise HTTPError(
                HTTPStatus.CONFLICT, "stale", "la session vient d'être rechargée : réessayez"
            )


def _as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return None


class SessionStore:
    """A thread-safe map from ids to durable :class:`Session` objects.

    Args:
        database: Where sessions are stored (default: an in-memory SQLite database).
        memory_mb: Memory budget of the sessions held in memory; above it, idle sessions are
            unloaded (they stay in the database and are rebuilt when asked for).
        idle_seconds: A session used more recently is never unloaded.
    """

    def __init__(
        self,
        database: Database | None = None,
        *,
        memory_mb: float = MEMORY_MB,
        idle_seconds: float = IDLE_SECONDS,
    ) -> None:
        self.database = database or Database(":memory:")
        self.memory_mb = float(memory_mb)
        self.idle_seconds = float(idle_seconds)
        self._live: OrderedDict[str, Session] = OrderedDict()
        self._rebuild: dict[str, Rebuild] = {}
        self._lock = threading.Lock()
        self._loading: dict[str, threading.Lock] = {}

    def register(self, kind: str, rebuild: Rebuild) -> None:
        """Say how to rebuild a session of ``kind`` from its stored spec and actions."""
        self._rebuild[kind] = rebuild

    # ------------------------------------------------------------------ create, get
    def create(
        self,
        kind: str,
        payload: Any,
        *,
        spec: dict[str, Any],
        secrets_: dict[str, Any] | None = None,
        actions: list[dict[str, Any]] | None = None,
    ) -> Session:
        """Store a new session (committed before return) and hold it in memory.

        Args:
            kind: Its kind (a rebuild function must be registered for it).
            payload: The live object.
            spec: What builds it (JSON-ready), passed back to the rebuild function.
            secrets_: Its tokens.
            actions: Actions already applied to ``payload`` (a game loaded from a file).
        """
        actions = list(actions or [])
        now = time.time()
        session = Session(
            id=secrets.token_urlsafe(9),
            kind=kind,
            payload=payload,
            version=len(actions),
            secrets=dict(secrets_ or {}),
            created=now,
            store=self,
        )
        self.database.insert(
            StoredSession(
                session.id,
                kind,
                spec,
                session.secrets,
                actions,
                created=now,
                updated=now,
                finished=now if getattr(payload, "finished", False) else None,
            )
        )
        self._hold(session)
        return session

    def get(self, session_id: str, kind: str | None = None) -> Session:
        """Return the session ``session_id`` (of ``kind`` if given), rebuilt if not in memory.

        Raises:
            HTTPError: 404 when there is no such session (never created, or pruned).
        """
        with self._lock:
            session = self._live.get(session_id)
            if session is not None:
                self._live.move_to_end(session_id)
            loading = self._loading.setdefault(session_id, threading.Lock())
        if session is None:
            with loading:  # one rebuild at a time per session; the others wait for it
                with self._lock:
                    session = self._live.get(session_id)
                if session is None:
                    session = self._load(session_id)
        with self._lock:
            self._loading.pop(session_id, None)
        if session is None or (kind is not None and session.kind != kind):
            raise _not_found(kind, session_id)
        session.used = time.monotonic()
        return session

    def _load(self, session_id: str) -> Session | None:
        stored = self.database.load(session_id)
        if stored is None or stored.kind not in self._rebuild:
            return None
        started = time.perf_counter()
        payload = self._rebuild[stored.kind](stored)
        log.info(
            "session %s (%s) rebuilt from %d actions in %.2f s",
            session_id,
            stored.kind,
            len(stored.actions),
            time.perf_counter() - started,
        )
        session = Session(
            id=stored.id,
            kind=stored.kind,
            payload=payload,
            version=len(stored.actions),
            secrets=stored.secrets,
            ended=stored.ended,
            room=stored.room,
            created=stored.created,
            store=self,
        )
        self._hold(session)
        return session

    # ------------------------------------------------------------------ changes
    def commit(self, session: Session, action: dict[str, Any]) -> None:
        """Write ``action`` as the next action of ``session`` (committed on return)."""
        try:
            self.database.append(
                session.id,
                session.version,
                action,
                finished=bool(getattr(session.payload, "finished", False)),
            )
        except Exception:
            self.unload(session)  # the live object is ahead of the database: rebuild it
            raise
        if time.monotonic() - session.measured > REMEASURE_SECONDS:
            self._measure(session)

    def set_room(self, session: Session, room: dict[str, Any]) -> None:
        """Replace the room state of ``session`` (stored at once; call it under its lock)."""
        self.database.set_room(session.id, room)
        session.room = room

    def end(self, session: Session) -> None:
        """Mark ``session`` as ended by its trainer (stored at once)."""
        session.ended = self.database.end(session.id)

    def unload(self, session: Session) -> None:
        """Forget the live object (it stays in the database and is rebuilt when asked for)."""
        session.unloaded = True
        with self._lock:
            if self._live.get(session.id) is session:
                del self._live[session.id]

    # ------------------------------------------------------------------ memory
    def _measure(self, session: Session) -> None:
        session.size = footprint(session.payload)
        session.measured = time.monotonic()

    def _hold(self, session: Session) -> None:
        self._measure(session)
        with self._lock:
            self._live[session.id] = session
        self._fit(keep=session)

    def _fit(self, keep: Session) -> None:
        """Unload idle sessions, least recently used first, until within the budget."""
        budget = self.memory_mb * 1e6
        now = time.monotonic()
        with self._lock:
            candidates = [s for s in self._live.values() if s is not keep]
        for candidate in candidates:
            if self.memory_bytes() <= budget:
                return
            if now - candidate.used < self.idle_seconds or not candidate.lock.acquire(False):
                continue
            try:
                self.unload(candidate)
            finally:
                candidate.lock.release()
            log.info("session %s unloaded from memory (budget %.0f MB)", candidate.id, budget / 1e6)

    def memory_bytes(self) -> int:
        """Bytes held by the sessions in memory (their last measured footprints)."""
        with self._lock:
            return sum(s.size for s in self._live.values())

    def __len__(self) -> int:
        """The number of sessions held in memory."""
        return len(self._live)
