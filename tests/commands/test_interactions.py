"""``tastemaker interactions`` and ``tastemaker users`` as a user runs them (real subprocess)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.test_cli import _run


def test_import_list_strict_and_users(tmp_path: Path, sample_catalog: Path) -> None:
    assert _run(tmp_path, "catalog", "import", str(sample_catalog)).returncode == 0
    ratings = tmp_path / "ratings.csv"
    ratings.write_text("customer,sku,stars\nc1,90001,5\nc1,90002,1\nc2,90003,4\nc2,ghost,2\n")
    args = ["interactions", "import", str(ratings), "--map", "customer=user", "--map", "sku=item",
            "--map", "stars=rating", "--dataset", "shop"]  # fmt: skip
    no_scale = _run(tmp_path, *args)
    assert no_scale.returncode == 2
    assert "--scale" in no_scale.stderr
    assert "Traceback" not in no_scale.stderr

    first = _run(tmp_path, *args, "--scale", "1-5", "--json")
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert (report["inserted"], report["rows_read"]) == (3, 4)
    assert report["rejected"] == ["ratings.csv:5: item: 'ghost' is not in the catalogue"]

    strict = _run(tmp_path, *args, "--scale", "1-5", "--strict")
    assert strict.returncode == 2
    assert "1 row(s) rejected (--strict)" in strict.stderr
    assert "0 new" in strict.stdout

    users = tmp_path / "users.csv"
    users.write_text("customer,age,gender\nc1,29,female\nc2,61,M\n")
    imported = _run(tmp_path, "users", "import", str(users), "--map", "customer=user",
                    "--dataset", "shop")  # fmt: skip
    assert imported.returncode == 0, imported.stderr
    assert "0 new, 2 updated" in imported.stdout  # the bare users the ratings file added

    listed = _run(tmp_path, "interactions", "list", "--json")
    assert json.loads(listed.stdout) == [
        {"dataset": "shop", "users": 2, "kinds": {"rating": 3}, "scales": ["1-5"]}
    ]
