"""Input validation shared by the equity and resilience indicators."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray


def finite_1d(x: ArrayLike, *, name: str = "x", nonnegative: bool = True) -> NDArray[np.float64]:
    """Return ``x`` as a non-empty, finite 1-D float array, or raise ``ValueError``.

    Args:
        x: The values to check.
        name: The argument's name, used in the error messages.
        nonnegative: Also reject negative values.

    Returns:
        ``x`` as a float64 array.

    Raises:
        ValueError: ``x`` is not numeric, not 1-D, empty, contains NaN or infinite values, or
            (with ``nonnegative``) contains negative values; the message names ``name``.
    """
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a 1-D array of numbers: {exc}") from exc
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got an array of shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty: at least one value is needed")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    if nonnegative and np.any(arr < 0):
        raise ValueError(
            f"{name} contains negative values (min {arr.min():g}); this indicator needs x >= 0"
        )
    return arr
