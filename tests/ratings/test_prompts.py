from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from tastemaker.errors import ConfigError
from tastemaker.llm.client import LLMClient
from tastemaker.llm.config import LLMConfig
from tastemaker.llm.server import EmbeddedServer
from tastemaker.ratings.prompts import PersonaView, Prompt, load_template
from tastemaker.ratings.scale import ANSWERS

PERSONA = PersonaView(
    "p1", "Ana", "Women", "Ana runs marathons. She loves bright gear.",
    {"age_band": "25-34", "occupation": "physiotherapist", "brands": ["Asics", "Nike"]},
)  # fmt: skip


def test_every_point_of_the_scale_is_described_and_the_answer_is_only_a_number() -> None:
    text = load_template("shopper-v1").render(PERSONA, "Red Shoes.", "inst").text
    assert text is not None
    for answer in ANSWERS:
        assert f"\n{answer} = " in text
    assert "Return only the number" in text


def test_persona_comes_first_and_the_item_last_so_the_prefix_is_shared() -> None:
    template = load_template("shopper-v1")
    a = template.render(PERSONA, "Red Running Shoes.", "inst").text
    b = template.render(PERSONA, "Grey Wool Suit.", "inst").text
    assert a is not None
    assert b is not None
    shared = len(os.path.commonprefix([a, b]))  # noqa: RUF071 (characters are what we compare)
    assert a.index("Ana runs marathons") < shared <= a.index("Red Running Shoes")
    assert shared > 0.9 * len(a)


def test_the_original_style_shows_few_shot_examples_with_a_dislike() -> None:
    text = load_template("original-v1").render(PERSONA, "Red Shoes.", "inst").text
    assert text is not None
    assert text.startswith("[INST] ")
    assert text.endswith("[/INST]")
    assert "-> -1" in text


@pytest.mark.parametrize("fmt", ["inst", "messages"])
def test_declared_formats_render_without_a_server(fmt: str) -> None:
    prompt = load_template().render(PERSONA, "Red Shoes.", fmt)  # type: ignore[arg-type]
    if fmt == "messages":
        assert [m["role"] for m in prompt.messages] == ["system", "user"]
        assert "Red Shoes." in prompt.messages[1]["content"]
    else:
        assert prompt.text is not None
        assert "Red Shoes." in prompt.text


def test_the_model_format_needs_the_servers_template_first() -> None:
    with pytest.raises(ConfigError, match="for_server"):
        load_template().render(PERSONA, "Red Shoes.", "model")


@pytest.mark.llm
@pytest.mark.parametrize("yesno", [False, True])
def test_the_model_format_is_what_the_servers_own_template_makes(
    smollm_server: EmbeddedServer, yesno: bool
) -> None:
    """The default format: the prompt the model's template (here SmolLM2's) makes of the
    system and user messages, as the server renders it, with no markup written here."""

    async def main() -> tuple[Prompt, str, int]:
        config = LLMConfig(base_url=smollm_server.base_url, model=smollm_server.model_name)
        async with LLMClient(config) as llm:
            template = await load_template().for_server(llm, "model")
            prompt = template.render(PERSONA, "Red Shoes.", "model", yesno=yesno)
            calls = llm.ledger.calls
            return prompt, await llm.apply_template(prompt.messages), calls

    prompt, rendered_by_server, calls = asyncio.run(main())
    assert prompt.text == rendered_by_server
    assert [m["role"] for m in prompt.messages] == ["system", "user"]
    assert calls == 2  # fetching the frame; rendering itself asks nothing


def test_versions_carry_a_content_hash(tmp_path: Path) -> None:
    builtin = load_template("shopper-v1")
    assert builtin.version.startswith("shopper-v1@")
    copy = tmp_path / "mine-v1.toml"
    copy.write_text(
        (Path(__file__).parents[2] / "tastemaker/ratings/templates/shopper-v1.toml").read_text()
        + "\n# edited\n"
    )
    edited = load_template(str(copy))
    assert edited.version.startswith("mine-v1@")
    assert edited.version.split("@")[1] != builtin.version.split("@")[1]


def test_unknown_templates_and_keys_are_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such built-in template"):
        load_template("nope-v9")
    bad = tmp_path / "bad-v1.toml"
    bad.write_text('system = "s"\nuser = "u"\nyesno = "y"\nyesno_system = "y"\nexampels = []\n')
    with pytest.raises(ConfigError, match="exampels"):
        load_template(str(bad))
