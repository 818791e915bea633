"""Fidelity reports: one JSON per run, and a leaderboard over every run on the same cases.

Runs are comparable only on the same cases, so reports are filed by dataset and a digest of
the case options (``reports/fidelity/<dataset>-<digest>/``). Each run writes its twins' and the
baselines' figures there (``<model>__<strategy>.json``, with the LLM cost of that run); the
folder's ``leaderboard.md``, ``leaderboard.json`` and ``leaderboard.png`` are rebuilt from every
report in it, so a second model or strategy run on the same cases joins the table.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display: plots are files

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["case_folder", "leaderboard_rows", "write_report"]

_CASE_OPTIONS = (
    "dataset", "users", "min_history", "holdout", "positives_per_user",
    "agreement_per_user", "ratios", "negatives", "like_at", "seed", "min_users",
)  # fmt: skip


def case_folder(root: Path, options: Mapping[str, Any]) -> Path:
    """Where reports on these cases live: the options that decide the cases, digested. The
    twin's ``k`` and ``choose`` are left out: they change the twin, not the cases."""
    chosen = {k: options[k] for k in _CASE_OPTIONS}
    digest = hashlib.sha256(json.dumps(chosen, sort_keys=True).encode()).hexdigest()[:8]
    return root / f"{options['dataset']}-{digest}"


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)


def write_report(body: Mapping[str, Any], root: Path, run_name: str) -> dict[str, Path]:
    """File ``body`` (:func:`~tastemaker.ratings.fidelity.run.score_run`'s, plus ``cost``) and
    rebuild the leaderboard of its folder; returns the paths written."""
    folder = case_folder(root, body["options"])
    folder.mkdir(parents=True, exist_ok=True)
    report = folder / f"{_slug(run_name)}.json"
    report.write_text(json.dumps(body, indent=2, allow_nan=True) + "\n", encoding="utf-8")
    reports = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))
               if p.name != "leaderboard.json"]  # fmt: skip
    rows = leaderboard_rows(reports)
    (folder / "leaderboard.json").write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    (folder / "leaderboard.md").write_text(_markdown(rows, body), encoding="utf-8")
    _plot(rows, folder / "leaderboard.png")
    return {"report": report, "leaderboard": folder / "leaderboard.md",
            "plot": folder / "leaderboard.png"}  # fmt: skip


def leaderboard_rows(reports: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One row per twin entry of any report and per baseline (once), best 1:1 accuracy first."""
    rows: dict[str, dict[str, Any]] = {}
    for report in reports:
        cost = report.get("cost", {})
        for name, entry in report["entries"].items():
            if entry["kind"] == "baseline" and name in rows:
                continue
            row: dict[str, Any] = {"entry": name, "kind": entry["kind"]}
            for ratio, figures in entry.get("discrimination", {}).items():
                row[f"acc {ratio}"] = figures["pairwise_accuracy"]
                row[f"acc {ratio} interval"] = [figures["accuracy_low"], figures["accuracy_high"]]
                row[f"auc {ratio}"] = figures["auc"]
                row[f"f1 {ratio}"] = figures["f1"]
            for view in ("agreement_raw", "agreement_calibrated"):
                if view in entry:
                    label = view.removeprefix("agreement_")
                    row[f"rmse {label}"] = entry[view]["rmse"]
                    row[f"spearman {label}"] = entry[view]["spearman"]
            if entry["kind"] == "twin" and cost:
                row["cost"] = cost
            rows[name] = row
    return sorted(rows.values(), key=lambda r: -_number(r.get("acc 1:1")))


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) and not math.isnan(value) else -1.0


def _cell(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_cell(v) for v in value) + "]"
    if isinstance(value, float):
        return "–" if math.isnan(value) else f"{value:.3f}"
    return "–" if value is None else str(value)


def _markdown(rows: list[dict[str, Any]], body: Mapping[str, Any]) -> str:
    options = body["options"]
    ratios = [f"1:{r}" for r in options["ratios"]]
    columns = [*(f"acc {r}" for r in ratios), "acc 1:1 interval", "auc 1:1", "f1 1:1",
               "rmse raw", "rmse calibrated", "spearman calibrated"]  # fmt: skip
    lines = [
        f"# Twin fidelity on {options['dataset']}",
        "",
        f"{body['users']} users, {body['cases']} held-out positives, each against "
        f"{max(options['ratios'])} {options['negatives']} negatives (the first 1, 3, … for "
        f"1:1, 1:3, …); {body['agreement_cases']} held-out explicit ratings for agreement. "
        f"Later {options['holdout']:.0%} of each history held out; twins and baselines see "
        "only the earlier part. Intervals: 95% bootstrap over users.",
        "",
        "| entry | " + " | ".join(columns) + " | calls/rating | s/rating |",
        "|---|" + "---|" * (len(columns) + 2),
    ]
    for row in rows:
        cost = row.get("cost") or {}
        rated = max(1, int(cost.get("ratings", 0) or 0))
        per_call = f"{cost['calls'] / rated:.2f}" if cost.get("calls") else "–"
        per_second = f"{cost['seconds'] / rated:.2f}" if cost.get("seconds") else "–"
        cells = [_cell(row.get(c)) for c in columns]
        lines.append(f"| {row['entry']} | " + " | ".join(cells) + f" | {per_call} | {per_second} |")
    lines += ["", "Options: `" + json.dumps(options, sort_keys=True) + "`", ""]
    return "\n".join(lines)


def _plot(rows: list[dict[str, Any]], path: Path) -> None:
    ratios = sorted({k.split()[1] for r in rows for k in r if k.startswith("acc ") and
                     k.count(" ") == 1}, key=lambda x: int(x.split(":")[1]))  # fmt: skip
    fig, ax = plt.subplots(figsize=(max(6, 1.2 * len(rows)), 4))
    x = np.arange(len(rows))
    width = 0.8 / max(1, len(ratios))
    for index, ratio in enumerate(ratios):
        values = [_number(r.get(f"acc {ratio}")) for r in rows]
        ax.bar(x + (index - (len(ratios) - 1) / 2) * width, values, width, label=ratio)
    ax.axhline(0.5, color="grey", linewidth=0.8, linestyle="--")
    ax.set_xticks(x, [r["entry"] for r in rows], rotation=20, ha="right")
    ax.set_ylim(0, 1)
    ax.set_ylabel("pairwise accuracy")
    ax.set_title("Held-out positive vs negatives")
    ax.legend(title="ratio")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
