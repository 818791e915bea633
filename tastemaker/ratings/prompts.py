"""Rating prompts: versioned template files rendered for one persona and one item.

A template (``templates/<name>-v<N>.toml``) holds the words; this module turns them into
the three shapes servers want:

* ``model`` (the default) — one raw prompt made by the model's own chat template, which the
  server renders (:mod:`tastemaker.llm.chat_template`; once per run, not per rating), for
  ``/v1/completions`` where the rating strategies need raw continuation. Get the template with
  :meth:`RatingTemplate.for_server` before rendering;
* ``inst`` — the original team's Mistral framing, ``[INST] … [/INST]``, as one raw prompt, a
  declared format for a model or server without a template to render;
* ``messages`` — system and user messages for ``/v1/chat/completions`` on chat-only servers.

The template version stored with each rating is ``<name>-v<N>@<first 8 hex of sha256>``, so
editing a template file without bumping its number still keys new ratings apart.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from tastemaker.errors import ConfigError
from tastemaker.ratings.scale import SCALE_DESCRIPTIONS

if TYPE_CHECKING:  # annotations only: the openai SDK loads when a client is made, not here
    from tastemaker.llm.chat_template import ChatFrame
    from tastemaker.llm.client import LLMClient

__all__ = [
    "DEFAULT_TEMPLATE",
    "PROMPT_FORMATS",
    "ROLES",
    "PersonaView",
    "Prompt",
    "PromptFormat",
    "RatingTemplate",
    "load_template",
]

PromptFormat = Literal["model", "inst", "messages"]
PROMPT_FORMATS: tuple[PromptFormat, ...] = ("model", "inst", "messages")
DEFAULT_TEMPLATE = "shopper-v1"
#: The roles of a rating prompt, in order (the frame fetched for the ``model`` format).
ROLES = ("system", "user")


class _Example(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    shopper: str
    item: str
    answer: int


class _TemplateFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    system: str
    user: str
    yesno_system: str
    yesno: str
    examples: list[_Example]


@dataclass(frozen=True)
class PersonaView:
    """What a rating prompt needs of a persona; ``attributes`` holds the optional ones."""

    id: str
    name: str
    gender: str
    bio: str
    attributes: Mapping[str, str | list[str]] = field(default_factory=dict)
    #: A twin's real history, one line per interaction, oldest first (empty for invented
    #: personas): the prompt shows it so the LLM rates as this person would.
    history: tuple[str, ...] = ()

    def describe(self) -> str:
        """'You are Ana, woman, 25-34, nurse from Lisbon. Style: …', the bio, then the history."""
        a = self.attributes
        facts = [self.gender] if self.gender != "unspecified" else []
        for key in ("age_band", "occupation"):
            if a.get(key):
                facts.append(str(a[key]))
        line = f"You are {self.name}" + (f" ({', '.join(facts)})" if facts else "")
        if a.get("region"):
            line += f", from {a['region']}"
        lines = [line + "."]
        style = [
            f"{label}: {', '.join(v) if isinstance(v, list) else v}"
            for key, label in (
                ("aesthetic", "Style"),
                ("palette", "Colours you wear"),
                ("budget", "Budget"),
                ("brands", "Favourite brands"),
            )
            if (v := a.get(key))
        ]
        if style:
            lines.append("; ".join(style) + ".")
        lines.append(self.bio.strip())
        if a.get("profile"):  # the bio distilled by tastemaker.personas.profile
            lines.append(f"Your taste in clothes:\n{a['profile']}")
        if self.history:
            lines.append("What you did before, oldest first:")
            lines.extend(f"- {entry}" for entry in self.history)
        return "\n".join(lines)


@dataclass(frozen=True)
class Prompt:
    """One rendered request: raw text for completions, or messages for chat (the ``model``
    format has both: the text its template made of the messages)."""

    format: PromptFormat
    text: str | None = None
    messages: tuple[Mapping[str, str], ...] = ()


@dataclass(frozen=True)
class RatingTemplate:
    """A loaded template; :meth:`render` makes the prompt for one (persona, item).

    ``frame`` is the server's chat template for the ``model`` format (None until
    :meth:`for_server` has fetched it).
    """

    name: str
    version: str
    body: _TemplateFile
    frame: ChatFrame | None = None

    async def for_server(self, llm: LLMClient, fmt: PromptFormat) -> RatingTemplate:
        """This template ready to render ``fmt`` for ``llm``'s server: for ``model``, with the
        server's chat template (fetched once per client); other formats need nothing."""
        if fmt != "model":
            return self
        return replace(self, frame=await llm.chat_frame(ROLES))

    def render(
        self, persona: PersonaView, item_text: str, fmt: PromptFormat, *, yesno: bool = False
    ) -> Prompt:
        """The prompt asking ``persona`` to rate ``item_text`` (or to answer Yes/No)."""
        messages = self.messages(persona, item_text, yesno=yesno)
        if fmt == "messages":
            return Prompt(fmt, messages=messages)
        if fmt == "model":
            if self.frame is None:
                raise ConfigError(
                    "the model format renders with the server's chat template: get it with "
                    "`await template.for_server(llm, 'model')` before rendering"
                )
            return Prompt(fmt, text=self.frame.render(messages), messages=messages)
        system, user = messages[0]["content"], messages[1]["content"]
        return Prompt(fmt, text=f"[INST] {system}\n\n{user} [/INST]")

    def messages(
        self, persona: PersonaView, item_text: str, *, yesno: bool = False
    ) -> tuple[Mapping[str, str], ...]:
        """The system and user messages of the prompt, before any chat template frames them
        (what the ``model`` format's request hash covers: the frame is the model's own)."""
        scale = "\n".join(f"{a} = {text}" for a, text in SCALE_DESCRIPTIONS.items())
        examples = "".join(
            f"\n- {e.shopper}; item: {e.item} -> {e.answer}" for e in self.body.examples
        )
        if examples:
            examples = "\n\nExamples of the answer format (other shoppers):" + examples
        user = (self.body.yesno if yesno else self.body.user).format(
            persona=persona.describe(), scale=scale, examples=examples, item=item_text
        )
        system = self.body.yesno_system if yesno else self.body.system
        return ({"role": "system", "content": system}, {"role": "user", "content": user})


@cache
def load_template(name_or_path: str = DEFAULT_TEMPLATE) -> RatingTemplate:
    """A built-in template by name (``shopper-v1``) or a template file by path."""
    path = Path(name_or_path)
    if path.suffix == ".toml" and path.is_file():
        raw = path.read_bytes()
        name = path.stem
    else:
        resource = resources.files("tastemaker.ratings") / "templates" / f"{name_or_path}.toml"
        if not resource.is_file():
            raise ConfigError(f"--template {name_or_path}: no such built-in template or file")
        raw = resource.read_bytes()
        name = name_or_path
    try:
        body = _TemplateFile.model_validate(tomllib.loads(raw.decode("utf-8")))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, ValidationError) as exc:
        raise ConfigError(f"template {name_or_path}: {exc}") from exc
    digest = hashlib.sha256(raw).hexdigest()[:8]
    return RatingTemplate(name=name, version=f"{name}@{digest}", body=body)
