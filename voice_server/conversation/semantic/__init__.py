"""Embedded sentence meaning: a pinned all-MiniLM-L6-v2 encoder and concept matching over it.

    from voice_server.conversation.semantic import ConceptIndex
    occasions = ConceptIndex({"wedding": ["a wedding guest outfit", ...], "beach": [...]})
    occasions.match("something for my cousin's shaadi", k=3)   # [(concept, cosine), ...] best first
"""

from voice_server.conversation.semantic.concepts import ConceptIndex
from voice_server.conversation.semantic.encoder import DIMENSION, SentenceEncoder, default_encoder
from voice_server.conversation.semantic.model_files import (
    ModelFileError,
    ModelFiles,
    PinnedFile,
    default_files,
)

__all__ = [
    "DIMENSION",
    "ConceptIndex",
    "ModelFileError",
    "ModelFiles",
    "PinnedFile",
    "SentenceEncoder",
    "default_encoder",
    "default_files",
]
