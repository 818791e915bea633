"""The ``tastemaker`` command: one subcommand per pipeline stage, ``demo`` runs them in order.

This module only parses arguments, opens the store, calls the stage and prints; the work
lives in the stage packages. Errors from the :mod:`tastemaker.errors` family are printed as
one clear line on stderr with exit code 2; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from typing import Annotated, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from tastemaker.errors import ImportRejected, TastemakerError
from tastemaker.settings import get_settings
from tastemaker.store import Store, open_store

app = typer.Typer(help=__doc__, no_args_is_help=True, add_completion=False)
catalog_app = typer.Typer(help="Import and inspect the item catalogue.", no_args_is_help=True)
embed_app = typer.Typer(help="Embed item texts with the configured encoder.", no_args_is_help=True)
app.add_typer(catalog_app, name="catalog")
app.add_typer(embed_app, name="embed")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

P = ParamSpec("P")
R = TypeVar("R")


@dataclass
class _State:
    data_dir: Path


_state = _State(data_dir=Path(".tastemaker"))


def _friendly(func: Callable[P, R]) -> Callable[P, R]:
    """Turn a tastemaker error into one red line and exit code 2."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except TastemakerError as exc:
            err.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(code=2) from None

    return wrapper


@contextmanager
def _store() -> Iterator[Store]:
    store = open_store(_state.data_dir / "tastemaker.sqlite")
    try:
        yield store
    finally:
        store.close()


def _progress() -> Progress:
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("[cyan]{task.fields[rate]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=False,
    )


@app.callback()
def main(
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            help="Store and artefacts [env TASTEMAKER_DATA_DIR; default ./.tastemaker].",
        ),
    ] = None,
) -> None:
    """Bootstrap a fashion recommender from LLM-simulated shoppers."""
    _state.data_dir = data_dir if data_dir is not None else get_settings().data_dir


@catalog_app.command("import")
@_friendly
def catalog_import(
    path: Annotated[Path, typer.Argument(help="styles.csv directory, or a CSV/Parquet file.")],
    map_: Annotated[
        list[str] | None,
        typer.Option("--map", help="source_column=field, repeatable (e.g. title=name)."),
    ] = None,
    images: Annotated[
        Path | None, typer.Option(help="Directory of {id}.jpg images (default: PATH/images).")
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit non-zero when any row is rejected.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Import a catalogue; bad rows are reported by line and skipped, good rows stored."""
    from tastemaker.catalog.importer import import_catalog, parse_column_map

    with _store() as store:
        report = import_catalog(store, path, column_map=parse_column_map(map_ or []), images=images)
    if as_json:
        out.print_json(json.dumps(report.as_dict()))
    else:
        out.print(
            f"imported {report.source}: {report.rows_read} rows read, {report.inserted} new, "
            f"{report.updated} updated, {report.unchanged} unchanged, {len(report.rejected)} "
            f"rejected, {len(report.repaired)} repaired, {report.without_image} without image "
            f"({report.seconds:.1f} s)",
            highlight=False,
        )
        for problem in report.repaired[:20]:
            err.print(f"[yellow]repaired[/yellow] {problem}", highlight=False)
        for problem in report.rejected[:50]:
            err.print(f"[red]rejected[/red] {problem}", highlight=False)
        hidden = max(0, len(report.rejected) - 50) + max(0, len(report.repaired) - 20)
        if hidden:
            err.print(f"… and {hidden} more (see --json)", highlight=False)
    if strict and report.rejected:
        raise ImportRejected(f"{report.source}: {len(report.rejected)} row(s) rejected (--strict)")


@catalog_app.command("stats")
@_friendly
def catalog_stats_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Counts by gender, category, article type, colour, season and usage."""
    from tastemaker.catalog.stats import catalog_stats

    with _store() as store:
        stats = catalog_stats(store)
    if as_json:
        sys.stdout.write(json.dumps(stats) + "\n")
        return
    out.print(
        f"[bold]{stats['items']}[/bold] items, [bold]{stats['with_image']}[/bold] with an image"
    )
    for key, counts in stats.items():
        if not isinstance(counts, dict):
            continue
        table = Table(title=key.removeprefix("by_").replace("_", " "), title_justify="left")
        table.add_column("value")
        table.add_column("items", justify="right")
        shown = list(counts.items())
        for value, n in shown[:12]:
            table.add_row(value, str(n))
        if len(shown) > 12:
            table.add_row(f"… {len(shown) - 12} more", str(sum(n for _, n in shown[12:])))
        out.print(table)


@catalog_app.command("sample")
@_friendly
def catalog_sample(
    directory: Annotated[Path, typer.Argument(help="Where to write styles.csv and images/.")],
) -> None:
    """Write the built-in sample catalogue (about 200 items, with drawn images)."""
    from tastemaker.catalog.sample import write_sample_catalog

    write_sample_catalog(directory)
    out.print(f"sample catalogue written to {directory}", highlight=False)


if __name__ == "__main__":  # pragma: no cover
    app()
