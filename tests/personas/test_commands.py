"""``tastemaker personas …`` end to end: a real subprocess, a real store, a fake LLM server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq

from tests.personas.fakes import DistinctBioServer


def tastemaker(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tastemaker", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )


def test_generate_list_export_report(tmp_path: Path) -> None:
    with DistinctBioServer() as server:
        args = ["personas", "generate", "--n", "4", "--balance", "gender", "--seed", "3"]
        first = tastemaker(tmp_path, *args, "--llm", server.base_url, "--model", "fake", "--json")
        assert first.returncode == 0, first.stderr
        run = json.loads(first.stdout)
        assert run["generated"] == 4
        again = tastemaker(tmp_path, *args, "--llm", server.base_url, "--model", "fake")
        assert again.returncode == 0, again.stderr
        assert "4 already stored" in again.stdout
        assert len(server.requests) == 4  # the re-run asked nothing

    listed = tastemaker(tmp_path, "personas", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    personas = [json.loads(line) for line in listed.stdout.splitlines()]
    assert sorted(p["gender"] for p in personas) == ["man", "man", "woman", "woman"]
    assert "Example" in tastemaker(tmp_path, "personas", "list").stdout

    jsonl = tmp_path / "personas.jsonl"
    assert tastemaker(tmp_path, "personas", "export", "--out", str(jsonl)).returncode == 0
    rows = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]
    assert {"id", "name", "gender", "bio", "occupation", "brands"} <= set(rows[0])
    parquet = tmp_path / "personas.parquet"
    assert tastemaker(tmp_path, "personas", "export", "--out", str(parquet)).returncode == 0
    assert pq.read_table(parquet).num_rows == 4

    report = tastemaker(tmp_path, "personas", "report", "--json")
    assert report.returncode == 0, report.stderr
    data = json.loads(report.stdout)
    assert data["coverage"]["gender"]["counts"] == {"woman": 2, "man": 2}
    assert data["bios"]["mean_pairwise_distance"] > 0.3
    assert data["names"]["uniqueness"] == 1.0


def test_bad_options_are_one_line_errors(tmp_path: Path) -> None:
    bad = tastemaker(tmp_path, "personas", "generate", "--balance", "colour", "--llm", "http://x")
    assert bad.returncode == 2
    assert "balance" in bad.stderr
    export = tastemaker(tmp_path, "personas", "export", "--out", str(tmp_path / "p.csv"))
    assert export.returncode == 2
    assert ".jsonl or .parquet" in export.stderr
