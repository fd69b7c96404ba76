"""Match free text to caller-named concepts by the meaning of a few descriptive phrases each.

    index = ConceptIndex({"activewear": ["workout gear", "gym clothes"], "weather": ["will it rain"]})
    index.match("something to wear for running", k=2)   # [("activewear", 0.61), ("weather", 0.08)]
    index.best("is it sunny tomorrow", threshold=0.5)     # ("weather", 0.66) or None

A concept's score is the highest cosine similarity between the text and any of its phrases, so a
concept is as broad as its phrases are varied. Phrase vectors are computed when the index is built
(and remembered by the encoder, so rebuilding an index with the same phrases is cheap); a match costs one sentence encode plus one small matrix product, and several indexes can share
one encode through :meth:`ConceptIndex.match_vector`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from voice_server.conversation.semantic.encoder import SentenceEncoder, default_encoder


class ConceptIndex:
    """Concepts, each described by one or more short phrases (order of the mapping breaks ties)."""

    def __init__(self, concepts: Mapping[str, Sequence[str]], encoder: SentenceEncoder | None = None) -> None:
        self._encoder = encoder or default_encoder()
        names: list[str] = []
        phrases: list[str] = []
        starts: list[int] = []
        for name, described in concepts.items():
            cleaned = [p.strip() for p in ([described] if isinstance(described, str) else described)]
            if not name or not cleaned or not all(cleaned):
                raise ValueError(f"concept {name!r} needs a name and at least one non-blank phrase")
            names.append(name)
            starts.append(len(phrases))
            phrases.extend(cleaned)
        if not names:
            raise ValueError("a ConceptIndex needs at least one concept")
        self._names = tuple(names)
        self._starts = np.asarray(starts, dtype=np.intp)
        self._phrases = tuple(phrases)
        self._vectors = self._encoder.encode_cached(phrases)

    @property
    def concepts(self) -> tuple[str, ...]:
        return self._names

    @property
    def phrase_count(self) -> int:
        return len(self._phrases)

    def encode(self, text: str) -> np.ndarray:
        """The text's unit vector with this index's encoder (to share one encode between indexes)."""
        return self._encoder.encode([text])[0]

    def scores(self, vector: np.ndarray) -> np.ndarray:
        """Each concept's score (max cosine over its phrases) for a unit vector, in :attr:`concepts` order."""
        return np.maximum.reduceat(self._vectors @ vector, self._starts)

    def match_vector(self, vector: np.ndarray, k: int = 3) -> list[tuple[str, float]]:
        """The ``k`` best concepts for an already encoded text, best first."""
        scores = self.scores(vector)
        order = np.argsort(-scores, kind="stable")[:max(k, 0)]
        return [(self._names[i], float(scores[i])) for i in order]

    def match(self, text: str, k: int = 3) -> list[tuple[str, float]]:
        """The ``k`` best concepts for ``text`` with their scores (cosine, -1..1), best first; [] if blank."""
        if not text.strip():
            return []
        return self.match_vector(self.encode(text), k)

    def best(self, text: str, threshold: float) -> tuple[str, float] | None:
        """The best concept and its score if the score reaches ``threshold``, else None."""
        top = self.match(text, k=1)
        return top[0] if top and top[0][1] >= threshold else None

    def nearest_phrase(self, text: str) -> tuple[str, str, float] | None:
        """The single closest phrase as (concept, phrase, score): why a concept matched; None if blank."""
        if not text.strip():
            return None
        sims = self._vectors @ self.encode(text)
        i = int(np.argmax(sims))
        owner = int(np.searchsorted(self._starts, i, side="right")) - 1
        return self._names[owner], self._phrases[i], float(sims[i])
