"""The shopper's journey in a real browser: pick items, get recommendations, teach them."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LIKE, screenshot

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser


def _pick_three_and_go(page: Page) -> None:
    page.goto("/")
    likes = page.get_by_role("button", name=LIKE)
    likes.first.wait_for()
    go = page.get_by_role("button", name="See recommendations")
    expect(go).to_be_disabled()
    for n in range(3):
        likes.nth(n).click()
        expect(likes.nth(n)).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_text("Ready: 3 liked.")).to_be_visible()
    expect(page.get_by_role("progressbar", name="3 of 3 likes")).to_be_visible()
    screenshot(page, "selection-ready")
    go.click()


def _images_loaded(page: Page, scope: str) -> int:
    """How many images in ``scope`` have loaded (waiting until every one has)."""
    page.wait_for_function(
        """(scope) => {
            const images = [...document.querySelectorAll(scope + " img")];
            return images.length > 0 && images.every((i) => i.complete && i.naturalWidth > 0);
        }""",
        arg=scope,
    )
    return int(page.evaluate("(s) => document.querySelectorAll(s + ' img').length", ".grid"))


def test_pick_items_then_recommendations_change_after_a_like(page: Page) -> None:
    _pick_three_and_go(page)

    expect(page).to_have_url(re.compile(r"/recommendations\?like=\w+&like=\w+&like=\w+$"))
    region = page.get_by_role("region", name="Picked for you")
    titles = region.get_by_role("heading", level=3)
    titles.first.wait_for()
    assert _images_loaded(page, ".grid") >= 10
    expect(region.get_by_text(re.compile("^because you liked ")).first).to_be_visible()
    screenshot(page, "recommendations")

    before = titles.all_inner_texts()
    liked = before[0]
    with page.expect_response(
        lambda r: r.url.endswith("/feedback") and r.request.method == "POST"
    ) as feedback:
        region.get_by_role("button", name=f"Like {liked}", exact=True).click()
    assert feedback.value.status == 200
    assert feedback.value.request.post_data_json["kind"] == "like"
    expect(page.get_by_text(f"Liked {liked}. Your recommendations were updated.")).to_be_attached()
    expect(region.get_by_role("heading", level=3, name=liked, exact=True)).to_have_count(0)
    after = titles.all_inner_texts()
    assert after != before
    assert liked not in after
    screenshot(page, "recommendations-after-like")

    # A reload keeps the selection (URL) and the user (localStorage), likes included.
    user = page.evaluate("() => JSON.parse(localStorage.getItem('tastemaker.user')).id")
    url = page.url
    page.reload()
    titles.first.wait_for()
    assert page.url == url
    assert page.evaluate("() => JSON.parse(localStorage.getItem('tastemaker.user')).id") == user
    assert liked not in titles.all_inner_texts()


def test_refine_keeps_the_selection_and_filters_narrow_the_list(page: Page) -> None:
    _pick_three_and_go(page)
    region = page.get_by_role("region", name="Picked for you")
    region.get_by_role("heading", level=3).first.wait_for()

    region.get_by_role("combobox", name="Category").select_option("Footwear")
    expect(page).to_have_url(re.compile(r"master_category=Footwear"))
    footwear = re.compile("Shoes|Sandals|Heels|Flip Flops")
    cards = region.locator(".card__meta")
    expect(cards.filter(has_not_text=footwear)).to_have_count(0)
    assert cards.count() > 0

    page.get_by_role("link", name="← Refine your selection").click()
    expect(page).to_have_url(re.compile(r"/\?like=\w+&like=\w+&like=\w+$"))
    expect(page.get_by_role("button", name="See recommendations")).to_be_enabled()


def test_item_page_shows_details_and_similar_items(page: Page) -> None:
    page.goto("/")
    first = page.locator(".card__title a").first
    name = first.inner_text()
    first.click()
    expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()
    similar = page.get_by_role("region", name="Similar items")
    expect(similar.get_by_role("link").first).to_be_visible()
    _images_loaded(page, "#similar-heading + .grid")
    screenshot(page, "item")
    page.get_by_role("link", name="← Back").click()
    expect(page).to_have_url(re.compile(r"/$"))


def test_insights_show_the_synthetic_data(page: Page) -> None:
    page.goto("/insights")
    overview = page.get_by_role("region", name="Overview")
    expect(overview.get_by_text("480").first).to_be_visible()
    expect(page.get_by_role("table", name="Before calibration (raw LLM answers)")).to_be_attached()
    expect(page.get_by_role("table", name="After calibration")).to_be_attached()
    metrics = page.get_by_role("table", name="Metrics of model two-tower-fixture")
    expect(metrics.get_by_role("row", name="recall@10 0.4120")).to_be_visible()
    screenshot(page, "insights")


def test_keyboard_alone_can_pick_and_sees_where_focus_is(page: Page) -> None:
    page.goto("/")
    page.get_by_role("button", name=LIKE).first.wait_for()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")  # skip the header
    for _ in range(60):
        page.keyboard.press("Tab")
        label = page.evaluate("() => document.activeElement.getAttribute('aria-label') || ''")
        if label.startswith("Like "):
            break
    else:
        pytest.fail("no Like button reachable with Tab")
    outline = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"
    )
    assert outline[0] != "none"
    assert outline[1] >= 2
    page.keyboard.press("Space")
    expect(page.get_by_role("button", name=label, exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    screenshot(page, "keyboard-focus")
