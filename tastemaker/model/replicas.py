"""The processes of one data-parallel training run, as the training loop sees them.

:func:`tastemaker.model.train.train` has one loop for one process and for ``train.nproc``
processes (:mod:`.distributed` starts those). The loop asks a :class:`Replicas` for what
differs, and with ``world == 1`` every answer is the one-process behaviour, bit for bit: the
same users, the same random generator, the module unwrapped, no collective call.

With ``world > 1`` each process is one replica of the model (PyTorch DDP over the gloo
backend, joined by :func:`torch.distributed.init_process_group` before the loop):

* every replica draws the same step's users from a generator seeded alike (so the epochs
  agree), keeps its own contiguous share of them (:meth:`shard`), and samples that share's
  targets and histories with a generator of its own (:meth:`batch_rng`);
* DDP averages the gradients, so the replicas take the same optimiser steps and stay equal
  (:meth:`check_equal` proves it at the end);
* the leader (rank 0) alone validates; the others adopt its score (:meth:`from_leader`), so
  every replica keeps the same best state and stops at the same step;
* the items some replica's history held are pooled at each validation (:meth:`union`), the
  set :func:`~.train._finish` needs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import torch
from torch import distributed
from torch.nn.parallel import DistributedDataParallel

from tastemaker.errors import TrainingError

__all__ = ["SINGLE", "Replicas"]

Ints = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Replicas:
    """This process's place in the run: ``rank`` of ``world`` replicas."""

    rank: int = 0
    world: int = 1

    @property
    def leader(self) -> bool:
        """Whether this replica validates, reports progress and returns the result."""
        return self.rank == 0

    def shard(self, users: Ints) -> Ints:
        """This replica's contiguous share of one step's users (all of them alone)."""
        if self.world == 1:
            return users
        return np.array_split(users, self.world)[self.rank]

    def batch_rng(self, shared: np.random.Generator, seed: int) -> np.random.Generator:
        """The generator that samples this replica's targets and histories: ``shared`` alone
        (as before replicas existed), else one per rank, so that ``shared`` only orders users
        and stays in step across the replicas."""
        if self.world == 1:
            return shared
        return np.random.default_rng([seed, self.rank])

    def wrap(self, module: torch.nn.Module) -> torch.nn.Module:
        """``module`` under DDP (gradients averaged over the replicas), or as it is alone.

        Unused parameters are looked for, since a step may leave some out (the rating head's
        inputs, a blank profile); the buffers are synced once, not at every forward: training
        never changes them.
        """
        if self.world == 1:
            return module
        return DistributedDataParallel(
            module, find_unused_parameters=True, forward_sync_buffers=False
        )

    def total(self, count: int) -> int:
        """``count`` summed over the replicas (one scalar all-reduce)."""
        if self.world == 1:
            return count
        value = torch.tensor([count], dtype=torch.int64)
        distributed.all_reduce(value)
        return int(value.item())

    def from_leader(self, value: float) -> float:
        """The leader's ``value`` on every replica (the others pass a placeholder)."""
        if self.world == 1:
            return value
        tensor = torch.tensor([value], dtype=torch.float64)
        distributed.broadcast(tensor, src=0)
        return float(tensor.item())

    def union(self, mask: Mask) -> Mask:
        """``mask`` OR-ed over the replicas."""
        if self.world == 1:
            return mask
        value = torch.from_numpy(mask.astype(np.uint8))
        distributed.all_reduce(value, op=distributed.ReduceOp.MAX)
        return value.numpy().astype(np.bool_)

    def check_equal(self, model: torch.nn.Module) -> None:
        """TrainingError unless every replica holds the same weights: DDP keeps them equal,
        so a difference is a bug in the loop (a replica that skipped a step or a validation)."""
        if self.world == 1:
            return
        with torch.no_grad():
            flat = torch.cat([p.detach().reshape(-1).double() for p in model.parameters()])
        low, high = flat.clone(), flat.clone()
        distributed.all_reduce(low, op=distributed.ReduceOp.MIN)
        distributed.all_reduce(high, op=distributed.ReduceOp.MAX)
        spread = float((high - low).abs().max().item())
        if spread > 0.0:
            raise TrainingError(
                f"training replicas diverged: weights differ by up to {spread:.3g} across "
                f"{self.world} processes"
            )


#: The one-process run.
SINGLE = Replicas()
