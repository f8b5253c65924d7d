"""Which lines of a rule's own code ran: line coverage for ``terrisim check-rule`` (issue 19).

A rule whose invariants hold only because its code never ran is not checked. :class:`RuleLines`
records, with :mod:`sys.monitoring` (Python 3.12, PEP 669), which lines of the rule's own
methods ran while check-rule's scenarios were run: the methods defined in the rule's class
and in its parents that live in the same file (a student's subclass of a built-in rule counts
its own file only). Each line is reported once, then its event is disabled, so a checked run
costs almost nothing more::

    lines = RuleLines(MyRule)
    with lines:
        ...  # run models
    lines.missed_text()  # "lines 40-44 (MyRule.end_step)"
"""

from __future__ import annotations

import inspect
import sys
import types
from pathlib import Path
from typing import Any

_MONITORING = getattr(sys, "monitoring", None)


def _code_objects(code: types.CodeType) -> list[types.CodeType]:
    """A code object and those nested in it (inner functions, lambdas)."""
    out = [code]
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            out.extend(_code_objects(const))
    return out


def _functions(cls: type) -> list[tuple[str, types.CodeType]]:
    """``(qualified name, code)`` of the rule's methods that live in its own file.

    The methods the class resolves to (its own, and those it inherits without overriding
    them), when they are defined in the class's file: a parent's method it overrides is not
    the rule's code, nor is code in other files (a built-in rule it subclasses).
    """
    try:
        home = inspect.getsourcefile(cls)
    except TypeError:
        return []
    found: dict[types.CodeType, str] = {}
    for name in dir(cls):
        value = inspect.getattr_static(cls, name)
        func = value.fget if isinstance(value, property) else value
        func = getattr(func, "__func__", func)
        code = getattr(func, "__code__", None)
        if code is None or code.co_filename != home or code in found:
            continue
        owner = next((k for k in cls.__mro__ if name in vars(k)), cls)
        found[code] = f"{owner.__name__}.{name}"
    return sorted(((n, c) for c, n in found.items()), key=lambda item: item[1].co_firstlineno)


class RuleLines:
    """Lines of a rule's own methods, and which of them ran (a context manager).

    Attributes:
        path: The rule's source file (``None`` when it has none, e.g. typed in a console).
        lines: Executable lines of its methods, by method (``"Class.method"``).
        ran: The lines that ran.
        available: False when no :mod:`sys.monitoring` tool id was free (then nothing is
            measured and :meth:`missed_text` says so).
    """

    def __init__(self, cls: type) -> None:
        functions = _functions(cls)
        self.path = functions[0][1].co_filename if functions else None
        self.lines: dict[str, set[int]] = {}
        self.codes: list[types.CodeType] = []
        for name, code in functions:
            lines = set()
            for inner in _code_objects(code):
                self.codes.append(inner)
                lines.update(line for _, _, line in inner.co_lines() if line is not None)
            lines.discard(code.co_firstlineno)  # the def line (and decorators) runs at import
            self.lines[name] = lines
        self.ran: set[int] = set()
        self.available = _MONITORING is not None
        self._tool: int | None = None

    def _on_line(self, code: types.CodeType, line: int) -> Any:
        self.ran.add(line)
        return _MONITORING.DISABLE

    def __enter__(self) -> RuleLines:
        if not self.available or not self.codes:
            return self
        mon = _MONITORING
        tool = next((i for i in (4, 3, 2, 1, 0) if mon.get_tool(i) is None), None)
        if tool is None:
            self.available = False
            return self
        mon.use_tool_id(tool, "terrisim check-rule")
        self._tool = tool
        mon.register_callback(tool, mon.events.LINE, self._on_line)
        for code in self.codes:
            mon.set_local_events(tool, code, mon.events.LINE)
        mon.restart_events()  # lines disabled by an earlier check run again
        return self

    def __exit__(self, *exc: object) -> None:
        if self._tool is None:
            return
        mon = _MONITORING
        for code in self.codes:
            mon.set_local_events(self._tool, code, 0)
        mon.register_callback(self._tool, mon.events.LINE, None)
        mon.free_tool_id(self._tool)
        self._tool = None

    @property
    def total(self) -> int:
        """Executable lines of the rule's own methods."""
        return len(set().union(*self.lines.values())) if self.lines else 0

    @property
    def missed(self) -> dict[str, list[int]]:
        """The lines that never ran, by method (methods with none missed left out)."""
        out = {}
        for name, lines in self.lines.items():
            left = sorted(lines - self.ran)
            if left:
                out[name] = left
        return out

    def missed_text(self) -> str:
        """The lines that never ran, in words: ``"lines 40-44 (Call.end_step), 51 (...)"``."""
        parts = []
        for name, lines in self.missed.items():
            spans = ", ".join(_spans(lines))
            parts.append(f"{'line' if len(lines) == 1 else 'lines'} {spans} ({name})")
        return "; ".join(parts)

    def location(self) -> str:
        """The rule's file, relative to the working folder when inside it."""
        if self.path is None:
            return "?"
        path = Path(self.path)
        try:
            return str(path.resolve().relative_to(Path.cwd().resolve()))
        except ValueError:
            return str(path)


def _spans(lines: list[int]) -> list[str]:
    """``[3, 4, 5, 9]`` -> ``["3-5", "9"]``."""
    out: list[str] = []
    start = prev = lines[0]
    for line in [*lines[1:], None]:
        if line is not None and line == prev + 1:
            prev = line
            continue
        out.append(str(start) if start == prev else f"{start}-{prev}")
        if line is not None:
            start = prev = line
    return out
