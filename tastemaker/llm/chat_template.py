"""The model's own chat template, rendered by the server once per run and reused as a frame.

Raw-text strategies (log-probabilities, continuations on ``/v1/completions``) need the prompt
as the model's chat template makes it. llama.cpp's server renders its template on request
(``POST /apply-template`` with messages; the prompt comes back with the assistant turn opened),
so nobody has to write the markup of each model family by hand. One such call per rating would
double the requests, so the template is asked once per role sequence with placeholder contents:
the text around the placeholders is a :class:`ChatFrame`, and a prompt is the frame with the
real contents put in.

That is exact only if the template copies contents verbatim. Each frame is checked against one
more rendering by the server, of probe contents with surrounding whitespace, newlines, braces
and markup-like text: a template that strips the whitespace around contents (Gemma's does) gets
a frame that strips them too; one that changes contents in any other way is refused. Refusals
are :class:`~tastemaker.errors.ConfigError` naming the server, as is a server without the
endpoint (vLLM, OpenAI): there, use the chat API (the ``messages`` format).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

import openai

from tastemaker.errors import ConfigError, LLMError

__all__ = ["ChatFrame", "fetch_frame"]

Messages = Sequence[Mapping[str, str]]
#: ``messages → prompt`` as the server renders it (:meth:`LLMClient.apply_template`).
Render = Callable[[Messages], Awaitable[str]]

_MARK = "\ue000{}\ue001"  # private-use code points: no template or content uses them
_PROBE = "  probe {}: line one\nline two {{braces}} <tag> 'quotes' \"quotes\" é\n "
_NO_ENDPOINT = frozenset({404, 405, 501})
_USE_INSTEAD = "use --format messages (the chat API applies the template on the server)"


@dataclass(frozen=True)
class ChatFrame:
    """What the model's template puts around each message of one sequence of roles.

    ``pieces`` has one more entry than ``roles``: the text before the first content, between
    each two, and after the last (the opened assistant turn). ``trims`` is True for a template
    that strips the whitespace around each content (Jinja ``| trim``), which is then done here.
    """

    roles: tuple[str, ...]
    pieces: tuple[str, ...]
    source: str
    trims: bool = False

    def render(self, messages: Messages) -> str:
        """The prompt the server's template makes of ``messages`` (roles as :attr:`roles`)."""
        roles = tuple(m["role"] for m in messages)
        if roles != self.roles:
            raise ValueError(f"a frame for roles {self.roles} cannot render roles {roles}")
        parts = [self.pieces[0]]
        for message, after in zip(messages, self.pieces[1:], strict=True):
            content = message["content"]
            parts += [content.strip() if self.trims else content, after]
        return "".join(parts)


async def fetch_frame(render: Render, roles: Sequence[str], source: str) -> ChatFrame:
    """The checked :class:`ChatFrame` of ``roles`` from the server behind ``render`` (two
    requests); ``source`` names the server in errors."""
    roles = tuple(roles)
    marks = [_MARK.format(i) for i in range(len(roles))]
    try:
        prompt = await render(_messages(roles, marks))
    except LLMError as exc:
        cause = exc.__cause__
        if isinstance(cause, openai.APIStatusError) and cause.status_code in _NO_ENDPOINT:
            raise ConfigError(
                f"{source} cannot render the model's chat template (no /apply-template "
                f"endpoint: HTTP {cause.status_code}): {_USE_INSTEAD}, or a declared format "
                "such as inst for raw-text strategies"
            ) from exc
        raise
    pieces, rest = [], prompt
    for mark in marks:
        before, found, rest = rest.partition(mark)
        if not found or mark in rest:
            raise ConfigError(
                f"{source}: the model's chat template does not keep each of the {roles} "
                f"messages once and in order: {_USE_INSTEAD}"
            )
        pieces.append(before)
    frame = ChatFrame(roles, (*pieces, rest), source)
    probe = _messages(roles, [_PROBE.format(i) for i in range(len(roles))])
    expected = await render(probe)
    if expected == frame.render(probe):
        return frame
    trimming = ChatFrame(roles, frame.pieces, source, trims=True)
    if expected == trimming.render(probe):
        return trimming
    raise ConfigError(
        f"{source}: the model's chat template changes the text of messages, so a prompt "
        f"cannot be assembled from it: {_USE_INSTEAD}"
    )


def _messages(roles: Sequence[str], contents: Sequence[str]) -> list[dict[str, str]]:
    return [{"role": r, "content": c} for r, c in zip(roles, contents, strict=True)]
