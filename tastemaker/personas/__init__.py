"""Shopper personas: sampled attributes, LLM-written names and bios, diversity checks.

Offers:

- :class:`Pools`, :func:`load_pools` — attribute pools from TOML (shipped default or a user's);
- :func:`sample_attributes` — a seeded population with exact quotas on balanced attributes;
- :class:`Attributes`, :class:`PersonaText`, :class:`Persona` — sampled, LLM-written, stored;
- :func:`generate_personas` — constrained JSON, one repair retry, near-duplicate regeneration,
  failures recorded (never invented); :func:`run_generation` is the whole stage over a store;
- :func:`save_personas`, :func:`list_personas`, :func:`get_persona`, :func:`export_personas`
  — the ``personas`` table and its JSONL / Parquet exports;
- :func:`diversity_report` — attribute coverage, mean pairwise bio distance, name uniqueness.

It knows nothing of ratings or training.
"""

from tastemaker.personas.config import PersonaRunConfig
from tastemaker.personas.diversity import (
    AttributeCoverage,
    DiversityReport,
    PairwiseStats,
    diversity_report,
    pairwise_stats,
)
from tastemaker.personas.generate import (
    DEFAULT_DEDUPE_THRESHOLD,
    GenerationFailure,
    GenerationResult,
    generate_personas,
)
from tastemaker.personas.pools import DEFAULT_POOLS_PATH, Pools, load_pools
from tastemaker.personas.prompt import PROMPT_VERSION, Constraint
from tastemaker.personas.run import PersonaRun, run_generation
from tastemaker.personas.sampler import sample_attributes
from tastemaker.personas.schema import (
    PERSONA_TEXT_SCHEMA,
    Attributes,
    Persona,
    PersonaText,
    parse_persona_text,
)
from tastemaker.personas.store import (
    PERSONA_PARQUET_SCHEMA,
    count_personas,
    export_personas,
    get_persona,
    iter_personas,
    list_personas,
    save_personas,
)

__all__ = [
    "DEFAULT_DEDUPE_THRESHOLD",
    "DEFAULT_POOLS_PATH",
    "PERSONA_PARQUET_SCHEMA",
    "PERSONA_TEXT_SCHEMA",
    "PROMPT_VERSION",
    "AttributeCoverage",
    "Attributes",
    "Constraint",
    "DiversityReport",
    "GenerationFailure",
    "GenerationResult",
    "PairwiseStats",
    "Persona",
    "PersonaRun",
    "PersonaRunConfig",
    "PersonaText",
    "Pools",
    "count_personas",
    "diversity_report",
    "export_personas",
    "generate_personas",
    "get_persona",
    "iter_personas",
    "list_personas",
    "load_pools",
    "pairwise_stats",
    "parse_persona_text",
    "run_generation",
    "sample_attributes",
    "save_personas",
]
