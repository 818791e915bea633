"""``tastemaker datasets …``: read real ratings datasets (MovieLens) into the declared schema."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from tastemaker.commands.common import err, friendly, out, state, store
from tastemaker.datasets import load_movielens, write_interactions
from tastemaker.datasets.into_store import movielens_into_store

app = typer.Typer(help="Read real ratings datasets (MovieLens).", no_args_is_help=True)

_SHOWN = 50


@app.command("movielens")
@friendly
def movielens_command(
    path: Annotated[Path, typer.Argument(help="ML-100K (u.data …) or ml-latest (ratings.csv …).")],
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Write ratings/users/items Parquet here \\[default: DATA_DIR/datasets/<layout>].",
        ),
    ] = None,
    into_store: Annotated[
        str | None,
        typer.Option(
            "--into-store",
            help="Also store the movies as items and the users and ratings as real feedback "
            "under this dataset name (for twins, fidelity and augmentation).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Read a MovieLens directory; bad rows are reported by file and line and skipped."""
    data = load_movielens(path)
    target = out_dir if out_dir is not None else state.data_dir / "datasets" / data.layout
    write_interactions(data, target)
    summary: dict[str, object] = {**data.summary(), "written_to": str(target)}
    if into_store is not None:
        with store() as opened:
            stored = movielens_into_store(opened, data, into_store)
        summary["stored"] = {name: asdict(counts) for name, counts in stored.items()}
    if as_json:
        sys.stdout.write(
            json.dumps({**summary, "problems": [str(p) for p in data.problems]}) + "\n"
        )
        return
    out.print(
        f"{data.layout} at {data.source}: {summary['ratings']} ratings, {summary['users']} users, "
        f"{summary['items']} movies; {summary['skipped_rows']} rows skipped, "
        f"{summary['repaired_rows']} repaired; written to {target}",
        highlight=False,
    )
    if into_store is not None:
        out.print(f"stored as {into_store!r}: {summary['stored']}", highlight=False)
    for problem in data.problems[:_SHOWN]:
        tag = "[yellow]repaired[/yellow]" if problem.repaired else "[red]skipped[/red]"
        err.print(f"{tag} {problem}", highlight=False)
    if len(data.problems) > _SHOWN:
        err.print(f"… and {len(data.problems) - _SHOWN} more (see --json)", highlight=False)
