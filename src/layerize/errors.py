"""Exceptions layerize raises on purpose; the CLI turns them into one-line messages."""

from __future__ import annotations


class LayerizeError(Exception):
    """Base class of layerize's expected errors."""


class InputError(LayerizeError):
    """An input file layerize cannot use; the message names the file and the problem."""

    def __init__(self, path: object, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


class ConfigError(LayerizeError):
    """A configuration preset or file that is missing or invalid."""


class EngineError(LayerizeError):
    """An engine that is unknown, not installed or failed to load."""


class ImageApiError(LayerizeError):
    """The image model's API refused or failed a request; the message says why and what to do."""
