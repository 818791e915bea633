"""``train.nproc = 2``: two real processes under DDP (gloo) on the tiny catalogue."""

from __future__ import annotations

import multiprocessing
import os
import signal

import numpy as np
import pytest

from tastemaker.errors import DataError, TrainingError
from tastemaker.model.batches import UserRows
from tastemaker.model.train import TrainProgress, score_users, train
from tests.model.helpers import COLOURS, MODEL, TRAIN, tiny_data
from tests.model.test_train import _validation_of

TWO = TRAIN.model_copy(update={"max_steps": 60, "eval_every": 20, "nproc": 2})


def test_two_processes_train_one_model_that_learns_and_scores_what_it_reports() -> None:
    data = tiny_data()
    seen: list[TrainProgress] = []
    result = train(data, MODEL, TWO, progress=seen.append)
    assert [p.step for p in seen] == list(range(1, TWO.max_steps + 1))  # the leader's, once
    assert [c["step"] for c in result.curve] == [20.0, 40.0, 60.0]
    # The state that came back from the leader is the one its metrics were computed on
    # (the replicas were checked equal before it was saved).
    assert result.metrics["val_ndcg_at_10"] == pytest.approx(
        _validation_of(result, data, TWO), abs=1e-9
    )
    users = np.arange(data.n_users)
    logits = score_users(result.model, UserRows.of(data), users)
    colour_of = np.arange(data.n_items) % len(COLOURS)
    own = np.array([logits[u, colour_of == u % len(COLOURS)].mean() for u in users])
    other = np.array([logits[u, colour_of != u % len(COLOURS)].mean() for u in users])
    assert (own > other).mean() > 0.9  # the planted tastes, as one process learns them
    assert not result.model.training


def test_a_data_error_in_the_replicas_is_raised_as_itself() -> None:
    data = tiny_data()
    flat = data.select(np.ones(len(data.users), np.bool_))
    flat.positive[:] = False
    with pytest.raises(DataError, match="no positive ratings to train on"):
        train(flat, MODEL, TWO)


def test_a_killed_replica_stops_the_run_with_a_training_error() -> None:
    killed: list[int] = []

    def kill_the_second(progress: TrainProgress) -> None:
        if progress.step == 5 and not killed:
            (replica,) = [
                p for p in multiprocessing.active_children() if p.name == "tastemaker-train-1"
            ]
            assert replica.pid is not None
            os.kill(replica.pid, signal.SIGKILL)
            killed.append(replica.pid)

    long = TWO.model_copy(update={"max_steps": 5000, "eval_every": 5000})
    with pytest.raises(TrainingError, match=r"tastemaker-train-[01] exited with code"):
        train(tiny_data(), MODEL, long, progress=kill_the_second)
    assert killed
    assert not [p for p in multiprocessing.active_children() if p.name.startswith("tastemaker-")]
