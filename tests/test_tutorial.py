"""``docs/tutorial.md`` is run, block by block, so that it cannot go stale.

The page is read in order, in a scratch folder that looks like the repository (``.venv``,
``configs`` and ``examples`` linked to the real ones, ``runs/`` and ``my_rules/`` fresh):

* a ``bash`` block: every line is a command, run from that folder; it must exit with status 0,
  or with the status its trailing comment announces (``# exit status 1``). A block whose first
  line is ``# not run by the tests`` is skipped: only the install block, which is how the test
  environment itself is made (``make test``), may say so;
* a ``python`` or ``toml`` block whose first line is ``# my_rules/NAME.py`` (or ``.toml``) is
  written to that file; another ``python`` block is run with the environment's Python; another
  ``toml`` block must be valid TOML;
* a ``text`` block is the output of the command just before it: its lines must appear in that
  output, in that order, with any numbers (``...`` skips any lines). Numbers move when the model
  changes; the words and the layout of the outputs, and the rest of the page, may not.

Then the sentences of the page that read the results are checked on the sweep it ran.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT

TUTORIAL = ROOT / "docs" / "tutorial.md"
SKIP = "# not run by the tests"
NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?")
STATUS = re.compile(r"#\s*exit status (\d+)\s*$")
FILE = re.compile(r"^#\s*(my_rules/[\w/]+\.(?:py|toml))\s*$")


#: The output of each command of the page, once it has run.
OUTPUTS: dict[str, str] = {}


@dataclass
class Block:
    """A fenced code block of the page."""

    lang: str
    lines: list[str]
    line: int  # where it starts in the page (1-based), for messages


def blocks(text: str) -> list[Block]:
    """The fenced code blocks of a Markdown text, in order."""
    out: list[Block] = []
    current: Block | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if current is None and line.startswith("```"):
            current = Block(line[3:].strip(), [], number)
        elif current is not None and line.startswith("```"):
            out.append(current)
            current = None
        elif current is not None:
            current.lines.append(line)
    assert current is None, f"tutorial.md: the block opened at line {current.line} never closes"
    return out


def normalise(line: str) -> str:
    """A line with its numbers replaced by ``#`` and its spaces collapsed."""
    return " ".join(NUMBER.sub("#", line).split())


def assert_output(expected: Block, output: str, command: str) -> None:
    """Every line of the ``text`` block appears in ``output``, in order, numbers aside."""
    got = [normalise(line) for line in output.splitlines()]
    position = 0
    for line in expected.lines:
        if line.strip() == "...":
            continue
        want = normalise(line)
        try:
            position = got.index(want, position) + 1
        except ValueError:
            pytest.fail(
                f"tutorial.md line {expected.line}: {line.strip()!r} is not in the "
                f"output of {command!r} (after line {position}):\n{output}"
            )


def commands(block: Block) -> list[tuple[str, int]]:
    """``(command, expected exit status)`` for each line of a bash block."""
    out = []
    for line in block.lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = STATUS.search(line)
        out.append((line, int(match.group(1)) if match else 0))
    return out


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder that looks like the repository, for the tutorial's commands."""
    folder = tmp_path_factory.mktemp("tutorial")
    for name in (".venv", "configs", "examples"):
        (folder / name).symlink_to(ROOT / name)
    (folder / "my_rules").mkdir()
    return folder


@pytest.fixture(scope="module")
def walked(workdir: Path) -> Path:
    """Run the whole tutorial once in ``workdir``; return the folder."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["MPLBACKEND"] = "Agg"
    last_output, last_command = "", ""
    for block in blocks(TUTORIAL.read_text(encoding="utf-8")):
        first = block.lines[0].strip() if block.lines else ""
        target = FILE.match(first)
        if block.lang == "bash":
            if first.startswith(SKIP):
                continue
            for command, status in commands(block):
                proc = subprocess.run(
                    ["bash", "-c", command],
                    cwd=workdir,
                    env=env,
                    capture_output=True,
                    text=True,
                    timeout=600,
                    check=False,
                )
                assert proc.returncode == status, (
                    f"tutorial.md line {block.line}: {command!r} exited with "
                    f"{proc.returncode}, expected {status}\n{proc.stdout}\n{proc.stderr}"
                )
                last_output, last_command = proc.stdout, command
                OUTPUTS[command] = proc.stdout
        elif block.lang in ("python", "toml") and target:
            path = workdir / target.group(1)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("\n".join(block.lines) + "\n", encoding="utf-8")
            if block.lang == "toml":
                tomllib.loads(path.read_text(encoding="utf-8"))
        elif block.lang == "python":
            code = "\n".join(block.lines)
            proc = subprocess.run(
                [sys.executable, "-c", code],
                cwd=workdir,
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            assert proc.returncode == 0, (
                f"tutorial.md line {block.line}: the Python block "
                f"failed\n{proc.stdout}\n{proc.stderr}"
            )
            last_output, last_command = proc.stdout, f"python block at line {block.line}"
        elif block.lang == "toml":
            tomllib.loads("\n".join(block.lines))
        elif block.lang == "text":
            assert last_command, f"tutorial.md line {block.line}: output of no command"
            assert_output(block, last_output, last_command)
        else:
            pytest.fail(
                f"tutorial.md line {block.line}: unknown block language "
                f"{block.lang!r} (bash, python, toml, text)"
            )
    return workdir


# --------------------------------------------------------------------------- the page
def test_only_the_install_block_is_not_run() -> None:
    skipped = [
        b
        for b in blocks(TUTORIAL.read_text(encoding="utf-8"))
        if b.lang == "bash" and b.lines and b.lines[0].startswith(SKIP)
    ]
    assert len(skipped) == 1
    assert all(c.startswith(("make ", ".venv/bin/pip install ")) for c, _ in commands(skipped[0]))


def test_the_tutorial_walks_every_step_of_the_issue() -> None:
    text = TUTORIAL.read_text(encoding="utf-8")
    for step in (
        "terrisim run configs/demo.toml",
        "terrisim describe",
        "check-rule",
        '"forgetful:ForgetfulTrust"',
        "terrisim sweep",
        "terrisim analyze",
        "compare_rules_trust.png",
    ):
        assert step in text, step


@pytest.mark.slow
def test_every_command_of_the_tutorial_runs_as_shown(walked: Path) -> None:
    assert (walked / "my_rules" / "forgetful.py").exists()
    assert (
        walked / "runs" / "tutorial" / "compare" / "analysis" / "compare_rules_trust.png"
    ).stat().st_size > 0


# ------------------------------------------------------------ what the page says it shows
@pytest.mark.slow
def test_the_saved_failing_scenario_is_the_one_the_report_printed(walked: Path) -> None:
    saved = (walked / "my_rules" / "failing.toml").read_text(encoding="utf-8")
    failing = [
        out
        for command, out in OUTPUTS.items()
        if "--examples" in command and "FAIL trust_range" in out
    ]
    assert len(failing) == 1
    printed = failing[0].split("smallest failing scenario", 1)[1]
    body = [line for line in saved.splitlines() if not line.startswith("# my_rules/")]
    assert "\n".join(f"    {line}" if line else "" for line in body) in printed


@pytest.mark.slow
def test_the_forgetful_rule_ends_with_less_urban_rural_trust_than_the_demo(walked: Path) -> None:
    def trust(run: str) -> float:
        summary = json.loads((walked / "runs" / "tutorial" / run / "summary.json").read_text())
        return summary["trust_urban_rural_final"]

    # "Urban-rural trust ends near 0.3 instead of 0.6"
    assert trust("demo") == pytest.approx(0.6, abs=0.05)
    assert trust("forgetful") == pytest.approx(0.3, abs=0.05)


@pytest.mark.slow
def test_the_reading_of_the_sweep_holds(walked: Path) -> None:
    from terrisim.experiments import load_results

    sweep = walked / "runs" / "tutorial" / "compare"
    summary = pd.read_csv(sweep / "analysis" / "summary.csv").set_index(["outcome", "level"])
    mean = summary["mean"]
    paired = pd.read_csv(sweep / "analysis" / "paired_rules_trust.csv").set_index(
        ["outcome", "level"]
    )
    runs = load_results(sweep).groupby("rules.trust")
    # "about 0.6 with the built-in rule, about 0.44 with 24 months and about 0.23 with 6"
    trust = mean["trust_urban_rural_final"]
    assert trust["built_in"] == pytest.approx(0.6, abs=0.05)
    assert trust["forgetful_24"] == pytest.approx(0.44, abs=0.05)
    assert trust["forgetful_6"] == pytest.approx(0.23, abs=0.05)
    # "The boxes do not overlap"
    low, high = runs["trust_urban_rural_final"].min(), runs["trust_urban_rural_final"].max()
    assert high["forgetful_6"] < low["forgetful_24"] and high["forgetful_24"] < low["built_in"]
    # "the number of deals per step does not change (within 2%)"
    relative = paired.loc["deals_mean", "mean_diff"].abs() / mean["deals_mean"]["built_in"]
    assert (relative < 0.02).all(), relative
    # "the value exchanged per step falls by about a third with a half-life of 6 months"
    volume = mean["volume_value_mean"]
    assert volume["forgetful_6"] / volume["built_in"] == pytest.approx(2 / 3, abs=0.08)
    # "the boxes of the three rules overlap ... the paired difference is clearly below zero"
    low, high = runs["volume_value_mean"].min(), runs["volume_value_mean"].max()
    assert high["forgetful_6"] > low["built_in"]
    assert paired.loc[("volume_value_mean", "forgetful_6"), "ci_high"] < 0
    # "Satisfaction barely moves (by less than 2%)"
    relative = (
        paired.loc["satisfaction_mean", "mean_diff"].abs() / mean["satisfaction_mean"]["built_in"]
    )
    assert (relative < 0.02).all(), relative
