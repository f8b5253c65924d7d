"""Loading scenario files and turning every mistake into one clear message.

``load_scenario`` reads TOML, deep-merges it onto the defaults and validates it. Errors are
:class:`ScenarioError`: one line per problem, naming the file, the field (with its line in the
file when it can be found), the bad value and what is allowed.
"""

from __future__ import annotations

import contextlib
import copy
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from terrisim.errors import ScenarioError
from terrisim.scenario.schema import Scenario


def deep_merge(base: dict, update: dict) -> dict:
    """Return ``base`` updated by ``update``: tables merge key by key, other values replace."""
    out = copy.deepcopy(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _key_pattern(key: str) -> re.Pattern[str]:
    """Lines defining ``key``: a table header naming it, ``key =``, ``a.key =``, inline."""
    k = re.escape(key)
    return re.compile(
        rf"^\s*\[+[^\]]*(?<![\w-]){k}(?![\w-])[^\]]*\]+"
        rf'|^\s*(?:[\w"-]+\s*\.\s*)*"?{k}"?\s*='
        rf'|[{{,]\s*"?{k}"?\s*='
    )


def _line_of(text: str | None, field: str) -> int | None:
    """Best-effort line number of a dotted field (``shocks.1.magnitude``) in the TOML text.

    Walks the path: each key is searched from the line where the previous one was found, and
    an index ``i`` after an array of tables ``name`` jumps to its ``i``-th ``[[...name]]``
    header. Returns the line of the deepest key found (a missing key points at its table), or
    None.
    """
    if not text or not field:
        return None
    lines = text.splitlines()
    parts = field.split(".")
    start, found = 0, None
    for i, part in enumerate(parts):
        if not part:
            continue
        if part.isdigit():
            if i == 0:
                continue
            header = re.compile(rf"^\s*\[\[[^\]]*(?<![\w-]){re.escape(parts[i - 1])}\s*\]\]")
            hits = [n for n in range(start, len(lines)) if header.search(lines[n])]
            if int(part) < len(hits):
                start = found = hits[int(part)]
            continue
        pattern = _key_pattern(part)
        for number in range(start, len(lines)):
            if pattern.search(lines[number]):
                start = found = number
                break
    return None if found is None else found + 1


_FIELD_FIRST = re.compile(r"^([A-Za-z_][\w-]*(?:\.[\w-]+)+): (.*)$", re.S)


def format_validation_error(
    error: ValidationError,
    source: str,
    text: str | None = None,
    prefix: str = "",
    allowed: list[str] | None = None,
) -> str:
    """Turn a pydantic error into one line per problem: file, field, line, value, rule.

    ``allowed``: the keys the table takes (a rule's own parameters), listed for an unknown key
    instead of pointing to docs/ODD.md.

    A check on a whole table (a model validator) that names its field at the start of its
    message (``"goods.food.need: unknown kind 'x'; allowed: [...]"``) is reported at that field.
    """
    lines = []
    for item in error.errors(include_url=False):
        loc = [str(p) for p in item["loc"] if not str(p).startswith("function-after")]
        field = ".".join(p for p in [prefix, *loc] if p)
        message = item["msg"]
        if item["type"] == "value_error":
            message = message.removeprefix("Value error, ")
            named = _FIELD_FIRST.match(message)
            if named:
                inner, message = named.groups()
                field = (
                    inner if not field or inner.startswith(field + ".") else (f"{field}.{inner}")
                )
        line = _line_of(text, field)
        where = f"{source}:{line}" if line else source
        if item["type"] == "extra_forbidden":
            message = (
                "unknown key (check the spelling; see docs/ODD.md for the allowed keys)"
                if allowed is None
                else f"unknown key (check the spelling); allowed: {', '.join(allowed) or 'none'}"
            )
        value = item.get("input")
        message += _type_hint(item["type"], value)
        shown = (
            ""
            if isinstance(value, dict) or item["type"] in ("missing", "value_error")
            else f" (got {value!r})"
        )
        lines.append(f"{where}: {field or '<top>'}: {message}{shown}")
    return "\n".join(lines)


#: pydantic's error types for a value of the wrong type in a strict field.
_TYPED = {"int_type": "an integer", "float_type": "a number", "bool_type": "true or false"}


def _type_hint(kind: str, value: Any) -> str:
    """What to write instead, when a scenario value has the wrong type (strict fields).

    Scenario files are typed: ``steps = "10"`` or ``enabled = 0`` is refused, not converted.
    """
    if kind not in _TYPED:
        return ""
    if isinstance(value, str):
        return f"; scenario values are typed: write {_TYPED[kind]} without quotes"
    return f"; scenario values are typed: write {_TYPED[kind]}"


def locate_errors(scenario: Scenario, message: str) -> str:
    """Point errors found after loading (rules, shocks, institutions) at the scenario file.

    Each line of ``message`` that starts with a scenario field (``shocks.0.kind: ...``), or
    with the placeholder source ``scenario:``, gets the file and, when found, the line of that
    field. Lines that already name a file (CSV errors) are left alone, as is everything when
    the scenario was not read from a file.
    """
    source, text = scenario._source, scenario._text
    if source is None:
        return message
    out = []
    for line in message.splitlines():
        rest = line.removeprefix("scenario: ") if line.startswith("scenario: ") else None
        named = _FIELD_FIRST.match(rest if rest is not None else line)
        top = named.group(1).split(".", 1)[0] if named else None
        if (
            named
            and top in Scenario.model_fields
            and Path(named.group(1)).suffix[1:] not in ("csv", "toml", "txt")
        ):
            number = _line_of(text, named.group(1))
            out.append(
                f"{source}:{number}: {named.group(0)}" if number else f"{source}: {named.group(0)}"
            )
        elif rest is not None:
            out.append(f"{source}: {rest}")
        else:
            out.append(line)
    return "\n".join(out)


@contextlib.contextmanager
def reading(path: Path, fmt: str, what: str) -> Iterator[None]:
    """Turn the ways reading the file ``path`` can fail into a one-line :class:`ScenarioError`.

    Args:
        path: The file being read (named in the message).
        fmt: Its format, e.g. ``"CSV"`` (``"malformed CSV: not UTF-8 text"``).
        what: What it should be, e.g. ``"a CSV file"`` (``"is a folder, not a CSV file"``).

    Raises:
        ScenarioError: The file is missing, is a folder, cannot be read or is not UTF-8.
    """
    try:
        yield
    except FileNotFoundError:
        raise ScenarioError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise ScenarioError(f"{path}: is a folder, not {what}") from None
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            f"{path}: malformed {fmt}: not UTF-8 text ({exc.reason} at byte "
            f"{exc.start}); save the file as UTF-8"
        ) from None


def read_toml(path: Path | str) -> tuple[dict[str, Any], str]:
    """Read a TOML file; a missing file or a syntax error becomes a :class:`ScenarioError`."""
    path = Path(path)
    with reading(path, "TOML", "a scenario file"):
        # utf-8-sig: a byte order mark some editors write at the start is accepted
        text = path.read_text(encoding="utf-8-sig")
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        at = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        where = f"{path}:{at.group(1)}" if at else str(path)
        raise ScenarioError(f"{where}: malformed TOML: {exc}") from None


def scenario_from_dict(
    data: dict[str, Any],
    source: str = "<scenario>",
    text: str | None = None,
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
            given = data.get("territories", {})
            given = given.get("generator", {}) if isinstance(given, dict) else {}
            if key == "kinds" and not (isinstance(given, dict) and "counts" in given):
                # the default counts name the default kinds: one territory of each new kind
                merged["territories"]["generator"]["counts"] = dict.fromkeys(merged[key], 1)
    try:
        scenario = Scenario.model_validate(merged)
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(exc, source, text)) from None
    scenario.base_dir = base_dir
    scenario._source, scenario._text = source, text
    return scenario


#: Fields of a scenario that are paths, resolved against the folder of the file that gives them
#: (an extended file's CSV files stay relative to that file).
PATH_FIELDS = (("territories", "csv", "territories"), ("territories", "csv", "links"))


def _anchor_paths(data: dict[str, Any], folder: Path) -> dict[str, Any]:
    """The relative paths of :data:`PATH_FIELDS` in ``data`` made absolute from ``folder``."""
    for path in PATH_FIELDS:
        node: Any = data
        for part in path[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
        value = node.get(path[-1]) if isinstance(node, dict) else None
        if isinstance(value, str) and value and not Path(value).is_absolute():
            node[path[-1]] = str(folder / value)
    return data


def is_experiment(data: dict[str, Any]) -> bool:
    """Whether a TOML table is an experiment file's (``terrisim sweep``), not a scenario's.

    An experiment file has a ``[design]`` or ``[factors]`` table, which no scenario has.
    """
    return "design" in data or "factors" in data


def read_extended(path: Path, chain: tuple[Path, ...] = ()) -> tuple[dict[str, Any], str]:
    """A scenario file's table with what it ``extends`` merged under it, and its text.

    ``extends = "other.toml"`` (relative to the file) loads that file first (itself maybe
    extending another), then the file's own values on top: tables merge key by key, any other
    value (a number, a string, a list such as ``[[shocks]]`` or ``[[governance]]``) replaces
    the extended one. The extended file's relative paths (its CSV files) stay relative to it.

    Raises:
        ScenarioError: the extended file is missing or invalid TOML, ``extends`` is not a
            string, files extend each other in a cycle, or the file is an experiment file.
    """
    data, text = read_toml(path)
    if is_experiment(data):
        raise ScenarioError(
            f"{path}: an experiment file (it has [design] or [factors]), not a scenario: "
            f"run it with terrisim sweep {path} --out DIR"
        )
    if "extends" not in data:
        return data, text
    target = data.pop("extends")
    line = _line_of(text, "extends")
    where = f"{path}:{line}" if line else str(path)
    if not isinstance(target, str) or not target.strip():
        raise ScenarioError(
            f"{where}: extends: must be a path to a scenario file, relative to this file "
            f"(got {target!r})"
        )
    base_path = (path.parent / target).resolve()
    here = (*chain, path.resolve())
    if base_path in here:
        names = " -> ".join(p.name for p in (*here[here.index(base_path) :], base_path))
        raise ScenarioError(f"{where}: extends: a cycle: {names}")
    if not base_path.is_file():
        raise ScenarioError(
            f"{where}: extends: file not found: {base_path} ({target!r}, relative to {path.parent})"
        )
    base, _ = read_extended(base_path, here)
    return deep_merge(_anchor_paths(base, base_path.parent), data), text


def parse_settings(
    items: list[str],
    option: str = "--set",
    form: str = "dotted.path=value, e.g. exchange.money=true",
) -> dict[str, Any]:
    """Parse ``--set dotted.path=value`` options; values are TOML (``12``, ``true``, ``"x"``).

    A value that is not valid TOML is taken as a string (``rules.trust.name=my:Rule``). The
    same parsing serves every ``key=value`` option (``option`` and ``form`` name it in the
    error, e.g. ``--param`` and ``key=value, e.g. half_life=12``).

    Raises:
        ScenarioError: an item without ``=``.
    """
    settings: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise ScenarioError(f"{option} {item!r}: expected {form}")
        try:
            value = tomllib.loads(f"v = {raw.strip()}")["v"]
        except tomllib.TOMLDecodeError:
            value = raw.strip()
        settings[key.strip()] = value
    return settings


def apply_settings(scenario: Scenario, items: list[str], option: str = "--set") -> Scenario:
    """``scenario`` with the ``--set`` options applied; an error names the option given.

    Raises:
        ScenarioError: a malformed option, an unknown field (with the allowed ones) or an
            invalid value.
    """
    rules: dict[str, list[str]] = {}  # the rules' slots set, and by which options
    for item in items:
        ((dotted, value),) = parse_settings([item], option).items()
        _check_field(scenario, dotted, f"{option} {item}")
        try:
            scenario = apply_overrides(scenario, {dotted: value})
        except ScenarioError as exc:
            message = str(exc).removeprefix("overrides: ").removeprefix(f"override {dotted!r}: ")
            raise ScenarioError(f"{option} {item}: {message}") from None
        table, _, rest = dotted.partition(".")
        if table == "rules" and rest:
            rules.setdefault(rest.partition(".")[0], []).append(item)
    _check_rules(scenario, rules, option)
    return scenario


def _check_rules(scenario: Scenario, rules: dict[str, list[str]], option: str) -> None:
    """The rules set by options build (name, parameters); an error names those options.

    A rule's parameters are checked by the rule itself (its ``Params``), not by the schema,
    so an unknown one would otherwise be reported at the scenario file, which lacks it.
    """
    from terrisim.rules import build_rule  # the rules' layer sits above the scenario's

    for slot, given in rules.items():
        spec = getattr(scenario.rules, slot, None)
        if spec is None:
            continue  # not a rule's slot: _check_field named it
        try:
            build_rule(slot, spec.model_dump(), f"rules.{slot}")
        except ScenarioError as exc:
            lines = [line.removeprefix("scenario: ") for line in str(exc).splitlines()]
            raise ScenarioError(
                "\n".join(_by_option(line, given, option) for line in lines)
            ) from None


def _by_option(line: str, given: list[str], option: str) -> str:
    """A rule's error line prefixed with the option that set its field, else all of them."""
    field = line.partition(":")[0]
    named = [item for item in given if item.partition("=")[0].strip() == field]
    return f"{' '.join(f'{option} {item}' for item in named or given)}: {line}"


def _check_field(scenario: Scenario, dotted: str, where: str) -> None:
    """An unknown last field of a table (not a rule's parameters) names the allowed ones."""
    parent, _, last = dotted.rpartition(".")
    node: Any = scenario
    for part in parent.split(".") if parent else []:
        if isinstance(node, list):
            node = node[int(part)] if part.isdigit() and int(part) < len(node) else None
        elif isinstance(node, dict):
            node = node.get(part)
        else:
            node = getattr(node, part, None)
        if node is None:
            return  # apply_overrides names the missing part
    fields = getattr(type(node), "model_fields", None)
    extra = getattr(node, "model_config", {}).get("extra")
    if fields is not None and extra == "forbid" and last not in fields:
        raise ScenarioError(
            f"{where}: unknown field {last!r} of {parent or 'the scenario'}; allowed: "
            f"{', '.join(sorted(fields))}"
        )


def load_scenario(path: Path | str | None = None) -> Scenario:
    """Load and validate a scenario file; ``None`` gives the built-in demo scenario.

    Args:
        path: A TOML scenario file. Relative paths inside it (CSV files) are resolved against
            the file's folder. It may extend another (``extends = "other.toml"``,
            :func:`read_extended`).

    Returns:
        The validated :class:`Scenario`.

    Raises:
        ScenarioError: the file is missing, malformed or invalid; the message names the file,
            the field and line, the bad value and what is allowed.
    """
    if path is None:
        return Scenario()
    path = Path(path)
    data, text = read_extended(path)
    if not data:
        raise ScenarioError(
            f"{path}: empty scenario file (no key set); give at least its name and steps "
            "(every key not given takes its default, docs/ODD.md), or run without a file "
            "for the demo"
        )
    return scenario_from_dict(data, str(path), text, base_dir=path.resolve().parent)


def _plain(value: Any) -> Any:
    """``value`` with numpy scalars made Python ones (a design's levels), for strict fields."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(v) for v in value)
    item = getattr(value, "item", None)
    return item() if callable(item) and getattr(value, "shape", None) == () else value


def apply_overrides(scenario: Scenario, overrides: dict[str, Any]) -> Scenario:
    """Return a copy of ``scenario`` with dotted-path values replaced, validated again.

    Example: ``apply_overrides(s, {"exchange.reciprocity_tolerance": 0.3,
    "governance": [{"rule": "conference"}], "shocks.0.magnitude": 0.5})``.

    Raises:
        ScenarioError: an unknown path or an invalid value.
    """
    # python mode: a JSON round trip would turn an infinite value (an open forum's
    # radius_km = inf) into None
    data = scenario.model_dump(mode="python", exclude={"base_dir"})
    for dotted, value in overrides.items():
        node: Any = data
        parts = dotted.split(".")
        for depth, part in enumerate(parts):
            last = depth == len(parts) - 1
            if isinstance(node, list):
                if not part.isdigit() or int(part) >= len(node):
                    raise ScenarioError(
                        f"override {dotted!r}: no item {part!r} in a list of {len(node)}"
                    )
                key: Any = int(part)
            elif isinstance(node, dict):
                if part not in node and not last:
                    raise ScenarioError(
                        f"override {dotted!r}: unknown field {part!r}; allowed: {sorted(node)}"
                    )
                key = part
            else:
                raise ScenarioError(
                    f"override {dotted!r}: {'.'.join(parts[:depth])!r} is a value, not a table"
                )
            if last:
                node[key] = _plain(value)
            else:
                node = node[key]
    try:
        new = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(exc, "overrides")) from None
    new.base_dir = scenario.base_dir
    new._source, new._text = scenario._source, scenario._text
    return new
