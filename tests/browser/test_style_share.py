"""A clear style in, the same style out: the first page of recommendations after three picks.

Issue 17.2: a shopper who likes three formal men's shoes must get a first page where most
items are men's footwear, asserted as a share, not only that a list appears. This runs on the
browser fixture's service, which serves the content runtime (items are their MiniLM text
vectors, a shopper the blend of the items picked): the model any fresh install serves before
training, and the one a hybrid leans on while the ratings carry little signal.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LIKE, screenshot

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

FOOTWEAR = re.compile(r"\b(Shoes|Sandals|Heels|Flip Flops)\b")
#: "Most": well over half of the first page.
MIN_SHARE = 0.7


@pytest.mark.xfail(
    strict=True,
    reason="issue 17.2 open: the content runtime's first page is footwear (22/24) but not "
    "men's (11/24 Men, 4 Unisex, the rest Women/Girls): MiniLM text vectors barely tell "
    "'Men' from 'Women'. Remove this mark with the fix (strict: passing fails until then).",
)
def test_three_formal_mens_shoes_bring_mostly_mens_footwear(page: Page) -> None:
    page.goto("/?gender=Men&q=formal+shoes")
    grid = page.locator(".grid")
    grid.locator(".card").first.wait_for()
    metas = grid.locator(".card__meta").all_inner_texts()[:3]
    assert len(metas) == 3, f"the sample catalogue has fewer than 3 men's formal shoes: {metas}"
    assert all("Formal Shoes" in m and "Men" in m for m in metas), metas
    likes = grid.get_by_role("button", name=LIKE)
    for n in range(3):
        likes.nth(n).click()
        expect(likes.nth(n)).to_have_attribute("aria-pressed", "true")
    page.get_by_role("button", name="See recommendations").click()

    region = page.get_by_role("region", name="Picked for you")
    region.get_by_role("heading", level=3).first.wait_for()
    shown = region.locator(".card__meta").all_inner_texts()
    assert len(shown) >= 10, shown
    mens = [m for m in shown if re.search(r"\bMen\b", m)]
    footwear = [m for m in shown if FOOTWEAR.search(m)]
    both = [m for m in mens if FOOTWEAR.search(m)]
    screenshot(page, "style-share-formal-mens-shoes")
    assert len(mens) / len(shown) >= MIN_SHARE, f"men's items {len(mens)}/{len(shown)}: {shown}"
    assert len(footwear) / len(shown) >= MIN_SHARE, f"footwear {len(footwear)}/{len(shown)}"
    assert len(both) / len(shown) >= MIN_SHARE - 0.1, f"men's footwear {len(both)}/{len(shown)}"
