"""Grids: the cells of a chart's grid or a table's rules are one surface seen through the rules, not shapes.

Flat regions are parted by every edge, so the gridlines of a chart cut the
page (and a band drawn under them) into dozens of rectangles, each of which
would become a shape of its own, drawn a little off its rules. Regions of
one colour that face each other across a rule (a thin line not of the
page's colour) are joined when each faces at least two such neighbours: a
cell of a lattice does, a card with a border on the page faces only the
page, and bars parted by gaps of the page's colour are parted by no rule.
"""

from __future__ import annotations

import cv2
import numpy as np

from ..primitives.groups import joined_groups
from .base import SAME_COLOR, relabelled

RULE_WIDTH = 3
"""Widest rule (px) that may part two cells of one grid."""
RULE_CONTACT = 6
"""Fewest pixels along which two cells must face each other across a rule."""
RULE_CONTRAST = 16.0
"""Least difference (0-255, largest channel) of a rule's most distinct pixel from the cells and from the page."""
CELL_NEIGHBOURS = 2
"""Fewest cells of its colour a region must face across rules to be a cell of a grid."""


def _facing(labels: np.ndarray, image: np.ndarray) -> tuple[np.ndarray, ...]:
    """Pairs of regions facing each other across at most :data:`RULE_WIDTH` unflat pixels, left to right and
    top to bottom, one row per contact: the two labels, the colours of the two pixels facing each other and
    that of the gap's middle pixel."""
    found: list[list[np.ndarray]] = [[], [], [], [], []]
    for grid, pixels in ((labels, image), (labels.T, np.swapaxes(image, 0, 1))):
        rows, cols = np.nonzero((grid[:, :-1] > 0) & (grid[:, 1:] == 0))  # a region's last pixel before an edge
        for step in range(2, RULE_WIDTH + 2):  # the pixels before ``step`` are all unflat
            ahead = cols + step
            inside = ahead < grid.shape[1]
            rows, cols, ahead = rows[inside], cols[inside], ahead[inside]
            there, here = grid[rows, ahead], grid[rows, cols]
            hit = (there > 0) & (there != here)
            r, c = rows[hit], cols[hit]
            facing = (here[hit], there[hit], pixels[r, c], pixels[r, c + step], pixels[r, c + step // 2])
            for into, values in zip(found, facing):
                into.append(values)
            rows, cols = rows[there == 0], cols[there == 0]
    first, second, *colours = (np.concatenate(values) for values in found)
    return (first, second, *(values.astype(np.float64) for values in colours))


def joined_across_rules(image: np.ndarray, labels: np.ndarray, stats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``labels`` and ``stats`` with the cells of each grid (see the module's docstring) joined into one region,
    labelled by the lowest of theirs, its stats summed. A region's colour is read where it faces the other
    (flat pixels lie within the edge threshold of their region's colour)."""
    count = len(stats)
    if count < 3:
        return labels, stats
    largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    paper = image.reshape(-1, 3)[int(np.argmax(labels.ravel() == largest))].astype(np.float64)
    first, second, near, far, middle = _facing(labels, image)
    keep = ((np.abs(near - far).max(axis=1) <= SAME_COLOR) & (np.abs(middle - near).max(axis=1) >= RULE_CONTRAST)
            & (np.abs(middle - paper).max(axis=1) >= RULE_CONTRAST))
    low, high = np.minimum(first[keep], second[keep]), np.maximum(first[keep], second[keep])
    keys, contacts = np.unique(low.astype(np.int64) * count + high, return_counts=True)
    keys = keys[contacts >= RULE_CONTACT]
    pairs = np.stack([keys // count, keys % count], axis=1)
    if not len(pairs):
        return labels, stats
    degree = np.bincount(pairs.ravel(), minlength=count)
    cells = pairs[(degree[pairs[:, 0]] >= CELL_NEIGHBOURS) & (degree[pairs[:, 1]] >= CELL_NEIGHBOURS)]
    return relabelled(labels, stats, joined_groups(count, ((int(a), int(b)) for a, b in cells)))
