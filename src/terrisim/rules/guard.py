"""Rules cannot corrupt the model: what a rule receives is read-only during its call (ODD 7).

A valuation, partner or trust rule computes and *returns* its result; it must change nothing
of the model. While it runs, every array of the state (and of the step's outcome, for a trust
rule) is read-only (``writeable = False``), and the state's attributes cannot be replaced::

    p = state.price[None, :]; p *= 1.05        # a view of the prices: refused
    state.capacity *= 1.02                      # refused
    state.trust_baseline = state.trust.copy()   # refused

Institutions (governance rules) and shock kinds change the state on purpose (trust, stocks,
modifiers), but not what set-up fixed (:data:`FIXED`: prices, capacities, needs, distances,
leanings, trust baselines...): those are read-only during their hooks.

A write raises a :class:`RuleWriteError` (a ``ScenarioError``: one line, exit status 2) that
names the rule, the array and the rule's line::

    the valuation rule InflatingPrices.unit_values changed state.price (the reference prices
    of the goods) at my_rules.py:14 (p *= 1.05); a rule must not change the model's arrays:
    compute on a copy (x = state.price * 1.05, or state.price.copy()) and return the result

A rule that raises (a typo, an index out of range) stops ``terrisim run`` the same way, with
one line (:class:`RuleCrashError`) that names the rule, the exception and the line of the
student's file where it was raised (:func:`raised_at`)::

    the trust rule MyTrust.update raised AttributeError: 'MyTrust' object has no attribute
    'y' at my_rules/mymod.py:6 (return self.y); fix the rule there

``check-rule`` runs unguarded (:func:`terrisim.rules.outputs.unguarded`): it reports the
crash as its ``runs`` invariant, located by the same :func:`raised_at`.

Cost: about 1 microsecond per array and call (a flag set and reset), docs/performance.md.
"""

from __future__ import annotations

import contextlib
import linecache
import os
import re
import site
import sysconfig
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np

from terrisim.errors import ScenarioError
from terrisim.rules.outputs import guarded

#: What set-up fixes and nothing changes afterwards: read-only for institutions and shock
#: kinds too (every array of the state is read-only for valuation, partner and trust rules).
FIXED = (
    "ids",
    "names",
    "kind",
    "urban",
    "population",
    "xy",
    "storable",
    "public",
    "price",
    "decay",
    "good_weight",
    "capacity",
    "need",
    "stock_cap",
    "fiscal_base",
    "grant",
    "spending",
    "engineering",
    "leaning",
    "src",
    "dst",
    "distance",
    "link_kind",
    "trust_baseline",
    "tension",
    "arc_from",
    "arc_to",
)

#: What the arrays students touch most are, in the error message.
LABELS = {
    "price": "the reference prices of the goods",
    "capacity": "the production capacities",
    "need": "the needs",
    "trust": "the trust on arcs; a trust rule returns the new trust and the model stores it",
    "trust_baseline": "the baseline trust of each arc",
    "distance": "the length of the links",
    "leaning": "the political leanings",
    "population": "the populations",
    "available": "what territories have at hand; goods move only by model.transfer",
    "stock": "the stocks",
    "reserve": "the budget reserves",
    "engineering": "the engineering capacities",
}

_HERE = str(Path(__file__).resolve())
#: The terrisim package: its files are kept in a located line, even when installed.
_PACKAGE = str(Path(__file__).resolve().parents[1]) + os.sep
#: Python's own library and the installed packages (numpy, pydantic...): never the rule's line.
_LIBRARIES = tuple(
    {
        str(Path(p).resolve()) + os.sep
        for p in [
            *(sysconfig.get_paths().get(k) for k in ("stdlib", "platstdlib", "purelib", "platlib")),
            *site.getsitepackages(),
            site.getusersitepackages(),
        ]
        if p
    }
)
#: The longest message of an exception repeated in a crash's line.
_LONGEST = 300


class RuleWriteError(ScenarioError):
    """A rule changed an array it must not change; the message names the rule, array, line."""


class RuleCrashError(ScenarioError):
    """A rule raised an exception; the message names the rule, the exception and its line."""


class _ReassignedError(Exception):
    """Raised by a locked holder's ``__setattr__`` (turned into a :class:`RuleWriteError`)."""

    def __init__(self, holder: str, name: str) -> None:
        super().__init__(f"{holder}.{name}")
        self.holder, self.name = holder, name


# holder id -> (label, locked attribute names); the class of a locked holder refuses to set them
_LOCKED: dict[int, tuple[str, set[str]]] = {}
_GUARDED_CLASSES: dict[type, type] = {}


def _guarded_class(cls: type) -> type:
    """A subclass of ``cls`` whose ``__setattr__`` refuses locked names (made once)."""
    sub = _GUARDED_CLASSES.get(cls)
    if sub is None:
        parent_setattr = cls.__setattr__

        def refuse_locked(self: Any, name: str, value: Any) -> None:
            locked = _LOCKED.get(id(self))
            if locked is not None and name in locked[1]:
                raise _ReassignedError(locked[0], name)
            parent_setattr(self, name, value)

        sub = type(
            cls.__name__,
            (cls,),
            {"__setattr__": refuse_locked, "__module__": cls.__module__, "__doc__": cls.__doc__},
        )
        sub.__qualname__ = cls.__qualname__
        _GUARDED_CLASSES[cls] = sub
    return sub


def _arrays(holder: Any, names: tuple[str, ...] | None) -> dict[str, np.ndarray]:
    """The holder's ndarray attributes (all of them, or those of ``names``)."""
    if names is None:
        items = vars(holder).items()
    else:
        items = ((n, getattr(holder, n, None)) for n in names)
    return {n: v for n, v in items if isinstance(v, np.ndarray)}


class _Lock:
    """Arrays made read-only, and holders whose attributes are locked, until released."""

    def __init__(self, holders: dict[str, Any], names: tuple[str, ...] | None) -> None:
        self.arrays: dict[str, np.ndarray] = {}
        self.holders: list[tuple[Any, type, bool]] = []
        self.added: list[tuple[int, set[str]]] = []
        for label, holder in holders.items():
            if holder is None:
                continue
            arrays = _arrays(holder, names)
            for name, array in arrays.items():
                if array.flags.writeable:
                    array.flags.writeable = False
                    self.arrays[f"{label}.{name}"] = array
            attributes = set(arrays) if names is not None else set(vars(holder))
            previous = _LOCKED.get(id(holder))
            if previous is None:
                _LOCKED[id(holder)] = (label, attributes)
                cls = type(holder)
                holder.__class__ = _guarded_class(cls)
                self.holders.append((holder, cls, True))
            else:  # nested: lock more names, give back only those
                added = attributes - previous[1]
                previous[1].update(added)
                self.added.append((id(holder), added))

    def release(self) -> None:
        """Give back what was locked (the arrays' flags, the holders' classes)."""
        failed = []
        for array in self.arrays.values():
            try:
                array.flags.writeable = True
            except ValueError:  # a view of an array not released yet
                failed.append(array)
        for array in failed:
            array.flags.writeable = True
        for holder, cls, first in self.holders:
            if first:
                _LOCKED.pop(id(holder), None)
                holder.__class__ = cls
        for key, added in self.added:
            if key in _LOCKED:
                _LOCKED[key][1].difference_update(added)

    def release_views(self, out: Any) -> None:
        """Make writeable again the returned arrays that are views of locked arrays.

        A rule may return a view (``state.price[None, :]``); made while the prices were
        read-only, it is read-only too: the model treats it as any other result.
        """
        parts = out if isinstance(out, tuple | list) else (out,)
        locked = {id(a) for a in self.arrays.values()}
        for part in parts:
            if not isinstance(part, np.ndarray) or part.flags.writeable:
                continue
            base = part.base
            while base is not None and id(base) not in locked:
                base = getattr(base, "base", None)
            if base is not None:
                with contextlib.suppress(ValueError):
                    part.flags.writeable = True


def freeze_kept_views(state: Any, keepers: Iterable[Any]) -> int:
    """Make read-only the views of what set-up fixed that rules kept from set-up.

    An institution's ``setup`` (or a territory class's ``__init__``) may keep a view,
    ``self.capacity = model.state.capacity[:]``; made while the capacities were writeable, it
    would stay writeable during the hooks and escape :func:`read_only`. Called once set-up
    is over, this sets ``writeable = False`` on every such view among the keepers'
    attributes (and the items of their lists, tuples and dicts): a later write through it is
    refused and reported like any other (:class:`RuleWriteError`). The state's arrays
    themselves, and copies, are left as they are.

    Args:
        state: The model's state (its :data:`FIXED` arrays).
        keepers: The rules, institutions and territories set up.

    Returns:
        How many views were made read-only.
    """
    fixed = [a for a in _arrays(state, FIXED).values() if a.size]
    frozen = 0
    for keeper in keepers:
        values: list[Any] = []
        for value in getattr(keeper, "__dict__", {}).values():
            if isinstance(value, list | tuple):
                values.extend(value)
            elif isinstance(value, dict):
                values.extend(value.values())
            else:
                values.append(value)
        for value in values:
            if (
                isinstance(value, np.ndarray)
                and value.base is not None
                and value.flags.writeable
                and any(np.may_share_memory(value, array) for array in fixed)
            ):
                value.flags.writeable = False
                frozen += 1
    return frozen


def _own_code(filename: str) -> bool:
    """Whether a frame's file is terrisim's or the user's (not Python's, a library's, the guard's)."""
    if filename.startswith("<frozen"):
        return False
    path = str(Path(filename).resolve())
    if path == _HERE:
        return False
    return path.startswith(_PACKAGE) or not path.startswith(_LIBRARIES)


def _raising_frame(tb: TracebackType | None) -> TracebackType | None:
    """The innermost entry of a traceback in terrisim's or the user's code: the rule's line."""
    found = None
    while tb is not None:
        if _own_code(tb.tb_frame.f_code.co_filename):
            found = tb
        tb = tb.tb_next
    return found


def _shown(path: str) -> str:
    """A file as a student finds it: relative to the working folder when inside it."""
    here = Path.cwd()
    if here == Path(here.anchor):
        return path
    try:
        return str(Path(path).resolve().relative_to(here))
    except ValueError:
        return path


def _located(found: TracebackType | None) -> str:
    if found is None:
        return ""
    path, lineno = found.tb_frame.f_code.co_filename, found.tb_lineno
    code = linecache.getline(path, lineno).strip()
    return f"{_shown(path)}:{lineno}" + (f" ({code})" if code else "")


def raised_at(exc: BaseException) -> str:
    """Where an exception was raised, as ``FILE:LINE (code)``; empty if nowhere of ours.

    The innermost frame of its traceback that is not Python's own library, an installed
    package (numpy...) or this guard: the student's line, or terrisim's when the rule called
    into it. Used by ``terrisim run`` (:class:`RuleCrashError`, :class:`RuleWriteError`) and
    by ``check-rule`` (its ``runs`` invariant).
    """
    return _located(_raising_frame(exc.__traceback__))


def crash_message(who: str, exc: BaseException) -> str:
    """One line for a rule that raised: the rule, the exception, its line, what to do."""
    text = " ".join(str(exc).split())
    if len(text) > _LONGEST:
        text = text[: _LONGEST - 3] + "..."
    at = raised_at(exc)
    return (
        f"the {who} raised {type(exc).__name__}{f': {text}' if text else ''}"
        f"{f' at {at}' if at else ''}; fix the rule there"
    )


@contextlib.contextmanager
def crash_reported(who: str) -> Iterator[None]:
    """A rule's crash within this block is one line (:class:`RuleCrashError`) when guarded.

    Errors of input (``ScenarioError``, a refused write among them) pass as they are; so does
    everything when unguarded (``check-rule`` reports the crash itself). The original
    exception stays chained (``__cause__``) for a traceback in Python.
    """
    try:
        yield
    except ScenarioError:
        raise
    except Exception as exc:
        if not guarded():
            raise
        raise RuleCrashError(crash_message(who, exc)) from exc


def _written_array(frame: Any, line: str, arrays: dict[str, np.ndarray]) -> str | None:
    """Which locked array a refused write went to: named on the line, or a local's base.

    In order: an attribute named on the line (``state.capacity *= 1.02``); a local named on
    the line, left of its ``=``, that is a locked array or a view of one (``price =
    state.price`` then ``price *= 1.05``); any local view of one, also on an object (kept
    from set-up).
    """
    by_attribute = {key.rpartition(".")[2]: key for key in arrays}
    for match in re.finditer(r"\.(\w+)\b", line):
        if match.group(1) in by_attribute:
            return by_attribute[match.group(1)]
    local = frame.f_locals if frame is not None else {}
    target = re.split(r"(?<![=!<>])=(?!=)", line, maxsplit=1)[0]  # written: left of the =
    for name in re.findall(r"(?<![.\w])([A-Za-z_]\w*)", target):
        value = local.get(name)
        if isinstance(value, np.ndarray) and not value.flags.writeable:
            for key, array in arrays.items():
                if value is array or np.may_share_memory(value, array):
                    return key
    values = list(local.values())
    # a view kept on an object (self.cap = state.capacity[:] at set-up, written later)
    values += [v for obj in values for v in getattr(obj, "__dict__", {}).values()]
    locked = {id(a) for a in arrays.values()}
    for value in values:
        if isinstance(value, np.ndarray) and not value.flags.writeable and id(value) not in locked:
            for key, array in arrays.items():
                if np.may_share_memory(value, array):
                    return key
    return None


def _message(who: str, key: str, tb: TracebackType | None) -> str:
    at = _located(_raising_frame(tb))
    attribute = key.partition(".")[2]
    label = LABELS.get(attribute)
    return (
        f"the {who} changed {key}{f' ({label})' if label else ''}{f' at {at}' if at else ''}; "
        f"a rule must not change the model's arrays: compute on a copy ({key}.copy(), or "
        f"x = {key} * ...) and return the result"
    )


@contextlib.contextmanager
def read_only(
    who: str, holders: dict[str, Any], names: tuple[str, ...] | None = None
) -> Iterator[_Lock]:
    """Within this block the holders' arrays are read-only and their attributes fixed.

    Args:
        who: The rule, as the message names it (``"valuation rule Market.unit_values"``).
        holders: What the rule receives, by the name it knows it by
            (``{"state": state, "outcome": outcome}``).
        names: The attributes to protect; ``None``: every attribute (arrays read-only).

    Raises:
        RuleWriteError: the block wrote into a protected array or replaced an attribute.
        RuleCrashError: the block raised, when guarded (:func:`crash_reported`).
    """
    lock = _Lock(holders, names)
    try:
        with crash_reported(who):
            try:
                yield lock
            except _ReassignedError as exc:
                key = f"{exc.holder}.{exc.name}"
                raise RuleWriteError(_message(who, key, exc.__traceback__)) from None
            except ValueError as exc:
                if "read-only" not in str(exc):
                    raise
                found = _raising_frame(exc.__traceback__)
                frame = found.tb_frame if found is not None else None
                line = (
                    linecache.getline(frame.f_code.co_filename, found.tb_lineno)
                    if frame is not None
                    else ""
                )
                key = _written_array(frame, line, lock.arrays)
                if key is None:
                    raise  # a read-only array of the rule's own: not the model's, a crash
                raise RuleWriteError(_message(who, key, exc.__traceback__)) from None
    finally:
        lock.release()


def call_rule(
    role: str, rule: Any, method: str, state: Any, *, check: bool = True, **received: Any
) -> Any:
    """``rule.method(state, *received.values())``, everything it receives read-only, checked.

    Args:
        role: The rule's role (``valuation``, ``partners``, ``trust``).
        rule: The rule.
        method: The method called (``unit_values``, ``factors``, ``weights``, ``update``).
        state: The model's state.
        received: The other arguments, in order, by name (``outcome=...``;
            ``surplus=..., deficit=...``): arrays, or objects whose arrays are protected.
        check: Check the output (False when a nested call checked it already).

    Returns:
        The rule's output, checked by :func:`terrisim.rules.outputs.checked_output` (shape,
        finite, range); the call is guarded by :func:`read_only`.
    """
    from terrisim.rules.outputs import checked_output

    who = f"{role} rule {type(rule).__name__}.{method}"
    holders = {"state": state}
    holders.update((k, v) for k, v in received.items() if not isinstance(v, np.ndarray))
    with read_only(who, holders) as lock:
        for name, value in received.items():
            if isinstance(value, np.ndarray) and value.flags.writeable:
                value.flags.writeable = False
                lock.arrays[name] = value
        out = getattr(rule, method)(state, *received.values())
    lock.release_views(out)
    return checked_output(role, rule, method, out, state) if check else out
