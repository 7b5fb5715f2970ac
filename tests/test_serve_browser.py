"""layerize serve end to end in a real browser: Debian's chromium driven by Playwright for Python.

The server runs as the installed command would (uvicorn in a thread on a free
port); the page uploads a fixture poster, waits for its layers, the title is
edited in the inspector, and the downloaded PSD's type layer holds the new text.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
import uvicorn  # the serve extra and playwright (test extra) are installed by tests/run.sh: missing fails
from playwright import sync_api

CHROMIUM = os.environ.get("LAYERIZE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
RESULT_WAIT_MS = 90_000
"""How long the page may take to show a small poster's layers on a busy 2-core machine."""
SCREENSHOTS = Path(__file__).resolve().parent.parent / "fixtures" / "screenshots"
VIEWPORT = {"width": 1280, "height": 800}

pytestmark = pytest.mark.skipif(not os.environ.get("CI") and shutil.which(CHROMIUM) is None
                                and not Path(CHROMIUM).exists(),
                                reason=f"no chromium at {CHROMIUM} (apt-get install chromium; in CI it must be there)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory):
    from layerize.serve.app import Settings, create_app

    port = free_port()
    app = create_app(Settings(workdir=tmp_path_factory.mktemp("serve-browser"), jobs=1))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def poster_png(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import designs

    path = tmp_path_factory.mktemp("browser-poster") / "poster.png"
    designs.poster(width=512).image.save(path)
    return path


def test_upload_edit_title_download_psd(base_url: str, browser, poster_png: Path, tmp_path: Path) -> None:
    from psd_tools import PSDImage

    shots = os.environ.get("LAYERIZE_SCREENSHOTS") == "1"  # set to refresh the README's screenshots
    page = browser.new_page(viewport=VIEWPORT, accept_downloads=True)
    page.goto(base_url)
    page.set_input_files("#pick", str(poster_png))
    if shots:  # the job list while the analysis runs, with its stage
        page.wait_for_selector("#jobs li[data-status=running]", timeout=RESULT_WAIT_MS)
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "upload.png"))
    title = page.locator("#layers li", has_text="Fresh Coffee").first
    title.wait_for(timeout=RESULT_WAIT_MS)
    if shots:
        page.screenshot(path=str(SCREENSHOTS / "result.png"))
    title.click()
    page.fill("#f-text", "Fresh Tea")
    page.click("#apply")
    page.locator("#layers li", has_text="Fresh Tea").first.wait_for(timeout=30_000)
    if shots:
        page.screenshot(path=str(SCREENSHOTS / "editing.png"))
    with page.expect_download(timeout=60_000) as download:
        page.click("[data-fmt=psd]")
    saved = tmp_path / "edited.psd"
    download.value.save_as(saved)
    texts = [layer.text for layer in PSDImage.open(saved).descendants() if layer.kind == "type"]
    assert any(text.strip() == "Fresh Tea" for text in texts), texts
    assert not any("Coffee" in text for text in texts), texts
    page.close()


def test_add_and_delete_blocks(base_url: str, browser, poster_png: Path) -> None:
    """Draw a box to add a missed text and an object, then delete them: the layer list follows."""
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(base_url)
    page.set_input_files("#pick", str(poster_png))
    page.locator("#layers li", has_text="Fresh Coffee").first.wait_for(timeout=RESULT_WAIT_MS)
    stage = page.locator("#stage").bounding_box()
    for tool, name in (("text", "Text: New text"), ("object", "Object")):
        page.click(f".tool[data-mode={tool}]")
        x, y = stage["x"] + 40, stage["y"] + (60 if tool == "text" else 200)
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x + 120, y + 40, steps=4)
        page.mouse.up()
        added = page.locator("#layers li", has_text=name).first
        added.wait_for(timeout=30_000)
        added.click()
        page.click("#delete" if tool == "text" else "#delete-obj")
        page.wait_for_function(f"!document.getElementById('layers').textContent.includes({name!r})", timeout=30_000)
    page.close()
