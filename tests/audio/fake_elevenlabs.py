"""A local server speaking the ElevenLabs streaming TTS wire format, for tests with the real SDK.

POST /v1/text-to-speech/{voice_id}/stream?output_format=pcm_<rate>, header `xi-api-key`,
JSON body {"text", "model_id", ...} -> chunked raw pcm_s16le. Behaviour per request is taken
from `modes` (then "ok"): "ok", "500", "hang" (no headers for a long time), "close_mid_stream".
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import numpy as np
from aiohttp import web

API_KEY = "test-xi-key"
MS_PER_CHAR = 40


def speech_like_pcm(text: str, rate: int) -> bytes:
    """Deterministic stand-in audio: a harmonic 140 Hz tone, MS_PER_CHAR ms per character."""
    n = rate * MS_PER_CHAR * len(text) // 1000
    t = np.arange(n) / rate
    wave = sum(np.sin(2 * np.pi * 140 * k * t) / k for k in range(1, 5)) * 0.2
    return (wave * 32767).astype("<i2").tobytes()


@dataclass
class FakeElevenLabs:
    """Records requests; `modes` says how to answer the next ones."""

    modes: list[str] = field(default_factory=list)
    requests: list[dict[str, object]] = field(default_factory=list)
    chunk_bytes: int = 3201  # odd on purpose: the client must re-align samples
    hang_s: float = 30.0

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v1/text-to-speech/{voice_id}/stream", self.stream)
        return app

    async def stream(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("xi-api-key") != API_KEY:
            return web.json_response({"detail": {"status": "invalid_api_key"}}, status=401)
        body = await request.json()
        output_format = request.query.get("output_format", "mp3_44100_128")
        self.requests.append(
            {
                "voice_id": request.match_info["voice_id"],
                "text": body["text"],
                "model_id": body.get("model_id"),
                "output_format": output_format,
            }
        )
        mode = self.modes.pop(0) if self.modes else "ok"
        if mode == "500":
            return web.json_response({"detail": {"status": "internal_error"}}, status=500)
        if mode == "hang":
            await asyncio.sleep(self.hang_s)
        if not output_format.startswith("pcm_"):
            return web.json_response({"detail": "only pcm in the fake"}, status=422)
        pcm = speech_like_pcm(body["text"], int(output_format.split("_")[1]))
        response = web.StreamResponse(headers={"Content-Type": "audio/pcm"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        for offset in range(0, len(pcm), self.chunk_bytes):
            await response.write(pcm[offset : offset + self.chunk_bytes])
            await asyncio.sleep(0.005)
            if mode == "close_mid_stream" and offset > len(pcm) // 3:
                assert request.transport is not None
                request.transport.close()
                return response
        await response.write_eof()
        return response


async def start(fake: FakeElevenLabs) -> tuple[web.AppRunner, str]:
    """Serve `fake` on a free localhost port; returns the runner and the base URL."""
    runner = web.AppRunner(fake.app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return runner, f"http://127.0.0.1:{port}"
