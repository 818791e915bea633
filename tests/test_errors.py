"""User-reachable failures end in the tastemaker.errors family: through the real ``tastemaker``
command each is one line on stderr naming the input, exit code 2, and no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_cli import _run


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["catalog", "stats"], "afile: cannot hold the store"),  # --data-dir is a file
        (["catalog", "sample", "{tmp}/afile"], "afile/images"),
        (["ratings", "compare", "{tmp}/bad.parquet", "model=x"], "bad.parquet: not a readable"),
        (["interactions", "import", "{tmp}/r.csv", "--scale", "1-5", "--event", "zzz"],
         "--event: event 'zzz' is not one of"),
        (["serve", "--port", "-5"], "--port:"),
        (["personas", "export", "--out", "{tmp}/afile/p.jsonl"], "afile"),
    ],
)  # fmt: skip
def test_user_errors_are_one_line_naming_the_input(
    tmp_path: Path, args: list[str], message: str
) -> None:
    (tmp_path / "afile").write_text("x")
    (tmp_path / "bad.parquet").write_bytes(b"PAR1notparquet")
    (tmp_path / "r.csv").write_text("user,item,rating\nu1,1,5\n")
    data_dir = tmp_path / "afile" if args == ["catalog", "stats"] else tmp_path / "data"
    result = _run(data_dir, *(a.replace("{tmp}", str(tmp_path)) for a in args))
    assert "Traceback" not in result.stderr
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
