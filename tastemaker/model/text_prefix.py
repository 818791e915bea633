"""CLIP's frozen text prefix, the per-item cache of its states, and the fine-tuned text encoder.

Fine-tuning the last ``N`` of CLIP's ``L`` text blocks (``model.finetune_blocks``) on CPU is
feasible because the first ``L − N`` blocks never change: :class:`TextPrefix` runs them once per
text (tokenizer → token and position embeddings → blocks ``[0, L − N)``) and keeps each text's
states as float16, ragged to its real token count (up to its end-of-text token, where CLIP
pools: about 16 tokens × 512 × 2 bytes = 16 KB per item at ViT-B/32). A training step then
runs only the trained :class:`~tastemaker.model.text_tower.TextTail` on the items it needs.

* :class:`PrefixCache`: prefix states of a catalogue's items by row, computed on first use,
  so only the items a step (or a validation, or the export) asks for are ever encoded;
* :class:`TunedTextEncoder`: prefix + trained tail behind the
  :class:`~tastemaker.embed.TextEncoder` protocol, for items folded in after training (the
  service's new items): the same code path, so they get the vectors the training would have
  given them. Its ``id`` names the base CLIP and a digest of the tail's weights, so vectors of
  two fine-tuned models never share a cache entry.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import torch
from torch import Tensor
from torch.nn.utils.rnn import pad_sequence
from transformers import CLIPTextConfig

from tastemaker.embed._torch import by_length
from tastemaker.embed.clip import LEGACY_EOS, ClipComponents, ClipTextEncoder
from tastemaker.embed.protocol import Vectors
from tastemaker.errors import EncoderError
from tastemaker.model.export import ServingModel
from tastemaker.model.text_tower import ClipBlock, TailSpec, TextTail

__all__ = ["PrefixCache", "TextPrefix", "TunedTextEncoder", "padded_states", "tuned_encoder"]


def padded_states(states: Sequence[Tensor]) -> tuple[Tensor, Tensor]:
    """Ragged ``[len_i, hidden]`` states → right-padded float32 ``[m, T, hidden]`` and the
    lengths int64 ``[m]`` (padding is harmless: attention is causal, pooling at ``len − 1``)."""
    lengths = torch.tensor([len(s) for s in states], dtype=torch.int64)
    return pad_sequence(list(states), batch_first=True).float(), lengths


class TextPrefix:
    """The frozen first ``L − blocks`` blocks of a CLIP text tower (see the module docstring).

    ``base_id`` is the frozen encoder's id (``clip-text:<name>``): a fine-tuned model records
    it, and serving refuses to continue a prefix of other weights.
    """

    def __init__(
        self,
        components: ClipComponents,
        blocks: int,
        *,
        dtype: torch.dtype = torch.float16,
        batch_size: int = 64,
    ) -> None:
        base = ClipTextEncoder(components)  # checks the tokenizer against the model's eos id
        config = components.model.config.text_config
        assert isinstance(config, CLIPTextConfig)  # checked by ClipTextEncoder
        self.base_id = base.id
        self.spec = TailSpec(
            layers=int(config.num_hidden_layers),
            blocks=blocks,
            hidden=int(config.hidden_size),
            heads=int(config.num_attention_heads),
            intermediate=int(config.intermediate_size),
            act=str(config.hidden_act),
            eps=float(config.layer_norm_eps or 1e-5),
            projection=components.dim,
        )
        text_model = components.model.text_model
        self._components = components
        self._tokenizer = components.tokenizer
        self._eos = int(str(config.eos_token_id))  # one id: checked by ClipTextEncoder
        self._max_length = int(config.max_position_embeddings)
        self._embeddings = text_model.embeddings
        #: The frozen blocks ``[0, L − blocks)`` (copies: the CLIP model is never changed).
        self.blocks = tuple(self._copy(i) for i in range(self.spec.first))
        self.dtype, self.batch_size = dtype, batch_size

    def _copy(self, index: int) -> ClipBlock:
        """Block ``index`` of the CLIP text tower as a frozen :class:`ClipBlock` copy."""
        block = ClipBlock(self.spec)
        block.load_state_dict(self._components.model.text_model.encoder.layers[index].state_dict())
        block.requires_grad_(False)
        block.eval()
        return block

    def tail(self) -> TextTail:
        """A fresh trainable tail holding CLIP's own last blocks, final norm and projection."""
        model = self._components.model
        tail = TextTail(self.spec, self.base_id)
        for offset, block in enumerate(tail.blocks):
            block.load_state_dict(
                model.text_model.encoder.layers[self.spec.first + offset].state_dict()
            )
        tail.final_layer_norm.load_state_dict(model.text_model.final_layer_norm.state_dict())
        tail.projection.load_state_dict(model.text_projection.state_dict())
        return tail

    def tokens(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids of each text, cut just after its end-of-text token (where CLIP pools)."""
        assert self._tokenizer is not None  # checked by ClipTextEncoder
        encoded = self._tokenizer(list(texts), truncation=True, max_length=self._max_length)
        out: list[list[int]] = []
        for text, ids in zip(texts, encoded["input_ids"], strict=True):
            ids = [int(i) for i in ids]
            if self._eos == LEGACY_EOS:
                end = int(np.argmax(ids))
            elif self._eos in ids:
                end = ids.index(self._eos)
            else:
                raise EncoderError(f"{self.base_id}: no end-of-text token in {text[:40]!r}")
            out.append(ids[: end + 1])
        return out

    @torch.no_grad()
    def encode(self, texts: Sequence[str]) -> list[Tensor]:
        """Prefix states of each text: ``self.dtype`` ``[len_i, hidden]`` (no gradients; not
        inference tensors, so the tail may train on them)."""
        if isinstance(texts, str):
            raise TypeError("encode takes a sequence of texts, not one string")
        ids = self.tokens(texts)
        out: list[Tensor] = [torch.empty(0)] * len(texts)
        for index in by_length(ids, [len(i) for i in ids], self.batch_size):
            batch = pad_sequence([torch.tensor(ids[i]) for i in index], batch_first=True)
            hidden = self._embeddings(input_ids=batch)  # [b, T, hidden]
            for block in self.blocks:
                hidden = block(hidden)
            for row, i in enumerate(index):
                out[i] = hidden[row, : len(ids[i])].to(self.dtype).clone()
        return out


class PrefixCache:
    """Prefix states of the items of one catalogue (row ``i`` has text ``texts[i]``), each
    computed on first use and kept; called with rows ``[m]`` it gives :func:`padded_states`."""

    def __init__(self, prefix: TextPrefix, texts: Sequence[str]) -> None:
        self.prefix, self.texts = prefix, tuple(texts)
        self._states: dict[int, Tensor] = {}

    def __len__(self) -> int:
        """How many items' states are held."""
        return len(self._states)

    @property
    def nbytes(self) -> int:
        return sum(s.numel() * s.element_size() for s in self._states.values())

    def __call__(self, rows: Tensor) -> tuple[Tensor, Tensor]:
        wanted = [int(r) for r in rows.tolist()]
        missing = sorted({r for r in wanted if r not in self._states})
        if missing:
            if missing[0] < 0 or missing[-1] >= len(self.texts):
                raise IndexError(f"item rows outside [0, {len(self.texts)}) have no text")
            states = self.prefix.encode([self.texts[r] for r in missing])
            self._states.update(zip(missing, states, strict=True))
        return padded_states([self._states[r] for r in wanted])


class TunedTextEncoder:
    """A fine-tuned CLIP text tower (frozen prefix + trained tail) as a text encoder:
    float32 ``[n, projection]`` unit rows."""

    def __init__(self, prefix: TextPrefix, tail: TextTail) -> None:
        if tail.spec != prefix.spec or tail.base != prefix.base_id:
            raise EncoderError(
                f"the fine-tuned text blocks continue {tail.base} ({tail.spec}), not "
                f"{prefix.base_id} ({prefix.spec}): serve the model with the CLIP it was "
                "trained on"
            )
        self._prefix, self._tail = prefix, tail
        digest = hashlib.sha256()
        for name, tensor in tail.state_dict().items():
            digest.update(name.encode() + b"\0" + tensor.detach().cpu().numpy().tobytes())
        self._id = f"{prefix.base_id}+tuned{tail.spec.blocks}:{digest.hexdigest()[:12]}"

    @property
    def id(self) -> str:
        return self._id

    @property
    def dim(self) -> int:
        return self._tail.spec.projection

    def encode_texts(self, texts: Sequence[str]) -> Vectors:
        if isinstance(texts, str):
            raise TypeError("encode_texts takes a sequence of texts, not one string")
        out = np.empty((len(texts), self.dim), np.float32)
        step = self._prefix.batch_size
        was = self._tail.training
        self._tail.eval()
        try:
            with torch.no_grad():
                for start in range(0, len(texts), step):
                    hidden, lengths = padded_states(
                        self._prefix.encode(texts[start : start + step])
                    )
                    out[start : start + len(hidden)] = self._tail(hidden, lengths).numpy()
        finally:
            self._tail.train(was)
        return out


def tuned_encoder(model: ServingModel, clip: ClipComponents | None = None) -> TunedTextEncoder:
    """The text encoder of a loaded export with fine-tuned CLIP blocks: its frozen prefix
    from ``clip`` (default: loaded from ``model.config.encoder``) and its trained tail.

    :class:`~tastemaker.errors.EncoderError` when the model has no tuned tail, or when that
    CLIP is not the one it was trained on.
    """
    tail = model.text_tail
    if tail is None:
        raise EncoderError(f"model {model.version} has no fine-tuned text blocks")
    if clip is None:
        from tastemaker.embed.registry import get_clip_components

        clip = get_clip_components(model.config.encoder)
    return TunedTextEncoder(TextPrefix(clip, tail.spec.blocks), tail)
