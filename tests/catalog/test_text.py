from __future__ import annotations

from pathlib import Path

from tastemaker.catalog.schema import Item
from tastemaker.catalog.text import DESCRIPTION_CHARS, description_excerpt, item_text, text_hash

HM_ARTICLES = Path(__file__).resolve().parent / "data" / "hm_articles.csv"


def test_text_names_every_categorical_field() -> None:
    item = Item(
        id="1",
        name="Peter England Men Party Blue Jeans",
        gender="Men",
        master_category="Apparel",
        sub_category="Bottomwear",
        article_type="Jeans",
        base_colour="Blue",
        season="Summer",
        usage="Casual",
    )
    text = item_text(item)
    assert text.startswith("Peter England Men Party Blue Jeans.")
    for word in ("Casual Jeans", "for men", "in blue", "for summer", "Apparel", "Bottomwear"):
        assert word in text


def test_text_of_a_bare_item_is_still_a_sentence() -> None:
    assert item_text(Item(id="1", name="Scarf")) == "Scarf. An item."


def test_changing_a_field_changes_the_hash() -> None:
    a = Item(id="1", name="Shirt", base_colour="Blue")
    b = Item(id="1", name="Shirt", base_colour="Red")
    assert text_hash(item_text(a)) != text_hash(item_text(b))
    assert len(text_hash("x")) == 64


def test_text_of_an_item_without_the_later_fields_is_unchanged() -> None:
    """Byte for byte the text from before brand and description existed: cached embeddings of
    such items stay valid."""
    item = Item(
        id="1",
        name="Peter England Men Party Blue Jeans",
        gender="Men",
        master_category="Apparel",
        sub_category="Bottomwear",
        article_type="Jeans",
        base_colour="Blue",
        season="Summer",
        usage="Casual",
        price=39.0,  # never part of the text
    )
    assert item_text(item) == (
        "Peter England Men Party Blue Jeans. Casual Jeans for men in blue, for summer "
        "(Apparel, Bottomwear)."
    )


def test_brand_and_the_description_follow() -> None:
    item = Item(id="1", name="Strap top", article_type="Vest top", base_colour="Black",
                brand="H&M", description="Jersey top with\nnarrow shoulder straps.")  # fmt: skip
    assert item_text(item) == (
        "Strap top. Vest top in black. By H&M. Jersey top with narrow shoulder straps."
    )
    named = Item(id="2", name="Kestrel Trail Socks", brand="kestrel")
    assert item_text(named) == "Kestrel Trail Socks. An item."  # the name says the brand


def test_the_description_is_cut_to_whole_sentences_or_words() -> None:
    sentences = " ".join(f"Sentence number {n} says a little more." for n in range(40))
    excerpt = description_excerpt(sentences)
    assert len(excerpt) <= DESCRIPTION_CHARS
    assert excerpt.endswith("more.")
    assert sentences.startswith(excerpt)
    one = "word " * 400
    cut = description_excerpt(one)
    assert len(cut) <= DESCRIPTION_CHARS
    assert cut.endswith("word…")


def test_item_texts_stay_inside_the_minilm_window() -> None:
    """MiniLM reads 256 word pieces and drops the rest: the H&M fixture's texts, and one with a
    5,000-character description and a 300-character name, all fit."""
    from transformers import AutoTokenizer

    from tastemaker.catalog.layout import load_layout
    from tastemaker.catalog.readers import RawRow, read_rows
    from tastemaker.catalog.schema import item_from_fields
    from tastemaker.embed.minilm import default_model_path

    tokenizer = AutoTokenizer.from_pretrained(default_model_path()[0], local_files_only=True)
    layout = load_layout("hm-articles")
    rows = read_rows(HM_ARTICLES, layout_columns=layout.columns)
    items = [
        item_from_fields({**row.fields, "gender": None}) for row in rows if isinstance(row, RawRow)
    ]
    prose = " ".join(i.description for i in items if i.description)
    assert len(prose) > 4000
    longest = Item(id="x", name=("Long product title with many words " * 9)[:300],
                   gender="Women", master_category="Garment Upper body", sub_category="Blouses",
                   article_type="Blouse", base_colour="Light Blue", usage="Casual",
                   brand="Harbor & Pine", description=prose[:5000])  # fmt: skip
    lengths = [len(tokenizer(item_text(i))["input_ids"]) for i in [*items, longest]]
    assert max(lengths) <= 256, lengths
