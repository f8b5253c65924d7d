"""Optional dependencies: import them with a clear message naming the extra that provides them.

The core install is light (``pip install terrisim``); sensitivity designs and the Dask engine
need the ``sweep`` extra, ``terrisim check-rule`` needs ``check`` (hypothesis), the compiled
kernels need ``fast`` (numba).
"""

from __future__ import annotations

import importlib
from types import ModuleType

from terrisim.errors import ScenarioError


def require(module: str, extra: str, purpose: str) -> ModuleType:
    """Import ``module``, or say which extra to install.

    Args:
        module: The dotted module name, e.g. ``"SALib.sample.sobol"``.
        extra: The terrisim extra that installs it, e.g. ``"sweep"``.
        purpose: What needs it, for the message, e.g. ``"a Sobol design"``.

    Returns:
        The imported module.

    Raises:
        ScenarioError: the module is not installed; the message gives the ``pip install``
            command (the CLI prints it as one line and exits with status 2).
    """
    try:
        return importlib.import_module(module)
    except ImportError:
        top = module.split(".", maxsplit=1)[0]
        raise ScenarioError(
            f"{purpose} needs {top}, which is not installed: pip install 'terrisim[{extra}]'"
        ) from None
