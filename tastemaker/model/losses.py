"""Training losses, apart from the towers: softmax retrieval (full or sampled, with logQ
correction and a temperature) and the rating head's loss: mean squared error on the graded
ratings, plus the cross-entropy of the dislike logit where the scale has a dislike answer.

Retrieval is a multi-target softmax: each user row of a batch has one or more target items
among ``C`` candidate columns, and the loss is the mean over users of the mean over that user's
targets of ``-log softmax(logits)[target]``. Each user weighs the same however many targets it
has, which keeps light users from being drowned out by heavy ones.

In that shared softmax a user's other targets sit in each target's denominator, as negatives,
though they are positives. With ``per_target`` each target competes only with its row's
negatives instead (its row's other targets masked out), as in multi-positive contrastive
losses: ``-log(e^t / (e^t + Σ_negatives e^n))``. On ML-100K it helped only together with
``history_targets`` (every positive a target; see :mod:`tastemaker.model.recommender`).

With sampled candidates (in-batch negatives: the batch's own targets), popular items are
candidates far more often than rare ones, and the model learns to push them down; subtracting
``log q(item)`` (the item's sampling probability) from its logit removes that bias (Yi et al.
2019, "Sampling-bias-corrected neural modeling"). With the full catalogue as candidates,
``log_q`` is None.
"""

from __future__ import annotations

import torch
from torch import Tensor
from torch.nn import functional

from tastemaker.model.head import HeadOutput

__all__ = ["rating_loss", "retrieval_loss"]

_MASKED = -1e9


def retrieval_loss(
    logits: Tensor,
    targets: tuple[Tensor, Tensor],
    *,
    log_q: Tensor | None = None,
    exclude: tuple[Tensor, Tensor] | None = None,
    row_weights: Tensor | None = None,
    per_target: bool = False,
    target_weights: Tensor | None = None,
) -> Tensor:
    """Multi-target softmax cross-entropy over candidates.

    ``logits``: float ``[B, C]`` (already divided by the temperature, bias added);
    ``targets``: ``(rows [T], cols [T])``, each target's user row and candidate column;
    ``log_q``: ``[C]`` log sampling probability of each candidate, subtracted from its logit;
    ``exclude``: ``(rows, cols)`` cells masked out of the softmax (the user's other known
    items, which are neither targets nor negatives). Rows without a target do not count;
    ``row_weights`` ``[B]`` (default all 1) weighs each row's mean in the batch's mean;
    ``per_target``: each target's softmax holds it and its row's negatives only (see the
    module docstring); ``target_weights`` ``[T]`` (a mix's source weights): a row's mean over
    its targets is weighted by them, and the row weighs their mean in the batch, so a row of
    synthetic targets at weight 0.3 counts 0.3 of a row of real ones.
    """
    if log_q is not None:
        logits = logits - log_q
    masked = torch.tensor(_MASKED, dtype=logits.dtype)
    if exclude is not None and exclude[0].numel():
        logits = logits.index_put(exclude, masked)
    rows, cols = targets
    if per_target:
        # log(e^t / (e^t + Σ negatives)) = -softplus(logsumexp(negatives) - t): [T]
        negatives = torch.logsumexp(logits.index_put((rows, cols), masked), dim=1)  # [B]
        log_p = -functional.softplus(negatives[rows] - logits[rows, cols])
    else:
        log_p = functional.log_softmax(logits, dim=1)[rows, cols]  # [T]
    batch = logits.shape[0]
    zeros = torch.zeros(batch, dtype=logits.dtype, device=logits.device)
    counts = torch.bincount(rows, minlength=batch).to(logits.dtype)
    has = counts > 0
    if not bool(has.any()):
        return logits.sum() * 0.0
    if target_weights is None:
        per_row = zeros.index_add(0, rows, log_p)[has] / counts[has]
    else:
        mass = zeros.index_add(0, rows, target_weights.to(logits.dtype))
        per_row = zeros.index_add(0, rows, log_p * target_weights)[has] / mass[has]
        mean_weight = mass[has] / counts[has]
        row_weights = mean_weight if row_weights is None else row_weights[has] * mean_weight
        return -(per_row * row_weights).sum() / row_weights.sum()
    if row_weights is None:
        return -per_row.mean()
    weights = row_weights[has]
    return -(per_row * weights).sum() / weights.sum()


def rating_loss(
    predicted: HeadOutput,
    target: Tensor,
    disliked: Tensor | None = None,
    weights: Tensor | None = None,
) -> Tensor:
    """The rating head's loss over ``n`` pairs; 0 for an empty batch.

    ``target`` ``[n]``: normalised ratings; ``disliked`` (bool ``[n]``, None when the scale has
    no dislike answer): pairs answered "dislike". Their target is no rating, so they leave the
    mean squared error; the dislike logit is fitted to ``disliked`` on every pair (binary
    cross-entropy), the other outcome of the same head. ``weights`` ``[n]`` (a mix's source
    weights; None: all 1) make both means weighted means.
    """
    rating = predicted.rating
    if rating.numel() == 0:
        return rating.sum() * 0.0 + predicted.dislike.sum() * 0.0
    graded = torch.ones_like(target, dtype=torch.bool) if disliked is None else ~disliked
    if not bool(graded.any()):
        loss = rating.sum() * 0.0
    elif weights is None:  # the unweighted default, exactly as before mixes existed
        loss = functional.mse_loss(rating[graded], target[graded])
    else:
        squared = (rating[graded] - target[graded]) ** 2
        w = weights.to(target.dtype)[graded]
        loss = (squared * w).sum() / w.sum()
    if disliked is None:
        return loss
    if weights is None:
        return loss + functional.binary_cross_entropy_with_logits(
            predicted.dislike, disliked.to(predicted.dislike.dtype)
        )
    cross = functional.binary_cross_entropy_with_logits(
        predicted.dislike, disliked.to(predicted.dislike.dtype), reduction="none"
    )
    w = weights.to(cross.dtype)
    return loss + (cross * w).sum() / w.sum()
