"""``python -m layerize``: the command line."""

from .cli import main

main()
