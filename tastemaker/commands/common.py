"""What every subcommand shares: the data directory, the store, error reporting, progress bars."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from tastemaker.errors import TastemakerError
from tastemaker.store import Store, open_store

__all__ = ["State", "err", "friendly", "out", "progress_bar", "state", "store"]

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

P = ParamSpec("P")
R = TypeVar("R")


@dataclass
class State:
    """Options given before the subcommand (``tastemaker --data-dir DIR …``)."""

    data_dir: Path = Path(".tastemaker")

    @property
    def store_path(self) -> Path:
        return self.data_dir / "tastemaker.sqlite"


state = State()


def friendly(func: Callable[P, R]) -> Callable[P, R]:
    """Turn a tastemaker error into one red line on stderr and exit code 2.

    A file-system error (``OSError``: a path the user named that cannot be read or written,
    such as ``--out`` under a file) is reported the same way, naming the path."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except TastemakerError as exc:
            err.print(f"[red]error:[/red] {exc}", highlight=False)
            raise typer.Exit(code=2) from None
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename is not None else ""
            err.print(f"[red]error:[/red] {where}{exc.strerror or exc}", highlight=False)
            raise typer.Exit(code=2) from None

    return wrapper


@contextmanager
def store() -> Iterator[Store]:
    """The store under the data directory, closed on exit."""
    opened = open_store(state.store_path)
    try:
        yield opened
    finally:
        opened.close()


class _RateColumn(ProgressColumn):
    """Items per second, from rich's own speed estimate."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("  -  /s" if speed is None else f"{speed:6.2f}/s", style="cyan")


def progress_bar() -> Progress:
    """A bar with count, rate, elapsed time and ETA, on stderr."""
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        _RateColumn(),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        console=err,
    )
