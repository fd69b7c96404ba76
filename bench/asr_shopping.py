"""Shopping speech: WER, catalog-word recall and ASR time of plain faster-whisper vs our decoding paths.

    PYTHONPATH=$PWD .venv/bin/python -m bench.asr_shopping [--quick | --step N] [--paths a,b] [--out FILE]
    PYTHONPATH=$PWD .venv/bin/python -m bench.asr_shopping --recorrect   # only the corrector changed

Fixtures: `fixtures/audio/shopping/manifest.json` (48 requests x 2 of 9 voice/speed/noise
conditions). Every path gets the same Whisper base model, CPU int8, `--threads` threads (2 = the
target machine). Paths:

* `faster_whisper` — plain `WhisperModel.transcribe` of the whole file, its defaults (beam 5,
  30 s window, temperature fallback);
* `current` — the server's decode before this work: each turn the endpointer cut, greedy, 12 s window,
  no prompt (the first turn of a conversation);
* `prompt` — `current` + the catalog prompt (`voice_server.conversation.asr_hints.catalog_prompt`);
* `prompt_corrected` — `prompt` + the phonetic mapper (`voice_server.conversation.asr_correction`);
* `beam_prompt_corrected` — the same with beam search (`--beam`, default 5);
* `nbest_prompt` — beam search keeping `--beam` hypotheses, each corrected, rescored against the
  catalog (`voice_server.conversation.asr_correction.pick_hypothesis`).

Reports corpus WER (Whisper's English normaliser, jiwer), catalog-word recall (share of the catalog
words in the references that the hypothesis contains) and ASR ms per utterance (p50/p95), overall
per condition and per group (clean / noisy; even / odd fixture ids: rules were tuned on the even ids,
the odd ones are held out); writes JSON to bench/results/asr_shopping.json.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from audio.asr import WhisperEngine
from audio.models import resolve_whisper_model
from audio.pcm import decode_file
from commerce.catalog.demo import demo_records
from tests.audio.fixture_replay import FIXTURES, FixtureCase, corpus_wer, normalise, replay
from voice_server.conversation.asr_correction import (
    CorrectionLexicon,
    correct_transcript,
    pick_hypothesis,
)
from voice_server.conversation.asr_hints import catalog_prompt, default_correction_lexicon
from voice_server.conversation.vocabulary_loader import vocabulary_from_records

MANIFEST = FIXTURES / "shopping" / "manifest.json"
RESULTS = Path(__file__).resolve().parent / "results" / "asr_shopping.json"
PATHS = ("faster_whisper", "current", "prompt", "prompt_corrected", "beam_prompt_corrected", "nbest_prompt")


def load_cases(step: int = 1) -> list[FixtureCase]:
    rows = json.loads(MANIFEST.read_text())
    return [FixtureCase(**row) for row in rows][::step]


def condition(case: FixtureCase) -> str:
    """'shopping/s03_piper_pink5.flac' -> 'piper_pink5'."""
    return Path(case.file).stem.split("_", 1)[1]


def half(case_file: str) -> str:
    """'shopping/s03_piper_pink5.flac' -> 'odd': fixture id parity; even ids tuned on, odd held out."""
    return "even" if int(Path(case_file).stem.split("_", 1)[0].removeprefix("s")) % 2 == 0 else "odd"


def catalog_recall(references: Sequence[str], hypotheses: Sequence[str], lexicon: CorrectionLexicon) -> float:
    """Share of catalog words (after normalisation) in the references that the hypotheses contain."""
    terms = {normalise(t) for t in lexicon.terms} - {""}
    found = total = 0
    for ref, hyp in zip(references, hypotheses, strict=True):
        wanted = Counter(w for w in normalise(ref).split() if w in terms)
        heard = Counter(normalise(hyp).split())
        total += sum(wanted.values())
        found += sum(min(n, heard[w]) for w, n in wanted.items())
    return found / total if total else 1.0


@dataclass
class Decoded:
    text: str
    ms: float
    raw: list[list[tuple[str, float]]] | None = None
    """Per endpointed turn, the decoder's hypotheses (text, avg_logprob) before any correction."""


def summarise(cases: list[FixtureCase], out: list[Decoded], lexicon: CorrectionLexicon) -> dict[str, object]:
    refs, hyps = [c.text for c in cases], [d.text for d in out]
    ms = np.array([d.ms for d in out])
    by_condition: dict[str, dict[str, float]] = {}
    for name in sorted({condition(c) for c in cases}):
        idx = [i for i, c in enumerate(cases) if condition(c) == name]
        by_condition[name] = {
            "n": len(idx),
            "wer": round(corpus_wer([refs[i] for i in idx], [hyps[i] for i in idx]), 4),
            "catalog_recall": round(catalog_recall([refs[i] for i in idx], [hyps[i] for i in idx], lexicon), 4),
        }
    groups = {
        "clean": [i for i, c in enumerate(cases) if c.noise == "none"],
        "noisy": [i for i, c in enumerate(cases) if c.noise != "none"],
        "even_ids": [i for i, c in enumerate(cases) if half(c.file) == "even"],
        "odd_ids": [i for i, c in enumerate(cases) if half(c.file) == "odd"],
    }
    by_group = {
        name: {"n": len(idx), "wer": round(corpus_wer([refs[i] for i in idx], [hyps[i] for i in idx]), 4)}
        for name, idx in groups.items() if idx
    }
    return {
        "n": len(cases),
        "wer": round(corpus_wer(refs, hyps), 4),
        "by_group": by_group,
        "catalog_recall": round(catalog_recall(refs, hyps, lexicon), 4),
        "asr_ms_p50": round(float(np.percentile(ms, 50)), 1),
        "asr_ms_p95": round(float(np.percentile(ms, 95)), 1),
        "by_condition": by_condition,
        "hypotheses": {c.file: d.text for c, d in zip(cases, out, strict=True)},
        "raw": {c.file: d.raw for c, d in zip(cases, out, strict=True) if d.raw is not None},
    }


def decoder(
    engine: WhisperEngine, path: str, prompt: str, lexicon: CorrectionLexicon, beam: int
) -> Callable[[FixtureCase], Decoded]:
    """One function per path: fixture -> hypothesis and ASR time (the endpointer is not timed)."""

    def plain(case: FixtureCase) -> Decoded:
        audio = decode_file(case.path)
        started = time.perf_counter()
        segments, _ = engine._model.transcribe(audio, language="en")
        text = " ".join(s.text.strip() for s in segments)
        return Decoded(text, (time.perf_counter() - started) * 1000)

    def ours(case: FixtureCase) -> Decoded:
        turns = [t.audio for t in replay(case.path)]
        engine.beam_size = beam if path.startswith(("beam", "nbest")) else 1
        engine.num_hypotheses = beam if path.startswith("nbest") else 1
        words = prompt if "prompt" in path else None
        started = time.perf_counter()
        raws = engine.transcribe_batch(turns, [words] * len(turns)) if turns else []
        raw = [[(r.text, r.avg_logprob), *r.alternatives] for r in raws]
        text = corrected_text(path, raw, lexicon)
        return Decoded(text, (time.perf_counter() - started) * 1000, raw)

    return plain if path == "faster_whisper" else ours


def corrected_text(path: str, raw: list[list[tuple[str, float]]], lexicon: CorrectionLexicon) -> str:
    """What `path` writes from the decoder's hypotheses per endpointed turn (`Decoded.raw`)."""
    if path.startswith("nbest"):
        return " ".join(pick_hypothesis([(t, lp) for t, lp in turn], lexicon) for turn in raw)
    text = " ".join(turn[0][0] for turn in raw)
    return correct_transcript(text, lexicon) if path.endswith("corrected") else text


def recorrect(report: dict[str, object]) -> dict[str, object]:
    """`report` with every corrected path's text written again from its stored raw hypotheses by
    today's corrector (no decoding: only the correction changed; ASR times are the stored ones)."""
    lexicon = default_correction_lexicon(vocabulary_from_records(demo_records()))
    paths = report["paths"]
    assert isinstance(paths, dict)
    for path, old in paths.items():
        if not (path.endswith("corrected") or path.startswith("nbest")):
            continue
        cases = [c for c in load_cases() if c.file in old["raw"]]
        out = [Decoded(corrected_text(path, old["raw"][c.file], lexicon), 0.0, old["raw"][c.file]) for c in cases]
        paths[path] = {**summarise(cases, out, lexicon), "asr_ms_p50": old["asr_ms_p50"], "asr_ms_p95": old["asr_ms_p95"]}
        print(f"{path:24s} WER {old['wer']:.3f} -> {paths[path]['wer']:.3f}  catalog recall "
              f"{old['catalog_recall']:.3f} -> {paths[path]['catalog_recall']:.3f}", flush=True)
    return report


def run(
    paths: Sequence[str], step: int, threads: int, beam: int, prompt_args: dict[str, int] | None = None
) -> dict[str, object]:
    vocab = vocabulary_from_records(demo_records())
    prompt = catalog_prompt(vocab, **(prompt_args or {}))
    cases = load_cases(step)
    with tempfile.TemporaryDirectory() as state:
        engine = WhisperEngine(resolve_whisper_model(None, Path(state)), cpu_threads=threads)
        engine.warm_up()
        lexicon = default_correction_lexicon(vocab)
        results: dict[str, object] = {}
        for path in paths:
            decode = decoder(engine, path, prompt, lexicon, beam)
            results[path] = summarise(cases, [decode(c) for c in cases], lexicon)
            row = results[path]
            assert isinstance(row, dict)
            groups = row["by_group"]
            assert isinstance(groups, dict)
            print(f"{path:24s} WER {row['wer']:.3f} (clean {groups['clean']['wer']:.3f}, even ids "
                  f"{groups['even_ids']['wer']:.3f}, odd ids {groups['odd_ids']['wer']:.3f})  catalog recall "
                  f"{row['catalog_recall']:.3f}  ASR p50 {row['asr_ms_p50']:.0f} ms  p95 {row['asr_ms_p95']:.0f} ms",
                  flush=True)
    return {
        "fixtures": str(MANIFEST.relative_to(FIXTURES.parents[1])),
        "utterances": len(cases),
        "step": step,
        "cpu_threads": threads,
        "beam": beam,
        "model": "whisper base (bundled), CTranslate2 int8 on CPU",
        "prompt": prompt,
        "paths": results,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", default=",".join(PATHS), help=f"comma list of {PATHS}")
    parser.add_argument("--step", type=int, default=1, help="use every n-th fixture (quick runs)")
    parser.add_argument("--quick", action="store_true", help="every 4th fixture (24 utterances)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--beam", type=int, default=5)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--prompt-per-category", type=int, help="catalog_prompt(per_category=...) to try")
    parser.add_argument("--prompt-colours", type=int, help="catalog_prompt(colours=...) to try")
    parser.add_argument("--recorrect", action="store_true",
                        help="no decoding: write the corrected paths of --out again from its stored raw hypotheses")
    args = parser.parse_args()
    if args.recorrect:
        args.out.write_text(json.dumps(recorrect(json.loads(args.out.read_text())), indent=1) + "\n")
        print(f"wrote {args.out}")
        return
    step = max(args.step, 4) if args.quick else args.step
    prompt_args = {k: v for k, v in (("per_category", args.prompt_per_category), ("colours", args.prompt_colours))
                   if v is not None}
    report = run([p for p in args.paths.split(",") if p], step, args.threads, args.beam, prompt_args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
