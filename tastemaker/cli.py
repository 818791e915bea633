"""The ``tastemaker`` command: one subcommand group per pipeline stage.

This module only wires the groups together and reads the global ``--data-dir``; each group
lives in :mod:`tastemaker.commands`. Errors of the :mod:`tastemaker.errors` family are printed
as one clear line on stderr with exit code 2; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tastemaker.commands import (
    catalog,
    datasets,
    demo,
    embed,
    evaluate,
    interactions,
    personas,
    ratings,
    ratings_analysis,
    ratings_fidelity,
    serve,
    train,
)
from tastemaker.commands.common import friendly, state
from tastemaker.settings import get_settings

app = typer.Typer(
    help="Bootstrap a fashion recommender from LLM-simulated shoppers.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(catalog.app, name="catalog")
app.add_typer(embed.app, name="embed")
app.add_typer(personas.app, name="personas")
app.add_typer(datasets.app, name="datasets")
app.add_typer(interactions.interactions_app, name="interactions")
app.add_typer(interactions.users_app, name="users")
app.command("demo")(demo.demo_command)
app.command("evaluate")(evaluate.evaluate_command)
app.command("serve")(serve.serve_command)
app.command("train")(train.train_command)
app.add_typer(ratings.app, name="ratings")
_ = ratings_analysis, ratings_fidelity  # register report, calibrate, compare and fidelity


@app.callback()
@friendly
def main(
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            help="Store and artefacts (env TASTEMAKER_DATA_DIR; default ./.tastemaker).",
        ),
    ] = None,
) -> None:
    """Bootstrap a fashion recommender from LLM-simulated shoppers."""
    state.data_dir = data_dir if data_dir is not None else get_settings().data_dir


if __name__ == "__main__":  # pragma: no cover
    app()
