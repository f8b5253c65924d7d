"""Plain-words narrative of a run's events, in French and English (for the trainers' page).

Each event kind has a template per language; fields come from ``TerriModel.log_event``.
Governance rules and shocks add their own templates with :func:`add_template`.
"""

from __future__ import annotations

from typing import Any

TEMPLATES: dict[str, dict[str, str]] = {
    "shock": {
        "fr": "Choc : {label_fr} (intensité {magnitude:.0%}) sur {targets}.",
        "en": "Shock: {label_en} (magnitude {magnitude:.0%}) on {targets}.",
    },
    "start": {
        "fr": "Début de la simulation : {n} territoires, {links} liens.",
        "en": "Simulation starts: {n} territories, {links} links.",
    },
}


def add_template(kind: str, fr: str, en: str) -> None:
    """Register the French and English sentence for an event kind."""
    TEMPLATES[kind] = {"fr": fr, "en": en}


def render(kind: str, language: str, fields: dict[str, Any]) -> str:
    """The sentence for an event, or a neutral fallback if no template fits."""
    template = TEMPLATES.get(kind, {}).get(language)
    if template is None:
        return f"{kind}: " + ", ".join(f"{k}={v}" for k, v in fields.items())
    try:
        return template.format(**fields)
    except (KeyError, ValueError, IndexError):
        return f"{kind}: " + ", ".join(f"{k}={v}" for k, v in fields.items())
