"""The semantic layer on the real pinned model: file checks, meaning, determinism (phrases are our own)."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from voice_server.conversation.semantic import (
    ConceptIndex,
    ModelFileError,
    ModelFiles,
    PinnedFile,
    SentenceEncoder,
    default_encoder,
    default_files,
)

CONCEPTS = {
    "activewear": ["workout gear", "gym clothes", "sportswear for training", "running kit"],
    "swimwear": ["swimsuit", "bikini", "swimming trunks", "something to wear in the pool"],
    "outerwear": ["warm winter coat", "jacket for cold weather", "puffer jacket", "raincoat"],
    "formalwear": ["business suit", "formal office attire", "blazer and trousers for work"],
    "sleepwear": ["pyjamas", "nightwear", "something comfortable to sleep in"],
    "weather": ["what is the weather forecast", "will it rain tomorrow", "how hot is it outside"],
    "electronics": ["buy a laptop", "phone charger", "wireless headphones", "a new television"],
}
# Paraphrases that share (almost) no word with their concept's phrases.
PARAPHRASES = [
    ("I'm starting at a fitness club next week, what should I wear there", "activewear"),
    ("clothes for jogging around the park", "activewear"),
    ("we're off to the seaside and I need something to bathe in", "swimwear"),
    ("it's freezing out, I need something to keep me warm", "outerwear"),
    ("an outfit for a job interview at a bank", "formalwear"),
    ("cosy stuff to wear in bed", "sleepwear"),
    ("is it going to be sunny this weekend", "weather"),
    ("do you sell notebooks computers or tablets", "electronics"),
]
UNRELATED = ["the capital of France is Paris", "seven times eight is fifty six", "my cat chased a mouse"]
THRESHOLD = 0.45
# First components of sentence-transformers' fp32 all-MiniLM-L6-v2 vector for this sentence (the model
# card's example; reproduced with an independent numpy forward pass of the fp32 safetensors). The int8
# graph stays within 0.003 of them; a wrong pooling, normalisation or tokenizer setting does not.
FP32_EXAMPLE = ("This is an example sentence", [0.0677, 0.0635, 0.0487, 0.0793, 0.0374, 0.0027, 0.0394, -0.0071])


@pytest.fixture(scope="module")
def index() -> ConceptIndex:
    return ConceptIndex(CONCEPTS)


def test_vectors_are_unit_float32_and_paraphrases_are_closer_than_unrelated_text() -> None:
    vectors = default_encoder().encode(["gym clothes", "sportswear for working out", "a recipe for lentil soup"])
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    paraphrase, unrelated = float(vectors[0] @ vectors[1]), float(vectors[0] @ vectors[2])
    assert paraphrase > 0.6 > 0.2 > unrelated


def test_vectors_follow_the_fp32_sentence_transformers_model() -> None:
    text, reference = FP32_EXAMPLE
    np.testing.assert_allclose(default_encoder().encode([text])[0][:8], reference, atol=0.005)


def test_encoding_is_deterministic_and_independent_of_the_batch() -> None:
    encoder = default_encoder()
    texts = ["a red dress for a wedding", "socks", "could you show me some warm boots for hiking in the snow"]
    together = encoder.encode(texts)
    alone = np.stack([encoder.encode([t])[0] for t in texts])
    np.testing.assert_allclose(together, alone, atol=1e-5)
    assert np.array_equal(encoder.encode(texts), together)
    assert encoder.encode([]).shape == (0, 384)


def test_threads_share_one_encoder_and_agree() -> None:
    encoder = default_encoder()
    expected = encoder.encode(["a linen shirt for summer"])[0]
    results: list[np.ndarray] = []
    threads = [threading.Thread(target=lambda: results.append(encoder.encode(["a linen shirt for summer"])[0]))
               for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4 and all(np.allclose(r, expected, atol=1e-6) for r in results)


@pytest.mark.parametrize(("text", "concept"), PARAPHRASES)
def test_paraphrases_match_their_concept(index: ConceptIndex, text: str, concept: str) -> None:
    top = index.match(text, k=3)
    assert top[0][0] == concept, top
    assert top[0][1] >= THRESHOLD and top[0][1] > top[1][1] >= top[2][1]
    assert index.best(text, THRESHOLD) == top[0]


@pytest.mark.parametrize("text", UNRELATED)
def test_unrelated_text_scores_below_the_threshold(index: ConceptIndex, text: str) -> None:
    assert index.match(text, k=1)[0][1] < THRESHOLD
    assert index.best(text, THRESHOLD) is None


def test_match_shape_blank_text_and_explanations(index: ConceptIndex) -> None:
    assert len(index.match("a warm coat", k=10)) == len(CONCEPTS)
    assert index.match("   ") == [] and index.best("", 0.0) is None
    assert index.nearest_phrase("a puffy jacket") == ("outerwear", "puffer jacket", pytest.approx(0.8, abs=0.2))
    shared = index.encode("a puffy jacket")
    assert index.match_vector(shared, k=2) == index.match("a puffy jacket", k=2)


def test_concept_tables_are_validated() -> None:
    with pytest.raises(ValueError, match="at least one concept"):
        ConceptIndex({})
    with pytest.raises(ValueError, match="non-blank phrase"):
        ConceptIndex({"empty": []})
    with pytest.raises(ValueError, match="non-blank phrase"):
        ConceptIndex({"blank": ["ok", "  "]})


def test_installed_files_match_the_pins() -> None:
    files = default_files()
    assert files.onnx.verified().name == "model.onnx"
    assert files.tokenizer.verified().name == "tokenizer.json"


def test_a_changed_model_file_is_a_typed_error(tmp_path: Path) -> None:
    real = default_files()
    tampered = tmp_path / "model.onnx"
    tampered.write_bytes(b"not the pinned model")
    encoder = SentenceEncoder(ModelFiles(onnx=PinnedFile(tampered, real.onnx.sha256), tokenizer=real.tokenizer))
    with pytest.raises(ModelFileError, match="sha256") as caught:
        encoder.encode(["hello"])
    assert caught.value.reason == "sha256" and caught.value.path == tampered


def test_a_missing_or_uninstalled_file_is_a_typed_error(tmp_path: Path) -> None:
    real = default_files()
    for path in (tmp_path / "absent.json", None):
        encoder = SentenceEncoder(ModelFiles(onnx=real.onnx, tokenizer=PinnedFile(path, real.tokenizer.sha256)))
        with pytest.raises(ModelFileError, match="not found") as caught:
            encoder.load()
        assert caught.value.reason == "missing"
