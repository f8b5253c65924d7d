"""Progress of a sweep: a tqdm bar on a terminal, periodic log lines otherwise.

The bar (on stderr) shows runs done, rate and ETA; failed runs appear in its postfix. When
stderr is not a terminal (a batch job, a notebook, CI) the same facts are logged every
``interval`` seconds. Either way, the sweep's log file gets a line per batch.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

log = logging.getLogger("terrisim.sweep")


def _duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}h{m:02d}m{s:02d}s" if h else f"{m}m{s:02d}s" if m else f"{s}s"


class Progress:
    """Counts finished runs and shows them.

    Args:
        total: Runs in the whole sweep.
        done: Runs already done before this session (a resumed sweep).
        enabled: Show anything at all on stderr.
        interval: Seconds between log lines when stderr is not a terminal.
        bar: Force the tqdm bar on (True) or off (False); None: only on a terminal.
    """

    def __init__(
        self,
        total: int,
        done: int = 0,
        *,
        enabled: bool = True,
        interval: float = 10.0,
        bar: bool | None = None,
    ) -> None:
        self.total = total
        self.start_done = done
        self.ok = 0
        self.failed = 0
        self.interval = interval
        self.enabled = enabled
        self.started = time.monotonic()
        self._last_line = self.started
        self._bar: Any = None
        use_bar = sys.stderr.isatty() if bar is None else bar
        if enabled and use_bar:
            from tqdm import tqdm

            self._bar = tqdm(
                total=total,
                initial=done,
                unit="run",
                dynamic_ncols=True,
                file=sys.stderr,
                smoothing=0.1,
            )

    @property
    def done(self) -> int:
        """Runs done, including those of earlier sessions."""
        return self.start_done + self.ok + self.failed

    def rate(self) -> float:
        """Runs per second in this session."""
        elapsed = time.monotonic() - self.started
        return (self.ok + self.failed) / elapsed if elapsed > 0 else 0.0

    def eta(self) -> float | None:
        """Seconds left at the current rate (None before the first run)."""
        r = self.rate()
        return (self.total - self.done) / r if r > 0 else None

    def line(self) -> str:
        """A one-line status: done/total, percentage, failures, rate, elapsed, ETA."""
        pct = 100.0 * self.done / self.total if self.total else 100.0
        eta = self.eta()
        return (
            f"{self.done}/{self.total} runs ({pct:.0f}%), {self.failed} failed, "
            f"{self.rate():.2f} runs/s, elapsed {_duration(time.monotonic() - self.started)}"
            + (f", ETA {_duration(eta)}" if eta is not None and self.done < self.total else "")
        )

    def update(self, ok: int, failed: int) -> None:
        """Count a finished batch.

        Args:
            ok: Runs that succeeded.
            failed: Runs that raised.
        """
        self.ok += ok
        self.failed += failed
        if self._bar is not None:
            if failed:
                self._bar.set_postfix(failed=self.failed, refresh=False)
            self._bar.update(ok + failed)
        self.tick()

    def tick(self) -> None:
        """Log a status line if ``interval`` seconds have passed (non-terminal mode)."""
        now = time.monotonic()
        if self._bar is None and self.enabled and now - self._last_line >= self.interval:
            self._last_line = now
            print(f"[sweep] {self.line()}", file=sys.stderr, flush=True)

    def write(self, message: str) -> None:
        """Print a message on stderr without breaking the bar."""
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.write(message, file=sys.stderr)
        else:
            print(message, file=sys.stderr, flush=True)

    def close(self) -> None:
        """Close the bar."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
