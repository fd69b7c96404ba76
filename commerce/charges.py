"""What a cart costs beyond its lines: shipping and tax (pure, so the dialogue can say the rule).

Shipping is free when the subtotal reaches $50.00, else $4.99; tax is 0 (prices are shown tax-inclusive in
the demo shop; a real deployment plugs in a tax service). ``commerce.cart`` totals carts with these.
"""

from __future__ import annotations

FREE_SHIPPING_FROM_CENTS = 5000
SHIPPING_CENTS = 499
TAX_RATE = 0


def shipping_for(subtotal_cents: int) -> int:
    """Shipping charge for a cart subtotal."""
    if subtotal_cents <= 0 or subtotal_cents >= FREE_SHIPPING_FROM_CENTS:
        return 0
    return SHIPPING_CENTS


def tax_for(subtotal_cents: int) -> int:
    return subtotal_cents * TAX_RATE
