"""PNG plots of rating distributions (matplotlib, headless)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display: plots are files

import matplotlib.pyplot as plt
import numpy as np

from tastemaker.ratings.scale import ANSWERS

__all__ = ["plot_histograms", "plot_personas"]


def plot_histograms(
    series: Mapping[str, Sequence[int]], path: Path, *, title: str = "Ratings"
) -> Path:
    """Overlaid (side-by-side) histograms of the 11 answers, one bar group per series."""
    labels = [str(a) for a in ANSWERS]
    x = np.arange(len(ANSWERS))
    width = 0.8 / max(1, len(series))
    fig, ax = plt.subplots(figsize=(8, 4))
    for index, (name, answers) in enumerate(series.items()):
        values = np.asarray(list(answers))
        shares = [(values == a).mean() if len(values) else 0.0 for a in ANSWERS]
        ax.bar(x + (index - (len(series) - 1) / 2) * width, shares, width, label=name)
    ax.set_xticks(x, labels)
    ax.set_xlabel("answer (-1 = dislike)")
    ax.set_ylabel("share of ratings")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_personas(means: Mapping[str, float], stds: Mapping[str, float], path: Path) -> Path:
    """Per-persona mean rating with ±1 std bars, sorted by mean: flat bars mean flat personas."""
    order = sorted(means, key=lambda k: means[k])
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.errorbar(
        np.arange(len(order)),
        [means[k] for k in order],
        yerr=[stds.get(k, 0.0) for k in order],
        fmt="o",
        capsize=2,
    )
    ax.set_xlabel("persona (sorted by mean)")
    ax.set_ylabel("rating")
    ax.set_ylim(-1.5, 10.5)
    ax.set_title("Per-persona mean and spread")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
