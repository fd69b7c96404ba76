"""Split a reply into speakable clauses so the first audio can leave before the whole reply is ready."""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"')\]]*\s+")
_SOFT_BREAK = re.compile(r"(?<=[,;:—])\s+")
_ABBREVIATIONS = ("mr.", "mrs.", "ms.", "dr.", "st.", "no.", "vs.", "e.g.", "i.e.", "approx.")


def _sentences(text: str) -> list[str]:
    parts: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        piece = text[start : match.start()].strip()
        if piece.lower().endswith(_ABBREVIATIONS):
            continue
        if piece:
            parts.append(piece)
        start = match.end()
    tail = text[start:].strip()
    if tail:
        parts.append(tail)
    return parts


def _soft_split(sentence: str, min_chars: int) -> list[str]:
    clauses: list[str] = []
    current = ""
    for piece in _SOFT_BREAK.split(sentence):
        current = f"{current} {piece}" if current else piece
        if len(current) >= min_chars:
            clauses.append(current)
            current = ""
    if current:
        if clauses and len(current) < min_chars // 2:
            clauses[-1] = f"{clauses[-1]} {current}"
        else:
            clauses.append(current)
    return clauses


def split_clauses(text: str, min_chars: int = 30) -> list[str]:
    """Split at sentence ends, and at , ; : once a clause has `min_chars` characters.

    A break needs whitespace after the mark, so "$49.99" and "1,200" are never split.
    """
    clauses: list[str] = []
    for sentence in _sentences(" ".join(text.split())):
        clauses.extend(_soft_split(sentence, min_chars))
    return clauses
