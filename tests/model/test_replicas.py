"""What a replica does differently from a lone process (no process group needed)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from pydantic import ValidationError

from tastemaker.model.config import ModelConfig, TrainConfig, check_finetune
from tastemaker.model.replicas import SINGLE, Replicas


def test_a_lone_process_is_left_exactly_as_before_replicas() -> None:
    users = np.arange(10, dtype=np.int64)
    rng = np.random.default_rng(3)
    module = torch.nn.Linear(2, 2)
    assert SINGLE.shard(users) is users
    assert SINGLE.batch_rng(rng, 42) is rng  # one generator, drawn from as it always was
    assert SINGLE.wrap(module) is module
    assert SINGLE.total(5) == 5
    assert SINGLE.from_leader(0.25) == 0.25
    mask = np.array([True, False])
    assert SINGLE.union(mask) is mask
    assert SINGLE.leader


def test_replicas_split_a_steps_users_and_sample_with_their_own_generators() -> None:
    users = np.arange(11, dtype=np.int64)
    replicas = [Replicas(rank, 3) for rank in range(3)]
    shares = [r.shard(users) for r in replicas]
    assert np.array_equal(np.concatenate(shares), users)  # each user once, in order
    assert [len(s) for s in shares] == [4, 4, 3]
    shared = np.random.default_rng(0)
    draws = [r.batch_rng(shared, 42).random(4) for r in replicas]
    assert not np.allclose(draws[0], draws[1])
    again = Replicas(1, 3).batch_rng(np.random.default_rng(9), 42).random(4)
    assert np.array_equal(again, draws[1])  # seeded by (seed, rank), not by the shared one
    assert [r.leader for r in replicas] == [True, False, False]


def test_every_replica_needs_users_and_fine_tuning_stays_in_one_process() -> None:
    with pytest.raises(ValidationError, match=r"train\.nproc = 9 exceeds train\.batch_users = 8"):
        TrainConfig(batch_users=8, nproc=9)
    with pytest.raises(ValidationError, match="nproc"):
        TrainConfig(nproc=0)
    tuned = ModelConfig(encoder="clip:/models/clip", finetune_blocks=1)
    with pytest.raises(ValueError, match=r"train\.nproc = 2 does not carry CLIP's text blocks"):
        check_finetune(tuned, TrainConfig(negatives="in_batch", nproc=2))
