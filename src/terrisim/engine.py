"""Which engine computes the negotiation and the delivery over links: numpy or numba.

Both engines compute the same numbers, bit for bit (:mod:`terrisim.kernels`); they differ in
speed only. This module chooses one without importing numba, so that a model that runs the
numpy engine never loads numba nor its compiled kernels.

``auto`` (the default) takes numba when it is installed and the scenario has at least
:data:`AUTO_NUMBA_LINKS` links: below that, a step costs the same under both engines, and
loading numba and its cached kernels would be most of a short run (docs/performance.md).
"""

from __future__ import annotations

import functools
import importlib.util
import os

from terrisim.errors import ScenarioError

ENGINES = ("auto", "numpy", "numba")

#: numba is an optional extra (``pip install terrisim[fast]``): found without importing it.
HAVE_NUMBA = importlib.util.find_spec("numba") is not None

#: ``auto`` picks numba from this many links on (docs/performance.md, "Start-up").
AUTO_NUMBA_LINKS = 200


@functools.cache
def numba_import_error() -> str:
    """Why numba, installed, cannot be imported ("" if it can). Imports it, once.

    An installed numba may not import (one built for another numpy); ``auto`` then takes
    numpy. Only called where numba would run, so a small model still never imports it.
    """
    try:
        import numba  # noqa: F401 - the import is the test
    except ImportError as exc:
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return ""


def requested_name(requested: str | None = None) -> str:
    """The engine asked for: ``requested``, else ``TERRISIM_KERNEL``, else ``"auto"``."""
    return (requested or os.environ.get("TERRISIM_KERNEL") or "auto").strip().lower()


def auto_reason(requested: str | None, links: int) -> str:
    """Why ``auto`` chose its engine for ``links`` links ("" when an engine was named)."""
    if requested_name(requested) != "auto":
        return ""
    if not HAVE_NUMBA:
        return "auto: numba is not installed"
    if links >= AUTO_NUMBA_LINKS and numba_import_error():
        return f"auto: numba cannot be imported ({numba_import_error()})"
    side = "from" if links >= AUTO_NUMBA_LINKS else "only from"
    return f"auto: {links:,} links, numba {side} {AUTO_NUMBA_LINKS:,} on"


def engine_name(requested: str | None = None, links: int | None = None) -> str:
    """Resolve the engine: ``"numpy"`` or ``"numba"``.

    Args:
        requested: ``"numpy"``, ``"numba"``, ``"auto"`` or ``None`` (then the
            ``TERRISIM_KERNEL`` environment variable, default ``"auto"``).
        links: The scenario's number of links, for ``auto`` (``None``: as many as needed
            for numba).

    Returns:
        ``"numba"`` if asked for, or for ``auto`` when numba is installed, can be imported
        and ``links`` is at least :data:`AUTO_NUMBA_LINKS`; else ``"numpy"``.

    Raises:
        ScenarioError: (a ValueError) an unknown engine name, or ``"numba"`` asked for but not
            installed or not importable; the message names the argument or environment
            variable that gave it.
    """
    given = requested or os.environ.get("TERRISIM_KERNEL") or "auto"
    name = requested_name(requested)
    source = "engine=" if requested else "environment variable TERRISIM_KERNEL="
    if name not in ENGINES:
        raise ScenarioError(
            f"{source}{given}: engine {name!r} is unknown; use one of {', '.join(ENGINES)}"
        )
    if name == "numba" and not HAVE_NUMBA:
        raise ScenarioError(
            f"{source}{given}: engine 'numba' asked for but numba is not installed "
            "(pip install 'terrisim[fast]'), or use engine 'numpy'"
        )
    if name == "numba" and numba_import_error():
        raise ScenarioError(
            f"{source}{given}: engine 'numba' asked for but numba cannot be imported "
            f"({numba_import_error()}); use engine 'numpy'"
        )
    if name == "auto":
        if links is None:  # only checking the name: numba is not imported
            return "numba" if HAVE_NUMBA else "numpy"
        large = links >= AUTO_NUMBA_LINKS
        return "numba" if HAVE_NUMBA and large and not numba_import_error() else "numpy"
    return name
