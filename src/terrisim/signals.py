"""Ctrl-C and SIGTERM as the commands want them (standard library only).

``terrisim sweep`` and ``terrisim run`` treat SIGTERM (a batch system stopping the job) like
Ctrl-C: a ``KeyboardInterrupt``, so that they clean up and say what they kept. A few lines that
must run whole (the renames that put a finished run folder in place) hold both signals until
they are done.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from typing import Any

HELD = (signal.SIGINT, signal.SIGTERM)


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM raises ``KeyboardInterrupt`` (in the main thread only)."""
    if not _in_main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Run the block whole: SIGINT and SIGTERM that arrive meanwhile take effect after it.

    Either signal received during the block raises ``KeyboardInterrupt`` once the block has
    finished (if it finished without an error). ``kill -9`` cannot be held.
    """
    if not _in_main_thread():
        yield
        return
    received: list[int] = []

    def hold(signum: int, frame: Any) -> None:
        received.append(signum)

    old = {number: signal.signal(number, hold) for number in HELD}
    try:
        yield
    finally:
        for number, handler in old.items():
            signal.signal(number, handler)
    if received:
        raise KeyboardInterrupt
