"""Pipeline configuration: named presets in ``configs/`` or a user's TOML file.

A preset is a TOML file whose tables mirror :class:`Config`. Unknown keys are
errors, so a typo in a config never passes silently.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Annotated, Literal

import tomllib
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from .errors import ConfigError
from .registry import EXPORTERS

DEFAULT_FONTS = [  # families the analyser compares each line against (those installed)
    "DejaVu Sans", "DejaVu Serif", "DejaVu Sans Mono",
    "Liberation Sans", "Liberation Serif", "Liberation Sans Narrow",
    "Noto Sans", "Noto Serif", "Roboto", "Open Sans", "Lato", "Inter", "Carlito", "Caladea",
    "Nimbus Sans", "Nimbus Roman", "C059", "P052", "League Spartan", "Bebas Neue",
    "Droid Sans Fallback", "Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK KR", "Noto Serif CJK SC",
    "Noto Serif CJK JP", "Noto Serif CJK KR",
]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LimitsConfig(_Section):
    max_pixels: int = Field(default=80_000_000, gt=0, description="Refuse inputs (and scene canvases) larger")
    max_aspect: float = Field(default=20.0, ge=1.0, le=100.0,
                              description="Refuse inputs whose long side is more than this times the short")
    accept_bad_checksums: bool = Field(default=False, description="Take a PNG with bad chunk checksums that "
                                       "still decodes whole (with a warning) instead of refusing it")


class OcrConfig(_Section):
    engine: str = Field(default="rapidocr", description="OCR engine name (rapidocr, easyocr)")
    min_confidence: float = Field(default=0.5, ge=0, le=1, description="Drop OCR lines below this score")
    max_side: int = Field(default=2048, ge=256, le=8192, description="Longest side the OCR engine sees")
    faint_lines: bool = Field(default=True, description="rapidocr: also take the text boxes its detector is less "
                              "sure of (short or low-contrast text) where they overlap no surer box")


class TextConfig(_Section):
    font_dirs: list[str] = Field(default_factory=list, description="Extra folders with .ttf/.otf fonts")
    candidate_fonts: list[str] = Field(default_factory=lambda: list(DEFAULT_FONTS))
    fallback_font: str = "DejaVu Sans"
    match_fonts: bool = Field(default=True, description="Pick the closest font by render-and-compare")
    group_paragraphs: bool = Field(default=True, description="Merge lines into paragraph blocks")


class InpaintConfig(_Section):
    engine: str = Field(default="auto", description="auto, opencv, patchmatch or lama")
    mask_dilation: int = Field(default=2, ge=0, le=32, description="Pixels added around the text ink")
    lama_weights: str | None = Field(default=None, description="Path to a LaMa ONNX model (engine lama)")
    texture_threshold: float = Field(default=12.0, ge=0, description="Border std-dev above which auto uses PatchMatch")


class ObjectsConfig(_Section):
    """Objects and shapes on layers of their own (see :mod:`layerize.segment`)."""

    enabled: bool = Field(default=True, description="Off: text-only reconstruction")
    segmenters: list[str] = Field(default_factory=lambda: ["flat", "photo", "u2netp"],
                                  description="Segmenters to run, in order (flat, photo, u2netp)")
    min_area: int = Field(default=48, ge=1, description="Smallest flat region made a shape, in pixels")
    min_object_area: int = Field(default=1024, ge=1, description="Smallest photo, icon or salient object, in pixels")
    edge_threshold: float = Field(default=8.0, gt=0, description="Colour step (0-255) that separates flat regions")
    saliency_threshold: float = Field(default=0.5, gt=0, lt=1, description="u2netp saliency that counts as object")
    keep_in_plate: bool = Field(default=False, description="Leave objects and shapes in the background plate too")
    trace: bool = Field(default=True, description="Trace flat icons and logos into native paths (vtracer) where "
                        "the trace redraws them faithfully; off: they stay pictures")


class PsdExportConfig(_Section):
    background: Literal["transparent", "white"] = Field(
        default="transparent", description="transparent: the plate keeps its alpha; white: laid on white")


class PptxExportConfig(_Section):
    long_side_emu: int = Field(default=12_192_000, ge=914_400, le=51_206_400,
                               description="The slide's long side in EMU (default 13.333 in, widescreen)")


LANGUAGE_TAG = r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$"
"""A BCP-47 language tag's shape (``en``, ``de-CH``, ``zh-Hans-CN``)."""


class SvgExportConfig(_Section):
    """How the SVG is made for a web page (README, "SVG for the web"); the defaults write what it always did."""

    fonts: Literal["reference", "embed"] = Field(
        default="reference", description="reference: each text names its family, then a generic one; embed: "
        "every face used is also embedded, cut to the characters it draws, as a WOFF2 @font-face")
    plate: Literal["png", "webp", "jpeg"] = Field(default="png", description="The background plate's format")
    plate_quality: int = Field(default=85, ge=1, le=100, description="WEBP or JPEG quality of the plate (the "
                               "highest tried under plate_max_bytes)")
    plate_max_bytes: int | None = Field(default=None, ge=1, description="Largest plate file (webp, jpeg): the "
                                        "highest quality that fits, else the smallest file, with a warning")
    title: bool = Field(default=False, description="Give the document a <title>: its largest text")
    lang: str | None = Field(default=None, pattern=LANGUAGE_TAG, description="The texts' language (BCP-47 tag, "
                             "e.g. en, de-CH) as the document's lang; default: none written")
    responsive: bool = Field(default=False, description="No width and height: the document fills the width of "
                             "what holds it, its viewBox keeping the shape")

    @model_validator(mode="after")
    def _budget_needs_quality(self) -> SvgExportConfig:
        if self.plate_max_bytes is not None and self.plate == "png":
            raise ValueError("plate_max_bytes needs plate = \"webp\" or \"jpeg\" (a PNG has no quality to lower)")
        return self


class ExportConfig(_Section):
    """Options per exporter: ``[export.psd]``, ``[export.pptx]``, ``[export.svg]``; a third-party exporter's
    table is kept for it under its own name."""

    model_config = ConfigDict(extra="allow")

    psd: PsdExportConfig = Field(default_factory=PsdExportConfig)
    pptx: PptxExportConfig = Field(default_factory=PptxExportConfig)
    svg: SvgExportConfig = Field(default_factory=SvgExportConfig)

    @model_validator(mode="after")
    def _known_exporters(self) -> ExportConfig:
        for name, table in (self.model_extra or {}).items():
            if name not in EXPORTERS.names():
                raise ValueError(f"no exporter named {name!r} (available: {', '.join(EXPORTERS.names())})")
            if not isinstance(table, dict):
                raise ValueError(f"export.{name} must be a table")
        return self


Quality = Literal["low", "medium", "high", "auto"]
Background = Literal["opaque", "transparent", "auto"]
MAX_IMAGE_EDGE = 3840
MAX_IMAGE_PIXELS = 3840 * 2160


def check_size(size: str) -> str:
    """Validate an image model size: ``auto`` or ``WIDTHxHEIGHT`` as the Images API accepts it."""
    if size == "auto":
        return size
    width, sep, height = size.partition("x")
    if not (sep and width.isdigit() and height.isdigit()):
        raise ValueError(f"size {size!r} is not WIDTHxHEIGHT (e.g. 1024x1536) or auto")
    w, h = int(width), int(height)
    if w % 16 or h % 16 or not w or not h:
        raise ValueError(f"size {size}: width and height must be positive multiples of 16")
    if max(w, h) > MAX_IMAGE_EDGE or w * h > MAX_IMAGE_PIXELS:
        raise ValueError(f"size {size}: at most {MAX_IMAGE_EDGE} pixels a side and {MAX_IMAGE_PIXELS} in all")
    if max(w / h, h / w) > 3:
        raise ValueError(f"size {size}: the aspect ratio must be between 1:3 and 3:1")
    return size


ImageSize = Annotated[str, AfterValidator(check_size)]


class ImagePrices(_Section):
    """What an image model costs, in USD per million tokens of each kind."""

    text_input: float = Field(ge=0)
    image_input: float = Field(ge=0)
    image_output: float = Field(ge=0)
    text_output: float = Field(default=0.0, ge=0)


class GenerateConfig(_Section):
    """The image-model front end (``layerize generate`` / ``regenerate``)."""

    model: str = Field(default="gpt-image-2", min_length=1)
    size: ImageSize | None = Field(default=None, description="WIDTHxHEIGHT or auto; default: the template's size")
    quality: Quality = "medium"
    background: Background = "opaque"
    template: str = Field(default="poster", description="Prompt template name or TOML file")
    template_dirs: list[str] = Field(default_factory=list, description="Extra folders with template .toml files")
    base_url: str | None = Field(default=None, description="API base URL; OPENAI_BASE_URL overrides it")
    timeout: float = Field(default=300.0, gt=0, description="Seconds to wait for one API answer")
    connect_timeout: float = Field(default=10.0, gt=0)
    retries: int = Field(default=4, ge=0, le=10, description="Retries after a 429 or 5xx answer")
    backoff_base: float = Field(default=1.0, ge=0, description="First retry delay in seconds; doubles each time")
    backoff_max: float = Field(default=60.0, ge=0, description="Longest delay, Retry-After included")
    edit_margin: float = Field(default=0.25, ge=0, le=2, description="Context around a repainted layer, in box sizes")
    prices: dict[str, ImagePrices] = Field(
        default_factory=lambda: {"gpt-image-2": ImagePrices(text_input=5, image_input=8, image_output=30,
                                                             text_output=10)},
        description="Estimated prices per model, USD per million tokens")


class Config(_Section):
    name: str = "custom"
    limits: LimitsConfig = Field(default_factory=LimitsConfig)
    ocr: OcrConfig = Field(default_factory=OcrConfig)
    text: TextConfig = Field(default_factory=TextConfig)
    inpaint: InpaintConfig = Field(default_factory=InpaintConfig)
    objects: ObjectsConfig = Field(default_factory=ObjectsConfig)
    export: ExportConfig = Field(default_factory=ExportConfig)
    generate: GenerateConfig = Field(default_factory=GenerateConfig)

    def without_objects(self) -> Config:
        """This config with the objects stage off (text only, as ``--no-objects`` asks)."""
        return self.model_copy(update={"objects": self.objects.model_copy(update={"enabled": False})})


def validation_problems(exc: ValidationError) -> str:
    """A pydantic error as one line: ``field.path: message; ...``."""
    return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())


def preset_names() -> list[str]:
    return sorted(p.name[:-5] for p in files("layerize.presets").iterdir() if p.name.endswith(".toml"))


def load_config(spec: str | Path | Config | None = None) -> Config:
    """A :class:`Config` from a preset name, a TOML file path, or an existing Config."""
    if isinstance(spec, Config):
        return spec
    spec = str(spec or "default")
    if spec in preset_names():
        text = files("layerize.presets").joinpath(f"{spec}.toml").read_text(encoding="utf-8")
        origin = f"preset {spec!r}"
    else:
        path = Path(spec)
        if not path.is_file():
            raise ConfigError(f"{spec}: not a preset ({', '.join(preset_names())}) nor a TOML file")
        origin = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{origin}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
        except OSError as exc:
            raise ConfigError(f"{origin}: cannot read: {exc.strerror}") from None
    try:
        data = tomllib.loads(text)
        data.setdefault("name", Path(spec).stem)
        return Config.model_validate(data)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{origin}: invalid TOML: {exc}") from None
    except ValidationError as exc:
        raise ConfigError(f"{origin}: {validation_problems(exc)}") from None
