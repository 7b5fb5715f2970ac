"""Pipeline configuration: named presets in ``configs/`` or a user's TOML file.

A preset is a TOML file whose tables mirror :class:`Config`. Unknown keys are
errors, so a typo in a config never passes silently.
"""

from __future__ import annotations

import tomllib
from importlib.resources import files
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import ConfigError

DEFAULT_FONTS = [
    "DejaVu Sans",
    "DejaVu Serif",
    "DejaVu Sans Mono",
    "Liberation Sans",
    "Liberation Serif",
    "Liberation Sans Narrow",
    "Noto Sans",
    "Noto Serif",
]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LimitsConfig(_Section):
    max_pixels: int = Field(default=80_000_000, gt=0, description="Refuse inputs larger than this")


class OcrConfig(_Section):
    engine: str = Field(default="rapidocr", description="OCR engine name (rapidocr, easyocr)")
    min_confidence: float = Field(default=0.5, ge=0, le=1, description="Drop OCR lines below this score")
    max_side: int = Field(default=2048, gt=0, description="Longest side the OCR engine sees")


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


class Config(_Section):
    name: str = "custom"
    limits: LimitsConfig = Field(default_factory=LimitsConfig)
    ocr: OcrConfig = Field(default_factory=OcrConfig)
    text: TextConfig = Field(default_factory=TextConfig)
    inpaint: InpaintConfig = Field(default_factory=InpaintConfig)
    export: dict[str, dict[str, Any]] = Field(default_factory=dict, description="Options per exporter name")


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
        text = path.read_text(encoding="utf-8")
        origin = str(path)
    try:
        data = tomllib.loads(text)
        data.setdefault("name", Path(spec).stem)
        return Config.model_validate(data)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{origin}: invalid TOML: {exc}") from None
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"{origin}: {problems}") from None
