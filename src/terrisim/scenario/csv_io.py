"""Reading territories and links from CSV files (ODD 6, Input data).

Territories file columns (header required):

=================  ========  =====================================================
column             required  meaning
=================  ========  =====================================================
id                 yes       unique identifier (e.g. the SIREN of an EPCI)
name               yes       display name
kind               yes       one of the scenario's kinds
population         yes       inhabitants (> 0)
x_km, y_km         yes       coordinates in km (any projected system, e.g. Lambert-93 / 1000)
capacity_<good>    no        production per step (units), replaces kind x population
need_<good>        no        need per step (units)
engineering        no        engineering staff (units), replaces the kind default
fiscal_base        no        own revenue per step (k EUR)
grant              no        State grant per step (k EUR)
leaning            no        political leaning in [-1, 1]
=================  ========  =====================================================

Links file columns: ``source``, ``target`` (territory ids), optional ``kind`` (proximity,
commuting, distant, contract, custom; empty means custom), ``distance_km`` (length of the
link, e.g. by road; empty means the straight line between the coordinates) and ``commuters``
(kept for reference, not used by the model). A link given twice, or in both directions, is
one link (the first row wins); a row linking a territory to itself is an error. Without a links file, links are built by proximity as in the
generator. Files are UTF-8, comma-separated, with a header; docs/input_data.md has the
details and a sample.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from terrisim.scenario.generator import proximity_links
from terrisim.scenario.layout import LINK_KINDS, Layout, unique_links
from terrisim.scenario.loading import ScenarioError, reading
from terrisim.scenario.schema import MAX_POPULATION, Scenario

REQUIRED = ("id", "name", "kind", "population", "x_km", "y_km")
OPTIONAL_SCALARS = ("engineering", "fiscal_base", "grant", "leaning")


#: Columns read as text: an id ``NA`` or a name ``None`` is that string, not a missing value,
#: and an INSEE code ``01001`` keeps its leading zero (a kinds file, ODD 5.5.1).
TEXT_COLUMNS = ("id", "name", "kind", "source", "target", "code")
#: Coordinates in km beyond this are a mistake (projected systems stay within 10,000 km).
MAX_COORDINATE_KM = 1e5


def _read_csv(path: Path, required: tuple[str, ...]) -> pd.DataFrame:
    """Read a CSV file; turn every way it can fail into a :class:`ScenarioError`.

    Only an empty cell is a missing value (``keep_default_na=False``): pandas would read the
    id ``NA`` or the name ``None`` as missing.
    """
    try:
        with reading(path, "CSV", "a CSV file"):
            header = next(csv.reader(path.open(encoding="utf-8", newline="")), [])
            table = pd.read_csv(
                path,
                dtype=dict.fromkeys(TEXT_COLUMNS, str),
                keep_default_na=False,
                na_values=[""],
            )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ScenarioError(f"{path}: malformed CSV: {exc}") from None
    header = [c.strip().removeprefix("\ufeff") for c in header]
    unnamed = [i for i, c in enumerate(header) if not c]
    if unnamed:
        raise ScenarioError(
            f"{path}:1: column {unnamed[0] + 1} of the header has no name"
            + (" (a comma at the end of the header?)" if unnamed[0] == len(header) - 1 else "")
        )
    twice = sorted({c for c in header if header.count(c) > 1})
    if twice:
        raise ScenarioError(f"{path}:1: column {twice[0]!r} appears twice in the header")
    if not isinstance(table.index, pd.RangeIndex):
        # pandas takes the first column as an index when rows have one field more than the
        # header: the values would shift by one column
        raise ScenarioError(
            f"{path}:2: {len(header) + 1} fields for {len(header)} columns in the header "
            "(a comma at the end of every row?); remove the extra field"
        )
    table.columns = [str(c).strip() for c in table.columns]
    missing = [c for c in required if c not in table.columns]
    if missing:
        hint = ""
        if len(table.columns) == 1 and any(sep in table.columns[0] for sep in ";\t|"):
            hint = (
                " (the header is a single column: is the file separated by ';' or tabs? use commas)"
            )
        raise ScenarioError(
            f"{path}: missing column {missing[0]!r}; required: {', '.join(required)}{hint}"
        )
    return table


def _bad(path: Path, row: int, column: str, value: object, allowed: str) -> ScenarioError:
    # row + 2: one for the header, one because CSV lines count from 1
    if isinstance(value, np.generic):  # show -4, not np.int64(-4)
        value = value.item()
    return ScenarioError(f"{path}:{row + 2}: column {column!r}: bad value {value!r}; {allowed}")


def _numbers(path: Path, cells: pd.Series, column: str) -> pd.Series:
    """The numbers of a territories column, each checked against what the column allows.

    Raises:
        ScenarioError: naming the line of the first bad cell: not a number (or missing in a
            required column), not finite, or out of the column's range.
    """
    values = pd.to_numeric(cells, errors="coerce")
    required = column in REQUIRED
    bad = values.isna() & (cells.notna() | required)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        allowed = "a number is required" + ("" if required else " (or leave the cell empty)")
        raise _bad(path, row, column, cells[row], allowed)
    if column == "population":
        wrong, allowed = (
            ~((values > 0) & (values <= MAX_POPULATION)),
            (f"must be positive and at most {MAX_POPULATION:.0e} (more than the world has)"),
        )
    elif column in ("x_km", "y_km"):
        wrong, allowed = (
            ~(values.abs() <= MAX_COORDINATE_KM),
            (f"must be a finite number of km, at most {MAX_COORDINATE_KM:,.0f} from the origin"),
        )
    elif column == "leaning":
        wrong, allowed = values.abs() > 1, "must be in [-1, 1]"
    else:
        wrong, allowed = ~((values >= 0) & np.isfinite(values)), "must be a finite number >= 0"
    wrong &= values.notna()
    if wrong.any():
        row = int(np.flatnonzero(wrong)[0])
        raise _bad(path, row, column, cells[row], allowed)
    return values


def load_csv_layout(scenario: Scenario, rng: np.random.Generator) -> Layout:
    """Build a :class:`Layout` from the CSV files named in ``scenario.territories.csv``."""
    spec = scenario.territories.csv
    assert spec is not None
    path = scenario.resolve(spec.territories)
    table = _read_csv(path, REQUIRED)
    if table.empty:
        raise ScenarioError(f"{path}: no territory (the file has a header but no rows)")
    goods = set(scenario.goods)
    allowed_cols = (
        set(REQUIRED)
        | set(OPTIONAL_SCALARS)
        | {f"{p}_{g}" for p in ("capacity", "need") for g in goods}
    )
    extra = [c for c in table.columns if c not in allowed_cols]
    if extra:
        raise ScenarioError(f"{path}: unknown column {extra[0]!r}; allowed: {sorted(allowed_cols)}")
    kinds = tuple(scenario.kinds)
    for column in ("id", "name", "kind"):
        empty = table[column].isna() | (table[column].astype(str).str.strip() == "")
        if empty.any():
            row = int(np.flatnonzero(empty)[0])
            raise _bad(path, row, column, "", "a value is required")
    for row, value in enumerate(table["kind"]):
        if value not in scenario.kinds:
            raise _bad(path, row, "kind", value, f"allowed: {list(kinds)}")
    duplicated = table["id"].duplicated()
    if duplicated.any():
        row = int(np.flatnonzero(duplicated)[0])
        raise _bad(path, row, "id", table["id"][row], "ids must be unique")
    numeric = [c for c in table.columns if c not in ("id", "name", "kind")]
    for column in numeric:
        table[column] = _numbers(path, table[column], column)
    ids = table["id"].astype(str).to_numpy()
    kind = np.array([kinds.index(k) for k in table["kind"]], dtype=np.int16)
    xy = table[["x_km", "y_km"]].to_numpy(float)
    overrides = {c: table[c].to_numpy(float) for c in table.columns if c not in REQUIRED}
    link_distance = commuters = None
    if spec.links is not None:
        src, dst, link_kind, link_distance, commuters = _read_links(
            scenario.resolve(spec.links), ids
        )
    else:
        src, dst = proximity_links(xy, scenario.territories.generator.proximity_k)
        src, dst, link_kind = unique_links(src, dst, np.zeros(src.size))
    layout = Layout(
        ids,
        table["name"].astype(str).to_numpy(),
        kind,
        kinds,
        table["population"].to_numpy(float),
        xy,
        src,
        dst,
        link_kind,
        overrides,
        link_distance,
    )
    layout.commutes = _commutes(scenario, layout, commuters)
    return layout


def _commutes(
    scenario: Scenario, layout: Layout, commuters: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The commuting pairs of the links of kind ``commuting`` (ODD 6): ``(home, work, n)``.

    The home is the non-urban end; between two ends of the same class, the less populated
    (``dst`` on a tie); ``n`` is the link's ``commuters`` (NaN where empty).
    """
    link = np.flatnonzero(layout.link_kind == LINK_KINDS.index("commuting"))
    a, b = layout.src[link], layout.dst[link]
    urban = np.array([scenario.kinds[k].urban for k in layout.kinds])[layout.kind]
    population = layout.population
    b_home = np.where(urban[a] == urban[b], population[b] <= population[a], urban[a])
    home, work = np.where(b_home, b, a), np.where(b_home, a, b)
    count = np.full(link.size, np.nan) if commuters is None else commuters[link]
    return home.astype(np.int64), work.astype(np.int64), count


def _read_links(path: Path, ids: np.ndarray) -> tuple[np.ndarray, ...]:
    """Links from a CSV file: ``(src, dst, link_kind, distance, commuters)``, one row per pair."""
    table = _read_csv(path, ("source", "target"))
    allowed = ("source", "target", "kind", "distance_km", "commuters")
    extra = [c for c in table.columns if c not in allowed]
    if extra:
        raise ScenarioError(f"{path}: unknown column {extra[0]!r}; allowed: {', '.join(allowed)}")
    index = {tid: i for i, tid in enumerate(ids)}
    ends = []
    for column in ("source", "target"):
        values = table[column].astype(str).str.strip()
        unknown = ~values.isin(index)
        if unknown.any():
            row = int(np.flatnonzero(unknown)[0])
            shown = ", ".join(map(str, ids[:5])) + (", ..." if len(ids) > 5 else "")
            raise _bad(
                path,
                row,
                column,
                table[column][row],
                f"no territory has this id (ids in the territories file: {shown})",
            )
        ends.append(values.map(index).to_numpy())
    kinds = (
        table["kind"].fillna("custom")
        if "kind" in table.columns
        else pd.Series(["custom"] * len(table))
    )
    for row, value in enumerate(kinds):
        if value not in LINK_KINDS:
            raise _bad(path, row, "kind", value, f"allowed: {list(LINK_KINDS)}")
    numbers = {}
    for column in ("distance_km", "commuters"):
        if column not in table.columns:
            numbers[column] = np.full(len(table), np.nan)
            continue
        values = pd.to_numeric(table[column], errors="coerce")
        bad = (values.isna() & table[column].notna()) | (values < 0) | np.isinf(values)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise _bad(
                path,
                row,
                column,
                table[column][row],
                "a finite number >= 0 is required (or leave it empty)",
            )
        numbers[column] = values.to_numpy(float)
    src, dst = ends
    loops = np.flatnonzero(src == dst)
    if loops.size:
        row = int(loops[0])
        raise _bad(
            path,
            row,
            "target",
            table["target"][row],
            "the same territory as the source; a link joins two territories",
        )
    # one link per pair, first row wins; unique_links then keeps the rows in file order
    lo, hi = np.minimum(src, dst), np.maximum(src, dst)
    pair = pd.Series(lo.astype(np.int64) * len(ids) + hi)
    keep = (~pair.duplicated()).to_numpy()
    link_kind = np.array([LINK_KINDS.index(k) for k in kinds], dtype=np.int8)
    src, dst, link_kind = unique_links(src[keep], dst[keep], link_kind[keep])
    return src, dst, link_kind, numbers["distance_km"][keep], numbers["commuters"][keep]
