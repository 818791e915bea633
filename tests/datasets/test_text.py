from __future__ import annotations

import pytest

from tastemaker.datasets.text import item_text, split_title, user_text, zip_region


@pytest.mark.parametrize(
    ("raw", "title", "year"),
    [
        ("Toy Story (1995)", "Toy Story", 1995),
        ("Usual Suspects, The (1995)", "The Usual Suspects", 1995),
        ("City of Lost Children, The (Cité des enfants perdus, La) (1995)",
         "The City of Lost Children (Cité des enfants perdus, La)", 1995),
        ("Babylon 5 (1994-1998) ", "Babylon 5", 1994),
        ("unknown", "unknown", -1),
        ("Rififi (Du rififi chez les hommes)", "Rififi (Du rififi chez les hommes)", -1),
    ],
)  # fmt: skip
def test_split_title(raw: str, title: str, year: int) -> None:
    assert split_title(raw) == (title, year)


def test_zip_regions() -> None:
    assert zip_region("94043").startswith("the West Coast")
    assert zip_region("02139").startswith("the Northeast")
    assert zip_region("T8H1N") == "outside the US"
    assert zip_region(" ") == ""


def test_user_text_reads_naturally_and_skips_unknowns() -> None:
    assert user_text(53, "F", "other", "94043") == (
        "A 53-year-old woman who has an unlisted occupation, from the West Coast "
        "(California, Oregon, Washington)."
    )
    assert user_text(30, "M", "engineer", "") == "A 30-year-old man who works as an engineer."
    assert user_text(-1, "", "", "") == "A MovieLens user."


def test_item_text() -> None:
    assert item_text("Heat", 1995, ["Action", "Crime"]) == "Heat (1995). Action, Crime."
    assert item_text("Heat", -1, []) == "Heat."
