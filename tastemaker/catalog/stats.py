"""Catalogue counts: totals and the distribution of every categorical field."""

from __future__ import annotations

from typing import Final

from tastemaker.store.db import Store

__all__ = ["BREAKDOWNS", "catalog_stats"]

#: Output key -> items column, in the order the CLI prints them.
BREAKDOWNS: Final[dict[str, str]] = {
    "by_gender": "gender",
    "by_master_category": "master_category",
    "by_article_type": "article_type",
    "by_colour": "base_colour",
    "by_season": "season",
    "by_usage": "usage",
}


def catalog_stats(store: Store) -> dict[str, object]:
    """``{"items": N, "with_image": M, "by_gender": {"Men": 22147, ...}, ...}``.

    Missing values are counted under ``"(none)"`` so that every breakdown sums to ``items``.
    """
    conn = store.conn
    items, with_image = conn.execute(
        "SELECT count(*), coalesce(sum(has_image), 0) FROM items"
    ).fetchone()
    stats: dict[str, object] = {"items": int(items), "with_image": int(with_image)}
    for key, column in BREAKDOWNS.items():
        rows = conn.execute(
            f"SELECT coalesce({column}, '(none)') AS value, count(*) AS n FROM items "
            "GROUP BY value ORDER BY n DESC, value"
        ).fetchall()
        stats[key] = {str(value): int(n) for value, n in rows}
    return stats
