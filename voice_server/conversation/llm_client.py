"""One client for any OpenAI-compatible chat endpoint (vLLM, llama.cpp's server, Ollama, hosted APIs).

It asks for one JSON object that follows a JSON schema, either as structured output
(``response_format: {"type": "json_schema", ...}``) or as a forced call of one tool whose
parameters are the schema (``tools`` + ``tool_choice: "required"``), and returns the object's
text. Every way it can fail raises `LlmFailure` with a short machine-readable ``reason``; the
caller decides what to do (the understander falls back to the rules). It never retries: the
caller's latency budget is the only clock.

Plain httpx rather than the `openai` SDK: httpx is already a dependency, the request is one POST,
and the SDK's own retries and timeouts would have to be switched off to keep the budget.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

import httpx

Mode = Literal["json_schema", "tools"]
TOOL_NAME = "understanding"
BACKSTOP_TIMEOUT_S = 60.0


class LlmFailure(Exception):
    """The endpoint gave no usable answer. ``reason``: timeout, unreachable, http_<status>, invalid_output..."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class ChatEndpoint:
    """Where and how to ask. ``base_url`` ends before ``/chat/completions`` (usually ``.../v1``)."""

    base_url: str
    model: str = "default"
    api_key: str | None = None
    mode: Mode = "json_schema"
    max_tokens: int = 256


def request_body(endpoint: ChatEndpoint, messages: list[dict[str, str]], schema: dict[str, Any]) -> dict[str, Any]:
    """The chat-completions request for ``mode``: greedy decoding, bounded output."""
    body: dict[str, Any] = {
        "model": endpoint.model,
        "messages": messages,
        "temperature": 0,
        "max_tokens": endpoint.max_tokens,
        "stream": False,
    }
    if endpoint.mode == "tools":
        body["tools"] = [{
            "type": "function",
            "function": {"name": TOOL_NAME, "description": "What the shopper wants.", "parameters": schema},
        }]
        body["tool_choice"] = "required"
    else:
        body["response_format"] = {
            "type": "json_schema", "json_schema": {"name": TOOL_NAME, "schema": schema},
        }
    return body


def answer_text(endpoint: ChatEndpoint, data: Any) -> str:
    """The JSON text of a chat-completions response (message content, or the tool call's arguments)."""
    try:
        choice = data["choices"][0]
        message = choice["message"]
    except (KeyError, IndexError, TypeError) as exc:
        raise LlmFailure("invalid_output", "no choices in the response") from exc
    if endpoint.mode == "tools":
        calls = message.get("tool_calls") or []
        if not calls:
            raise LlmFailure("invalid_output", "no tool call")
        arguments = calls[0].get("function", {}).get("arguments")
        text = json.dumps(arguments) if isinstance(arguments, dict) else arguments
    else:
        text = message.get("content")
    if not isinstance(text, str) or not text.strip():
        raise LlmFailure("invalid_output", "empty answer")
    if choice.get("finish_reason") == "length":
        raise LlmFailure("invalid_output", "answer cut at max_tokens")
    return text


class ChatClient:
    """Async client of one endpoint; one connection pool per process (close with `aclose`)."""

    def __init__(self, endpoint: ChatEndpoint) -> None:
        self.endpoint = endpoint
        headers = {"Authorization": f"Bearer {endpoint.api_key}"} if endpoint.api_key else {}
        # The caller bounds each call with its latency budget; this is only a backstop.
        self._http = httpx.AsyncClient(
            base_url=endpoint.base_url.rstrip("/"), headers=headers, timeout=BACKSTOP_TIMEOUT_S,
        )

    async def complete_json(self, messages: list[dict[str, str]], schema: dict[str, Any]) -> str:
        """The model's JSON answer as text; `LlmFailure` on any transport, HTTP or format problem."""
        body = request_body(self.endpoint, messages, schema)
        try:
            response = await self._http.post("/chat/completions", json=body)
        except httpx.TransportError as exc:
            raise LlmFailure("unreachable", type(exc).__name__) from exc
        if response.status_code != 200:
            raise LlmFailure(f"http_{response.status_code}", response.text[:200])
        try:
            data = response.json()
        except ValueError as exc:
            raise LlmFailure("invalid_output", "response is not JSON") from exc
        return answer_text(self.endpoint, data)

    async def aclose(self) -> None:
        await self._http.aclose()
