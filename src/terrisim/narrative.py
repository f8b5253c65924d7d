"""The plain-words event log of a run, in French and English (``events.csv``, the trainers' page).

``TerriModel.log_event(kind, **fields)`` adds an entry made by :func:`event`; its sentences
are in the one catalogue of texts (:data:`terrisim.texts.EVENTS`), where governance rules and
shocks add theirs with :func:`terrisim.texts.add_template`.
"""

from __future__ import annotations

from typing import Any

from terrisim.texts import event_text


def event(step: int, kind: str, fields: dict[str, Any]) -> dict[str, Any]:
    """One entry of the narrative log: its step, kind, texts in French and English, fields.

    Only the scalar fields (numbers and strings) are kept as columns of ``events.csv``.
    """
    return {
        "step": step,
        "kind": kind,
        "text_fr": event_text(kind, "fr", fields),
        "text_en": event_text(kind, "en", fields),
        **{k: v for k, v in fields.items() if isinstance(v, (int, float, str))},
    }
