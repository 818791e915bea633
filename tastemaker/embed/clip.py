"""CLIP ViT-B/32 text and image encoders (512-d, one shared space) through ``transformers``.

CLIP is optional: its weights are not shipped, so it is used only when the user names a local
folder or a model already in the Hugging Face cache (never downloaded: ``local_files_only``).
Both towers come from one :class:`ClipComponents`, so loading the text and the image encoder
costs one model load. Tests inject a randomly initialised ``CLIPModel(CLIPConfig())`` of the
real shape through the same constructor.

The text tower pools the hidden state of the end-of-text token, which it finds by the config's
``eos_token_id``; a tokenizer whose end-of-text id differs would silently pool the wrong token,
so the text encoder refuses such a pair.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError
from transformers import CLIPModel, CLIPTextConfig, PreTrainedTokenizerBase
from transformers.image_processing_utils import BaseImageProcessor

from tastemaker.embed._torch import (
    check_loading_info,
    encode_batched,
    quiet_loading,
    to_unit_rows,
    weights_fingerprint,
)
from tastemaker.embed.protocol import Vectors
from tastemaker.errors import EncoderError

__all__ = ["LEGACY_EOS", "ClipComponents", "ClipImageEncoder", "ClipTextEncoder"]

#: Before transformers PR #24773 CLIP configs carried ``eos_token_id = 2`` and pooled at the
#: highest token id instead; such checkpoints still exist and need no tokenizer check.
LEGACY_EOS = 2


@dataclass(frozen=True)
class ClipComponents:
    """A CLIP model with its tokenizer and image processor, and a stable name for its weights.

    ``name`` goes into the encoder ids and so into the cache keys: give in-memory models a
    name that changes whenever their weights do.
    """

    model: CLIPModel
    tokenizer: PreTrainedTokenizerBase | None
    image_processor: BaseImageProcessor | None
    name: str

    @classmethod
    def from_pretrained(cls, name_or_path: str | Path) -> ClipComponents:
        """Load from a local folder, or from a hub name already in the local cache.

        A hub name is resolved to its cached snapshot first, so the id records which folder
        (and so which revision) was used.
        """
        folder, label = _resolve(name_or_path)
        from transformers import AutoTokenizer, CLIPImageProcessor

        try:
            with quiet_loading():
                # With output_loading_info the call returns (model, info); its annotation
                # does not say so.
                model, info = cast(
                    tuple[CLIPModel, dict[str, Any]],
                    CLIPModel.from_pretrained(
                        folder, local_files_only=True, output_loading_info=True
                    ),
                )
                tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
                processor = CLIPImageProcessor.from_pretrained(folder, local_files_only=True)
        except (OSError, ValueError) as exc:
            raise EncoderError(f"{folder}: cannot load a CLIP model: {exc}") from exc
        check_loading_info(info, folder)
        return cls(
            model=model,
            tokenizer=tokenizer,
            image_processor=processor,
            name=f"{label}@{weights_fingerprint(folder)}",
        )

    @property
    def dim(self) -> int:
        """The size of the shared text-image space (``projection_dim``, 512 for ViT-B/32)."""
        dim = self.model.config.projection_dim
        if dim is None:
            raise EncoderError(f"CLIP {self.name}: the config has no projection_dim")
        return int(dim)


def _resolve(name_or_path: str | Path) -> tuple[Path, str]:
    """A local folder and a readable label for ``name_or_path`` (a folder or a cached hub name)."""
    path = Path(name_or_path).expanduser()
    if path.is_dir():
        return path, path.resolve().name
    text = str(name_or_path)
    if isinstance(name_or_path, Path) or text.startswith((".", "~", "/")) or path.exists():
        raise EncoderError(f"{name_or_path}: no such model folder")
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(text, local_files_only=True)), text
    except ValueError as exc:  # not a valid hub name either
        raise EncoderError(f"{text!r} is neither a model folder nor a hub name: {exc}") from exc
    except OSError:
        raise EncoderError(
            f"CLIP weights {text!r} are neither a folder nor in the local Hugging Face cache; "
            f"tastemaker never downloads them: fetch them once (`hf download {text}`) or "
            "give a folder"
        ) from None


class ClipTextEncoder:
    """CLIP's text tower: float32 ``[n, 512]`` unit rows, in the same space as the images.

    Texts longer than the model's 77 positions are truncated; the tokenizer keeps the
    end-of-text token, which is where CLIP pools.
    """

    def __init__(self, components: ClipComponents, *, batch_size: int = 64) -> None:
        if components.tokenizer is None:
            raise EncoderError(f"CLIP {components.name}: no tokenizer, cannot encode texts")
        text_config = components.model.config.text_config
        if not isinstance(text_config, CLIPTextConfig):
            raise EncoderError(f"CLIP {components.name}: the model has no text config")
        eos = text_config.eos_token_id
        if eos != LEGACY_EOS and components.tokenizer.eos_token_id != eos:
            raise EncoderError(
                f"CLIP {components.name}: the tokenizer's end-of-text id "
                f"{components.tokenizer.eos_token_id} differs from the model's eos_token_id "
                f"{eos}; CLIP pools the text at that token, so the vectors would be meaningless"
            )
        self._eos = eos
        self._model = _eval_mode(components.model)
        self._tokenizer = components.tokenizer
        self._max_length = int(text_config.max_position_embeddings)
        self._id = f"clip-text:{components.name}"
        self._dim = components.dim
        self.batch_size = batch_size

    @property
    def id(self) -> str:
        return self._id

    @property
    def dim(self) -> int:
        return self._dim

    def encode_texts(self, texts: Sequence[str]) -> Vectors:
        """Encode ``texts``; returns float32 ``[len(texts), dim]`` with unit rows."""
        return encode_batched(texts, self._dim, self.batch_size, self._encode_batch)

    def _encode_batch(self, texts: list[str]) -> Vectors:
        batch = self._tokenizer(
            texts,
            padding=True,
            truncation=True,
            max_length=self._max_length,
            return_tensors="pt",
        )
        input_ids = batch["input_ids"].to(self._model.device)  # [b, tokens]
        if self._eos != LEGACY_EOS and not bool((input_ids == self._eos).any(dim=1).all()):
            raise EncoderError(f"{self._id}: the tokenizer dropped the end-of-text token")
        # The towers are called directly (not get_text_features) because that method's return
        # type changed between transformers 4 (a tensor) and 5 (a model output).
        pooled = self._model.text_model(
            input_ids=input_ids,
            attention_mask=batch["attention_mask"].to(self._model.device),
        ).pooler_output  # [b, 512 hidden]
        return to_unit_rows(self._model.text_projection(pooled))  # [b, projection_dim]


class ClipImageEncoder:
    """CLIP's image tower: float32 ``[n, 512]`` unit rows, in the same space as the texts.

    The catalogue's images are small (60x80); the processor resizes and centre-crops them to
    the model's 224x224 input, as CLIP was trained.
    """

    def __init__(self, components: ClipComponents, *, batch_size: int = 32) -> None:
        if components.image_processor is None:
            raise EncoderError(f"CLIP {components.name}: no image processor, cannot encode images")
        self._model = _eval_mode(components.model)
        self._processor = components.image_processor
        self._id = f"clip-image:{components.name}"
        self._dim = components.dim
        self.batch_size = batch_size

    @property
    def id(self) -> str:
        return self._id

    @property
    def dim(self) -> int:
        return self._dim

    def encode_images(self, paths: Sequence[Path]) -> Vectors:
        """Encode the images at ``paths``; returns float32 ``[len(paths), dim]``, unit rows."""
        out = np.empty((len(paths), self._dim), dtype=np.float32)
        with torch.inference_mode():
            for start in range(0, len(paths), self.batch_size):
                images = [_read_rgb(p) for p in paths[start : start + self.batch_size]]
                pixels = self._processor(images=images, return_tensors="pt")["pixel_values"]
                pooled = self._model.vision_model(
                    pixel_values=pixels.to(self._model.device)  # [b, 3, 224, 224]
                ).pooler_output  # [b, 768 hidden]
                features = self._model.visual_projection(pooled)  # [b, projection_dim]
                out[start : start + len(images)] = to_unit_rows(features)
        return out


def _eval_mode(model: CLIPModel) -> CLIPModel:
    """``model`` in eval mode (no dropout), so a text or image always maps to one vector."""
    model.train(False)  # what .eval() does; PreTrainedModel.eval carries no annotations
    return model


def _read_rgb(path: Path) -> Image.Image:
    """The decoded image at ``path`` in RGB; a missing or broken file names itself."""
    try:
        with Image.open(path) as image:
            return image.convert("RGB")
    except FileNotFoundError:
        raise EncoderError(f"{path}: image file not found") from None
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise EncoderError(f"{path}: cannot read image: {exc}") from exc
