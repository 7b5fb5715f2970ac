"""The fonts of an SVG: each text's font-family list, and (``[export.svg] fonts = "embed"``) the faces themselves.

``reference`` (the default) names a text's family, then the generic family it
resembles (``'Lato', sans-serif``): a page shows it in that font where the
reader has it installed, else in the generic one.

``embed`` also puts every face the scene draws with into the document, so it
shows the same glyphs everywhere: the face :func:`~layerize.render.style_face`
picks for each span (only catalogued font files are ever opened: a scene is
untrusted) is cut to the characters it draws (``fontTools.subset`` with fixed
options), saved as WOFF2 (brotli) and declared in a ``<style>`` by one
``@font-face`` under a family of its own, ``lz-<postscript name>``, with the
face's weight and style as descriptors. Each text names that family first, then
its real family and the generic one, so a renderer without web fonts (resvg)
still finds the installed family. A face whose licence forbids embedding (OS/2
``fsType`` "restricted") is only named, with a warning. The same scene gives the
same bytes: subsetting keeps no timestamp and brotli is deterministic.
"""

from __future__ import annotations

import base64
import io
import logging
import re
from collections.abc import Mapping
from functools import lru_cache

from fontTools.ttLib import TTFont

from layerize.fonts import FontFace
from layerize.render import line_spans, style_face
from layerize.scene import Scene, TextStyle

from ._common import span_family

log = logging.getLogger("layerize")

EMBEDDED_PREFIX = "lz-"
"""What the family name of an embedded face starts with."""
RESTRICTED_LICENCE = 0x0002
"""OS/2 ``fsType`` "restricted licence embedding": the font may not be embedded in a document."""
SUBSET_CACHE_SIZE = 64
"""Subsets kept by face and characters: a scene exported again (or in many languages) cuts each face once."""


def font_family_list(family: str) -> str:
    """A CSS font-family list: ``family`` then the generic family it resembles."""
    name = family.casefold()
    if "mono" in name:
        generic = "monospace"
    elif "serif" in name and "sans" not in name:
        generic = "serif"
    else:
        generic = "sans-serif"
    return f"'{family}', {generic}"


def faces_used(scene: Scene) -> dict[FontFace, str]:
    """Every face the scene's text is drawn with and the characters it draws (sorted), in scene order."""
    chars: dict[FontFace, set[str]] = {}
    for block in scene.texts:
        for line in block.lines:
            for text, style in line_spans(block, line):
                chars.setdefault(style_face(style), set()).update(text)
    return {face: "".join(sorted(used)) for face, used in chars.items()}


@lru_cache(maxsize=SUBSET_CACHE_SIZE)
def woff2_subset(path: str, index: int, text: str) -> bytes | None:
    """The font at ``path`` (``index`` in a collection) cut to the glyphs of ``text``, as WOFF2; None when its
    licence forbids embedding."""
    from fontTools import subset  # only here: a slow import, for the web preset's embedded fonts

    font = TTFont(path, fontNumber=index, recalcTimestamp=False)
    if "OS/2" in font and font["OS/2"].fsType & 0x000F == RESTRICTED_LICENCE:
        return None
    options = subset.Options(flavor="woff2", hinting=False, desubroutinize=True)
    options.drop_tables.append("FFTM")  # FontForge's timestamps
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    out = io.BytesIO()
    subset.save_font(font, out, options)
    return out.getvalue()


def embedded_family(face: FontFace, taken: set[str]) -> str:
    """The family an embedded face is declared under: ``lz-`` and its PostScript name (CSS-safe, unique)."""
    base = EMBEDDED_PREFIX + re.sub(r"[^A-Za-z0-9_-]", "-", face.postscript)
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}-{n}"
    return name


def font_face_rule(family: str, face: FontFace, woff2: bytes) -> str:
    """The ``@font-face`` declaring ``woff2`` (a subset of ``face``) as ``family``."""
    data = base64.b64encode(woff2).decode("ascii")
    return (f"@font-face {{ font-family: '{family}'; src: url(data:font/woff2;base64,{data}) format('woff2'); "
            f"font-weight: {face.weight}; font-style: {'italic' if face.italic else 'normal'}; }}")


class FontFamilies:
    """The font-family lists of one document's text, and the style sheet declaring its embedded faces.

    ``embedded`` maps each embedded face to its family name; ``css`` holds
    their ``@font-face`` rules (empty when nothing is embedded).
    """

    def __init__(self, embedded: Mapping[FontFace, str] | None = None, css: str = "") -> None:
        self.embedded = dict(embedded or {})
        self.css = css

    @classmethod
    def embedding(cls, scene: Scene) -> FontFamilies:
        """Families for ``scene`` with every face its text draws with embedded (see the module's notes)."""
        names: dict[FontFace, str] = {}
        rules = []
        for face, text in faces_used(scene).items():
            woff2 = woff2_subset(face.path, face.index, text)
            if woff2 is None:
                log.warning("svg: %s is not embedded (its licence restricts embedding); the text names its family",
                            face.postscript)
                continue
            names[face] = embedded_family(face, set(names.values()))
            rules.append(font_face_rule(names[face], face, woff2))
        return cls(names, "\n".join(rules))

    def of(self, block: TextStyle, style: TextStyle) -> str:
        """The font-family list of a span styled ``style`` in a block styled ``block``: its embedded face's
        family if any, then its family (see :func:`~._common.span_family`) and the generic one."""
        listed = font_family_list(span_family(block, style))
        name = self.embedded.get(style_face(style))
        return listed if name is None else f"'{name}', {listed}"
