"""Currencies a shopper may name a budget in: default rates (units per US dollar) and spoken names.

The shop prices in US dollars; `SHEPHERD_CURRENCY_RATES` overrides the rates. The defaults are
round mid-market figures of late 2026, for the demo only: a deployment sets its own.
"""

from __future__ import annotations

DEFAULT_RATES: dict[str, float] = {
    "INR": 83.0, "GBP": 0.79, "EUR": 0.92, "CAD": 1.36, "AUD": 1.52, "NZD": 1.66, "SGD": 1.34, "AED": 3.6725,
    "ZAR": 18.2, "KES": 129.0, "PHP": 56.5, "NGN": 1550.0,
}
SPOKEN_NAMES: dict[str, str] = {
    "INR": "rupees", "GBP": "pounds", "EUR": "euros", "CAD": "Canadian dollars", "AUD": "Australian dollars",
    "NZD": "New Zealand dollars", "SGD": "Singapore dollars", "AED": "dirhams", "ZAR": "rand",
    "KES": "Kenyan shillings", "PHP": "pesos", "NGN": "naira",
}
