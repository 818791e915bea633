"""Small helpers shared by the PyTorch encoders: offline loading, batching, normalising."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import numpy as np
import torch

from tastemaker.embed.protocol import Vectors

__all__ = ["by_length", "offline", "quiet_loading", "to_unit_rows", "weights_fingerprint"]

T = TypeVar("T")


def offline() -> None:
    """Keep the Hugging Face hub offline unless the user said otherwise.

    ``local_files_only=True`` on every ``from_pretrained`` already forbids downloads; the
    environment variable also stops the version and telemetry calls some code paths make.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")


@contextmanager
def quiet_loading() -> Iterator[None]:
    """Silence transformers' own "Loading weights" bar, which would garble the CLI's bar."""
    from transformers.utils import logging as hf_logging

    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # untyped upstream
    try:
        yield
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()  # type: ignore[no-untyped-call]


def by_length(items: Sequence[T], key: Sequence[int], batch_size: int) -> Iterator[list[int]]:
    """Indices of ``items`` in batches of similar ``key`` (a length), longest first.

    Batching texts of similar length keeps padding, and so wasted compute, small; the caller
    scatters each batch's rows back to these indices, so the output order is unchanged.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    order = sorted(range(len(items)), key=lambda i: -key[i])
    for start in range(0, len(order), batch_size):
        yield order[start : start + batch_size]


def to_unit_rows(features: torch.Tensor) -> Vectors:
    """``[n, dim]`` tensor -> float32 NumPy ``[n, dim]`` with unit L2 rows.

    Normalised in float32 on the tensor's device; a row of zeros stays zeros rather than NaN.
    """
    unit = torch.nn.functional.normalize(features.float(), p=2.0, dim=1)
    array: Vectors = np.ascontiguousarray(unit.cpu().numpy(), dtype=np.float32)
    return array


def weights_fingerprint(path: Path) -> str:
    """A short digest of a local model folder: its config files and its weight files' sizes.

    Cheap (no 100 MB read) yet changes whenever the folder holds another model or another
    version of it, which is what an encoder id needs to keep the cache honest.
    """
    digest = hashlib.sha256()
    for file in sorted(p for p in path.iterdir() if p.is_file()):
        if file.suffix == ".json":
            digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
        elif file.suffix in {".safetensors", ".bin", ".pt", ".pth"}:
            digest.update(f"{file.name}\0{file.stat().st_size}\0".encode())
    return digest.hexdigest()[:12]
