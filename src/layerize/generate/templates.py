"""Prompt templates: the wording around a user's prompt that asks for a design easy to take apart.

A template is a TOML file (``configs/templates/*.toml`` or a folder of the
config's ``template_dirs``) with a ``{prompt}`` slot, a default size and
``text = false`` for designs without text; the layer-friendly rules below are
added to every prompt.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

import tomllib
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..config import Config, GenerateConfig, ImageSize, load_config, validation_problems
from ..errors import ConfigError

LAYER_RULES = (
    "Keep the main subject clearly separated from the background, with a clean, sharp outline.",
    "Use a simple flat or smoothly graded background, with no busy texture behind text or objects.",
    "Give every element its own space: no overlapping elements, nothing cut off by the edges.",
)
TEXT_RULES = (
    "Put each piece of text in its own clear area on a plain background, never over the subject or a photo.",
    "Make the text crisp, horizontal and high-contrast, in a clean typeface without shadows, outlines, "
    "gradients or perspective.",
)
NO_TEXT_RULES = ("Do not include any text, letters, numbers, logos or watermarks.",)


class Template(BaseModel):
    """A prompt template: ``prompt`` with a ``{prompt}`` slot, plus the layer-friendly rules."""

    model_config = ConfigDict(extra="forbid")

    name: str
    description: str = ""
    prompt: str = Field(pattern=r"\{prompt\}", description="Wording around the user's prompt")
    text: bool = Field(default=True, description="False asks for an image with no text at all")
    size: ImageSize | None = None

    def render(self, prompt: str) -> str:
        """The full generation prompt for the user's ``prompt``."""
        rules = LAYER_RULES + (TEXT_RULES if self.text else NO_TEXT_RULES)
        return self.prompt.replace("{prompt}", prompt.strip()).strip() + "\n\n" + " ".join(rules)


def _template_files(cfg: GenerateConfig) -> dict[str, Any]:
    """Template name → file: the built-in ones, then the config's folders (which win)."""
    found: dict[str, Any] = {}
    for folder in [files("layerize.presets").joinpath("templates"), *map(Path, cfg.template_dirs)]:
        if not folder.is_dir():
            raise ConfigError(f"generate.template_dirs: {folder} is not a folder")
        found.update({f.name[:-5]: f for f in sorted(folder.iterdir(), key=lambda f: f.name)
                      if f.name.endswith(".toml")})
    return found


def template_names(config: str | Path | Config | None = None) -> list[str]:
    """Names of the templates ``config`` can use."""
    return sorted(_template_files(load_config(config).generate))


def load_template(spec: str, cfg: GenerateConfig) -> Template:
    """The template named ``spec`` (built in or in ``template_dirs``) or in the TOML file ``spec``."""
    known = _template_files(cfg)
    source = known.get(spec) or (Path(spec) if spec.endswith(".toml") and Path(spec).is_file() else None)
    if source is None:
        raise ConfigError(f"unknown template {spec!r} (available: {', '.join(sorted(known))}, or a .toml file)")
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
        return Template.model_validate({**data, "name": source.name[:-5]})
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"template {source}: invalid TOML: {exc}") from None
    except ValidationError as exc:
        raise ConfigError(f"template {source}: {validation_problems(exc)}") from None

