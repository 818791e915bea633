"""``tastemaker ratings report | calibrate | compare``: the checks that need no LLM."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import numpy as np
import numpy.typing as npt
import pandas as pd
import typer

from tastemaker.commands.common import friendly, out, state, store
from tastemaker.commands.ratings import app
from tastemaker.errors import ConfigError, DataError
from tastemaker.ratings.diagnostics import Diagnostics, diagnose
from tastemaker.ratings.records import load_ratings, save_calibrated
from tastemaker.store.db import Store
from tastemaker.store.real import dataset_summary, load_interactions

__all__ = ["select_ratings"]

ModelOpt = Annotated[str | None, typer.Option("--model", help="Only ratings by this model.")]
StrategyOpt = Annotated[str | None, typer.Option(help="Only ratings of this strategy.")]
TemplateOpt = Annotated[
    str | None, typer.Option("--template-version", help="Only this template version.")
]
RequestSetOpt = Annotated[
    str | None,
    typer.Option("--request-set", help="Only this request set (one run configuration)."),
]


def select_ratings(
    opened: Store,
    model: str | None,
    strategy: str | None,
    template: str | None,
    request_set: str | None = None,
) -> pd.DataFrame:
    """Stored ratings matching the filters; none at all is a clear error."""
    frame = load_ratings(
        opened,
        model=model,
        strategy=strategy,
        template_version=template,
        request_set=request_set,
    )
    if frame.empty:
        raise DataError(
            "no stored ratings match "
            f"model={model or '*'} strategy={strategy or '*'} template={template or '*'} "
            f"request_set={request_set or '*'}; run `tastemaker ratings generate` first"
        )
    return frame


def _parse_selector(text: str) -> dict[str, str]:
    selector: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = part.partition("=")
        if not sep or key not in ("model", "strategy", "template", "request"):
            raise ConfigError(
                f"selector {text!r}: use model=…,strategy=…,template=…,request=<request set>"
            )
        selector[key] = value
    return selector


def _load_side(opened: Store, spec: str) -> pd.DataFrame:
    """A Parquet export, or stored ratings picked by a ``key=value,…`` selector."""
    if spec.endswith(".parquet"):
        path = Path(spec)
        if not path.is_file():
            raise DataError(f"{path}: no such file")
        try:
            return pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises several unrelated types for bad files
            raise DataError(f"{path}: not a readable Parquet file: {exc}") from exc
    s = _parse_selector(spec)
    return select_ratings(
        opened, s.get("model"), s.get("strategy"), s.get("template"), s.get("request")
    )


@app.command("report")
@friendly
def report(
    model: ModelOpt = None,
    strategy: StrategyOpt = None,
    template_version: TemplateOpt = None,
    request_set: RequestSetOpt = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Report directory.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Histogram, −1 share, 6+8 share, modal share, entropy, per-persona spread, collapse."""
    from tastemaker.ratings.plots import plot_histograms, plot_personas  # matplotlib is slow

    with store() as opened:
        frame = select_ratings(opened, model, strategy, template_version, request_set)
    target = out_dir or state.data_dir / "reports" / "ratings"
    raw = diagnose(frame)
    result: dict[str, object] = {"raw": asdict(raw) | {"collapsed": raw.collapsed}}
    series = {"raw answers": frame["answer"].dropna().astype(int).tolist()}
    calibrated: Diagnostics | None = None
    if frame["calibrated"].notna().any():
        calibrated = diagnose(frame, column="calibrated")
        result["calibrated"] = asdict(calibrated) | {"collapsed": calibrated.collapsed}
        series["calibrated"] = frame["calibrated"].dropna().astype(int).tolist()
    histogram = plot_histograms(series, target / "histogram.png", title="Rating histogram")
    personas = plot_personas(raw.persona_mean, raw.persona_std, target / "personas.png")
    result["plots"] = [str(histogram), str(personas)]
    (target / "report.json").write_text(json.dumps(result, indent=2))
    if as_json:
        sys.stdout.write(json.dumps(result) + "\n")
        return
    _print_diagnostics("raw answers", raw)
    if calibrated is not None:
        _print_diagnostics("calibrated", calibrated)
    out.print(f"report: {target / 'report.json'}; plots: {histogram}, {personas}", highlight=False)


def _print_diagnostics(label: str, d: Diagnostics) -> None:
    out.print(
        f"{label}: {d.n} ratings ({d.failures} failures) from {len(d.persona_mean)} personas: "
        f"-1 share {d.neg1_share:.1%}, 6+8 share {d.share_6_8:.1%}, modal "
        f"{d.modal_answer} at {d.modal_share:.1%}, entropy {d.entropy_bits:.2f} bits, "
        f"median per-persona spread {d.median_persona_std or 0:.2f}",
        highlight=False,
    )
    out.print(f"  histogram: {json.dumps(d.histogram)}", highlight=False)
    for warning in d.warnings:
        out.print(f"  [yellow]warning[/yellow] {warning}", highlight=False)


@app.command("calibrate")
@friendly
def calibrate_command(
    target: Annotated[
        str,
        typer.Option(
            help="'uniform', 'real' (the store's real explicit ratings), 'real:DATASET', or a "
            "JSON file mapping answers to weights."
        ),
    ] = "uniform",
    model: ModelOpt = None,
    strategy: StrategyOpt = None,
    template_version: TemplateOpt = None,
    request_set: RequestSetOpt = None,
) -> None:
    """Map ratings onto the target by quantiles, per (template, model, strategy) group."""
    from tastemaker.ratings.calibrate import calibrate, load_target  # scipy is slow to import

    reports = {}
    with store() as opened:
        wanted = _real_target(opened, target) if _is_real(target) else load_target(target)
        frame = select_ratings(opened, model, strategy, template_version, request_set)
        for group, part in frame.groupby(["template_version", "model", "strategy"]):
            calibrated, result = calibrate(part, wanted)
            save_calibrated(opened, part.assign(calibrated=calibrated))
            name = "/".join(str(g) for g in group)
            reports[name] = asdict(result)
            before, after = result.before, result.after
            out.print(
                f"{name}: {result.n} ratings; Wasserstein over 1..10 "
                f"{_num(before['wasserstein'], 3)} -> {_num(after['wasserstein'], 3)}, JSD "
                f"{result.before['jsd']:.3f} -> "
                f"{result.after['jsd']:.3f}, -1 share {result.before['neg1_share']:.1%} -> "
                f"{result.after['neg1_share']:.1%}, modal share "
                f"{result.before['modal_share']:.1%} -> {result.after['modal_share']:.1%}",
                highlight=False,
            )
    path = state.data_dir / "reports" / "calibration.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"target": target, "groups": reports}, indent=2))
    out.print(f"report: {path}", highlight=False)


def _is_real(target: str) -> bool:
    return target == "real" or target.startswith("real:")


def _real_target(opened: Store, target: str) -> npt.NDArray[np.float64]:
    """The distribution of the store's real explicit ratings (one imported dataset after
    ``real:``, else every dataset and the app's likes and dislikes), on the model's scale."""
    from tastemaker.ratings.calibrate import target_from_ratings

    dataset = target.partition(":")[2] or None
    frame = load_interactions(opened, None if dataset is None else [dataset])
    ratings = frame.loc[frame["kind"] == "rating", "rating"].dropna()
    if ratings.empty:
        held = "; ".join(
            f"{d['dataset']}: {d['kinds'] or 'no interactions'}" for d in dataset_summary(opened)
        )
        raise DataError(
            f"--target {target}: no real explicit ratings in the store "
            f"(it holds {held or 'no imported datasets'}); import some with "
            "`tastemaker interactions import --scale ...`"
        )
    return target_from_ratings(ratings.to_numpy(dtype=float))


@app.command("compare")
@friendly
def compare(
    a: Annotated[str, typer.Argument(help="Parquet file, or selector model=…,strategy=….")],
    b: Annotated[str, typer.Argument(help="Parquet file, or selector model=…,strategy=….")],
    out_dir: Annotated[Path | None, typer.Option("--out", help="Report directory.")] = None,
) -> None:
    """Spearman, exact agreement and overlaid histograms of two models or strategies."""
    from tastemaker.ratings.compare import compare_ratings
    from tastemaker.ratings.plots import plot_histograms

    with store() as opened:
        left, right = _load_side(opened, a), _load_side(opened, b)
    result = compare_ratings(left, right)
    target = out_dir or state.data_dir / "reports" / "compare"
    plot = plot_histograms(
        {a: left["answer"].dropna().astype(int).tolist(),
         b: right["answer"].dropna().astype(int).tolist()},
        target / "compare.png",
        title="A vs B",
    )  # fmt: skip
    (target / "compare.json").write_text(json.dumps({"a": a, "b": b, **asdict(result)}, indent=2))
    if result.pairs == 0:
        raise DataError(f"{a} and {b} share no (persona, item) pair")
    out.print(
        f"{result.pairs} shared pairs: Spearman {result.spearman}, exact agreement "
        f"{result.exact_agreement:.1%}, within one {result.within_one:.1%}; "
        f"mean over 1..10 {_num(result.mean_a)} vs {_num(result.mean_b)}, dislikes "
        f"{result.neg1_share_a or 0:.1%} vs {result.neg1_share_b or 0:.1%}; plot {plot}",
        highlight=False,
    )


def _num(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"
