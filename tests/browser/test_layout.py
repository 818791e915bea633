"""Layout in a real browser: the sticky progress bar never covers the items' filter row."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.browser.conftest import open_page, screenshot

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, ViewportSize

pytestmark = pytest.mark.browser

#: A phone, the width where the bar wraps onto a second row, a tablet and a desktop.
WIDTHS = [320, 640, 800, 1280]


def _bar_bottom(page: Page) -> float:
    box = page.locator(".progress").bounding_box()
    assert box is not None
    return float(box["y"] + box["height"])


def _box_top(page: Page, selector: str) -> float:
    box = page.locator(selector).first.bounding_box()
    assert box is not None
    return float(box["y"])


@pytest.mark.parametrize("width", WIDTHS)
def test_scrolling_to_the_items_leaves_their_heading_below_the_bar(
    browser: Browser, base_url: str, width: int
) -> None:
    viewport: ViewportSize = {"width": width, "height": 760}
    with open_page(browser, base_url, viewport) as page:
        page.goto("/")
        page.locator(".grid .card").first.wait_for()
        # What an anchor link, a skip link or a focus move does: scroll the heading to the top.
        page.evaluate("document.getElementById('items-heading').scrollIntoView({block: 'start'})")
        page.wait_for_timeout(100)
        assert _box_top(page, "#items-heading") >= _bar_bottom(page) - 0.5


@pytest.mark.parametrize("width", [800, 1280])
def test_the_filter_row_is_never_half_under_the_bar(
    browser: Browser, base_url: str, width: int
) -> None:
    viewport: ViewportSize = {"width": width, "height": 760}
    with open_page(browser, base_url, viewport) as page:
        page.goto("/")
        page.locator(".grid .card").first.wait_for()
        start = page.evaluate("document.querySelector('.toolbar').getBoundingClientRect().top")
        for offset in range(-40, 400, 20):  # from just above the row to deep in the grid
            page.evaluate(f"window.scrollTo(0, {start} + {offset})")
            page.wait_for_timeout(30)
            toolbar = page.locator(".toolbar").bounding_box()
            assert toolbar is not None
            if toolbar["y"] + toolbar["height"] <= 0:
                continue  # scrolled away entirely: nothing half hidden
            assert toolbar["y"] >= _bar_bottom(page) - 0.5, f"scrolled {offset}px past the row"
        screenshot(page, f"filter-row-{width}", full_page=False)
