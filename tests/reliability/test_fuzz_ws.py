"""Hostile input on /ws/voice, over a real socket to the live server (docs/protocol.md).

Every frame a client can send — generated from the protocol models (valid ones, mutated ones,
wrong types, unknown types, missing fields), malformed or deeply nested JSON, NaN/Infinity, unicode
edge cases, binary before the handshake, odd-length PCM, frames over the size limit, floods — gets
a typed `error` or a documented close code; never a crash (1011, `internal`, `turn_failed`), never a
hang (a `ping` sent afterwards is answered), and a bystander session doing normal turns meanwhile
is unaffected. Memory stays bounded after floods.
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import psutil
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from tests.reliability.conftest import LiveServer, OpenVoice, Shopper
from tests.voice.client import VoiceClient, load_pcm, silence
from voice_server.voice import protocol as p
from voice_server.voice.protocol.parse import KNOWN_CLIENT_TYPES
from voice_server.voice.websocket import registry_of

# close codes a hostile client may legitimately cause (docs/protocol.md "Close codes")
CLIENT_CAUSED_CLOSES = {1000, 1009, 4400, 4401, 4408, 4409, 4429}
CRASH_CODES = {p.ErrorCode.INTERNAL.value, p.ErrorCode.TURN_FAILED.value}
ANSWER_TIMEOUT_S = 120.0  # generous: a loaded 2-core machine running Whisper and Piper
FUZZ = settings(max_examples=60, derandomize=True, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))

# one valid sample of every client message type (a new type fails test_every_client_type_is_fuzzed)
VALID: dict[str, dict[str, Any]] = {
    "hello": {"type": "hello", "token": "t", "input": {"sample_rate": 16000}, "output": {"sample_rate": 16000}},
    "text": {"type": "text", "text": "show me black jeans"},
    "cancel": {"type": "cancel", "turn_id": 1},
    "playback": {"type": "playback", "turn_id": 1, "played_ms": 120.5},
    "end_of_speech": {"type": "end_of_speech"},
    "ping": {"type": "ping", "id": "p"},
    "bye": {"type": "bye"},
}

UNICODE_EDGES = [
    "\u202eslevart\u202c dresses", "\u200b\u200c\u200d", "e\u0301\u0301\u0301", "👗🧥👟" * 20, "\ufeffjeans",
    "שמלה שחורה", "ﷺ" * 50, "\U0010ffff", "a\u0000b", "\r\n\t", "x" * 2000, "x" * 2001, " ",
    "$(touch /tmp/pwned-fuzz-ws)", "`id`; rm -rf / #", "'; DROP TABLE products;--", "%s%n%x{0}",
]
texts = st.one_of(st.text(max_size=40), st.sampled_from(UNICODE_EDGES))
scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70),
                    st.floats(allow_nan=True, allow_infinity=True), texts)
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=6)

Frame = tuple[str, str | bytes]  # ("text", str) or ("binary", bytes)


def encode(obj: Any) -> str:
    """JSON as a careless client writes it (NaN and Infinity literals allowed)."""
    return json.dumps(obj, allow_nan=True)


@st.composite
def model_frames(draw: st.DrawFn) -> Frame:
    """A valid message of some type, possibly mutated: wrong value, dropped or extra field, retyped."""
    kind = draw(st.sampled_from(sorted(VALID)))
    msg = dict(VALID[kind])
    if kind == "text":
        msg["text"] = draw(texts)
    fields = sorted(msg)
    match draw(st.sampled_from(["valid", "wrong_value", "drop", "extra", "retype"])):
        case "wrong_value":
            msg[draw(st.sampled_from(fields))] = draw(json_values)
        case "drop":
            msg.pop(draw(st.sampled_from(fields)))
        case "extra":
            msg[draw(st.text(min_size=1, max_size=8))] = draw(json_values)
        case "retype":
            msg["type"] = draw(st.one_of(st.text(max_size=12), st.sampled_from(sorted(KNOWN_CLIENT_TYPES))))
    return "text", encode(msg)


RAW_TEXT = [
    '{"type":"playback","turn_id":1,"played_ms":NaN}', '{"type":"playback","turn_id":1,"played_ms":Infinity}',
    '{"type":"playback","turn_id":1,"played_ms":-Infinity}', '{"type":"cancel","turn_id":1e400}',
    '{"type":"text","text":"a\\ud800b"}', '{"type":"text","text":"\\udfff"}', '{"type":"ping","id":"\\u0000"}',
    '{"type":"ping","id":' + "9" * 5000 + "}", '{"type":"text","text":"x","type":"bye"}', "null", "[]",
    '"hello"', "{}", '{"type":null}', '{"type":["text"]}', '{"type":"text","text":' + '"x"' + "}" * 3,
]


def nested(depth: int, opener: str) -> str:
    return opener * depth


raw_frames = st.one_of(
    st.text(max_size=120).map(lambda s: ("text", s)),
    json_values.map(lambda v: ("text", encode(v))),
    st.sampled_from(RAW_TEXT).map(lambda s: ("text", s)),
    # nested up to 1 MB (under the frame limit: over it is test_frames_over_the_limit_close_1009)
    st.tuples(st.integers(1_000, 200_000), st.sampled_from(["[", '{"a":'])).map(lambda a: ("text", nested(*a))),
    st.binary(max_size=64).map(lambda b: ("binary", b)),
    st.integers(0, 4000).map(lambda n: ("binary", b"\x01" * n)),
)
frames = st.lists(st.one_of(model_frames(), raw_frames), min_size=1, max_size=5)


@dataclass
class Outcome:
    messages: list[dict[str, Any]] = field(default_factory=list)
    close_code: int | None = None
    answered: bool = False
    ready: bool = False

    def errors(self) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["type"] == "error"]

    def describe(self) -> str:
        kinds = [m["type"] if m["type"] != "error" else f"error:{m['code']}" for m in self.messages]
        return f"close={self.close_code} answered={self.answered} {kinds}"


_ids = itertools.count(1)


async def _send_all(ws: aiohttp.ClientWebSocketResponse, steps: list[Frame]) -> None:
    for kind, data in steps:
        if ws.closed:
            return
        try:
            await (ws.send_str(data) if kind == "text" else ws.send_bytes(data))  # type: ignore[arg-type]
        except (ConnectionError, aiohttp.ClientError):
            return


async def _read_until(ws: aiohttp.ClientWebSocketResponse, out: Outcome, kind: str,
                      msg_id: str | None = None) -> bool:
    """Collect typed server messages until one of `kind` (True) or the close (False)."""
    deadline = time.monotonic() + ANSWER_TIMEOUT_S
    while True:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"hung: no {kind} and no close within {ANSWER_TIMEOUT_S}s: {out.describe()}"
        msg = await ws.receive(timeout=remaining)
        if msg.type == aiohttp.WSMsgType.BINARY:
            continue
        if msg.type != aiohttp.WSMsgType.TEXT:  # CLOSE / CLOSED / ERROR
            return False
        data = json.loads(msg.data)
        try:
            p.SERVER_MESSAGE.validate_python(data)
        except ValidationError as exc:
            raise AssertionError(f"untyped server message {data}: {exc}") from exc
        out.messages.append(data)
        if data["type"] == kind and (msg_id is None or data.get("id") == msg_id):
            return True


async def exchange(live: LiveServer, before: list[Frame], hello: dict[str, Any] | None,
                   after: list[Frame]) -> Outcome:
    """Send `before` and `hello`; after `ready`, `after` and a ping; read until its pong or the close."""
    out = Outcome()
    sentinel = f"sentinel-{next(_ids)}"
    ws = await live.client.ws_connect("/ws/voice", max_msg_size=0)
    try:
        await _send_all(ws, [*before, *((("text", encode(hello)),) if hello else ())])
        if hello is not None and not ws.closed:
            out.ready = await _read_until(ws, out, "ready")
        if not ws.closed and (out.ready or hello is None):
            await _send_all(ws, [*after, ("text", encode({"type": "ping", "id": sentinel}))])
            out.answered = await _read_until(ws, out, "pong", sentinel)
    finally:
        await ws.close()
    out.close_code = None if out.answered else ws.close_code
    return out


def check_outcome(out: Outcome) -> None:
    """A typed answer or a documented close, never a crash."""
    codes = {e["code"] for e in out.errors()}
    assert codes <= {c.value for c in p.ErrorCode}, out.describe()
    assert not codes & CRASH_CODES, out.describe()
    if out.answered:
        return
    assert out.close_code in CLIENT_CAUSED_CLOSES, out.describe()
    if out.close_code not in (1000, 1009):  # fatal typed error first, naming the close code
        fatal = [e for e in out.errors() if e["fatal"]]
        assert fatal and fatal[-1]["close_code"] == out.close_code, out.describe()


# -------------------------------------------------------------------- the bystander


@dataclass
class Bystander:
    """A shopper doing normal typed turns on its own session while others misbehave."""

    client: VoiceClient
    completed: list[int] = field(default_factory=list)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None

    async def run(self) -> None:
        turn = 0
        while not self.stop.is_set():
            turn += 1
            await self.client.send(type="text", text="show me black jeans")
            end = await self.client.wait_for("audio_end", within=ANSWER_TIMEOUT_S, turn_id=turn)
            assert end["reason"] == "complete", end
            await self.client.wait_for("metrics", within=ANSWER_TIMEOUT_S, turn_id=turn)
            self.completed.append(turn)

    async def finish(self) -> None:
        if self.stop.is_set():
            return
        self.stop.set()
        assert self.task is not None
        await asyncio.wait_for(self.task, ANSWER_TIMEOUT_S * 2)
        errors = self.client.messages("error")
        assert errors == [], errors
        assert self.completed, "the bystander completed no turn"
        assert not self.client.ws.closed


@pytest.fixture
async def bystander(voice: OpenVoice, other_shopper: Shopper) -> AsyncIterator[Bystander]:
    client = await voice()
    await client.hello(other_shopper.token)
    by = Bystander(client)
    by.task = asyncio.create_task(by.run())
    yield by
    if not by.stop.is_set():  # the test did not check it: check it now
        await by.finish()


async def sessions_settle(live: LiveServer, expected: int) -> None:
    registry = registry_of(live.state)
    for _ in range(300):
        if len(registry) <= expected:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{len(registry)} sessions still open, expected {expected}")


# -------------------------------------------------------------------- tests


def test_every_client_type_is_fuzzed() -> None:
    assert set(VALID) == set(KNOWN_CLIENT_TYPES)
    for sample in VALID.values():
        assert not isinstance(p.parse_client_message(json.dumps(sample)), p.ProtocolError), sample


@pytest.mark.parametrize("frame", ["[" * 100_000, '{"a":' * 100_000, "[" * 2_000 + "]" * 2_000])
def test_deeply_nested_json_is_a_typed_error(frame: str) -> None:
    parsed = p.parse_client_message(frame)
    assert isinstance(parsed, p.ProtocolError) and not parsed.fatal


@pytest.mark.slow
@FUZZ
@given(after=frames)
async def test_fuzzed_frames_after_handshake(live: LiveServer, shopper: Shopper, bystander: Bystander,
                                             after: list[Frame]) -> None:
    hello = {**VALID["hello"], "token": shopper.token}
    out = await exchange(live, [], hello, after)
    assert out.ready, out.describe()
    check_outcome(out)


@st.composite
def hellos(draw: st.DrawFn, token: str) -> dict[str, Any]:
    hello: dict[str, Any] = {"type": "hello", "token": token,
                             "input": {"sample_rate": draw(st.sampled_from(p.SUPPORTED_SAMPLE_RATES))},
                             "output": {"sample_rate": draw(st.sampled_from(p.SUPPORTED_SAMPLE_RATES))}}
    where = draw(st.sampled_from(["none", "token", "resume_token", "version", "input", "output", "client",
                                  "playback_acks", "extra"]))
    value = draw(st.one_of(json_values, st.integers(0, 200_000), st.text(max_size=4100)))
    if where in ("input", "output"):
        hello[where][draw(st.sampled_from(["sample_rate", "encoding", "channels", "bogus"]))] = value
    elif where == "extra":
        hello["x-extra"] = value
    elif where != "none":
        hello[where] = value
    return hello


@pytest.mark.slow
@FUZZ
@given(data=st.data(), before=st.lists(raw_frames, max_size=3))
async def test_fuzzed_handshakes(live: LiveServer, shopper: Shopper, data: st.DataObject,
                                 before: list[Frame]) -> None:
    hello = data.draw(hellos(shopper.token))
    out = await exchange(live, before, hello, [])
    check_outcome(out)
    if out.answered:
        assert out.ready, out.describe()
    assert all(error["fatal"] for error in out.errors()), out.describe()  # before ready every error is fatal
    if before:  # anything but hello first: closed at once with 4400, the hello behind it is never read
        assert not out.ready, out.describe()
        first = out.errors()[0]
        if first["code"] != "unauthorized":  # (a generated frame that happens to be a token-less hello: 4401)
            assert out.close_code == 4400, out.describe()
            assert first["code"] in {"bad_json", "unknown_type", "invalid_message", "message_before_hello",
                                     "audio_before_hello"}, out.describe()


async def test_frames_over_the_limit_close_1009(live: LiveServer, shopper: Shopper, voice: OpenVoice) -> None:
    limit = live.settings.max_message_bytes
    before_hello = await exchange(live, [("text", "x" * (limit + 1))], None, [])
    assert before_hello.close_code == 1009 and not before_hello.ready
    hello = {**VALID["hello"], "token": shopper.token}
    text = await exchange(live, [], hello, [("text", encode({"type": "text", "text": "y" * limit}))])
    assert text.ready and text.close_code == 1009, text.describe()
    # exactly at the limit is still accepted (typed error: text too long), the session stays open
    at_limit = encode({"type": "ping", "id": ""})
    at_limit = at_limit[:-2] + "z" * (limit - len(at_limit)) + '"}'
    fits = await exchange(live, [], hello, [("text", at_limit)])
    assert fits.answered and not fits.errors(), fits.describe()


@pytest.mark.slow
async def test_unicode_edge_text_turns(shopper: Shopper, voice: OpenVoice) -> None:
    """Each edge case as a typed turn, one after the other: a reply, or `invalid_message` for text the
    protocol refuses (too long, NUL); never `turn_failed`."""
    client = await voice()
    await client.hello(shopper.token)
    turn = 0
    for case in [*UNICODE_EDGES, "black jeans \x00 size M", "👗" * 2000]:
        frame = json.dumps({"type": "text", "text": case})
        await client.ws.send_str(frame)
        if isinstance(p.parse_client_message(frame), p.ProtocolError):
            await client.send(type="ping", id=f"after-{turn}-{len(case)}")
            await client.wait_for("pong", id=f"after-{turn}-{len(case)}", within=ANSWER_TIMEOUT_S)
            continue
        turn += 1  # its reply proves the dialogue took it; the next text interrupts the speech
        await client.wait_for("reply", turn_id=turn, within=ANSWER_TIMEOUT_S)
        assert not [e for e in client.messages("error") if e.get("turn_id") == turn], (case, client.kinds())
    end = await client.wait_for("audio_end", turn_id=turn, within=ANSWER_TIMEOUT_S)
    assert end["reason"] == "complete", end
    codes = {e["code"] for e in client.messages("error")}
    assert codes <= {"invalid_message"}, client.messages("error")


async def test_second_hello_closes_4409(live: LiveServer, shopper: Shopper) -> None:
    hello = {**VALID["hello"], "token": shopper.token}
    out = await exchange(live, [], hello, [("text", encode(hello))])
    assert out.ready and out.close_code == 4409, out.describe()
    assert [(e["code"], e["fatal"], e["close_code"]) for e in out.errors()] == [("duplicate_hello", True, 4409)]


async def test_declared_rate_differs_from_the_audio(live: LiveServer, shopper: Shopper,
                                                    voice: OpenVoice) -> None:
    """Declared 48 kHz, sent speech recorded at 8 kHz (six times too fast): no crash, session alive."""
    client = await voice()
    await client.hello(shopper.token, in_rate=48000, out_rate=24000)
    speech = load_pcm("order_status_piper_8k.wav", 8000)
    await client.stream(speech + silence(300, 8000), 48000, realtime=False)
    await client.stream(silence(1500, 48000), 48000, realtime=False)
    await client.send(type="end_of_speech")
    await client.send(type="ping", id="after")
    await client.wait_for("pong", id="after", within=ANSWER_TIMEOUT_S)
    for started in client.messages("speech_started"):  # any turn it opened ends, typed
        await client.wait_for("transcript", final=True, turn_id=started["turn_id"], within=ANSWER_TIMEOUT_S)
    assert not {e["code"] for e in client.messages("error")} & CRASH_CODES
    assert not client.ws.closed


async def test_text_turns_never_reach_a_shell(shopper: Shopper, voice: OpenVoice, tmp_path: Path) -> None:
    marker = tmp_path / "pwned-ws"
    client = await voice()
    await client.hello(shopper.token)
    payloads = [f"show me $(touch {marker}) jeans", f"black dress; touch {marker}; rm -rf {tmp_path}",
                f"`touch {marker}` | sh"]
    for turn, text in enumerate(payloads, start=1):
        await client.send(type="text", text=text)
        assert (await client.wait_for("transcript", turn_id=turn, within=ANSWER_TIMEOUT_S))["text"] == text
        await client.wait_for("reply", turn_id=turn, within=ANSWER_TIMEOUT_S)
    await client.wait_for("audio_end", turn_id=len(payloads), within=ANSWER_TIMEOUT_S)  # spoken too
    assert not exists(marker) and exists(tmp_path)


def exists(path: Path) -> bool:
    return path.exists()


def rss_mb() -> float:
    gc.collect()
    return psutil.Process().memory_info().rss / 2**20


@pytest.mark.slow
async def test_floods_keep_memory_bounded_and_others_unaffected(live: LiveServer, shopper: Shopper,
                                                                voice: OpenVoice, bystander: Bystander,
                                                                record_property: Any) -> None:
    """Ping, invalid-message, audio and text floods: typed answers, bounded memory, bystander fine."""
    hello = {**VALID["hello"], "token": shopper.token}
    await exchange(live, [], hello, [("text", '{"type":"ping"}')] * 50)  # warm-up before the baseline
    open_sessions = len(registry_of(live.state))  # the bystander (and whatever else is open)
    baseline = rss_mb()

    for _ in range(3):
        pings = await exchange(live, [], hello, [("text", encode({"type": "ping", "id": i})) for i in range(2000)])
        assert pings.answered and len([m for m in pings.messages if m["type"] == "pong"]) == 2001

        invalid = await exchange(live, [], hello, [("text", "{nope")] * 500)
        assert invalid.close_code == 4409, invalid.describe()
        assert [e["fatal"] for e in invalid.errors()].count(True) == 1 and len(invalid.errors()) == 20

        audio = [("binary", silence(20, 16000))] * 3000 + [("binary", b"\x00")] * 200  # 60 s + odd frames
        flooded = await exchange(live, [], hello, audio)
        assert flooded.answered, flooded.describe()
        assert {e["code"] for e in flooded.errors()} == {"bad_frame"}

        texts_ = [("text", encode({"type": "text", "text": f"show me jeans size {i}"})) for i in range(150)]
        chatty = await exchange(live, [], hello, texts_)
        check_outcome(chatty)
        assert chatty.answered, chatty.describe()

    await bystander.finish()
    await sessions_settle(live, expected=open_sessions)  # every flooding session was freed
    grown = rss_mb() - baseline
    record_property("rss_growth_mib", round(grown, 1))
    record_property("bystander_turns", len(bystander.completed))
    assert grown < 400, f"resident memory grew {grown:.0f} MiB over three rounds of floods"
