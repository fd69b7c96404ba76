"""ElevenLabs streaming TTS through the official SDK's async client (raw PCM output)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
from elevenlabs import AsyncElevenLabs
from elevenlabs.core.api_error import ApiError

from audio.tts.base import TtsError

ELEVENLABS_PCM_RATES = frozenset({8000, 16000, 22050, 24000, 44100, 48000})


class ElevenLabsTts:
    """`text_to_speech.stream(..., output_format="pcm_<rate>")`, yielding whole 16-bit samples."""

    name = "elevenlabs"

    def __init__(
        self,
        api_key: str,
        voice_id: str,
        model_id: str = "eleven_flash_v2_5",
        base_url: str | None = None,
        sample_rate: int = 16000,
        timeout_s: float = 20.0,
    ) -> None:
        if sample_rate not in ELEVENLABS_PCM_RATES:
            raise ValueError(f"ElevenLabs has no pcm_{sample_rate} output")
        self.voice_id = voice_id
        self.model_id = model_id
        self.sample_rate = sample_rate
        self._client = AsyncElevenLabs(api_key=api_key, base_url=base_url, timeout=timeout_s)

    def close(self) -> None:
        """Nothing held between requests needs a synchronous release (the SDK's HTTP client is pooled)."""

    async def stream(self, text: str) -> AsyncIterator[bytes]:
        """Yield PCM as it arrives; raise TtsError("http_<status>" | "network") on failure."""
        leftover = b""
        try:
            async for chunk in self._client.text_to_speech.stream(
                voice_id=self.voice_id,
                text=text,
                model_id=self.model_id,
                output_format=f"pcm_{self.sample_rate}",
                request_options={"max_retries": 0},
            ):
                data = leftover + chunk
                cut = len(data) - len(data) % 2
                leftover = data[cut:]
                if cut:
                    yield data[:cut]
        except ApiError as exc:
            raise TtsError(f"http_{exc.status_code}", str(exc.body)[:200]) from exc
        except httpx.HTTPError as exc:
            raise TtsError("network", repr(exc)) from exc
