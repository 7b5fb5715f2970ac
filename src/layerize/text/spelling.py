"""A recognised line's string squared with its ink: the dash OCR read where the ink shows none dropped, the
word spaces it dropped between tracked letters put back, and Chinese and Japanese spacing and parentheses
set as those scripts set them (:mod:`.columns`)."""

from __future__ import annotations

import numpy as np

from .columns import full_width_parentheses, without_tracking_spaces


def as_inked(text: str, upright: np.ndarray) -> str:
    """``text``, recognised from a level line whose ink crop is ``upright``, squared with that ink."""
    text = full_width_parentheses(without_tracking_spaces(without_missing_dashes(text.strip(), upright)))
    return restore_spaces(text, upright)


def ink_runs(upright: np.ndarray) -> list[tuple[int, int]]:
    """The runs of inked columns of a level line's ink crop, as (start, end) column ranges, left to right."""
    columns = np.concatenate([[False], (upright > 0.5).any(axis=0), [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(columns))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2])]


DASHES = "-‐‑‒–—−"
"""Hyphen, dashes and the minus sign."""
DASH_THIN = 0.4
"""A dash's ink is at most this share of the line's ink height tall."""


def without_missing_dashes(text: str, upright: np.ndarray) -> str:
    """``text`` without a leading or trailing dash where its ink shows none: a tick mark beside an axis label,
    left out of the ink (see :data:`RULE_TICK_THIN`), that OCR read as a minus sign."""
    runs = ink_runs(upright)
    if len(text) < 2 or len(runs) < 2:
        return text

    def dash(run: tuple[int, int]) -> bool:
        rows = np.flatnonzero((upright[:, run[0]:run[1]] > 0.5).any(axis=1))
        tall = rows[-1] - rows[0] + 1 if len(rows) else 0
        return tall <= DASH_THIN * upright.shape[0] and run[1] - run[0] >= tall
    if text[0] in DASHES and not dash(runs[0]):
        text = text[1:].lstrip()
    if len(text) >= 2 and text[-1] in DASHES and not dash(runs[-1]):
        text = text[:-1].rstrip()
    return text


TRACKED_GAP = 0.15
"""Median gap between letters, relative to the ink height, from which a line counts as tracked."""


def restore_spaces(text: str, upright: np.ndarray) -> str:
    """``text`` with the word spaces OCR dropped between widely tracked letters put back.

    Applies only to tracked lines whose every non-space character is one run
    of inked columns (as with spaced capitals); a gap much wider than the
    letter gaps, where the text has no space, gets one.
    """
    runs = ink_runs(upright)
    starts, ends = [a for a, _ in runs], [b for _, b in runs]
    glyphs = [ch for ch in text if not ch.isspace()]
    if len(starts) != len(glyphs) or len(glyphs) < 4:
        return text
    gaps = np.array([s - e for s, e in zip(starts[1:], ends[:-1])], float)
    letter_gap = float(np.median(gaps))
    if letter_gap < TRACKED_GAP * upright.shape[0]:
        return text  # not tracked: the recogniser sees word spaces itself
    wide = gaps > 1.8 * letter_gap
    words, out = text.split(), []
    position = 0
    for word in words:
        for i, ch in enumerate(word):
            out.append(ch)
            if position < len(wide) and wide[position] and i < len(word) - 1:
                out.append(" ")
            position += 1
        out.append(" ")
    return "".join(out).strip()

