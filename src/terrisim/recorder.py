"""Data collection: model-level indicators every step, per-territory records (ODD 7.9).

Mesa's ``DataCollector`` loops over agents in Python; at 35,000 territories that would dominate
the step, so the recorder reads the arrays directly. Model-level rows are small dicts (one per
step). Per-territory records are column arrays per step, kept in memory or streamed to a
Parquet file as they go (``stream_to``), for all territories, a fixed random sample, or none.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from terrisim.metrics import gini, theil_t

if TYPE_CHECKING:
    from terrisim.model import TerriModel


def weighted_mean(values: np.ndarray, weights: np.ndarray) -> float:
    """Weighted mean, NaN when the weights sum to zero."""
    total = weights.sum()
    return float(values @ weights / total) if total > 0 else float("nan")


class Recorder:
    """Collects a model's indicators.

    Args:
        model: The model to observe.
        territories: "all", "none" or "sample" (``output.sample_size`` territories drawn once).
    """

    def __init__(self, model: TerriModel, territories: str = "all") -> None:
        self.model = model
        self.rows: list[dict[str, Any]] = []
        self.mode = territories
        state = model.state
        if territories == "sample" and state.n > model.config.output.sample_size:
            rng = np.random.default_rng(model.streams["rules"].integers(2**63))
            self.sample = np.sort(rng.choice(state.n, model.config.output.sample_size,
                                             replace=False))
        elif territories == "none":
            self.sample = np.zeros(0, dtype=np.int64)
        else:
            self.sample = np.arange(state.n)
        self.every = model.config.output.every
        self._columns: list[pd.DataFrame] = []
        self._writer: pq.ParquetWriter | None = None
        self._stream_path: Path | None = None

    def stream_to(self, path: Path) -> None:
        """Write per-territory records to a Parquet file as they are collected."""
        self._stream_path = Path(path)

    # ------------------------------------------------------------------ model level
    def collect(self) -> None:
        """Append this step's model-level row and per-territory records."""
        self.rows.append(self.indicators())
        if self.sample.size and self.model.steps % self.every == 0:
            frame = self.territory_frame()
            if self._stream_path is not None:
                table = pa.Table.from_pandas(frame, preserve_index=False)
                if self._writer is None:
                    self._writer = pq.ParquetWriter(self._stream_path, table.schema)
                self._writer.write_table(table)
            else:
                self._columns.append(frame)

    def indicators(self) -> dict[str, Any]:
        """The model-level indicators of the current step (see ODD 7.9 for definitions)."""
        model, s = self.model, self.model.state
        pop = s.population
        sat = s.satisfaction_mean
        row: dict[str, Any] = {"step": model.steps, "satisfaction": weighted_mean(sat, pop)}
        for k, name in enumerate(s.kinds):
            mask = s.kind == k
            row[f"satisfaction_{name}"] = weighted_mean(sat[mask], pop[mask])
        row["satisfaction_urban"] = weighted_mean(sat[s.urban], pop[s.urban])
        row["satisfaction_rural"] = weighted_mean(sat[~s.urban], pop[~s.urban])
        for j, good in enumerate(s.goods):
            row[f"satisfaction_{good}"] = weighted_mean(s.satisfaction[:, j], pop)
        row["satisfaction_min"] = float(sat.min())
        row["gini"] = gini(sat, weights=pop)
        row["theil"] = theil_t(sat, weights=pop) if sat.sum() > 0 else 0.0
        volume = model.volume_by_good()
        for j, good in enumerate(s.goods):
            row[f"volume_{good}"] = float(volume[j])
        row["volume_value"] = float(volume @ s.price)
        for channel in sorted(model.ledger):
            row[f"volume_value_{channel}"] = float(model.volume_by_good(channel) @ s.price)
        outcome = model.outcome
        row["deals"] = int(outcome.deal.sum())
        balance = outcome.balance[outcome.deal]
        row["reciprocity_balance"] = float(balance.mean()) if balance.size else float("nan")
        row["money"] = float(outcome.money.sum())
        e = s.n_links
        if e:
            same = s.kind[s.src] == s.kind[s.dst]
            cross = s.urban[s.src] != s.urban[s.dst]
            t = s.trust
            row["trust"] = float(t.mean())
            row["trust_within_kind"] = float(np.tile(same, 2) @ t / max(2 * same.sum(), 1)) \
                if same.any() else float("nan")
            row["trust_urban_rural"] = float(np.tile(cross, 2) @ t / (2 * cross.sum())) \
                if cross.any() else float("nan")
            row["misperception"] = float(s.bias[np.tile(cross, 2)].mean()) \
                if cross.any() else 0.0
        else:
            row.update(trust=float("nan"), trust_within_kind=float("nan"),
                       trust_urban_rural=float("nan"), misperception=0.0)
        row["reserve"] = float(s.reserve.sum())
        row["fiscal_health"] = weighted_mean(s.fiscal_health, pop)
        row["shocks"] = ",".join(model.shocks.active_names())
        for institution in model.institutions:
            row.update(institution.state_summary())
        return row

    # ------------------------------------------------------------------ territory level
    def territory_frame(self) -> pd.DataFrame:
        """This step's per-territory records for the recorded territories."""
        s, idx = self.model.state, self.sample
        flow_value = s.flow @ s.price
        data: dict[str, Any] = {
            "step": np.full(idx.size, self.model.steps, dtype=np.int32),
            "territory": s.ids[idx],
            "kind": np.asarray(s.kinds, dtype=object)[s.kind[idx]],
            "satisfaction": s.satisfaction_mean[idx],
        }
        for j, good in enumerate(s.goods):
            data[f"satisfaction_{good}"] = s.satisfaction[idx, j]
        for j, good in enumerate(s.goods):
            if s.storable[j]:
                data[f"stock_{good}"] = s.stock[idx, j]
        data["reserve"] = s.reserve[idx]
        data["fiscal_health"] = s.fiscal_health[idx]
        deal_arcs = np.tile(self.model.outcome.deal, 2).astype(float)
        data["deals"] = s.sum_by_origin(deal_arcs)[idx].astype(np.int32)
        data["given_value"] = s.sum_by_origin(flow_value)[idx]
        data["received_value"] = s.sum_by_end(flow_value)[idx]
        return pd.DataFrame(data)

    # ------------------------------------------------------------------ results
    def series(self) -> pd.DataFrame:
        """One row per step, the model-level indicators."""
        return pd.DataFrame(self.rows)

    def territories(self) -> pd.DataFrame | None:
        """All per-territory records (None if not recorded or streamed to a file)."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
            return None
        if self._stream_path is not None or not self._columns:
            return None
        return pd.concat(self._columns, ignore_index=True)

    def close(self) -> None:
        """Close the Parquet stream, if any."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
