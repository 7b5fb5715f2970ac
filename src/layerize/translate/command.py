"""``layerize texts`` and ``layerize translate``: the translator's table out, one file per language back.

The commands are made by :func:`commands`, given the options every layerize
command shares and the scene loader of the command line, so this module need
not import the command line that registers them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..config import Config, load_config
from ..files import check_outputs
from ..scene import Scene
from . import Translation, default_workers, output_paths, read_table, translate_table, write_table, write_translations


def _summary(translations: list[Translation], written: list[Path], seconds: float) -> list[str]:
    """The blocks worth a look, per language, then what was written."""
    lines = []
    for translation in translations:
        fits = translation.fits
        shrunk = sum(f.status == "shrunk" for f in fits)
        over = sum(f.status == "overflow" for f in fits)
        lines.append(f"{translation.language}: {len(fits)} blocks, {shrunk} shrunk, {over} do not fit")
        for fit in translation.notable:
            if fit.status == "untranslated":
                lines.append(f"  {fit.block}: no {translation.language} text, keeps the source text")
            else:
                lines.append(f"  {fit.describe().split(': ', 1)[1]}")
    lines.append(f"wrote {len(written)} files in {seconds:.2f} s: {', '.join(map(str, written))}")
    return lines


def commands(common_options: Callable[[Callable[..., Any]], Callable[..., Any]],
             load_scene: Callable[[Path, Config], Scene]) -> list[click.Command]:
    """The ``texts`` and ``translate`` commands, with ``common_options`` and ``load_scene`` (a scene
    file within the config's limits, or an InputError naming it)."""

    @click.command()
    @click.argument("scene_file", type=click.Path(path_type=Path))
    @click.option("-o", "--output", "output", required=True, type=click.Path(path_type=Path),
                  help="The table to write: .csv (UTF-8) or .json.")
    @click.option("--lang", "language", default="src", show_default=True,
                  help="Name of the source language's column (e.g. en).")
    @common_options
    def texts(scene_file: Path, output: Path, language: str, config: str, quiet: bool, verbose: bool) -> None:
        """Write the texts of SCENE_FILE as a table to translate: a row per text block, a column per
        language (add one per translation, then run `layerize translate`)."""
        cfg = load_config(config)
        check_outputs([output], [scene_file])
        scene = load_scene(scene_file, cfg)
        write_table(scene, output, language)
        if not quiet:
            click.echo(f"wrote {output}: {len(scene.texts)} text blocks in column {language!r}; add a column per "
                       "language")

    @click.command()
    @click.argument("scene_file", type=click.Path(path_type=Path))
    @click.option("--texts", "texts_file", required=True, type=click.Path(path_type=Path),
                  help="The filled-in texts table (.csv or .json, from `layerize texts`).")
    @click.option("-o", "--output", "patterns", multiple=True, required=True, type=click.Path(path_type=Path),
                  help="Output pattern with {lang}, e.g. 'poster_{lang}.psd'; the format follows the extension. "
                       "Repeatable.")
    @click.option("--report", "report", type=click.Path(path_type=Path),
                  help="Also write how every block fitted in every language, as JSON.")
    @click.option("--workers", type=click.IntRange(1, 64), default=default_workers(), show_default=True,
                  help="Processes writing the files at once (the same bytes with any number).")
    @common_options
    def translate(scene_file: Path, texts_file: Path, patterns: tuple[Path, ...], report: Path | None,
                  workers: int, config: str, quiet: bool, verbose: bool) -> None:
        """Write SCENE_FILE once per language of the texts table and output pattern, each block's text
        swapped and refit into its box."""
        start = time.perf_counter()
        cfg = load_config(config)
        table = read_table(texts_file)
        inputs = [scene_file, texts_file]
        output_paths(patterns, table.languages, inputs, [report] if report else [])  # before the slow work
        translations = translate_table(load_scene(scene_file, cfg), table)
        written = write_translations(translations, patterns, cfg, report, inputs, workers)
        if not quiet:
            click.echo("\n".join(_summary(translations, written, time.perf_counter() - start)))

    return [texts, translate]
