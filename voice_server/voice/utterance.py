"""The speech heard since the last `SpeechStarted`, as `SessionCore` tracks it (plain data)."""

from __future__ import annotations

from dataclasses import dataclass

from audio.vad import EndpointerConfig
from voice_server.voice.speculation import Verdict


@dataclass
class Utterance:
    """One utterance in progress and the jobs started on it (named by the core's job ids)."""

    t_ms: int
    turn_id: int | None  # None while it is only a barge-in candidate
    barge_in_rule: EndpointerConfig | None
    last_check_ms: int = 0
    last_interim_ms: int = 0
    speculative: int | None = None  # decode of the audio at the possible end
    speculative_size: int = 0
    speculation: int | None = None  # dialogue preview + verdict + first clause ahead
    verdict: Verdict | None = None
    turn_score: int | None = None  # end-of-turn model on the possible end's audio
    p_complete: float | None = None
    interim: int | None = None  # reporter of the interim decode in flight
    interim_asr: int | None = None  # the interim decode itself (reusable as the final one)
    interim_size: int = 0

    def __post_init__(self) -> None:
        self.last_check_ms = self.last_interim_ms = self.t_ms

    def take_speculation(self) -> list[int]:
        """Forget the speculative turn (decode, dialogue preview, first-clause audio): the jobs to cancel."""
        jobs = [job for job in (self.speculative, self.speculation, self.turn_score) if job is not None]
        self.speculative = self.speculation = self.turn_score = None
        self.verdict = self.p_complete = None
        return jobs
