"""``layerize serve``: a web page and an HTTP API over the same pipeline, bound to localhost by default.

:mod:`.jobs` keeps one folder per job, :mod:`.worker` runs the analyses in a
bounded process pool, :mod:`.layers` draws the layers for the page and
:mod:`.app` holds the routes, :mod:`.command` the ``serve`` command (registered by
:mod:`layerize.cli`); the page is plain files in ``static/``.
"""
