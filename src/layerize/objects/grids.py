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


def _facing(labels: np.ndarray, image: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs of regions facing each other across at most :data:`RULE_WIDTH` unflat pixels, left to right and
    top to bottom: the two labels and the colour of the gap's middle pixel, one row per contact."""
    firsts, seconds, middles = [], [], []
    for grid, pixels in ((labels, image), (labels.T, image.transpose(1, 0, 2))):
        for step in range(2, RULE_WIDTH + 2):
            a, b = grid[:, :-step], grid[:, step:]
            gap = np.ones(a.shape, bool)
            for k in range(1, step):
                gap &= grid[:, k:grid.shape[1] - step + k] == 0
            hit = gap & (a > 0) & (b > 0) & (a != b)
            rows, cols = np.nonzero(hit)
            firsts.append(a[rows, cols])
            seconds.append(b[rows, cols])
            middles.append(pixels[rows, cols + step // 2])
    return np.concatenate(firsts), np.concatenate(seconds), np.concatenate(middles).astype(np.float64)


def joined_across_rules(image: np.ndarray, labels: np.ndarray, stats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``labels`` and ``stats`` with the cells of each grid (see the module's docstring) joined into one region,
    labelled by the lowest of theirs, its stats summed."""
    count = len(stats)
    if count < 3:
        return labels, stats
    area = np.maximum(stats[:, cv2.CC_STAT_AREA], 1).astype(np.float64)
    colors = np.stack([np.bincount(labels.ravel(), weights=image[..., c].ravel().astype(np.float64),
                                   minlength=count) / area for c in range(3)], axis=1)
    paper = colors[1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))]
    first, second, middle = _facing(labels, image)
    same = np.abs(colors[first] - colors[second]).max(axis=1) <= SAME_COLOR
    ruled = (np.abs(middle - colors[first]).max(axis=1) >= RULE_CONTRAST) & (
        np.abs(middle - paper).max(axis=1) >= RULE_CONTRAST)
    keep = same & ruled
    pairs, contacts = np.unique(np.sort(np.stack([first[keep], second[keep]], axis=1), axis=1), axis=0,
                                return_counts=True)
    pairs = pairs[contacts >= RULE_CONTACT]
    if not len(pairs):
        return labels, stats
    degree = np.bincount(pairs.ravel(), minlength=count)
    cells = pairs[(degree[pairs[:, 0]] >= CELL_NEIGHBOURS) & (degree[pairs[:, 1]] >= CELL_NEIGHBOURS)]
    return relabelled(labels, stats, joined_groups(count, ((int(a), int(b)) for a, b in cells)))
