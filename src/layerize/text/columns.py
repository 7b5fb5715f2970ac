"""CJK text: vertical columns recognised as such and joined where the OCR detector split them, and the
spacing and parentheses of Chinese and Japanese set as those scripts set them."""

from __future__ import annotations

import re

from .ocr import OcrLine


def is_cjk_char(ch: str) -> bool:
    """Kana, CJK ideographs, Hangul, CJK punctuation and full-width forms: characters set upright in columns."""
    return "\u3000" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af" or "\uff00" <= ch <= "\uffef"


def is_cjk(text: str) -> bool:
    return any(is_cjk_char(ch) for ch in text)


UNSPACED = "[\u3000-\u9fff\uff00-\uffef]"
"""Kana, CJK ideographs and full-width forms: scripts set without word spaces (Hangul has them)."""
CJK_PARENTHESES = re.compile(rf"\s*\(({UNSPACED}+)\)\s*")
"""Parentheses around Chinese or Japanese characters alone, with the spaces OCR reads around them."""


def full_width_parentheses(text: str) -> str:
    """``text`` with the parentheses around Chinese or Japanese words set full width, as those scripts set
    them ("(推荐)" → "（推荐）"; their em-wide glyphs hold their own spacing, so the spaces OCR read beside
    them go); parentheses around Latin words or digits stay as they are."""
    return CJK_PARENTHESES.sub(lambda m: f"\uff08{m.group(1)}\uff09", text).strip() if "(" in text else text


def without_tracking_spaces(text: str) -> str:
    """``text`` without the spaces OCR reads between Chinese or Japanese characters set wide apart ("香 供"):
    when every word is one such character, the gaps are letter-spacing, not word breaks (a space between
    phrases, "核心 概念", and spaces beside Latin words or digits stay)."""
    words = text.split()
    if len(words) >= 2 and all(re.fullmatch(UNSPACED, word) for word in words):
        return "".join(words)
    return text


def is_column(line: OcrLine) -> bool:
    """Whether an OCR line is a vertical column of CJK characters: all CJK, its box tall, about an em each."""
    chars = [ch for ch in line.text if not ch.isspace()]
    x0, y0, x1, y1 = line.box
    width, height = x1 - x0, y1 - y0
    return (len(chars) >= 2 and all(is_cjk_char(ch) for ch in chars)
            and height >= 1.5 * width and height >= 0.6 * len(chars) * width)


def _stacked(upper: OcrLine, lower: OcrLine) -> OcrLine | None:
    """``upper`` and ``lower`` as one column when they are consecutive pieces of one; else None."""
    ux0, uy0, ux1, uy1 = upper.box
    lx0, ly0, lx1, ly1 = lower.box
    narrow, wide = sorted((ux1 - ux0, lx1 - lx0))
    if narrow <= 0 or wide > 1.5 * narrow or min(ux1, lx1) - max(ux0, lx0) < 0.6 * narrow:
        return None
    if not -0.45 * wide <= ly0 - uy1 <= 0.8 * wide:  # detector boxes of one column often overlap
        return None
    x0, x1, y0, y1 = min(ux0, lx0), max(ux1, lx1), uy0, max(uy1, ly1)
    joined = OcrLine(upper.text.strip() + lower.text.strip(), ((x0, y0), (x1, y0), (x1, y1), (x0, y1)),
                     min(upper.score, lower.score))
    return joined if is_column(joined) else None


def join_columns(lines: list[OcrLine]) -> list[OcrLine]:
    """OCR pieces of one vertical CJK column joined top to bottom (detectors often split a column)."""
    joined: list[OcrLine] = []
    for line in sorted(lines, key=lambda item: (item.box[1], item.box[0])):
        for i, column in enumerate(joined):
            merged = _stacked(column, line)
            if merged is not None:
                joined[i] = merged
                break
        else:
            joined.append(line)
    return joined

