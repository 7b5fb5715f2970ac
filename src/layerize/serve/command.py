"""The ``layerize serve`` command, built by :mod:`layerize.cli` with its shared options (no import cycle)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import click

DEFAULT_WORKDIR = Path("layerize-jobs")


def make_serve_command(shared_options: Callable[[Callable[..., Any]], Callable[..., Any]]) -> click.Command:
    """The command, given the CLI's ``common_options`` (``--config``, ``-q``, ``-v``)."""

    @click.command()
    @click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (localhost: this machine).")
    @click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
    @click.option("--workdir", type=click.Path(path_type=Path), default=DEFAULT_WORKDIR, show_default=True,
                  help="Folder of the job files (kept across restarts).")
    @click.option("--max-upload-mb", default=50.0, show_default=True, type=click.FloatRange(0.01, 4096),
                  help="Largest image upload.")
    @click.option("--jobs", default=1, show_default=True, type=click.IntRange(1, 64),
                  help="Analyses that run at the same time (one process each).")
    @click.option("--token", envvar="LAYERIZE_TOKEN", help="Require 'Authorization: Bearer TOKEN' on every API call "
                  "(also read from LAYERIZE_TOKEN; never logged).")
    @click.option("--max-age-hours", default=24.0, show_default=True, type=click.FloatRange(0.01),
                  help="Jobs older than this are deleted.")
    @shared_options
    def serve(host: str, port: int, workdir: Path, max_upload_mb: float, jobs: int, token: str | None,
              max_age_hours: float, config: str, quiet: bool, verbose: bool) -> None:
        """Serve the web page and the HTTP API (OpenAPI page at /docs)."""
        try:
            import uvicorn

            from .app import Settings, create_app
        except ImportError as exc:
            raise click.ClickException(f"{exc.name} is missing: pip install 'layerize[serve]'") from None
        app = create_app(Settings(workdir=workdir, max_upload_mb=max_upload_mb, jobs=jobs, token=token or None,
                                  max_age_hours=max_age_hours, config=config))
        if not quiet:
            click.echo(f"layerize: serving http://{host}:{port}/ (jobs in {workdir.resolve()})")
        uvicorn.run(app, host=host, port=port, log_level="warning" if quiet else "info")

    return serve
