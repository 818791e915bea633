"""``tastemaker demo``: every stage of the pipeline, in order, on the offline defaults.

The stages are the same subcommands a user would type (see :func:`demo_stages`), run in this
process one after another; the first that fails stops the demo and is named. Each stage is
resumable on its own (an import skips unchanged rows, embeddings come from the cache, personas
and ratings already stored are not asked again), so a second demo run mostly re-trains.
`make demo` first assembles the default LLM and builds the web app, then calls this.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Annotated

import typer

from tastemaker.commands.common import err, friendly, state
from tastemaker.errors import DataError

__all__ = ["demo_command", "demo_stages"]

#: Where the demo writes the bundled sample catalogue when no catalogue is given.
SAMPLE_DIR = "sample-catalog"
#: The exit code Typer gives a command stopped by Ctrl-C.
_INTERRUPTED = 130


def demo_stages(
    data_dir: Path,
    *,
    catalog: Path | None = None,
    personas: int = 12,
    per_persona: int = 20,
    model: str | None = None,
    config: Path | None = None,
    serve: bool = True,
) -> list[list[str]]:
    """The subcommands the demo runs, each as its argument list (without ``--data-dir``):
    the catalogue (the bundled sample unless one is given), embeddings, personas balanced by
    gender, ratings, calibration to a uniform target and its report, training, evaluation on
    the persona ratings, and the service."""
    llm = ["--model", model] if model else []
    run = ["--config", str(config)] if config else []
    if catalog is None:
        sample = data_dir / SAMPLE_DIR
        source = [["catalog", "sample", str(sample)], ["catalog", "import", str(sample)]]
    else:
        source = [["catalog", "import", str(catalog)]]
    return [
        *source,
        ["embed", "items"],
        ["catalog", "stats"],
        ["personas", "generate", "--n", str(personas), "--balance", "gender", *llm],
        ["ratings", "generate", "--per-persona", str(per_persona), *llm],
        ["ratings", "calibrate", "--target", "uniform"],
        ["ratings", "report"],
        ["train", *run],
        ["evaluate", "--no-sampled", *run],
        *([["serve"]] if serve else []),
    ]


@friendly
def demo_command(
    ctx: typer.Context,
    catalog: Annotated[
        Path | None,
        typer.Option(help="A catalogue folder (styles.csv, images/); default: the sample."),
    ] = None,
    personas: Annotated[int, typer.Option(min=1, help="Personas to generate.")] = 12,
    per_persona: Annotated[int, typer.Option(min=1, help="Items each persona rates.")] = 20,
    model: Annotated[
        str | None, typer.Option(help="LLM for personas and ratings (default: the rater).")
    ] = None,
    config: Annotated[Path | None, typer.Option(help="run.toml for train and evaluate.")] = None,
    serve: Annotated[
        bool, typer.Option(help="End by serving the API and web app (Ctrl-C stops).")
    ] = True,
) -> None:
    """Run every stage: catalogue → embeddings → personas → ratings → calibration → report →
    train → evaluate → serve."""
    if catalog is not None and not (catalog / "styles.csv").is_file():
        raise DataError(f"--catalog: no styles.csv in {catalog}")
    root = ctx.find_root().command
    stages = demo_stages(
        state.data_dir, catalog=catalog, personas=personas, per_persona=per_persona,
        model=model, config=config, serve=serve,
    )  # fmt: skip
    for number, stage in enumerate(stages, 1):
        err.print(f"[bold]demo {number}/{len(stages)}:[/bold] tastemaker {shlex.join(stage)}")
        args = ["--data-dir", str(state.data_dir), *stage]
        try:
            code = root.main(args, prog_name="tastemaker", standalone_mode=False)
        except typer.TyperException as exc:  # a usage error: a bug in demo_stages
            raise DataError(f"demo stage `{shlex.join(stage)}`: {exc}") from exc
        if stage == ["serve"] and code == _INTERRUPTED:  # Ctrl-C: how serving ends
            return
        if isinstance(code, int) and code != 0:  # the stage printed its own error line
            raise DataError(f"demo stopped at stage {number}: `tastemaker {shlex.join(stage)}`")
