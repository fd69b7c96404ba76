"""End-of-turn benchmark: false cut-offs and end delay of today's endpointing vs the Smart Turn v3.2 model.

    PYTHONPATH=. .venv/bin/python -m bench.turn_end [--runs 3] [--quick]

Every speech fixture (fixtures/audio, fixtures/audio/shopping, and fixtures/audio/pauses: requests with
300-700 ms pauses after "um", "under", "size", half a number, ...) goes through the server's endpointer
(audio/vad.py, 30 ms frames) with an unbounded end silence, which gives every pause the turn makes:
each `PossibleEnd` (150 ms of silence) with the audio so far, and how long that silence lasted. A pause
followed by more speech is a *mid-utterance pause*; the last one is the *end of speech*.

For each pause, each rule gives the trailing silence after which it would end the turn:

* ``vad_only``  - always the endpointer's ``end_silence_ms`` (700 ms);
* ``today``     - adaptive endpointing (voice_server/voice/speculation.py, model off): Whisper base (int8,
  the server's bundled model, no hotwords) transcribes the PossibleEnd audio, the rule-based NLU
  understands it, and a complete, confident request (`judge_request`) ends after ``early_end_ms``
  (400 ms), else 700 ms;
* ``smart_turn@N`` - Smart Turn v3.2 alone on the PossibleEnd audio (`audio.turn_end.turn_end_silence_ms`):
  P(complete) >= 0.5 ends after N ms, else 700 ms (the hard fallback);
* ``smart_turn+text@N`` - the model first, today's text rule as the fallback (N / 400 / 700 ms);
* ``smart_turn+text+veto@N`` - the server's rule with ``SHEPHERD_VOICE_TURN_MODEL=smart-turn``
  (`required_silence_ms`): as above, and P(complete) < 0.1 also stops the text rule's early end.

A rule *cuts the shopper off* at a mid-utterance pause when its end silence is <= that pause
(``false_cutoffs``: as if every computation were instant, e.g. ASR on a GPU; ``false_cutoffs_compute``:
an early end also waits for the computation it depends on, started at the PossibleEnd, as measured
here). At the real end its *delay* is its end silence (``delay_ms``), or ``possible_end_ms`` + the
computation's measured time when that is later (``delay_ms_compute``), never past the endpointer's own
700 ms. Model inference latency: every
PossibleEnd, ``--runs`` times (one onnxruntime thread).

Writes bench/results/turn_end.json.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from audio.asr import WhisperEngine
from audio.models import resolve_whisper_model
from audio.pcm import decode_file, float32_to_pcm16
from audio.turn_end import MODEL_NAME, TurnEndRule, load_model, log_mel, turn_end_silence_ms
from audio.vad import Endpointer, EndpointerConfig, PossibleEnd, SpeechEnded, SpeechResumed
from bench.report import row, summarize, write_result
from voice_server.conversation.dialogue import DialogueState, Vocabulary
from voice_server.conversation.dialogue.nlu import understand
from voice_server.voice.speculation import SpeculationConfig, Verdict, judge_request, required_silence_ms

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures" / "audio"
SETS = {"pauses": FIXTURES / "pauses", "fixtures": FIXTURES, "shopping": FIXTURES / "shopping"}
"""Manifests; their `file` entries are relative to the manifest's folder, or to fixtures/audio."""
TAIL_S = 1.5
"""Silence appended to every clip so its last pause always reaches the full end silence."""
VOCAB = Vocabulary.from_lists(
    ["Puma", "Nike", "Roadster", "Levis", "HRX by Hrithik Roshan", "Titan", "Fossil", "Fastrack", "Raymond",
     "Van Heusen", "Louis Philippe", "Lavie", "Pepe Jeans", "Calvin Klein Jeans", "Tommy Hilfiger",
     "U.S. Polo Assn.", "DressBerry", "Indian Terrain"],
    ["black", "white", "blue", "navy", "red", "green", "grey", "brown", "beige", "pink", "yellow", "maroon",
     "purple", "orange", "gold", "silver", "olive", "khaki", "peach", "lavender", "burgundy", "magenta", "tan"],
)


@dataclass
class Pause:
    """One PossibleEnd of a clip: the audio up to it and how long the silence lasted (None: the end)."""

    clip: str
    audio: np.ndarray = field(repr=False)
    silence_ms: int | None
    kind: str
    text: str = ""
    verdict: Verdict | None = None
    text_ms: float = 0.0
    probability: float = 0.0
    infer_ms: float = 0.0


def clips(names: list[str], quick: bool) -> list[tuple[str, str, np.ndarray]]:
    """(set/file, kind, 16 kHz float32 audio) of every one-turn speech fixture of the chosen sets."""
    out = []
    for name in names:
        rows = json.loads((SETS[name] / "manifest.json").read_text())
        rows = [r for r in rows if r.get("expect_turns", 1) == 1 and r.get("text")]
        if quick:
            rows = rows[:: max(1, len(rows) // 8)]
        for r in rows:
            path = SETS[name] / r["file"]
            audio = decode_file(path if path.exists() else FIXTURES / r["file"])
            audio = np.concatenate([audio, np.zeros(int(TAIL_S * 16000), dtype=np.float32)])
            out.append((f"{name}/{r['file']}", r.get("kind", "complete"), audio))
    return out


def pauses_of(clip: str, kind: str, audio: np.ndarray, config: EndpointerConfig) -> list[Pause]:
    """Every PossibleEnd of the clip's first turn (the endpointer never ends it on silence here)."""
    ep = Endpointer(config.model_copy(update={"end_silence_ms": 60_000}))
    step = 16000 * config.frame_ms // 1000
    pcm = float32_to_pcm16(audio)
    pauses: list[Pause] = []
    open_pause: Pause | None = None
    last_silence = 0
    for start in range(0, len(pcm), step * 2):
        for event in ep.feed(pcm[start : start + step * 2]):
            if isinstance(event, PossibleEnd):
                open_pause = Pause(clip, event.audio, None, kind)
            elif isinstance(event, SpeechResumed) and open_pause is not None:
                open_pause.silence_ms = last_silence
                pauses.append(open_pause)
                open_pause = None
            elif isinstance(event, SpeechEnded):
                break
        last_silence = ep.trailing_silence_ms
    if open_pause is not None:
        pauses.append(open_pause)  # the end of speech (silence_ms None)
    return pauses


Rule = Callable[[Pause], tuple[int, float]]
"""A rule: (end silence ms, ms of computation that decision waited for, counted from the PossibleEnd)."""


def rule(end_ms: int, spec: SpeculationConfig, model: bool) -> Rule:
    """The server's decision (`required_silence_ms`) with ``spec``; ``model`` = give it P(complete)."""

    def decide(p: Pause) -> tuple[int, float]:
        need = required_silence_ms(p.verdict, spec, end_ms, p.probability if model else None)
        if need == end_ms:
            return need, 0.0
        by_model = model and spec.turn_model and p.probability >= spec.turn_model_threshold
        return need, (p.infer_ms if by_model else p.text_ms)

    return decide


def model_only(end_ms: int, model_rule: TurnEndRule) -> Rule:
    """Smart Turn alone (`audio.turn_end.turn_end_silence_ms`), no transcript: fallback the full silence."""

    def decide(p: Pause) -> tuple[int, float]:
        need = turn_end_silence_ms(p.probability, model_rule, end_ms)
        return need, (p.infer_ms if need < end_ms else 0.0)

    return decide


def rules(end_ms: int, spec: SpeculationConfig) -> dict[str, Rule]:
    """The rules compared: today's, the model alone, and the model with today's text rule (the server's)."""
    on = spec.model_copy(update={"turn_model": True})
    out: dict[str, Rule] = {"vad_only": lambda p: (end_ms, 0.0), "today": rule(end_ms, spec, model=False)}
    for ms in (200, 250, 300):
        out[f"smart_turn@{ms}"] = model_only(end_ms, TurnEndRule(min_silence_ms=ms))
        out[f"smart_turn+text@{ms}"] = rule(end_ms, on.model_copy(update={"turn_model_end_ms": ms,
                                                                          "turn_model_veto": 0.0}), model=True)
        out[f"smart_turn+text+veto@{ms}"] = rule(end_ms, on.model_copy(update={"turn_model_end_ms": ms}),
                                                 model=True)
    return out


def evaluate(pauses: list[Pause], rule: Rule, possible_end_ms: int, end_ms: int) -> dict[str, Any]:
    cut: list[str] = []
    cut_by_timeout = cut_compute = 0
    delays, delays_compute = [], []
    for p in pauses:
        need, compute_ms = rule(p)
        if p.silence_ms is not None:
            if need <= p.silence_ms:
                cut.append(f"{p.clip} ({p.silence_ms} ms: {p.text!r})")
                cut_by_timeout += int(p.silence_ms >= 700)
            cut_compute += int(min(end_ms, max(need, possible_end_ms + compute_ms)) <= p.silence_ms)
        else:
            delays.append(need)
            delays_compute.append(min(end_ms, max(need, possible_end_ms + compute_ms)))
    return {
        "false_cutoffs": len(cut),
        "false_cutoffs_at_hard_timeout": cut_by_timeout,
        "false_cutoffs_compute": cut_compute,
        "cut": cut,
        "delay_ms": summarize(delays),
        "delay_ms_compute": summarize(delays_compute),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="passes of the model over every pause (latency)")
    parser.add_argument("--sets", default="pauses,fixtures,shopping")
    parser.add_argument("--quick", action="store_true", help="every 8th fixture of each set")
    parser.add_argument("--state-dir", type=Path, default=Path(".shepherd"), help="where Whisper base is joined")
    args = parser.parse_args()

    config, spec = EndpointerConfig(), SpeculationConfig()
    names = args.sets.split(",")
    all_pauses: dict[str, list[Pause]] = {}
    for clip, kind, audio in clips(names, args.quick):
        all_pauses.setdefault(clip.split("/")[0], []).extend(pauses_of(clip, kind, audio, config))
    flat = [p for ps in all_pauses.values() for p in ps]
    print(f"{len(flat)} pauses ({sum(p.silence_ms is not None for p in flat)} mid-utterance)", flush=True)

    model = load_model()
    model.predict(flat[0].audio)  # warm-up
    infer, feats = [], []
    for _ in range(args.runs):
        for p in flat:
            started = time.perf_counter()
            log_mel(p.audio)
            feats.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            p.probability = model.predict(p.audio)
            p.infer_ms = (time.perf_counter() - started) * 1000
            infer.append(p.infer_ms)
    infer_by_pause = np.asarray(infer).reshape(args.runs, len(flat))
    for p, times in zip(flat, np.median(infer_by_pause, axis=0), strict=True):
        p.infer_ms = float(times)  # the decision's compute: that pause's median over the runs

    engine = WhisperEngine(resolve_whisper_model(None, args.state_dir), cpu_threads=2)
    engine.warm_up()
    for k, p in enumerate(flat):
        if k % 50 == 0:
            print(f"transcribing {k}/{len(flat)}", flush=True)
        started = time.perf_counter()
        p.text = engine.transcribe_batch([p.audio], [None])[0].text
        u = understand(p.text, DialogueState(conversation_id="bench"), VOCAB)
        p.text_ms = (time.perf_counter() - started) * 1000
        p.verdict = judge_request(p.text, u.intent.value, u.confidence, spec)

    results: dict[str, Any] = {
        "inference_ms": summarize(infer),
        "features_ms": summarize(feats),
        "text_rule_ms": summarize([p.text_ms for p in flat]),
        "sets": {},
        "thresholds": {},
    }
    for name, pauses in [*all_pauses.items(), ("all", flat)]:
        results["sets"][name] = {
            "clips": len({p.clip for p in pauses}),
            "mid_pauses": sum(p.silence_ms is not None for p in pauses),
            "rules": {r: evaluate(pauses, fn, config.possible_end_ms, config.end_silence_ms)
                      for r, fn in rules(config.end_silence_ms, spec).items()},
        }
    for threshold in (0.3, 0.5, 0.7, 0.9):
        res = evaluate(flat, model_only(config.end_silence_ms, TurnEndRule(300, threshold)), config.possible_end_ms,
                       config.end_silence_ms)
        results["thresholds"][str(threshold)] = {k: res[k] for k in ("false_cutoffs", "delay_ms")}
    results["pauses"] = [
        {"clip": p.clip, "kind": p.kind, "silence_ms": p.silence_ms, "text": p.text,
         "complete_text": p.verdict.complete if p.verdict else None, "p_complete": round(p.probability, 3),
         "text_ms": round(p.text_ms), "infer_ms": round(p.infer_ms)}
        for p in flat
    ]

    every = results["sets"]["all"]["rules"]
    print(f"{'rule':<26} {'cut-offs':>9} {'w/ compute':>10} {'delay p50':>10} {'p95':>6} {'p50 w/ compute':>15} {'p95':>6}")
    for r, res in every.items():
        d, dc = res["delay_ms"], res["delay_ms_compute"]
        print(f"{r:<26} {res['false_cutoffs']:>9} {res['false_cutoffs_compute']:>10} {d['p50']:>10.0f} {d['p95']:>6.0f} {dc['p50']:>15.0f} {dc['p95']:>6.0f}")
    i = results["inference_ms"]
    print(f"Smart Turn inference: p50 {i['p50']:.1f} ms, p95 {i['p95']:.1f} ms over {i['n']} calls "
          f"(features p50 {results['features_ms']['p50']:.1f} ms)")

    setup = {"model": MODEL_NAME, "runs": args.runs, "sets": names, "quick": args.quick,
             "end_silence_ms": config.end_silence_ms, "possible_end_ms": config.possible_end_ms,
             "early_end_ms": spec.early_end_ms, "turn_model_end_ms": spec.turn_model_end_ms,
             "turn_model_threshold": spec.turn_model_threshold, "turn_model_veto": spec.turn_model_veto,
             "asr": "whisper base int8, 2 threads, no hotwords", "onnxruntime_threads": 1}
    n_mid = results["sets"]["all"]["mid_pauses"]
    chosen = f"smart_turn+text+veto@{spec.turn_model_end_ms}"  # what the server does with the model on
    results["server_rule"] = chosen
    rows_out = [
        row("Turn end", "false cut-offs today -> Smart Turn", f"{every['today']['false_cutoffs']} -> "
            f"{every[chosen]['false_cutoffs']} of {n_mid} pauses", f"{len(flat)} PossibleEnds"),
        row("Turn end", "p50 end delay today -> Smart Turn", f"{every['today']['delay_ms_compute']['p50']:.0f} -> "
            f"{every[chosen]['delay_ms_compute']['p50']:.0f} ms", "silence after speech, incl. compute"),
        row("Turn end", "Smart Turn inference p50 / p95", f"{i['p50']:.0f} / {i['p95']:.0f} ms",
            f"1 onnxruntime thread, {args.runs} runs"),
    ]
    path = write_result("turn_end", setup, results, rows_out)
    print(f"-> {path}")


if __name__ == "__main__":
    main()
