"""Losses on hand-made tensors: values, logQ correction, exclusion, temperature."""

from __future__ import annotations

import math

import pytest
import torch
from torch.nn import functional

from tastemaker.model.head import HeadOutput
from tastemaker.model.losses import rating_loss, retrieval_loss
from tastemaker.model.towers import scores


def _targets(rows: list[int], cols: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
    return torch.tensor(rows), torch.tensor(cols)


def test_single_target_is_cross_entropy() -> None:
    logits = torch.tensor([[2.0, 1.0, 0.0]])
    loss = retrieval_loss(logits, _targets([0], [0]))
    expected = -(2.0 - math.log(math.exp(2.0) + math.exp(1.0) + 1.0))
    assert float(loss) == pytest.approx(expected, rel=1e-6)


def test_each_user_weighs_the_same_however_many_targets() -> None:
    logits = torch.tensor([[0.0, 0.0, 0.0, 0.0], [5.0, 0.0, 0.0, 0.0]])
    # user 0: three targets, each -log(1/4); user 1: one confident target
    loss = retrieval_loss(logits, _targets([0, 0, 0, 1], [0, 1, 2, 0]))
    user1 = -(5.0 - math.log(math.exp(5.0) + 3.0))
    assert float(loss) == pytest.approx((math.log(4.0) + user1) / 2, rel=1e-6)


def test_logq_correction_subtracts_log_q_from_each_logit() -> None:
    logits = torch.tensor([[1.0, 1.0, 1.0]])
    log_q = torch.log(torch.tensor([0.7, 0.2, 0.1]))
    corrected = retrieval_loss(logits, _targets([0], [0]), log_q=log_q)
    by_hand = retrieval_loss(logits - log_q, _targets([0], [0]))
    assert float(corrected) == pytest.approx(float(by_hand))
    # A popular target is sampled often, so the correction lowers its logit: the loss rises.
    assert float(corrected) > float(retrieval_loss(logits, _targets([0], [0])))
    rare = retrieval_loss(logits, _targets([0], [2]), log_q=log_q)
    assert float(rare) < float(corrected)


def test_excluded_cells_leave_the_softmax() -> None:
    logits = torch.tensor([[1.0, 3.0, 0.5]])
    excluded = retrieval_loss(logits, _targets([0], [0]), exclude=_targets([0], [1]))
    expected = -(1.0 - math.log(math.exp(1.0) + math.exp(0.5)))
    assert float(excluded) == pytest.approx(expected, rel=1e-6)


def test_rows_without_targets_do_not_count() -> None:
    logits = torch.tensor([[2.0, 0.0], [9.0, -9.0]])
    both = retrieval_loss(logits, _targets([0], [0]))
    alone = retrieval_loss(logits[:1], _targets([0], [0]))
    assert float(both) == pytest.approx(float(alone))


def test_gradients_flow_to_the_logits() -> None:
    logits = torch.zeros(2, 3, requires_grad=True)
    retrieval_loss(logits, _targets([0, 1], [1, 2])).backward()  # type: ignore[no-untyped-call]
    assert logits.grad is not None
    assert float(logits.grad[0, 1]) < 0.0 < float(logits.grad[0, 0])


def test_per_target_softmax_masks_the_rows_other_targets() -> None:
    logits = torch.tensor([[2.0, 1.0, 0.0, -1.0]])
    loss = retrieval_loss(logits, _targets([0, 0], [0, 1]), per_target=True)
    negatives = math.exp(0.0) + math.exp(-1.0)
    first = -(2.0 - math.log(math.exp(2.0) + negatives))
    second = -(1.0 - math.log(math.exp(1.0) + negatives))
    assert float(loss) == pytest.approx((first + second) / 2, rel=1e-6)


def test_per_target_softmax_is_the_shared_one_for_a_single_target() -> None:
    logits = torch.tensor([[0.3, 1.0, -2.0], [1.5, 0.0, 0.2]])
    targets, exclude = _targets([0, 1], [1, 2]), _targets([1], [0])
    shared = retrieval_loss(logits, targets, exclude=exclude)
    alone = retrieval_loss(logits, targets, exclude=exclude, per_target=True)
    assert float(alone) == pytest.approx(float(shared), rel=1e-6)


def test_per_target_softmax_never_pushes_a_target_down() -> None:
    # Shared: a confident target holds more than 1/T of the mass and is pushed down for its
    # sibling; per target, both are only pushed up (and the negatives down).
    grads = []
    for per_target in (False, True):
        logits = torch.tensor([[5.0, 0.0, 0.0, 0.0]], requires_grad=True)
        loss = retrieval_loss(logits, _targets([0, 0], [0, 1]), per_target=per_target)
        loss.backward()  # type: ignore[no-untyped-call]
        assert logits.grad is not None
        grads.append(logits.grad[0])
    shared, alone = grads
    assert float(shared[0]) > 0.0 > float(shared[1])
    assert max(float(alone[0]), float(alone[1])) < 0.0
    assert min(float(alone[2]), float(alone[3])) > 0.0


def test_temperature_divides_the_cosine_but_not_the_bias() -> None:
    users = torch.tensor([[1.0, 0.0]])
    items = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    bias = torch.tensor([0.5, 0.0])
    assert scores(users, items, bias, 0.5).tolist() == [[2.5, 0.0]]
    assert scores(users, items, None, 0.25).tolist() == [[4.0, 0.0]]


def test_a_lower_temperature_sharpens_a_correct_ranking() -> None:
    users = torch.tensor([[1.0, 0.0]])
    items = torch.tensor([[0.8, 0.6], [0.6, 0.8]])
    losses = [
        float(retrieval_loss(scores(users, items, None, t), _targets([0], [0])))
        for t in (1.0, 0.5, 0.1)
    ]
    assert losses[0] > losses[1] > losses[2]


def test_rating_loss_is_mse_and_zero_when_empty() -> None:
    out = HeadOutput(torch.tensor([0.5, 1.0]), torch.zeros(2))
    assert float(rating_loss(out, torch.tensor([0.0, 1.0]))) == 0.125
    assert float(rating_loss(HeadOutput(torch.zeros(0), torch.zeros(0)), torch.zeros(0))) == 0.0


def test_a_dislike_is_no_rating_to_regress_but_its_own_outcome() -> None:
    # Row 1 is a dislike: its target (here -0.2, a -1 on a 1..10 scale normalised) must not
    # pull the regression; it trains the dislike logit instead, with row 0 as a non-dislike.
    rating = torch.tensor([0.5, 0.9], requires_grad=True)
    logit = torch.tensor([-2.0, 1.0], requires_grad=True)
    target = torch.tensor([0.5, -0.2])
    disliked = torch.tensor([False, True])
    loss = rating_loss(HeadOutput(rating, logit), target, disliked)
    expected = functional.binary_cross_entropy_with_logits(logit, disliked.float())
    assert loss.item() == pytest.approx(expected.item())  # the MSE of row 0 is 0
    loss.backward()  # type: ignore[no-untyped-call]
    assert rating.grad is not None
    assert rating.grad.abs().sum() == 0.0  # the dislike's "rating" gets no gradient
    assert logit.grad is not None
    assert logit.grad[1] < 0 < logit.grad[0]  # pushed towards dislike / no dislike
