"""``tastemaker demo``: its stage plan names real subcommands with valid options, and a run
stops at the first failing stage, names it, and runs nothing after it.

The whole demo with the real default LLM takes minutes (`make demo` runs it); here each stage
is parsed by the real command tree, and a real run is made to fail at its first stage."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.core import TyperGroup

from tastemaker.cli import app
from tastemaker.commands.demo import demo_stages


def _parse(root: TyperGroup, args: list[str]) -> typer.Context:
    """Parse ``args`` down to the leaf subcommand's context, validating every option and
    argument as a run would, without invoking anything."""
    ctx = root.make_context("tastemaker", list(args))
    command: object = root
    rest = [*getattr(ctx, "_protected_args", []), *ctx.args]
    while isinstance(command, TyperGroup):
        name, sub, rest = command.resolve_command(ctx, rest)
        assert sub is not None
        assert name is not None
        ctx = sub.make_context(name, rest, parent=ctx)
        command, rest = sub, [*getattr(ctx, "_protected_args", []), *ctx.args]
    assert not rest, f"left over: {rest}"
    return ctx


@pytest.mark.parametrize("catalog", [False, True])
def test_every_stage_parses_as_a_real_subcommand(tmp_path: Path, catalog: bool) -> None:
    config = tmp_path / "run.toml"
    config.write_text("")
    stages = demo_stages(
        tmp_path, catalog=tmp_path if catalog else None, personas=3, per_persona=4,
        model="smollm2-135m-instruct", config=config,
    )  # fmt: skip
    root = typer.main.get_command(app)
    assert isinstance(root, TyperGroup)
    names = []
    for stage in stages:
        ctx = _parse(root, ["--data-dir", str(tmp_path), *stage])
        names.append(ctx.command_path.removeprefix("tastemaker "))
    first = ["catalog import"] if catalog else ["catalog sample", "catalog import"]
    assert names == [
        *first, "embed items", "catalog stats", "personas generate", "ratings generate",
        "ratings calibrate", "ratings report", "train", "evaluate", "serve",
    ]  # fmt: skip
    personas = _parse(root, ["--data-dir", str(tmp_path), *stages[len(first) + 2]])
    assert (personas.params["n"], personas.params["model"]) == (3, "smollm2-135m-instruct")
    assert "serve" not in {s[0] for s in demo_stages(tmp_path, serve=False)}


def test_a_failing_stage_stops_the_demo_and_is_named(tmp_path: Path) -> None:
    catalog = tmp_path / "shop"
    catalog.mkdir()
    (catalog / "styles.csv").write_text("colour,size\nred,M\n")  # no id, no name
    data = tmp_path / "data"
    result = subprocess.run(
        [sys.executable, "-m", "tastemaker", "--data-dir", str(data), "demo", "--catalog",
         str(catalog), "--no-serve"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert "demo 1/9: tastemaker catalog import" in result.stderr
    assert "demo stopped at stage 1: `tastemaker catalog import" in result.stderr
    assert "demo 2/9" not in result.stderr  # nothing ran after the failure
    assert not (data / "embeddings").exists()
