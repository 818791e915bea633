"""The load benchmark's training input without an LLM: rule-made shoppers and ratings.

``bench/bench_load.py`` measures the service (HTTP latency and throughput, the retriever, the
server's memory), not the quality of the ratings. What shapes those figures is the model's
shape (the full ~44k catalogue in the index, a 64-d two-tower with per-item embeddings, user
histories) and the request mix, not where the ratings came from. Collecting the ~2,900 LLM
ratings first took about an hour on two cores (issue 17), so by default the load bench trains
on this deterministic set instead, made in seconds and kept in the bench store, so the second
run reuses it (and the model trained on it):

* the same protocol as :mod:`fashion_data` (``--llm-ratings`` in bench_load.py): 48 personas
  balanced by gender, a stratified pool of 400 adult items, 60 gender-compatible pool items
  each (:func:`fashion_data.draw_pool`, :func:`fashion_data.plan_pairs`), so the model
  trains on as many users, items and ratings as the LLM path;
* persona attributes from the ordinary sampler (``personas/pools.toml``), with a templated bio
  instead of an LLM-written one;
* each rating is the ``yesno`` protocol answered by a rule instead of an LLM: P(yes) grows
  with the item's usage fitting the persona's aesthetic (:data:`AESTHETIC_USAGE`) and its
  colour fitting the persona's palette (:data:`PALETTE_COLOURS`), plus a seeded per-pair
  jitter; the answer is ``round(1 + 9 * P(yes))`` as :class:`YesNoStrategy` maps it, and the
  raw output says ``"rule": RULE``;
* stored under model :data:`RULE_MODEL` with server :data:`RULE_SERVER`, so nobody can take
  them for an LLM's, and in the load bench's own data directory, so they never meet a real
  synthetic set (the store's strategy column only knows the LLM strategies: ``yesno`` names
  the protocol whose record shape these follow).

Why not ML-100K: its ratings are of movies, and the load bench serves the fashion catalogue
with fashion filters (gender, master category, article type); movie ids mapped onto items
would be no more real than a rule, and they would tie the bench to a second data set.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from fashion_data import draw_pool, plan_pairs  # bench/, on sys.path when run as a script

if TYPE_CHECKING:
    from tastemaker.catalog.schema import Item
    from tastemaker.personas.schema import Attributes
    from tastemaker.ratings.records import RatingKey

__all__ = [
    "AESTHETIC_USAGE",
    "PALETTE_COLOURS",
    "RULE_MODEL",
    "RULE_SERVER",
    "ensure_rule_ratings",
    "p_yes",
]

RULE = "v1"
#: The ratings' ``model`` (what :class:`~tastemaker.model.config.DataConfig` ``llm`` names).
RULE_MODEL = f"rules:catalogue-{RULE} (no LLM)"
RULE_SERVER = "none: bench/load_data.py"
TEMPLATE = f"load-rules-{RULE}"

#: Catalogue ``usage`` values each persona aesthetic (personas/pools.toml) leans to.
AESTHETIC_USAGE: dict[str, tuple[str, ...]] = {
    "minimalist": ("Casual", "Smart Casual"),
    "streetwear": ("Casual", "Sports"),
    "classic preppy": ("Smart Casual", "Formal"),
    "bohemian": ("Ethnic", "Casual"),
    "athleisure": ("Sports",),
    "vintage": ("Ethnic", "Casual"),
    "avant-garde": ("Party", "Casual"),
    "workwear": ("Formal", "Casual"),
    "romantic": ("Party", "Ethnic"),
    "grunge": ("Casual",),
    "business formal": ("Formal", "Smart Casual"),
    "outdoor and gorpcore": ("Sports", "Travel"),
    "Y2K": ("Party", "Casual"),
    "quiet luxury": ("Formal", "Smart Casual"),
}

#: Catalogue ``base_colour`` values each persona palette (personas/pools.toml) covers.
PALETTE_COLOURS: dict[str, tuple[str, ...]] = {
    "neutrals": ("Beige", "Grey", "White", "Cream", "Off White", "Khaki", "Taupe", "Tan"),
    "earth tones": ("Brown", "Olive", "Khaki", "Rust", "Tan", "Coffee Brown", "Mustard"),
    "all black": ("Black", "Charcoal"),
    "pastels": ("Pink", "Lavender", "Peach", "Cream", "Mauve", "Rose"),
    "bright colours": ("Red", "Yellow", "Orange", "Green", "Magenta", "Turquoise Blue"),
    "jewel tones": ("Purple", "Maroon", "Teal", "Burgundy", "Sea Green", "Gold"),
    "navy and white": ("Navy Blue", "White", "Off White"),
    "denim blues": ("Blue", "Navy Blue", "Turquoise Blue"),
}


def p_yes(aesthetic: str, palette: str, usage: str | None, colour: str | None, key: str) -> float:
    """The rule's P(yes) for one persona (aesthetic, palette) and item (usage, colour).

    0.05 for an item that fits neither, +0.5 when its usage fits, +0.3 when its colour does,
    plus a jitter in [0, 0.15) drawn from sha256(``key``), so equal items are not all tied.
    """
    jitter = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) / 16**8 * 0.15
    score = 0.05 + jitter
    if usage in AESTHETIC_USAGE.get(aesthetic, ()):
        score += 0.5
    if colour in PALETTE_COLOURS.get(palette, ()):
        score += 0.3
    return min(score, 1.0)


def _bio(attributes: Attributes) -> str:
    return (
        f"A rule-made shopper for the load benchmark, {attributes.age_band}, "
        f"{attributes.occupation} in {attributes.region}. Likes a {attributes.aesthetic} look "
        f"in {attributes.palette} on a {attributes.budget} budget."
    )


def ensure_rule_ratings(
    data_dir: Path,
    *,
    personas: int = 48,
    per_persona: int = 60,
    pool: int = 400,
    seed: int = 0,
) -> int:
    """Store the rule-made personas and ratings under ``data_dir`` unless already there, then
    calibrate them onto the uniform target (as the LLM path does); returns how many ratings of
    :data:`RULE_MODEL` the store holds. The catalogue must be imported first."""
    import subprocess
    import sys

    from tastemaker.personas.pools import load_pools
    from tastemaker.personas.sampler import sample_attributes
    from tastemaker.personas.schema import Persona, PersonaText
    from tastemaker.personas.store import save_personas
    from tastemaker.ratings.records import RatingKey, RatingRecord, insert_rating
    from tastemaker.ratings.strategies import RatingOutcome
    from tastemaker.store import open_store
    from tastemaker.store.items import iter_items

    key = RatingKey(TEMPLATE, RULE_MODEL, "yesno")
    with open_store(data_dir / "tastemaker.sqlite") as store:
        have = _count(store.conn, key)
        if have:
            return have
        catalogue: dict[str, Item] = {item.id: item for item in iter_items(store)}
        if not catalogue:
            raise RuntimeError(f"{store.path}: no items; import the catalogue first")
        rows = [(i.id, i.gender or "", i.master_category or "") for i in catalogue.values()]
        pool_ids = draw_pool(rows, pool, seed)
        drawn = sample_attributes(load_pools(), personas, balance=["gender"], seed=seed)
        people = [
            Persona.from_parts(
                attributes,
                PersonaText(
                    name=f"{attributes.first_name or 'Sam'} Rulemade", bio=_bio(attributes)
                ),
                model=RULE_MODEL,
                generation={"rule": RULE, "seed": seed},
            )
            for attributes in drawn
        ]
        save_personas(store, people)
        by_id = {p.id: p for p in people}
        pairs = plan_pairs(
            [(p.id, p.gender) for p in people],
            [(i, catalogue[i].gender or "") for i in pool_ids],
            per_persona,
            seed,
        )
        for persona_id, item_id in pairs:
            persona, item = by_id[persona_id], catalogue[item_id]
            yes = p_yes(
                persona.aesthetic or "",
                persona.palette or "",
                item.usage,
                item.base_colour,
                f"{seed}:{persona_id}:{item_id}",
            )
            score = 1.0 + 9.0 * yes
            raw = json.dumps({"p_yes": round(yes, 6), "rule": RULE})
            outcome = RatingOutcome(answer=round(score), expected=score, raw_output=raw, calls=0)
            insert_rating(store, RatingRecord(persona_id, item_id, key, RULE_SERVER, None, seed,
                                              outcome), None)  # fmt: skip
    subprocess.run(
        [sys.executable, "-m", "tastemaker", "--data-dir", str(data_dir), "ratings", "calibrate",
         "--target", "uniform", "--model", RULE_MODEL, "--strategy", "yesno"],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    with open_store(data_dir / "tastemaker.sqlite") as store:
        return _count(store.conn, key)


def _count(conn: sqlite3.Connection, key: RatingKey) -> int:
    row = conn.execute(
        "SELECT COUNT(*) FROM ratings WHERE model = ? AND strategy = ? AND template_version = ? "
        "AND answer IS NOT NULL",
        (key.model, key.strategy, key.template_version),
    ).fetchone()
    return int(row[0])
