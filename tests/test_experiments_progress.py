"""Progress of a sweep: a bar with rate and ETA on a terminal, log lines otherwise, a log file."""

from __future__ import annotations

import re
from pathlib import Path

from terrisim.experiments.progress import Progress
from terrisim.experiments.runner import run_sweep
from terrisim.experiments.store import LOG


def experiment(
    tmp_path: Path, *, fixed: str = "", factors: str = "x = { levels = [0, 1] }"
) -> Path:
    path = tmp_path / "p.toml"
    path.write_text(
        'name = "p"\nseed = 1\nreplicates = 3\n'
        'run_function = "terrisim.experiments.testing:fake_model"\n'
        f'fixed = {{ {fixed} }}\n[design]\nmethod = "grid"\n[factors]\n{factors}\n'
    )
    return path


def test_status_line_gives_done_total_failures_rate_and_eta():
    progress = Progress(10, done=2, enabled=False)
    progress.update(3, 1)
    line = progress.line()
    assert line.startswith("6/10 runs (60%), 1 failed, ")
    assert re.search(r"[\d.]+ runs/s", line) and "ETA" in line
    progress.update(4, 0)
    assert "ETA" not in progress.line()  # finished


def test_without_a_terminal_progress_is_logged_as_periodic_lines(tmp_path, capsys):
    report = run_sweep(
        experiment(tmp_path, fixed="sleep = 0.03"),
        tmp_path / "out",
        engine="serial",
        progress=True,
        progress_interval=0.05,
    )
    assert report.ok == 6
    err = capsys.readouterr().err  # pytest's stderr is not a terminal
    lines = [line for line in err.splitlines() if line.startswith("[sweep] ")]
    assert lines, err
    assert re.match(r"\[sweep\] \d+/6 runs \(\d+%\), 0 failed, [\d.]+ runs/s, elapsed ", lines[-1])


def test_on_a_terminal_a_bar_shows_rate_and_eta(capsys):
    progress = Progress(8, enabled=True, bar=True)
    progress.update(2, 0)
    progress.update(1, 1)
    progress.close()
    err = capsys.readouterr().err
    assert "4/8" in err and "run/s" in err and "failed=1" in err
    assert re.search(r"<\d\d:\d\d", err)  # tqdm's ETA (time left)


def test_quiet_progress_prints_nothing(tmp_path, capsys):
    run_sweep(experiment(tmp_path), tmp_path / "out", engine="serial", progress=False)
    assert capsys.readouterr().err == ""


def test_the_sweep_directory_gets_a_log_file_with_batches_failures_and_the_summary(tmp_path):
    exp = experiment(tmp_path, factors="fail = { levels = [false, true] }")
    run_sweep(exp, tmp_path / "out", engine="serial", progress=False)
    log = (tmp_path / "out" / LOG).read_text()
    assert "sweep 'p' (hash " in log and "6 runs (2 points x 3 replicates), 0 already done" in log
    assert "engine: serial engine" in log
    assert re.search(r"batch \d+: 1 runs \(1 failed\)", log)
    assert "ValueError: asked to fail" in log and "Traceback" in log
    assert "done: 3 ok, 3 failed" in log
    run_sweep(exp, tmp_path / "out", engine="serial", progress=False)  # resumed: appended
    log = (tmp_path / "out" / LOG).read_text()
    assert "6 already done" in log and "nothing to do" in log
