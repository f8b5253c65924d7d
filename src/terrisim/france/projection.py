"""Longitude and latitude to kilometres: Lambert-93, with overseas insets (ODD 5.5.2).

Metropolitan France and Corsica are projected with Lambert-93 (EPSG:2154), the official
projection: a Lambert conformal conic on the GRS80 ellipsoid with standard parallels 44° and
49° N, origin 46.5° N, 3° E, false easting 700 km and northing 6,600 km. The closed form below
is the one of IGN's note NTG 71 (projection of geographic coordinates); it is exact, so the
error is that of reading WGS84 coordinates as RGF93 (under a metre). pyproj would do the same
with a 20 MB library.

Overseas départements get their own local equirectangular frame (``x = R cos(phi0) (lambda -
lambda0)``, ``y = R (phi - phi0)`` about the département's mean point; over 200 km from that
point the error on a distance is under 1 %) drawn as **insets** west of Brittany, as on INSEE's
maps: distances within an overseas département are true, distances between it and anywhere
else are not (they are more than 700 km, so ad hoc deals across vanish, exp(-d / d0)).
"""

from __future__ import annotations

import numpy as np

# GRS80 and Lambert-93 (EPSG:2154)
A_M = 6_378_137.0
FLATTENING = 1 / 298.257222101
E = np.sqrt(FLATTENING * (2 - FLATTENING))
PHI1, PHI2, PHI0, LAMBDA0 = np.radians([44.0, 49.0, 46.5, 3.0])
X0_M, Y0_M = 700_000.0, 6_600_000.0
#: Mean Earth radius (IUGG), km, for the overseas frames.
EARTH_RADIUS_KM = 6_371.0088

#: Centre of each overseas inset, Lambert-93 km (west of Brittany, one above the other).
INSETS_KM: dict[str, tuple[float, float]] = {
    "971": (-600.0, 7_300.0),  # Guadeloupe
    "972": (-600.0, 6_950.0),  # Martinique
    "973": (-600.0, 6_500.0),  # Guyane
    "974": (-600.0, 6_050.0),  # La Réunion
    "976": (-350.0, 6_050.0),  # Mayotte
}


def _m(phi: np.ndarray) -> np.ndarray:
    return np.cos(phi) / np.sqrt(1 - (E * np.sin(phi)) ** 2)


def _t(phi: np.ndarray) -> np.ndarray:
    s = E * np.sin(phi)
    return np.tan(np.pi / 4 - phi / 2) / ((1 - s) / (1 + s)) ** (E / 2)


N_CONE = float((np.log(_m(PHI1)) - np.log(_m(PHI2))) / (np.log(_t(PHI1)) - np.log(_t(PHI2))))
C_M = float(A_M * _m(PHI1) / (N_CONE * _t(PHI1) ** N_CONE))
YS_M = float(Y0_M + C_M * _t(PHI0) ** N_CONE)


def lambert93_km(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Lambert-93 coordinates in km of points given in degrees, shape (N, 2).

    ``rho = C t(phi)^n``, ``x = X0 + rho sin(n (lambda - lambda0))``,
    ``y = Ys - rho cos(n (lambda - lambda0))``, with ``t`` the isometric-latitude term on
    GRS80, ``n = 0.7256077650`` and ``C = 11,754,255.426 m``.
    """
    phi, lam = np.radians(lat), np.radians(lon)
    rho = C_M * _t(phi) ** N_CONE
    gamma = N_CONE * (lam - LAMBDA0)
    return np.c_[X0_M + rho * np.sin(gamma), YS_M - rho * np.cos(gamma)] / 1000.0


def local_km(lon: np.ndarray, lat: np.ndarray, centre: tuple[float, float]) -> np.ndarray:
    """Equirectangular km about ``(lon0, lat0)``: ``x = R cos(phi0) dlambda``, ``y = R dphi``."""
    lon0, lat0 = centre
    x = EARTH_RADIUS_KM * np.cos(np.radians(lat0)) * np.radians(np.asarray(lon) - lon0)
    y = EARTH_RADIUS_KM * np.radians(np.asarray(lat) - lat0)
    return np.c_[x, y]


def project_km(lon: np.ndarray, lat: np.ndarray, departement: np.ndarray) -> np.ndarray:
    """Plane coordinates in km: Lambert-93, or the overseas département's inset."""
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    xy = lambert93_km(lon, lat)
    for code, (cx, cy) in INSETS_KM.items():
        here = np.asarray(departement) == code
        if here.any():
            centre = (float(np.nanmean(lon[here])), float(np.nanmean(lat[here])))
            xy[here] = local_km(lon[here], lat[here], centre) + np.array([cx, cy])
    return xy
