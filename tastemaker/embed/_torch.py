"""Small helpers shared by the PyTorch encoders: quiet checked loading, batching, normalising."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import torch

from tastemaker.embed.protocol import Vectors
from tastemaker.errors import EncoderError

__all__ = [
    "by_length",
    "check_loading_info",
    "encode_batched",
    "quiet_loading",
    "to_unit_rows",
    "weights_fingerprint",
]

T = TypeVar("T")


@contextmanager
def quiet_loading() -> Iterator[None]:
    """Silence transformers while it loads: its "Loading weights" bar would garble the CLI's
    bar, and its log notes (e.g. the torchvision fallback) are noise to a user.

    What matters in those notes, weights the checkpoint lacks, is checked instead by
    :func:`check_loading_info` and raised as an error.
    """
    from transformers.utils import logging as hf_logging

    bar_was_enabled = hf_logging.is_progress_bar_enabled()
    verbosity = hf_logging.get_verbosity()
    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # untyped upstream
    hf_logging.set_verbosity(logging.ERROR)
    try:
        yield
    finally:
        hf_logging.set_verbosity(verbosity)
        if bar_was_enabled:
            hf_logging.enable_progress_bar()  # type: ignore[no-untyped-call]


def check_loading_info(info: Mapping[str, Any], source: Path) -> None:
    """Refuse a checkpoint that left model weights at their random initial values.

    ``from_pretrained`` only logs missing or mis-shaped weights; an encoder built on them
    returns confident nonsense, so this turns them into an :class:`EncoderError`.
    """
    missing = sorted(
        str(k) for k in info.get("missing_keys", ()) if not str(k).endswith("position_ids")
    )
    mismatched = sorted(
        str(k[0] if isinstance(k, tuple) else k) for k in info.get("mismatched_keys", ())
    )
    problems = [f"missing {', '.join(missing[:5])}"] if missing else []
    if mismatched:
        problems.append(f"wrong shape {', '.join(mismatched[:5])}")
    if problems:
        raise EncoderError(
            f"{source}: the checkpoint does not fit the model: {'; '.join(problems)}"
        )


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


def encode_batched(
    texts: Sequence[str], dim: int, batch_size: int, encode: Callable[[list[str]], Vectors]
) -> Vectors:
    """``encode`` over ``texts`` in length-sorted batches (:func:`by_length`), rows scattered
    back in order: float32 ``[len(texts), dim]``. One string is refused: iterating it would
    encode its characters."""
    if isinstance(texts, str):
        raise TypeError("encode_texts takes a sequence of texts, not one string")
    out = np.empty((len(texts), dim), dtype=np.float32)
    with torch.inference_mode():
        for index in by_length(texts, [len(t) for t in texts], batch_size):
            out[index] = encode([texts[i] for i in index])
    return out


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
