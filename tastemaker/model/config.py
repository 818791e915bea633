"""The run configuration of ``tastemaker train``: what to train on, the towers, the training.

Every section is a frozen :class:`~tastemaker.config.RunConfig`, so a misspelt key in
``run.toml`` is an error naming the key, never a silently ignored default. The defaults are
the ones measured on ML-100K (see ``bench/bench_movielens.py``); the fashion defaults differ
only in the data section. A minimal ``run.toml``::

    [data]
    source = "store"          # the synthetic ratings in the store (or "movielens" + path)

    [model]
    encoder = "minilm"

    [train]
    max_steps = 900

To fine-tune CLIP's text tower as well (the last ``N`` of its blocks; the rest stays frozen)::

    [model]
    encoder = "clip:/path/to/clip-vit-base-patch32"
    finetune_blocks = 1

    [train]
    negatives = "in_batch"    # required: see check_finetune
    finetune_lr = 1e-5
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from pydantic import Field, model_validator

from tastemaker.config import RunConfig

__all__ = [
    "FASHION_ITEM_FIELDS",
    "MOVIELENS_ITEM_FIELDS",
    "SOURCE_DEFAULTS",
    "DataConfig",
    "ModelConfig",
    "TrainConfig",
    "TrainingRun",
    "check_finetune",
]

#: Categorical item fields of the fashion catalogue (store column names).
FASHION_ITEM_FIELDS = ("article_type", "base_colour", "usage", "season", "gender")
#: Categorical item fields of MovieLens (``genres`` is multi-valued, ``year`` bucketed).
MOVIELENS_ITEM_FIELDS = ("genres", "year")


@dataclass(frozen=True)
class SourceDefaults:
    """What a source's ratings mean unless ``[data]`` says otherwise: thresholds on that
    source's own rating scale, and the feature fields its items and users have."""

    positive_min: float | None
    dislike_max: float | None
    item_fields: tuple[str, ...]
    user_fields: tuple[str, ...]


#: Per source. Persona ratings (-1 = dislike, 1..10): likes are 7 and up, dislikes -1..3.
#: MovieLens (1..5, or 0.5..5): every rating is a positive and none a dislike, as the benchmark
#: protocol counts every rated movie relevant (a 7 there would make nothing a positive).
SOURCE_DEFAULTS: Final = {
    "store": SourceDefaults(
        7.0, 3.0, FASHION_ITEM_FIELDS, ("gender", "age_band", "aesthetic", "budget")
    ),
    "movielens": SourceDefaults(None, None, MOVIELENS_ITEM_FIELDS, ("gender", "age", "occupation")),
}


class DataConfig(RunConfig):
    """Where the ratings come from and which of them count as positives."""

    source: Literal["store", "movielens"] = Field(
        default="store",
        description="'store': persona ratings in the SQLite store; 'movielens': a MovieLens dir.",
    )
    path: Path | None = Field(default=None, description="MovieLens directory (source movielens).")
    rating: Literal["calibrated", "answer", "expected"] = Field(
        default="calibrated",
        description="Which stored rating to train on; rows without it are skipped.",
    )
    llm: str | None = Field(
        default=None,
        description="The synthetic set's LLM (the ratings' model). With strategy and "
        "template_version it names one set; left out, the store must hold exactly one.",
    )
    strategy: str | None = Field(default=None, description="The synthetic set's strategy.")
    template_version: str | None = Field(
        default=None, description="The synthetic set's prompt template version."
    )
    request_set: str | None = Field(
        default=None,
        description="The synthetic set's request set (`ratings report` lists them), needed "
        "when one LLM, strategy and template was asked in several ways (another format, "
        "temperature or prompt code).",
    )
    synthetic: bool = Field(
        default=True,
        description="Train on one synthetic set (the LLM's persona and twin ratings, chosen by "
        "llm, strategy, template_version and request_set). false: real feedback only.",
    )
    real: tuple[str, ...] = Field(
        default=(),
        description="Real feedback trained on beside (or instead of) the synthetic set: "
        "datasets imported with `tastemaker interactions import`, and 'web' for the app's "
        "likes and dislikes. Ratings enter on the model's scale, events as positives without a "
        "rating; a twin's ratings count as its real user's. Empty: none.",
    )
    weights: dict[str, float] = Field(
        default_factory=dict,
        description="Loss weight per source: 'synthetic', 'real' (every imported dataset), "
        "'web', or one dataset's name (over 'real'). Default 1 each; e.g. synthetic = 0.3.",
    )
    positive_min_rating: float | None = Field(
        default=None,
        description="Ratings at or above this are positives (retrieval targets). Default: the "
        "source's, on its own scale: 7 for persona ratings (-1..10); every rating on MovieLens.",
    )
    dislike_max_rating: float | None = Field(
        default=None,
        description="Ratings at or below this enter the history as dislikes (weight -1). "
        "Default: the source's: 3 for persona ratings (and -1, the dislike answer, always); "
        "none on MovieLens. A value below the scale's lowest rating means none.",
    )
    item_fields: tuple[str, ...] | None = Field(
        default=None,
        description="Categorical item fields fed to the item tower [default: the source's].",
    )
    user_fields: tuple[str, ...] | None = Field(
        default=None,
        description="Categorical user (persona) fields fed to the user tower [default: the "
        "source's].",
    )

    @model_validator(mode="after")
    def _path_for_movielens(self) -> DataConfig:
        if self.source == "movielens" and self.path is None:
            raise ValueError("data.path is required when data.source is 'movielens'")
        return self

    @model_validator(mode="after")
    def _some_source(self) -> DataConfig:
        if self.source == "store" and not self.synthetic and not self.real:
            raise ValueError("data.synthetic = false needs data.real: nothing to train on")
        bad = {k: w for k, w in self.weights.items() if not w > 0}
        if bad:
            raise ValueError(
                f"data.weights {bad}: a weight must be above 0 (leave a source out instead)"
            )
        return self

    def weight_of(self, source: str, dataset: str | None = None) -> float:
        """The loss weight of a source (a dataset's own weight first, then its source's)."""
        if dataset is not None and dataset in self.weights:
            return self.weights[dataset]
        return self.weights.get(source, 1.0)

    @model_validator(mode="after")
    def _dislikes_below_likes(self) -> DataConfig:
        positive, dislike = self.thresholds
        if positive is not None and dislike is not None and dislike >= positive:
            raise ValueError(
                f"data.dislike_max_rating = {dislike:g} must be below data.positive_min_rating "
                f"= {positive:g} (with the source's defaults filled in): a rating cannot be "
                "both a like and a dislike"
            )
        return self

    @property
    def thresholds(self) -> tuple[float | None, float | None]:
        """``(positive_min_rating, dislike_max_rating)`` with the source's defaults filled in
        (None: every rating is a positive / no graded rating is a dislike)."""
        defaults = SOURCE_DEFAULTS[self.source]
        return (
            defaults.positive_min if self.positive_min_rating is None else self.positive_min_rating,
            defaults.dislike_max if self.dislike_max_rating is None else self.dislike_max_rating,
        )

    @property
    def feature_fields(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """``(item_fields, user_fields)`` with the source's defaults filled in."""
        defaults = SOURCE_DEFAULTS[self.source]
        return (
            defaults.item_fields if self.item_fields is None else self.item_fields,
            defaults.user_fields if self.user_fields is None else self.user_fields,
        )


class ModelConfig(RunConfig):
    """The towers and the rating head (what an exported model is rebuilt from)."""

    dim: int = Field(default=64, ge=2, le=1024, description="Size of both towers' outputs.")
    encoder: str = Field(
        default="minilm",
        description="Frozen text encoder: 'minilm', 'clip:<folder>', or 'none' (no text input).",
    )
    use_item_ids: bool = Field(
        default=True, description="Learned per-item embeddings (the collaborative signal)."
    )
    item_bias: bool = Field(
        default=True,
        description="A learned per-item score offset (a popularity prior) added to the cosine.",
    )
    user_text: bool = Field(default=True, description="Feed the user/persona text embedding.")
    item_layers: int = Field(default=0, ge=0, le=4, description="Hidden layers of the item MLP.")
    user_layers: int = Field(default=0, ge=0, le=4, description="Hidden layers of the user MLP.")
    dropout: float = Field(default=0.0, ge=0.0, lt=1.0)
    attention: bool = Field(
        default=True, description="Attention pooling of the history (else a weighted mean)."
    )
    history_length: int = Field(
        default=512,
        ge=1,
        description="Most history items per user in a training step (a random subset); "
        "inference reads the whole history.",
    )
    head_product: bool = Field(
        default=True, description="Rating head also reads the element-wise product u ⊙ v."
    )
    head_hidden: int = Field(default=32, ge=1, le=1024)
    finetune_blocks: int = Field(
        default=0,
        ge=0,
        description="With a CLIP encoder ('clip:<folder>'): fine-tune the last N blocks of its "
        "text transformer (with its final layer norm and text projection) at train.finetune_lr; "
        "the earlier blocks stay frozen. At most the tower's block count (12 for ViT-B/32). "
        "Needs train.negatives = 'in_batch': each step runs the tuned blocks on the step's "
        "items only, never on the whole catalogue.",
    )

    @model_validator(mode="after")
    def _finetune_needs_clip(self) -> ModelConfig:
        kind, _, weights = self.encoder.partition(":")
        if self.finetune_blocks and (kind.strip().lower() != "clip" or not weights.strip()):
            raise ValueError(
                f"model.finetune_blocks = {self.finetune_blocks} fine-tunes CLIP's text tower: "
                f"it needs encoder = 'clip:<folder>', not {self.encoder!r}"
            )
        return self


class TrainConfig(RunConfig):
    """The optimisation: losses, sampling, schedule, early stopping, checkpoints."""

    seed: int = 42
    lr: float = Field(default=3e-3, gt=0.0)
    finetune_lr: float = Field(
        default=1e-5,
        gt=0.0,
        description="Learning rate of the fine-tuned CLIP text blocks (model.finetune_blocks): "
        "far below lr, so the pretrained text space bends rather than breaks.",
    )
    weight_decay: float = Field(default=0.0, ge=0.0)
    batch_users: int = Field(default=256, ge=1, description="Users per step.")
    max_steps: int = Field(default=900, ge=1)
    temperature: float = Field(default=0.25, gt=0.0, description="Softmax temperature τ.")
    negatives: Literal["full", "in_batch"] = Field(
        default="full",
        description="'full': softmax over the whole catalogue; 'in_batch': the batch's targets "
        "as sampled negatives with logQ correction (for large catalogues).",
    )
    logq_correction: bool = Field(
        default=True, description="Subtract log q(item) from in-batch logits (sampling bias)."
    )
    target_fraction: float = Field(
        default=0.25,
        gt=0.0,
        lt=1.0,
        description="Share of a user's positives held out as targets in each step; the rest "
        "(and the non-positive ratings) are the history the user tower reads.",
    )
    history_targets: bool = Field(
        default=False,
        description="The history's positives are targets too (a denoising objective): each "
        "step predicts every positive from a history missing target_fraction of them.",
    )
    per_target_softmax: bool = Field(
        default=False,
        description="Each target competes only with its user's negatives (the user's other "
        "targets masked out of its softmax) instead of sharing one softmax with them.",
    )
    profile_dropout: float = Field(
        default=0.0,
        ge=0.0,
        lt=1.0,
        description="Share of users per step whose attributes and text are hidden, so the "
        "user tower also learns to work from the history alone, as it must for a shopper "
        "onboarded from liked items (feature dropout for cold start, as in DropoutNet).",
    )
    cold_start_items: int = Field(
        default=0,
        ge=0,
        description="With profile_dropout: a hidden-profile user's history is also cut to this "
        "many of their liked items (no dislikes), the input of a shopper onboarded from a few "
        "liked items; 0 keeps their whole history.",
    )
    retrieval_weight: float = Field(default=1.0, ge=0.0)
    rating_weight: float = Field(default=0.1, ge=0.0, description="Weight of the rating MSE.")
    eval_every: int = Field(default=150, ge=1, description="Steps between validations.")
    patience: int = Field(default=4, ge=1, description="Validations without gain before stop.")
    min_delta: float = Field(
        default=0.0,
        ge=0.0,
        description="A validation counts as a gain (a new best state, patience reset) only when "
        "its NDCG beats the best by more than this; the best state is restored at the end.",
    )
    val_users: float = Field(
        default=0.2, gt=0.0, le=1.0, description="Share of users with a validation slice."
    )
    val_fraction: float = Field(
        default=0.1, gt=0.0, lt=1.0, description="Share of those users' positives held out."
    )
    k: int = Field(default=10, ge=1, description="Cut-off of the validation NDCG.")
    threads: int = Field(
        default=1,
        ge=1,
        description="torch CPU threads while training. One is the default: the matrices are "
        "small, and on a shared, busy machine two threads ran a step 10× slower than one.",
    )
    nproc: int = Field(
        default=1,
        ge=1,
        description="Training processes, one model replica each (PyTorch DDP on gloo, on this "
        "machine): each step's batch_users are split between them and their gradients "
        "averaged; each uses `threads` threads.",
    )

    @model_validator(mode="after")
    def _every_replica_has_users(self) -> TrainConfig:
        if self.nproc > self.batch_users:
            raise ValueError(
                f"train.nproc = {self.nproc} exceeds train.batch_users = {self.batch_users}: "
                "each process needs users of its own in every step"
            )
        return self


class TrainingRun(RunConfig):
    """A whole ``run.toml``: data, model, training, and where the export goes."""

    data: DataConfig = Field(default_factory=DataConfig)
    model: ModelConfig = Field(default_factory=ModelConfig)
    train: TrainConfig = Field(default_factory=TrainConfig)
    out_dir: Path | None = Field(
        default=None, description="Models folder [default: DATA_DIR/models]."
    )
    version: str | None = Field(default=None, description="Export version [default: UTC time].")
    checkpoint_dir: Path | None = Field(
        default=None, description="Write last.pt / best.pt here during training."
    )

    @model_validator(mode="after")
    def _finetune_needs_sampled_softmax(self) -> TrainingRun:
        check_finetune(self.model, self.train)
        return self


def check_finetune(model: ModelConfig, train: TrainConfig) -> None:
    """Fine-tuning CLIP's text blocks needs in-batch negatives and one process; ValueError
    otherwise.

    A full softmax scores every catalogue item each step, so every item would go through the
    tuned blocks every step (hours per step on CPU for 44k items); with in-batch negatives a
    step runs them only on the items it touches (histories and targets).
    """
    if model.finetune_blocks and train.negatives != "in_batch":
        raise ValueError(
            f"model.finetune_blocks = {model.finetune_blocks} needs train.negatives = "
            f"'in_batch' (with logQ correction), not {train.negatives!r}: a full softmax would "
            "run the fine-tuned CLIP blocks on the whole catalogue at every step"
        )
    if model.finetune_blocks and train.nproc > 1:
        raise ValueError(
            f"model.finetune_blocks = {model.finetune_blocks} runs in one process: "
            f"train.nproc = {train.nproc} does not carry CLIP's text blocks to its replicas"
        )
