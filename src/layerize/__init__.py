"""layerize: turn a flat design image into an editable PSD, PPTX or SVG.

>>> import layerize
>>> scene = layerize.analyze("poster.png")      # doctest: +SKIP
>>> scene.export("poster.psd")                  # doctest: +SKIP
>>> layerize.Scene.load("poster.scene.json")    # doctest: +SKIP
"""

from .config import Config, load_config
from .errors import ConfigError, EngineError, ImageApiError, InputError, LayerizeError
from .exporting import EXPORTERS, export
from .imagegen import generate, regenerate
from .pipeline import analyze
from .scene import SCHEMA_VERSION, Scene, json_schema

__all__ = [
    "EXPORTERS",
    "SCHEMA_VERSION",
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
