"""docs/DEVELOPING.md: its layout lists every module and folder of the package."""

from __future__ import annotations

import re

from conftest import ROOT


def test_the_layout_names_every_module_and_folder_of_the_package() -> None:
    text = (ROOT / "docs" / "DEVELOPING.md").read_text(encoding="utf-8")
    layout = text.split("## Layout", 1)[1].split("```", 2)[1]
    named = set(re.findall(r"\b([a-z_]+(?:\.py|/))", layout))
    package = ROOT / "src" / "terrisim"
    present = {
        f"{p.name}/" if p.is_dir() else p.name
        for p in package.iterdir()
        if not p.name.startswith(("_", ".")) and (p.is_dir() or p.suffix == ".py")
    }
    assert present, "no package files found"
    assert sorted(present - named) == []
    # and every entry (the first name of a line) exists
    entries = set(re.findall(r"^  ([a-z_]+(?:\.py|/))", layout, flags=re.MULTILINE))
    assert entries and sorted(entries - present) == []
