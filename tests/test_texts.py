"""The one catalogue of texts (terrisim/texts.py): every entry in both languages, and every key
the code and the pages use exists in it.

The keys are read from the source: literal codes given to ``GameError``, to the session's
number checks, to ``reason``, to ``render(TIMELINE, ...)``, to ``bilingual(...)``, the kinds
given to ``log_event``, and the keys the two pages look up (``data-i18n``, ``t("...")``).
"""

from __future__ import annotations

import re

import pytest
from conftest import ROOT

import terrisim.game  # registers the game's event sentences
import terrisim.model  # noqa: F401  (registers the rules' and shocks' event sentences)
from terrisim import texts
from terrisim.game import saved

SRC = ROOT / "src" / "terrisim"
STATIC = SRC / "ui" / "static"
TABLES = {
    "MESSAGES": texts.MESSAGES,
    "WORDS": texts.WORDS,
    "REASONS": texts.REASONS,
    "ERRORS": texts.ERRORS,
    "FIELD_ERRORS": texts.FIELD_ERRORS,
    "ALLOWED": texts.ALLOWED,
    "TIMELINE": texts.TIMELINE,
    "GOODS": texts.GOODS,
    "SHOCKS": texts.SHOCKS,
    "EVENTS": texts.EVENTS,
}


def source(pattern: str, folder=SRC, glob: str = "*.py") -> set[str]:
    """Every first group of ``pattern`` in the files of ``folder`` (recursively)."""
    found: set[str] = set()
    for path in folder.rglob(glob):
        if path.name == "texts.py":
            continue
        found |= set(re.findall(pattern, path.read_text(encoding="utf-8"), re.DOTALL))
    return found


@pytest.mark.parametrize("name", sorted(TABLES))
def test_every_entry_has_a_french_and_an_english_text(name: str):
    for key, entry in TABLES[name].items():
        assert set(entry) == set(texts.LANGUAGES), f"{name}[{key!r}]"
        assert all(isinstance(t, str) and t.strip() for t in entry.values()), f"{name}[{key!r}]"


def test_the_readers_find_keys_in_the_source():
    # the patterns below must see the code they check, or every test after is empty
    assert "stale_round" in source(r'GameError\(\s*"(\w+)"')
    assert "bad_setting" in source(r'_(?:number|whole)\([^()]*?,\s*"(\w+)"')
    assert "start" in source(r'log_event\(\s*"(\w+)"')
    assert "cannot_give" in source(r'\breason\(\s*"(\w+)"')


def test_every_error_code_of_the_game_has_its_sentence():
    codes = source(r'GameError\(\s*"(\w+)"') | source(r'_(?:number|whole)\([^()]*?,\s*"(\w+)"')
    assert len(codes) > 20
    assert sorted(codes - set(texts.ERRORS)) == []


def test_every_reason_timeline_and_field_sentence_the_game_names_exists():
    reasons = source(r'\breason\(\s*"(\w+)"') | source(r'"code":\s*"(\w+)",\s*"text": bilingual')
    assert sorted(reasons - set(texts.REASONS)) == []
    told = source(r'render\(\s*TIMELINE,\s*"(\w+)"')
    assert {"shock", "end_round", "undone", "expired"} <= told
    assert sorted(told - set(texts.TIMELINE)) == []
    # decisions, actions and shocks are looked up by their own name
    assert {"accept", "refuse", "counter", "withdraw"} <= set(texts.TIMELINE)
    named = source(r'bilingual\(\s*(\w+),\s*"(\w+)"')
    for table, key in named:
        assert key in getattr(texts, table), f"{table}[{key!r}]"
    allowed = set(saved._KINDS) | set(saved._BOUNDS.values())
    assert sorted(allowed - set(texts.ALLOWED)) == []


def test_every_event_kind_the_model_logs_has_its_sentence():
    kinds = source(r'log_event\(\s*"(\w+)"')
    assert len(kinds) > 10
    assert sorted(kinds - set(texts.EVENTS)) == []


def test_every_key_the_pages_look_up_exists():
    keys = texts.MESSAGES.keys() | texts.WORDS.keys()
    for page in ("index.html", "game.html"):
        used = source(r'data-i18n(?:-title)?="([^"]+)"', STATIC, page)
        assert used and sorted(used - keys) == [], page
    used = source(r'\bt\(\s*"([\w.]+)"', STATIC, "*.js")
    assert len(used) > 100
    assert sorted(used - keys) == []


def test_the_page_and_the_game_share_no_key():
    assert not texts.MESSAGES.keys() & texts.WORDS.keys()
