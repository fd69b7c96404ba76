"""LLM understanding against a real OpenAI-compatible server (llama.cpp via xllamacpp, SmolLM2-135M).

One server per session on a loopback port. A 135M model understands little, so these tests check
the contract, not the model: valid answers become an `Understanding`, every failure (timeout, cut
or non-schema answer, HTTP error, no server) falls back to the rules with the reason recorded and
counted, and the latency budget holds.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import pytest
from prometheus_client import REGISTRY

from bench.llm_server import LocalLlmServer
from commerce.auth import create_guest
from commerce.models import SearchFilters
from tests.conversation.helpers import new_service
from tests.dialogue.conftest import catalog_vocabulary, make_engine
from voice_server.conversation.dialogue.llm_prompt import (
    DERIVED_SLOTS,
    build_messages,
    context_lines,
    system_prompt,
    understanding_schema,
)
from voice_server.conversation.dialogue.nlu import RuleBasedUnderstander
from voice_server.conversation.dialogue.state import (
    CartSummary,
    DialogueState,
    PendingConfirmation,
    ShownProduct,
)
from voice_server.conversation.dialogue.understanding import Intent, Slots, Understanding
from voice_server.conversation.llm_client import ChatClient, ChatEndpoint, LlmFailure, Mode
from voice_server.conversation.llm_understander import (
    Breaker,
    LlmUnderstander,
    build_understander,
    parse_understanding,
    tracking_answer,
)
from voice_server.platform.backends import Backends
from voice_server.platform.settings import Settings

SAID = "could you find me a navy wool sweater for women"


@pytest.fixture(scope="session")
def llm_url() -> Iterator[str]:
    with LocalLlmServer(threads=1) as base_url:
        yield base_url


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def understander(base_url: str, *, budget_ms: float = 60_000, mode: Mode = "json_schema",
                 max_tokens: int = 256) -> LlmUnderstander:
    endpoint = ChatEndpoint(base_url=base_url, mode=mode, max_tokens=max_tokens)
    return LlmUnderstander(ChatClient(endpoint), RuleBasedUnderstander(), budget_ms=budget_ms)


def fallbacks(reason: str) -> float:
    return REGISTRY.get_sample_value("shepherd_llm_fallbacks_total", {"reason": reason}) or 0.0


def state() -> DialogueState:
    return DialogueState(conversation_id="llm-test")


async def rules_answer(text: str) -> Understanding:
    return await RuleBasedUnderstander().understand(text, state(), catalog_vocabulary())


# ---------------------------------------------------------------- schema and prompt (no server)
def test_schema_is_the_understanding_model_with_catalog_enums() -> None:
    vocab = catalog_vocabulary()
    schema = understanding_schema(vocab)
    slots = schema["$defs"]["Slots"]["properties"]
    assert set(slots) == set(Slots.model_fields) - set(DERIVED_SLOTS)
    assert set(schema["properties"]) == set(Understanding.model_fields) - {"then"}  # one request per answer
    assert schema["$defs"]["Intent"]["enum"] == [i.value for i in Intent]
    assert slots["category"]["anyOf"][0]["enum"] == list(vocab.categories)
    assert slots["colour"]["anyOf"][0]["enum"] == list(vocab.colours)
    assert "enum" not in str(Understanding.model_json_schema()["$defs"]["Slots"]["properties"]["category"])


def test_prompt_keeps_the_fixed_part_first_and_the_context_compact() -> None:
    vocab = catalog_vocabulary()
    system = system_prompt(understanding_schema(vocab), vocab)
    for field in set(Slots.model_fields) - set(DERIVED_SLOTS):
        assert f"  {field}:" in system
    shown = [ShownProduct(id=n, name=f"Slim Jeans {n}", brand="Acme", price_cents=1999 + n, colour="blue",
                          category="jeans") for n in range(1, 9)]
    busy = DialogueState(
        conversation_id="c", shown=shown, filters=SearchFilters(category="jeans", price_max_cents=5000),
        pending=PendingConfirmation(kind="choose_size", product_id=1, options=["30", "32"]),
        cart=CartSummary(item_count=2, total_cents=4500), last_reply="Here are three jeans.",
    )
    lines = "\n".join(context_lines(busy))
    assert "1. Acme Slim Jeans 1 (blue, $20.00)" in lines and "Slim Jeans 7" not in lines
    assert "price_max_cents=5000" in lines and "choose_size options 30,32" in lines
    assert "Cart: 2 item(s), $45.00" in lines and "Here are three jeans." in lines
    messages = build_messages(system, SAID, busy)
    assert messages[0]["content"] == system and SAID not in system
    assert messages[1]["content"].startswith(lines) and SAID in messages[1]["content"]


def test_answers_that_are_not_an_understanding_of_this_catalog_are_invalid() -> None:
    enums = {"category": ["jeans"], "colour": ["blue"]}
    good = parse_understanding('{"intent": "search", "slots": {"category": "jeans"}, "confidence": 0.7}', enums)
    assert good.intent is Intent.search and good.slots.category == "jeans"
    for raw in ('{"intent": "search", "slots": {"category": "spacesuits"}, "confidence": 1}',
                '{"intent": "fly", "confidence": 1}', '{"intent": "search", "slots": {"colour": "', "sure!",
                '{"intent": "search", "slots": {"mood": "happy"}, "confidence": 1}'):
        with pytest.raises(LlmFailure) as failure:
            parse_understanding(raw, enums)
        assert failure.value.reason == "invalid_output"


def test_settings_turn_the_llm_on_only_when_an_endpoint_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    assert build_understander(Settings(_env_file=None), RuleBasedUnderstander()) is None  # type: ignore[call-arg]
    monkeypatch.setenv("SHEPHERD_LLM_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("SHEPHERD_LLM_MODE", "tools")
    monkeypatch.setenv("SHEPHERD_LLM_TIMEOUT_MS", "700")
    monkeypatch.setenv("SHEPHERD_LLM_API_KEY", "sk-test")
    built = build_understander(Settings(_env_file=None), RuleBasedUnderstander())  # type: ignore[call-arg]
    assert isinstance(built, LlmUnderstander)
    assert built.budget_s == 0.7 and built.client.endpoint.mode == "tools"
    assert built.client.endpoint.api_key == "sk-test"


# ---------------------------------------------------------------- failures without the model server
async def test_no_server_falls_back_to_the_rules_with_the_reason() -> None:
    llm = understander(closed_port_url())
    before = fallbacks("unreachable")
    with tracking_answer() as answered:
        result = await llm.understand(SAID, state(), catalog_vocabulary())
    await llm.aclose()
    assert result == await rules_answer(SAID)
    assert answered.understander == "rules" and answered.fallback_reason == "unreachable"
    assert fallbacks("unreachable") == before + 1


async def test_breaker_skips_a_failing_endpoint_for_the_cooldown() -> None:
    llm = understander(closed_port_url())
    llm.breaker = Breaker(threshold=2, cooldown_s=60.0)
    reasons = []
    for _ in range(3):
        with tracking_answer() as answered:
            await llm.understand(SAID, state(), catalog_vocabulary())
        reasons.append(answered.fallback_reason)
    await llm.aclose()
    assert reasons == ["unreachable", "unreachable", "circuit_open"]
    assert not llm.breaker.allows()


def test_breaker_counts_only_endpoint_failures() -> None:
    breaker = Breaker(threshold=2, cooldown_s=60.0)
    for reason in ("timeout", "invalid_output", "http_503", None, "unreachable", "http_404"):
        breaker.record(reason)
    assert breaker.allows()  # never two endpoint failures in a row
    breaker.record("unreachable")
    breaker.record("timeout")
    assert not breaker.allows()


async def test_engine_turn_records_who_answered() -> None:
    engine = make_engine()
    engine.understander = understander(closed_port_url())
    with tracking_answer() as answered:
        result = await engine.handle(state(), SAID)
    assert result.reply_text and answered.as_payload()["understander_fallback"] == "unreachable"


# ---------------------------------------------------------------- against the real server
@pytest.mark.llm
async def test_valid_answer_becomes_an_understanding(llm_url: str) -> None:
    llm = understander(llm_url)
    vocab = catalog_vocabulary()
    with tracking_answer() as answered:
        result = await llm.understand(SAID, state(), vocab)
    await llm.aclose()
    assert answered.understander == "llm", answered
    assert answered.fallback_reason is None and answered.llm_ms is not None and answered.llm_ms > 0
    assert isinstance(result, Understanding) and isinstance(result.intent, Intent)
    assert result.slots.category in (None, *vocab.categories)
    assert result.slots.colour in (None, *vocab.colours)


@pytest.mark.llm
async def test_timeout_falls_back_within_the_budget(llm_url: str) -> None:
    llm = understander(llm_url, budget_ms=150)
    before = fallbacks("timeout")
    started = time.perf_counter()
    with tracking_answer() as answered:
        result = await llm.understand(SAID, state(), catalog_vocabulary())
    elapsed = time.perf_counter() - started
    await llm.aclose()
    assert answered.fallback_reason == "timeout" and answered.understander == "rules"
    assert answered.llm_ms is not None and 150 <= answered.llm_ms < 1000  # slack for a busy 2-core box
    assert elapsed < 2.5  # budget + the rules, never the model's full answer (seconds here)
    assert result == await rules_answer(SAID)
    assert fallbacks("timeout") == before + 1


@pytest.mark.llm
async def test_cut_json_from_the_server_is_invalid_output(llm_url: str) -> None:
    llm = understander(llm_url, max_tokens=8)  # the server stops mid-object: not JSON
    with pytest.raises(LlmFailure) as failure:
        await llm.ask(SAID, state(), catalog_vocabulary())
    assert failure.value.reason == "invalid_output" and "max_tokens" in failure.value.detail
    before = fallbacks("invalid_output")
    with tracking_answer() as answered:
        result = await llm.understand(SAID, state(), catalog_vocabulary())
    await llm.aclose()
    assert answered.fallback_reason == "invalid_output" and result == await rules_answer(SAID)
    assert fallbacks("invalid_output") == before + 1


@pytest.mark.llm
async def test_tool_mode_without_a_tool_call_falls_back(llm_url: str) -> None:
    # SmolLM2's chat template has no tools: the server answers in prose, which is no tool call.
    llm = understander(llm_url, mode="tools", max_tokens=16)
    with pytest.raises(LlmFailure) as failure:
        await llm.ask(SAID, state(), catalog_vocabulary())
    await llm.aclose()
    assert failure.value.reason == "invalid_output" and failure.value.detail == "no tool call"


@pytest.mark.llm
async def test_http_error_falls_back_with_the_status(llm_url: str) -> None:
    llm = understander(llm_url.removesuffix("/v1") + "/no/such/api")
    with tracking_answer() as answered:
        await llm.understand(SAID, state(), catalog_vocabulary())
    await llm.aclose()
    assert answered.fallback_reason == "http_404"


@pytest.mark.llm
async def test_conversation_service_uses_the_llm_when_configured(
    llm_url: str, settings: Settings, backends: Backends,
) -> None:
    guest = (await create_guest(backends.pool)).id
    service = await new_service(settings.model_copy(update={"llm_base_url": llm_url, "llm_timeout_ms": 60_000}),
                                backends)
    cid = await service.open(guest, None)
    result = await service.handle_text(cid, guest, SAID)
    await service.engine.understander.aclose()  # type: ignore[attr-defined]
    assert result.payload["understander"] == "llm", result.payload
    assert result.payload["llm_ms"] > 0 and "understander_fallback" not in result.payload
    metrics = await backends.pool.fetchval(
        "SELECT metrics FROM turns WHERE conversation_id = $1::uuid AND turn_index = 1", cid)
    stored = json.loads(metrics) if isinstance(metrics, str) else metrics
    assert stored["understander"] == "llm" and stored["llm_ms"] > 0
