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
from psd_tools.psd.descriptor import (
    Bool,
    Descriptor,
    DescriptorBlock2,
    Double,
    Enumerated,
    Integer,
    List,
    String,
    UnitFloat,
)
from psd_tools.psd.tagged_blocks import TaggedBlock
from psd_tools.terminology import Unit

from layerize.scene import Gradient, TextBlock, TextShadow, TextStroke

from .shapes import color_descriptor

GRADIENT_SAMPLES = 4096
"""Where a gradient's stop locations end (Photoshop's ``Intr``)."""

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


def _object(class_id: bytes, items: dict[str, Any]) -> Descriptor:
    """A descriptor of class ``class_id`` holding ``items`` in order."""
    return Descriptor(classID=class_id, items={key.encode("ascii"): value for key, value in items.items()})


def _enum(type_id: bytes, value: bytes) -> Enumerated:
    return Enumerated(typeID=type_id, enum=value)


def _unit(value: float, unit: Unit) -> UnitFloat:
    return UnitFloat(value=value, unit=unit)


def _listed() -> dict[str, Any]:
    """What every effect entry starts with: enabled, in the list, shown in the dialog."""
    return {"enab": Bool(True), "present": Bool(True), "showInDialog": Bool(True)}


def _stroke(stroke: TextStroke) -> Descriptor:
    """``FrFX``: a solid outside stroke."""
    return _object(b"FrFX", {
        **_listed(),
        "Styl": _enum(b"FStl", b"OutF"),
        "PntT": _enum(b"FrFl", b"SClr"),
        "Md  ": _enum(b"BlnM", b"Nrml"),
        "Opct": _unit(100.0, Unit.Percent),
        "Sz  ": _unit(stroke.width_px, Unit.Pixels),
        "Clr ": color_descriptor(stroke.color),
        "overprint": Bool(False),
    })


def _linear_contour() -> Descriptor:
    """The straight transfer curve a shadow's edge fades along."""
    points = [_object(b"CrPt", {"Hrzn": Double(v), "Vrtc": Double(v)}) for v in (0.0, 255.0)]
    return _object(b"ShpC", {"Nm  ": String("Linear"), "Crv ": List(points)})


def _drop_shadow(shadow: TextShadow) -> Descriptor:
    """``DrSh``: the shadow's colour and opacity, its own light angle, distance and blur size."""
    return _object(b"DrSh", {
        **_listed(),
        "Md  ": _enum(b"BlnM", b"Nrml"),
        "Clr ": color_descriptor(shadow.color),
        "Opct": _unit(shadow.opacity * 100, Unit.Percent),
        "uglg": Bool(False),
        "lagl": _unit(math.degrees(math.atan2(shadow.dy, -shadow.dx)), Unit.Angle),
        "Dstn": _unit(math.hypot(shadow.dx, shadow.dy), Unit.Pixels),
        "Ckmt": _unit(0.0, Unit.Pixels),
        "blur": _unit(SHADOW_SIZE_PER_SIGMA * shadow.blur_px, Unit.Pixels),
        "Nose": _unit(0.0, Unit.Percent),
        "AntA": Bool(False),
        "TrnS": _linear_contour(),
        "layerConceals": Bool(True),
    })


def _gradient(gradient: Gradient) -> Descriptor:
    """``Grad``: two colour stops (start, end) and two opaque opacity stops."""
    ends = ((gradient.start, 0), (gradient.end, GRADIENT_SAMPLES))
    colors = [_object(b"Clrt", {"Clr ": color_descriptor(color), "Type": _enum(b"Clry", b"UsrS"),
                                "Lctn": Integer(at), "Mdpn": Integer(50)}) for color, at in ends]
    opacities = [_object(b"TrnS", {"Opct": _unit(100.0, Unit.Percent), "Lctn": Integer(at), "Mdpn": Integer(50)})
                 for _, at in ends]
    return _object(b"Grdn", {"Nm  ": String("Custom"), "GrdF": _enum(b"GrdF", b"CstS"),
                             "Intr": Double(float(GRADIENT_SAMPLES)), "Clrs": List(colors), "Trns": List(opacities)})


def overlay_angle(gradient: Gradient, rotation: float) -> float:
    """The overlay's Photoshop angle, in -180..180: counter-clockwise, the text's rotation added."""
    return (rotation - gradient.angle + 180) % 360 - 180


def _gradient_overlay(gradient: Gradient, rotation: float) -> Descriptor:
    """``GrFl``: a linear gradient over the glyphs, aligned to the layer's box."""
    offset = _object(b"Pnt ", {"Hrzn": _unit(0.0, Unit.Percent), "Vrtc": _unit(0.0, Unit.Percent)})
    return _object(b"GrFl", {
        **_listed(),
        "Md  ": _enum(b"BlnM", b"Nrml"),
        "Opct": _unit(100.0, Unit.Percent),
        "Grad": _gradient(gradient),
        "Angl": _unit(overlay_angle(gradient, rotation), Unit.Angle),
        "Type": _enum(b"GrdT", b"Lnr "),
        "Rvrs": Bool(False),
        "Dthr": Bool(False),
        "Algn": Bool(True),
        "Scl ": _unit(100.0, Unit.Percent),
        "Ofst": offset,
    })


def effects_block(block: TextBlock) -> TaggedBlock:
    """The ``lfx2`` block of ``block``'s effects, in Photoshop's order (shadow, overlay, stroke)."""
    style = block.style
    fx = DescriptorBlock2(version=0, classID=b"null")
    fx[b"Scl "] = _unit(100.0, Unit.Percent)
    fx[b"masterFXSwitch"] = Bool(True)
    if style.shadow is not None:
        fx[b"DrSh"] = _drop_shadow(style.shadow)
    if style.gradient is not None:
        fx[b"GrFl"] = _gradient_overlay(style.gradient, block.rotation)
    if style.stroke is not None:
        fx[b"FrFX"] = _stroke(style.stroke)
    return TaggedBlock(key=Tag.OBJECT_BASED_EFFECTS_LAYER_INFO, data=fx)
