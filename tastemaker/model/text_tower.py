"""The fine-tuned end of CLIP's text transformer, as plain torch modules (no transformers).

With ``model.finetune_blocks = N`` the item tower's text input is no longer a frozen vector:
it is CLIP's text tower, whose first ``L − N`` blocks stay frozen (their output, the *prefix*,
is computed once per item: :mod:`.text_prefix`) and whose last ``N`` blocks, final layer norm
and text projection train with the towers. This module holds that trainable tail:

* :class:`ClipBlock`: one pre-LN causal transformer block with the parameter names of
  ``transformers``' ``CLIPEncoderLayer``, so its ``state_dict`` loads as is;
* :class:`TextTail`: ``N`` blocks → final layer norm at the end-of-text token → projection →
  L2-normalised ``[m, projection_dim]``, the same kind of vector the frozen encoder returns;
* :class:`TailSpec`: the shapes the tail is rebuilt from (stored in the export as JSON), so
  serving needs neither the training code nor ``transformers`` to load it.

Attention is causal, and every text is cut just after its end-of-text token (where CLIP
pools), so right-padding a batch of ragged texts never changes a real token's state: no
padding mask is needed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Final, Protocol

import torch
from torch import Tensor, nn
from torch.nn import functional

__all__ = ["ClipBlock", "PrefixSource", "TailSpec", "TextTail"]


def _quick_gelu(x: Tensor) -> Tensor:
    return x * torch.sigmoid(1.702 * x)


#: CLIP's activations (``hidden_act``); OpenAI's checkpoints use ``quick_gelu``.
ACTIVATIONS: Final[Mapping[str, Callable[[Tensor], Tensor]]] = {
    "quick_gelu": _quick_gelu,
    "gelu": functional.gelu,
}


@dataclass(frozen=True)
class TailSpec:
    """Shapes of a CLIP text tower's tail: ``blocks`` of ``layers`` (the last ones) are
    trained; ``hidden``/``heads``/``intermediate``/``act``/``eps`` as in ``CLIPTextConfig``,
    ``projection`` the text projection's output size."""

    layers: int
    blocks: int
    hidden: int
    heads: int
    intermediate: int
    act: str
    eps: float
    projection: int

    def __post_init__(self) -> None:
        if not 1 <= self.blocks <= self.layers:
            raise ValueError(
                f"finetune_blocks {self.blocks}: the CLIP text tower has {self.layers} blocks"
            )
        if self.act not in ACTIVATIONS:
            raise ValueError(f"CLIP activation {self.act!r} is not one of {sorted(ACTIVATIONS)}")
        if self.hidden % self.heads:
            raise ValueError(f"hidden size {self.hidden} is not a multiple of {self.heads} heads")

    @property
    def first(self) -> int:
        """Index of the first trained block (the frozen prefix is blocks ``[0, first)``)."""
        return self.layers - self.blocks

    def to_json(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_json(cls, doc: Mapping[str, object]) -> TailSpec:
        return cls(
            layers=int(str(doc["layers"])),
            blocks=int(str(doc["blocks"])),
            hidden=int(str(doc["hidden"])),
            heads=int(str(doc["heads"])),
            intermediate=int(str(doc["intermediate"])),
            act=str(doc["act"]),
            eps=float(str(doc["eps"])),
            projection=int(str(doc["projection"])),
        )


class _Attention(nn.Module):
    def __init__(self, hidden: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.q_proj = nn.Linear(hidden, hidden)
        self.k_proj = nn.Linear(hidden, hidden)
        self.v_proj = nn.Linear(hidden, hidden)
        self.out_proj = nn.Linear(hidden, hidden)

    def forward(self, x: Tensor) -> Tensor:
        """``x`` ``[m, T, hidden]`` → ``[m, T, hidden]``, causal, scaled by ``1/√head_dim``."""
        m, t, hidden = x.shape
        shape = (m, t, self.heads, hidden // self.heads)
        q, k, v = (
            p(x).view(shape).transpose(1, 2) for p in (self.q_proj, self.k_proj, self.v_proj)
        )
        out = functional.scaled_dot_product_attention(q, k, v, is_causal=True)
        result: Tensor = self.out_proj(out.transpose(1, 2).reshape(m, t, hidden))
        return result

    def at(self, x: Tensor, lengths: Tensor) -> Tensor:
        """Attention output at each text's last token only: ``[m, hidden]``. That query sees
        the text's tokens ``[0, length)``; keys and values are still computed for all."""
        m, t, hidden = x.shape
        shape = (m, t, self.heads, hidden // self.heads)
        k, v = (p(x).view(shape).transpose(1, 2) for p in (self.k_proj, self.v_proj))
        last = x[torch.arange(m), lengths - 1]  # [m, hidden]
        q = self.q_proj(last).view(m, self.heads, 1, hidden // self.heads)
        seen = (torch.arange(t) < lengths.unsqueeze(1)).view(m, 1, 1, t)
        out = functional.scaled_dot_product_attention(q, k, v, attn_mask=seen)
        result: Tensor = self.out_proj(out.reshape(m, hidden))
        return result


class _MLP(nn.Module):
    def __init__(self, hidden: int, intermediate: int, act: str) -> None:
        super().__init__()
        self.act = ACTIVATIONS[act]
        self.fc1 = nn.Linear(hidden, intermediate)
        self.fc2 = nn.Linear(intermediate, hidden)

    def forward(self, x: Tensor) -> Tensor:
        out: Tensor = self.fc2(self.act(self.fc1(x)))
        return out


class ClipBlock(nn.Module):
    """One CLIP text block: ``x + attn(ln1(x))`` then ``+ mlp(ln2(·))``; ``[m, T, hidden]``."""

    def __init__(self, spec: TailSpec) -> None:
        super().__init__()
        self.self_attn = _Attention(spec.hidden, spec.heads)
        self.layer_norm1 = nn.LayerNorm(spec.hidden, eps=spec.eps)
        self.mlp = _MLP(spec.hidden, spec.intermediate, spec.act)
        self.layer_norm2 = nn.LayerNorm(spec.hidden, eps=spec.eps)

    def forward(self, x: Tensor) -> Tensor:
        x = x + self.self_attn(self.layer_norm1(x))
        out: Tensor = x + self.mlp(self.layer_norm2(x))
        return out

    def at(self, x: Tensor, lengths: Tensor) -> Tensor:
        """The block's output at each text's last token only, ``[m, hidden]``: what the
        tower's last block needs (CLIP pools there), at a fraction of the full cost."""
        last = x[torch.arange(x.shape[0]), lengths - 1]
        last = last + self.self_attn.at(self.layer_norm1(x), lengths)
        out: Tensor = last + self.mlp(self.layer_norm2(last))
        return out


class TextTail(nn.Module):
    """The trained tail: prefix states → unit text vectors ``[m, projection]``.

    ``base`` is the id of the frozen CLIP text encoder whose prefix it continues
    (``clip-text:<name>``): the tail means nothing on top of other weights.
    """

    def __init__(self, spec: TailSpec, base: str) -> None:
        super().__init__()
        self.spec, self.base = spec, base
        self.blocks = nn.ModuleList([ClipBlock(spec) for _ in range(spec.blocks)])
        self.final_layer_norm = nn.LayerNorm(spec.hidden, eps=spec.eps)
        self.projection = nn.Linear(spec.hidden, spec.projection, bias=False)

    def forward(self, hidden: Tensor, lengths: Tensor) -> Tensor:
        """``hidden`` float32 ``[m, T, hidden]`` (the frozen prefix's output, right-padded),
        ``lengths`` int64 ``[m]`` (each text's tokens up to and including end-of-text) →
        L2-normalised ``[m, projection]``, pooled at each text's end-of-text token."""
        *early, last = self.blocks
        assert isinstance(last, ClipBlock)
        for block in early:
            hidden = block(hidden)
        pooled = last.at(hidden, lengths)  # [m, hidden]: only the pooled token's state
        return functional.normalize(self.projection(self.final_layer_norm(pooled)), dim=-1)


class PrefixSource(Protocol):
    """Item rows ``[m]`` → their prefix states ``[m, T, hidden]`` (float32, right-padded) and
    lengths ``[m]`` (:class:`~tastemaker.model.text_prefix.PrefixCache`)."""

    def __call__(self, rows: Tensor) -> tuple[Tensor, Tensor]: ...
