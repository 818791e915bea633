"""The model export: a versioned folder the service loads without any training code or state.

``<models>/<version>/`` holds (float32 throughout, item row ``i`` is ``item_ids[i]``):

- ``manifest.json``: format, version, created_at, dim, temperature, counts, file names;
- ``config.json``: the model config (what the modules are rebuilt from), the training config,
  the rating scale (its graded range and ``dislike_rating``, the answer that means dislike,
  e.g. -1, predicted apart by the head), and ``trained_on``: the ratings the model learnt
  from (each source with its provenance, e.g. the synthetic set's LLM, strategy and
  template, its row count and weight);
- ``metrics.json``: training and validation figures;
- ``item_ids.json``; ``item_vectors.npy`` ``[n, dim]`` L2-normalised; ``item_bias.npy`` ``[n]``;
- ``features.json``: the item and user token vocabularies and the fields they come from, and
  ``item_tokens.npy`` ``[n, width]`` (for category look-ups and new items);
- ``user_tower.pt``, ``item_tower.pt``, ``rating_head.pt``: ``state_dict``s (tensors only,
  loaded with ``weights_only=True``; the head gives a rating and a dislike logit);
- with fine-tuned CLIP text blocks (``finetune_blocks > 0``) also ``text_tail.pt`` (the tuned
  blocks, final layer norm and text projection) and ``text_tail.json`` (their shapes and the
  id of the frozen CLIP they continue). ``item_vectors.npy`` then holds the fine-tuned item
  vectors, and items folded in later must go through the same tuned text tower
  (:func:`tastemaker.model.text_prefix.tuned_encoder`), never the frozen encoder.

The score of item ``i`` for a user vector ``u`` is ``u · item_vectors[i] / τ + item_bias[i]``.
For an inner-product index, :meth:`ServingModel.index_vectors` appends ``τ · bias`` as one more
column (and a user appends 1), which ranks exactly as the score does.

Folders are written under a temporary name and renamed into place, so a folder with a
manifest is always complete. Versions default to the UTC time (``20260101T120000Z``), so the
newest version sorts last (:func:`latest_version`).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import torch

from tastemaker.errors import DataError, NotFoundError
from tastemaker.model.config import ModelConfig
from tastemaker.model.features import Vocabulary
from tastemaker.model.head import RatingHead, RatingScale
from tastemaker.model.text_tower import TailSpec, TextTail
from tastemaker.model.towers import ItemTower, UserTower
from tastemaker.model.twotower import TwoTower

__all__ = ["FORMAT", "ServingModel", "export_model", "latest_version", "load_model"]

#: Bumped whenever the folder layout changes incompatibly (2: the rating head has a dislike
#: output beside the rating, and the scale names its dislike answer).
FORMAT: Final = 2

Floats = npt.NDArray[np.float32]
Ints = npt.NDArray[np.int64]


def _version_now() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def export_model(
    model: TwoTower,
    out_root: Path,
    *,
    metrics: Mapping[str, float] | None = None,
    run_config: Mapping[str, Any] | None = None,
    version: str | None = None,
    trained_on: Sequence[Mapping[str, object]] = (),
) -> Path:
    """Write ``model`` to ``out_root/<version>/``; returns that folder.

    ``run_config`` (e.g. the whole ``run.toml`` as a dict) and ``trained_on`` (the training
    data's sources, :attr:`~tastemaker.model.data.TrainingData.sources`) are stored beside
    the model config for provenance. An existing folder of the same version is an error.
    """
    version = version or _version_now()
    if not version or any(c in version for c in "/\\\0") or version.startswith("."):
        raise DataError(f"bad model version {version!r}")
    final = out_root / version
    if final.exists():
        raise DataError(f"{final}: model version already exists")
    vectors, bias = model.catalogue()
    staging = out_root / f".{version}.tmp-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        provenance = {"run": dict(run_config or {}), "trained_on": [dict(s) for s in trained_on]}
        _write(staging, model, vectors, bias, metrics or {}, provenance, version)
        os.replace(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return final


def _write(
    folder: Path,
    model: TwoTower,
    vectors: Floats,
    bias: Floats,
    metrics: Mapping[str, float],
    provenance: Mapping[str, Any],
    version: str,
) -> None:
    items, users = model.item_features, model.user_features
    np.save(folder / "item_vectors.npy", vectors, allow_pickle=False)
    np.save(folder / "item_bias.npy", bias, allow_pickle=False)
    np.save(folder / "item_tokens.npy", items.tokens, allow_pickle=False)
    _json(folder / "item_ids.json", list(items.ids))
    _json(
        folder / "features.json",
        {
            "item_fields": list(items.fields),
            "item_vocab": list(items.vocab.tokens),
            "item_text_dim": items.text_dim,
            "user_fields": list(users.fields),
            "user_vocab": list(users.vocab.tokens),
            "user_text_dim": users.text_dim if model.config.user_text else 0,
        },
    )
    _json(
        folder / "config.json",
        {
            "model": model.config.model_dump(mode="json"),
            "temperature": model.temperature,
            "rating_scale": [model.scale.low, model.scale.high],
            "dislike_rating": model.scale.dislike,
            **provenance,
        },
    )
    _json(folder / "metrics.json", dict(metrics))
    torch.save(model.user_tower.state_dict(), folder / "user_tower.pt")
    torch.save(model.item_tower.state_dict(), folder / "item_tower.pt")
    torch.save(model.head.state_dict(), folder / "rating_head.pt")
    if model.text_tail is not None:
        torch.save(model.text_tail.state_dict(), folder / "text_tail.pt")
        _json(
            folder / "text_tail.json",
            {"spec": model.text_tail.spec.to_json(), "base": model.text_tail.base},
        )
    _json(
        folder / "manifest.json",
        {
            "format": FORMAT,
            "version": version,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "dim": int(vectors.shape[1]),
            "items": int(vectors.shape[0]),
            "temperature": model.temperature,
            "dtype": "float32",
            "normalized": True,
            "files": [*sorted(p.name for p in folder.iterdir()), "manifest.json"],
        },
    )


def _json(path: Path, value: object) -> None:
    path.write_text(json.dumps(value, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def latest_version(out_root: Path) -> str:
    """The newest complete version under ``out_root`` (by name); NotFoundError if none."""
    versions = sorted(
        p.name
        for p in out_root.glob("*")
        if p.is_dir() and not p.name.startswith(".") and (p / "manifest.json").is_file()
    )
    if not versions:
        raise NotFoundError(f"{out_root}: no exported model (run `tastemaker train` first)")
    return versions[-1]


@dataclass
class ServingModel:
    """An export loaded for inference: arrays, vocabularies and the towers in eval mode."""

    path: Path
    version: str
    config: ModelConfig
    temperature: float
    scale: RatingScale
    item_ids: tuple[str, ...]
    item_vectors: Floats
    item_bias: Floats
    item_tokens: Ints
    item_fields: tuple[str, ...]
    item_vocab: Vocabulary
    user_fields: tuple[str, ...]
    user_vocab: Vocabulary
    user_tower: UserTower
    item_tower: ItemTower
    head: RatingHead
    metrics: dict[str, float] = field(default_factory=dict)
    #: The ratings it was trained on, one record per source (``config.json``'s ``trained_on``).
    trained_on: list[dict[str, Any]] = field(default_factory=list)
    #: The fine-tuned end of CLIP's text tower (None unless ``config.finetune_blocks``).
    text_tail: TextTail | None = None
    _positions: dict[str, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._positions = {item_id: i for i, item_id in enumerate(self.item_ids)}

    @property
    def dim(self) -> int:
        return int(self.item_vectors.shape[1])

    def rows(self, item_ids: list[str] | tuple[str, ...]) -> Ints:
        """Row of each id in the item matrices; NotFoundError names the unknown ones."""
        missing = [i for i in item_ids if i not in self._positions]
        if missing:
            shown = ", ".join(missing[:5]) + (" …" if len(missing) > 5 else "")
            raise NotFoundError(f"model {self.version}: unknown item id(s) {shown}")
        return np.array([self._positions[i] for i in item_ids], dtype=np.int64)

    def scores(self, user_vectors: Floats) -> Floats:
        """``[B, n_items]`` (or ``[n_items]`` for one ``[dim]`` vector): ``u·v / τ + bias``."""
        out = user_vectors @ self.item_vectors.T / self.temperature + self.item_bias
        return np.asarray(out, dtype=np.float32)

    def index_vectors(self) -> Floats:
        """``[n, dim + 1]`` rows ``[v, τ·bias]`` for an inner-product index (user: ``[u, 1]``)."""
        column = (self.temperature * self.item_bias)[:, None]
        return np.ascontiguousarray(np.hstack([self.item_vectors, column]), dtype=np.float32)


def load_model(path: Path) -> ServingModel:
    """Load an export folder (see the module docstring); DataError if it is incomplete."""
    try:
        manifest = json.loads((path / "manifest.json").read_text("utf-8"))
        if manifest.get("format") != FORMAT:
            raise DataError(f"{path}: export format {manifest.get('format')}, expected {FORMAT}")
        config_doc = json.loads((path / "config.json").read_text("utf-8"))
        features = json.loads((path / "features.json").read_text("utf-8"))
        item_ids = tuple(str(i) for i in json.loads((path / "item_ids.json").read_text("utf-8")))
        metrics = json.loads((path / "metrics.json").read_text("utf-8"))
        vectors = np.load(path / "item_vectors.npy", allow_pickle=False)
        bias = np.load(path / "item_bias.npy", allow_pickle=False)
        tokens = np.load(path / "item_tokens.npy", allow_pickle=False)
        config = ModelConfig.model_validate(config_doc["model"])
        names = ["user_tower", "item_tower", "rating_head"]
        tail_doc = None
        if config.finetune_blocks:
            names.append("text_tail")
            tail_doc = json.loads((path / "text_tail.json").read_text("utf-8"))
        states = {
            name: torch.load(path / f"{name}.pt", map_location="cpu", weights_only=True)
            for name in names
        }
    except (OSError, ValueError, KeyError) as exc:
        raise DataError(f"{path}: cannot read the model export: {exc}") from exc
    if vectors.dtype != np.float32 or vectors.shape != (len(item_ids), manifest["dim"]):
        raise DataError(f"{path}: item_vectors.npy {vectors.dtype} {vectors.shape} disagrees")
    item_vocab = Vocabulary(tuple(features["item_vocab"]))
    user_vocab = Vocabulary(tuple(features["user_vocab"]))
    user_tower = UserTower(
        n_items=len(item_ids),
        n_tokens=len(user_vocab),
        text_dim=int(features["user_text_dim"]),
        dim=config.dim,
        use_ids=config.use_item_ids,
        attention=config.attention,
        layers=config.user_layers,
    )
    item_tower = ItemTower(
        n_items=len(item_ids),
        n_tokens=len(item_vocab),
        text_dim=int(features["item_text_dim"]),
        dim=config.dim,
        use_ids=config.use_item_ids,
        layers=config.item_layers,
    )
    head = RatingHead(config.dim, config.head_hidden, config.head_product)
    modules: list[tuple[torch.nn.Module, str]] = [
        (user_tower, "user_tower"),
        (item_tower, "item_tower"),
        (head, "rating_head"),
    ]
    tail = None
    if tail_doc is not None:
        tail = TextTail(TailSpec.from_json(tail_doc["spec"]), str(tail_doc["base"]))
        modules.append((tail, "text_tail"))
    for module, name in modules:
        module.load_state_dict(states[name])
        module.eval()
    low, high = config_doc["rating_scale"]
    dislike = config_doc.get("dislike_rating")
    return ServingModel(
        path=path,
        version=str(manifest["version"]),
        config=config,
        temperature=float(config_doc["temperature"]),
        scale=RatingScale(float(low), float(high), None if dislike is None else float(dislike)),
        item_ids=item_ids,
        item_vectors=vectors,
        item_bias=bias.astype(np.float32),
        item_tokens=tokens.astype(np.int64),
        item_fields=tuple(features["item_fields"]),
        item_vocab=item_vocab,
        user_fields=tuple(features["user_fields"]),
        user_vocab=user_vocab,
        user_tower=user_tower,
        item_tower=item_tower,
        head=head,
        metrics={k: float(v) for k, v in metrics.items()},
        trained_on=[dict(s) for s in config_doc.get("trained_on", [])],
        text_tail=tail,
    )
