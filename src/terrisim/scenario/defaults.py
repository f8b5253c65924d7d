"""The default catalogue of goods and territory kinds (ODD section 7, Submodels; table 1 and 2).

Quantities are in *units per 1,000 inhabitants per step* (one step is one month); money is in
k EUR per 1,000 inhabitants per step. These numbers are stylised, not calibrated: they encode
the complementarities named in the domain documents (cities need food, water and waste
treatment; rural and mountain areas need health care and jobs, and produce food, energy, water
and amenities).
"""

from __future__ import annotations

KINDS: dict[str, dict] = {
    # urban, median population, population log-sd, fiscal base, State grant, spending,
    # engineering (per 1,000 inhabitants), mean political leaning (-1 left .. +1 right)
    "metropolis": {"urban": True, "population": 400_000, "population_sigma": 0.3, "fiscal_base": 1.25,
                       "grant": 0.25, "spending": 1.40, "engineering": 1.0, "leaning": -0.2},
    "town": {"urban": True, "population": 40_000, "population_sigma": 0.4, "fiscal_base": 1.05,
                 "grant": 0.35, "spending": 1.30, "engineering": 0.8, "leaning": 0.0},
    "periurban": {"urban": False, "population": 20_000, "population_sigma": 0.4, "fiscal_base": 0.95,
                      "grant": 0.35, "spending": 1.20, "engineering": 0.5, "leaning": 0.2},
    "rural": {"urban": False, "population": 12_000, "population_sigma": 0.5, "fiscal_base": 0.65,
                  "grant": 0.55, "spending": 1.10, "engineering": 0.3, "leaning": 0.3},
    "mountain": {"urban": False, "population": 8_000, "population_sigma": 0.5, "fiscal_base": 0.60,
                     "grant": 0.65, "spending": 1.15, "engineering": 0.3, "leaning": 0.3},
}

_K = ("metropolis", "town", "periurban", "rural", "mountain")


def _by_kind(*values: float) -> dict[str, float]:
    return dict(zip(_K, values, strict=True))


GOODS: dict[str, dict] = {
    "food": {"storable": True, "public": False, "price": 1.0, "decay": 0.05,
                 "need": _by_kind(1.0, 1.0, 1.0, 1.0, 1.0),
                 "capacity": _by_kind(0.15, 0.5, 0.9, 3.0, 2.0)},
    "energy": {"storable": True, "public": False, "price": 1.2, "decay": 0.02,
                   "need": _by_kind(1.2, 1.0, 1.0, 0.9, 1.0),
                   "capacity": _by_kind(0.4, 0.7, 0.8, 2.4, 3.0)},
    "water": {"storable": True, "public": False, "price": 0.6, "decay": 0.0,
                  "need": _by_kind(1.0, 1.0, 1.0, 1.0, 1.0),
                  "capacity": _by_kind(0.5, 0.9, 1.0, 2.0, 3.0)},
    "health": {"storable": False, "public": True, "price": 2.0, "decay": 0.0,
                   "need": _by_kind(1.0, 1.0, 1.0, 1.2, 1.25),
                   "capacity": _by_kind(1.9, 1.3, 0.6, 0.45, 0.35)},
    "mobility_jobs": {"storable": False, "public": False, "price": 1.5, "decay": 0.0,
                          "need": _by_kind(1.0, 1.0, 1.1, 1.0, 1.0),
                          "capacity": _by_kind(1.7, 1.3, 0.6, 0.5, 0.5)},
    "waste_treatment": {"storable": False, "public": True, "price": 0.8, "decay": 0.0,
                            "need": _by_kind(1.2, 1.0, 1.0, 0.8, 0.8),
                            "capacity": _by_kind(0.6, 0.8, 0.9, 1.9, 1.3)},
    "amenities": {"storable": False, "public": False, "price": 0.7, "decay": 0.0,
                      "need": _by_kind(1.2, 1.0, 0.9, 0.6, 0.5),
                      "capacity": _by_kind(0.6, 0.8, 0.8, 1.7, 2.5)},
}

# Outdated reciprocal representations (ODD 7.3): how much a territory of the first class
# under-values what a territory of the second class offers (0 = no bias).
BIAS: dict[str, float] = {
    "urban->rural": 0.25,
    "rural->urban": 0.15,
    "urban->urban": 0.0,
    "rural->rural": 0.0,
}
