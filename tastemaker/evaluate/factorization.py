"""Matrix-factorisation baselines from the ``implicit`` library (CPU): ALS and BPR.

Both are fitted on the binary user × item training matrix (every rating is a positive
interaction, as in Microsoft Recommenders' ranking benchmark) and score with
``user_factors @ item_factors.T``. Items no training user rated keep their random or zero
factors, which say nothing, so they score ``-inf`` (a collaborative model cannot know them).

BLAS runs single-threaded inside ``fit`` (``threadpoolctl``): ``implicit`` parallelises over
users itself with ``threads`` workers, and a second, nested BLAS pool slows it badly.

Defaults were chosen for ML-100K on a validation split carved out of the training part
(stratified 80/20 of the 75 % train, seed 7; NDCG@10 on it), never on the test set:

* ALS: 64 factors, regularisation 10, alpha 1, 15 iterations (grid: factors 32/64/128, reg
  0.05–100, alpha 0.5–20). Strong regularisation matters most; factors barely do.
* BPR: 128 factors, learning rate 0.005, regularisation 0.01, 100 iterations (grid: lr
  0.003–0.1, reg 0.001–0.3, 25–300 iterations). More iterations overfit. ``implicit`` draws
  negatives in proportion to popularity, which costs it accuracy on MovieLens, where
  popularity predicts well: expect it below ALS, unlike Cornac's uniform-sampling BPR.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

# Imported up front: threadpool_limits only reaches BLAS libraries already loaded, and
# importing implicit loads SciPy's OpenBLAS.
from implicit.cpu.als import AlternatingLeastSquares
from implicit.cpu.bpr import BayesianPersonalizedRanking
from threadpoolctl import threadpool_limits

from tastemaker.evaluate.data import Dataset

__all__ = ["ImplicitALS", "ImplicitBPR"]

Scores = npt.NDArray[np.float32]
Indices = npt.NDArray[np.int64]


class _Factorization:
    name = "mf"
    description = ""

    def __init__(self) -> None:
        self._users: npt.NDArray[np.float32] = np.zeros((0, 0), dtype=np.float32)
        self._items: npt.NDArray[np.float32] = np.zeros((0, 0), dtype=np.float32)
        self._cold: npt.NDArray[np.bool_] = np.zeros(0, dtype=np.bool_)
        self._fitted = False

    def _build(self) -> object:
        raise NotImplementedError

    def fit(self, train: Dataset) -> None:
        matrix = train.matrix()
        with threadpool_limits(1, "blas"):  # implicit checks it when built, and needs it in fit
            model = self._build()
            model.fit(matrix, show_progress=False)  # type: ignore[attr-defined]
        self._users = np.asarray(model.user_factors, dtype=np.float32)  # type: ignore[attr-defined]
        self._items = np.asarray(model.item_factors, dtype=np.float32)  # type: ignore[attr-defined]
        self._cold = np.asarray(matrix.sum(axis=0)).ravel() == 0
        self._fitted = True

    def score(self, users: Indices) -> Scores:
        """``[len(users), n_items]`` = user factors ``[len(users), f]`` @ item factors.T."""
        if not self._fitted:
            raise RuntimeError(f"{self.name}: call fit() before score()")
        scores = self._users[users] @ self._items.T
        scores[:, self._cold] = -np.inf
        return scores


class ImplicitALS(_Factorization):
    """Weighted ALS for implicit feedback (Hu, Koren & Volinsky 2008), confidence 1 + alpha.

    Each user's (and item's) least-squares step is independent, so ``threads`` workers give
    the same factors as one.
    """

    name = "als"

    def __init__(
        self,
        factors: int = 64,
        regularization: float = 10.0,
        alpha: float = 1.0,
        iterations: int = 15,
        seed: int = 42,
        threads: int = 2,
    ) -> None:
        super().__init__()
        self.factors, self.regularization, self.alpha = factors, regularization, alpha
        self.iterations, self.seed, self.threads = iterations, seed, threads
        self.description = (
            f"implicit ALS: {factors} factors, reg {regularization}, alpha {alpha}, "
            f"{iterations} iterations, seed {seed}"
        )

    def _build(self) -> object:
        return AlternatingLeastSquares(
            factors=self.factors,
            regularization=self.regularization,
            alpha=self.alpha,
            iterations=self.iterations,
            random_state=self.seed,
            num_threads=self.threads,
        )


class ImplicitBPR(_Factorization):
    """Bayesian Personalised Ranking (Rendle et al. 2009) by SGD over sampled triples.

    With ``threads > 1`` the SGD updates race (Hogwild), so runs differ slightly even with the
    same seed; the default ``threads=1`` is exactly reproducible (and, on ML-100K, as fast).
    """

    name = "bpr"

    def __init__(
        self,
        factors: int = 128,
        learning_rate: float = 0.005,
        regularization: float = 0.01,
        iterations: int = 100,
        seed: int = 42,
        threads: int = 1,
    ) -> None:
        super().__init__()
        self.factors, self.learning_rate = factors, learning_rate
        self.regularization, self.iterations = regularization, iterations
        self.seed, self.threads = seed, threads
        self.description = (
            f"implicit BPR: {factors} factors, lr {learning_rate}, reg {regularization}, "
            f"{iterations} iterations, seed {seed}"
        )

    def _build(self) -> object:
        return BayesianPersonalizedRanking(
            factors=self.factors,
            learning_rate=self.learning_rate,
            regularization=self.regularization,
            iterations=self.iterations,
            random_state=self.seed,
            num_threads=self.threads,
        )
