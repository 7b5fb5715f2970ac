"""Generation, beside the pipeline: from a prompt to an editable file.

:func:`generate` asks an image model (the OpenAI Images API, or any proxy that
speaks it) for a design drawn to be easy to take apart (:mod:`.templates`),
saves the raw image and reconstructs it as a :class:`~layerize.scene.Scene`.
:func:`regenerate` repaints one object layer of a scene through the edits
endpoint, with the object's alpha as the edit mask. The API client is
:mod:`.client`.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from PIL import Image

from ..config import Config, load_config
from ..errors import InputError
from ..files import atomic_write_bytes
from ..pipeline import analyze
from ..scene import ImageObject, Provenance, Scene, png_bytes
from .client import (
    BACKGROUNDS,
    EDIT_RULES,
    QUALITIES,
    ImageClient,
    ImageRequest,
    ImageResult,
    check_choice,
    check_prompt,
)
from .templates import template_names

__all__ = ["BACKGROUNDS", "QUALITIES", "Generation", "ImageClient", "ImageRequest", "ImageResult", "generate",
           "regenerate", "template_names"]

@dataclass(frozen=True)
class Generation:
    """What :func:`generate` made: the scene, the raw image file and the API results."""

    scene: Scene
    image_path: Path
    result: ImageResult
    preview: ImageResult | None = None
    preview_path: Path | None = None

    @property
    def cost_usd(self) -> float | None:
        """Estimated cost of every call made (preview included); None if any is unknown."""
        costs = [r.cost_usd for r in (self.result, self.preview) if r is not None]
        return None if None in costs else round(sum(costs), 6)


def save_image(result: ImageResult, path: Path) -> Path:
    """Write ``result`` atomically at ``path`` with its suffix set to the image's real format."""
    path = Path(path).with_suffix("." + result.extension)
    atomic_write_bytes(path, result.data)
    return path


def generate(prompt: str, image_path: Path | str, *, config: str | Path | Config | None = None,
             model: str | None = None, size: str | None = None, quality: str | None = None,
             background: str | None = None, template: str | None = None, preview: bool = False,
             on_preview: Callable[[ImageResult, Path], None] | None = None, api_key: str | None = None,
             base_url: str | None = None) -> Generation:
    """Generate a design for ``prompt``, save it at ``image_path`` and reconstruct it as a scene.

    The saved image's suffix follows the format the API returned (.png, .jpg,
    .webp). With ``preview``, a low-quality image is made first and saved
    beside it as ``*.preview.*``; ``on_preview`` sees it before the real run
    and may raise to stop there. Unset arguments come from ``config.generate``.
    """
    cfg = load_config(config)
    request = ImageRequest.build(prompt, cfg.generate, model=model, size=size, quality=quality,
                                 background=background, template=template)
    image_path = Path(image_path)
    preview_result = preview_path = None
    with ImageClient(cfg.generate, api_key=api_key, base_url=base_url) as client:
        if preview and request.quality != "low":
            preview_result = client.generate(replace(request, quality="low"))
            preview_path = save_image(preview_result, image_path.with_stem(image_path.stem + ".preview"))
            if on_preview is not None:
                on_preview(preview_result, preview_path)
        result = client.generate(request)
    saved = save_image(result, image_path)
    scene = analyze(saved, cfg)
    generation = Generation(scene, saved, result, preview_result, preview_path)
    scene.metadata["generation"] = {
        "prompt": request.prompt, "full_prompt": request.full_prompt, "template": request.template,
        "size": request.size, "background": request.background, "image": saved.name, **result.summary(),
        "preview": preview_result.summary() if preview_result else None, "total_cost_usd": generation.cost_usd,
    }
    return generation


# ----------------------------------------------------------------------------- regenerate


def find_object(scene: Scene, layer: str) -> int:
    """Index in ``scene.nodes`` of the object layer whose id or name is ``layer``."""
    for index, node in enumerate(scene.nodes):
        if isinstance(node, ImageObject) and layer in (node.id, node.name):
            return index
    objects = ", ".join(f"{n.name!r} ({n.id})" for n in scene.nodes if isinstance(n, ImageObject)) or "none"
    raise InputError(layer, f"no object layer with this name or id (object layers: {objects})")


def _edit_region(scene: Scene, index: int, margin: float) -> tuple[bytes, bytes, Callable[[bytes], Image.Image]]:
    """The flattened region around object ``index`` and its edit mask, as PNG bytes, and a function
    that turns the edited region back into the object's new RGBA pixels (its own alpha kept).

    The flattening is the background plate with the object layers up to this one: text and
    shapes stay editable above and are not painted into the object.
    """
    node = scene.nodes[index]
    flat = scene.background.image.convert("RGB")
    for other in scene.nodes[: index + 1]:
        if isinstance(other, ImageObject):
            pixels, corner = other.placed()
            flat.paste(pixels.convert("RGB"), corner, pixels.getchannel("A"))
    pixels, (left, top) = node.placed()
    w, h = pixels.size
    pad = round(margin * max(w, h))
    x0, y0 = max(0, left - pad), max(0, top - pad)
    x1, y1 = min(flat.width, left + w + pad), min(flat.height, top + h + pad)
    if x1 <= x0 or y1 <= y0:
        raise InputError(node.name, "the object layer lies outside the canvas")
    coverage = Image.new("L", flat.size, 0)
    coverage.paste(pixels.getchannel("A"), (left, top))
    keep = coverage.crop((x0, y0, x1, y1)).point(lambda a: 0 if a else 255)  # transparent = repaint
    mask = Image.merge("RGBA", (*Image.new("RGB", keep.size, (255, 255, 255)).split(), keep))

    def cut(edited: bytes) -> Image.Image:
        with Image.open(io.BytesIO(edited)) as img:
            region = img.convert("RGB").resize((x1 - x0, y1 - y0), Image.LANCZOS)
        rgb = region.crop((left - x0, top - y0, left - x0 + w, top - y0 + h))
        return Image.merge("RGBA", (*rgb.split(), pixels.getchannel("A")))

    return png_bytes(flat.crop((x0, y0, x1, y1))), png_bytes(mask), cut


def regenerate(scene: Scene, layer: str, prompt: str, *, config: str | Path | Config | None = None,
               model: str | None = None, quality: str | None = None, api_key: str | None = None,
               base_url: str | None = None) -> tuple[Scene, ImageResult]:
    """Repaint the object layer ``layer`` (name or id) for ``prompt``; returns the updated scene.

    The model sees the region around its box (the plate and the object layers up to
    it), with the object's alpha as the edit mask; the result keeps that alpha.
    """
    cfg = load_config(config).generate
    index = find_object(scene, layer)
    prompt = check_prompt(prompt)
    quality = check_choice("quality", quality or cfg.quality, QUALITIES)
    model = model or cfg.model
    node = scene.nodes[index]
    image_png, mask_png, cut = _edit_region(scene, index, cfg.edit_margin)
    with ImageClient(cfg, api_key=api_key, base_url=base_url) as client:
        result = client.edit(image_png, mask_png, f"{prompt.strip()}\n\n{EDIT_RULES}", model=model, quality=quality)
    image = cut(result.data)
    provenance = Provenance(engine=f"images-edit:{model}", confidence=node.provenance.confidence)
    nodes = list(scene.nodes)
    nodes[index] = node.model_copy(update={"image": image, "provenance": provenance})
    history = [*scene.metadata.get("regenerations", []), {"layer": node.id, "prompt": prompt, **result.summary()}]
    return scene.model_copy(update={"nodes": nodes, "metadata": {**scene.metadata, "regenerations": history}}), result
