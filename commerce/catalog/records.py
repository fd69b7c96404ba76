"""The documented catalog import record (CSV or JSONL) and its validation."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from commerce.catalog.taxonomy import CATEGORIES

MAX_SIZES = 30


class CatalogRecord(BaseModel):
    """One product with its size variants. See docs/catalog.md for the file format."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    external_id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=2, max_length=300)
    brand: str = Field(min_length=1, max_length=120)
    gender: str
    category: str
    colour: str | None = None
    price_usd: Decimal = Field(gt=0, le=100_000)
    description: str = Field(default="", max_length=5000)
    sizes: dict[str, int] = Field(min_length=1, description="size label -> units in stock")
    occasion: list[str] = Field(default_factory=list)
    style: list[str] = Field(default_factory=list)
    material: list[str] = Field(default_factory=list)
    popularity: float = Field(default=0.0, ge=0)
    source_price: Decimal | None = None
    source_currency: str | None = None

    @field_validator("gender")
    @classmethod
    def _gender(cls, value: str) -> str:
        value = value.lower()
        if value not in {"men", "women", "unisex", "boys", "girls"}:
            raise ValueError("gender must be one of men, women, unisex, boys, girls")
        return value

    @field_validator("category")
    @classmethod
    def _category(cls, value: str) -> str:
        value = value.lower()
        if value not in CATEGORIES:
            raise ValueError(f"unknown category {value!r}")
        return value

    @field_validator("colour", mode="before")
    @classmethod
    def _colour(cls, value: Any) -> Any:
        return (value or "").strip().lower() or None

    @field_validator("sizes", mode="before")
    @classmethod
    def _sizes(cls, value: Any) -> Any:
        if isinstance(value, str):  # CSV form: "S:4|M:0|L:7"
            parsed: dict[str, int] = {}
            for part in filter(None, (p.strip() for p in value.split("|"))):
                label, sep, stock = part.rpartition(":")
                if not sep or not label.strip():
                    raise ValueError(f"size entry {part!r} is not LABEL:STOCK")
                parsed[label.strip()] = int(stock)
            value = parsed
        if isinstance(value, dict):
            if len(value) > MAX_SIZES:
                raise ValueError(f"more than {MAX_SIZES} sizes")
            if any(int(v) < 0 for v in value.values()):
                raise ValueError("stock must be >= 0")
        return value

    @field_validator("occasion", "style", "material", mode="before")
    @classmethod
    def _tags(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [t.strip().lower() for t in value.split("|") if t.strip()]
        return value

    @property
    def price_cents(self) -> int:
        return int((self.price_usd * 100).quantize(Decimal("1")))


def validate_row(raw: dict[str, Any]) -> CatalogRecord | str:
    """A valid record, or a one-line reason why the row is rejected."""
    try:
        return CatalogRecord.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "row"
        return f"{field}: {first['msg']}"
    except (InvalidOperation, ValueError, TypeError) as exc:
        return str(exc)
