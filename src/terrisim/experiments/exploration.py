"""Scenario discovery on a sweep's results: PRIM boxes, CART rules, feature scores.

Which conditions (factor values) lead to an outcome of interest, e.g. the collapse of rural
territories? Given a sweep's results (:func:`terrisim.load_results`) and a boolean outcome
(a pandas expression over the results' columns, ``"shocks_never_recovered > 0"``), this module
asks the EMA workbench (Kwakkel 2017; the optional ``explore`` extra):

* **PRIM** (patient rule induction, Friedman and Fisher 1999; Bryant and Lempert 2010): boxes
  of the factor space where the outcome is frequent. A box is described by its *coverage*
  (share of all cases of interest inside it), *density* (share of the runs inside it that are
  cases of interest), *mass* (share of all runs inside it) and its restricted dimensions (the
  factors it limits, with the quasi-p value of each restriction). On each box's peeling
  trajectory the box kept is the one of largest coverage whose density reaches ``density``
  (else the densest); then its weakest restriction is dropped while a quasi-p value exceeds
  ``max_qp`` (0.05: a restriction chance alone would often give; Bryant and Lempert 2010), one
  at a time, the values recomputed after each; after
  a box, its runs are set aside and the next box is sought.
* **CART** (classification tree, Breiman et al. 1984, scikit-learn): the leaves where most runs
  are cases of interest, each a rule over the factors, with the same statistics.
* **Feature scores**: extra-trees importances of each factor for the outcome (Jaxa-Rozen and
  Kwakkel 2018), summing to 1.

The workbench is imported only when used, so ``import terrisim`` stays fast; without it, a
one-line error names the ``pip install`` command.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from terrisim.experiments.spec import ExperimentError

#: The extra that installs the EMA workbench and scikit-learn.
EXTRA = "explore"


def _workbench(module: str) -> Any:
    """A module of the EMA workbench, or a one-line error naming the extra to install."""
    import logging

    from terrisim.extras import require

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "ipyparallel not installed": not needed here
        mod = require(f"ema_workbench.analysis.{module}", EXTRA, "scenario discovery")
    logging.getLogger("EMA").setLevel(logging.WARNING)
    return mod


@dataclass
class Box:
    """A region of the factor space: a PRIM box or a CART leaf.

    Attributes:
        coverage: Share of all cases of interest that lie in the box.
        density: Share of the box's runs that are cases of interest.
        mass: Share of all runs that lie in the box.
        limits: The restricted factors, each as a rule in words (``0.7 <= x1 <= 1``).
        quasi_p: PRIM's quasi-p value of each restriction (None for CART).
    """

    coverage: float
    density: float
    mass: float
    limits: dict[str, str]
    quasi_p: dict[str, float] | None = None

    def text(self) -> str:
        """One line: statistics, then the rules."""
        rules = []
        for name, rule in self.limits.items():
            qp = self.quasi_p.get(name) if self.quasi_p else None
            shown = "" if qp is None or math.isnan(qp) else f" (qp {qp:.2g})"
            rules.append(rule + shown)
        where = " and ".join(rules) or "(the whole space)"
        return (
            f"coverage {self.coverage:.2f}, density {self.density:.2f}, mass {self.mass:.2f}, "
            f"{len(self.limits)} restricted: {where}"
        )


@dataclass
class Discovery:
    """What scenario discovery found for one outcome of interest.

    Attributes:
        where: The outcome of interest (expression over the results' columns).
        cases: Runs where it holds.
        runs: Runs analysed.
        factors: The factors examined (those that vary).
        prim: PRIM's boxes, in the order found.
        cart: CART's leaves where most runs are cases of interest, by coverage.
        scores: Feature score of each factor (``factor``, ``score``), highest first.
    """

    where: str
    cases: int
    runs: int
    factors: list[str]
    prim: list[Box] = field(default_factory=list)
    cart: list[Box] = field(default_factory=list)
    scores: pd.DataFrame = field(default_factory=pd.DataFrame)

    def text(self) -> str:
        """The boxes, the rules and the scores, for printing."""
        share = self.cases / self.runs if self.runs else math.nan
        lines = [f"{self.where}: {self.cases} of {self.runs} runs ({share:.1%})"]
        if not self.cases or self.cases == self.runs:
            lines.append("  nothing to discover: the outcome is the same in every run")
            return "\n".join(lines)
        lines.append("PRIM boxes:")
        lines.extend(f"  box {i}: {b.text()}" for i, b in enumerate(self.prim))
        if not self.prim:
            lines.append("  (none)")
        lines.append("CART leaves where the outcome is the majority:")
        lines.extend(f"  leaf {i}: {b.text()}" for i, b in enumerate(self.cart))
        if not self.cart:
            lines.append("  (none)")
        lines.append("feature scores (extra trees):")
        lines.extend(f"  {r.factor:<40} {r.score:.3f}" for r in self.scores.itertuples())
        return "\n".join(lines)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The boxes, leaves and scores as tables (written as CSV by ``terrisim explore``)."""

        def rows(boxes: list[Box], kind: str) -> pd.DataFrame:
            return pd.DataFrame(
                [
                    {
                        kind: i,
                        "coverage": b.coverage,
                        "density": b.density,
                        "mass": b.mass,
                        "restricted": len(b.limits),
                        "rules": " and ".join(b.limits.values()),
                    }
                    for i, b in enumerate(boxes)
                ]
            )

        return {
            "prim_boxes": rows(self.prim, "box"),
            "cart_leaves": rows(self.cart, "leaf"),
            "feature_scores": self.scores,
        }


def interest(df: pd.DataFrame, where: str) -> pd.Series:
    """The outcome of interest of each run: ``where`` evaluated on the results (pandas).

    Args:
        df: Results, one row per run.
        where: A boolean expression over the columns, e.g. ``"shocks_never_recovered > 0"``;
            a column whose name has dots goes between backticks (```trust.initial` < 0.5``).

    Returns:
        One boolean per run.

    Raises:
        ExperimentError: The expression is invalid or not boolean (one line, with the columns).
    """
    try:
        # pandas' expression language over the results' columns (no Python builtins)
        values = df.eval(where)
    except Exception as err:  # any parse or name error of the user's expression
        columns = ", ".join(str(c) for c in df.columns)
        raise ExperimentError(
            f"--where {where!r}: {type(err).__name__}: {err}; columns: {columns}"
        ) from None
    if not isinstance(values, pd.Series) or not pd.api.types.is_bool_dtype(values):
        raise ExperimentError(
            f"--where {where!r}: not a true/false condition per run (e.g. 'gini > 0.1')"
        )
    return values.fillna(False).astype(bool)


def _factor_frame(df: pd.DataFrame, factors: list[str]) -> pd.DataFrame:
    """The factors that vary, with text and booleans as categories and numbers as floats."""
    x = pd.DataFrame(index=df.index)
    for name in factors:
        col = df[name]
        if col.nunique(dropna=False) < 2:
            continue
        if pd.api.types.is_bool_dtype(col) or not pd.api.types.is_numeric_dtype(col):
            x[name] = col.astype(str).astype("category")
        else:
            x[name] = pd.to_numeric(col).astype(float)
    return x.reset_index(drop=True)


def _rules(box: pd.DataFrame, init: pd.DataFrame) -> dict[str, str]:
    """The restricted factors of a box (rows: min, max) against the initial box."""
    out: dict[str, str] = {}
    for name in box.columns:
        low, high = box[name].iloc[0], box[name].iloc[1]
        low0, high0 = init[name].iloc[0], init[name].iloc[1]
        if isinstance(low, set):
            if low != low0:
                out[name] = f"{name} in {{{', '.join(sorted(map(str, low)))}}}"
            continue
        parts = []
        if low > low0:
            parts.append(f"{low:.4g} <= ")
        parts.append(name)
        if high < high0:
            parts.append(f" <= {high:.4g}")
        if len(parts) > 1:
            out[name] = "".join(parts)
    return out


def _initial_box(x: pd.DataFrame) -> pd.DataFrame:
    """The box holding every run: min and max of numbers, the set of each category."""
    data = {}
    for name in x.columns:
        col = x[name]
        if isinstance(col.dtype, pd.CategoricalDtype):
            data[name] = [set(col.cat.categories), set(col.cat.categories)]
        else:
            data[name] = [col.min(), col.max()]
    return pd.DataFrame(data)


def _quasi_p(values: Any) -> float:
    """The larger quasi-p value of a restriction's two ends (-1 marks an end not restricted)."""
    valid = [float(v) for v in (values or []) if v is not None and v >= 0]
    return max(valid) if valid else math.nan


def _prim(
    x: pd.DataFrame, y: np.ndarray, density: float, max_boxes: int, mass_min: float, max_qp: float
) -> list[Box]:
    prim = _workbench("prim")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        finder = prim.Prim(x, y, mass_min=mass_min)
    init = _initial_box(x)
    boxes: list[Box] = []
    for _ in range(max_boxes):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            box = finder.find_box()
        if box is None:
            break
        trajectory = box.peeling_trajectory
        dense = trajectory[trajectory["density"] >= density]
        if len(dense):  # the largest coverage, then the densest of those
            chosen = int(dense.sort_values(["coverage", "density"]).index[-1])
        else:
            chosen = int(trajectory["density"].idxmax())
        box.select(chosen)
        limits = _rules(box.box_lims[chosen], init)
        qp = {name: _quasi_p(box.p_values[chosen].get(name)) for name in limits}
        while len(qp) > 1 and max(qp.values()) > max_qp:
            # the weakest restriction (one chance alone would often give) goes, then again
            box.drop_restriction(max(qp, key=qp.__getitem__), i=len(box.box_lims) - 1)
            limits = _rules(box.box_lims[-1], init)
            qp = {name: _quasi_p(box.p_values[-1].get(name)) for name in limits}
        if boxes and (box.density < density or box.coverage == 0):
            break  # no dense box left (the first box is shown even if it is not dense)
        boxes.append(
            Box(
                coverage=float(box.coverage),
                density=float(box.density),
                mass=float(box.mass),
                limits=limits,
                quasi_p=qp,
            )
        )
        if box.density < density:
            break
    return boxes


def _cart(x: pd.DataFrame, y: np.ndarray, mass_min: float) -> list[Box]:
    cart = _workbench("cart")
    tree = cart.CART(x, y, mass_min=mass_min)
    tree.build_tree()
    init = _initial_box(x)
    leaves = [
        Box(
            coverage=float(s["coverage"]),
            density=float(s["density"]),
            mass=float(s["mass"]),
            limits=_rules(b, init),
        )
        for b, s in zip(tree.boxes, tree.stats, strict=True)
        if s["density"] > 0.5
    ]
    return sorted(leaves, key=lambda b: -b.coverage)


def _scores(x: pd.DataFrame, y: np.ndarray, seed: int) -> pd.DataFrame:
    scoring = _workbench("feature_scoring")
    util = _workbench("scenario_discovery_util")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table, _ = scoring.get_ex_feature_scores(
            x, y, mode=util.RuleInductionType.CLASSIFICATION, random_state=seed
        )
    scores = table.iloc[:, 0]
    out = pd.DataFrame({"factor": [str(i) for i in scores.index], "score": scores.to_numpy()})
    return out.sort_values("score", ascending=False, ignore_index=True)


def discover(
    df: pd.DataFrame,
    where: str,
    *,
    factors: list[str] | None = None,
    density: float = 0.8,
    max_boxes: int = 3,
    mass_min: float = 0.05,
    max_qp: float = 0.05,
    seed: int = 0,
) -> Discovery:
    """PRIM boxes, CART rules and feature scores of an outcome of interest.

    Args:
        df: Results, one row per run (e.g. ``load_results(DIR, status="ok")``).
        where: The outcome of interest (see :func:`interest`).
        factors: Columns to explain it with (default: the sweep's factors, ``df.attrs``).
        density: The least density of a PRIM box (its coverage is then the largest).
        max_boxes: The most PRIM boxes sought.
        mass_min: The least mass of a PRIM box or CART leaf.
        max_qp: PRIM restrictions whose quasi-p value exceeds this are dropped (1: keep all).
        seed: Seed of the extra trees of the feature scores.

    Returns:
        What was found (:class:`Discovery`).

    Raises:
        ExperimentError: A bad expression, or no factor that varies.
        ScenarioError: The ``explore`` extra is not installed.
    """
    if factors is None:
        from terrisim.experiments.analysis import factor_columns

        factors = [f for f in factor_columns(df) if f != "label"] or (
            ["label"] if "label" in df.columns else []
        )
    y = interest(df, where).to_numpy()
    x = _factor_frame(df, factors)
    if x.shape[1] == 0:
        raise ExperimentError(
            f"no factor varies among {factors or 'the columns'}: nothing to explain"
        )
    found = Discovery(where, int(y.sum()), len(y), list(x.columns))
    if 0 < found.cases < found.runs:
        found.prim = _prim(x, y, density, max_boxes, mass_min, max_qp)
        found.cart = _cart(x, y, mass_min)
        found.scores = _scores(x, y, seed)
    return found


def explore(directory: str | Path, where: str, **options: Any) -> Discovery:
    """Scenario discovery on the successful runs of a sweep directory.

    Args:
        directory: The sweep directory.
        where: The outcome of interest (see :func:`interest`).
        **options: Passed to :func:`discover`.

    Returns:
        What was found.
    """
    from terrisim.experiments.analysis import load_results

    return discover(load_results(directory, status="ok"), where, **options)
