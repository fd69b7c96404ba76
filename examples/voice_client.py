"""Reference voice client for app developers (mobile-style), built on `voice_server.tools.voice_client`.

    python examples/voice_client.py --url ws://127.0.0.1:8080/ws/voice --wav question.wav --save replies/
    python examples/voice_client.py --mic            # needs `pip install style-shepherd[mic]`

What it shows:
- authentication: a guest token from POST /api/auth/guest (or --token);
- streaming 20 ms frames from a WAV file (paced at real time) or the microphone;
- playing replies through the speaker (sounddevice) or saving them as WAV files;
- barge-in: on `interruption` the queued audio of that turn is dropped at once;
- playback acks: the client tells the server how much of each reply was actually played;
- surviving a dropped connection: VoiceClient resumes with the resume token (backoff).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from audio.pcm import pcm16_to_float32, write_wav
from voice_server.tools.client_turns import TurnEvents
from voice_server.tools.voice_client import VoiceClient

FRAME_MS = 20


def _sounddevice() -> Any:
    """Import sounddevice lazily: it is optional (the `mic` extra)."""
    try:
        import sounddevice
    except (ImportError, OSError) as exc:
        raise SystemExit(f"sounddevice is not available ({exc}); install style-shepherd[mic]") from exc
    return sounddevice


class Speaker:
    """Plays reply audio; `flush()` drops everything queued (barge-in)."""

    def __init__(self, sample_rate: int) -> None:
        sd = _sounddevice()
        self.sample_rate = sample_rate
        self.queue: asyncio.Queue[np.ndarray] = asyncio.Queue()
        self.stream = sd.OutputStream(samplerate=sample_rate, channels=1, dtype="float32")
        self.stream.start()
        self.played_ms = 0.0

    def push(self, pcm: bytes) -> None:
        self.queue.put_nowait(pcm16_to_float32(pcm))

    def flush(self) -> None:
        while not self.queue.empty():
            self.queue.get_nowait()

    async def run(self) -> None:
        while True:
            chunk = await self.queue.get()
            await asyncio.to_thread(self.stream.write, chunk)
            self.played_ms += len(chunk) / self.sample_rate * 1000.0


async def report_turns(client: VoiceClient, save_dir: Path | None) -> None:
    """Print each finished turn and save its (uninterrupted part of the) reply audio."""
    async for turn in client.turns():
        show(turn)
        if save_dir is not None and turn.audio and turn.sample_rate:
            write_wav(save_dir / f"turn-{turn.connection}-{turn.turn_id}.wav", bytes(turn.audio), turn.sample_rate)


def wire_speaker(client: VoiceClient, speaker: Speaker) -> None:
    """Stream reply audio to the speaker as it arrives; barge-in flushes what is queued."""
    client.on_audio = lambda _turn, frame: speaker.push(frame)

    def on_event(message: dict[str, Any]) -> None:
        if message.get("type") == "interruption":
            speaker.flush()  # never play stale audio after the shopper spoke
        elif message.get("type") == "audio_end":
            played = speaker.played_ms
            asyncio.get_running_loop().create_task(client.ack_playback(message["turn_id"], played))

    client.on_event = on_event


def show(turn: TurnEvents) -> None:
    if turn.transcript is not None:
        print(f"you      > {turn.transcript}")
    if turn.reply_text:
        print(f"shepherd > {turn.reply_text}")
        for n, product in enumerate((turn.reply or {}).get("products", []), 1):
            price = product.get("price_cents", 0) / 100
            print(f"   {n}. {product.get('brand')} {product.get('name')} ${price:.2f}")
    if turn.interruption is not None:
        print("   (interrupted: queued audio dropped)")
    if turn.metrics and turn.metrics.get("voice_to_voice_ms") is not None:
        print(f"   voice-to-voice {turn.metrics['voice_to_voice_ms']:.0f} ms")


async def stream_wav(client: VoiceClient, path: Path) -> None:
    await client.send_file(path, realtime=True)
    await client.end_of_speech()


async def stream_mic(client: VoiceClient) -> None:
    """Capture the microphone in 20 ms blocks and send them as they come (Ctrl-C to stop)."""
    sd = _sounddevice()
    loop = asyncio.get_running_loop()
    frames: asyncio.Queue[bytes] = asyncio.Queue(maxsize=100)  # bounded: drop if the network stalls

    def on_audio(data: Any, _frames: int, _time: Any, _status: Any) -> None:
        block = bytes(data)
        loop.call_soon_threadsafe(lambda: frames.full() or frames.put_nowait(block))

    blocksize = client.input_rate * FRAME_MS // 1000
    with sd.RawInputStream(samplerate=client.input_rate, channels=1, dtype="int16",
                           blocksize=blocksize, callback=on_audio):
        print("listening... (Ctrl-C to stop)")
        while True:
            await client.send_pcm(await frames.get())


async def wait_for_answer(client: VoiceClient, quiet_s: float = 2.0) -> None:
    """Let one question's answer finish before saying the next (polls the client's turn state)."""
    while True:
        if not client.turn_in_progress() and client.idle_for() >= quiet_s:
            return
        await asyncio.sleep(0.2)


async def main(args: argparse.Namespace) -> None:
    speaker = Speaker(args.output_rate) if args.play else None
    async with VoiceClient(args.url, args.token, input_rate=args.input_rate, output_rate=args.output_rate,
                           client_name="example-voice-client", playback_acks=speaker is not None) as client:
        print(f"conversation {client.conversation_id}")
        if speaker is not None:
            wire_speaker(client, speaker)
        player = asyncio.create_task(report_turns(client, args.save))
        speaker_task = asyncio.create_task(speaker.run()) if speaker else None
        try:
            if args.mic:
                await stream_mic(client)
            for path in args.wav:
                await stream_wav(client, path)
                await wait_for_answer(client)
            await asyncio.sleep(args.linger)
        finally:
            for task in (player, speaker_task):
                if task is not None:
                    task.cancel()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default="ws://127.0.0.1:8080/ws/voice")
    parser.add_argument("--token", default=None, help="access token (default: a new guest)")
    parser.add_argument("--wav", type=Path, action="append", default=[],
                        help="audio file to say (repeatable)")
    parser.add_argument("--mic", action="store_true", help="talk through the microphone")
    parser.add_argument("--play", action="store_true", help="play replies through the speaker")
    parser.add_argument("--save", type=Path, default=None, help="save reply audio into this folder")
    parser.add_argument("--input-rate", type=int, default=16000)
    parser.add_argument("--output-rate", type=int, default=24000)
    parser.add_argument("--linger", type=float, default=1.0, help="seconds to wait for late replies")
    args = parser.parse_args()
    if not args.wav and not args.mic:
        parser.error("give --wav FILE or --mic")
    return args


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main(parse_args()))
