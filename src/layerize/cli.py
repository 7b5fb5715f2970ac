"""The ``layerize`` command line.

``layerize IMAGE -o out.psd -o out.pptx [--scene s.json]`` analyses once and
writes every output; ``layerize SCENE.json -o out.svg`` re-exports an edited
scene graph; ``layerize schema`` prints the scene graph's JSON Schema.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path

import click
from click_default_group import DefaultGroup
from pydantic import ValidationError

from . import __version__
from .config import load_config, preset_names
from .errors import InputError, LayerizeError
from .exporting import EXPORTERS, export, format_for
from .pipeline import analyze
from .scene import Scene, json_schema


def _load_scene(path: Path) -> Scene:
    try:
        return Scene.load(path)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(map(str, first["loc"]))
        raise InputError(path, f"invalid scene graph at {where}: {first['msg']} ({exc.error_count()} errors)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(path, f"cannot read scene file: {exc}") from None


def _summary(scene: Scene, outputs: list[Path], seconds: float) -> str:
    lines = [f"{len(scene.texts)} text blocks, {len(scene.nodes) - len(scene.texts)} other nodes, {seconds:.2f} s"]
    for block in scene.texts:
        style = block.style
        match = f" match {style.font_match:.2f}" if style.font_match is not None else ""
        lines.append(
            f"  {block.id:<8} {style.font_postscript} {style.size_px:.1f}px {style.color} {style.align}"
            f"{match} conf {block.provenance.confidence:.2f}  {block.text.splitlines()[0][:50]!r}"
        )
    lines.extend(f"wrote {path}" for path in outputs)
    return "\n".join(lines)


@click.group(cls=DefaultGroup, default="convert", default_if_no_args=False)
@click.version_option(__version__, prog_name="layerize")
def main() -> None:
    """Turn a flat design image into editable PSD, PPTX and SVG files."""


@main.command()
@click.argument("source", type=click.Path(path_type=Path))
@click.option("-o", "--output", "outputs", multiple=True, type=click.Path(path_type=Path),
              help="Output file; the format follows the extension (.psd, .pptx, .svg). Repeatable.")
@click.option("--scene", "scene_path", type=click.Path(path_type=Path),
              help="Also write the scene graph as JSON (edit it, then re-export it).")
@click.option("--config", "config", default="default", show_default=True,
              help=f"Preset name ({', '.join(preset_names())}) or a TOML file.")
@click.option("-q", "--quiet", is_flag=True, help="Print errors only.")
@click.option("-v", "--verbose", is_flag=True, help="Log each stage.")
def convert(source: Path, outputs: tuple[Path, ...], scene_path: Path | None, config: str,
            quiet: bool, verbose: bool) -> None:
    """Analyse SOURCE (an image, or a scene .json to re-export) and write the outputs."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(name)s: %(message)s")
    try:
        if not outputs and scene_path is None:
            raise click.UsageError("give at least one -o OUTPUT or --scene FILE")
        for out in outputs:
            format_for(out)  # fail on an unknown extension before the slow analysis
        cfg = load_config(config)
        start = time.perf_counter()
        scene = _load_scene(source) if source.suffix.lower() == ".json" else analyze(source, cfg)
        written = []
        for out in outputs:
            written.append(export(scene, out, **cfg.export.get(format_for(out), {})))
        if scene_path is not None:
            scene.save(scene_path)
            written.append(scene_path)
    except LayerizeError as exc:
        click.echo(f"layerize: error: {exc}", err=True)
        sys.exit(2)
    if not quiet:
        click.echo(_summary(scene, written, time.perf_counter() - start))


@main.command()
def schema() -> None:
    """Print the JSON Schema of the scene graph."""
    click.echo(json.dumps(json_schema(), indent=2))


@main.command()
def engines() -> None:
    """List the registered engines and presets."""
    from .inpaint import INPAINTERS
    from .ocr import OCR_ENGINES

    click.echo(f"ocr:        {', '.join(OCR_ENGINES.names())}")
    click.echo(f"inpainters: {', '.join(INPAINTERS.names())}")
    click.echo(f"exporters:  {', '.join(EXPORTERS.names())}")
    click.echo(f"presets:    {', '.join(preset_names())}")
