"""``tastemaker train --config run.toml``: train the two-tower model and export a version.

Wiring (cli.py): ``from tastemaker.commands import train`` and
``app.command("train")(train.train_command)``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from tastemaker.commands.common import err, friendly, out, progress_bar, state, store
from tastemaker.config import load_config


@friendly
def train_command(
    config: Annotated[
        Path | None,
        typer.Option("--config", help="run.toml with data, model and train tables."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the metrics as JSON.")] = False,
) -> None:
    """Train on the store's calibrated persona ratings (or a MovieLens folder, per the config),
    stop early on validation NDCG@10, and export DATA_DIR/models/<version>/."""
    from tastemaker.model import TrainingRun, TrainProgress, run_training  # torch loads here
    from tastemaker.model.sources import describe_source
    from tastemaker.store.runs import finish_run, start_run

    run = load_config(config, TrainingRun) if config is not None else TrainingRun()
    with store() as opened:
        run_id = start_run(opened, "train", run.model_dump(mode="json"))
        with progress_bar() as bar:
            task = bar.add_task("training", total=run.train.max_steps)

            def progress(p: TrainProgress) -> None:
                best = f" best ndcg@{run.train.k} {p.best_ndcg:.4f}" if p.best_ndcg else ""
                bar.update(task, completed=p.step, description=f"loss {p.loss:.3f}{best}")

            outcome = run_training(run, data_dir=state.data_dir, store=opened, progress=progress)
        metrics = {**outcome.result.metrics, "path": str(outcome.path)}
        finish_run(opened, run_id, {**metrics, "trained_on": list(outcome.data.sources)})
    if as_json:
        sys.stdout.write(json.dumps({**metrics, "trained_on": list(outcome.data.sources)}) + "\n")
        return
    m = outcome.result.metrics
    err.print(
        f"trained on {outcome.data.name}: {len(outcome.data.users)} ratings, "
        f"{outcome.data.n_users} users, {outcome.data.n_items} items",
        highlight=False,
    )
    for source in outcome.data.sources:
        err.print(f"  {describe_source(source)}", highlight=False)
    out.print(
        f"validation NDCG@{run.train.k} {m[f'val_ndcg_at_{run.train.k}']:.4f} at step "
        f"{int(m['best_step'])} of {int(m['steps'])} ({m['train_seconds']:.1f} s) "
        f"-> {outcome.path}",
        highlight=False,
    )
