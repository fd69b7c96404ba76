"""The streamed voice loop over a real websocket: real app, Whisper, Piper, Postgres and Valkey."""

from __future__ import annotations

import json

import jiwer
from whisper_normalizer.english import EnglishTextNormalizer

from tests.voice.client import FIXTURES, load_pcm, silence

MANIFEST = {row["file"]: row for row in json.loads((FIXTURES / "manifest.json").read_text())}
_norm = EnglishTextNormalizer()


def wer(ref: str, hyp: str) -> float:
    return float(jiwer.wer(_norm(ref), _norm(hyp)))


METRIC_FIELDS = ("endpoint_ms", "asr_ms", "nlu_ms", "tts_first_byte_ms", "voice_to_voice_ms")


async def test_spoken_turn_end_to_end(connect, guest_token) -> None:
    name = "black_dresses_piper_16k.wav"
    client = await connect()
    ready = await client.hello(guest_token, in_rate=48000, out_rate=24000)
    assert ready["input"]["sample_rate"] == 48000 and ready["conversation_id"]
    pcm = load_pcm(name, 48000) + silence(1200, 48000)
    await client.stream(pcm, 48000)
    started = await client.wait_for("speech_started")
    final = await client.wait_for("transcript", final=True)
    assert final["turn_id"] == started["turn_id"]
    # measured 0.0 since the prompt holds only dialogue-context brands (none at the first turn; the
    # whole-catalog prompt heard "Show me" as "Xiaomi"); 0.17 still allows one wrong word in six
    assert wer(MANIFEST[name]["text"], final["text"]) <= 0.17, final["text"]
    reply = await client.wait_for("reply")
    assert reply["text"] and reply["intent"] == "search"
    await client.wait_for("audio_start", sample_rate=24000)
    end = await client.wait_for("audio_end", within=60)
    assert end["reason"] == "complete"
    metrics = await client.wait_for("metrics")
    for key in METRIC_FIELDS:
        assert isinstance(metrics[key], int | float), (key, metrics)
    audio = b"".join(i.data for i in client.log if i.kind == "binary")
    assert len(audio) % 2 == 0
    assert abs(len(audio) / 2 / 24000 * 1000 - end["duration_ms"]) < 50
    print("\nmetrics", {k: metrics[k] for k in (*METRIC_FIELDS, "asr_compute_ms", "speculative_hit")})
    # pacing: audio arrives at about real time, never much more than 200 ms ahead
    frames = [i for i in client.log if i.kind == "binary"]
    span = frames[-1].at - frames[0].at
    assert span * 1000 >= end["duration_ms"] - 400, (span, end["duration_ms"])
    kinds = client.kinds()
    assert (
        kinds.index("reply") < kinds.index("audio_start") < kinds.index("binary*") < kinds.index("audio_end")
    )
