"""Browser tests: Debian's Chromium driven by Playwright against a real ``tastemaker serve``.

No browser is ever downloaded: Chromium comes from the system (``apt-get install chromium``,
or ``TASTEMAKER_CHROMIUM``), the web app from ``web/dist`` (``npm run build`` in ``web/``).
Screenshots and axe results are written under ``test-artifacts/`` as test artefacts.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.browser.served import build_data_dir, serve

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, ViewportSize

REPO = Path(__file__).resolve().parents[2]
WEB_DIST = REPO / "web" / "dist"
AXE_SCRIPT = REPO / "web" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = Path(os.environ.get("TASTEMAKER_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}
#: Two shared cores: generous, so a slow first render is not a failure.
TIMEOUT_MS = 20_000


@pytest.fixture(scope="package")
def base_url(tmp_path_factory: pytest.TempPathFactory, sample_catalog: Path) -> Iterator[str]:
    """A ``tastemaker serve`` process over a fresh data directory, serving web/dist at /."""
    if not (WEB_DIST / "index.html").is_file():
        pytest.skip(f"{WEB_DIST} is missing: build the web app (cd web && npm ci && npm run build)")
    data = build_data_dir(tmp_path_factory.mktemp("browser-data"), sample_catalog)
    with serve(data) as url:
        yield url


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """Debian's Chromium; absent, the tests skip with the reason, except as root, where
    ``make chromium`` installs it (as in CI) and its absence is a failure."""
    from playwright.sync_api import sync_playwright  # a dev dependency: missing is an error

    if not CHROMIUM.is_file():
        reason = f"no Chromium at {CHROMIUM}: apt-get install -y chromium chromium-driver"
        if os.geteuid() == 0:
            pytest.fail(f"{reason} (`make chromium` installs it when run as root)")
        pytest.skip(reason)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@contextmanager
def open_page(browser: Browser, base_url: str, viewport: ViewportSize) -> Iterator[Page]:
    """A page in a fresh context (empty localStorage); fails on uncaught errors in the app."""
    context = browser.new_context(base_url=base_url, viewport=viewport)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield page
    finally:
        context.close()
    assert not errors, f"uncaught errors in the page: {errors}"


@pytest.fixture
def page(browser: Browser, base_url: str) -> Iterator[Page]:
    with open_page(browser, base_url, DESKTOP) as opened:
        yield opened


@pytest.fixture
def phone(browser: Browser, base_url: str) -> Iterator[Page]:
    with open_page(browser, base_url, PHONE) as opened:
        yield opened


def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """Save test-artifacts/screenshots/<name>.png (the whole page, or what the screen shows)."""
    path = ARTIFACTS / "screenshots" / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=full_page)
    return path


def axe_violations(page: Page, name: str) -> list[dict[str, Any]]:
    """Run axe-core (from web/node_modules) on the page; write its violations as a test artefact."""
    import json

    if not AXE_SCRIPT.is_file():
        pytest.skip(f"{AXE_SCRIPT} is missing: run npm ci in web/")
    page.add_script_tag(path=str(AXE_SCRIPT))
    violations: list[dict[str, Any]] = page.evaluate(
        """async () => {
            const result = await axe.run(document, { resultTypes: ["violations"] });
            return result.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map((n) => n.target.join(" ")),
            }));
        }"""
    )
    path = ARTIFACTS / "axe" / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"url": page.url, "violations": violations}, indent=2) + "\n")
    return violations


LIKE = re.compile(r"^Like ")
