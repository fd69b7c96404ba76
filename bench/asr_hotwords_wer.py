"""Fixture WER of Whisper under three hotword policies: none, the whole catalog prompt, a short context.

Every speech fixture is replayed through Resampler -> Endpointer (as tests/audio/test_fixtures_asr.py
does) and transcribed with each prompt. "catalog" is the old behaviour (every brand, colour and size);
"context" is what `voice_server.conversation.asr_hints.dialogue_hotwords` gives after a search that showed
products of the three most common brands. Fixtures that carry their own hotwords keep them.

Run: .venv/bin/python -m bench.asr_hotwords_wer [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
from pathlib import Path

from audio.asr import BatchingTranscriber, WhisperEngine
from audio.models import resolve_whisper_model
from commerce.catalog.demo import demo_records
from commerce.models import SearchFilters
from tests.audio.fixture_replay import FixtureCase, corpus_wer, load_manifest, replay
from voice_server.conversation.asr_hints import dialogue_hotwords
from voice_server.conversation.dialogue.state import DialogueState, ShownProduct
from voice_server.conversation.dialogue.vocabulary import hotwords
from voice_server.conversation.vocabulary_loader import vocabulary_from_records


def catalog_prompts() -> tuple[str, str]:
    """(whole-catalog prompt, short context prompt) built from the demo catalog like the server does."""
    vocab = vocabulary_from_records(demo_records())
    top = list(vocab.brands[:3])
    state = DialogueState(
        conversation_id="bench",
        filters=SearchFilters(),
        shown=[ShownProduct(id=i, name=f"{b} item", brand=b, price_cents=1000, category="shirts")
               for i, b in enumerate(top)],
    )
    context = dialogue_hotwords(state)
    assert context is not None
    return hotwords(vocab), context


async def corpus(transcriber: BatchingTranscriber, cases: list[FixtureCase], prompt: str | None) -> dict:
    refs, hyps = [], []
    for case in cases:
        turns = replay(case.path)
        words = case.hotwords or prompt
        results = [await transcriber.transcribe(t.audio, hotwords=words) for t in turns]
        refs.append(case.text)
        hyps.append(" ".join(r.text for r in results if r.text))
    clean = [i for i, c in enumerate(cases) if c.noise == "none"]
    piper = [i for i in clean if cases[i].voice.startswith("piper")]
    return {
        "all": round(corpus_wer(refs, hyps), 4),
        "clean": round(corpus_wer([refs[i] for i in clean], [hyps[i] for i in clean]), 4),
        "piper_clean": round(corpus_wer([refs[i] for i in piper], [hyps[i] for i in piper]), 4),
    }


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    catalog, context = catalog_prompts()
    cases = [c for c in load_manifest() if c.text]
    with tempfile.TemporaryDirectory() as state_dir:
        transcriber = BatchingTranscriber(WhisperEngine(resolve_whisper_model(None, Path(state_dir))))
        out = {}
        for name, prompt in (("none", None), ("catalog", catalog), ("context", context)):
            out[name] = await corpus(transcriber, cases, prompt)
            if not args.json:
                print(f"{name:8s} WER {out[name]}", flush=True)
        await transcriber.close()
    out["prompts"] = {"catalog_chars": len(catalog), "context": context}
    print(json.dumps(out, indent=2) if args.json else f"context prompt: {context!r}")


if __name__ == "__main__":
    asyncio.run(main())
