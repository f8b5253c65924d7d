"""Plain-words narrative of a run's events, in French and English (for the trainers' page).

Each event kind has a template per language; fields come from ``TerriModel.log_event``.
Governance rules and shocks add their own templates with :func:`add_template`.
"""

from __future__ import annotations

from typing import Any

TEMPLATES: dict[str, dict[str, str]] = {
    "shock": {
        "fr": "Choc : {label_fr} (intensité {magnitude:.0%}) sur {targets_fr}.",
        "en": "Shock: {label_en} (magnitude {magnitude:.0%}) on {targets_en}.",
    },
    "start": {
        "fr": "Début de la simulation : {n} territoires, {links} liens.",
        "en": "Simulation starts: {n} territories, {links} links.",
    },
}


#: Plain words for the targets a shock record names (see :func:`targets_words`).
TARGET_WORDS: dict[str, tuple[str, str]] = {
    "all": ("tous les territoires", "all territories"),
    "class:urban": ("les territoires urbains", "urban territories"),
    "class:rural": ("les territoires non urbains", "non-urban territories"),
}


def targets_words(targets: str) -> dict[str, str]:
    """A shock's targets (``"all"``, or kinds, ``class:<c>`` and ids joined by commas) in words.

    Returns:
        ``{"targets_fr": ..., "targets_en": ...}``, e.g. ``"tous les territoires"``, or
        ``"les territoires rural, mountain"`` for ``"rural,mountain"`` (kinds and ids are named
        as in the scenario).
    """
    known = [TARGET_WORDS[p] for p in targets.split(",") if p in TARGET_WORDS]
    others = [p for p in targets.split(",") if p and p not in TARGET_WORDS]
    fr = [w[0] for w in known] + ([f"les territoires {', '.join(others)}"] if others else [])
    en = [w[1] for w in known] + ([f"territories {', '.join(others)}"] if others else [])
    return {"targets_fr": " et ".join(fr), "targets_en": " and ".join(en)}


def add_template(kind: str, fr: str, en: str) -> None:
    """Register the French and English sentence for an event kind."""
    TEMPLATES[kind] = {"fr": fr, "en": en}


def render(kind: str, language: str, fields: dict[str, Any]) -> str:
    """The sentence for an event, or a neutral fallback if no template fits."""
    template = TEMPLATES.get(kind, {}).get(language)
    if template is not None:
        try:
            return template.format(**fields)
        except (KeyError, ValueError, IndexError):
            pass  # a field missing or of the wrong type: the fallback below
    return f"{kind}: " + ", ".join(f"{k}={v}" for k, v in fields.items())


def event(step: int, kind: str, fields: dict[str, Any]) -> dict[str, Any]:
    """One entry of the narrative log: its step, kind, texts in French and English, fields.

    Only the scalar fields (numbers and strings) are kept as columns of ``events.csv``.
    """
    return {
        "step": step,
        "kind": kind,
        "text_fr": render(kind, "fr", fields),
        "text_en": render(kind, "en", fields),
        **{k: v for k, v in fields.items() if isinstance(v, (int, float, str))},
    }
