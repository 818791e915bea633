"""``tastemaker ratings fidelity``: do twins of real users rate like the users did?

The Agent4Rec/SimUSER protocol on the store's real interactions (tastemaker.ratings.fidelity):
later interactions held out, twins built from the earlier part, each held-out positive
against never-touched negatives at 1:1/1:3/1:9, held-out explicit ratings for agreement, and
popularity, item-kNN and content similarity scored on the very same cases. The twins' ratings
go through the ordinary rating path, so they are stored, cached and resumable; a second run
with another ``--model`` or ``--strategy`` joins the same leaderboard.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from typing import Annotated, cast

import numpy as np
import numpy.typing as npt
import typer

from tastemaker.commands.common import friendly, out, state, store
from tastemaker.commands.llm_options import (
    DEFAULTS,
    ApiKeyEnv,
    Concurrency,
    LlmUrl,
    ModelName,
    NoCache,
    Timeout,
    llm_config,
)
from tastemaker.commands.ratings import _server_label, app, rate_pairs
from tastemaker.errors import ConfigError
from tastemaker.personas.twins import HistoryChoice
from tastemaker.ratings.fidelity.cases import NegativeDraw
from tastemaker.ratings.fidelity.report import write_report
from tastemaker.ratings.fidelity.run import FidelityOptions, prepare, score_run, twin_scores
from tastemaker.ratings.prompts import PROMPT_FORMATS, PromptFormat, load_template
from tastemaker.ratings.records import RatingKey, RatingRecord, insert_rating, stored_keys
from tastemaker.ratings.requests import RequestSpec
from tastemaker.ratings.sources import store_items, store_personas
from tastemaker.ratings.strategies import make_strategy
from tastemaker.store.db import Store
from tastemaker.store.runs import finish_run, start_run

__all__ = ["fidelity"]


def _ratios(text: str) -> tuple[int, ...]:
    try:
        ratios = tuple(sorted({int(r) for r in text.split(",") if r.strip()}))
    except ValueError:
        raise ConfigError(f"--ratios {text!r}: expected whole numbers like 1,3,9") from None
    if not ratios or ratios[0] < 1:
        raise ConfigError(f"--ratios {text!r}: each ratio is 1 or more")
    return ratios


@app.command("fidelity")
@friendly
def fidelity(
    dataset: Annotated[str, typer.Option(help="Imported dataset of real interactions.")] = "real",
    users: Annotated[int, typer.Option(min=1, help="Real users sampled (and twinned).")] = 50,
    min_history: Annotated[
        int, typer.Option(min=1, help="Training-side interactions a user needs.")
    ] = 10,
    holdout: Annotated[float, typer.Option(help="Later share of each history held out.")] = 0.2,
    positives_per_user: Annotated[
        int, typer.Option(min=1, help="Held-out positives per user.")
    ] = 2,
    agreement_per_user: Annotated[
        int, typer.Option(min=0, help="Held-out explicit ratings per user for agreement.")
    ] = 4,
    ratios: Annotated[str, typer.Option(help="Negatives per positive, e.g. 1,3,9.")] = "1,3,9",
    negatives: Annotated[str, typer.Option(help="uniform | popularity (matched).")] = "uniform",
    k: Annotated[int, typer.Option("--k", min=1, help="History items a twin's prompt shows.")] = 10,
    choose: Annotated[str, typer.Option(help="recent | telling (the twin's history).")] = "recent",
    like_at: Annotated[
        float, typer.Option(help="A held-out rating at or above this (model scale) is a positive.")
    ] = 7.0,
    seed: Annotated[int, typer.Option(help="Seed for the users, cases and negatives.")] = 0,
    min_users: Annotated[int, typer.Option(min=2, help="Fewer eligible users is an error.")] = 20,
    strategy: Annotated[str, typer.Option(help="logprobs | yesno | sample | free.")] = "yesno",
    template: Annotated[
        str, typer.Option(help="Rating template (viewer-v1 for movies).")
    ] = "shopper-v1",
    prompt_format: Annotated[str, typer.Option("--format", help="model | inst | messages.")] = (
        "model"
    ),
    min_valid: Annotated[
        float | None, typer.Option(help="Least valid output for a rating (see ratings generate).")
    ] = None,
    content: Annotated[
        bool, typer.Option(help="Also score the content-similarity baseline (item embeddings).")
    ] = True,
    llm: LlmUrl = None,
    model: ModelName = DEFAULTS["model"],
    api_key_env: ApiKeyEnv = DEFAULTS["api_key_env"],
    concurrency: Concurrency = None,
    timeout: Timeout = 120.0,
    no_cache: NoCache = False,
) -> None:
    """Twins vs the real users they mirror, on held-out interactions, against cheap baselines."""
    if negatives not in ("uniform", "popularity"):
        raise ConfigError(f"--negatives {negatives}: choose uniform or popularity")
    if choose not in ("recent", "telling"):
        raise ConfigError(f"--choose {choose}: choose recent or telling")
    if prompt_format not in PROMPT_FORMATS:
        raise ConfigError(f"--format {prompt_format}: choose {', '.join(PROMPT_FORMATS)}")
    fmt: PromptFormat = prompt_format  # narrowed by the check above
    options = FidelityOptions(
        dataset=dataset, users=users, min_history=min_history, holdout=holdout,
        positives_per_user=positives_per_user, agreement_per_user=agreement_per_user,
        ratios=_ratios(ratios), negatives=cast(NegativeDraw, negatives), k=k,
        choose=cast(HistoryChoice, choose), like_at=like_at, seed=seed, min_users=min_users,
    )  # fmt: skip
    config = llm_config(llm, model, api_key_env, concurrency, timeout)
    rater = make_strategy(strategy, min_valid=min_valid)
    loaded = load_template(template)
    key = RatingKey(loaded.version, config.model, rater.name)
    spec = RequestSpec.of(rater, key=key, server=_server_label(config), fmt=fmt)
    with store() as opened:
        prepared = prepare(opened, options)
        twins = {t.persona.id for t in prepared.twins.values()}
        views = {p.id: p for p in store_personas(opened, twins=True) if p.id in twins}
        items = {i.id: i for i in store_items(opened)}
        pairs = [(views[p], items[i]) for p, i in prepared.pairs()]
        out.print(
            f"{len(prepared.cases.users)} users, {len(prepared.cases.cases)} held-out positives, "
            f"{len(prepared.cases.agreement)} agreement ratings: {len(pairs)} twin ratings",
            highlight=False,
        )
        run_id = start_run(opened, "ratings.fidelity",
                           {**asdict(options), "request_set": spec.request_set})  # fmt: skip

        def sink(record: RatingRecord) -> None:
            insert_rating(opened, record, run_id)

        started = time.perf_counter()
        summary = rate_pairs(config, pairs, rater, loaded, fmt, key, seed, no_cache, sink,
                             stored_keys(opened, key))  # fmt: skip
        scores = twin_scores(
            opened, prepared, model=config.model, strategy=rater.name,
            template_version=loaded.version, request_set=spec.request_set,
        )  # fmt: skip
        vectors = _item_vectors(opened, prepared.catalogue) if content else None
        name = f"{config.model}/{rater.name}"
        body = score_run(prepared, {name: scores}, item_vectors=vectors)
        body["cost"] = {"ratings": len(pairs), "rated_now": summary.rated + summary.failed,
                        "failed": summary.failed, "calls": summary.calls,
                        "seconds": round(time.perf_counter() - started, 1),
                        "ledger": summary.ledger}  # fmt: skip
        body["twin"] = {"model": config.model, "strategy": rater.name, "template": loaded.version,
                        "format": fmt, "request_set": spec.request_set}  # fmt: skip
        paths = write_report(body, state.data_dir / "reports" / "fidelity",
                             f"{config.model}__{rater.name}__{loaded.name}")  # fmt: skip
        finish_run(opened, run_id, {"report": str(paths["report"])})
    _print(body)
    out.print(f"report: {paths['report']}\nleaderboard: {paths['leaderboard']}", highlight=False)


def _item_vectors(opened: Store, catalogue: tuple[str, ...]) -> npt.NDArray[np.float32]:
    """MiniLM vectors of the catalogue's item texts, in ``catalogue`` order (cached)."""
    from tastemaker.catalog.text import item_text
    from tastemaker.embed import get_text_encoder
    from tastemaker.embed.pipeline import encode_cached
    from tastemaker.store.items import iter_items

    texts = {item.id: item_text(item) for item in iter_items(opened)}
    return encode_cached(opened, get_text_encoder("minilm"), [texts[i] for i in catalogue])


def _print(body: dict[str, object]) -> None:
    entries = body["entries"]
    assert isinstance(entries, dict)
    for name, entry in entries.items():
        figures = [
            f"{ratio} acc {d['pairwise_accuracy']:.3f} [{d['accuracy_low']:.3f}, "
            f"{d['accuracy_high']:.3f}]"
            for ratio, d in entry.get("discrimination", {}).items()
        ]
        for view in ("agreement_raw", "agreement_calibrated"):
            if view in entry:
                figures.append(f"{view.removeprefix('agreement_')} RMSE {entry[view]['rmse']:.3f}")
        out.print(f"{name}: " + "; ".join(figures), highlight=False)
    out.print(json.dumps({k: v for k, v in body.items() if k != "entries"}, default=str),
              highlight=False)  # fmt: skip
