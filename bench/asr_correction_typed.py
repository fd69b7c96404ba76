"""False corrections: how often the post-ASR corrector changes text that was typed, not misheard.

    python -m bench.asr_correction_typed [--show]

Every shopper turn of the conversation sets (`bench/data/conversations/*.json`, the scripted
`tests/dialogue/conversations/*.yaml` and, when it sits beside the checkout, the shared corpus) is
correct English as written, so any change `correct_transcript` makes to it is a false correction:
in the voice path it would turn a word the shopper really said into a catalog word ("I'm a bloke"
into "I'm a blouse"). Measured twice in one run: with the English word list of Whisper's tokenizer
alone (before session 11) and with wordfreq's less common words added (the server's lexicon); and
the spoken fixtures' stored raw hypotheses (`bench/results/asr_shopping.json`) corrected again, to
see whether the stored corrected ones are still what the server would write.
`--show` prints the changed sentences of the dev sets and scripted conversations (never those of the
held-out sets or the shared corpus).

Writes `bench/results/asr_correction_typed.json`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import yaml

from audio.models import bundled_tokenizer_path
from bench.report import row, write_result
from commerce.catalog.demo import demo_records
from voice_server.conversation.asr_correction import (
    CorrectionLexicon,
    correct_transcript,
    english_words_in,
    uncommon_english_words,
)
from voice_server.conversation.asr_hints import correction_lexicon
from voice_server.conversation.vocabulary_loader import vocabulary_from_records

ROOT = Path(__file__).resolve().parents[1]
SHARED_CORPUS = ROOT.parent / "shared" / "eval" / "conversations.json"
ASR_RESULT = ROOT / "bench" / "results" / "asr_shopping.json"


def _yaml_turns(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [node["say"]] if isinstance(node.get("say"), str) else [t for v in node.values() for t in _yaml_turns(v)]
    if isinstance(node, list):
        return [t for v in node for t in _yaml_turns(v)]
    return []


def typed_turns() -> dict[str, list[str]]:
    """Shopper turns by group: "dev" (read for misses), "held_out" and "shared" (counted only)."""
    groups: dict[str, list[str]] = {"dev": [], "held_out": [], "shared": []}
    for path in sorted((ROOT / "bench" / "data" / "conversations").glob("*.json")):
        group = "held_out" if path.name.startswith("heldout") else "dev"
        groups[group] += [t["say"] for c in json.loads(path.read_text()) for t in c["turns"]]
    for path in sorted((ROOT / "tests" / "dialogue" / "conversations").glob("*.yaml")):
        groups["dev"] += _yaml_turns(yaml.safe_load(path.read_text()))
    if SHARED_CORPUS.exists():
        groups["shared"] = [t["say"] for c in json.loads(SHARED_CORPUS.read_text()) for t in c["turns"]]
    return groups


def changed(turns: list[str], lexicon: CorrectionLexicon) -> list[tuple[str, str]]:
    return [(t, fixed) for t in turns if (fixed := correct_transcript(t, lexicon)) != t]


def recorrected(lexicon: CorrectionLexicon, asr_result: Path = ASR_RESULT) -> dict[str, Any]:
    """The raw greedy hypotheses stored by `bench.asr_shopping` (path `prompt_corrected`), corrected
    again with `lexicon`: how many come out different from the corrected text stored with them."""
    path = json.loads(asr_result.read_text())["paths"]["prompt_corrected"]
    differ = [f for f, turns in path["raw"].items()
              if " ".join(correct_transcript(t[0][0], lexicon) for t in turns) != path["hypotheses"][f]]
    return {"utterances": len(path["raw"]), "differ": len(differ), "files": differ}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--show", action="store_true", help="print the dev sets' changed sentences")
    args = parser.parse_args()
    vocab = vocabulary_from_records(demo_records())
    whisper = english_words_in(bundled_tokenizer_path())
    lexicons = {"whisper_words": correction_lexicon(vocab, whisper),
                "whisper_and_wordfreq": correction_lexicon(vocab, whisper, uncommon_english_words())}
    groups = typed_turns()
    results: dict[str, Any] = {}
    for name, lexicon in lexicons.items():
        results[name] = {}
        for group, turns in groups.items():
            hits = changed(turns, lexicon)
            results[name][group] = {"turns": len(turns), "changed": len(hits)}
            print(f"{name:22s} {group:9s} {len(hits):3d}/{len(turns)} typed turns changed")
            if args.show and group == "dev":
                for before, after in hits:
                    print(f"    {before!r} -> {after!r}")
    results["spoken_fixtures"] = recorrected(lexicons["whisper_and_wordfreq"])
    print(f"stored ASR hypotheses (server default path) that the corrector now writes differently: "
          f"{results['spoken_fixtures']['differ']}/{results['spoken_fixtures']['utterances']}")
    total = sum(g["turns"] for g in results["whisper_and_wordfreq"].values())
    now = sum(g["changed"] for g in results["whisper_and_wordfreq"].values())
    before = sum(g["changed"] for g in results["whisper_words"].values())
    rows = [row("ASR correction", "typed shopper turns it would change (false corrections)",
                f"{now}/{total} (Whisper's word list alone: {before})",
                f"{total} turns of {len([g for g in groups.values() if g])} groups of conversation sets")]
    write_result("asr_correction_typed", {"groups": {g: len(t) for g, t in groups.items()}}, results, rows)


if __name__ == "__main__":
    main()
