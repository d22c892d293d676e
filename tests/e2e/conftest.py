"""Browser journeys: the app served on loopback, driven by Debian's Chromium via Playwright."""
import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.services import free_port

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOT_DIR = Path(os.environ.get("SCREENSHOT_DIR", Path(__file__).parents[1] / "_artifacts" / "screenshots"))

pytestmark = pytest.mark.e2e


@pytest.fixture
def live_port():
    return free_port()


@pytest.fixture
def app_overrides(live_port):
    return {"SERVER_NAME": f"127.0.0.1:{live_port}", "SITE_URL": f"http://127.0.0.1:{live_port}",
            "RATELIMIT_ENABLED": False}


@pytest.fixture
def live_server(app, live_port):
    server = make_server("127.0.0.1", live_port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{live_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright
    if not os.path.exists(CHROMIUM):
        pytest.fail("Chromium is missing: `make e2e-deps` installs it")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--disable-dev-shm-usage"],
        )
        yield browser
        browser.close()


class Shots:
    """Saves a screenshot per key step of a journey."""

    def __init__(self, journey):
        self.directory = SCREENSHOT_DIR
        self.journey = journey
        self.directory.mkdir(parents=True, exist_ok=True)

    def __call__(self, page, step):
        page.screenshot(path=str(self.directory / f"{self.journey}-{step}.png"), full_page=True)


@pytest.fixture
def shots(request):
    return Shots(request.node.name.removeprefix("test_"))


@pytest.fixture
def new_page(browser, live_server):
    contexts = []

    def make(locale="vi-VN"):
        context = browser.new_context(base_url=live_server, locale=locale,
                                      viewport={"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
