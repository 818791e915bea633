"""The two-tower runtime: the exported model served through an inner-product index.

The model scores item ``i`` for user vector ``u`` as ``u·v_i / τ + b_i`` (unit ``u`` and
``v_i``, a learned offset ``b_i``), which ranks like ``u·v_i + τ·b_i``. The retrievers search
by cosine, so both sides are lifted into ``dim + 2`` dimensions where the cosine ranks exactly
as the score (the usual reduction of inner-product search to cosine search):

* item row  ``[v_i, τ·b_i, sqrt(M² − 1 − (τ·b_i)²)] / M`` with ``M² = 1 + max (τ·b)²``,
  so every row has length 1;
* user query ``[u, 1, 0] / √2``: its cosine with row ``i`` is ``(u·v_i + τ·b_i) / (√2 M)``;
* similar-item query ``[v, 0, 0]``: its cosine with row ``i`` is ``v·v_i / M``.

Users are folded in through the user tower (:class:`~tastemaker.model.foldin.UserEncoder`),
catalogue items the model was not trained on (imported or added since) through the item tower,
so nothing here needs retraining. The flat index over ``dim + 2`` (66 by default) dimensions
is exact; it is saved in the model's folder and reused while the catalogue is unchanged.

A model trained with fine-tuned CLIP text blocks (``finetune_blocks > 0``) embeds new items'
texts with its own tuned text tower (``item_text``), never the frozen encoder, so a folded-in
item lives in the same space as the trained ones; users' free text still goes through the
frozen encoder, as in training.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from tastemaker.catalog.schema import Item
from tastemaker.errors import ConfigError
from tastemaker.index import ItemMetadata, Retriever, build_retriever, load_retriever
from tastemaker.service.runtime import Matrix, category_mask, unit
from tastemaker.store.users import UserProfile

if TYPE_CHECKING:
    from tastemaker.embed import TextEncoder
    from tastemaker.model.export import ServingModel
    from tastemaker.model.foldin import UserEncoder
    from tastemaker.service.state import ServiceState

__all__ = ["TWO_TOWER", "TwoTowerRuntime", "load_two_tower_runtime"]

#: Prefix of the runtime version: ``two-tower:<model version>``.
TWO_TOWER = "two-tower:"

TextVectors = Callable[[Sequence[str]], Matrix]

#: How much a chosen onboarding category weighs, in liked items (spread over its items).
CATEGORY_WEIGHT = 1.0


@dataclass
class TwoTowerRuntime:
    """A loaded two-tower export behind a retriever (see the module docstring).

    ``table`` lists the items the user tower can read in a history, in its row order: the
    model's items, then items folded in since; ``metadata`` describes the same rows (for
    onboarding categories).
    """

    version: str
    retriever: Retriever
    model: ServingModel
    users: UserEncoder
    lift: float
    text: TextVectors | None = None
    #: Item texts → the item tower's text input: the tuned text tower of a fine-tuned model
    #: (required then), else None and ``text`` serves items too.
    item_text: TextVectors | None = None
    table: dict[str, int] = field(default_factory=dict)
    metadata: ItemMetadata = field(default_factory=lambda: ItemMetadata.empty(0))
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def dim(self) -> int:
        """The towers' output size (the index holds ``dim + 2``)."""
        return self.model.dim

    def encode_users(self, profiles: Sequence[UserProfile]) -> Matrix:
        from tastemaker.model.foldin import FoldIn

        table, metadata = self.table, self.metadata
        texts = self._texts([p.text for p in profiles])
        inputs = []
        for profile, text in zip(profiles, texts, strict=True):
            rows = [table[i] for i in profile.liked if i in table]
            weights = [1.0] * len(rows)
            disliked = [table[i] for i in profile.disliked if i in table]
            rows += disliked
            weights += [-1.0] * len(disliked)
            for category in profile.categories:
                members = np.flatnonzero(category_mask(metadata, category))
                rows += members.tolist()
                weights += [CATEGORY_WEIGHT / max(1, len(members))] * len(members)
            inputs.append(
                FoldIn(np.array(rows, np.int64), np.array(weights, np.float32), None, text)
            )
        vectors = self.users.encode(inputs)
        queries = np.zeros((len(profiles), self.dim + 2), np.float32)
        queries[:, : self.dim] = vectors
        queries[:, self.dim] = 1.0
        return unit(queries)

    def _texts(self, texts: Sequence[str | None]) -> list[Matrix | None]:
        """Each free text through the model's encoder (None where absent or not read)."""
        if self.model.user_tower.text is None or self.text is None:
            return [None] * len(texts)
        given = [t for t in texts if t and t.strip()]
        if not given:
            return [None] * len(texts)
        encoded = iter(self.text(given))
        return [next(encoded) if t and t.strip() else None for t in texts]

    def encode_items(self, items: Sequence[Item]) -> Matrix:
        """Index rows of new items through the item tower; they also join the user tower's
        table, so a shopper may like them before the next training."""
        vectors, bias = self._fold_in(items)
        with self._lock:
            added = self.users.extend(vectors)
            self.table = {**self.table, **{i.id: r for i, r in zip(items, added, strict=True)}}
            self.metadata = self.metadata.concat(ItemMetadata.from_items(items))
        return self._rows(vectors, bias)

    def _fold_in(self, items: Sequence[Item]) -> tuple[Matrix, Matrix]:
        from tastemaker.catalog.text import item_text
        from tastemaker.model.foldin import fold_in_items

        records = [{f: getattr(item, f, None) for f in self.model.item_fields} for item in items]
        text = None
        if self.model.item_tower.text is not None:
            encode = self.text if self.model.text_tail is None else self.item_text
            if encode is None:
                raise ConfigError(
                    f"model {self.model.version}: it reads item text, and no text encoder is set"
                )
            text = encode([item_text(item) for item in items])
        return fold_in_items(self.model, records, text)

    def _rows(self, vectors: Matrix, bias: Matrix) -> Matrix:
        """``[v, τ·b, sqrt(M² − 1 − (τ·b)²)] / M``; offsets beyond ``M`` are clipped."""
        lift = self.lift
        bound = math.sqrt(lift**2 - 1.0)
        scaled = np.clip(self.model.temperature * bias, -bound, bound)
        rest = np.sqrt(np.maximum(lift**2 - 1.0 - scaled**2, 0.0))
        rows = np.hstack([vectors, scaled[:, None], rest[:, None]]) / lift
        return np.ascontiguousarray(rows, dtype=np.float32)

    def item_vectors(self, ids: Sequence[str]) -> Matrix:
        return unit(self.retriever.vectors_of(ids)[:, : self.dim])

    def similar_queries(self, ids: Sequence[str]) -> Matrix:
        queries = np.zeros((len(ids), self.dim + 2), np.float32)
        queries[:, : self.dim] = self.item_vectors(ids)
        return queries

    def close(self) -> None:
        for encode in (self.text, self.item_text):
            if isinstance(encode, _CachedText):
                encode.close()


def load_two_tower_runtime(state: ServiceState) -> TwoTowerRuntime | None:
    """The export under ``DATA_DIR/models`` that settings name (``model_version``), else the
    newest, served over the catalogue (None without one). Catalogue items the model has not
    seen are folded in through the item tower."""
    from tastemaker.errors import NotFoundError
    from tastemaker.model.export import latest_version, load_model
    from tastemaker.model.foldin import UserEncoder

    root = state.settings.data_dir / "models"
    version = state.settings.model_version
    if version is not None:
        if not (root / version / "manifest.json").is_file():
            raise NotFoundError(f"{root / version}: no exported model of version {version!r}")
    else:
        try:
            version = latest_version(root)
        except NotFoundError:
            return None
    import torch

    torch.set_num_threads(1)  # small matrices; a second thread only contends with the server
    model = load_model(root / version)
    text = _text_encoder(model.config.encoder, state)
    known = [(row, item) for row, i in enumerate(model.item_ids) if (item := state.catalog.get(i))]
    trained = set(model.item_ids)
    new = [item for item in state.catalog.items() if item.id not in trained]
    bias = model.item_bias[[row for row, _ in known]]
    biggest = float(np.abs(model.temperature * model.item_bias).max(initial=0.0))
    runtime = TwoTowerRuntime(
        version=f"{TWO_TOWER}{model.version}",
        # an empty placeholder until the rows below are built or the saved index is loaded
        retriever=build_retriever("exact", [], np.zeros((0, model.dim + 2), np.float32)),
        model=model,
        users=UserEncoder(model),
        lift=math.sqrt(1.0 + biggest**2),
        text=text,
        item_text=_tuned_text(model, state),
        table={item_id: row for row, item_id in enumerate(model.item_ids)},
        metadata=ItemMetadata.from_items(
            [state.catalog.get(i) or Item(id=i, name=i) for i in model.item_ids]
        ),
    )
    ids = [item.id for _, item in known] + [item.id for item in new]
    options = state.settings.index_options(f"two-tower-{model.version}")  # the engine
    kind = "qdrant" if options else "flat"
    saved = model.path / f"index-{kind}"
    if (saved / "manifest.json").is_file():
        loaded = load_retriever(saved, dim=model.dim + 2, kind=kind, **options)
        if list(loaded.ids) == ids:
            runtime.retriever = loaded
            if new:
                runtime.encode_items(new)  # the user tower must know them too
            return runtime
    rows = runtime._rows(model.item_vectors[[row for row, _ in known]], bias)
    if new:
        rows = np.vstack([rows, runtime.encode_items(new)])
    runtime.retriever = build_retriever(
        kind, ids, rows, [item for _, item in known] + new, **options
    )
    runtime.retriever.save(saved)
    return runtime


def _text_encoder(spec: str, state: ServiceState) -> TextVectors | None:
    """The model's text encoder through the store's embedding cache (None for ``'none'``):
    catalogue texts embedded by ``embed items`` are read back, not encoded again. It runs in
    a child process (:mod:`tastemaker.embed.process`), so its Python parts never hold the GIL
    the searches need."""
    if spec == "none":
        return None
    from tastemaker.embed.process import ProcessTextEncoder

    return _CachedText(lambda: ProcessTextEncoder(spec), state)


def _tuned_text(model: ServingModel, state: ServiceState) -> TextVectors | None:
    """The model's fine-tuned text tower (frozen CLIP prefix + its trained blocks) through the
    store's embedding cache; None for a model without tuned blocks."""
    if model.text_tail is None:
        return None
    from tastemaker.model.text_prefix import tuned_encoder

    return _CachedText(lambda: tuned_encoder(model), state)


class _CachedText:
    """Texts → vectors through ``load()``'s encoder and the store's embedding cache.

    The encoder is loaded on first use, not at start-up: a service whose saved index still
    fits the catalogue needs it only for onboarding free text and admin-added items.
    """

    def __init__(self, load: Callable[[], TextEncoder], state: ServiceState) -> None:
        self._load = load
        self._state = state
        self._loaded: TextEncoder | None = None
        self._lock = threading.Lock()  # the first calls may come from two workers at once

    def __call__(self, texts: Sequence[str]) -> Matrix:
        from tastemaker.embed import encode_cached

        with self._lock:
            if self._loaded is None:
                self._loaded = self._load()
            encoder = self._loaded
        return encode_cached(self._state.store, encoder, texts)

    def close(self) -> None:
        with self._lock:
            close = getattr(self._loaded, "close", None)
            if close is not None:
                close()
