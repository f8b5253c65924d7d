"""Data collection: model-level indicators every step, per-territory records (ODD 7.9).

Mesa's ``DataCollector`` loops over agents in Python; at 35,000 territories that would dominate
the step, so the recorder reads the arrays directly. Model-level rows are small dicts (one per
step). Per-territory records are column arrays per step, kept in memory or streamed to a
Parquet file as they go (``stream_to``), for all territories, a fixed random sample, or none.

Cost at the scale of France (docs/performance.md): the indicators avoid BLAS calls (a
multi-threaded dot product wakes threads on every call, and its rounding depends on their
number), cache what depends only on the links and kinds, and sort satisfactions for the Gini
index with a fast sort when no two values tie (the same order as the stable sort of
:func:`terrisim.metrics.gini`). Per-territory records are computed for the recorded
territories only.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from terrisim.exchange import basket_value
from terrisim.files import naming
from terrisim.metrics.population import population_gini, population_theil, weighted_mean
from terrisim.state import keyed_cache

if TYPE_CHECKING:
    from terrisim.services import RecordedModel


class Recorder:
    """Collects a model's indicators.

    Args:
        model: The model to observe.
        territories: "all", "none" or "sample" (``output.sample_size`` territories drawn once).
    """

    def __init__(self, model: RecordedModel, territories: str = "all") -> None:
        self.model = model
        self.rows: list[dict[str, Any]] = []
        self.mode = territories
        state = model.state
        if territories == "sample" and state.n > model.config.output.sample_size:
            rng = np.random.default_rng(model.streams["rules"].integers(2**63))
            self.sample = np.sort(
                rng.choice(state.n, model.config.output.sample_size, replace=False)
            )
        elif territories == "none":
            self.sample = np.zeros(0, dtype=np.int64)
        else:
            self.sample = np.arange(state.n)
        self.every = model.config.output.every
        self._columns: list[dict[str, np.ndarray]] = []
        self._writer: pq.ParquetWriter | None = None
        self._stream_path: Path | None = None
        self._groups: dict[str, Any] = {}
        self._populations: dict[str, Any] = {}
        self._sample_arcs: dict[str, Any] = {}

    def stream_to(self, path: Path) -> None:
        """Write per-territory records to a Parquet file as they are collected.

        The file (and its folder) is created at the first recorded step, so a run that fails
        before it leaves nothing behind.
        """
        self._stream_path = Path(path)

    # ------------------------------------------------------------------ model level
    def collect(self) -> None:
        """Append this step's model-level row and per-territory records."""
        self.rows.append(self.indicators())
        if self.sample.size and self.model.steps % self.every == 0:
            if self._stream_path is not None:
                with naming(self._stream_path):
                    self._write_step(self.territory_columns())
            else:  # columns kept as arrays, one data frame at the end (cheaper per step)
                self._columns.append(self.territory_columns())

    def _write_step(self, columns: dict[str, np.ndarray]) -> None:
        """Append one step's records to the Parquet stream (opened at the first step).

        The first step goes through pandas, which gives the file its schema (pandas metadata
        included, so ``read_parquet`` restores the same dtypes); later steps are converted
        from their arrays to that schema directly.
        """
        if self._writer is None:
            table = pa.Table.from_pandas(pd.DataFrame(columns), preserve_index=False)
            self._stream_path.parent.mkdir(parents=True, exist_ok=True)
            self._writer = pq.ParquetWriter(self._stream_path, table.schema)
        else:
            schema = self._writer.schema
            arrays = [pa.array(columns[field.name], type=field.type) for field in schema]
            table = pa.Table.from_arrays(arrays, schema=schema)
        self._writer.write_table(table)

    def indicators(self) -> dict[str, Any]:
        """The model-level indicators of the current step (see ODD 7.9 for definitions)."""
        model, s = self.model, self.model.state
        pop = s.population
        sat = s.satisfaction_mean
        groups, total = self._population_groups()
        row: dict[str, Any] = {
            "step": model.steps,
            "satisfaction": weighted_mean(sat, pop, total),
        }
        for name, (members, weights, weight) in groups.items():
            row[f"satisfaction_{name}"] = weighted_mean(np.take(sat, members), weights, weight)
        for j, good in enumerate(s.goods):
            row[f"satisfaction_{good}"] = weighted_mean(s.satisfaction[:, j], pop, total)
        row["satisfaction_min"] = float(sat.min())
        row["gini"] = population_gini(sat, pop)
        row["theil"] = population_theil(sat, pop) if sat.sum() > 0 else 0.0
        volume = model.volume_by_good()
        for j, good in enumerate(s.goods):
            row[f"volume_{good}"] = float(volume[j])
        row["volume_value"] = float(volume @ s.price)
        for channel in sorted(model.ledger.flows):
            row[f"volume_value_{channel}"] = float(model.volume_by_good(channel) @ s.price)
        outcome = model.outcome
        row["deals"] = int(outcome.deal.sum())
        row["defections"] = 0 if outcome.defected is None else int(outcome.defected.sum())
        balance = outcome.balance[outcome.deal]
        row["reciprocity_balance"] = float(balance.mean()) if balance.size else float("nan")
        row["money"] = float(outcome.money.sum())
        e = s.n_links
        if e:
            same, cross = self._link_groups()
            t = s.trust
            row["trust"] = float(t.mean())
            row["trust_within_kind"] = (
                float(t[same].sum() / same.size) if same.size else float("nan")
            )
            row["trust_urban_rural"] = (
                float(t[cross].sum() / cross.size) if cross.size else float("nan")
            )
            row["misperception"] = float(s.bias[cross].mean()) if cross.size else 0.0
        else:
            row.update(
                trust=float("nan"),
                trust_within_kind=float("nan"),
                trust_urban_rural=float("nan"),
                misperception=0.0,
            )
        row["reserve"] = float(s.reserve.sum())
        row["fiscal_health"] = weighted_mean(s.fiscal_health, pop, total)
        row["investment"] = float(s.investment.sum())
        row["capital"] = weighted_mean(s.capital, pop, total)
        row["market_value"] = float(s.bought.sum(axis=0) @ s.price)
        row["imports_value"] = float(model.market.imports @ s.price)
        commuting = model.config.commuting.good
        row["commuting_value"] = (
            float(model.commuted.sum() * s.price[s.goods.index(commuting)])
            if model.commuted.size
            else 0.0
        )
        row["shocks"] = ",".join(model.shocks.active_names())
        for institution in model.institutions:
            row.update(institution.state_summary())
        return row

    def _population_groups(self) -> tuple[dict[str, tuple[np.ndarray, np.ndarray, float]], float]:
        """Each kind's and class's territories, their populations and its total (cached).

        Returns ``({name: (members, populations, total)}, total population)``, the names
        those of the ``satisfaction_*`` indicators (each kind, then ``class_urban`` and
        ``class_rural``). Recomputed when the populations, kinds or classes change.
        """
        s = self.model.state

        def compute() -> tuple[dict[str, tuple[np.ndarray, np.ndarray, float]], float]:
            masks = {name: s.kind == k for k, name in enumerate(s.kinds)}
            masks.update(class_urban=s.urban, class_rural=~s.urban)
            groups = {}
            for name, mask in masks.items():
                members = np.flatnonzero(mask)
                weights = s.population[members]
                groups[name] = (members, weights, weights.sum())
            return groups, s.population.sum()

        return keyed_cache(
            self._populations,
            compute,
            equal={"population": s.population, "kind": s.kind, "urban": s.urban},
        )

    def _link_groups(self) -> tuple[np.ndarray, np.ndarray]:
        """Arcs between territories of the same kind, and between urban and rural (cached).

        Recomputed when the links, kinds or classes change.
        """
        s = self.model.state

        def compute() -> tuple[np.ndarray, np.ndarray]:
            same = np.tile(s.kind[s.src] == s.kind[s.dst], 2)
            cross = np.tile(s.urban[s.src] != s.urban[s.dst], 2)
            return np.flatnonzero(same), np.flatnonzero(cross)

        return keyed_cache(
            self._groups,
            compute,
            same={"src": s.src, "dst": s.dst},
            equal={"kind": s.kind, "urban": s.urban},
        )

    def _arcs_of_sample(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Arcs leaving and entering recorded territories, by ascending arc (cached).

        Returns ``(out_arcs, out_row, in_arcs, in_row)``: arc indices and the row of their
        origin (end) in ``self.sample``.
        """
        s = self.model.state

        def compute() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
            row = np.full(s.n, -1, dtype=np.int64)
            row[self.sample] = np.arange(self.sample.size)
            out_arcs = np.flatnonzero(row[s.arc_from] >= 0)
            in_arcs = np.flatnonzero(row[s.arc_to] >= 0)
            return out_arcs, row[s.arc_from[out_arcs]], in_arcs, row[s.arc_to[in_arcs]]

        return keyed_cache(self._sample_arcs, compute, same={"src": s.src, "dst": s.dst})

    # ------------------------------------------------------------------ territory level
    def territory_columns(self) -> dict[str, np.ndarray]:
        """This step's per-territory records for the recorded territories, column arrays.

        Only the recorded territories and their arcs are read, so a sample of 500 costs the
        same at 35,000 territories as at 1,000. The value of an arc's flow is summed over
        goods left to right (:func:`terrisim.exchange.basket_value`).
        """
        s, idx = self.model.state, self.sample
        out_arcs, out_row, in_arcs, in_row = self._arcs_of_sample()
        price = s.price[None, :]
        data: dict[str, Any] = {
            "step": np.full(idx.size, self.model.steps, dtype=np.int32),
            "territory": s.ids[idx],
            "name": s.names[idx],  # real France: the commune's or EPCI's own name (ODD 5.5)
            "kind": np.asarray(s.kinds, dtype=object)[s.kind[idx]],
            "satisfaction": s.mean_satisfaction(idx),
        }
        for j, good in enumerate(s.goods):
            data[f"satisfaction_{good}"] = s.satisfaction[idx, j]
        for j, good in enumerate(s.goods):
            if s.storable[j]:
                data[f"stock_{good}"] = s.stock[idx, j]
        data["reserve"] = s.reserve[idx]
        data["fiscal_health"] = s.fiscal_health[idx]
        data["capital"] = s.capital[idx]
        deal = self.model.outcome.deal
        dealt = deal[out_arcs % s.n_links] if deal.size else np.zeros(out_arcs.size, bool)
        data["deals"] = np.bincount(out_row, minlength=idx.size, weights=dealt).astype(np.int32)
        data["given_value"] = np.bincount(
            out_row, basket_value(np.take(s.flow, out_arcs, axis=0), price), idx.size
        )
        data["received_value"] = np.bincount(
            in_row, basket_value(np.take(s.flow, in_arcs, axis=0), price), idx.size
        )
        return data

    # ------------------------------------------------------------------ results
    def series(self) -> pd.DataFrame:
        """One row per step, the model-level indicators."""
        return pd.DataFrame(self.rows)

    def territories(self) -> pd.DataFrame | None:
        """All per-territory records (None if not recorded or streamed to a file)."""
        if self._writer is not None:
            self.close()
            return None
        if self._stream_path is not None or not self._columns:
            return None
        steps = self._columns
        return pd.DataFrame(
            {name: np.concatenate([step[name] for step in steps]) for name in steps[0]}
        )

    def close(self) -> None:
        """Close the Parquet stream, if any (an OSError names its file)."""
        if self._writer is not None:
            writer, self._writer = self._writer, None
            with naming(self._stream_path):
                writer.close()
