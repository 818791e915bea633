"""A failing API shows each region's error state, and recovers on retry (fault injection by
Playwright route interception; the service itself is healthy)."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LIKE, screenshot

if TYPE_CHECKING:
    from playwright.sync_api import Page, Route

pytestmark = pytest.mark.browser

ITEMS = re.compile(r"/api/items(\?.*)?$")
RECOMMENDATIONS = re.compile(r"/api/users/[^/]+/recommendations")


def _fail(route: Route) -> None:
    route.fulfill(
        status=500,
        content_type="application/problem+json",
        body=json.dumps({"title": "Internal error", "status": 500, "detail": "injected failure"}),
    )


def test_a_failing_catalogue_shows_the_error_state_and_recovers(page: Page) -> None:
    page.route(ITEMS, _fail)
    page.goto("/")
    alert = page.get_by_role("alert").filter(has_text="Items could not be loaded.")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("injected failure")
    # The other regions have their own states: categories still load.
    categories = page.get_by_role("region", name="Categories")
    expect(categories.get_by_role("button").first).to_be_visible()
    screenshot(page, "error-items")

    page.unroute(ITEMS)
    alert.get_by_role("button", name="Try again").click()
    expect(page.get_by_role("button", name=LIKE).first).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)


def test_unreachable_recommendations_show_the_error_state(page: Page) -> None:
    ids = page.request.get("/api/items?limit=3").json()["items"]
    query = "&".join(f"like={item['id']}" for item in ids)
    page.route(RECOMMENDATIONS, lambda route: route.abort("connectionrefused"))
    page.goto(f"/recommendations?{query}")
    alert = page.get_by_role("alert").filter(has_text="Recommendations could not be loaded.")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("Cannot reach the server")
    screenshot(page, "error-recommendations")

    page.unroute(RECOMMENDATIONS)
    alert.get_by_role("button", name="Try again").click()
    expect(page.get_by_role("button", name=LIKE).first).to_be_visible()
