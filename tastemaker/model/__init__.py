"""The two-tower model: towers, rating head, losses, training, export and fold-in.

Offers:

- configs (:mod:`.config`): :class:`TrainingRun` (a whole ``run.toml``) with its sections
  :class:`DataConfig`, :class:`ModelConfig`, :class:`TrainConfig`;
- data (:mod:`.data`): :class:`TrainingData`, built by :func:`from_dataset` (MovieLens and any
  evaluation dataset) or :func:`from_store` (one named synthetic set of persona ratings over
  the catalogue, :mod:`.sources`), each saying in ``sources`` what it holds;
- modules: :class:`ItemTower`, :class:`UserTower` (:mod:`.towers`), :class:`RatingHead`
  (:mod:`.head`: a rating and, apart, a dislike logit on a :class:`RatingScale` such as
  :data:`PERSONA_SCALE`) assembled in :class:`TwoTower`; with ``finetune_blocks``, the
  trained end of CLIP's text tower (:mod:`.text_tower`) over its frozen prefix
  (:mod:`.text_prefix`, imported on demand: it loads transformers); losses
  :func:`retrieval_loss` (full or sampled softmax, logQ correction) and :func:`rating_loss`
  (:mod:`.losses`);
- training (:mod:`.train`): :func:`train` → :class:`TrainResult`, with :class:`TrainProgress`
  callbacks; :func:`run_training` (:mod:`.pipeline`), the ``tastemaker train`` stage;
- serving (:mod:`.export`, :mod:`.foldin`): :func:`export_model`, :func:`load_model` →
  :class:`ServingModel`, :func:`latest_version`; :func:`fold_in_user`, :func:`fold_in_items`,
  :func:`user_vector`, and :class:`UserEncoder` (batched, for the service);
- :class:`TwoTowerRecommender`, the model behind the evaluation protocol (``two_tower``).
"""

from __future__ import annotations

from tastemaker.model.config import DataConfig, ModelConfig, TrainConfig, TrainingRun
from tastemaker.model.data import TrainingData, from_dataset, from_store
from tastemaker.model.export import ServingModel, export_model, latest_version, load_model
from tastemaker.model.foldin import FoldIn, UserEncoder, fold_in_items, fold_in_user, user_vector
from tastemaker.model.head import PERSONA_SCALE, HeadOutput, RatingHead, RatingScale
from tastemaker.model.losses import rating_loss, retrieval_loss
from tastemaker.model.pipeline import TrainingOutcome, run_training
from tastemaker.model.recommender import TwoTowerRecommender
from tastemaker.model.towers import History, ItemTower, UserTower
from tastemaker.model.train import TrainProgress, TrainResult, train
from tastemaker.model.twotower import TwoTower

__all__ = [
    "PERSONA_SCALE",
    "DataConfig",
    "FoldIn",
    "HeadOutput",
    "History",
    "ItemTower",
    "ModelConfig",
    "RatingHead",
    "RatingScale",
    "ServingModel",
    "TrainConfig",
    "TrainProgress",
    "TrainResult",
    "TrainingData",
    "TrainingOutcome",
    "TrainingRun",
    "TwoTower",
    "TwoTowerRecommender",
    "UserEncoder",
    "UserTower",
    "export_model",
    "fold_in_items",
    "fold_in_user",
    "from_dataset",
    "from_store",
    "latest_version",
    "load_model",
    "rating_loss",
    "retrieval_loss",
    "run_training",
    "train",
    "user_vector",
]
