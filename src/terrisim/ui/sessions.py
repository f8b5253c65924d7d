"""Sessions held by the UI server: each browser (or game table) works on its own session.

A session is a live object (a simulation, later a game) behind an id. The store keeps a bounded
number of them (the least recently used goes first), so a forgotten tab never exhausts memory.
Every session carries a lock, because the HTTP server answers requests on several threads, and a
``version`` that increases with every change: a command sent with an older version is refused as
stale (HTTP 409) instead of being applied to a state the sender has not seen. The game mode (one
browser per team on the local network) relies on both.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from terrisim.ui.server import HTTPError


@dataclass
class Session:
    """A live object behind an id, with a lock and a version.

    Attributes:
        id: The session id (random, URL-safe).
        kind: What the session holds (``"sim"``; the game adds its own kind).
        payload: The live object (for ``"sim"``: a :class:`SimulationRun`).
        version: Increases by one with every change.
        created: Creation time (seconds since the epoch).
    """

    id: str
    kind: str
    payload: Any
    version: int = 0
    created: float = field(default_factory=time.time)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @contextmanager
    def change(self, expected_version: int | None = None) -> Iterator[Any]:
        """Lock the session for a change; refuse it if ``expected_version`` is stale.

        Args:
            expected_version: The version the client last saw, or ``None`` to skip the check.

        Yields:
            The payload, to modify. The version has already increased (even if the block then
            fails: a half-applied change is a change), so a frame built inside the block carries
            the new version.

        Raises:
            HTTPError: 409 when ``expected_version`` is not the current version.
        """
        with self.lock:
            if expected_version is not None and int(expected_version) != self.version:
                raise HTTPError(
                    HTTPStatus.CONFLICT,
                    "stale",
                    f"this page shows version {expected_version} of the session but it is at "
                    f"version {self.version}: reload the state and try again",
                )
            self.version += 1
            yield self.payload

    @contextmanager
    def read(self) -> Iterator[Any]:
        """Lock the session for reading (no version change)."""
        with self.lock:
            yield self.payload


class SessionStore:
    """A bounded, thread-safe map from ids to :class:`Session` (least recently used evicted).

    Args:
        max_sessions: How many sessions to keep; creating one more drops the least recently used.
    """

    def __init__(self, max_sessions: int = 16) -> None:
        self.max_sessions = max_sessions
        self._sessions: OrderedDict[str, Session] = OrderedDict()
        self._lock = threading.Lock()

    def create(self, kind: str, payload: Any) -> Session:
        """Store ``payload`` under a new random id and return its session."""
        session = Session(id=secrets.token_urlsafe(9), kind=kind, payload=payload)
        with self._lock:
            self._sessions[session.id] = session
            while len(self._sessions) > self.max_sessions:
                self._sessions.popitem(last=False)
        return session

    def get(self, session_id: str, kind: str | None = None) -> Session:
        """Return the session ``session_id`` (of ``kind`` if given) and mark it recently used.

        Raises:
            HTTPError: 404 when there is no such session (expired, or the server restarted).
        """
        with self._lock:
            session = self._sessions.get(session_id)
            if session is not None:
                self._sessions.move_to_end(session_id)
        if session is None or (kind is not None and session.kind != kind):
            raise HTTPError(
                HTTPStatus.NOT_FOUND,
                "unknown_session",
                f"no {kind or ''} session {session_id!r} (expired or server restarted): "
                "press Reset",
            )
        return session

    def __len__(self) -> int:
        return len(self._sessions)
