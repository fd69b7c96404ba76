"""Flat JSON views of a turn (products, cart) shared by `shepherd chat --json` and `shepherd replay`.

Accepts either the typed records (`ProductCard`, `Cart`) or their JSON form as it arrives in a
websocket `reply` message, and always yields the same keys.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from commerce.models import Cart, ProductCard


def _as_dict(value: BaseModel | dict[str, Any] | None) -> dict[str, Any] | None:
    if value is None:
        return None
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return dict(value)


def _dollars(cents: Any) -> float | None:
    return round(int(cents) / 100, 2) if cents is not None else None


def _size_view(advice: Any) -> str | None:
    if isinstance(advice, dict):
        return advice.get("size")
    return advice if isinstance(advice, str) else None


def _risk_view(risk: Any) -> dict[str, Any] | None:
    if not isinstance(risk, dict):
        return None
    return {k: risk.get(k) for k in ("probability", "level", "mitigation", "safer_size")}


def product_view(product: ProductCard | dict[str, Any]) -> dict[str, Any]:
    """id, name, brand, price (dollars), currency, colour, category, sizes, recommended size, return risk."""
    data = _as_dict(product) or {}
    cents = data.get("price_cents")
    price = _dollars(cents) if cents is not None else data.get("price")
    return {
        "id": data.get("id"),
        "name": data.get("name"),
        "brand": data.get("brand"),
        "price": float(price) if price is not None else None,
        "price_cents": cents,
        "currency": data.get("currency", "USD"),
        "colour": data.get("colour"),
        "category": data.get("category"),
        "gender": data.get("gender"),
        "sizes": list(data.get("sizes_available", data.get("sizes")) or []),
        "recommended_size": _size_view(data.get("recommended_size")),
        "size_confidence": (data.get("recommended_size") or {}).get("confidence")
        if isinstance(data.get("recommended_size"), dict) else None,
        "return_risk": _risk_view(data.get("return_risk")),
    }


def cart_view(cart: Cart | dict[str, Any] | None) -> dict[str, Any] | None:
    """Lines (product id, size, quantity, unit price) and totals, in dollars and cents."""
    data = _as_dict(cart)
    if data is None:
        return None
    lines = [
        {
            "product_id": line.get("product_id"),
            "name": line.get("name"),
            "size": line.get("size"),
            "quantity": line.get("quantity"),
            "unit_price": _dollars(line.get("unit_price_cents")),
            "unit_price_cents": line.get("unit_price_cents"),
            "line_total_cents": line.get("line_total_cents"),
        }
        for line in data.get("lines", [])
    ]
    return {
        "lines": lines,
        "item_count": sum(int(line["quantity"] or 0) for line in lines),
        "subtotal_cents": data.get("subtotal_cents"),
        "total_cents": data.get("total_cents"),
        "total": _dollars(data.get("total_cents")),
        "currency": data.get("currency", "USD"),
    }


def order_view(order: BaseModel | dict[str, Any] | None) -> dict[str, Any] | None:
    """id, status and total (dollars) of an order placed in this turn; None when none was."""
    data = _as_dict(order)
    if not data:
        return None
    return {"id": data.get("id"), "status": data.get("status"), "total": _dollars(data.get("total_cents")),
            "currency": data.get("currency", "USD")}
