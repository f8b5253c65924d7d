"""The worked examples of ``docs/experiments.md`` print what the page shows.

Each worked example is a ``bash`` block followed by a ``text`` block, its output. The test
runs the block's commands from the repository root (``terrisim`` is this Python's, the
``/tmp/...`` folders are moved into ``tmp_path``) and checks the ``text`` block against what
they print (standard output, then standard error), line by line in order, spaces collapsed:

* for the diagnostics of ``smoke`` and the time to recovery of ``recovery``, run at the size
  the page gives, every figure must be the one printed (a line ``...`` skips lines, a blank
  one is layout; a line ending in ``...`` is the start of a printed line). The figures of the paragraph that reads
  the output are checked too (those printed, and the envelopes' medians from
  ``envelopes.csv``);
* the same for the scenario discovery of ``rural_grant_cut`` (160 runs, about a minute on 2
  cores, five under a heavy load) and for the calibration of ``calibrate_synthetic`` (624
  runs, about two minutes), whose reading paragraphs' figures are recomputed from what the
  commands print.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT
from test_tutorial import NUMBER, Block, blocks

DOC = ROOT / "docs" / "experiments.md"


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
        command = re.sub(r"(?<![\w/])/tmp/", f"{tmp_path}/", command)
        command = command.replace(".venv/bin/python", sys.executable)
        command = command.replace(".venv/bin/terrisim", "terrisim")
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
        if line.strip() in {"", "..."}:  # a blank line separates two commands' outputs
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
def test_the_scenario_discovery_example_prints_the_boxes_leaves_and_scores_shown(tmp_path):
    pytest.importorskip("ema_workbench")
    block, output, prose = example("experiments/rural_grant_cut.toml --out /tmp/rs/rgc")
    printed = run_commands(block, tmp_path)
    assert_printed(output, printed)
    reading = " ".join(prose.split())
    counts = [tuple(map(int, m)) for m in re.findall(r": (\d+) of (\d+) runs", printed)]
    (failed, runs), (lossy, _) = counts
    first, second = printed.split("\nshock_rural_resilience_loss > 0.4:")
    scores = [float(v) for v in re.findall(r"(?m)^  \S+\s+(\d\.\d+)$", first)]
    top = re.findall(r"(?m)^  (\S+)\s+\d\.\d+$", second)[:2]
    leaf = re.search(r"leaf 0: coverage ([\d.]+), density ([\d.]+), mass ([\d.]+)", second)
    depth = float(re.search(r"([\d.]+) <= shocks.0.magnitude", second)[1])
    wear = float(re.search(r"([\d.]+) <= budget.depreciation", second)[1])
    box = re.search(r"box 0: coverage ([\d.]+), density ([\d.]+)", second)
    for words in (
        f"in {failed} runs of {runs} only",
        "density of 0.09 (twice",
        f"base rate of {failed / runs:.3f}, but its qp of 0.087 is above 0.05",
        f"lie between {min(scores):.2f} and {max(scores):.2f} (1/6 = {1 / 6:.2f}",
        f"the worst {100 * lossy / runs:.1f} %",
        f"density {box[2]} there against {lossy / runs:.3f} overall, qp 0.002",
        f"(at least {depth:.2f})",
        f"(at least {wear:.4f} a month, about nine times the default)",
        f"where {100 * float(leaf[2]):.0f} % of the runs lose that much",
        f"(only {round(float(leaf[1]) * lossy / float(leaf[2]))} runs: mass {leaf[3]}",
        f"{runs} single runs",
    ):
        assert words in reading, words
    assert float(box[1]) == 0.75  # "three quarters of them are under a conference"
    assert round(wear / 0.0025) == 9  # the default wear (experiments/rural_grant_cut.toml)
    assert top == ["budget.depreciation", "shocks.0.magnitude"]  # "Wear and depth score highest"


@pytest.mark.slow
def test_the_calibration_example_prints_the_recovered_values_shown(tmp_path):
    block, output, prose = example("experiments/calibrate_synthetic.py --out /tmp/cal2")
    printed = run_commands(block, tmp_path)
    assert_printed(output, printed)
    reading = " ".join(prose.split())
    pairs = re.findall(
        r"(?m)^    (trust_final|reciprocity_balance_mean)\s+([\d.]+)\s+([\d.]+)$", printed
    )
    assert len(pairs) == 2
    worst = f"{100 * max(abs(float(sim) / float(obs) - 1) for _, sim, obs in pairs):.2f} %"
    quoted = ", ".join(f"{float(sim):.4f} against {float(obs):.4f}" for _, sim, obs in pairs)
    assert f"reproduces the targets to {worst} ({quoted})" in reading
    low = re.search(r"trust.initial: known 0.65, recovered [\d.]+ \(-([\d.]+)\)", printed)
    assert f"initial trust is {float(low[1]):.3f} low" in reading
    # experiments/README.md's Found paragraph of calibrate_synthetic quotes the same run
    readme = " ".join((ROOT / "experiments" / "README.md").read_text(encoding="utf-8").split())
    tolerance = re.search(
        r"exchange.reciprocity_tolerance: known 0.35, recovered ([\d.]+)", printed
    )
    distance = re.search(r"best distance (\S+)", printed)
    assert (
        f"Reciprocity tolerance {tolerance[1]} (known 0.35), initial trust "
        f"{re.search(r'trust.initial: known 0.65, recovered ([\d.]+)', printed)[1]} (known 0.65)"
    ) in readme
    assert f"best distance {distance[1]} (the targets are reproduced to {worst})" in readme
