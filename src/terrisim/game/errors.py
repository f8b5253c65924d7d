"""The one error of the game: refused input, with a code and a message in French and English."""

from __future__ import annotations

from typing import Any

from terrisim.errors import ScenarioError
from terrisim.game.texts import ERRORS, bilingual


class GameError(ScenarioError):
    """A refused game action (bad input, stale page, unknown name); the session is unchanged.

    A subclass of :class:`~terrisim.scenario.ScenarioError` (and so of ``ValueError``), like
    every bad-input error of terrisim. ``str(error)`` is the English message.

    Args:
        code: A stable identifier (a key of :data:`terrisim.game.texts.ERRORS`), e.g.
            ``"stale_round"``, ``"negative_quantity"``.
        **fields: The values the message names (good, value, territory...).

    Attributes:
        code: The identifier.
        text: ``{"fr": ..., "en": ...}``, the message in both languages.
        stale: Whether the action was refused because the sender's view is out of date (the
            web page answers HTTP 409 and reloads).
    """

    STALE = frozenset({"stale_round", "stale_version", "already_answered", "game_over"})

    def __init__(self, code: str, **fields: Any) -> None:
        self.code = code
        self.fields = fields
        self.text = bilingual(ERRORS, code, **fields)
        super().__init__(self.text["en"])

    @property
    def stale(self) -> bool:
        """Whether the sender acted on an out-of-date view (round closed, offer answered)."""
        return self.code in self.STALE

    def as_dict(self) -> dict[str, Any]:
        """JSON form: ``{"code", "message" (English), "text": {"fr", "en"}}``."""
        return {"code": self.code, "message": self.text["en"], "text": dict(self.text)}
