"""``tastemaker embed …``: item texts to vectors, cached, exported for the later stages."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from tastemaker.commands.common import friendly, out, progress_bar, state, store
from tastemaker.settings import get_settings
from tastemaker.store.items import count_items
from tastemaker.store.runs import finish_run, start_run

app = typer.Typer(
    help="Embed item texts (MiniLM offline by default, CLIP when given).", no_args_is_help=True
)


@app.command("items")
@friendly
def items_command(
    encoder: Annotated[
        str | None,
        typer.Option(
            help="'minilm' (default) or 'clip:<folder-or-cached-name>' \\[env TASTEMAKER_ENCODER]."
        ),
    ] = None,
    batch_size: Annotated[int | None, typer.Option(min=1, help="Texts per encoder call.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Embed every item's text; unchanged items come from the cache, never encoded twice."""
    from tastemaker.embed import embed_items, export_dir, get_text_encoder  # torch loads here

    settings = get_settings()
    size = batch_size or settings.batch_size
    text_encoder = get_text_encoder(encoder or settings.encoder, batch_size=size)
    with store() as opened:
        run_id = start_run(opened, "embed.items", {"encoder": text_encoder.id, "batch_size": size})
        with progress_bar() as bar:
            task = bar.add_task("embedding items", total=count_items(opened))
            report = embed_items(
                opened,
                text_encoder,
                out_dir=export_dir(state.data_dir, text_encoder.id),
                batch_size=size,
                progress=lambda n: bar.advance(task, n),
            )
        finish_run(opened, run_id, report.as_dict())
    if as_json:
        sys.stdout.write(json.dumps(report.as_dict()) + "\n")
        return
    out.print(
        f"{report.total} items embedded with {report.encoder_id} ({report.dim}-d): "
        f"{report.encoded} encoded, {report.cached} cached ({report.seconds:.1f} s) "
        f"-> {report.paths.vectors.parent}",
        highlight=False,
    )
