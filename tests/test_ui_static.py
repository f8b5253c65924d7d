"""The page's words and files: both languages complete, every key defined, nothing fetched online."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from terrisim import texts
from terrisim.ui import viewmodel
from terrisim.ui.server import STATIC_DIR

ROOT = Path(__file__).resolve().parents[1]
STATIC_FILES = sorted(p for p in STATIC_DIR.rglob("*") if p.is_file())


def test_the_static_folder_holds_the_page():
    names = {p.name for p in STATIC_FILES}
    assert {"index.html", "app.js", "charts.js", "style.css"} <= names


def test_static_files_are_declared_as_package_data():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["terrisim"]
    assert "ui/static/*" in patterns


# --------------------------------------------------------------------------- offline guarantee
URL = re.compile(r"(?:https?:)?//[\w.-]+\.[a-z]{2,}", re.IGNORECASE)
LOCAL = re.compile(r"//(?:localhost|127\.0\.0\.1|\[::1\])", re.IGNORECASE)


def external_hosts(text: str) -> list[str]:
    """URLs (absolute or protocol-relative) to a host other than this machine."""
    found = []
    for match in URL.finditer(text):
        url = match.group(0)
        if not LOCAL.match(url[url.index("//") :]):
            found.append(url)
    return found


def test_the_external_host_detector_works():
    assert external_hosts('<script src="https://cdn.jsdelivr.net/npm/x.js">') == [
        "https://cdn.jsdelivr.net"
    ]
    assert external_hosts("@import url(//fonts.googleapis.com/css)") == ["//fonts.googleapis.com"]
    assert external_hosts('createElementNS("http://www.w3.org/2000/svg")') == ["http://www.w3.org"]
    assert external_hosts("fetch('http://localhost:8765/api') // a comment.") == []


@pytest.mark.parametrize("path", STATIC_FILES, ids=lambda p: p.name)
def test_no_static_file_points_to_an_external_host(path):
    text = path.read_text(encoding="utf-8")
    external = external_hosts(text)
    assert not external, f"{path.name} refers to external hosts: {external}"
    assert "@import" not in text
    assert not re.search(r"""\b(?:src|href)\s*=\s*["']//""", text)


def test_the_page_loads_only_its_own_files():
    html = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    refs = re.findall(r"""\b(?:src|href)="([^"]+)\"""", html)
    assert {"/static/app.js", "/static/style.css"} <= set(
        refs
    )  # the pattern finds the page's files
    for ref in refs:
        assert ref.startswith(("/static/", "data:")), ref
        if ref.startswith("/static/"):
            assert (STATIC_DIR / ref.removeprefix("/static/")).is_file(), ref
    js = (STATIC_DIR / "app.js").read_text(encoding="utf-8")
    imports = re.findall(r"""from\s+["']([^"']+)["']""", js)
    assert "./charts.js" in imports
    for ref in imports:
        assert ref.startswith("./") and (STATIC_DIR / ref[2:]).is_file(), ref


# --------------------------------------------------------------------------- i18n
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def test_every_key_has_both_languages_with_the_same_placeholders():
    for key, entry in texts.MESSAGES.items():
        assert set(entry) == set(texts.LANGUAGES), key
        assert all(text.strip() for text in entry.values()), key
        assert set(PLACEHOLDER.findall(entry["fr"])) == set(PLACEHOLDER.findall(entry["en"])), key


def _keys_used_by_the_page() -> set[str]:
    html = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    keys = set(re.findall(r'data-i18n(?:-title)?="([^"]+)"', html))
    for name in ("app.js", "charts.js"):
        js = (STATIC_DIR / name).read_text(encoding="utf-8")
        keys |= set(re.findall(r"""\bt\(\s*["']([\w.]+)["']""", js))
    return keys


def test_every_key_the_page_uses_is_in_the_dictionary():
    keys = _keys_used_by_the_page()
    assert len(keys) > 40
    assert texts.missing(keys) == []


def test_every_catalogue_item_has_a_name_and_a_help_line():
    keys = set()
    for rule in viewmodel.governance_rules():
        keys |= {f"governance.{rule}", f"governance.{rule}.help"}
    for shock in viewmodel.shock_kinds():
        keys |= {f"shock.{shock}", f"shock.{shock}.help"}
    for knob in viewmodel.KNOBS:
        keys |= {f"knob.{knob.id}", f"knob.{knob.id}.help"}
    scenario = viewmodel.Scenario()
    keys |= {f"kind.{k}" for k in scenario.kinds} | {f"good.{g}" for g in scenario.goods}
    assert texts.missing(keys) == []


def test_every_shipped_scenario_has_a_french_title_and_description():
    """The trainers see French names, not file names, for the scenarios of ``configs/``."""
    entries = viewmodel.list_scenarios(ROOT / "configs")
    assert len(entries) >= 2
    for entry in entries:
        for part in ("title", "description"):
            key = f"scenario.{entry.id}.{part}"
            assert key in texts.MESSAGES, f"configs/{entry.id}.toml: add {key} to terrisim/texts.py"
            assert texts.MESSAGES[key]["fr"] != texts.MESSAGES[key]["en"], key


def test_every_resilience_sentence_is_in_the_dictionary():
    statuses = ("recovered", "unshaken", "not_recovered", "pending", "unmeasurable")
    assert texts.missing({f"resilience.{s}" for s in statuses}) == []


@pytest.mark.parametrize("rule", viewmodel.governance_rules())
def test_every_chart_title_and_line_label_is_in_the_dictionary(rule):
    entry = viewmodel.list_scenarios(None)[0]
    model = viewmodel.build_model(entry, rule=rule, seed=1)
    viewmodel.trigger_shock(model, "drought")
    for _ in range(3):
        viewmodel.step(model)
    panel = viewmodel.panel(model, rule)
    keys = {c["title"] for c in panel["charts"]}
    keys |= {line["label"] for c in panel["charts"] for line in c["lines"]}
    assert texts.missing(keys) == []


def test_the_page_speaks_the_words_of_the_room():
    french = " ".join(e["fr"] for e in texts.MESSAGES.values()).lower()
    for word in (
        "élus",
        "contrat de réciprocité",
        "conférence des élus",
        "fusion",
        "dotations",
        "sécheresse",
        "crise énergétique",
        "crise sanitaire",
        "ingénierie",
        "confiance",
        "solidarité fiscale",
    ):
        assert word in french, word


def test_translation_fills_placeholders_and_falls_back_to_the_key():
    assert texts.t("status.step", "fr", step=3, steps=60) == "mois 3 sur 60"
    assert texts.t("status.step", "en", step=3, steps=60) == "month 3 of 60"
    assert texts.t("no.such.key", "en") == "no.such.key"
