"""The page and a student's rules: only scenarios that run, their own governance, reload.

With ``terrisim ui --configs DIR`` a student edits a rule file and reloads it from the page
(``POST /api/reload``, the button « Recharger les règles ») without restarting the server; the
catalogue offers only the scenarios that run (the others are listed apart, with the reason);
a run keeps the scenario's own institutions unless the page asks for another rule.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest
from conftest import call, serving

RULE = """
from terrisim.rules.trust import Reinforcement


class Edited(Reinforcement):
    name = "edited_test"
    FACTOR = {factor}

    def update(self, state, outcome):
        return super().update(state, outcome) * self.FACTOR
"""

SCENARIO = """
name = "{name}"
steps = 6
seed = 3

[territories.generator]
counts = {{ metropolis = 1, town = 1, periurban = 1, rural = 2, mountain = 1 }}
{extra}
"""


def _write_rule(folder: Path, factor: float) -> None:
    path = folder / "page_rules.py"
    path.write_text(RULE.format(factor=factor), encoding="utf-8")
    # a later mtime, so that the import system sees the edit (cached bytecode is by mtime)
    stamp = time.time() + (10 if factor != 1.0 else 0)
    os.utime(path, (stamp, stamp))


@pytest.fixture
def configs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    rules = tmp_path / "rules"
    rules.mkdir()
    _write_rule(rules, 1.0)
    monkeypatch.syspath_prepend(str(rules))
    monkeypatch.delitem(sys.modules, "page_rules", raising=False)
    folder = tmp_path / "configs"
    folder.mkdir()
    trust = '[rules]\ntrust = { name = "page_rules:Edited" }\n'
    (folder / "mine.toml").write_text(SCENARIO.format(name="mine", extra=trust), encoding="utf-8")
    forum = '[[governance]]\nrule = "conference"\n'
    (folder / "forum.toml").write_text(SCENARIO.format(name="forum", extra=forum), encoding="utf-8")
    missing = '[rules]\ntrust = { name = "nowhere_rules:Gone" }\n'
    (folder / "broken.toml").write_text(
        SCENARIO.format(name="broken", extra=missing), encoding="utf-8"
    )
    (folder / "typo.toml").write_text('name = "typo"\nsteps = "many"\n', encoding="utf-8")
    (folder / "nobase.toml").write_text(  # the file it extends is missing: named from the folder
        'name = "nobase"\nextends = "gone.toml"\n', encoding="utf-8"
    )
    (folder / "compare.toml").write_text(  # a sweep's file: neither offered nor unavailable
        'name = "compare"\nscenario = "mine.toml"\nsteps = 3\nseed = 1\n'
        '[design]\nmethod = "grid"\n[factors."rules.trust"]\n'
        'levels = [{ name = "reinforcement" }, { name = "page_rules:Edited" }]\n',
        encoding="utf-8",
    )
    return folder


def test_the_catalogue_offers_only_the_scenarios_that_run(configs: Path) -> None:
    with serving(configs) as server:
        status, cat = call(server, "GET", "/api/catalogue")
    assert status == 200
    assert [s["id"] for s in cat["scenarios"]] == ["forum", "mine"]
    reasons = {u["id"]: u["reason"] for u in cat["unavailable"]}
    assert set(reasons) == {"broken", "typo", "nobase"}
    assert "cannot import module 'nowhere_rules'" in reasons["broken"]
    assert "steps" in reasons["typo"]
    assert reasons["nobase"].startswith("nobase.toml:2: extends: file not found: gone.toml ")
    said = " ".join(reasons.values())
    assert str(configs) not in said and str(configs.resolve()) not in said  # no server path


def test_a_run_keeps_the_scenarios_own_governance_by_default(configs: Path) -> None:
    with serving(configs) as server:
        status, frame = call(server, "POST", "/api/sim", {"scenario": "forum"})
        assert status == 200, frame
        assert frame["panels"][0]["governance"] == "scenario"
        status, none = call(
            server, "POST", "/api/sim", {"scenario": "forum", "governance": ["none"]}
        )
        assert status == 200 and none["panels"][0]["governance"] == "none"


def test_an_edited_rule_is_reloaded_from_the_page_without_restarting(configs: Path) -> None:
    rules = configs.parent / "rules"
    with serving(configs) as server:
        _, before = call(server, "POST", "/api/sim", {"scenario": "mine"})
        _, before = call(server, "POST", f"/api/sim/{before['id']}/step", {"n": 4})
        _write_rule(rules, 0.5)  # the student edits the file
        status, done = call(server, "POST", "/api/reload")
        assert status == 200 and done["reloaded"] == ["page_rules"]
        _, after = call(server, "POST", "/api/sim", {"scenario": "mine"})
        _, after = call(server, "POST", f"/api/sim/{after['id']}/step", {"n": 4})
        assert sys.modules["page_rules"].Edited.FACTOR == 0.5
        assert after["panels"][0]["charts"] != before["panels"][0]["charts"]


def test_a_rule_file_with_an_error_is_reported_and_the_old_code_kept(configs: Path) -> None:
    rules = configs.parent / "rules"
    with serving(configs) as server:
        call(server, "POST", "/api/sim", {"scenario": "mine"})  # imports page_rules
        path = rules / "page_rules.py"
        path.write_text(path.read_text(encoding="utf-8") + "\ndef broken(:\n", encoding="utf-8")
        stamp = time.time() + 20
        os.utime(path, (stamp, stamp))
        status, error = call(server, "POST", "/api/reload")
        assert status == 400 and error["error"]["code"] == "reload_failed"
        assert "SyntaxError" in error["error"]["message"]
        assert "l'ancien code reste en service" in error["error"]["message"]
        status, frame = call(server, "POST", "/api/sim", {"scenario": "mine"})
        assert status == 200, frame


def test_only_the_facilitator_reloads_the_rules(configs: Path) -> None:
    rules = configs.parent / "rules"
    with serving(configs) as server:
        call(server, "POST", "/api/sim", {"scenario": "mine"})  # imports page_rules
        _write_rule(rules, 0.5)
        status, error = call(server, "POST", "/api/reload", facilitator=False)
        assert status == 403 and error["error"]["code"] == "facilitator_only"
        assert "réservé au formateur" in error["error"]["message"]
        assert sys.modules["page_rules"].Edited.FACTOR == 1.0  # nothing was reloaded
        status, done = call(server, "POST", "/api/reload")
        assert status == 200 and done["reloaded"] == ["page_rules"]
        assert sys.modules["page_rules"].Edited.FACTOR == 0.5
