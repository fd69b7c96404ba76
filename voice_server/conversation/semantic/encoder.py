"""Sentence embeddings with all-MiniLM-L6-v2 (int8 ONNX) on one onnxruntime thread.

The pipeline is sentence-transformers' for this model: BERT WordPiece tokens (lower-cased, at most 256
with [CLS]/[SEP]), the transformer's last hidden state, mean pooling over the attention mask, L2
normalisation. One :class:`SentenceEncoder` per process (:func:`default_encoder`) holds one session with
``intra_op_num_threads=1``: the server runs many conversations on two cores, so one encode never takes
both. ``encode`` is thread-safe (onnxruntime's ``run`` and the tokenizer are; loading is locked).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

from voice_server.conversation.semantic.model_files import ModelFiles, default_files

DIMENSION = 384
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for all-MiniLM-L6-v2
BATCH = 32  # texts per session run when many are encoded at once (index building)
CACHE_LIMIT = 20_000  # phrase vectors kept by encode_cached (1.5 KiB each)


@dataclass(frozen=True)
class _Loaded:
    pid: int
    tokenizer: Tokenizer
    session: ort.InferenceSession
    wants_token_types: bool


class SentenceEncoder:
    """Normalised 384-d float32 sentence vectors; files are verified and loaded on first use."""

    def __init__(self, files: ModelFiles | None = None) -> None:
        self._files = files
        self._loaded: _Loaded | None = None
        self._lock = threading.Lock()
        self._cache: dict[str, np.ndarray] = {}

    @property
    def dimension(self) -> int:
        return DIMENSION

    def load(self) -> None:
        """Verify and load the files now (otherwise the first :meth:`encode` does); idempotent per process."""
        self._state()

    def _state(self) -> _Loaded:
        loaded = self._loaded
        if loaded is not None and loaded.pid == os.getpid():
            return loaded
        with self._lock:  # after a fork the parent's session is not reused
            if self._loaded is None or self._loaded.pid != os.getpid():
                self._loaded = self._load()
            return self._loaded

    def _load(self) -> _Loaded:
        files = self._files or default_files()
        onnx_path, tokenizer_path = files.onnx.verified(), files.tokenizer.verified()
        tokenizer = Tokenizer.from_file(str(tokenizer_path))
        tokenizer.enable_truncation(max_length=MAX_TOKENS)  # the file itself says 128
        tokenizer.no_padding()  # the file pads everything to 128; _run pads a batch to its longest text
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        session = ort.InferenceSession(str(onnx_path), sess_options=options, providers=["CPUExecutionProvider"])
        inputs = {i.name for i in session.get_inputs()}
        return _Loaded(os.getpid(), tokenizer, session, "token_type_ids" in inputs)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """``(len(texts), 384)`` float32, each row of unit length (cosine similarity = dot product)."""
        if isinstance(texts, str):
            raise TypeError("encode takes a list of texts, not one string")
        state = self._state()
        out = np.empty((len(texts), DIMENSION), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # batches of similar length pad less
        for start in range(0, len(order), BATCH):
            chunk = order[start:start + BATCH]
            out[chunk] = self._run(state, [texts[i] for i in chunk])
        return out

    def encode_cached(self, texts: Sequence[str]) -> np.ndarray:
        """:meth:`encode`, remembering each text's vector (for the fixed phrases indexes are built from)."""
        found: dict[str, np.ndarray] = {}
        for text in dict.fromkeys(texts):
            vector = self._cache.get(text)
            if vector is not None:
                found[text] = vector
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            found.update(zip(missing, self.encode(missing), strict=True))
            if len(self._cache) + len(missing) > CACHE_LIMIT:
                self._cache.clear()
            self._cache.update((t, found[t]) for t in missing)
        rows = [found[t] for t in texts]
        return np.stack(rows) if rows else np.empty((0, DIMENSION), dtype=np.float32)

    @staticmethod
    def _run(state: _Loaded, texts: list[str]) -> np.ndarray:
        encodings = [state.tokenizer.encode(text) for text in texts]  # encode_batch would use every core
        ids = np.zeros((len(texts), max(len(e.ids) for e in encodings)), dtype=np.int64)  # [PAD] is 0
        mask = np.zeros_like(ids)
        for row, encoding in enumerate(encodings):
            ids[row, :len(encoding.ids)] = encoding.ids
            mask[row, :len(encoding.ids)] = 1
        feeds: dict[str, Any] = {"input_ids": ids, "attention_mask": mask}
        if state.wants_token_types:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = state.session.run(None, feeds)[0]
        return mean_pool_normalise(hidden, mask)


def mean_pool_normalise(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """sentence-transformers' ``Pooling(mean)`` then ``Normalize``: the mask-weighted token mean, L2 = 1."""
    weights = mask[..., None].astype(np.float32)
    pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)


_default: SentenceEncoder | None = None
_default_lock = threading.Lock()


def default_encoder() -> SentenceEncoder:
    """The process's one encoder over the installed pinned files (loaded on its first encode)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = SentenceEncoder()
        return _default
