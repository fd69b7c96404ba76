"""Spoken shopping requests: are they answered with the right products?

    python -m bench.spoken_requests [--asr bench/results/asr_shopping.json] [--paths current prompt_corrected]

For each spoken fixture of ``fixtures/audio/shopping`` the ASR benchmark (``bench.asr_shopping``)
stored what each decoding path heard, through the server's own turn detector. Here every
hypothesis and its reference text are run as the first turn of a fresh conversation through the
real ``ConversationService`` (embedded Postgres + Valkey, the default understander). A spoken
request is **answered right** when the hypothesis shows products and every one of them meets the
constraints the reference request was understood to set (``bench.dialogue_eval.
product_violations``: category and product type, colours, gender, brand, price, exclusions). A
reference that itself finds nothing is counted apart (it measures the catalog, not hearing).

Writes ``bench/results/spoken_requests.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench.asr_shopping import half
from bench.dialogue_eval import product_violations
from bench.report import row, write_result
from commerce.auth import create_guest
from voice_server.conversation.dialogue.policy import TurnResult
from voice_server.conversation.service import ConversationService, build_conversation_service
from voice_server.platform.app_state import AppState
from voice_server.platform.backends import open_backends
from voice_server.platform.settings import Settings

ASR_RESULT = Path(__file__).resolve().parent / "results" / "asr_shopping.json"
MANIFEST = Path(__file__).resolve().parents[1] / "fixtures" / "audio" / "shopping" / "manifest.json"
DEFAULT_PATHS = ("faster_whisper", "current", "prompt_corrected", "nbest_prompt")


async def first_turn(service: ConversationService, pool: Any, text: str) -> TurnResult:
    user = await create_guest(pool)
    cid = await service.open(user.id)
    return await service.handle_text(cid, user.id, text)


def condition_of(case: dict[str, Any]) -> str:
    return case["noise"] if case["noise"] != "none" else case["voice"].split(":")[0]


async def run(asr: dict[str, Any], manifest: list[dict[str, Any]], paths: list[str]) -> dict[str, Any]:
    cases = {c["file"]: c for c in manifest}
    state_dir = tempfile.TemporaryDirectory(prefix="spoken-")  # the embedded databases go with it
    settings = Settings(_env_file=None, state_dir=Path(state_dir.name))  # type: ignore[call-arg]
    backends = await open_backends(settings)
    try:
        service = await build_conversation_service(AppState(settings=settings, node_id="bench", backends=backends),
                                                   channel="voice")
        references: dict[str, TurnResult] = {}
        out: dict[str, Any] = {}
        for path in paths:
            heard: dict[str, str] = asr["paths"][path]["hypotheses"]
            right = total = no_reference = 0
            by_condition: dict[str, list[int]] = defaultdict(lambda: [0, 0])
            by_half: dict[str, list[int]] = defaultdict(lambda: [0, 0])
            misses: list[dict[str, str]] = []
            for file, hypothesis in heard.items():
                case = cases[file]
                key = f"shopping/{Path(file).name}" if not file.startswith("shopping/") else file
                if case["text"] not in references:
                    references[case["text"]] = await first_turn(service, backends.pool, case["text"])
                reference = references[case["text"]]
                if not reference.products:
                    no_reference += 1
                    continue
                result = await first_turn(service, backends.pool, hypothesis)
                broken = [v for card in result.products for v in product_violations(card, reference.new_state.filters)]
                ok = bool(result.products) and not broken
                total += 1
                right += ok
                by_condition[condition_of(case)][0] += ok
                by_condition[condition_of(case)][1] += 1
                by_half[half(file)][0] += ok
                by_half[half(file)][1] += 1
                if not ok:
                    misses.append({"file": key, "said": case["text"], "heard": hypothesis,
                                   "why": broken[0] if broken else "no products"})
            out[path] = {
                "right": right, "total": total, "rate": round(right / max(total, 1), 3),
                "reference_found_nothing": no_reference,
                "by_condition": {k: {"right": v[0], "total": v[1]} for k, v in sorted(by_condition.items())},
                "by_half": {f"{k}_ids": {"right": v[0], "total": v[1]} for k, v in sorted(by_half.items())},
                "misses": misses,
            }
            halves = ", ".join(f"{k} ids {v[0]}/{v[1]}" for k, v in sorted(by_half.items()))
            print(f"{path:18s} {right}/{total} right ({100 * right / max(total, 1):.1f} %; {halves}), "
                  f"{no_reference} references found nothing", flush=True)
        return {"utterances": len(cases), "paths": out}
    finally:
        await backends.close()
        state_dir.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--asr", type=Path, default=ASR_RESULT, help="result of python -m bench.asr_shopping")
    parser.add_argument("--paths", nargs="*", default=list(DEFAULT_PATHS))
    args = parser.parse_args()
    result = asyncio.run(run(json.loads(args.asr.read_text()), json.loads(MANIFEST.read_text()), args.paths))
    default = result["paths"].get("prompt_corrected")
    rows = []
    if default is not None:
        rows.append(row("Spoken requests", "answered with the right products (server default ASR path)",
                        f"{default['right']}/{default['total']} ({100 * default['rate']:.0f} %)",
                        f"{default['total']} spoken shopping fixtures, 9 voice/speed/noise conditions, 1 run",
                        ">= 85 %", default["rate"] >= 0.85))
    write_result("spoken_requests", {"asr": str(args.asr), "paths": args.paths}, result, rows)


if __name__ == "__main__":
    main()
