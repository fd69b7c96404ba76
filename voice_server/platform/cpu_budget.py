"""CPU spent per stage of a turn (issue 17, item 1), as process-wide Prometheus counters.

`shepherd_cpu_seconds_total{stage}` counts core-seconds:

* `vad` — resampling the microphone audio and the endpointer (`time.perf_counter` around each frame's
  synchronous step on the event loop — wall time of code that holds the loop, so its CPU unless the OS
  preempts it; `time.thread_time` is a system call ten times dearer and ran twice per frame — summed by a
  `Meter` and added to the counter about once a second; continuous, so a turn's share includes the
  silence before it);
* `understanding` — the on-loop steps of the understander's coroutine (rules, and the semantic
  fallback's matching; its sentence encoder runs in a worker thread and is counted under `process`);
* `dialogue` — the on-loop steps of the dialogue call (understanding included, then the policy and
  its asyncpg/Valkey client work), so shop = dialogue − understanding;
* `tts` — Piper's synthesis, measured in its own thread (one onnxruntime thread per synthesis, so the
  thread's CPU time is the whole synthesis);
* `loop` — every CPU second of the event-loop thread, sampled each second;
* `process` — every CPU second of the process, sampled each second.

`bench.concurrency` reads the counters around a ramp step and derives, per answered turn:
`asr` = process − loop − tts (the Whisper decode threads; also any other worker thread) and
`shop` = dialogue − understanding and `protocol` = loop − vad − dialogue (websocket frames, JSON,
pacing, reply resampling, REST).
Counters, not per-turn brackets: with many sessions a bracket around an `await` would charge a turn
for its neighbours' work; the totals stay exact and divide cleanly by the turns of a step.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Coroutine, Generator
from typing import Any, TypeVar

from prometheus_client import Counter

T = TypeVar("T")

STAGES = ("vad", "understanding", "dialogue", "tts", "loop", "process")
CPU_SECONDS = Counter(
    "shepherd_cpu_seconds", "CPU core-seconds by stage of the voice turn (voice_server.platform.cpu_budget)", ["stage"]
)
_COUNTERS = {stage: CPU_SECONDS.labels(stage) for stage in STAGES}


def charge(stage: str, seconds: float) -> None:
    """Add `seconds` of CPU to `stage` (thread-safe)."""
    if seconds > 0:
        _COUNTERS[stage].inc(seconds)


class Meter:
    """Seconds of one stage summed locally and added to its counter every `every` calls (and at `flush`):
    a hot path (every audio frame of every session) pays a float addition, not a locked counter update."""

    __slots__ = ("_calls", "_counter", "_every", "_seconds")

    def __init__(self, stage: str, every: int = 50) -> None:
        self._counter = _COUNTERS[stage]
        self._every = every
        self._calls = 0
        self._seconds = 0.0

    def add(self, seconds: float) -> None:
        self._seconds += seconds
        self._calls += 1
        if self._calls >= self._every:
            self.flush()

    def flush(self) -> None:
        if self._seconds > 0:
            self._counter.inc(self._seconds)
        self._calls, self._seconds = 0, 0.0


def charger(stage: str) -> Callable[[float], None]:
    return lambda seconds: charge(stage, seconds)


class _Timed:
    """Await `coro`, charging the CPU of each of its steps on this thread (not other tasks' steps)."""

    def __init__(self, coro: Coroutine[Any, Any, T], on_cpu: Callable[[float], None]) -> None:
        self.coro = coro
        self.on_cpu = on_cpu

    def __await__(self) -> Generator[Any, Any, Any]:
        gen = self.coro.__await__()
        send: Any = None
        error: BaseException | None = None
        while True:
            started = time.thread_time()
            try:
                yielded = gen.throw(error) if error is not None else gen.send(send)
            except StopIteration as stop:
                self.on_cpu(time.thread_time() - started)
                return stop.value
            except BaseException:
                self.on_cpu(time.thread_time() - started)
                raise
            self.on_cpu(time.thread_time() - started)
            try:
                send, error = (yield yielded), None
            except BaseException as exc:  # cancellation and the like go into the coroutine
                send, error = None, exc


def timed(coro: Coroutine[Any, Any, T], on_cpu: Callable[[float], None]) -> Awaitable[T]:
    """`coro`, with the CPU of its own steps on the event loop reported to `on_cpu` (seconds)."""
    return _Timed(coro, on_cpu)


class Sampler:
    """Charges `loop` (this thread) and `process` CPU since the previous call; call it on the event loop."""

    def __init__(self) -> None:
        self._loop = time.thread_time()
        self._process = time.process_time()

    def sample(self) -> None:
        loop, process = time.thread_time(), time.process_time()
        charge("loop", loop - self._loop)
        charge("process", process - self._process)
        self._loop, self._process = loop, process
