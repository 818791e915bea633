"""Write the service's OpenAPI document to web/openapi.json (the web client's source).

Run with the project's venv: ``../.venv/bin/python scripts/export-openapi.py [--check]``.
``--check`` writes nothing and exits 1 when the committed document is out of date.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from tastemaker.service.app import create_app
from tastemaker.settings import Settings

TARGET = Path(__file__).resolve().parents[1] / "openapi.json"


def document() -> str:
    # The schema does not depend on the data: an empty directory that is never opened will do.
    with tempfile.TemporaryDirectory() as empty:
        spec = create_app(Settings(data_dir=Path(empty))).openapi()
    return json.dumps(spec, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    text = document()
    if "--check" in argv:
        current = TARGET.read_text(encoding="utf-8") if TARGET.is_file() else ""
        if current != text:
            print(f"{TARGET} is out of date: run `npm run generate:api` in web/", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
