"""Normalising server responses: llama.cpp, OpenAI legacy and chat logprob shapes."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tastemaker.errors import LLMError
from tastemaker.llm.completion import (
    Choice,
    Completion,
    GeneratedToken,
    TokenLogprob,
    Usage,
    completion_from_dict,
    parse_response,
)

# what llama.cpp's /v1/completions returned for SmolLM2 (trimmed): the chat-style "content" list
LLAMA_CPP = {
    "choices": [
        {
            "text": " 10",
            "index": 0,
            "finish_reason": "length",
            "logprobs": {
                "content": [
                    {
                        "id": 216,
                        "token": " ",
                        "bytes": [32],
                        "logprob": -0.75,
                        "top_logprobs": [
                            {"id": 216, "token": " ", "bytes": [32], "logprob": -0.75},
                            {"id": 347, "token": " as", "bytes": [32, 97, 115], "logprob": -1.67},
                        ],
                    },
                    {
                        "id": 33,
                        "token": "1",
                        "logprob": -0.82,
                        "top_logprobs": [{"id": 33, "token": "1", "logprob": -0.82}],
                    },
                ]
            },
        }
    ],
    "model": "/path/model.gguf",
    "usage": {
        "completion_tokens": 2,
        "prompt_tokens": 14,
        "total_tokens": 16,
        "prompt_tokens_details": {"cached_tokens": 3},
    },
}

# OpenAI's legacy completions shape, as vLLM sends it
LEGACY = {
    "choices": [
        {
            "text": "7",
            "index": 0,
            "finish_reason": "stop",
            "logprobs": {
                "tokens": ["7", "\n"],
                "token_logprobs": [-0.1, -0.01],
                "top_logprobs": [{"8": -2.5, "7": -0.1}, {"\n": -0.01}],
                "text_offset": [0, 1],
            },
        }
    ],
    "model": "Qwen/Qwen2.5-1.5B-Instruct",
    "usage": {"prompt_tokens": 9, "completion_tokens": 2, "total_tokens": 11},
}


def test_llama_cpp_completion_logprobs() -> None:
    completion = parse_response(LLAMA_CPP, chat=False, fallback_model="m")
    assert completion.text == " 10"
    assert completion.usage == Usage(prompt_tokens=14, completion_tokens=2, cached_tokens=3)
    assert completion.top_logprobs(0) == pytest.approx({" ": -0.75, " as": -1.67})
    assert completion.top_logprobs(1) == pytest.approx({"1": -0.82})
    assert completion.top_logprobs(2) == {}
    assert completion.choices[0].tokens[1].token == "1"
    assert [a.id for a in completion.choices[0].tokens[0].top] == [216, 347]


def test_legacy_logprobs_are_sorted_most_probable_first() -> None:
    completion = parse_response(LEGACY, chat=False, fallback_model="m")
    assert list(completion.top_logprobs(0)) == ["7", "8"]
    assert completion.choices[0].tokens[0].logprob == pytest.approx(-0.1)
    assert completion.model == "Qwen/Qwen2.5-1.5B-Instruct"


def test_chat_message_content_and_missing_usage() -> None:
    data = {"choices": [{"index": 0, "message": {"role": "assistant", "content": "8"}}]}
    completion = parse_response(data, chat=True, fallback_model="fallback")
    assert completion.text == "8"
    assert completion.model == "fallback"
    assert completion.usage == Usage()
    assert completion.top_probs(0) == {}


def test_choices_are_ordered_by_index() -> None:
    data = {"choices": [{"index": 1, "text": "b"}, {"index": 0, "text": "a"}]}
    assert parse_response(data, chat=False, fallback_model="m").texts == ["a", "b"]


def test_post_sampling_probs_shape_is_read_as_log() -> None:
    entry = {"token": " ", "prob": 0.5, "top_probs": [{"token": " ", "prob": 0.5}]}
    data = {"choices": [{"index": 0, "text": " ", "logprobs": {"content": [entry]}}]}
    completion = parse_response(data, chat=False, fallback_model="m")
    assert completion.top_probs(0) == pytest.approx({" ": 0.5})


def test_tokens_with_the_same_text_are_merged() -> None:
    top = (TokenLogprob("7", math.log(0.2)), TokenLogprob("7", math.log(0.3)))
    completion = Completion(
        choices=(Choice("7", tokens=(GeneratedToken("7", math.log(0.3), top),)),), model="m"
    )
    assert completion.top_probs(0) == pytest.approx({"7": 0.5})


@pytest.mark.parametrize("body", [{}, {"error": "overloaded"}, {"choices": "no"}])
def test_body_without_choices_is_an_llm_error(body: dict[str, Any]) -> None:
    with pytest.raises(LLMError, match="no 'choices'"):
        parse_response(body, chat=False, fallback_model="m")


token_text = st.text(max_size=5)
logprob = st.floats(max_value=0.0, allow_nan=False, allow_infinity=False)
generated = st.builds(
    GeneratedToken,
    token=token_text,
    logprob=st.none() | logprob,
    top=st.lists(st.builds(TokenLogprob, token=token_text, logprob=logprob), max_size=4).map(tuple),
)
completions = st.builds(
    Completion,
    choices=st.lists(
        st.builds(
            Choice,
            text=st.text(max_size=10),
            finish_reason=st.none() | st.sampled_from(["stop", "length"]),
            tokens=st.lists(generated, max_size=3).map(tuple),
        ),
        min_size=1,
        max_size=3,
    ).map(tuple),
    model=st.text(min_size=1, max_size=8),
    usage=st.builds(
        Usage,
        prompt_tokens=st.integers(0, 10**6),
        completion_tokens=st.integers(0, 10**6),
        cached_tokens=st.integers(0, 10**6),
    ),
)


@given(completions)
def test_cache_round_trip_through_json(completion: Completion) -> None:
    stored = json.loads(json.dumps(completion.to_dict()))
    assert completion_from_dict(stored) == completion
    assert completion_from_dict(stored, cached=True).cached
