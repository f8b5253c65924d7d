"""What a saved game file holds, checked field by field before the game is replayed.

:class:`SavedGame` is the shape of :meth:`terrisim.game.session.GameSession.record` (its
``format`` and ``format_version`` are checked first, by the session). A malformed file, such
as one edited by hand or cut short, is refused by :func:`field_error` with one sentence in
French and in English naming the field and the bad value, and what the field allows
(``champ « settings.rounds » : valeur 99 refusée (au plus 50)``): the trainer who chose the
file on the page reads French only, never a validation library's English.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError

from terrisim.errors import shown
from terrisim.texts import ALLOWED, FIELD_ERRORS, bilingual


class SavedSettings(BaseModel):
    """A saved game's ``settings`` (as :class:`~terrisim.game.session.GameSession` takes them)."""

    model_config = ConfigDict(extra="ignore")

    rounds: StrictInt = Field(ge=1, le=50)
    steps_per_round: StrictInt = Field(ge=1, le=120)
    epilogue_steps: StrictInt = Field(ge=0, le=240)
    max_steps: StrictInt = Field(ge=1)
    negotiator: dict[str, Any]
    mode: Literal["players", "agents", "none"] = "players"


class SavedGame(BaseModel):
    """A saved game: scenario, seed, teams, settings and the action log.

    Checked loosely: the scenario, the negotiator and each action are checked by their own code.
    """

    model_config = ConfigDict(extra="ignore")

    scenario: dict[str, Any]
    base_dir: StrictStr | None = None
    seed: StrictInt = Field(ge=0)
    players: list[tuple[StrictStr, StrictStr]] = Field(min_length=1)
    settings: SavedSettings
    actions: list[dict[str, Any]]
    result: dict[str, Any] | None = None


_KINDS = {
    "int": ("int_type", "int_parsing", "int_from_float"),
    "number": ("float_type", "float_parsing", "finite_number"),
    "text": ("string_type",),
    "bool": ("bool_type", "bool_parsing"),
    "object": ("dict_type", "model_type", "model_attributes_type"),
    "list": ("list_type", "tuple_type"),
    "extra": ("extra_forbidden",),
    "literal": ("literal_error", "enum"),
}
_BY_TYPE = {t: kind for kind, types in _KINDS.items() for t in types}
_BOUNDS = {
    "greater_than_equal": "ge",
    "greater_than": "gt",
    "less_than_equal": "le",
    "less_than": "lt",
    "too_short": "min_length",
    "too_long": "max_length",
}


def field_error(error: ValidationError, prefix: str = "") -> dict[str, str]:
    """``{"fr", "en"}``: the first refused field of ``error``, its value and what it allows.

    Args:
        error: pydantic's error.
        prefix: Where the validated data sits in the file (``"scenario"``), put before the
            field's own path.

    Returns:
        One sentence per language; the number of other refused fields is added when there are.
    """
    problems = error.errors(include_url=False)
    first = problems[0]
    field = ".".join(str(p) for p in (*([prefix] if prefix else []), *first["loc"])) or "."
    if first["type"] == "missing":
        text = bilingual(FIELD_ERRORS, "missing", field=field)
    else:
        value = _quoted(first.get("input"))
        allowed = _allowed(first)
        code = "refused" if allowed else "unknown"
        text = bilingual(FIELD_ERRORS, code, field=field, value=value, allowed=allowed)
    if len(problems) > 1:
        text = bilingual(FIELD_ERRORS, "more", text=text, n=len(problems) - 1)
    return text


def _allowed(problem: dict[str, Any]) -> dict[str, str] | None:
    """What the field allows, in each language, or ``None`` for a check of the model's own."""
    kind = _BY_TYPE.get(problem["type"])
    ctx = problem.get("ctx") or {}
    if kind == "literal":
        choices = str(ctx.get("expected", ""))
        limit = {"fr": choices.replace(" or ", " ou "), "en": choices}
        return bilingual(ALLOWED, kind, limit=limit)
    if kind is not None:
        return bilingual(ALLOWED, kind)
    bound = _BOUNDS.get(problem["type"])
    if bound is not None and bound in ctx:
        limit = ctx[bound]
        return bilingual(ALLOWED, bound, limit=limit)
    return None


def _quoted(value: Any) -> Any:
    """A value as the sentence quotes it: its JSON form, cut short.

    A number stays a number: :func:`~terrisim.texts.render` writes it the language's way.
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    try:
        text = json.dumps(value, ensure_ascii=False, default=repr)
    except (ValueError, RecursionError):
        text = repr(value)
    return shown(text)
