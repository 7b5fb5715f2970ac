"""Action descriptors the PSD layers share: colours, gradients and their angles.

Photoshop keeps fills and effects as descriptors (typed key-value records);
the shape layers' gradient fills (``GdFl``) and the type layers' gradient
overlays (``lfx2``) hold the same ``Grdn`` gradient, built here once.
"""

from __future__ import annotations

from typing import Any

from psd_tools.psd.descriptor import Descriptor, Double, Enumerated, Integer, List, String, UnitFloat
from psd_tools.terminology import Unit

from layerize.primitives.color import hex_to_rgb
from layerize.scene import Gradient

GRADIENT_SAMPLES = 4096
"""Where a gradient's stop locations end (Photoshop's ``Intr``)."""


def descriptor(class_id: bytes, items: dict[str, Any]) -> Descriptor:
    """A descriptor of class ``class_id`` holding ``items`` in order."""
    return Descriptor(classID=class_id, items={key.encode("ascii"): value for key, value in items.items()})


def enum(type_id: bytes, value: bytes) -> Enumerated:
    return Enumerated(typeID=type_id, enum=value)


def unit(value: float, kind: Unit) -> UnitFloat:
    return UnitFloat(value=value, unit=kind)


def color_descriptor(color: str) -> Descriptor:
    """An ``RGBC`` colour descriptor: red, green and blue as 0..255 doubles."""
    result = Descriptor(classID=b"RGBC")
    for key, value in zip((b"Rd  ", b"Grn ", b"Bl  "), hex_to_rgb(color)):
        result[key] = Double(float(value))
    return result


def gradient_descriptor(gradient: Gradient) -> Descriptor:
    """``Grdn``: two colour stops (start, end) and two opaque opacity stops."""
    ends = ((gradient.start, 0), (gradient.end, GRADIENT_SAMPLES))
    colors = [descriptor(b"Clrt", {"Clr ": color_descriptor(color), "Type": enum(b"Clry", b"UsrS"),
                                   "Lctn": Integer(at), "Mdpn": Integer(50)}) for color, at in ends]
    opacities = [descriptor(b"TrnS", {"Opct": unit(100.0, Unit.Percent), "Lctn": Integer(at), "Mdpn": Integer(50)})
                 for _, at in ends]
    return descriptor(b"Grdn", {"Nm  ": String("Custom"), "GrdF": enum(b"GrdF", b"CstS"),
                                "Intr": Double(float(GRADIENT_SAMPLES)), "Clrs": List(colors),
                                "Trns": List(opacities)})


def gradient_angle(gradient: Gradient, rotation: float = 0.0) -> float:
    """A gradient's Photoshop angle, in -180..180: counter-clockwise, turned by ``rotation`` degrees."""
    return (rotation - gradient.angle + 180) % 360 - 180
