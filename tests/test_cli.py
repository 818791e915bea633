"""The ``tastemaker`` command end to end, as a user runs it (a real subprocess, a real store)."""

from __future__ import annotations

import json
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


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["catalog", "import", "does-not-exist.csv"], "no such file"),
        (["catalog", "import", "shop.csv", "--map", "title"], "expected source_column=field"),
    ],
)
def test_errors_are_one_clear_line(tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "shop.csv").write_text("id,title\n1,Shirt\n")
    args = [str(tmp_path / a) if a.endswith(".csv") else a for a in args]
    result = _run(tmp_path, *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
