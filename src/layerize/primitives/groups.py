"""Groups of items joined pair by pair (union-find)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


def joined_groups(count: int, pairs: Iterable[tuple[int, int]]) -> np.ndarray:
    """For each of ``count`` items, the smallest item of its group, where each of ``pairs`` joins the groups of
    its two items."""
    parent = np.arange(count)

    def root(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return int(a)

    for a, b in pairs:
        ra, rb = root(a), root(b)
        parent[max(ra, rb)] = min(ra, rb)
    return np.array([root(a) for a in range(count)], dtype=np.int64)
