"""``tastemaker train --config run.toml``: train the two-tower model and export a version.

Wiring (cli.py): ``from tastemaker.commands import train`` and
``app.command("train")(train.train_command)``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError

from tastemaker.commands.common import err, friendly, out, progress_bar, state, store
from tastemaker.config import load_config
from tastemaker.errors import ConfigError
from tastemaker.validation import describe

if TYPE_CHECKING:
    from tastemaker.model import TrainingRun


@friendly
def train_command(
    config: Annotated[
        Path | None,
        typer.Option("--config", help="run.toml with data, model and train tables."),
    ] = None,
    real: Annotated[
        list[str] | None,
        typer.Option(
            "--real",
            help="A real dataset to train on (imported name, or 'web' for the app's likes and "
            "dislikes); repeatable. Adds to [data] real.",
        ),
    ] = None,
    synthetic: Annotated[
        bool | None,
        typer.Option(
            "--synthetic/--no-synthetic",
            help="Train on one synthetic set [default: the config's, on]; --no-synthetic: "
            "real feedback only.",
        ),
    ] = None,
    weight: Annotated[
        list[str] | None,
        typer.Option(
            "--weight",
            help="SOURCE=W loss weight (synthetic, real, web or a dataset name), e.g. "
            "synthetic=0.3; repeatable, over [data] weights.",
        ),
    ] = None,
    llm: Annotated[
        str | None, typer.Option("--llm", help="The synthetic set's LLM (over [data] llm).")
    ] = None,
    strategy: Annotated[
        str | None,
        typer.Option("--strategy", help="The synthetic set's strategy (over [data] strategy)."),
    ] = None,
    nproc: Annotated[
        int | None,
        typer.Option(
            "--nproc",
            help="Training processes on this machine, one DDP replica each (over [train] "
            "nproc; batch_users is split between them).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the metrics as JSON.")] = False,
) -> None:
    """Train on the store's ratings — one synthetic set, real feedback, or a weighted mix —
    (or a MovieLens folder, per the config), stop early on validation NDCG@10 (on real users
    when real rows are in), and export DATA_DIR/models/<version>/."""
    from tastemaker.model import TrainingRun, TrainProgress, run_training  # torch loads here
    from tastemaker.model.sources import describe_source
    from tastemaker.store.runs import finish_run, start_run

    run = load_config(config, TrainingRun) if config is not None else TrainingRun()
    run = with_data_options(
        run, real=real or [], synthetic=synthetic, weights=weight or [], llm=llm, strategy=strategy
    )
    if nproc is not None:
        run = with_train_options(run, nproc=nproc)
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


def parse_weights(pairs: Sequence[str]) -> dict[str, float]:
    """``["synthetic=0.3", …]`` → ``{"synthetic": 0.3, …}``; ConfigError naming a bad pair."""
    weights: dict[str, float] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        try:
            weights[name.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep or not name.strip():
            raise ConfigError(f"--weight {pair!r}: expected SOURCE=WEIGHT, e.g. synthetic=0.3")
    return weights


def with_train_options(run: TrainingRun, **options: object) -> TrainingRun:
    """``run`` with ``options`` over its ``[train]`` table, validated again (ConfigError)."""
    return _with_table(run, "train", {**run.train.model_dump(), **options})


def _with_table(run: TrainingRun, table: str, values: dict[str, object]) -> TrainingRun:
    """``run`` with its ``table`` replaced by ``values``, validated again, so that a flag
    that makes the run inconsistent is a ConfigError naming it."""
    from tastemaker.model import TrainingRun

    try:
        return TrainingRun.model_validate({**run.model_dump(), table: values})
    except ValidationError as exc:
        raise ConfigError(f"train options: {describe(exc)}") from exc


def with_data_options(
    run: TrainingRun,
    *,
    real: Sequence[str],
    synthetic: bool | None,
    weights: Sequence[str],
    llm: str | None,
    strategy: str | None,
) -> TrainingRun:
    """``run`` with the command line's data options over its ``[data]`` table (validated
    again, so a flag that makes the table inconsistent is an error naming it)."""
    data = run.data.model_dump()
    data["real"] = tuple(dict.fromkeys([*data["real"], *real]))
    data["weights"] = {**data["weights"], **parse_weights(weights)}
    for key, value in (("synthetic", synthetic), ("llm", llm), ("strategy", strategy)):
        if value is not None:
            data[key] = value
    return _with_table(run, "data", data)
