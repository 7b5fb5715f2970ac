"""A small registry of named engine factories, one per stage (OCR, inpainter, exporter)."""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import EntryPoint, entry_points
from typing import Generic, TypeVar

from .errors import EngineError

T = TypeVar("T")


class Registry(Generic[T]):
    """Maps a name to a factory; ``create(name_or_instance)`` returns an engine.

    Factories come from ``register`` and, when ``group`` is given, from the
    entry points of that group, so a third-party package registers an engine
    the same way the built-in ones are registered. Entry points are imported
    only when asked for.
    """

    def __init__(self, kind: str, group: str | None = None) -> None:
        self.kind = kind
        self.group = group
        self._factories: dict[str, Callable[..., T]] = {}

    def register(self, name: str) -> Callable[[Callable[..., T]], Callable[..., T]]:
        """Decorator registering a factory (a class or a function) under ``name``."""

        def deco(factory: Callable[..., T]) -> Callable[..., T]:
            self._factories[name] = factory
            return factory

        return deco

    def _entry_points(self) -> dict[str, EntryPoint]:
        if self.group is None:
            return {}
        return {ep.name: ep for ep in entry_points(group=self.group)}

    def names(self) -> list[str]:
        return sorted(set(self._factories) | set(self._entry_points()))

    def factory(self, name: str) -> Callable[..., T]:
        if name in self._factories:
            return self._factories[name]
        ep = self._entry_points().get(name)
        if ep is None:
            raise EngineError(f"unknown {self.kind} {name!r}; available: {', '.join(self.names()) or 'none'}")
        try:
            factory = ep.load()
        except ImportError as exc:
            raise EngineError(f"{self.kind} {name!r} cannot be loaded: {exc}") from exc
        self._factories[name] = factory
        return factory

    def create(self, spec: str | T, **options: object) -> T:
        """An engine from a registered name, or ``spec`` itself when it is already an engine."""
        if not isinstance(spec, str):
            return spec
        return self.factory(spec)(**options)
