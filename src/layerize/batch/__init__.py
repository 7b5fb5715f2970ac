"""Batch runs: many images, models and fonts loaded once per worker, on this machine or a Ray cluster.

>>> import layerize.batch
>>> for result in layerize.batch(["posters/"], "out/", formats="psd,pptx"):  # doctest: +SKIP
...     print(result.input, result.status, result.text_fidelity)

The modules, in the order a batch uses them: :mod:`.inputs` (files, folders,
globs and the outputs that mirror them), :mod:`.manifest` (what ``--resume``
skips), :mod:`.work` (one image in a worker), :mod:`.local` and
:mod:`.ray_engine` (the engines), :mod:`.runner` (the driver),
:mod:`.report`, :mod:`.deck`, and :mod:`.cli` (``layerize batch``, ``layerize deck``).
"""

from __future__ import annotations

import sys
import types
from typing import Any

from .report import Result
from .runner import BatchRun, batch

__all__ = ["BatchRun", "Result", "batch"]


class _CallableModule(types.ModuleType):
    """``layerize.batch(...)`` calls :func:`batch`, while ``layerize.batch`` stays this package."""

    def __call__(self, *args: Any, **kwargs: Any) -> BatchRun:
        return batch(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
