"""What the room reads: numbers written the French way, durations with their unit, and a
replay that goes to the end of the game.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_game_session import PLAYERS, RURAL_AGENT, SMALL

from terrisim.game import GameError, GameSession
from terrisim.texts import number, render, years


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("texts") / "small.toml"
    path.write_text(SMALL, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("value", "fr", "en"),
    [
        (11.2, "11,2", "11.2"),
        (1.0, "1", "1"),
        (0.125, "0,125", "0.125"),
        (1234.0, "1\u202f234", "1,234"),
    ],
)
def test_numbers_have_a_decimal_comma_in_french(value, fr, en):
    assert number(value, "fr") == fr
    assert number(value, "en") == en


@pytest.mark.parametrize(
    ("value", "fr", "en"),
    [(1.0, "1 an", "1 year"), (1.5, "1,5 an", "1.5 years"), (2.0, "2 ans", "2 years")],
)
def test_durations_are_written_with_their_unit_not_an_s(value, fr, en):
    assert years(value, "fr") == fr
    assert years(value, "en") == en


def test_sentences_write_their_numbers_the_languages_way():
    table = {"x": {"fr": "{value} pour {years}", "en": "{value} for {years}"}}
    assert render(table, "x", "fr", {"value": 11.2, "years": 1.0}) == "11,2 pour 1 an"
    assert render(table, "x", "en", {"value": 11.2, "years": 1.0}) == "11.2 for 1 year"


def test_an_error_message_in_french_has_decimal_commas(scenario_file):
    game = GameSession(scenario_file, players=PLAYERS, rounds=3, years_per_round=0.5)
    with pytest.raises(GameError) as info:
        game.offer("Équipe A", RURAL_AGENT, give={"health": 1}, ask={"food": 1}, commitment=1.5)
    assert info.value.text["fr"] == "engagement invalide : « 1,5 » (entre 0 et 1)"
    assert info.value.text["en"] == "invalid commitment: “1.5” (between 0 and 1)"
    with pytest.raises(GameError) as info:
        game.offer("Équipe A", RURAL_AGENT, give={"health": 1}, ask={"food": 1}, years=12.5)
    assert "« 12,5 »" in info.value.text["fr"] and "10 ans" in info.value.text["fr"]


def test_the_timeline_and_the_narrative_say_1_an_not_1_0_an_s(scenario_file):
    game = GameSession(scenario_file, players=PLAYERS, rounds=3, years_per_round=0.5)
    offer = game.offer("Équipe A", RURAL_AGENT, give={"health": 3}, ask={"food": 4}, years=1)
    assert offer.status == "accepted"
    texts = [e["text"]["fr"] for e in game.timeline()]
    assert any("1 an," in t for t in texts), texts
    assert not any("an(s)" in t or "1.0" in t for t in texts)
    signed = [e for e in game.model.events if e["kind"] == "game_agreement"]
    assert signed and "(1 an)" in signed[0]["text_fr"] and "(1 year)" in signed[0]["text_en"]


def test_the_replay_goes_to_the_end_of_the_game(scenario_file):
    game = GameSession(scenario_file, players=PLAYERS, rounds=3, years_per_round=1.0)
    for k in (1, 2, 3):
        game.end_round(round=k)
    assert game.finished and game.step == 36
    timeline = game.timeline()
    assert timeline[-1]["type"] == "end_round" and timeline[-1]["step"] == 36
    assert [e["step"] for e in timeline] == [0, 12, 24, 36]  # after each end of round
    debrief = game.debrief(counterfactuals=False)
    assert debrief["timeline"][-1]["step"] == debrief["series"]["step"][-1] == 36
