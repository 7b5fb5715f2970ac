"""The layered document: layer and group records, the merged image, the file.

The layers are written as psd-tools' low-level records (what ``PSDImage.save``
would write), one colour channel at a time, so no full-canvas float copy of any
layer is made. The merged image is composited here in bands of rows, and the
file holds no timestamps or ids, so one tree always gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
from PIL import Image
from psd_tools.constants import BlendMode, ChannelID, ColorMode, Compression, SectionDivider, Tag
from psd_tools.psd import PSD
from psd_tools.psd.color_mode_data import ColorModeData
from psd_tools.psd.header import FileHeader
from psd_tools.psd.image_data import ImageData
from psd_tools.psd.image_resources import ImageResources
from psd_tools.psd.layer_and_mask import (
    ChannelData,
    ChannelDataList,
    ChannelImageData,
    ChannelInfo,
    GlobalLayerMaskInfo,
    LayerAndMaskInformation,
    LayerFlags,
    LayerInfo,
    LayerRecord,
    LayerRecords,
)
from psd_tools.psd.tagged_blocks import ProtectedSetting, SectionDividerSetting, TaggedBlock, TaggedBlocks

MAX_NAME = 255
"""The longest layer name a PSD holds."""

PSD_MAX_SIDE = 30_000
"""Above this many pixels a side, only the large document format (PSB) holds the canvas."""

LOCK_ALL = 0x07
"""``lspf`` flags: transparency, pixels and position locked."""

BAND_ROWS = 512
"""Rows blended at a time when compositing the merged image."""


@dataclass(frozen=True)
class Layer:
    """One layer: its name, pixels (RGB or RGBA) at a canvas offset, and extra tagged blocks.

    ``vector`` marks pixels drawn from the layer's vector mask (a shape layer).
    ``styled`` is how a layer with effects looks, effects drawn (an RGBA image
    and its canvas offset): the merged image shows that, while the layer's
    own channels hold ``image``, what Photoshop draws its effects from.
    """

    name: str
    image: Image.Image
    offset: tuple[int, int]
    blocks: tuple[TaggedBlock, ...] = ()
    hidden: bool = False
    locked: bool = False
    vector: bool = False
    styled: tuple[Image.Image, tuple[int, int]] | None = None

    @property
    def box(self) -> tuple[int, int, int, int]:
        """The canvas box of the layer's own pixels."""
        left, top = self.offset
        return left, top, left + self.image.width, top + self.image.height

    @property
    def shown(self) -> tuple[Image.Image, tuple[int, int]]:
        """What the layer shows (effects drawn) and its canvas offset."""
        return self.styled or (self.image, self.offset)

    @property
    def extent(self) -> tuple[int, int, int, int]:
        """The canvas box of what the layer shows, its effects included."""
        image, (left, top) = self.shown
        return left, top, left + image.width, top + image.height


@dataclass(frozen=True)
class Group:
    """A layer group (folder), its layers bottom to top."""

    name: str
    layers: tuple[Layer, ...]


Tree = list[Layer | Group]


def visible_layers(tree: Tree) -> Iterator[Layer]:
    """The layers that show, bottom to top (groups composite as if flat: pass-through, full opacity)."""
    for item in tree:
        for layer in item.layers if isinstance(item, Group) else (item,):
            if not layer.hidden:
                yield layer


# ----------------------------------------------------------------------------- merged image


def _blend(canvas: np.ndarray, image: Image.Image, offset: tuple[int, int]) -> None:
    """Composite ``image`` over the RGBA ``canvas`` in place (straight alpha), a band of rows at a time."""
    height, width = canvas.shape[:2]
    left, top = offset
    x0, x1 = max(0, left), min(width, left + image.width)
    y0, y1 = max(0, top), min(height, top + image.height)
    for start in range(y0, y1, BAND_ROWS) if x1 > x0 else ():
        stop = min(y1, start + BAND_ROWS)
        src = np.asarray(image.crop((x0 - left, start - top, x1 - left, stop - top)))
        if image.mode == "RGB":  # opaque: it replaces what is under it
            canvas[start:stop, x0:x1, :3] = src
            canvas[start:stop, x0:x1, 3] = 255
            continue
        src = src.astype(np.float32) / 255
        dst = canvas[start:stop, x0:x1].astype(np.float32) / 255
        a_src, a_dst = src[..., 3:], dst[..., 3:]
        alpha = a_src + a_dst * (1 - a_src)
        color = (src[..., :3] * a_src + dst[..., :3] * a_dst * (1 - a_src)) / np.maximum(alpha, 1e-6)
        canvas[start:stop, x0:x1] = np.clip(np.concatenate([color, alpha], -1) * 255 + 0.5, 0, 255).astype(np.uint8)


def merge(tree: Tree, size: tuple[int, int]) -> np.ndarray:
    """The visible layers, effects drawn, composited on a transparent canvas: the document's merged image (RGBA)."""
    canvas = np.zeros((size[1], size[0], 4), np.uint8)
    for layer in visible_layers(tree):
        _blend(canvas, *layer.shown)
    return canvas


# ----------------------------------------------------------------------------- records


def _name_blocks(name: str) -> tuple[str, TaggedBlocks]:
    """The legacy (Mac Roman) name and the tagged blocks holding the Unicode name."""
    name = name[:MAX_NAME]
    blocks = TaggedBlocks()
    blocks.set_data(Tag.UNICODE_LAYER_NAME, name)
    legacy = name.encode("macroman", "replace").decode("macroman")
    return legacy, blocks


def _planes(image: Image.Image) -> Iterator[tuple[ChannelID, bytes]]:
    """The layer's channels, transparency first, one plane at a time."""
    if "A" in image.getbands():
        yield ChannelID.TRANSPARENCY_MASK, image.getchannel("A").tobytes()
    else:
        yield ChannelID.TRANSPARENCY_MASK, b"\xff" * (image.width * image.height)
    for index, band in enumerate("RGB"):
        yield ChannelID(index), image.getchannel(band).tobytes()


def layer_record(layer: Layer, version: int) -> tuple[LayerRecord, ChannelDataList]:
    """A pixel layer's record and RLE-compressed channels."""
    legacy, blocks = _name_blocks(layer.name)
    if layer.locked:
        blocks[Tag.PROTECTED_SETTING] = TaggedBlock(key=Tag.PROTECTED_SETTING, data=ProtectedSetting(LOCK_ALL))
    for block in layer.blocks:
        blocks[block.key] = block
    left, top, right, bottom = layer.box
    flags = LayerFlags(transparency_protected=layer.locked, visible=not layer.hidden,
                       pixel_data_irrelevant=layer.vector)
    record = LayerRecord(top=top, left=left, bottom=bottom, right=right, name=legacy, flags=flags,
                         tagged_blocks=blocks)
    channels = ChannelDataList()
    for channel_id, plane in _planes(layer.image):
        data = ChannelData(Compression.RLE)
        data.set_data(plane, layer.image.width, layer.image.height, 8, version)
        record.channel_info.append(ChannelInfo(channel_id, len(data.data) + 2))
        channels.append(data)
    return record, channels


def _divider(name: str, kind: SectionDivider) -> tuple[LayerRecord, ChannelDataList]:
    """A group's opening folder record, or (BOUNDING_SECTION_DIVIDER) the marker under its layers."""
    legacy, blocks = _name_blocks(name)
    blocks[Tag.SECTION_DIVIDER_SETTING] = TaggedBlock(key=Tag.SECTION_DIVIDER_SETTING, data=SectionDividerSetting(
        kind=kind, signature=b"8BIM", blend_mode=BlendMode.PASS_THROUGH))
    record = LayerRecord(name=legacy, tagged_blocks=blocks,
                         channel_info=[ChannelInfo(ChannelID(i), 2) for i in range(-1, 3)])
    return record, ChannelDataList([ChannelData(Compression.RAW, b"") for _ in range(4)])


def layer_info(tree: Tree, version: int, merged_alpha: bool) -> LayerInfo:
    """The layer records bottom to top, groups bracketed by their dividers."""
    records, channels = LayerRecords(), ChannelImageData()

    def add(entry: tuple[LayerRecord, ChannelDataList]) -> None:
        records.append(entry[0])
        channels.append(entry[1])

    for item in tree:
        if isinstance(item, Group):
            add(_divider("</Layer group>", SectionDivider.BOUNDING_SECTION_DIVIDER))
            for layer in item.layers:
                add(layer_record(layer, version))
            add(_divider(item.name, SectionDivider.OPEN_FOLDER))
        else:
            add(layer_record(item, version))
    # a negative count says the merged image's extra channel is its transparency
    count = -len(records) if merged_alpha else len(records)
    return LayerInfo(layer_count=count, layer_records=records, channel_image_data=channels)


def write_document(tree: Tree, size: tuple[int, int], fp: BinaryIO, large: bool = False) -> None:
    """Write an 8-bit RGB document of ``size`` holding ``tree`` and its merged image.

    The merged image carries an alpha channel only where it is not opaque
    everywhere. ``large`` (or a side above 30,000 px) writes PSB (version 2).
    """
    merged = merge(tree, size)
    alpha = bool((merged[..., 3] < 255).any())
    if alpha:  # Photoshop stores a transparent merged image's colours matted with white
        matted = np.full_like(merged, 255)
        _blend(matted, Image.fromarray(merged, "RGBA"), (0, 0))
        merged[..., :3] = matted[..., :3]
        del matted
    planes = merged.transpose(2, 0, 1)[:4 if alpha else 3].tobytes()  # planar, one copy
    del merged
    version = 2 if large or max(size) > PSD_MAX_SIDE else 1
    header = FileHeader(version=version, width=size[0], height=size[1], depth=8, channels=4 if alpha else 3,
                        color_mode=ColorMode.RGB)
    image_data = ImageData(compression=Compression.RLE)
    image_data.set_data([planes], header)
    del planes
    document = PSD(
        header=header,
        color_mode_data=ColorModeData(),
        image_resources=ImageResources.new(),
        layer_and_mask_information=LayerAndMaskInformation(
            layer_info=layer_info(tree, version, alpha),
            global_layer_mask_info=GlobalLayerMaskInfo(),
            tagged_blocks=TaggedBlocks(),
        ),
        image_data=image_data,
    )
    document.write(fp)
