"""What makes the trainer's undo quick: the session as it was before its last undoable actions.

Undoing a round's close or a shock gives the session exactly as it was before that action
(:meth:`terrisim.game.session.GameSession.undone`). Replaying the whole log without it does
that, but costs the whole game again (seconds for a large game). So, while a game is played,
the session is pickled just before each shock or close of a round (:meth:`Snapshots.keep`):
an undo unpickles it instead (:meth:`Snapshots.restore`). A team's action clears them (nothing
before it can be undone any more); at most :data:`KEPT` are kept, for consecutive trainer's
actions (a shock, then the close of the round), and at most :data:`BUDGET_BYTES`. A session
rebuilt from its log (a server restarted, a file loaded) has none until the trainer acts
again: its first undo replays. A session that cannot be pickled (a student's rule holding a
lambda, say) keeps none and always replays.
"""

from __future__ import annotations

import pickle
from typing import Any, Protocol

KEPT = 3
"""Most snapshots kept per session (the last undoable actions in a row)."""
BUDGET_BYTES = 256 * 2**20
"""Most bytes of snapshots kept per session. A larger state (a game at the scale of France:
hundreds of MB) is not kept at all from then on: its undo replays the log, as the memory of a
second France would cost more than the seconds of a rare undo (docs/performance.md)."""


class Undoable(Protocol):
    """What is kept: a session with its snapshots.

    That is a :class:`~terrisim.game.session.GameSession`, not imported here: the session
    imports this module.
    """

    snapshots: Snapshots


class Snapshots:
    """The pickled states of a session before each of its last undoable actions, in order.

    Attributes:
        enabled: Whether :meth:`keep` takes snapshots (off while a log is replayed).
    """

    def __init__(self, blobs: list[bytes] | None = None) -> None:
        self._blobs: list[bytes] = list(blobs or [])
        self.enabled = True

    def __len__(self) -> int:
        return len(self._blobs)

    def keep(self, session: Undoable) -> None:
        """Add the state of ``session`` (about to apply an undoable action); drop the oldest."""
        if not self.enabled:
            return
        session.snapshots = Snapshots()  # not inside the snapshot itself
        try:
            blob = pickle.dumps(session, protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError):
            blob = None  # a student's rule holding a lambda, a generator...: undos replay
        finally:
            session.snapshots = self
        if blob is None or len(blob) > BUDGET_BYTES:  # too large, or cannot be kept: replay
            self._blobs = []
            self.enabled = False
            return
        blobs = [*self._blobs, blob][-KEPT:]
        while sum(len(b) for b in blobs) > BUDGET_BYTES:
            blobs.pop(0)
        self._blobs = blobs

    def clear(self) -> None:
        """Forget every snapshot (a team acted: nothing before can be undone)."""
        self._blobs = []

    def restore(self) -> Any:
        """The session before the last undoable action, or ``None`` when there is none.

        The session returned keeps the snapshots older than that one; these are unchanged.
        """
        if not self._blobs:
            return None
        # our own bytes, pickled in this process a moment ago: never outside input
        game = pickle.loads(self._blobs[-1])  # noqa: S301
        game.snapshots = Snapshots(self._blobs[:-1])
        return game
