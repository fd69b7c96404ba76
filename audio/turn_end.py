"""Learned end-of-turn detection: Smart Turn v3.2 (an 8 MB Whisper-encoder classifier) on top of the VAD.

The webrtcvad endpointer only hears *silence*; whether the shopper is *done* ("show me black dresses."
vs "I need a size, um, ...") is in the words and the prosody. Smart Turn v3.2 (pipecat-ai, BSD-2-Clause)
reads the last 8 s of the turn as Whisper log-mel features and returns P(turn complete).

* :class:`EndOfTurnModel` - the ONNX model, loaded once per process (:func:`load_model`), one
  onnxruntime thread, ``predict(audio_16k_float32) -> probability``. Thread-safe (one call at a time);
  callers on an event loop run it in an executor.
* :func:`turn_end_silence_ms` - the pure decision: the trailing silence after which a turn ends given
  the model's probability (None = no probability yet), with the endpointer's full silence as the hard
  fallback.
* The model file is not a PyPI package of its own: it ships inside the ``pipecat-ai==1.14.0`` wheel.
  ``make`` downloads that wheel with ``--no-deps`` (pipecat is never installed) and extracts only the
  ``.onnx`` into :func:`default_model_path` with ``python -m audio.turn_end extract WHEEL``; wheel and
  file are checked against the sha256 pinned here. Nothing is downloaded at run time; a missing or
  different file is a :class:`TurnModelError`.

Input format (pipecat ``local_smart_turn_v3.py`` + ``_whisper_features.py`` of 1.14.0): 16 kHz float32,
the *last* 8 s of the turn, zero-padded at the *start* to 8 s; the waveform normalised to zero mean and
unit variance; Whisper log-mel (n_fft 400, hop 160, 80 Slaney mels, periodic Hann, reflect-centred STFT,
last frame dropped, log10 floored at max - 8, then (x + 4) / 4) -> ``input_features`` (1, 80, 800);
output: the sigmoid probability that the turn is complete (pipecat's threshold: 0.5).
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import threading
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

MODEL_NAME = "smart-turn-v3.2-cpu.onnx"
MODEL_SHA256 = "2bb026316b14a660486a75b1733cd3fbab8c2fd0314dc9af7be49f8cca967e4f"
WHEEL_REQUIREMENT = "pipecat-ai==1.14.0"
WHEEL_NAME = "pipecat_ai-1.14.0-py3-none-any.whl"
WHEEL_SHA256 = "0352f504b44e78bdf524e45af4bc759601c835b9b7dc195efe5e03384b974a44"
WHEEL_MEMBER = "pipecat/audio/turn/smart_turn/data/smart-turn-v3.2-cpu.onnx"
LICENSE = "BSD-2-Clause (Copyright (c) 2024-2026, Daily; pipecat-ai)"
INSTALL_HINT = (
    f"run `make` (it does: pip download --no-deps {WHEEL_REQUIREMENT}; python -m audio.turn_end extract WHEEL)"
)

SAMPLE_RATE = 16000
WINDOW_S = 8
N_FFT, HOP, N_MELS = 400, 160, 80
DEFAULT_THRESHOLD = 0.5


class TurnModelError(RuntimeError):
    """The Smart Turn file is missing or is not the pinned one (``reason``: "missing" or "sha256")."""

    def __init__(self, path: Path | None, reason: str, detail: str) -> None:
        super().__init__(f"end-of-turn model {path or '(none)'}: {detail}")
        self.path = path
        self.reason = reason


def default_model_path() -> Path:
    """Where ``make`` puts the model: inside the virtualenv, so every state dir and test shares it."""
    return Path(sys.prefix) / "share" / "style-shepherd" / "models" / MODEL_NAME


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verified(path: Path) -> Path:
    """``path`` once its content is the pinned model; otherwise :class:`TurnModelError`."""
    if not path.is_file():
        raise TurnModelError(path, "missing", f"not found; {INSTALL_HINT}")
    actual = sha256_of(path)
    if actual != MODEL_SHA256:
        raise TurnModelError(path, "sha256", f"sha256 {actual} is not the pinned {MODEL_SHA256}; {INSTALL_HINT}")
    return path


def extract_from_wheel(wheel: Path, target: Path | None = None) -> Path:
    """Copy the pinned ``.onnx`` out of the pinned pipecat wheel into ``target`` (atomically); both checked."""
    target = target or default_model_path()
    actual = sha256_of(wheel)
    if actual != WHEEL_SHA256:
        raise TurnModelError(wheel, "sha256", f"wheel sha256 {actual} is not the pinned {WHEEL_SHA256}")
    with zipfile.ZipFile(wheel) as archive:
        data = archive.read(WHEEL_MEMBER)
    if hashlib.sha256(data).hexdigest() != MODEL_SHA256:
        raise TurnModelError(target, "sha256", f"{WHEEL_MEMBER} in {wheel.name} is not the pinned model")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


# -- features -------------------------------------------------------------------------------------------
def _mel_filters() -> np.ndarray:
    """Slaney-scale, Slaney-normalised triangular filters (80 x 201), as Whisper/librosa build them."""
    def hz_to_mel(f: np.ndarray) -> np.ndarray:
        mel = 3.0 * f / 200.0
        log = f >= 1000.0
        return np.where(log, 15.0 + np.log(np.maximum(f, 1e-9) / 1000.0) * (27.0 / np.log(6.4)), mel)

    def mel_to_hz(m: np.ndarray) -> np.ndarray:
        hz = 200.0 * m / 3.0
        return np.where(m >= 15.0, 1000.0 * np.exp((np.log(6.4) / 27.0) * (m - 15.0)), hz)

    fft_freqs = np.linspace(0, SAMPLE_RATE // 2, N_FFT // 2 + 1)
    mels = np.linspace(hz_to_mel(np.array(0.0)), hz_to_mel(np.array(SAMPLE_RATE / 2.0)), N_MELS + 2)
    edges = mel_to_hz(mels)
    slopes = edges[None, :] - fft_freqs[:, None]
    down = -slopes[:, :-2] / np.diff(edges)[:-1]
    up = slopes[:, 2:] / np.diff(edges)[1:]
    filters = np.maximum(0.0, np.minimum(down, up)) * (2.0 / (edges[2:] - edges[:-2]))[None, :]
    return np.ascontiguousarray(filters.T)  # (n_mels, n_freqs)


_MELS = _mel_filters()
_WINDOW = np.hanning(N_FFT + 1)[:-1]  # periodic Hann (torch.hann_window)


def last_window(audio: np.ndarray) -> np.ndarray:
    """The last 8 s of ``audio`` (float32 16 kHz), zero-padded at the start to exactly 8 s."""
    n = SAMPLE_RATE * WINDOW_S
    x = np.asarray(audio, dtype=np.float32).reshape(-1)
    if x.size >= n:
        return x[-n:]
    return np.concatenate([np.zeros(n - x.size, dtype=np.float32), x])


def log_mel(audio: np.ndarray) -> np.ndarray:
    """``input_features`` (1, 80, 800) float32 for the model from float32 16 kHz audio of any length."""
    x = last_window(audio)
    x = (x - x.mean()) / np.sqrt(x.var() + 1e-7)
    padded = np.pad(x.astype(np.float64), (N_FFT // 2, N_FFT // 2), mode="reflect")
    frames = np.lib.stride_tricks.sliding_window_view(padded, N_FFT)[::HOP]
    power = np.abs(np.fft.rfft(frames * _WINDOW, axis=-1)) ** 2  # (frames, freqs)
    spec = np.log10(np.maximum(_MELS @ power.T, 1e-10))[:, :-1]
    spec = np.maximum(spec, spec.max() - 8.0)
    return ((spec + 4.0) / 4.0).astype(np.float32)[None, :, :]


# -- model -------------------------------------------------------------------------------------------
class EndOfTurnModel:
    """Smart Turn v3.2 on onnxruntime, one intra-op thread; ``predict`` is serialised by a lock."""

    def __init__(self, path: Path | None = None, threads: int = 1) -> None:
        import onnxruntime as ort

        self.path = verified(path or default_model_path())
        options = ort.SessionOptions()
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.inter_op_num_threads = 1
        options.intra_op_num_threads = threads
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session = ort.InferenceSession(str(self.path), sess_options=options,
                                             providers=["CPUExecutionProvider"])
        self._input = self._session.get_inputs()[0].name
        self._lock = threading.Lock()

    def predict(self, audio: np.ndarray) -> float:
        """P(the shopper has finished the turn) for float32 16 kHz audio of the turn so far."""
        features = log_mel(audio)
        with self._lock:
            out = self._session.run(None, {self._input: features})
        return float(np.asarray(out[0]).reshape(-1)[0])


@lru_cache(maxsize=4)
def load_model(path: Path | None = None) -> EndOfTurnModel:
    """The process-wide model for ``path`` (default: :func:`default_model_path`), loaded on first use."""
    return EndOfTurnModel(path)


def model_available(path: Path | None = None) -> bool:
    """True when the pinned model file is in place (does not load it)."""
    try:
        verified(path or default_model_path())
    except TurnModelError:
        return False
    return True


# -- decision ----------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class TurnEndRule:
    """When a learned end-of-turn probability may end a turn before the endpointer's full silence."""

    min_silence_ms: int = 200
    """Silence the model's "complete" still has to wait for (pipecat's VAD stop: 0.2 s)."""
    threshold: float = DEFAULT_THRESHOLD
    """P(complete) at or above which the turn is complete."""


def turn_end_silence_ms(probability: float | None, rule: TurnEndRule, fallback_ms: int) -> int:
    """Trailing silence after which the turn ends: ``rule.min_silence_ms`` if the model says complete,
    else the hard fallback ``fallback_ms`` (the endpointer's end silence, or an earlier text-based end)."""
    if probability is not None and probability >= rule.threshold:
        return min(rule.min_silence_ms, fallback_ms)
    return fallback_ms


def main(argv: list[str] | None = None) -> int:
    """``python -m audio.turn_end extract WHEEL [TARGET]`` | ``check`` | ``predict WAV...``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["extract"] and len(args) in (2, 3):
        target = extract_from_wheel(Path(args[1]), Path(args[2]) if len(args) == 3 else None)
        print(f"{MODEL_NAME} (sha256 {MODEL_SHA256[:12]}...) -> {target}")
        return 0
    if args[:1] == ["check"]:
        print(verified(Path(args[1]) if len(args) > 1 else default_model_path()))
        return 0
    if args[:1] == ["predict"]:
        from audio.pcm import decode_file

        model = load_model()
        for name in args[1:]:
            print(f"{model.predict(decode_file(name)):.3f}  {name}")
        return 0
    print(main.__doc__)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
