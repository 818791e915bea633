"""``tastemaker personas …``: generate shopper personas with an LLM, list, export, report."""

from __future__ import annotations

import asyncio
import json
import random
import sys
from pathlib import Path
from typing import Annotated, cast

import typer
from rich.table import Table

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
from tastemaker.personas.twins import HistoryChoice
from tastemaker.validation import describe

app = typer.Typer(
    help="Generate shopper personas with an LLM; list, export and check their diversity.",
    no_args_is_help=True,
)

_CONSTRAINTS = ("json_schema", "response_format", "none")


def _balance(values: list[str] | None) -> tuple[str, ...]:
    """``--balance gender --balance age_band`` or ``--balance gender,age_band``."""
    if not values:
        return ()
    return tuple(v.strip() for value in values for v in value.split(",") if v.strip())


@app.command("generate")
@friendly
def generate(
    n: Annotated[int, typer.Option("--n", min=0, help="Personas in the population.")] = 10,
    balance: Annotated[
        list[str] | None,
        typer.Option(
            help="Attribute with exact quotas, repeatable or comma-separated (gender, age_band, "
            "occupation, region, aesthetic, palette, budget, brands). Default: gender."
        ),
    ] = None,
    seed: Annotated[int, typer.Option(min=0, help="Sampler seed; fixes the persona ids.")] = 0,
    pools: Annotated[
        Path | None, typer.Option(help="Attribute pools TOML (default: the shipped pools).")
    ] = None,
    constraint: Annotated[
        str, typer.Option(help="json_schema (llama.cpp) | response_format (OpenAI, vLLM) | none.")
    ] = "json_schema",
    temperature: Annotated[float, typer.Option(min=0.0, max=2.0)] = 0.8,
    dedupe_threshold: Annotated[
        float, typer.Option(help="Regenerate bios at or above this cosine similarity.")
    ] = 0.92,
    max_attempts: Annotated[int, typer.Option(min=1, help="Rounds against near-duplicates.")] = 3,
    llm: LlmUrl = None,
    model: ModelName = DEFAULTS["model"],
    api_key_env: ApiKeyEnv = DEFAULTS["api_key_env"],
    concurrency: Concurrency = None,
    timeout: Timeout = 120.0,
    no_cache: NoCache = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the run as JSON.")] = False,
) -> None:
    """Sample attributes, have the LLM write each name and bio, store them; re-runs resume."""
    from pydantic import ValidationError

    from tastemaker.embed import get_text_encoder
    from tastemaker.llm import connect
    from tastemaker.personas import PersonaRun, PersonaRunConfig, run_generation
    from tastemaker.settings import get_settings

    if constraint not in _CONSTRAINTS:
        raise ConfigError(f"--constraint {constraint}: choose {', '.join(_CONSTRAINTS)}")
    config = llm_config(llm, model, api_key_env, concurrency, timeout)
    options: dict[str, object] = {
        "n": n,
        "seed": seed,
        "pools": pools,
        "constraint": constraint,
        "temperature": temperature,
        "dedupe_threshold": dedupe_threshold,
        "max_attempts": max_attempts,
    }
    if balance:
        options["balance"] = _balance(balance)
    try:
        run_config = PersonaRunConfig.model_validate(options)
    except ValidationError as exc:
        raise ConfigError(describe(exc, as_flags=True, depth=1)) from exc
    settings = get_settings()
    encoder = get_text_encoder(settings.encoder, batch_size=settings.batch_size)

    async def main() -> PersonaRun:
        async with connect(
            config, cache_path=state.data_dir / "llm_cache.sqlite", use_cache=not no_cache
        ) as client:
            with store() as opened, progress_bar() as bar:
                task = bar.add_task("writing personas", total=None)
                result = await run_generation(
                    opened,
                    client,
                    run_config,
                    encoder=encoder,
                    progress=lambda done, total: bar.update(task, completed=done, total=total),
                )
            err.print(f"ledger: {json.dumps(client.ledger.summary(), default=str)}")
        return result

    result = asyncio.run(main())
    if as_json:
        sys.stdout.write(json.dumps(result.as_dict(), default=str) + "\n")
        return
    out.print(
        f"{len(result.personas)} personas written, {len(result.failures)} failed, "
        f"{result.skipped} already stored ({result.repaired} repaired, "
        f"{result.regenerated} regenerated as near-duplicates); run {result.run_id}",
        highlight=False,
    )
    for failure in result.failures[:20]:
        err.print(
            f"[red]failed[/red] {failure.attributes.id} ({failure.reason}): {failure.error}",
            highlight=False,
        )


@app.command("list")
@friendly
def list_command(
    limit: Annotated[int | None, typer.Option(min=1, help="Show at most this many.")] = 20,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Stored personas, ordered by id."""
    from tastemaker.personas import count_personas, list_personas

    with store() as opened:
        personas = list_personas(opened, limit=limit, offset=offset)
        total = count_personas(opened)
    if as_json:
        for persona in personas:
            sys.stdout.write(persona.model_dump_json() + "\n")
        return
    out.print(f"[bold]{len(personas)}[/bold] of {total} personas", highlight=False)
    for p in personas:
        age = str(p.age) if p.age is not None else (p.age_band or "?")
        facts = ", ".join(x for x in (p.gender, age, p.occupation, p.region) if x)
        style = "; ".join(x for x in (p.aesthetic, p.palette, p.budget, ", ".join(p.brands)) if x)
        out.print(f"\n[bold]{p.name}[/bold]  [dim]{p.id}[/dim]", highlight=False)
        out.print(f"  {facts} | {style}", highlight=False, style="cyan")
        out.print(f"  {p.bio}", highlight=False)


@app.command("export")
@friendly
def export(
    out_path: Annotated[Path, typer.Option("--out", help="File to write: .jsonl or .parquet.")],
    format_: Annotated[
        str | None, typer.Option("--format", help="jsonl | parquet (default: from the suffix).")
    ] = None,
) -> None:
    """Write every stored persona to JSONL (one object a line) or Parquet."""
    from tastemaker.personas import export_personas, iter_personas
    from tastemaker.personas.store import ExportFormat

    if format_ not in (None, "jsonl", "parquet"):
        raise ConfigError(f"--format {format_}: choose jsonl or parquet")
    with store() as opened:
        written = export_personas(
            list(iter_personas(opened)), out_path, cast(ExportFormat | None, format_)
        )
    out.print(f"wrote {written} personas to {out_path}", highlight=False)


@app.command("report")
@friendly
def report(
    pools: Annotated[
        Path | None, typer.Option(help="Pools TOML for coverage (default: the shipped pools).")
    ] = None,
    no_embed: Annotated[
        bool, typer.Option("--no-embed", help="Skip the bio embedding (no model load).")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Diversity: attribute coverage, mean pairwise bio distance, name uniqueness."""
    from tastemaker.embed import get_text_encoder
    from tastemaker.personas import diversity_report, iter_personas, load_pools
    from tastemaker.settings import get_settings

    with store() as opened:
        personas = list(iter_personas(opened))
    settings = get_settings()
    encoder = (
        None
        if no_embed or len(personas) < 2
        else get_text_encoder(settings.encoder, batch_size=settings.batch_size)
    )
    result = diversity_report(personas, pools=load_pools(pools), encoder=encoder)
    data = result.as_dict()
    if as_json:
        sys.stdout.write(json.dumps(data) + "\n")
        return
    out.print(f"[bold]{result.personas}[/bold] personas")
    table = Table(title="attribute coverage", title_justify="left")
    for column in ("attribute", "used / pool", "most common"):
        table.add_column(column)
    for c in result.coverage:
        used = f"{c.used} / {c.pool_size}" if c.pool_size else str(c.used)
        top = ", ".join(f"{v} {k}" for k, v in list(c.counts.items())[:3] if v)
        table.add_row(c.attribute, used, top)
    out.print(table)
    if result.bios is not None and result.bios.mean_distance is not None:
        out.print(
            f"bios: mean pairwise cosine distance {result.bios.mean_distance:.3f}, closest pair "
            f"{result.bios.min_distance:.3f}, {result.bios.near_duplicate_pairs} near-duplicate "
            f"pair(s) ({result.encoder})",
            highlight=False,
        )
    uniqueness = result.name_uniqueness
    out.print(
        f"names: {result.unique_names} distinct"
        + (f" ({uniqueness:.0%})" if uniqueness is not None else "")
        + (f"; repeated: {result.duplicate_names}" if result.duplicate_names else ""),
        highlight=False,
    )
    if result.mean_bio_sentences is not None:
        out.print(
            f"bios: {result.mean_bio_sentences:.1f} sentences, {result.mean_bio_words:.0f} "
            "words on average",
            highlight=False,
        )


@app.command("twin")
@friendly
def twin(
    dataset: Annotated[str, typer.Option(help="Imported dataset whose users get twins.")] = "real",
    k: Annotated[
        int, typer.Option("--k", min=1, help="History items each twin's prompt shows.")
    ] = 10,
    choose: Annotated[
        str, typer.Option(help="recent (the last K) | telling (furthest from the user's mean).")
    ] = "recent",
    min_history: Annotated[
        int, typer.Option(min=1, help="Users with fewer interactions get no twin (reason shown).")
    ] = 3,
    users: Annotated[
        int | None, typer.Option(min=1, help="Twin this many users (drawn by --seed).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed for drawing --users.")] = 0,
) -> None:
    """One persona per real user, from their attributes and history (no LLM involved)."""
    from tastemaker.personas.twins import build_twins, save_twins
    from tastemaker.store.real import load_interactions, real_user_attributes

    if choose not in ("recent", "telling"):
        raise ConfigError(f"--choose {choose}: choose recent or telling")
    with store() as opened:
        frame = load_interactions(opened, [dataset])
        if frame.empty:
            raise ConfigError(
                f"--dataset {dataset}: no interactions stored under that name "
                "(tastemaker interactions list shows what is there)"
            )
        if users is not None:
            ids = sorted(frame["user_id"].unique())
            drawn = set(random.Random(seed).sample(ids, min(users, len(ids))))
            frame = frame[frame["user_id"].isin(drawn)]
        twins, skipped = build_twins(
            dataset, frame, real_user_attributes(opened, dataset),
            k=k, choose=cast(HistoryChoice, choose), min_history=min_history,
        )  # fmt: skip
        save_twins(opened, twins)
    out.print(f"{len(twins)} twins of {dataset} users saved, {len(skipped)} users skipped",
              highlight=False)  # fmt: skip
    for user, reason in list(skipped.items())[:20]:
        err.print(f"[yellow]skipped[/yellow] user {user}: {reason}", highlight=False)
    if len(skipped) > 20:
        err.print(f"… and {len(skipped) - 20} more", highlight=False)
