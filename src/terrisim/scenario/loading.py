"""Loading scenario files and turning every mistake into one clear message.

``load_scenario`` reads TOML, deep-merges it onto the defaults and validates it. Errors are
:class:`ScenarioError`: one line per problem, naming the file, the field (with its line in the
file when it can be found), the bad value and what is allowed.
"""

from __future__ import annotations

import copy
import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from terrisim.scenario.schema import Scenario


class ScenarioError(ValueError):
    """A scenario, experiment or data file is invalid; the message says where and why."""


def deep_merge(base: dict, update: dict) -> dict:
    """Return ``base`` updated by ``update``: tables merge key by key, other values replace."""
    out = copy.deepcopy(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _line_of(text: str | None, field: str) -> int | None:
    """Best-effort line number of the last key of a dotted field in the TOML text."""
    if not text:
        return None
    parts = [p for p in field.split(".") if not p.isdigit()]
    if not parts:
        return None
    key = re.escape(parts[-1])
    pattern = re.compile(rf'^\s*(\[+[^\]]*\b{key}\b[^\]]*\]+|"?{key}"?\s*=)|[{{,]\s*{key}\s*=')
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.search(line):
            return number
    return None


def format_validation_error(
    error: ValidationError, source: str, text: str | None = None, prefix: str = ""
) -> str:
    """Turn a pydantic error into one line per problem: file, field, line, value, rule."""
    lines = []
    for item in error.errors(include_url=False):
        loc = [str(p) for p in item["loc"] if not str(p).startswith("function-after")]
        field = ".".join(p for p in [prefix, *loc] if p)
        line = _line_of(text, field)
        where = f"{source}:{line}" if line else source
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            message = "unknown key (check the spelling; see docs/ODD.md for the allowed keys)"
        value = item.get("input")
        shown = "" if isinstance(value, dict) or item["type"] == "missing" else f" (got {value!r})"
        lines.append(f"{where}: {field or '<top>'}: {message}{shown}")
    return "\n".join(lines)


def read_toml(path: Path | str) -> tuple[dict[str, Any], str]:
    """Read a TOML file; a missing file or a syntax error becomes a :class:`ScenarioError`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"{path}: file not found") from None
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: malformed TOML: {exc}") from None


def scenario_from_dict(
    data: dict[str, Any], source: str = "<scenario>", text: str | None = None,
    base_dir: Path | None = None,
) -> Scenario:
    """Validate a (partial) scenario dict merged onto the defaults.

    Tables merge key by key onto the defaults; ``replace_goods = true`` or
    ``replace_kinds = true`` at the top level make the file's ``goods`` or ``kinds`` replace the
    default catalogue instead of extending it.
    """
    data = dict(data)
    replace = {key: data.pop(f"replace_{key}", False) for key in ("goods", "kinds")}
    merged = deep_merge(Scenario().model_dump(mode="json", exclude={"base_dir"}), data)
    for key, flag in replace.items():
        if flag is not False and flag is not True:
            raise ScenarioError(f"{source}: replace_{key}: must be true or false (got {flag!r})")
        if flag:
            # the file's own catalogue replaces the default one instead of extending it
            merged[key] = data.get(key, {})
            if key == "kinds" and "generator" not in data.get("territories", {}):
                merged["territories"]["generator"]["counts"] = dict.fromkeys(merged[key], 1)
    try:
        scenario = Scenario.model_validate(merged)
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(exc, source, text)) from None
    scenario.base_dir = base_dir
    return scenario


def load_scenario(path: Path | str | None = None) -> Scenario:
    """Load and validate a scenario file; ``None`` gives the built-in demo scenario.

    Args:
        path: A TOML scenario file. Relative paths inside it (CSV files) are resolved against
            the file's folder.

    Returns:
        The validated :class:`Scenario`.

    Raises:
        ScenarioError: the file is missing, malformed or invalid; the message names the file,
            the field and line, the bad value and what is allowed.
    """
    if path is None:
        return Scenario()
    path = Path(path)
    data, text = read_toml(path)
    return scenario_from_dict(data, str(path), text, base_dir=path.resolve().parent)


def apply_overrides(scenario: Scenario, overrides: dict[str, Any]) -> Scenario:
    """Return a copy of ``scenario`` with dotted-path values replaced, validated again.

    Example: ``apply_overrides(s, {"exchange.reciprocity_tolerance": 0.3,
    "governance": [{"rule": "conference"}], "shocks.0.magnitude": 0.5})``.

    Raises:
        ScenarioError: an unknown path or an invalid value.
    """
    data = scenario.model_dump(mode="json", exclude={"base_dir"})
    for dotted, value in overrides.items():
        node: Any = data
        parts = dotted.split(".")
        for depth, part in enumerate(parts):
            last = depth == len(parts) - 1
            if isinstance(node, list):
                if not part.isdigit() or int(part) >= len(node):
                    raise ScenarioError(f"override {dotted!r}: no item {part!r} in a list "
                                        f"of {len(node)}")
                key: Any = int(part)
            elif isinstance(node, dict):
                if part not in node and not last:
                    raise ScenarioError(f"override {dotted!r}: unknown field {part!r}; "
                                        f"allowed: {sorted(node)}")
                key = part
            else:
                raise ScenarioError(f"override {dotted!r}: {'.'.join(parts[:depth])!r} "
                                    f"is a value, not a table")
            if last:
                node[key] = value
            else:
                node = node[key]
    try:
        new = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(exc, "overrides")) from None
    new.base_dir = scenario.base_dir
    return new
