"""Seeds and run identifiers of a sweep (ODD section 7, "Submodels": stochasticity).

Every run's seed derives from the experiment's root seed with numpy's ``SeedSequence``:

    seed(point, replicate) = SeedSequence(root, spawn_key=(point, replicate)) -> 63-bit integer

so a run's seed depends only on the root seed and on the run's position in the design, never on
the engine, the number of workers or the order in which runs complete. With common random numbers
(``common_random_numbers = true``, the default for Sobol, Morris and bisection designs) the
seed depends on the replicate only: replicate ``r`` of every design point sees the same random
streams, which sharpens comparisons between points and makes the response a deterministic
function of the factors, as sensitivity analysis assumes.
"""

from __future__ import annotations

import numpy as np

#: spawn_key used for the design's own sampling (LHS, Sobol, Morris), apart from run seeds.
DESIGN_SPAWN_KEY = (2**32 - 1,)


def run_seed(root: int, point: int, replicate: int, *, common_random_numbers: bool = False) -> int:
    """Seed of one run, derived from the root seed by the run's place in the design.

    Args:
        root: The experiment's root seed (a non-negative integer).
        point: Index of the design point (0-based).
        replicate: Index of the replicate (0-based).
        common_random_numbers: If true, the seed depends on the replicate only.

    Returns:
        A non-negative integer below 2**63 (fits a signed 64-bit Parquet column).
    """
    key = (replicate,) if common_random_numbers else (point, replicate)
    words = np.random.SeedSequence(root, spawn_key=key).generate_state(2, dtype=np.uint32)
    return int((int(words[0]) << 32 | int(words[1])) & (2**63 - 1))


def design_seed(root: int) -> int:
    """Seed for sampling the design itself (Latin hypercube, Sobol, Morris).

    Args:
        root: The experiment's root seed.

    Returns:
        A non-negative 32-bit integer (SALib and scipy accept it).
    """
    seq = np.random.SeedSequence(root, spawn_key=DESIGN_SPAWN_KEY)
    return int(seq.generate_state(1, dtype=np.uint32)[0])


def run_id(point: int, replicate: int) -> str:
    """Stable identifier of a run: the design point and the replicate, e.g. ``p000012r03``.

    Args:
        point: Index of the design point (0-based).
        replicate: Index of the replicate (0-based).

    Returns:
        The run id. The same experiment file always gives the same ids.
    """
    return f"p{point:06d}r{replicate:02d}"
