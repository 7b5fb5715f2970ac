"""Which script a text is written in, and a face that covers it in its block's style.

A replacement text may be in another script than the face its block was
matched to (a Latin poster translated into Arabic, Chinese or Hebrew). The
block then keeps its style but takes another face: the one, among the
families preferred for that script and a few broad ones, that has a glyph for
every character, in the same serif or sans design, closest in weight and
slant. When no face covers everything, the one missing the fewest characters.
"""

from __future__ import annotations

import unicodedata

from ..fonts import FontFace, catalogue, cjk_language, codepoints
from ..render import style_face
from ..scene import TextStyle

SCRIPTS = ("latin", "cyrillic", "greek", "arabic", "hebrew", "cjk")
RTL_SCRIPTS = ("arabic", "hebrew")
RANGES: tuple[tuple[int, int, str], ...] = (
    (0x0370, 0x03FF, "greek"), (0x1F00, 0x1FFF, "greek"),
    (0x0400, 0x052F, "cyrillic"), (0x2DE0, 0x2DFF, "cyrillic"), (0xA640, 0xA69F, "cyrillic"),
    (0x0590, 0x05FF, "hebrew"), (0xFB1D, 0xFB4F, "hebrew"),
    (0x0600, 0x06FF, "arabic"), (0x0750, 0x077F, "arabic"), (0x08A0, 0x08FF, "arabic"),
    (0xFB50, 0xFDFF, "arabic"), (0xFE70, 0xFEFF, "arabic"),
    (0x1100, 0x11FF, "cjk"), (0x2E80, 0x2FDF, "cjk"), (0x3000, 0x303F, "cjk"), (0x3040, 0x30FF, "cjk"),
    (0x3130, 0x318F, "cjk"), (0x31F0, 0x31FF, "cjk"), (0x3400, 0x4DBF, "cjk"), (0x4E00, 0x9FFF, "cjk"),
    (0xAC00, 0xD7AF, "cjk"), (0xF900, 0xFAFF, "cjk"), (0xFF00, 0xFFEF, "cjk"), (0x20000, 0x2FA1F, "cjk"),
)
"""Unicode blocks of the scripts handled apart from Latin (CJK: Han, kana, Hangul and their punctuation)."""

PREFERRED: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "arabic": (("Noto Sans Arabic", "Noto Kufi Arabic", "DejaVu Sans"), ("Noto Naskh Arabic", "Noto Sans Arabic")),
    "hebrew": (("Noto Sans Hebrew", "DejaVu Sans"), ("Noto Serif Hebrew", "Noto Sans Hebrew")),
    "cjk": (("Noto Sans CJK {cjk}", "Droid Sans Fallback"), ("Noto Serif CJK {cjk}", "Noto Sans CJK {cjk}")),
}
"""Per script, the (sans, serif) families tried first; ``{cjk}`` is the CJK language tag (SC, JP, KR ...)."""
BROAD = (("DejaVu Sans", "Noto Sans", "Liberation Sans"), ("DejaVu Serif", "Noto Serif", "Liberation Serif"))
"""(sans, serif) families with wide coverage (Latin, Greek, Cyrillic; DejaVu Sans also Arabic and Hebrew)."""
CJK_TAGS = {"zh": "SC", "zh-cn": "SC", "zh-sg": "SC", "zh-hans": "SC", "zh-tw": "TC", "zh-hant": "TC",
            "zh-hk": "HK", "zh-mo": "HK", "ja": "JP", "jp": "JP", "ko": "KR", "kr": "KR"}
"""Language names (case-insensitive, ``_`` read as ``-``) that pick a pan-CJK face's language."""
WEIGHT_SLACK = 150
"""A face this much lighter or heavier than the style comes after the closer ones."""
SERIF_WORDS = ("serif", "roman", "naskh", "bookman", "caladea", "p052", "c059")


def char_script(ch: str) -> str | None:
    """The script of a letter (None for digits, punctuation, spaces and symbols that every script shares)."""
    code = ord(ch)
    for first, last, script in RANGES:
        if first <= code <= last:
            return script if script == "cjk" or unicodedata.category(ch).startswith("L") else None
    return "latin" if unicodedata.category(ch).startswith("L") else None


def text_script(text: str) -> str:
    """The script most of the text's letters are in (``latin`` for a text of no letters)."""
    counts: dict[str, int] = {}
    for ch in text:
        script = char_script(ch)
        if script:
            counts[script] = counts.get(script, 0) + 1
    return max(SCRIPTS, key=lambda s: counts.get(s, 0)) if counts else "latin"


def is_rtl(script: str) -> bool:
    return script in RTL_SCRIPTS


def cjk_tag(text: str, language: str) -> str:
    """The pan-CJK face's language tag for ``text`` in ``language``: named by the language, else kana
    means Japanese and Hangul Korean, else Simplified Chinese."""
    tag = CJK_TAGS.get(language.casefold().replace("_", "-")) or CJK_TAGS.get(language.casefold()[:2])
    return tag or cjk_language(text)


def missing(face: FontFace, text: str) -> int:
    """How many of the text's visible characters ``face`` has no glyph for."""
    chars = codepoints(face)
    return sum(1 for ch in set(text) if not ch.isspace() and unicodedata.category(ch)[0] != "C"
               and ord(ch) not in chars)


def is_serif(family: str) -> bool:
    name = family.casefold()
    return "sans" not in name and any(word in name for word in SERIF_WORDS)


def covering_face(style: TextStyle, text: str, language: str = "") -> FontFace:
    """The face ``text`` is set in with ``style``: the style's own face when it covers the text, else the
    best covering face of the same design (see the module notes)."""
    own = style_face(style)
    if not missing(own, text):
        return own
    script = text_script(text)
    serif = int(is_serif(own.family))
    tag = cjk_tag(text, language)
    families = [f.format(cjk=tag) for f in PREFERRED.get(script, ((), ()))[serif]]
    families += [f.format(cjk=tag) for group in PREFERRED.get(script, ((), ())) for f in group]
    families += [*BROAD[serif], *BROAD[1 - serif]]
    system = catalogue()
    faces = [face for name in dict.fromkeys(families)
             if (face := system.find(name, style.weight, style.italic)) is not None]
    faces.sort(key=lambda f: abs(f.weight - style.weight) > WEIGHT_SLACK)  # stable: the families' order next
    counted = []
    for face in faces:  # the first that covers everything; each face's glyph list is read only when needed
        count = missing(face, text)
        if not count:
            return face
        counted.append((count, face))
    return min(counted, key=lambda c: c[0])[1] if counted else own


def style_for(style: TextStyle, text: str, language: str = "") -> TextStyle:
    """``style`` set in the face that covers ``text`` (unchanged when its own face does)."""
    face = covering_face(style, text, language)
    if face == style_face(style):
        return style
    return style.model_copy(update={"font_family": face.family, "font_postscript": face.postscript,
                                    "font_file": face.path, "font_index": face.index})
