"""Layer effects: the ``lfx2`` block holding a type layer's stroke, drop shadow and gradient overlay.

Photoshop draws these over the layer's own pixels, which hold only the glyphs
in their fill colour (:func:`without_effects`). Effects live in canvas space:
their angles are counter-clockwise from pointing right, and nothing turns
with the text's transform. Scene values map as follows:

* stroke: an outside stroke of ``width_px`` pixels;
* drop shadow: the light comes from ``atan2(dy, -dx)`` (the shadow falls
  opposite), ``hypot(dx, dy)`` pixels away, its size twice the Gaussian
  ``blur_px``, blended normally as :func:`layerize.render.render_block` draws it;
* gradient: a linear overlay aligned to the layer's box, its clockwise
  text-frame angle turned by the text's rotation and counted counter-clockwise.
"""

from __future__ import annotations

import math
from typing import Any

from psd_tools.constants import Tag
from psd_tools.psd.descriptor import Bool, Descriptor, DescriptorBlock2, Double, List, String
from psd_tools.psd.tagged_blocks import TaggedBlock
from psd_tools.terminology import Unit

from layerize.scene import Gradient, TextBlock, TextShadow, TextStroke

from .descriptors import color_descriptor, descriptor, enum, gradient_angle, gradient_descriptor, unit

SHADOW_SIZE_PER_SIGMA = 2.0
"""Photoshop's shadow size, in pixels, per pixel of the Gaussian's standard deviation."""


def without_effects(block: TextBlock) -> TextBlock:
    """``block`` as its layer's own pixels show it: the glyphs in their fill colour, no effects."""
    plain = block.style.model_copy(update={"gradient": None, "stroke": None, "shadow": None})
    return block.model_copy(update={"style": plain})


def has_effects(block: TextBlock) -> bool:
    """Whether the block's style asks for a stroke, a drop shadow or a gradient."""
    style = block.style
    return style.stroke is not None or style.shadow is not None or style.gradient is not None


def _listed() -> dict[str, Any]:
    """What every effect entry starts with: enabled, in the list, shown in the dialog."""
    return {"enab": Bool(True), "present": Bool(True), "showInDialog": Bool(True)}


def _stroke(stroke: TextStroke) -> Descriptor:
    """``FrFX``: a solid outside stroke."""
    return descriptor(b"FrFX", {
        **_listed(),
        "Styl": enum(b"FStl", b"OutF"),
        "PntT": enum(b"FrFl", b"SClr"),
        "Md  ": enum(b"BlnM", b"Nrml"),
        "Opct": unit(100.0, Unit.Percent),
        "Sz  ": unit(stroke.width_px, Unit.Pixels),
        "Clr ": color_descriptor(stroke.color),
        "overprint": Bool(False),
    })


def _linear_contour() -> Descriptor:
    """The straight transfer curve a shadow's edge fades along."""
    points = [descriptor(b"CrPt", {"Hrzn": Double(v), "Vrtc": Double(v)}) for v in (0.0, 255.0)]
    return descriptor(b"ShpC", {"Nm  ": String("Linear"), "Crv ": List(points)})


def _drop_shadow(shadow: TextShadow) -> Descriptor:
    """``DrSh``: the shadow's colour and opacity, its own light angle, distance and blur size."""
    return descriptor(b"DrSh", {
        **_listed(),
        "Md  ": enum(b"BlnM", b"Nrml"),
        "Clr ": color_descriptor(shadow.color),
        "Opct": unit(shadow.opacity * 100, Unit.Percent),
        "uglg": Bool(False),
        "lagl": unit(math.degrees(math.atan2(shadow.dy, -shadow.dx)), Unit.Angle),
        "Dstn": unit(math.hypot(shadow.dx, shadow.dy), Unit.Pixels),
        "Ckmt": unit(0.0, Unit.Pixels),
        "blur": unit(SHADOW_SIZE_PER_SIGMA * shadow.blur_px, Unit.Pixels),
        "Nose": unit(0.0, Unit.Percent),
        "AntA": Bool(False),
        "TrnS": _linear_contour(),
        "layerConceals": Bool(True),
    })


def _gradient_overlay(gradient: Gradient, rotation: float) -> Descriptor:
    """``GrFl``: a linear gradient over the glyphs, aligned to the layer's box."""
    offset = descriptor(b"Pnt ", {"Hrzn": unit(0.0, Unit.Percent), "Vrtc": unit(0.0, Unit.Percent)})
    return descriptor(b"GrFl", {
        **_listed(),
        "Md  ": enum(b"BlnM", b"Nrml"),
        "Opct": unit(100.0, Unit.Percent),
        "Grad": gradient_descriptor(gradient),
        "Angl": unit(gradient_angle(gradient, rotation), Unit.Angle),
        "Type": enum(b"GrdT", b"Lnr "),
        "Rvrs": Bool(False),
        "Dthr": Bool(False),
        "Algn": Bool(True),
        "Scl ": unit(100.0, Unit.Percent),
        "Ofst": offset,
    })


def effects_block(block: TextBlock) -> TaggedBlock:
    """The ``lfx2`` block of ``block``'s effects, in Photoshop's order (shadow, overlay, stroke)."""
    style = block.style
    fx = DescriptorBlock2(version=0, classID=b"null")
    fx[b"Scl "] = unit(100.0, Unit.Percent)
    fx[b"masterFXSwitch"] = Bool(True)
    if style.shadow is not None:
        fx[b"DrSh"] = _drop_shadow(style.shadow)
    if style.gradient is not None:
        fx[b"GrFl"] = _gradient_overlay(style.gradient, block.rotation)
    if style.stroke is not None:
        fx[b"FrFX"] = _stroke(style.stroke)
    return TaggedBlock(key=Tag.OBJECT_BASED_EFFECTS_LAYER_INFO, data=fx)
