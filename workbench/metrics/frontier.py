"""The cost-quality frontier of a set of configurations: the non-decreasing upper convex
hull of their (cost, quality) points, the best quality reachable at each cost by mixing
configurations. Used by the replay's AIQ and drawn by `workbench.viz.frontier`."""

from __future__ import annotations

import numpy as np


def nondecreasing_hull(cost: np.ndarray, quality: np.ndarray) -> np.ndarray:
    """Vertices (cost, quality) of the upper convex hull of the points, cut at its highest
    point: the best quality reachable by mixing configurations at each cost."""
    points = np.unique(np.column_stack([cost, quality]), axis=0)  # sorted by cost, quality
    points = points[~np.isnan(points).any(axis=1)]
    hull: list[np.ndarray] = []
    for p in points:
        while len(hull) >= 2:
            (x1, y1), (x2, y2) = hull[-2], hull[-1]
            if (x2 - x1) * (p[1] - y1) - (y2 - y1) * (p[0] - x1) >= 0:
                hull.pop()  # hull[-1] lies on or below the segment hull[-2] -> p
            else:
                break
        hull.append(p)
    if not hull:
        return np.empty((0, 2))
    arr = np.array(hull)
    top = int(np.argmax(arr[:, 1]))
    return arr[: top + 1]
