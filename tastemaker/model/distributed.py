"""``train.nproc > 1``: the training loop in that many processes on this machine, under DDP.

:func:`train_replicated` spawns ``nproc`` processes (``spawn``, not ``fork``: torch's thread
pools do not survive a fork), joins them into one gloo process group through a rendezvous
file in a temporary folder (no port to pick or collide on), and runs
:func:`tastemaker.model.train._train` in each as one replica (:mod:`.replicas`). The leader
(rank 0) sends its progress through a queue, so the caller's ``progress`` callback runs in
the calling process, and saves the returned state and metrics to the folder (a run that ends
without that file has no result); the caller loads
them into a fresh :func:`~.train.new_model`, so what comes back is the :class:`TrainResult`
a one-process run would return.

Failures end in :mod:`tastemaker.errors`: a TastemakerError raised in a replica (bad data, a
bad setting) is sent back and raised here as it is; a replica that dies any other way (a
crash, a kill) is a :class:`TrainingError` naming its rank and exit code. Either way the
other replicas, which would wait for it in their next collective call, are terminated.

One machine only: a run across machines (torchrun, Ray Train) would need a rendezvous
address and the data on every machine; nothing here provides that yet.
"""

from __future__ import annotations

import multiprocessing
import queue
import tempfile
from collections.abc import Callable, Sequence
from multiprocessing.process import BaseProcess
from multiprocessing.queues import Queue
from pathlib import Path

import torch
from torch import distributed

from tastemaker.errors import TastemakerError, TrainingError
from tastemaker.model.config import ModelConfig, TrainConfig
from tastemaker.model.data import TrainingData
from tastemaker.model.replicas import Replicas
from tastemaker.model.train import TrainProgress, TrainResult, _threads, _train, new_model

__all__ = ["train_replicated"]

#: How often the caller looks for progress and dead replicas while it waits.
_POLL_S = 0.2
_RESULT = "result.pt"
Message = tuple[str, object]


def train_replicated(
    data: TrainingData,
    model_config: ModelConfig,
    config: TrainConfig,
    progress: Callable[[TrainProgress], None] | None = None,
    checkpoint_dir: Path | None = None,
) -> TrainResult:
    """:func:`~.train.train` over ``config.nproc`` processes (reached through it, which
    checks the config); its result, from the leader."""
    context = multiprocessing.get_context("spawn")
    messages: Queue[Message] = context.Queue()
    with tempfile.TemporaryDirectory(prefix="tastemaker-train-") as folder:
        processes = [
            context.Process(
                target=_replica,
                args=(rank, config.nproc, folder, data, model_config, config, checkpoint_dir),
                kwargs={"messages": messages},
                name=f"tastemaker-train-{rank}",
                daemon=True,  # ended with the caller
            )
            for rank in range(config.nproc)
        ]
        for process in processes:
            process.start()
        try:
            _follow(processes, messages, progress)
        finally:
            for process in processes:
                if process.is_alive():
                    process.terminate()
                process.join()
        result = Path(folder) / _RESULT
        if not result.is_file():
            raise TrainingError("the training processes exited without a result")
        saved = torch.load(result, weights_only=True)
    model = new_model(data, model_config, config)
    model.load_state_dict(saved["state"])
    model.eval()
    return TrainResult(model, saved["metrics"], saved["curve"])


def _follow(
    processes: Sequence[BaseProcess],
    messages: Queue[Message],
    progress: Callable[[TrainProgress], None] | None,
) -> None:
    """Relay the leader's progress until every replica has exited; raise the first failure."""
    exited = False
    while True:
        try:
            kind, payload = messages.get(timeout=_POLL_S)
        except queue.Empty:
            if exited:  # the queue is drained after the last exit too
                break
            dead = [p for p in processes if p.exitcode not in (None, 0)]
            if dead:
                raise TrainingError(
                    f"training process {dead[0].name} exited with code {dead[0].exitcode} "
                    "(see its output above); the run was stopped"
                ) from None
            exited = all(p.exitcode == 0 for p in processes)
            continue
        if kind == "progress" and progress is not None and isinstance(payload, TrainProgress):
            progress(payload)
        elif kind == "error" and isinstance(payload, TastemakerError):
            raise payload


def _replica(
    rank: int,
    world: int,
    folder: str,
    data: TrainingData,
    model_config: ModelConfig,
    config: TrainConfig,
    checkpoint_dir: Path | None,
    *,
    messages: Queue[Message],
) -> None:
    """One process of the run: join the group, train, and (the leader) save the result."""
    distributed.init_process_group(
        "gloo", init_method=f"file://{folder}/rendezvous", rank=rank, world_size=world
    )
    try:

        def relay(p: TrainProgress) -> None:
            messages.put(("progress", p))

        with _threads(config.threads):
            result = _train(
                data, model_config, config, relay, checkpoint_dir, None, Replicas(rank, world)
            )
        if rank == 0:
            state = {
                "state": result.model.state_dict(),
                "metrics": result.metrics,
                "curve": result.curve,
            }
            torch.save(state, Path(folder) / _RESULT)
    except TastemakerError as exc:
        messages.put(("error", exc))
    finally:
        distributed.destroy_process_group()
