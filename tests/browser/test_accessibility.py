"""Every page: an axe scan with no serious or critical violation, one h1, and a layout that
fits a phone. The violations of each scan are written to test-artifacts/axe/<page>.json."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from tests.browser.conftest import LIKE, axe_violations, screenshot

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

BLOCKING = {"serious", "critical"}


def _liked_query(page: Page) -> str:
    ids = page.request.get("/api/items?limit=3").json()["items"]
    return "&".join(f"like={item['id']}" for item in ids)


def _open(page: Page, name: str) -> None:
    """Go to page ``name`` and wait until its data regions have loaded."""
    if name == "selection":
        page.goto("/")
        page.get_by_role("button", name=LIKE).first.wait_for()
    elif name == "selection-picked":
        page.goto(f"/?{_liked_query(page)}&cat=Tshirts")
        page.get_by_text("Ready: 3 liked.").wait_for()
    elif name == "recommendations":
        page.goto(f"/recommendations?{_liked_query(page)}")
        region = page.get_by_role("region", name="Picked for you")
        region.get_by_role("button", name=LIKE).first.wait_for()
    elif name == "item":
        item_id = page.request.get("/api/items?limit=1").json()["items"][0]["id"]
        page.goto(f"/items/{item_id}")
        page.get_by_role("region", name="Similar items").get_by_role("link").first.wait_for()
    elif name == "insights":
        page.goto("/insights")
        metrics = page.get_by_role("table", name="Metrics of model two-tower-fixture")
        metrics.wait_for(state="attached")
    elif name == "not-found":
        page.goto("/no/such/page")
        page.get_by_role("heading", name="Page not found").wait_for()
    # Let lazy images settle so the scan and the screenshot see the finished page.
    page.wait_for_load_state("networkidle")


PAGES = ["selection", "selection-picked", "recommendations", "item", "insights", "not-found"]


@pytest.mark.parametrize("name", PAGES)
def test_axe_finds_no_serious_violations(page: Page, name: str) -> None:
    _open(page, name)
    violations = axe_violations(page, name)
    screenshot(page, f"axe-{name}")
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert not blocking, f"{name}: {blocking}"
    assert page.get_by_role("heading", level=1).count() == 1


def test_axe_on_the_error_state(page: Page) -> None:
    page.route(re.compile(r"/api/items\?"), lambda route: route.fulfill(status=503, body="{}"))
    page.goto("/")
    page.get_by_role("alert").filter(has_text="Items could not be loaded.").wait_for()
    violations = axe_violations(page, "error-state")
    assert not [v for v in violations if v["impact"] in BLOCKING]


@pytest.mark.parametrize("name", ["selection", "recommendations", "item", "insights"])
def test_pages_fit_a_phone(phone: Page, name: str) -> None:
    _open(phone, name)
    overflow = phone.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    screenshot(phone, f"phone-{name}", full_page=False)
    assert overflow <= 0, f"{name} scrolls sideways by {overflow}px on a 390px-wide screen"
    violations = axe_violations(phone, f"phone-{name}")
    assert not [v for v in violations if v["impact"] in BLOCKING]
