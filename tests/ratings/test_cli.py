"""``tastemaker ratings …`` as users and scripts call it (real subprocesses, real server)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tastemaker.ratings.records import PARQUET_SCHEMA
from tastemaker.ratings.scale import ANSWER_COLUMNS, ANSWERS

MODEL = "smollm2-135m-instruct"


def _cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tastemaker", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={"OMP_WAIT_POLICY": "PASSIVE", "PATH": "/usr/bin:/bin", "HOME": str(Path.home())},
    )


@pytest.fixture
def outside_files(tmp_path: Path, sample_catalog: Path) -> tuple[Path, Path]:
    personas = tmp_path / "personas.jsonl"
    personas.write_text(
        json.dumps({"id": "a", "name": "Ana", "gender": "Women", "bio": "Runner. Loves neon."})
        + "\n"
        + json.dumps(
            {
                "id": "b",
                "name": "Bo",
                "gender": "Men",
                "bio": "Banker. Suits only.",
                "occupation": "banker",
            }
        )
        + "\n"
    )
    items = tmp_path / "items.csv"
    lines = (sample_catalog / "styles.csv").read_text().splitlines()[:4]
    items.write_text("\n".join(lines) + "\n")
    return personas, items


@pytest.mark.llm
def test_rates_files_from_outside_the_store_into_parquet(
    tmp_path: Path, outside_files: tuple[Path, Path], smollm_server: object
) -> None:
    personas, items = outside_files
    out = tmp_path / "ratings.parquet"
    result = _cli(
        tmp_path, "ratings", "generate", "--personas", str(personas), "--items", str(items),
        "--strategy", "logprobs", "--out", str(out), "--model", MODEL, "--min-valid", "0.01",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    frame = pd.read_parquet(out)
    required = ["persona_id", "item_id", "strategy", "model", "answer", "expected_rating"]
    assert list(frame.columns[: len(required)]) == required
    assert set(ANSWER_COLUMNS) <= set(frame.columns)
    assert list(frame.columns) == PARQUET_SCHEMA.names
    assert len(frame) == 6  # 2 personas x 3 items
    assert set(frame["strategy"]) == {"logprobs"}
    assert set(frame["model"]) == {MODEL}
    rated = frame.dropna(subset=["answer"])
    assert len(rated) > 0
    assert (rated[list(ANSWER_COLUMNS)].sum(axis=1).sub(1).abs() < 1e-6).all()


def test_outside_files_need_all_three_options(
    tmp_path: Path, outside_files: tuple[Path, Path]
) -> None:
    personas, _ = outside_files
    result = _cli(tmp_path, "ratings", "generate", "--personas", str(personas))
    assert result.returncode == 2
    assert "--personas, --items and --out" in result.stderr


def test_a_bad_personas_line_is_named(tmp_path: Path, outside_files: tuple[Path, Path]) -> None:
    _, items = outside_files
    personas = tmp_path / "bad.jsonl"
    personas.write_text('{"id": "a", "name": "Ana", "gender": "Women"}\n')
    result = _cli(
        tmp_path, "ratings", "generate", "--personas", str(personas), "--items", str(items),
        "--out", str(tmp_path / "x.parquet"),
    )  # fmt: skip
    assert result.returncode == 2
    assert "bad.jsonl: line 1: field 'bio' is missing" in result.stderr


def test_report_without_ratings_is_a_clear_error(tmp_path: Path) -> None:
    result = _cli(tmp_path, "ratings", "report")
    assert result.returncode == 2
    assert "no stored ratings" in result.stderr


def _store_with_ratings(data_dir: Path, catalog: Path) -> None:
    """A store holding compressed ratings from two strategies (as the default rater gives)."""
    import numpy as np

    from tastemaker.catalog.importer import import_catalog
    from tastemaker.ratings.records import RatingKey, RatingRecord, insert_rating
    from tastemaker.ratings.strategies import RatingOutcome
    from tastemaker.store import open_store

    rng = np.random.default_rng(0)
    with open_store(data_dir / "tastemaker.sqlite") as store:
        import_catalog(store, catalog)
        with store.transaction() as conn:
            conn.executemany(
                "INSERT INTO personas (id, name, gender, bio) VALUES (?, ?, 'Women', 'A. B.')",
                [(f"p{i}", f"P{i}") for i in range(5)],
            )
        for strategy in ("logprobs", "free"):
            for p in range(5):
                for item in range(90001, 90031):
                    expected = float(rng.uniform(4.3, 6.3))
                    answer = int(np.clip(round(expected + rng.normal(0, 0.5)), 5, 8))
                    outcome = RatingOutcome(answer=answer, expected=expected)
                    key = RatingKey("t", "m", strategy)
                    record = RatingRecord(f"p{p}", str(item), key, "s", 0.0, 1, outcome)
                    insert_rating(store, record, None)


def test_report_calibrate_and_compare(tmp_path: Path, sample_catalog: Path) -> None:
    _store_with_ratings(tmp_path, sample_catalog)
    report = _cli(tmp_path, "ratings", "report", "--strategy", "logprobs")
    assert report.returncode == 0, report.stderr
    assert "no dislikes" in report.stdout
    assert (tmp_path / "reports" / "ratings" / "histogram.png").stat().st_size > 1000
    calibrated = _cli(tmp_path, "ratings", "calibrate", "--target", "uniform")
    assert calibrated.returncode == 0, calibrated.stderr
    assert "t/m/logprobs: 150 ratings" in calibrated.stdout
    again = json.loads(
        _cli(tmp_path, "ratings", "report", "--strategy", "logprobs", "--json").stdout
    )
    assert again["raw"]["collapsed"] is True
    after = again["calibrated"]
    assert after["neg1_share"] == pytest.approx(1 / 11, abs=0.01)
    assert not any("collapse" in w for w in after["warnings"])
    compared = _cli(tmp_path, "ratings", "compare", "strategy=logprobs", "strategy=free")
    assert compared.returncode == 0, compared.stderr
    assert "150 shared pairs" in compared.stdout
    assert (tmp_path / "reports" / "compare" / "compare.png").is_file()


def test_calibrate_to_the_real_shoppers_distribution(tmp_path: Path, sample_catalog: Path) -> None:
    _store_with_ratings(tmp_path, sample_catalog)
    nothing_real = _cli(tmp_path, "ratings", "calibrate", "--target", "real")
    assert nothing_real.returncode == 2
    assert "no real explicit ratings" in nothing_real.stderr
    assert "Traceback" not in nothing_real.stderr
    stars = tmp_path / "stars.csv"  # 5, 1, 4, 4 stars: 10, 1, 7.75, 7.75 on the model's scale
    stars.write_text("user,item,rating\nc1,90001,5\nc1,90002,1\nc2,90001,4\nc3,90003,4\n")
    imported = _cli(tmp_path, "interactions", "import", str(stars), "--scale", "1-5",
                    "--dataset", "shop")  # fmt: skip
    assert imported.returncode == 0, imported.stderr
    result = _cli(tmp_path, "ratings", "calibrate", "--target", "real:shop",
                  "--strategy", "logprobs")  # fmt: skip
    assert result.returncode == 0, result.stderr
    group = json.loads((tmp_path / "reports" / "calibration.json").read_text())["groups"]
    target = dict(zip(ANSWERS, group["t/m/logprobs"]["target"], strict=True))
    assert {a: w for a, w in target.items() if w} == {1: 0.25, 8: 0.5, 10: 0.25}
    with sqlite3.connect(tmp_path / "tastemaker.sqlite") as conn:
        calibrated = pd.read_sql_query(
            "SELECT calibrated FROM ratings WHERE strategy = 'logprobs'", conn
        )["calibrated"]
    shares = calibrated.value_counts(normalize=True).to_dict()
    assert shares == pytest.approx({1: 0.25, 8: 0.5, 10: 0.25}, abs=0.01)


@pytest.mark.llm
def test_sweep_rates_one_sample_per_temperature(
    tmp_path: Path, sample_catalog: Path, smollm_server: object
) -> None:
    _store_with_ratings(tmp_path, sample_catalog)
    result = _cli(
        tmp_path, "ratings", "sweep", "--temperatures", "0.2,1.5", "--n", "2",
        "--per-persona", "2", "--limit-personas", "2", "--model", MODEL,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    sweep = json.loads((tmp_path / "reports" / "sweep" / "sweep.json").read_text())
    assert set(sweep) == {"0.2", "1.5"}
    for figures in sweep.values():
        assert figures["n"] + figures["failures"] == 4
        assert sum(figures["histogram"].values()) == figures["n"]
    frame = pd.read_parquet(tmp_path / "reports" / "sweep" / "sample-t1.5.parquet")
    assert (frame["temperature"] == 1.5).all()


@pytest.mark.parametrize("strategy", ["logprobs", "yesno"])
def test_temperature_is_refused_where_it_cannot_apply(tmp_path: Path, strategy: str) -> None:
    """logprobs and yesno read one greedy forward pass: a temperature would be ignored."""
    from typer.testing import CliRunner

    from tastemaker.cli import app

    result = CliRunner().invoke(
        app,
        ["--data-dir", str(tmp_path), "ratings", "generate", "--strategy", strategy,
         "--temperature", "0.7"],
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "--temperature" in result.output
    assert strategy in result.output
    assert not (tmp_path / "tastemaker.sqlite").exists()  # refused before touching anything


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--strategy", "sample", "--min-valid", "1.5"], "--min-valid"),
        (["--strategy", "free", "--min-valid", "0.5"], "--min-valid does not apply to the free"),
    ],
)
def test_a_bad_validity_threshold_is_refused(tmp_path: Path, args: list[str], named: str) -> None:
    from typer.testing import CliRunner

    from tastemaker.cli import app

    result = CliRunner().invoke(app, ["--data-dir", str(tmp_path), "ratings", "generate", *args])
    assert result.exit_code == 2, result.output
    assert named in result.output
