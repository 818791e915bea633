#!/bin/sh
# Regenerate the typed API client's source: the service's OpenAPI document, then its types.
# PYTHON defaults to the project's venv; openapi-typescript is pinned in package.json.
set -eu
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-../.venv/bin/python}"
"$PYTHON" scripts/export-openapi.py
npx --no-install openapi-typescript openapi.json --output src/shared/api/schema.d.ts
