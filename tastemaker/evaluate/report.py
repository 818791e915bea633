"""An evaluation as tables (rich) and as JSON.

The full-ranking table is the headline; the sampled-candidates figures get their own table,
titled as such, because they are far higher and must never be read against full ranking.
"""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console
from rich.table import Table

from tastemaker.evaluate.protocol import FULL_RANKING, SAMPLED
from tastemaker.evaluate.runner import EvaluationReport

__all__ = ["print_report", "ranking_table", "sampled_table", "write_json"]


_PIPED_WIDTH = 132


def _fmt(value: float | None, digits: int = 4) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def ranking_table(report: EvaluationReport) -> Table:
    """One row per model: Recall, Precision, NDCG, MAP, HitRate, coverage at k; RMSE, MAE; time."""
    k = report.k
    table = Table(
        title=f"{report.dataset.get('name')} — {FULL_RANKING}, k = {k}\n{report.split}",
        caption="MAP@k divides by each user's number of test items (Microsoft Recommenders' "
        "published table); Coverage: share of the catalogue recommended to anyone",
    )
    table.add_column("model", style="bold")
    for header in (f"Recall@{k}", f"Precision@{k}", f"NDCG@{k}", f"MAP@{k}", f"HitRate@{k}",
                   "Coverage", "RMSE", "MAE", "train s"):  # fmt: skip
        table.add_column(header, justify="right")
    for r in report.results:
        rating = r.rating or {}
        table.add_row(
            r.name,
            *(_fmt(r.full[f"{m}_at_{k}"]) for m in ("recall", "precision", "ndcg", "map")),
            _fmt(r.full[f"hit_rate_at_{k}"]),
            _fmt(r.full[f"coverage_at_{k}"]),
            _fmt(rating.get("rmse")),
            _fmt(rating.get("mae")),
            f"{r.train_seconds:.1f}",
        )
    return table


def sampled_table(report: EvaluationReport) -> Table | None:
    """HitRate and NDCG at k under the sampled-candidates protocol, or ``None`` if not run."""
    rows = [r for r in report.results if r.sampled is not None]
    if not rows:
        return None
    k = report.k
    table = Table(title="SAMPLED protocol", caption=SAMPLED)
    table.add_column("model", style="bold")
    table.add_column(f"sampled HitRate@{k}", justify="right")
    table.add_column(f"sampled NDCG@{k}", justify="right")
    for r in rows:
        assert r.sampled is not None
        table.add_row(
            r.name,
            _fmt(r.sampled[f"sampled_hit_rate_at_{k}"]),
            _fmt(r.sampled[f"sampled_ndcg_at_{k}"]),
        )
    return table


def print_report(report: EvaluationReport, console: Console) -> None:
    """The full-ranking table, the sampled table (when run), then any notes.

    Piped output (not a terminal) gets the tables' natural width instead of rich's default 80
    columns, so figures are never cut to "0.21…" in logs.
    """
    if not console.is_terminal and console.width < _PIPED_WIDTH:
        console = Console(file=console.file, width=_PIPED_WIDTH, highlight=False)
    console.print(ranking_table(report))
    extra = sampled_table(report)
    if extra is not None:
        console.print(extra)
    for note in report.notes:
        console.print(f"note: {note}", highlight=False)


def write_json(report: EvaluationReport, path: Path) -> None:
    """Write :meth:`EvaluationReport.as_dict` to ``path`` (parents created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report.as_dict(), indent=2) + "\n", encoding="utf-8")
