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
from collections.abc import Callable
from pathlib import Path

import click
from click_default_group import DefaultGroup
from pydantic import ValidationError

from . import __version__
from .config import Config, load_config, preset_names
from .errors import InputError, LayerizeError
from .exporting import EXPORTERS, export, format_for
from .fidelity import export_fidelity
from .imagegen import BACKGROUNDS, QUALITIES, ImageResult, template_names
from .pipeline import analyze
from .scene import Scene, json_schema
from .segment import SEGMENTERS, ObjectHint


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
        fidelity = f" fidelity {block.fidelity:.2f}" if block.fidelity is not None else ""
        lines.append(
            f"  {block.id:<8} {style.font_postscript} {style.size_px:.1f}px {style.color} {style.align}"
            f"{fidelity} conf {block.provenance.confidence:.2f}  {block.text.splitlines()[0][:50]!r}"
        )
    if scene.metadata.get("text_fidelity") is not None:
        lines.append(f"text fidelity {scene.metadata['text_fidelity']:.3f} (blocks under 0.6 deserve a look)")
    scores = scene.metadata.get("export_fidelity", {})
    for path in outputs:
        score = scores.get(path.name)
        lines.append(f"wrote {path}" + (f"  (fidelity: SSIM {score['ssim']:.3f}, PSNR {score['psnr']:.1f} dB)"
                                        if score else ""))
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
@click.option("--object", "object_boxes", multiple=True, metavar="X0,Y0,X1,Y1[:LABEL]",
              help="Make what is in this box an object layer, found or not. Repeatable.")
@click.option("--no-objects", is_flag=True, help="Text only: leave objects and shapes in the background.")
@click.option("--slow-checks", is_flag=True,
              help="Also score outputs whose redrawing is slow (PPTX, through LibreOffice when installed).")
@click.option("-q", "--quiet", is_flag=True, help="Print errors only.")
@click.option("-v", "--verbose", is_flag=True, help="Log each stage.")
def convert(source: Path, outputs: tuple[Path, ...], scene_path: Path | None, config: str,
            object_boxes: tuple[str, ...], no_objects: bool, slow_checks: bool, quiet: bool, verbose: bool) -> None:
    """Analyse SOURCE (an image, or a scene .json to re-export) and write the outputs."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(name)s: %(message)s")
    try:
        if not outputs and scene_path is None:
            raise click.UsageError("give at least one -o OUTPUT or --scene FILE")
        for out in outputs:
            format_for(out)  # fail on an unknown extension before the slow analysis
        cfg = load_config(config)
        if no_objects:
            cfg = cfg.model_copy(update={"objects": cfg.objects.model_copy(update={"enabled": False})})
        try:
            hints = [ObjectHint.parse(box) for box in object_boxes]
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--object") from None
        start = time.perf_counter()
        scene = _load_scene(source) if source.suffix.lower() == ".json" else analyze(source, cfg, hints)
        written = _write_outputs(scene, outputs, cfg, slow_checks)
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
    click.echo(f"segmenters: {', '.join(SEGMENTERS.names())}")
    click.echo(f"exporters:  {', '.join(EXPORTERS.names())}")
    click.echo(f"presets:    {', '.join(preset_names())}")
    click.echo(f"templates:  {', '.join(template_names())}")


def _write_outputs(scene: Scene, outputs: tuple[Path, ...], cfg: Config, slow_checks: bool = False) -> list[Path]:
    """Export ``scene`` to every output with the config's options for its format, and score each file.

    Each output's fidelity (its redrawing against the input) goes into the
    scene's ``metadata["export_fidelity"]`` under the output's file name.
    """
    written = []
    for out in outputs:
        written.append(export(scene, out, **cfg.export.get(format_for(out), {})))
        score = export_fidelity(scene, out, slow=slow_checks)
        if score is not None:
            scene.metadata.setdefault("export_fidelity", {})[out.name] = score.as_dict()
    return written


def _confirm_preview(quiet: bool) -> Callable[[ImageResult, Path], None]:
    """Show the preview; at a terminal, ask before paying for the real image."""
    def show(result: ImageResult, path: Path) -> None:
        if not quiet:
            click.echo(f"preview {path}: {result.describe()}")
        if sys.stdin.isatty():
            click.confirm("Generate the full-quality image?", default=True, abort=True)
    return show


@main.command()
@click.argument("prompt")
@click.option("-o", "--output", "outputs", multiple=True, type=click.Path(path_type=Path),
              help="Output file (.psd, .pptx, .svg); the raw image is saved beside the first. Repeatable.")
@click.option("--scene", "scene_path", type=click.Path(path_type=Path), help="Also write the scene graph as JSON.")
@click.option("--size", help="WIDTHxHEIGHT in multiples of 16 (e.g. 1024x1536), or auto; default: the template's.")
@click.option("--quality", type=click.Choice(QUALITIES), help="Default: the config's (medium).")
@click.option("--model", help="Image model; default: the config's (gpt-image-2).")
@click.option("--background", type=click.Choice(BACKGROUNDS), help="Default: the config's (opaque).")
@click.option("--template", help="Prompt template (poster, infographic, slide, product, text-free) or a TOML file.")
@click.option("--preview", is_flag=True, help="Make a cheap low-quality preview first, then the real image.")
@click.option("--config", "config", default="default", show_default=True,
              help=f"Preset name ({', '.join(preset_names())}) or a TOML file.")
@click.option("-q", "--quiet", is_flag=True, help="Print errors only.")
@click.option("-v", "--verbose", is_flag=True, help="Log each stage.")
def generate(prompt: str, outputs: tuple[Path, ...], scene_path: Path | None, size: str | None,
             quality: str | None, model: str | None, background: str | None, template: str | None,
             preview: bool, config: str, quiet: bool, verbose: bool) -> None:
    """Generate a design for PROMPT with an image model and write it as editable files.

    The API key comes from OPENAI_API_KEY; OPENAI_BASE_URL points at an
    OpenAI-compatible proxy. The raw image is saved as NAME.raw.png (or .jpg,
    .webp) beside the first output.
    """
    from .imagegen import generate as generate_design

    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(name)s: %(message)s")
    try:
        if not outputs and scene_path is None:
            raise click.UsageError("give at least one -o OUTPUT or --scene FILE")
        for out in outputs:
            format_for(out)
        cfg = load_config(config)
        start = time.perf_counter()
        first = (outputs or (scene_path,))[0]
        made = generate_design(prompt, first.with_suffix(".raw.png"), config=cfg, model=model, size=size,
                               quality=quality, background=background, template=template, preview=preview,
                               on_preview=_confirm_preview(quiet))
        written = [p for p in (made.preview_path, made.image_path) if p is not None]
        written += _write_outputs(made.scene, outputs, cfg)
        if scene_path is not None:
            made.scene.save(scene_path)
            written.append(scene_path)
    except LayerizeError as exc:
        click.echo(f"layerize: error: {exc}", err=True)
        sys.exit(2)
    if not quiet:
        total = f", total est. ${made.cost_usd:.4f} with the preview" if made.preview and made.cost_usd else ""
        click.echo(f"generated {made.image_path.name}: {made.result.describe()}{total}")
        click.echo(_summary(made.scene, written, time.perf_counter() - start))


@main.command()
@click.argument("scene_file", type=click.Path(path_type=Path))
@click.option("--layer", required=True, help="The object layer to repaint, by name or id.")
@click.option("--prompt", required=True, help="What to paint there instead.")
@click.option("-o", "--output", "outputs", multiple=True, type=click.Path(path_type=Path),
              help="Also export the updated scene (.psd, .pptx, .svg). Repeatable.")
@click.option("--quality", type=click.Choice(QUALITIES), help="Default: the config's (medium).")
@click.option("--model", help="Image model; default: the config's (gpt-image-2).")
@click.option("--config", "config", default="default", show_default=True,
              help=f"Preset name ({', '.join(preset_names())}) or a TOML file.")
@click.option("-q", "--quiet", is_flag=True, help="Print errors only.")
@click.option("-v", "--verbose", is_flag=True, help="Log each stage.")
def regenerate(scene_file: Path, layer: str, prompt: str, outputs: tuple[Path, ...], quality: str | None,
               model: str | None, config: str, quiet: bool, verbose: bool) -> None:
    """Repaint one object layer of SCENE_FILE with the image model's edit endpoint.

    The layer's alpha is the edit mask; the scene file is updated in place.
    """
    from .imagegen import regenerate as repaint

    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(name)s: %(message)s")
    try:
        for out in outputs:
            format_for(out)
        cfg = load_config(config)
        scene, result = repaint(_load_scene(scene_file), layer, prompt, config=cfg, model=model, quality=quality)
        scene.save(scene_file)
        written = [scene_file, *_write_outputs(scene, outputs, cfg)]
    except LayerizeError as exc:
        click.echo(f"layerize: error: {exc}", err=True)
        sys.exit(2)
    if not quiet:
        click.echo(f"repainted {layer}: {result.describe()}")
        click.echo("\n".join(f"wrote {path}" for path in written))
