"""Map geometry drawn here, offline: a tile grid of the US states (one square each, laid out roughly where
the state lies) and countries placed by the latitude and longitude of their middle, snapped to a grid."""

from __future__ import annotations

__all__ = ["COUNTRIES", "US_STATES", "world_tiles"]

# (column, row) of each state in an 12 x 8 grid, Alaska and Hawaii on the left.
US_STATES: dict[str, tuple[int, int]] = {
    "AK": (0, 0), "ME": (11, 0), "WI": (6, 1), "VT": (10, 1), "NH": (11, 1),
    "WA": (1, 2), "ID": (2, 2), "MT": (3, 2), "ND": (4, 2), "MN": (5, 2), "IL": (6, 2), "MI": (7, 2), "NY": (9, 2),
    "MA": (10, 2),
    "OR": (1, 3), "NV": (2, 3), "WY": (3, 3), "SD": (4, 3), "IA": (5, 3), "IN": (6, 3), "OH": (7, 3), "PA": (8, 3),
    "NJ": (9, 3), "CT": (10, 3), "RI": (11, 3),
    "CA": (1, 4), "UT": (2, 4), "CO": (3, 4), "NE": (4, 4), "MO": (5, 4), "KY": (6, 4), "WV": (7, 4), "VA": (8, 4),
    "MD": (9, 4), "DE": (10, 4),
    "AZ": (2, 5), "NM": (3, 5), "KS": (4, 5), "AR": (5, 5), "TN": (6, 5), "NC": (7, 5), "SC": (8, 5), "DC": (9, 5),
    "OK": (4, 6), "LA": (5, 6), "MS": (6, 6), "AL": (7, 6), "GA": (8, 6),
    "HI": (0, 7), "TX": (4, 7), "FL": (9, 7),
}

# ISO 3166-1 alpha-2 code → (latitude, longitude) of roughly the middle of the country.
COUNTRIES: dict[str, tuple[float, float]] = {
    "US": (39, -98), "CA": (57, -100), "MX": (23, -102), "GT": (15, -90), "CU": (22, -79), "CO": (4, -73),
    "VE": (7, -66), "EC": (-1, -78), "PE": (-10, -75), "BR": (-10, -52), "BO": (-17, -64), "PY": (-23, -58),
    "CL": (-33, -71), "AR": (-35, -65), "UY": (-33, -56), "GB": (54, -2), "IE": (53, -8), "IS": (65, -18),
    "NO": (62, 10), "SE": (62, 16), "FI": (64, 26), "DK": (56, 10), "NL": (52, 5), "BE": (50, 4), "LU": (49.7, 6),
    "FR": (46, 2), "ES": (40, -4), "PT": (39.5, -8), "DE": (51, 10), "CH": (46.8, 8), "AT": (47.5, 14),
    "IT": (42.5, 12.5), "PL": (52, 19), "CZ": (49.8, 15.5), "SK": (48.7, 19.5), "HU": (47, 19.5), "RO": (46, 25),
    "BG": (42.7, 25), "GR": (39, 22), "RS": (44, 21), "HR": (45, 16), "UA": (49, 32), "BY": (53.5, 28),
    "LT": (55.5, 24), "LV": (57, 25), "EE": (59, 26), "RU": (61, 100), "TR": (39, 35), "IL": (31, 35),
    "SA": (24, 45), "AE": (24, 54), "IR": (32, 53), "EG": (27, 30), "MA": (32, -6), "DZ": (28, 2), "TN": (34, 9),
    "NG": (9, 8), "GH": (8, -1), "SN": (14, -14), "KE": (0, 38), "ET": (9, 39), "TZ": (-6, 35), "ZA": (-29, 24),
    "AO": (-12, 18), "CD": (-3, 23), "IN": (22, 79), "PK": (30, 70), "BD": (24, 90), "LK": (7.8, 80.7),
    "CN": (35, 104), "MN": (46, 104), "KR": (36, 128), "JP": (36, 138), "TW": (23.7, 121), "PH": (12, 122),
    "VN": (16, 107), "TH": (15, 101), "MY": (4, 102), "SG": (1.35, 103.8), "ID": (-2, 118), "AU": (-25, 134),
    "NZ": (-41, 174), "KZ": (48, 67),
}


def world_tiles(step: float = 7.0) -> dict[str, tuple[int, int]]:
    """Each country's cell in a grid of `step` degrees: where its middle falls, or the nearest free cell."""
    taken: dict[tuple[int, int], str] = {}
    out: dict[str, tuple[int, int]] = {}
    # Larger countries first keep their own cell; the small neighbours around them move aside.
    for code, (lat, lng) in COUNTRIES.items():
        want = (round((lng + 180) / step), round((90 - lat) / step))
        cell = _nearest_free(want, taken)
        taken[cell] = code
        out[code] = cell
    return out


def _nearest_free(want: tuple[int, int], taken: dict[tuple[int, int], str]) -> tuple[int, int]:
    for radius in range(10):
        ring = [(want[0] + dx, want[1] + dy) for dx in range(-radius, radius + 1) for dy in range(-radius, radius + 1)
                if max(abs(dx), abs(dy)) == radius]
        for cell in sorted(ring, key=lambda c: (abs(c[0] - want[0]) + abs(c[1] - want[1]), c[1], c[0])):
            if cell not in taken:
                return cell
    raise ValueError("no free cell near the country")
