"""Which ratings a training run reads, said out loud: the synthetic set it chose, and a record
of it for the model card.

The store can hold synthetic ratings of several LLMs, strategies and prompt templates (a
comparison run, a model swap, a new template). Pooled, they would train one model on answers
to different questions, so the run must name the set it uses: ``[data] llm``, ``strategy`` and
``template_version`` filter the ratings, and whatever combinations remain must be exactly one
(:func:`choose_synthetic`). When more remain, the run stops with a :class:`ConfigError` that
lists each combination and its row count, so the user can pick one; nothing is guessed.

What was chosen travels with the data as its ``sources`` (:func:`synthetic_record`), one
record per source with its provenance, row and user counts and its weight in training, written
into the export's ``config.json`` (``trained_on``) and the run record: the synthetic set and
each real dataset (:mod:`.mix`), each with its weight.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from tastemaker.errors import ConfigError, DataError

if TYPE_CHECKING:
    from tastemaker.model.config import DataConfig

__all__ = ["SET_COLUMNS", "SyntheticSet", "choose_synthetic", "describe_source", "synthetic_record"]

#: The columns of ``load_ratings``' frame that make one synthetic rating set.
SET_COLUMNS = ("model", "strategy", "template_version")


@dataclass(frozen=True, order=True)
class SyntheticSet:
    """One LLM × strategy × prompt-template combination of the store's ratings."""

    llm: str
    strategy: str
    template_version: str

    def describe(self) -> str:
        return f"llm {self.llm!r}, strategy {self.strategy!r}, template {self.template_version!r}"


def _asked(config: DataConfig) -> str:
    asked = [
        f"{key} = {value!r}"
        for key, value in (
            ("llm", config.llm),
            ("strategy", config.strategy),
            ("template_version", config.template_version),
        )
        if value is not None
    ]
    return ", ".join(asked) if asked else "no selection"


def choose_synthetic(
    frame: pd.DataFrame, config: DataConfig, where: str, *, everything: Callable[[], pd.DataFrame]
) -> tuple[SyntheticSet, pd.DataFrame]:
    """The one synthetic set left in ``frame`` (the ratings ``config`` selected) and its rows.

    ``everything()``: the store's ratings before the selection, listed when nothing matched.
    ConfigError (naming every combination and its rows) when several are left; DataError when
    none is. ``where`` names the store in messages.
    """
    if frame.empty:
        found = _listing(everything())
        raise DataError(
            f"{where}: no synthetic ratings match [data] {_asked(config)}"
            + (f"; the store holds:\n{found}" if found else "; the store holds no ratings")
        )
    sets = _sets(frame)
    if len(sets) > 1:
        raise ConfigError(
            f"{where}: {len(sets)} synthetic rating sets match [data] {_asked(config)}, and "
            "training on a mix of LLMs, strategies or templates is never done silently; name "
            "one with data.llm, data.strategy and data.template_version in run.toml:\n"
            + _listing(frame)
        )
    return next(iter(sets)), frame


def _sets(frame: pd.DataFrame) -> dict[SyntheticSet, int]:
    """Each set in ``frame`` and its row count, in (llm, strategy, template) order."""
    counts = Counter(
        SyntheticSet(str(m), str(s), str(t))
        for m, s, t in frame[list(SET_COLUMNS)].itertuples(index=False, name=None)
    )
    return dict(sorted(counts.items()))


def _listing(frame: pd.DataFrame) -> str:
    return "\n".join(f"  {c.describe()}: {n} rows" for c, n in _sets(frame).items())


def synthetic_record(
    chosen: SyntheticSet, rating: str, rows: int, personas: int, weight: float = 1.0
) -> dict[str, object]:
    """The model card's entry for a synthetic source: provenance, counts and weight."""
    return {
        "source": "synthetic",
        "llm": chosen.llm,
        "strategy": chosen.strategy,
        "template_version": chosen.template_version,
        "rating": rating,
        "rows": rows,
        "personas": personas,
        "weight": weight,
    }


def describe_source(source: Mapping[str, object]) -> str:
    """One line for a source record, e.g. for ``tastemaker train``'s summary."""
    if source.get("source") in ("real", "web") and "events" in source:
        return (
            f"{source['source']}: dataset {source['dataset']!r}: {source['rows']} rows "
            f"({source['ratings']} ratings, {source['events']} events) by {source['users']} "
            f"users, weight {source['weight']}"
        )
    if source.get("source") != "synthetic":
        return ", ".join(f"{k} {v}" for k, v in source.items())
    chosen = SyntheticSet(
        str(source["llm"]), str(source["strategy"]), str(source["template_version"])
    )
    twins = f" ({source['twins']} twins of real users)" if source.get("twins") else ""
    return (
        f"synthetic: {chosen.describe()}, {source['rating']} ratings: {source['rows']} rows "
        f"by {source['personas']} personas{twins}, weight {source['weight']}"
    )
