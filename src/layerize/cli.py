"""The ``layerize`` command line.

``layerize IMAGE -o out.psd -o out.pptx [--scene s.json]`` analyses once and
writes every output; ``layerize SCENE.json -o out.svg`` re-exports an edited
scene graph; ``layerize schema`` prints the scene graph's JSON Schema.

Every failure is one line on standard error, ``layerize: error: ...`` (exit 2
for bad input, options or configuration; exit 70, ``internal error``, for a
bug, with the traceback under ``-v``).
"""

from __future__ import annotations

import json
import logging
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, get_args

import click
from click_default_group import DefaultGroup
from pydantic import ValidationError

from . import __version__
from .config import Background, Config, Quality, load_config, preset_names
from .errors import InputError, LayerizeError
from .files import check_outputs
from .fonts import catalogue
from .registry import EXPORTERS, INPAINTERS, OCR_ENGINES, SEGMENTERS, format_for
from .scene import Scene, json_schema
from .timing import collect, table_lines

EXIT_USAGE, EXIT_INTERNAL = 2, 70  # 70: EX_SOFTWARE, an internal error (sysexits.h)


class _LineFormatter(logging.Formatter):
    """Log records as ``layerize: [warning: ]message`` lines."""

    def format(self, record: logging.LogRecord) -> str:
        level = f"{record.levelname.lower()}: " if record.levelno >= logging.WARNING else ""
        return f"layerize: {level}{record.getMessage()}"


class LayerizeGroup(DefaultGroup):
    """The command group; turns every error, click's usage errors included, into one line."""

    verbose = False

    def main(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except click.exceptions.Abort:
            click.echo("layerize: error: aborted", err=True)
            sys.exit(1)
        except click.ClickException as exc:
            click.echo(f"layerize: error: {exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        except LayerizeError as exc:
            click.echo(f"layerize: error: {exc}", err=True)
            sys.exit(EXIT_USAGE)
        except Exception as exc:  # a bug: one line, the traceback only on request
            if LayerizeGroup.verbose:
                traceback.print_exc()
            click.echo(f"layerize: internal error: {type(exc).__name__}: {exc} (please report it; -v shows "
                       "the traceback)", err=True)
            sys.exit(EXIT_INTERNAL)
        sys.exit(code if isinstance(code, int) else 0)


def _set_logging(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    """``-v`` logs each stage; ``-q`` only errors (set before the command runs)."""
    if param.name == "verbose" and value:
        LayerizeGroup.verbose = True
    root = logging.getLogger("layerize")
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(_LineFormatter())
        root.addHandler(handler)
        root.propagate = False
        root.setLevel(logging.WARNING)
    if value:
        root.setLevel(logging.INFO if param.name == "verbose" else logging.ERROR)
    return value


def common_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options every command shares: ``--config``, ``-q`` and ``-v``."""
    for option in reversed((
        click.option("--config", "config", default="default", show_default=True,
                     help=f"Preset name ({', '.join(preset_names())}) or a TOML file."),
        click.option("-q", "--quiet", is_flag=True, callback=_set_logging, help="Print errors only."),
        click.option("-v", "--verbose", is_flag=True, callback=_set_logging, help="Log each stage."),
    )):
        command = option(command)
    return command


def output_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``-o OUTPUT`` (repeatable) and ``--scene FILE``."""
    command = click.option("--scene", "scene_path", type=click.Path(path_type=Path),
                           help="Also write the scene graph as JSON (edit it, then re-export it).")(command)
    return click.option("-o", "--output", "outputs", multiple=True, type=click.Path(path_type=Path),
                        help="Output file; the format follows the extension (.psd, .pptx, .svg). "
                             "Repeatable.")(command)


def _check_outputs(outputs: tuple[Path, ...], scene_path: Path | None, inputs: tuple[Path, ...] = ()) -> None:
    """At least one output, each of a known format and writable, none an input: checked before any slow work."""
    if not outputs and scene_path is None:
        raise click.UsageError("give at least one -o OUTPUT or --scene FILE")
    for out in outputs:
        format_for(out)
    check_outputs([*outputs, *([scene_path] if scene_path else [])], inputs)


def load_scene(path: Path, cfg: Config) -> Scene:
    """A scene graph file within the config's limits, or an InputError naming it and the first problem."""
    try:
        return Scene.load(path, max_pixels=cfg.limits.max_pixels)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(map(str, first["loc"]))
        raise InputError(path, f"invalid scene graph at {where}: {first['msg']} ({exc.error_count()} errors)") from None
    except UnicodeDecodeError as exc:
        raise InputError(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except ValueError as exc:
        raise InputError(path, str(exc)) from None
    except OSError as exc:
        raise InputError(path, f"cannot read scene file: {exc.strerror or exc}") from None


SUMMARY_CHARS = 160
"""Characters of a block's text the summary quotes (every line, up to this many in all)."""


def _quoted(text: str) -> str:
    return repr(text) if len(text) <= SUMMARY_CHARS else repr(text[:SUMMARY_CHARS]) + f"… ({len(text)} characters)"


def _summary(scene: Scene, outputs: list[Path], seconds: float, cfg: Config) -> str:
    """The blocks found, then a line per file written: its fidelity, size and (exporters that tell) contents."""
    from .export import describe_output

    lines = [f"{len(scene.texts)} text blocks, {len(scene.nodes) - len(scene.texts)} other nodes, {seconds:.2f} s"]
    for block in scene.texts:
        style = block.style
        fidelity = f" fidelity {block.fidelity:.2f}" if block.fidelity is not None else ""
        lines.append(f"  {block.id:<8} {style.font_postscript} {style.size_px:.1f}px {style.color} {style.align}"
                     f"{fidelity} conf {block.provenance.confidence:.2f}  {_quoted(block.text)}")
    if scene.metadata.get("text_fidelity") is not None:
        lines.append(f"text fidelity {scene.metadata['text_fidelity']:.3f} (blocks under 0.6 deserve a look)")
    scores = scene.metadata.get("export_fidelity", {})
    for path in outputs:
        score = scores.get(path.name)
        fidelity = f"  (fidelity: SSIM {score['ssim']:.3f}, PSNR {score['psnr']:.1f} dB)" if score else ""
        lines.append(f"wrote {path}{fidelity}  {describe_output(path, cfg.export)}")
    return "\n".join(lines)


def _finish(scene: Scene, outputs: tuple[Path, ...], scene_path: Path | None, cfg: Config, quiet: bool,
            start: float, slow_checks: bool = False, before: list[Path] | None = None) -> None:
    """Write the outputs and the scene file (all or none), then print the summary."""
    from .export import write_outputs

    written = [*(before or []), *write_outputs(scene, outputs, cfg, scene_path, slow_checks)]
    if not quiet:
        click.echo(_summary(scene, written, time.perf_counter() - start, cfg))


@click.group(cls=LayerizeGroup, default="convert", default_if_no_args=False)
@click.version_option(__version__, prog_name="layerize")
def main() -> None:
    """Turn a flat design image into editable PSD, PPTX and SVG files."""


@main.command()
@click.argument("source", type=click.Path(path_type=Path))
@output_options
@click.option("--object", "object_boxes", multiple=True, metavar="X0,Y0,X1,Y1[:LABEL]",
              help="Make what is in this box an object layer, found or not. Repeatable.")
@click.option("--no-objects", is_flag=True, help="Text only: leave objects and shapes in the background.")
@click.option("--slow-checks", is_flag=True,
              help="Also score outputs whose redrawing is slow (PPTX, through LibreOffice when installed).")
@click.option("--timings", is_flag=True, help="Print the seconds of each stage (on standard error) at the end.")
@common_options
def convert(source: Path, outputs: tuple[Path, ...], scene_path: Path | None, config: str,
            object_boxes: tuple[str, ...], no_objects: bool, slow_checks: bool, timings: bool, quiet: bool,
            verbose: bool) -> None:
    """Analyse SOURCE (an image, or a scene .json to re-export) and write the outputs."""
    from .objects import ObjectHint
    from .pipeline import analyze

    _check_outputs(outputs, scene_path, (source,))
    cfg = load_config(config)
    if no_objects:
        cfg = cfg.without_objects()
    try:
        hints = [ObjectHint.parse(box) for box in object_boxes]
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--object") from None
    start = time.perf_counter()
    with collect() as table:
        if cfg.text.font_dirs:  # the user's fonts join the catalogue, so a scene may name them
            catalogue(tuple(cfg.text.font_dirs))
        scene = load_scene(source, cfg) if source.suffix.lower() == ".json" else analyze(source, cfg, hints)
        _finish(scene, outputs, scene_path, cfg, quiet, start, slow_checks)
    if timings:
        table["total"] = time.perf_counter() - start
        click.echo("\n".join(table_lines(table)), err=True)


@main.command()
def schema() -> None:
    """Print the JSON Schema of the scene graph."""
    click.echo(json.dumps(json_schema(), indent=2))


@main.command()
def engines() -> None:
    """List the registered engines, presets and prompt templates."""
    from .generate import template_names

    for title, registry in (("ocr", OCR_ENGINES), ("inpainters", INPAINTERS), ("segmenters", SEGMENTERS),
                            ("exporters", EXPORTERS)):
        click.echo(f"{title + ':':<12}{', '.join(registry.names())}")
    click.echo(f"{'presets:':<12}{', '.join(preset_names())}")
    click.echo(f"{'templates:':<12}{', '.join(template_names())}")


@main.command()
@click.argument("prompt")
@output_options
@click.option("--size", help="WIDTHxHEIGHT in multiples of 16 (e.g. 1024x1536), or auto; default: the template's.")
@click.option("--quality", type=click.Choice(get_args(Quality)),
              help="Default: the config's (medium).")
@click.option("--model", help="Image model; default: the config's (gpt-image-2).")
@click.option("--background", type=click.Choice(get_args(Background)),
              help="Default: the config's (opaque).")
@click.option("--template", help="Prompt template (poster, infographic, slide, product, text-free) or a TOML file.")
@click.option("--preview", is_flag=True, help="Make a cheap low-quality preview first, then the real image.")
@common_options
def generate(prompt: str, outputs: tuple[Path, ...], scene_path: Path | None, size: str | None,
             quality: str | None, model: str | None, background: str | None, template: str | None,
             preview: bool, config: str, quiet: bool, verbose: bool) -> None:
    """Generate a design for PROMPT with an image model and write it as editable files.

    The API key comes from OPENAI_API_KEY; OPENAI_BASE_URL points at an
    OpenAI-compatible proxy. The raw image is saved as NAME.raw.png (or .jpg,
    .webp) beside the first output.
    """
    from .generate import generate as generate_design

    def show_preview(result: Any, path: Path) -> None:
        """Show the preview; at a terminal, ask before paying for the real image."""
        if not quiet:
            click.echo(f"preview {path}: {result.describe()}")
        if sys.stdin.isatty():
            click.confirm("Generate the full-quality image?", default=True, abort=True)

    _check_outputs(outputs, scene_path)
    cfg = load_config(config)
    start = time.perf_counter()
    first = (outputs or (scene_path,))[0]
    made = generate_design(prompt, first.with_suffix(".raw.png"), config=cfg, model=model, size=size,
                           quality=quality, background=background, template=template, preview=preview,
                           on_preview=show_preview)
    if not quiet:
        total = f", total est. ${made.cost_usd:.4f} with the preview" if made.preview and made.cost_usd else ""
        click.echo(f"generated {made.image_path.name}: {made.result.describe()}{total}")
    raw = [p for p in (made.preview_path, made.image_path) if p is not None]
    _finish(made.scene, outputs, scene_path, cfg, quiet, start, before=raw)


@main.command()
@click.argument("scene_file", type=click.Path(path_type=Path))
@click.option("--layer", required=True, help="The object layer to repaint, by name or id.")
@click.option("--prompt", required=True, help="What to paint there instead.")
@click.option("-o", "--output", "outputs", multiple=True, type=click.Path(path_type=Path),
              help="Also export the updated scene (.psd, .pptx, .svg). Repeatable.")
@click.option("--quality", type=click.Choice(get_args(Quality)),
              help="Default: the config's (medium).")
@click.option("--model", help="Image model; default: the config's (gpt-image-2).")
@common_options
def regenerate(scene_file: Path, layer: str, prompt: str, outputs: tuple[Path, ...], quality: str | None,
               model: str | None, config: str, quiet: bool, verbose: bool) -> None:
    """Repaint one object layer of SCENE_FILE with the image model's edit endpoint.

    The layer's alpha is the edit mask; the scene file is updated in place.
    """
    from .generate import regenerate as repaint

    _check_outputs(outputs, scene_file)
    cfg = load_config(config)
    start = time.perf_counter()
    scene, result = repaint(load_scene(scene_file, cfg), layer, prompt, config=cfg, model=model, quality=quality)
    if not quiet:
        click.echo(f"repainted {layer}: {result.describe()}")
    _finish(scene, outputs, scene_file, cfg, quiet, start)


from .serve.command import make_serve_command  # noqa: E402  (web dependencies load only when it runs)

main.add_command(make_serve_command(common_options))


from .batch.cli import commands as batch_commands  # noqa: E402  (they take the shared options defined above)

for _command in batch_commands(common_options):
    main.add_command(_command)


from .translate.command import commands as translate_commands  # noqa: E402  (as the batch commands)

for _command in translate_commands(common_options, load_scene):
    main.add_command(_command)
