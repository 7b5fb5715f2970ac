"""layerize: turn a flat design image into an editable PSD, PPTX or SVG.

>>> import layerize
>>> scene = layerize.analyze("poster.png")      # doctest: +SKIP
>>> scene.export("poster.psd")                  # doctest: +SKIP
>>> layerize.Scene.load("poster.scene.json")    # doctest: +SKIP

The stages, in the order they run: :mod:`.reading`, :mod:`.text`,
:mod:`.inpaint`, :mod:`.objects`, then the :mod:`.scene` graph that
:mod:`.export` writes (with :mod:`.render` typesetting text for the
analyser and the exporters alike); :mod:`.pipeline` composes them and
:mod:`.generate` puts an image model in front.
"""

from .config import Config, load_config
from .errors import ConfigError, EngineError, ImageApiError, InputError, LayerizeError
from .export import export
from .generate import generate, regenerate
from .pipeline import analyze
from .registry import EXPORTERS, INPAINTERS, OCR_ENGINES, SEGMENTERS
from .scene import SCHEMA_VERSION, Scene, json_schema

__all__ = [
    "EXPORTERS",
    "INPAINTERS",
    "OCR_ENGINES",
    "SCHEMA_VERSION",
    "SEGMENTERS",
    "Config",
    "ConfigError",
    "EngineError",
    "ImageApiError",
    "InputError",
    "LayerizeError",
    "Scene",
    "analyze",
    "export",
    "generate",
    "json_schema",
    "load_config",
    "regenerate",
]
__version__ = "0.1.0"
