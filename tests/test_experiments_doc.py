"""The worked examples of ``docs/experiments.md`` print what the page shows.

Each worked example is a ``bash`` block followed by a ``text`` block, its output. The test
runs the block's commands from the repository root (``terrisim`` is this Python's, the
``/tmp/...`` folders are moved into ``tmp_path``) and checks the ``text`` block against what
they print (standard output, then standard error), line by line in order, spaces collapsed:

* for the diagnostics of ``smoke`` and the time to recovery of ``recovery``, run at the size
  the page gives, every figure must be the one printed (a line ``...`` skips lines; a line
  ending in ``...`` is the start of a printed line). The figures of the paragraph that reads
  the output are checked too (those printed, and the envelopes' medians from
  ``envelopes.csv``);
* the scenario discovery of ``rural_grant_cut`` (160 runs: five minutes here) is run on a
  cut-down copy of the experiment (:data:`EXPLORE_SAMPLES` points) and only the output's
  layout is checked: the header lines, the three sections and the six factors scored. Its
  figures are illustrative, as the page says.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT
from test_tutorial import NUMBER, Block, blocks

DOC = ROOT / "docs" / "experiments.md"
#: The design points of the cut-down copy of rural_grant_cut.toml that the test explores.
EXPLORE_SAMPLES = 24


def example(marker: str) -> tuple[Block, Block, str]:
    """The bash block holding ``marker``, the text block after it, and the prose after that."""
    text = DOC.read_text(encoding="utf-8")
    found = blocks(text)
    for i, block in enumerate(found):
        if block.lang == "bash" and any(marker in line for line in block.lines):
            output = found[i + 1]
            assert output.lang in ("", "text"), f"experiments.md line {block.line}: no output block"
            lines = text.splitlines()
            after = lines[output.line + len(output.lines) + 1 :]
            start = next(j for j, line in enumerate(after) if line.strip())
            end = next((j for j in range(start, len(after)) if not after[j].strip()), None)
            return block, output, "\n".join(after[start:end])  # its first paragraph
    raise AssertionError(f"experiments.md: no bash block with {marker!r}")


def run_commands(block: Block, tmp_path: Path, replace: dict[str, str] | None = None) -> str:
    """Run the block's commands from the repository root; their stdout, then their stderr."""
    shim = tmp_path / "bin"
    shim.mkdir(exist_ok=True)
    (shim / "terrisim").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m terrisim "$@"\n')
    (shim / "terrisim").chmod(0o755)
    env = {**os.environ, "PATH": f"{shim}{os.pathsep}{os.environ['PATH']}", "MPLBACKEND": "Agg"}
    out, err = [], []
    for line in block.lines:
        command = line.split("#", 1)[0].strip()
        if not command:
            continue
        command = re.sub(r"/tmp/(\w+)/", f"{tmp_path}/\\1/", command)
        for old, new in (replace or {}).items():
            command = command.replace(old, new)
        proc = subprocess.run(
            ["bash", "-c", command],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        assert proc.returncode == 0, f"{command!r}: exit {proc.returncode}\n{proc.stderr}"
        out.append(proc.stdout)
        err.append(proc.stderr)
    return "".join(out) + "".join(err)


def squeeze(line: str) -> str:
    return " ".join(line.split())


def assert_printed(expected: Block, output: str, *, layout_only: bool = False) -> None:
    """Every line of ``expected`` is in ``output``, in order (numbers aside if layout only)."""

    def form(line: str) -> str:
        return squeeze(NUMBER.sub("#", line) if layout_only else line)

    got = [form(line) for line in output.splitlines()]
    position = 0
    for line in expected.lines:
        if line.strip() == "...":
            continue
        want = form(line)
        prefix = want.endswith("...")
        want = want.removesuffix("...").rstrip()
        hit = next(
            (
                j
                for j in range(position, len(got))
                if (got[j].startswith(want) if prefix else got[j] == want)
            ),
            None,
        )
        assert hit is not None, (
            f"experiments.md line {expected.line}: {line.strip()!r} is not printed "
            f"(after output line {position}):\n{output}"
        )
        position = hit + 1


def numbers(text: str) -> list[str]:
    """The figures of a paragraph (without leading plus signs), levels and counts included."""
    return [n.lstrip("+") for n in NUMBER.findall(text.replace("`", ""))]


@pytest.mark.slow
def test_the_smoke_diagnostics_example_prints_the_figures_shown(tmp_path):
    block, output, prose = example("experiments/smoke.toml --out /tmp/diag/smoke")
    printed = run_commands(block, tmp_path)
    assert_printed(output, printed)
    tokens = {n.lstrip("+") for n in NUMBER.findall(printed)}
    # the reading: every figure of it is printed (the 5 % threshold is the warning's)
    assert [n for n in numbers(prose) if n not in tokens] == []


@pytest.mark.slow
def test_the_recovery_example_prints_the_times_and_envelopes_shown(tmp_path):
    block, output, prose = example("experiments/recovery.toml --out /tmp/rs/recovery")
    printed = run_commands(block, tmp_path)
    assert_printed(output, printed)
    analysis = tmp_path / "rs" / "recovery" / "analysis"
    envelopes = pd.read_csv(analysis / "envelopes.csv")
    assert f"`envelopes.csv` ({len(envelopes)} rows)" in prose
    wrote = re.search(r"wrote (\d+) tables and (\d+) figures", printed)
    assert wrote, printed
    assert f"{wrote[1]} tables, {wrote[2]} figures" in "\n".join(block.lines)
    # "(the urban and rural rows are the same numbers)"
    times = pd.read_csv(analysis / "recovery.csv")
    columns = ["recovered", "q25", "median", "q75"]
    overall = times[times["series"] == "satisfaction"].set_index(["factor", "level"])[columns]
    for series in ("satisfaction_class_urban", "satisfaction_class_rural"):
        rows = times[times["series"] == series].set_index(["factor", "level"])[columns]
        pd.testing.assert_frame_equal(rows, overall)
    median = envelopes[
        (envelopes["factor"] == "shocks") & (envelopes["series"] == "satisfaction")
    ].set_index(["level", "step"])["median"]
    before = median[("drought", 23)]

    def at(level: str, step: int) -> str:
        return f"{median[(level, step)]:.4f}"

    def down(level: str, step: int) -> str:
        return f"{100 * (1 - median[(level, step)] / before):.1f} % down"

    reading = " ".join(prose.split())
    for words in (
        (
            f"from {at('drought', 23)} (step 23) to {at('drought', 24)} (step 24, "
            f"{down('drought', 24)}) and {at('drought', 29)} (step 29, {down('drought', 29)})"
        ),
        f"back at {at('drought', 30)} on step 30",
        f"moves it to {at('energy_crisis', 24)} on step 24 ({down('energy_crisis', 24)})",
        f"overall median ({at('grant_cut', 24)} on step 24)",
    ):
        assert words in reading, words


@pytest.mark.slow
def test_the_scenario_discovery_example_prints_the_layout_shown(tmp_path):
    pytest.importorskip("ema_workbench")
    block, output, prose = example("experiments/rural_grant_cut.toml --out /tmp/rs/rgc")
    source = ROOT / "experiments" / "rural_grant_cut.toml"
    small = tmp_path / "rural_grant_cut.toml"
    text = source.read_text(encoding="utf-8").replace(
        'scenario = "../configs/demo.toml"', f'scenario = "{ROOT / "configs" / "demo.toml"}"'
    )
    text, count = re.subn(r"(?m)^samples = 160\b", f"samples = {EXPLORE_SAMPLES}", text)
    assert count == 1 and tomllib.loads(text)["design"]["samples"] == EXPLORE_SAMPLES
    small.write_text(text, encoding="utf-8")
    printed = run_commands(block, tmp_path, {"experiments/rural_grant_cut.toml": str(small)})
    layout = Block("text", [line for line in output.lines if line and line[0] != " "], output.line)
    assert len(layout.lines) == 8  # per --where: the count, PRIM, CART, feature scores
    assert_printed(layout, printed, layout_only=True)
    scores = [line.split()[0] for line in output.lines if re.match(r"^  \S+\s+[\d.]+$", line)]
    assert len(scores) == 12
    for factor in scores:
        assert re.search(rf"(?m)^  {re.escape(factor)}\s+[\d.]+$", printed), factor
    assert "illustrative" in prose
