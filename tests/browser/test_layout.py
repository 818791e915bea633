"""Layout in a real browser: the sticky progress bar never covers the items' filter row."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.browser.conftest import LIKE, open_page, screenshot

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


def _overlap(page: Page) -> float:
    """How many pixels of the filter row's box lie under the sticky bar's box (0: none)."""
    bar = page.locator(".progress").bounding_box()
    row = page.locator(".toolbar").bounding_box()
    assert bar is not None
    assert row is not None
    top = max(bar["y"], row["y"])
    bottom = min(bar["y"] + bar["height"], row["y"] + row["height"])
    left = max(bar["x"], row["x"])
    right = min(bar["x"] + bar["width"], row["x"] + row["width"])
    return max(0.0, bottom - top) if right > left else 0.0


@pytest.mark.parametrize("width", [320, 640, 800, 1280])
@pytest.mark.parametrize("liked", [0, 1])
def test_the_bar_and_the_filter_row_never_overlap_while_scrolling(
    browser: Browser, base_url: str, width: int, liked: int
) -> None:
    """Issue 17.3: their boxes stay apart at every scroll position, phone to desktop, also
    once a like has made the bar taller (a "Start over" button, a longer message)."""
    viewport: ViewportSize = {"width": width, "height": 760}
    with open_page(browser, base_url, viewport) as page:
        page.goto("/")
        page.locator(".grid .card").first.wait_for()
        for n in range(liked):
            page.get_by_role("button", name=LIKE).nth(n).click()
        start = page.evaluate(
            "document.querySelector('.toolbar').getBoundingClientRect().top + window.scrollY"
        )
        height = page.evaluate("document.documentElement.scrollHeight")
        # From above the row, through it and the grid, to the bottom of the page.
        offsets = [*range(-200, 400, 10), int(height)]
        for offset in offsets:
            page.evaluate(f"window.scrollTo(0, {start} + {offset})")
            page.wait_for_timeout(20)
            covered = _overlap(page)
            assert covered <= 0.5, f"{width}px, scrolled {offset}px past the row: {covered}px"
        screenshot(page, f"bar-and-filter-row-{width}-{liked}", full_page=False)


def test_on_a_phone_the_filters_fold_behind_a_toggle_and_the_row_still_clears_the_bar(
    browser: Browser, base_url: str
) -> None:
    viewport: ViewportSize = {"width": 320, "height": 760}
    with open_page(browser, base_url, viewport) as page:
        page.goto("/")
        page.locator(".grid .card").first.wait_for()
        gender = page.get_by_role("combobox", name="Gender")
        toggle = page.get_by_role("button", name="Filters")
        assert not gender.is_visible()
        toggle.click()
        assert toggle.get_attribute("aria-expanded") == "true"
        gender.select_option("Men")
        page.get_by_role("button", name="Filters (1)").wait_for()
        for offset in range(0, 600, 50):  # the open row is taller: still below the bar
            page.evaluate(f"window.scrollTo(0, {offset})")
            page.wait_for_timeout(20)
            assert _overlap(page) <= 0.5, f"scrolled to {offset}px with the filters open"
        screenshot(page, "filters-open-320", full_page=False)


def test_on_a_desktop_the_filters_show_without_a_toggle(page: Page) -> None:
    page.goto("/")
    page.locator(".grid .card").first.wait_for()
    assert page.get_by_role("combobox", name="Gender").is_visible()
    assert not page.locator(".toolbar__toggle").is_visible()
