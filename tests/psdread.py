"""Test helpers shared by the PSD and conformance tests: psd-tools look-ups, and ag-psd (Node), an
independent PSD reader."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from psd_tools import PSDImage

NODE_MODULES = Path(os.environ.get("LAYERIZE_NODE_MODULES", Path.home() / ".cache" / "eval-node" / "node_modules"))
HAS_AG_PSD = shutil.which("node") is not None and (NODE_MODULES / "ag-psd").is_dir()
needs_ag_psd = pytest.mark.skipif(not HAS_AG_PSD, reason="node or ag-psd not installed")


def read_with_ag_psd(path: Path, describe: str) -> list:
    """ag-psd's reading of the document's leaf layers, bottom to top, each mapped by the JavaScript ``describe``."""
    script = (
        "const { readPsd } = require('ag-psd');"
        "const psd = readPsd(require('fs').readFileSync(process.argv[1]),"
        " { skipCompositeImageData: true, skipLayerImageData: true, skipThumbnail: true });"
        "const walk = ls => ls.flatMap(l => l.children ? walk(l.children) : [l]);"
        f"console.log(JSON.stringify(walk(psd.children).map({describe})));"
    )
    result = subprocess.run(["node", "-e", script, str(path)], capture_output=True, text=True, check=True,
                            env={"NODE_PATH": str(NODE_MODULES), "PATH": os.environ["PATH"]})
    return json.loads(result.stdout)


def type_layers(psd: PSDImage) -> list:
    return [layer for layer in psd.descendants() if layer.kind == "type"]


def style_runs(layer) -> list[dict]:
    return [run["StyleSheet"]["StyleSheetData"] for run in layer.engine_dict["StyleRun"]["RunArray"]]


def gray(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB"), np.float32)
