"""``tastemaker ratings …``: collect, diagnose, calibrate and compare LLM ratings."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Annotated, cast

import pandas as pd
import typer

from tastemaker.commands.common import err, friendly, out, progress_bar, state, store
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
from tastemaker.errors import ConfigError
from tastemaker.llm.config import LLMConfig
from tastemaker.ratings.diagnostics import diagnose
from tastemaker.ratings.engine import RunSummary, plan_ratings, run_ratings
from tastemaker.ratings.prompts import (
    DEFAULT_TEMPLATE,
    PROMPT_FORMATS,
    PersonaView,
    PromptFormat,
    RatingTemplate,
    load_template,
)
from tastemaker.ratings.records import (
    RatingKey,
    RatingRecord,
    delete_failures,
    insert_rating,
    stored_keys,
    write_parquet,
)
from tastemaker.ratings.requests import RequestSpec
from tastemaker.ratings.sources import (
    ItemView,
    load_items_csv,
    load_personas_jsonl,
    pair_up,
    store_items,
    store_personas,
)
from tastemaker.ratings.strategies import Constraint, Strategy, make_strategy
from tastemaker.store.runs import finish_run, start_run

app = typer.Typer(
    help="Collect, diagnose, calibrate and compare LLM ratings.", no_args_is_help=True
)


def _server_label(config: LLMConfig) -> str:
    return "embedded llama.cpp (xllamacpp)" if config.embedded else str(config.base_url)


@app.command("generate")
@friendly
def generate(
    strategy: Annotated[str, typer.Option(help="logprobs | sample | free | yesno.")] = "logprobs",
    template: Annotated[str, typer.Option(help="Built-in template name or .toml path.")] = (
        DEFAULT_TEMPLATE
    ),
    prompt_format: Annotated[
        str,
        typer.Option(
            "--format",
            help="model (the model's own chat template, rendered by the server) | inst "
            "(Mistral [INST] framing) | messages (chat API, for servers without raw prompts).",
        ),
    ] = "model",
    temperature: Annotated[
        float | None,
        typer.Option(help="Sampling temperature (sample, free; refused by logprobs, yesno)."),
    ] = None,
    n: Annotated[int, typer.Option("--n", min=1, help="Draws per rating (sample).")] = 10,
    constraint: Annotated[
        str, typer.Option(help="sample: grammar (llama.cpp) | guided_choice (vLLM) | none.")
    ] = "grammar",
    min_valid: Annotated[
        float | None,
        typer.Option(
            help="Least output on allowed answers for a rating: probability mass (logprobs, "
            "yesno) [default: 0.5] or share of valid draws (sample) [default: 0.8]; below it "
            "the rating is a recorded failure."
        ),
    ] = None,
    per_persona: Annotated[
        int | None, typer.Option(min=1, help="Rate this many random items per persona.")
    ] = None,
    category: Annotated[
        str | None, typer.Option(help="Only items of this gender/category/type/usage.")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed for item draws and sampling.")] = 0,
    twins_only: Annotated[
        bool, typer.Option("--twins", help="Rate the twins of real users, not invented personas.")
    ] = False,
    retry_failures: Annotated[
        bool, typer.Option("--retry-failures", help="Try recorded failures again.")
    ] = False,
    personas: Annotated[
        Path | None, typer.Option(help="Personas JSONL (rate data from outside the store).")
    ] = None,
    items: Annotated[Path | None, typer.Option(help="Items CSV with styles.csv columns.")] = None,
    out_path: Annotated[Path | None, typer.Option("--out", help="Parquet file to write.")] = None,
    profile: Annotated[
        bool,
        typer.Option(
            "--profile/--no-profile",
            help="Distil each persona's bio once into Wears/Avoids lines shown in its prompts "
            "(one LLM call per persona; measured on bench/data/styleonly.toml; off by default "
            "until its effect on twin fidelity is measured).",
        ),
    ] = False,
    llm: LlmUrl = None,
    model: ModelName = DEFAULTS["model"],
    api_key_env: ApiKeyEnv = DEFAULTS["api_key_env"],
    concurrency: Concurrency = None,
    timeout: Timeout = 120.0,
    no_cache: NoCache = False,
) -> None:
    """Rate persona × item pairs, one pair per request; a re-run resumes where it stopped."""
    config = llm_config(llm, model, api_key_env, concurrency, timeout)
    if prompt_format not in PROMPT_FORMATS:
        raise ConfigError(f"--format {prompt_format}: choose {', '.join(PROMPT_FORMATS)}")
    if constraint not in ("grammar", "guided_choice", "none"):
        raise ConfigError(f"--constraint {constraint}: choose grammar, guided_choice or none")
    fmt: PromptFormat = prompt_format  # narrowed by the check above
    rater = make_strategy(
        strategy,
        temperature=temperature,
        n=n,
        constraint=cast(Constraint, constraint),
        min_valid=min_valid,
    )
    loaded = load_template(template)
    key = RatingKey(template_version=loaded.version, model=config.model, strategy=rater.name)
    external = (personas, items, out_path)
    if any(x is not None for x in external) and not all(x is not None for x in external):
        raise ConfigError("rating outside the store needs all of --personas, --items and --out")

    if personas is not None and items is not None and out_path is not None:
        persona_list = load_personas_jsonl(personas)
        item_list, problems = load_items_csv(items)
        for problem in problems:
            err.print(f"[red]skipped item[/red] {items}: {problem}", highlight=False)
        pairs = pair_up(
            persona_list, item_list, per_persona=per_persona, category=category, seed=seed
        )
        rows: list[dict[str, object]] = []
        summary = rate_pairs(config, pairs, rater, loaded, fmt, key, seed, no_cache,
                       partial(_append_row, rows), set(), profiles=profile)  # fmt: skip
        written = write_parquet(rows, out_path)
        out.print(f"wrote {written} ratings to {out_path}", highlight=False)
        _print_summary(summary)
        return

    with store() as opened:
        pairs = pair_up(
            store_personas(opened, twins=twins_only),
            store_items(opened),
            per_persona=per_persona,
            category=category,
            seed=seed,
        )
        if not pairs:
            raise ConfigError("nothing to rate: generate personas and import a catalogue first")
        spec = RequestSpec.of(rater, key=key, server=_server_label(config), fmt=fmt)
        if retry_failures:
            delete_failures(opened, key, spec.request_set)
        skip = stored_keys(opened, key)
        run_id = start_run(
            opened,
            "ratings.generate",
            {"key": key.__dict__, "seed": seed, "request_set": spec.request_set,
             "request": json.loads(spec.description)},
        )  # fmt: skip

        def sink(record: RatingRecord) -> None:
            insert_rating(opened, record, run_id)

        try:
            summary = rate_pairs(
                config, pairs, rater, loaded, fmt, key, seed, no_cache, sink, skip, profiles=profile
            )
        except BaseException:
            finish_run(opened, run_id, {}, ok=False)
            raise
        finish_run(opened, run_id, summary.__dict__)
    _print_summary(summary)


def rate_pairs(
    config: LLMConfig,
    pairs: Sequence[tuple[PersonaView, ItemView]],
    rater: Strategy,
    template: RatingTemplate,
    fmt: PromptFormat,
    key: RatingKey,
    seed: int,
    no_cache: bool,
    sink: Callable[[RatingRecord], None],
    skip: set[tuple[str, str, str]],
    *,
    profiles: bool = False,
) -> RunSummary:
    """Connect (starting the embedded server if needed) and rate ``pairs`` with a progress bar;
    the summary carries the run's LLM ledger. Shared by every command that rates.
    ``profiles``: distil each persona's bio first (:func:`~tastemaker.ratings.engine.
    attach_profiles`)."""
    server = _server_label(config)
    _, planned = plan_ratings(
        pairs, strategy=rater, template=template, fmt=fmt, key=key, server=server, seed=seed
    )
    todo = sum(1 for p in planned if p.key not in skip)

    from tastemaker.llm.connection import connect  # the openai SDK loads only when rating

    async def main() -> RunSummary:
        async with connect(
            config, cache_path=state.data_dir / "llm_cache.sqlite", use_cache=not no_cache
        ) as llm:
            with progress_bar() as bar:
                task = bar.add_task(f"rating ({key.strategy})", total=todo)
                summary = await run_ratings(
                    llm,
                    pairs,
                    strategy=rater,
                    template=template,
                    fmt=fmt,
                    key=key,
                    server=server,
                    seed=seed,
                    sink=sink,
                    skip=skip,
                    progress=lambda _: bar.advance(task),
                    profiles=profiles,
                )
            summary.ledger = llm.ledger.summary()
        err.print(f"ledger: {json.dumps(summary.ledger, default=str)}", highlight=False)
        return summary

    return asyncio.run(main())


def _append_row(rows: list[dict[str, object]], record: RatingRecord) -> None:
    rows.append(record.row())


def _print_summary(summary: RunSummary) -> None:
    out.print(
        f"{summary.rated} rated, {summary.failed} failed, {summary.skipped} already stored, "
        f"{summary.calls} calls, {summary.seconds:.1f} s "
        f"({summary.ratings_per_second:.2f} ratings/s)",
        highlight=False,
    )


@app.command("sweep")
@friendly
def sweep(
    temperatures: Annotated[
        str, typer.Option(help="Comma-separated temperatures, e.g. 0.2,0.7,1.2.")
    ] = "0.3,0.7,1.0,1.5",
    strategy: Annotated[str, typer.Option(help="sample | free.")] = "sample",
    n: Annotated[int, typer.Option("--n", min=1, help="Draws per rating (sample).")] = 5,
    per_persona: Annotated[int, typer.Option(min=1, help="Items per persona.")] = 5,
    limit_personas: Annotated[int, typer.Option(min=1, help="Personas to use.")] = 4,
    template: Annotated[str, typer.Option(help="Template name or path.")] = DEFAULT_TEMPLATE,
    seed: Annotated[int, typer.Option(help="Seed for item draws and sampling.")] = 0,
    llm: LlmUrl = None,
    model: ModelName = DEFAULTS["model"],
    api_key_env: ApiKeyEnv = DEFAULTS["api_key_env"],
    concurrency: Concurrency = None,
    timeout: Timeout = 120.0,
) -> None:
    """Rate one small sample at several temperatures and show how the histogram widens."""
    try:
        values = [float(t) for t in temperatures.split(",") if t.strip()]
    except ValueError:
        raise ConfigError(f"--temperatures {temperatures}: expected numbers like 0.2,0.7") from None
    if strategy not in ("sample", "free") or not values:
        raise ConfigError("sweep needs --strategy sample or free and at least one temperature")
    config = llm_config(llm, model, api_key_env, concurrency, timeout)
    loaded = load_template(template)
    with store() as opened:
        pairs = pair_up(
            store_personas(opened)[:limit_personas],
            store_items(opened),
            per_persona=per_persona,
            seed=seed,
        )
    if not pairs:
        raise ConfigError("nothing to rate: generate personas and import a catalogue first")
    results: dict[str, dict[str, object]] = {}
    folder = state.data_dir / "reports" / "sweep"
    for value in values:
        rater = make_strategy(strategy, temperature=value, n=n)
        key = RatingKey(loaded.version, config.model, rater.name)
        rows: list[dict[str, object]] = []
        rate_pairs(config, pairs, rater, loaded, "model", key, seed, False,
             partial(_append_row, rows), set())  # fmt: skip
        write_parquet(rows, folder / f"{strategy}-t{value:g}.parquet")
        d = diagnose(pd.DataFrame(rows))
        results[f"{value:g}"] = {
            "n": d.n, "failures": d.failures, "entropy_bits": round(d.entropy_bits, 3),
            "neg1_share": round(d.neg1_share, 3), "share_6_8": round(d.share_6_8, 3),
            "modal_share": round(d.modal_share, 3), "histogram": d.histogram,
            "warnings": d.warnings,
        }  # fmt: skip
        out.print(f"T={value:g}: " + json.dumps(results[f"{value:g}"]), highlight=False)
    (folder / "sweep.json").write_text(json.dumps(results, indent=2))
    out.print(f"sweep: {folder / 'sweep.json'}", highlight=False)
