"""The ``tastemaker`` command end to end, as a user runs it (a real subprocess, a real store)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def _run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tastemaker", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_import_and_stats_on_the_sample(tmp_path: Path, sample_catalog: Path) -> None:
    first = _run(tmp_path, "catalog", "import", str(sample_catalog))
    assert first.returncode == 0, first.stderr
    assert "200 new" in first.stdout
    again = _run(tmp_path, "catalog", "import", str(sample_catalog), "--json")
    assert json.loads(again.stdout)["unchanged"] == 200
    stats = _run(tmp_path, "catalog", "stats", "--json")
    assert stats.returncode == 0, stats.stderr
    parsed = json.loads(stats.stdout)
    assert (parsed["items"], parsed["with_image"]) == (200, 200)
    table = _run(tmp_path, "catalog", "stats")
    assert "200 items" in table.stdout


def test_bad_rows_exit_zero_unless_strict(tmp_path: Path) -> None:
    path = tmp_path / "shop.csv"
    path.write_text("id,productDisplayName\n1,Shirt\n1,Again\n")
    lenient = _run(tmp_path, "catalog", "import", str(path))
    assert lenient.returncode == 0
    assert "line 3 (id 1): id: duplicate id" in lenient.stderr
    strict = _run(tmp_path, "catalog", "import", str(path), "--strict")
    assert strict.returncode == 2
    assert "1 row(s) rejected" in strict.stderr
    stats = json.loads(_run(tmp_path, "catalog", "stats", "--json").stdout)
    assert stats["items"] == 1  # --strict still keeps the good rows


HM_ARTICLES = Path(__file__).resolve().parent / "catalog" / "data" / "hm_articles.csv"


def test_hm_articles_import_with_the_built_in_layout(tmp_path: Path) -> None:
    lenient = _run(tmp_path, "catalog", "import", str(HM_ARTICLES), "--mapping", "hm-articles")
    assert lenient.returncode == 0, lenient.stderr
    assert "38 rows read, 38 new" in lenient.stdout
    assert "gender: 'Baby/Children' unknown in 7 rows (stored empty)" in lenient.stderr
    strict = _run(
        tmp_path, "catalog", "import", str(HM_ARTICLES), "--mapping", "hm-articles", "--strict",
        "--value-map", "gender:Baby/Children=Unisex", "--json",
    )  # fmt: skip
    assert strict.returncode == 2  # Sport is still unknown
    assert "4 closed-field value(s) unknown" in strict.stderr
    assert json.loads(strict.stdout)["updated"] == 7  # the children's items, now Unisex
    stats = json.loads(_run(tmp_path, "catalog", "stats", "--json").stdout)
    assert stats["items"] == 38
    assert stats["by_gender"] == {"Women": 18, "Men": 9, "Unisex": 7, "(none)": 4}
    silent = _run(
        tmp_path, "catalog", "import", str(HM_ARTICLES), "--mapping", "hm-articles", "--strict",
        "--value-map", "gender:Baby/Children=Unisex", "--value-map", "gender:Sport=",
    )  # fmt: skip
    assert silent.returncode == 0, silent.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["catalog", "import", "does-not-exist.csv"], "no such file"),
        (["catalog", "import", "shop.csv", "--map", "title"], "expected source_column=field"),
        (["catalog", "import", "shop.csv", "--mapping", "layout.toml"], "colums: Extra inputs"),
        (["catalog", "import", "shop.csv", "--value-map", "gender:F=Femme"], "not one of Men"),
    ],
)
def test_errors_are_one_clear_line(tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "shop.csv").write_text("id,title\n1,Shirt\n")
    (tmp_path / "layout.toml").write_text('[colums]\ntitle = "name"\n')
    args = [str(tmp_path / a) if a.endswith((".csv", ".toml")) else a for a in args]
    result = _run(tmp_path, *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_help_keeps_bracketed_text(tmp_path: Path) -> None:
    # rich reads "[columns]" as markup and drops it unless escaped; the help must keep it
    mapping = _run(tmp_path, "users", "import", "--help")
    assert "[columns]" in mapping.stdout
    assert "[values.F]" in mapping.stdout
    assert "[env TASTEMAKER_HOST]" in _run(tmp_path, "serve", "--help").stdout


def test_a_bad_environment_value_is_one_line_naming_the_variable(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tastemaker", "catalog", "stats"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=tmp_path,
        env={**os.environ, "TASTEMAKER_WORKER_THREADS": "0"},
    )
    assert result.returncode == 2
    assert "TASTEMAKER_WORKER_THREADS: Input should be greater than or equal to 1" in result.stderr
    assert "Traceback" not in result.stderr
    assert "pydantic" not in result.stderr
