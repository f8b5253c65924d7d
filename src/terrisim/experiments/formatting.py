"""Numbers in the printed tables of ``terrisim analyze``: significant digits, never ``0.000``.

A Gini effect of 2e-4 printed with three decimals reads 0.000, as if there were none; every
printed number keeps :data:`DIGITS` significant digits instead (the CSV files keep full
precision).
"""

from __future__ import annotations

import math
from typing import Any

#: Significant digits of the printed tables.
DIGITS = 3


def sig(value: Any, digits: int = DIGITS, *, signed: bool = False) -> str:
    """A number with ``digits`` significant digits (``2e-4`` gives ``0.0002``, not ``0.000``).

    Args:
        value: A number (NaN and None print as ``n/a``).
        digits: Significant digits.
        signed: Always print the sign.

    Returns:
        The text.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{float(value):{'+' if signed else ''}.{digits}g}"


def percent(share: Any, digits: int = DIGITS) -> str:
    """A share of 1 as a percentage with ``digits`` significant digits (``0.0015`` -> ``0.15 %``)."""
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return "n/a"
    return f"{100.0 * float(share):.{digits}g} %"
