"""The one error of the game: refused input, with a code and a message in French and English."""

from __future__ import annotations

from typing import Any

from terrisim.errors import SHOWN_CHARACTERS, ScenarioError, shown
from terrisim.texts import ERRORS, bilingual


class GameError(ScenarioError):
    """A refused game action (bad input, stale page, unknown name); the session is unchanged.

    A subclass of :class:`~terrisim.scenario.ScenarioError` (and so of ``ValueError``), like
    every bad-input error of terrisim. ``str(error)`` is the English message.

    Args:
        code: A stable identifier (a key of :data:`terrisim.texts.ERRORS`), e.g.
            ``"stale_round"``, ``"negative_quantity"``.
        **fields: The values the message names (good, value, territory...).

    Attributes:
        code: The identifier.
        text: ``{"fr": ..., "en": ...}``, the message in both languages.
        stale: Whether the action was refused because the sender's view is out of date (the
            web page answers HTTP 409 and reloads).
    """

    STALE = frozenset(
        {"stale_round", "stale_version", "already_answered", "game_over", "nothing_to_undo"}
    )

    def __init__(self, code: str, **fields: Any) -> None:
        self.code = code
        self.fields = {name: _short(name, value) for name, value in fields.items()}
        self.text = bilingual(ERRORS, code, **self.fields)
        super().__init__(self.text["en"])

    @property
    def stale(self) -> bool:
        """Whether the sender acted on an out-of-date view (round closed, offer answered)."""
        return self.code in self.STALE

    def as_dict(self) -> dict[str, Any]:
        """JSON form: ``{"code", "message" (English), "text": {"fr", "en"}}``."""
        return {"code": self.code, "message": self.text["en"], "text": dict(self.text)}


LONGEST_FIELD = 800
"""Longest list, detail or list of names allowed a message quotes whole (12 teams' names)."""
OURS = frozenset({"allowed", "detail"})
"""Fields the game writes itself (they may quote a bad value within: cut at LONGEST_FIELD)."""


def _short(name: str, value: Any) -> Any:
    """A field as a message quotes it: numbers and short values as they are, others cut."""
    if isinstance(value, bool | int | float) or value is None:
        return value
    limit = LONGEST_FIELD if name in OURS else SHOWN_CHARACTERS
    if isinstance(value, dict) and set(value) == {"fr", "en"}:  # written in each language
        return {lang: shown(str(text), limit) for lang, text in value.items()}
    if isinstance(value, str):
        return shown(value, limit)
    return value if len(str(value)) <= limit else shown(str(value), limit)
