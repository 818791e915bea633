"""``tastemaker interactions …`` and ``tastemaker users …``: real shoppers into the store."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Final

import typer

from tastemaker.commands.common import err, friendly, out, store
from tastemaker.datasets.importer import ImportSummary, import_interactions, import_users
from tastemaker.datasets.interactions import InteractionsMapping
from tastemaker.datasets.real_users import UsersMapping
from tastemaker.errors import ImportRejected
from tastemaker.mapping import load_mapping
from tastemaker.store.real import dataset_summary
from tastemaker.store.runs import finish_run, start_run

__all__ = ["interactions_app", "users_app"]

interactions_app = typer.Typer(
    help="Import and list real interactions (ratings and events).", no_args_is_help=True
)
users_app = typer.Typer(help="Import real users' attributes.", no_args_is_help=True)

_SHOWN_REJECTED: Final = 50
Maps = Annotated[
    list[str] | None,
    typer.Option("--map", help="source_column=field, repeatable (e.g. customer_id=user)."),
]
ValueMaps = Annotated[
    list[str] | None,
    typer.Option("--value-map", help="field:source=target, repeatable (e.g. gender:F=woman)."),
]
MappingFile = Annotated[
    Path | None,
    typer.Option("--mapping", help="A TOML file with \\[columns] and \\[values.F] tables."),
]
Dataset = Annotated[
    str, typer.Option(help="Name the rows are stored under (twins and training pick by it).")
]
Strict = Annotated[bool, typer.Option("--strict", help="Exit non-zero when any row is rejected.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print the report as JSON.")]


def _report(summary: ImportSummary, as_json: bool, strict: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(summary.as_dict()) + "\n")
    else:
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(summary.by_kind.items()))
        out.print(
            f"imported {summary.source} as {summary.dataset!r}: {summary.rows_read} rows read, "
            f"{summary.stored.inserted} new, {summary.stored.updated} updated, "
            f"{summary.stored.unchanged} already stored, {len(summary.rejected)} rejected"
            + (f" ({kinds})" if kinds else "")
            + f" ({summary.seconds:.1f} s)",
            highlight=False,
        )
        for note in summary.notes:
            err.print(f"[yellow]note[/yellow] {note}", highlight=False)
        for problem in summary.rejected[:_SHOWN_REJECTED]:
            err.print(f"[red]rejected[/red] {problem}", highlight=False)
        if len(summary.rejected) > _SHOWN_REJECTED:
            hidden = len(summary.rejected) - _SHOWN_REJECTED
            err.print(f"… and {hidden} more (see --json)", highlight=False)
    if strict and summary.rejected:
        raise ImportRejected(
            f"{summary.source}: {len(summary.rejected)} row(s) rejected (--strict); "
            "the good rows are stored"
        )


@interactions_app.command("import")
@friendly
def import_interactions_command(
    path: Annotated[Path, typer.Argument(help="A CSV, Parquet or JSON Lines file.")],
    map_: Maps = None,
    value_map: ValueMaps = None,
    mapping: MappingFile = None,
    scale: Annotated[
        str | None, typer.Option(help="Scale of explicit ratings: 1-5, 0.5-5, 1-10, thumbs.")
    ] = None,
    event: Annotated[
        str | None,
        typer.Option(
            help="Event kind of every row without one: purchase, add_to_cart, click, view."
        ),
    ] = None,
    dataset: Dataset = "real",
    strict: Strict = False,
    as_json: AsJson = False,
) -> None:
    """Import real ratings and events; bad rows are named by line and skipped, good rows stored,
    and a re-import adds nothing."""
    layout = load_mapping(InteractionsMapping, mapping, map_ or [], value_map or [],
                          scale=scale, event=event)  # fmt: skip
    with store() as opened:
        run_id = start_run(opened, "interactions.import", {"path": path, "dataset": dataset,
                                                           **layout.model_dump()})  # fmt: skip
        try:
            summary = import_interactions(opened, path, layout, dataset=dataset, run_id=run_id)
        except BaseException:
            finish_run(opened, run_id, {}, ok=False)
            raise
        finish_run(opened, run_id, summary.as_dict())
    _report(summary, as_json, strict)


@interactions_app.command("list")
@friendly
def list_command(as_json: AsJson = False) -> None:
    """Each imported dataset: its users, interactions by kind and rating scales."""
    with store() as opened:
        summary = dataset_summary(opened)
    if as_json:
        sys.stdout.write(json.dumps(summary) + "\n")
        return
    if not summary:
        out.print("no real interactions imported yet (tastemaker interactions import FILE)")
    for entry in summary:
        kinds = entry["kinds"]
        assert isinstance(kinds, dict)
        shown = ", ".join(f"{n} {k}" for k, n in kinds.items()) or "no interactions"
        scales = entry["scales"]
        assert isinstance(scales, list)
        out.print(
            f"{entry['dataset']}: {entry['users']} users, {shown}"
            + (f" (scale {', '.join(scales)})" if scales else ""),
            highlight=False,
        )


@users_app.command("import")
@friendly
def import_users_command(
    path: Annotated[Path, typer.Argument(help="A CSV, Parquet or JSON Lines file.")],
    map_: Maps = None,
    value_map: ValueMaps = None,
    mapping: MappingFile = None,
    dataset: Dataset = "real",
    strict: Strict = False,
    as_json: AsJson = False,
) -> None:
    """Import real users' attributes (age, gender, free text) for their twins."""
    layout = load_mapping(UsersMapping, mapping, map_ or [], value_map or [])
    with store() as opened:
        run_id = start_run(opened, "users.import", {"path": path, "dataset": dataset})
        summary = import_users(opened, path, layout, dataset=dataset)
        finish_run(opened, run_id, summary.as_dict())
    _report(summary, as_json, strict)
