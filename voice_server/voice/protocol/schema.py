"""JSON Schema export of every protocol message: `python -m voice_server.voice.protocol.schema [DIR]`.

Writes one `<type>.json` per message plus `client.json` / `server.json` (the unions) into DIR
(default `docs/protocol/schemas`). `tests/voice/test_protocol_schemas.py` checks they are in sync.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from voice_server.voice.protocol.messages import CLIENT_MESSAGE, CLIENT_MODELS, SERVER_MESSAGE, SERVER_MODELS

DEFAULT_DIR = Path(__file__).resolve().parents[3] / "docs" / "protocol" / "schemas"


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def schemas() -> dict[str, str]:
    """File name → JSON text of every schema."""
    out: dict[str, str] = {}
    for direction, models in (("client", CLIENT_MODELS), ("server", SERVER_MODELS)):
        for model in models:
            kind = model.model_fields["type"].default
            schema = model.model_json_schema(mode="serialization" if direction == "server" else "validation")
            schema["$id"] = f"https://style-shepherd/protocol/v1/{direction}/{kind}.json"
            out[f"{direction}.{kind}.json"] = render(schema)
    out["client.json"] = render({"$id": "https://style-shepherd/protocol/v1/client.json",
                                 **CLIENT_MESSAGE.json_schema()})
    out["server.json"] = render({"$id": "https://style-shepherd/protocol/v1/server.json",
                                 **SERVER_MESSAGE.json_schema(mode="serialization")})
    return out


def write(directory: Path = DEFAULT_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in schemas().items():
        path = directory / name
        path.write_text(text)
        written.append(path)
    for stale in directory.glob("*.json"):
        if stale.name not in schemas():
            stale.unlink()
    return written


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    paths = write(Path(args[0]) if args else DEFAULT_DIR)
    print(f"wrote {len(paths)} schemas")


if __name__ == "__main__":
    main()
