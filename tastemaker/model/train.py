"""The training task: batches, losses, optimiser, early stopping on validation NDCG@k.

:func:`train` is seeded and deterministic on CPU: the same data and config give the same
weights. A slice of the *training* data is held out for validation (a share of users, a share
of their positives); the test set, if any, is never looked at. A validation is a gain when it
beats the best so far by more than ``min_delta``; training stops after ``patience`` validations
without one, and the state of the best validation is restored. The metrics returned are those
of the state returned: ``val_ndcg_at_k`` is computed afresh on the returned model, after the
clean-up that follows training (see :func:`_finish`), so it is what the exported model scores.

With ``model.finetune_blocks = N`` the last ``N`` blocks of CLIP's text tower train too (at
``finetune_lr``; see :mod:`.text_prefix` for the frozen prefix computed once per item). That
needs ``negatives = "in_batch"`` (:func:`~.config.check_finetune`): a step runs the tuned blocks
only on the items it touches; validation and the export run them on the whole catalogue.

With ``train.nproc = N > 1`` the same loop runs in N processes, one model replica each, under
PyTorch DDP (:mod:`.distributed` starts them, :mod:`.replicas` says what a replica does
differently): each step's users are split between the replicas and the gradients averaged, so
the run takes the steps of one process with the same ``batch_users``.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import torch

from tastemaker.errors import ConfigError, DataError
from tastemaker.evaluate.metrics import ndcg_at_k
from tastemaker.model.batches import Batch, UserRows, full_history, sample_batch, validation_split
from tastemaker.model.config import ModelConfig, TrainConfig, check_finetune
from tastemaker.model.data import TrainingData
from tastemaker.model.losses import rating_loss, retrieval_loss
from tastemaker.model.replicas import SINGLE, Replicas
from tastemaker.model.text_tower import PrefixSource, TextTail
from tastemaker.model.towers import History, scores
from tastemaker.model.twotower import TwoTower

if TYPE_CHECKING:
    from tastemaker.embed.clip import ClipComponents

__all__ = ["TrainProgress", "TrainResult", "new_model", "score_users", "train", "user_vectors"]

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float32]


@dataclass(frozen=True)
class TrainProgress:
    """What a progress bar shows after each step (``val_ndcg`` only after a validation)."""

    step: int
    max_steps: int
    loss: float
    val_ndcg: float | None = None
    best_ndcg: float | None = None


@dataclass
class TrainResult:
    """The trained model (best validation state) and how training went."""

    model: TwoTower
    metrics: dict[str, float]
    curve: list[dict[str, float]] = field(default_factory=list)


@contextmanager
def _threads(count: int) -> Iterator[None]:
    """torch's intra-op thread count set for the block, then restored."""
    before = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def user_vectors(
    model: TwoTower, table: UserRows, users: Ints, item_vectors: torch.Tensor
) -> torch.Tensor:
    """``[len(users), dim]`` from each user's whole history in ``table`` (no gradients).

    ``item_vectors``: the catalogue's item-tower outputs ``[n_items, dim]``.
    """
    with torch.no_grad():
        items, weights = full_history(table, users)
        history = History(torch.from_numpy(items), torch.from_numpy(weights))
        rows = torch.arange(item_vectors.shape[0])
        return model.users(torch.from_numpy(users), history, item_vectors, rows)


def score_users(model: TwoTower, table: UserRows, users: Ints) -> Floats:
    """Eval-mode logits ``[len(users), n_items]`` from each user's whole history in ``table``."""
    was = model.training
    model.eval()
    with torch.no_grad():
        vectors, bias = model.items()
        logits = scores(
            user_vectors(model, table, users, vectors), vectors, bias, model.temperature
        )
    model.train(was)
    return logits.numpy().astype(np.float32)


def _cosine(total: int) -> Callable[[int], float]:
    """Learning-rate factor: cosine decay from 1 to 0 over ``total`` steps."""
    return lambda step: 0.5 * (1.0 + float(np.cos(np.pi * min(step, total) / total)))


def _validate(
    model: TwoTower, table: UserRows, users: Ints, relevant: list[set[int]], k: int
) -> float:
    """Mean NDCG@k of ``users`` ranking the whole catalogue minus their training items."""
    if len(users) == 0:
        return 0.0
    logits = score_users(model, table, users)
    rows, entries = table.entries(users)
    logits[rows, table.items[entries]] = -np.inf
    top = np.argsort(-logits, axis=1, kind="stable")[:, :k]
    hits = np.array([[int(i) in rel for i in row] for row, rel in zip(top, relevant, strict=True)])
    n_relevant = np.array([len(r) for r in relevant], dtype=np.int64)
    return float(ndcg_at_k(hits.reshape(len(users), -1), n_relevant, k).mean())


def _step_loss(
    model: TwoTower, batch: Batch, config: TrainConfig, log_q: torch.Tensor
) -> torch.Tensor:
    """Weighted retrieval + rating loss of one batch (see :mod:`.losses`)."""
    n_items = len(model.item_features)
    if config.negatives == "full":
        table = torch.arange(n_items)
        history_rows = torch.from_numpy(batch.history_items)
    else:  # only the items this batch touches go through the item tower
        touched = np.unique(
            np.concatenate([batch.history_items.ravel(), batch.target_items, batch.head_items])
        )
        table = torch.from_numpy(touched)
        history_rows = torch.from_numpy(np.searchsorted(touched, batch.history_items))
    vectors, bias = model.items(table)
    history = History(history_rows, torch.from_numpy(batch.history_weights))
    blank = torch.from_numpy(batch.blank) if batch.blank.any() else None
    users = model.users(torch.from_numpy(batch.users), history, vectors, table, blank)
    target_rows = torch.from_numpy(batch.target_rows)
    if config.negatives == "full":
        candidates = np.arange(n_items)
        cand_vectors, cand_bias, correction = vectors, bias, None
    else:
        candidates = np.unique(batch.target_items)
        at = torch.from_numpy(np.searchsorted(touched, candidates))
        cand_vectors, cand_bias = vectors[at], bias[at]
        correction = log_q[torch.from_numpy(candidates)] if config.logq_correction else None
    logits = scores(users, cand_vectors, cand_bias, config.temperature)
    target_cols = np.searchsorted(candidates, batch.target_items)
    known_cols = np.searchsorted(candidates, batch.known_items).clip(max=len(candidates) - 1)
    is_candidate = candidates[known_cols] == batch.known_items
    loss = retrieval_loss(
        logits,
        (target_rows, torch.from_numpy(target_cols)),
        log_q=correction,
        per_target=config.per_target_softmax,
        target_weights=_tensor(batch.target_weights),
        exclude=(
            torch.from_numpy(batch.known_rows[is_candidate]),
            torch.from_numpy(known_cols[is_candidate]),
        ),
    )
    total = config.retrieval_weight * loss
    if config.rating_weight > 0:
        at_head = batch.head_items if config.negatives == "full" else (
            np.searchsorted(touched, batch.head_items)
        )  # fmt: skip
        predicted = model.head(
            users[torch.from_numpy(batch.head_rows)], vectors[torch.from_numpy(at_head)]
        )
        disliked = torch.from_numpy(batch.head_dislike) if model.scale.dislike is not None else None
        total = total + config.rating_weight * rating_loss(
            predicted, torch.from_numpy(batch.head_ratings), disliked, _tensor(batch.head_weights)
        )
    return total


def _tensor(array: Floats | None) -> torch.Tensor | None:
    return None if array is None else torch.from_numpy(array)


class StepLoss(torch.nn.Module):
    """:func:`_step_loss` as a module's forward, the call DDP needs to average gradients.

    ``forward(None)`` is the loss of a replica whose share of the step drew no target: zero,
    but through every parameter, so that its gradients (zeros) join the others' average.
    """

    def __init__(self, model: TwoTower, config: TrainConfig, log_q: torch.Tensor) -> None:
        super().__init__()
        self.model = model
        self.config = config
        self.log_q = log_q

    def forward(self, batch: Batch | None) -> torch.Tensor:
        if batch is None:
            return torch.stack([p.sum() for p in self.model.parameters()]).sum() * 0.0
        return _step_loss(self.model, batch, self.config, self.log_q)


def train(
    data: TrainingData,
    model_config: ModelConfig,
    config: TrainConfig,
    *,
    progress: Callable[[TrainProgress], None] | None = None,
    checkpoint_dir: Path | None = None,
    clip: ClipComponents | None = None,
) -> TrainResult:
    """Train a :class:`TwoTower` on ``data``; returns the best-validation model and metrics.

    ``clip``: the CLIP whose text blocks ``model_config.finetune_blocks`` fine-tunes (default:
    loaded from ``model_config.encoder``; it must be the CLIP that encoded ``data``'s texts).
    With ``config.nproc > 1`` the run is data-parallel over that many processes
    (:func:`.distributed.train_replicated`).
    """
    try:  # once, before any process is started
        check_finetune(model_config, config)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    if config.nproc > 1:
        from tastemaker.model.distributed import train_replicated  # it imports this module

        return train_replicated(data, model_config, config, progress, checkpoint_dir)
    with _threads(config.threads):
        return _train(data, model_config, config, progress, checkpoint_dir, clip)


def text_tail(
    data: TrainingData, model_config: ModelConfig, clip: ClipComponents | None
) -> tuple[TextTail | None, PrefixSource | None]:
    """The trainable tail of CLIP's text tower and a prefix cache over ``data``'s item texts
    (both None without fine-tuning)."""
    if not model_config.finetune_blocks:
        return None, None
    from tastemaker.embed.registry import get_clip_components
    from tastemaker.model.text_prefix import PrefixCache, TextPrefix

    texts = data.item_features.texts
    if texts is None:
        raise DataError(f"{data.name}: model.finetune_blocks needs the item texts; none are kept")
    components = clip or get_clip_components(model_config.encoder)
    try:
        prefix = TextPrefix(components, model_config.finetune_blocks)
    except ValueError as exc:
        raise ConfigError(f"model.finetune_blocks: {exc}") from exc
    if prefix.spec.projection != data.item_features.text_dim:
        raise DataError(
            f"{data.name}: the item text vectors are {data.item_features.text_dim}-d, but "
            f"{prefix.base_id} projects to {prefix.spec.projection}: encode them with it"
        )
    return prefix.tail(), PrefixCache(prefix, texts)


def new_model(
    data: TrainingData,
    model_config: ModelConfig,
    config: TrainConfig,
    tail: TextTail | None = None,
    prefixes: PrefixSource | None = None,
) -> TwoTower:
    """The untrained :class:`TwoTower` for ``data`` (the shape a trained state loads into)."""
    return TwoTower(
        model_config,
        item_features=data.item_features,
        user_features=data.user_features,
        scale=data.scale,
        temperature=config.temperature,
        text_tail=tail,
        prefixes=prefixes,
    )


def _train(
    data: TrainingData,
    model_config: ModelConfig,
    config: TrainConfig,
    progress: Callable[[TrainProgress], None] | None,
    checkpoint_dir: Path | None,
    clip: ClipComponents | None,
    replicas: Replicas = SINGLE,
) -> TrainResult:
    """The loop of one process, or of one replica of a data-parallel run (``replicas``), on a
    config :func:`train` has checked:
    only the leader validates, reports ``progress``, writes checkpoints and scores the
    returned state; the others' result carries no metrics."""
    started = time.perf_counter()
    tail, prefixes = text_tail(data, model_config, clip)
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    held, val_users = validation_split(
        data, user_share=config.val_users, fraction=config.val_fraction, seed=config.seed
    )
    fit = data.select(~held)
    if not fit.positive.any():
        raise DataError(f"{data.name}: no positive ratings to train on")
    table = UserRows.of(fit)
    relevant = [set(data.items[held & (data.users == u)].tolist()) for u in val_users]
    model = new_model(data, model_config, config, tail, prefixes)
    counts = np.bincount(fit.items[fit.positive], minlength=data.n_items).astype(np.float64)
    log_q = torch.from_numpy(np.log((counts + 1.0) / (counts + 1.0).sum()).astype(np.float32))
    trainable = np.flatnonzero(np.bincount(fit.users[fit.positive], minlength=data.n_users))
    tuned = set() if tail is None else {id(p) for p in tail.parameters()}
    groups = [
        {"params": [p for p in model.parameters() if id(p) not in tuned], "lr": config.lr},
        {"params": [p for p in model.parameters() if id(p) in tuned], "lr": config.finetune_lr},
    ]
    optimiser = torch.optim.AdamW(
        [g for g in groups if g["params"]], lr=config.lr, weight_decay=config.weight_decay
    )
    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, _cosine(config.max_steps))
    step_loss = replicas.wrap(StepLoss(model, config, log_q))
    batch_rng = replicas.batch_rng(rng, config.seed)
    best, best_step, stale = -np.inf, 0, 0
    best_state, best_seen = copy.deepcopy(model.state_dict()), np.zeros(data.n_items, np.bool_)
    curve: list[dict[str, float]] = []
    order: Ints = np.zeros(0, np.int64)
    step, loss_value = 0, float("nan")
    in_history = np.zeros(data.n_items, np.bool_)  # items some step's history held
    for step in range(1, config.max_steps + 1):
        if len(order) < min(config.batch_users, len(trainable)):
            order = np.concatenate([order, rng.permutation(trainable)])
        users, order = order[: config.batch_users], order[config.batch_users :]
        batch = sample_batch(
            table,
            replicas.shard(np.sort(users)),
            target_fraction=config.target_fraction,
            history_length=model_config.history_length,
            rng=batch_rng,
            history_targets=config.history_targets,
            profile_dropout=config.profile_dropout,
            cold_start_items=config.cold_start_items,
        )
        in_history[batch.history_items[batch.history_weights != 0]] = True
        # A small batch can draw no positive as a target: nothing to learn from this step
        # (and an empty softmax), so it is skipped; the validation cadence still advances.
        # With replicas, the step is skipped only when every share drew no target.
        if replicas.total(batch.target_items.size):
            loss: torch.Tensor = step_loss(batch if batch.target_items.size else None)
            optimiser.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            optimiser.step()
            schedule.step()
            loss_value = loss.item()
        val = None
        if step % config.eval_every == 0 or step == config.max_steps:
            score = (
                _validate(model, table, val_users, relevant, config.k) if replicas.leader else 0.0
            )
            val = replicas.from_leader(score)
            in_history = replicas.union(in_history)
            curve.append({"step": float(step), "loss": loss_value, "val_ndcg": val})
            if val > best + config.min_delta:
                best, best_step, stale = val, step, 0
                best_state, best_seen = copy.deepcopy(model.state_dict()), in_history.copy()
            else:
                stale += 1
            if checkpoint_dir is not None and replicas.leader:
                _checkpoint(checkpoint_dir, model, step, val, best_step == step)
        if progress is not None and replicas.leader:
            progress(TrainProgress(step, config.max_steps, loss_value, val, max(best, 0.0)))
        if stale >= config.patience:
            break
    model.load_state_dict(best_state)
    _finish(model, best_seen)
    replicas.check_equal(model)
    if not replicas.leader:
        return TrainResult(model, {}, curve)
    metrics = {
        f"val_ndcg_at_{config.k}": _validate(model, table, val_users, relevant, config.k),
        "best_step": float(best_step),
        "steps": float(step),
        "val_users": float(len(val_users)),
        "train_ratings": float(len(fit.users)),
        "train_seconds": time.perf_counter() - started,
    }
    return TrainResult(model, metrics, curve)


def _finish(model: TwoTower, in_history: npt.NDArray[np.bool_]) -> None:
    """The restored state made ready to serve: eval mode, the median offset for new items, and
    no history embedding for the items no step's history had held by then (theirs are still
    the random start; ``in_history`` is bool ``[n_items]``, as of the restored step)."""
    model.eval()
    model.item_tower.set_new_item_bias()
    model.user_tower.forget_history_ids(torch.from_numpy(~in_history))


def _checkpoint(folder: Path, model: TwoTower, step: int, val: float, is_best: bool) -> None:
    """``last.pt`` after every validation, ``best.pt`` when it improved (weights only)."""
    folder.mkdir(parents=True, exist_ok=True)
    state = {"step": step, "val_ndcg": val, "state_dict": model.state_dict()}
    torch.save(state, folder / "last.pt")
    if is_best:
        torch.save(state, folder / "best.pt")
