"""``tastemaker catalog …``: import, inspect and sample the item catalogue."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from tastemaker.catalog.importer import import_catalog
from tastemaker.catalog.layout import load_layout, parse_column_map, parse_value_map
from tastemaker.catalog.sample import write_sample_catalog
from tastemaker.catalog.stats import catalog_stats
from tastemaker.commands.common import err, friendly, out, store
from tastemaker.errors import ImportRejected
from tastemaker.store.runs import finish_run, start_run

app = typer.Typer(help="Import and inspect the item catalogue.", no_args_is_help=True)

_SHOWN_REJECTED = 50
_SHOWN_REPAIRED = 20


@app.command("import")
@friendly
def import_command(
    path: Annotated[
        Path,
        typer.Argument(help="styles.csv directory, or a CSV, Parquet or JSON Lines file."),
    ],
    map_: Annotated[
        list[str] | None,
        typer.Option("--map", help="source_column=field, repeatable (e.g. title=name)."),
    ] = None,
    value_map: Annotated[
        list[str] | None,
        typer.Option(
            "--value-map",
            help="field:source=target, repeatable (e.g. gender:Ladieswear=Women); "
            "'field:source=' stores it empty.",
        ),
    ] = None,
    mapping: Annotated[
        str | None,
        typer.Option(
            "--mapping",
            help="A layout TOML file, or a built-in layout: hm-articles, amazon-meta.",
        ),
    ] = None,
    images: Annotated[
        Path | None, typer.Option(help="Directory of {id}.jpg images (default: PATH/images).")
    ] = None,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Exit non-zero when any row is rejected or a closed field's value is unknown.",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Import a catalogue; bad rows are reported by line and skipped, good rows stored."""
    column_map = parse_column_map(map_ or [])
    values = parse_value_map(value_map or [])
    layout = load_layout(mapping) if mapping else None
    with store() as opened:
        config = {"path": path, "map": column_map, "value_map": values, "mapping": mapping}
        run_id = start_run(opened, "catalog.import", config)
        report = import_catalog(
            opened, path, column_map=column_map, value_map=values, layout=layout, images=images
        )
        finish_run(opened, run_id, report.as_dict())
    if as_json:
        sys.stdout.write(json.dumps(report.as_dict()) + "\n")
    else:
        out.print(
            f"imported {report.source}: {report.rows_read} rows read, {report.inserted} new, "
            f"{report.updated} updated, {report.unchanged} unchanged, {len(report.rejected)} "
            f"rejected, {len(report.repaired)} repaired, {report.without_image} without image "
            f"({report.seconds:.1f} s)",
            highlight=False,
        )
        for problem in report.repaired[:_SHOWN_REPAIRED]:
            err.print(f"[yellow]repaired[/yellow] {problem}", highlight=False)
        for problem in report.rejected[:_SHOWN_REJECTED]:
            err.print(f"[red]rejected[/red] {problem}", highlight=False)
        hidden = max(0, len(report.rejected) - _SHOWN_REJECTED)
        hidden += max(0, len(report.repaired) - _SHOWN_REPAIRED)
        if hidden:
            err.print(f"… and {hidden} more (see --json)", highlight=False)
        for warning in report.warnings():
            err.print(f"[yellow]warning[/yellow] {warning}", highlight=False)
        if report.absent_columns:
            err.print(
                f"layout column(s) not in the file: {', '.join(report.absent_columns)}",
                highlight=False,
            )
    unknown = sum(report.unknown_values.values())
    if strict and (report.rejected or unknown):
        raise ImportRejected(
            f"{report.source}: {len(report.rejected)} row(s) rejected, {unknown} closed-field "
            "value(s) unknown and stored empty (--strict; the good rows are stored)"
        )


@app.command("stats")
@friendly
def stats_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Counts by gender, category, article type, colour, season and usage."""
    with store() as opened:
        stats = catalog_stats(opened)
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


@app.command("sample")
@friendly
def sample_command(
    directory: Annotated[Path, typer.Argument(help="Where to write styles.csv and images/.")],
) -> None:
    """Write the built-in sample catalogue (about 200 items, with drawn images)."""
    write_sample_catalog(directory)
    out.print(f"sample catalogue written to {directory}", highlight=False)
