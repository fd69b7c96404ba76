"""Currencies a shopper may name a budget in: default rates (units per US dollar) and spoken names.

The shop prices in US dollars; `SHEPHERD_CURRENCY_RATES` overrides the rates. The defaults are
round mid-market figures of late 2026, for the demo only: a deployment sets its own.
"""

from __future__ import annotations

DEFAULT_RATES: dict[str, float] = {
    "INR": 83.0, "GBP": 0.79, "EUR": 0.92, "CAD": 1.36, "AUD": 1.52, "NZD": 1.66, "SGD": 1.34, "AED": 3.6725,
    "ZAR": 18.2, "KES": 129.0, "PHP": 56.5, "NGN": 1550.0, "MYR": 4.7, "PKR": 280.0, "BDT": 110.0,
    "LKR": 300.0, "NPR": 133.0, "GHS": 15.0, "JMD": 156.0, "HKD": 7.8, "JPY": 150.0, "CNY": 7.2,
    "SAR": 3.75, "QAR": 3.64, "THB": 35.0, "EGP": 48.0, "UGX": 3700.0, "TZS": 2600.0, "TTD": 6.8,
    "IDR": 15800.0, "BRL": 5.4, "PLN": 4.0, "SEK": 10.6, "NOK": 10.8, "DKK": 6.9, "CHF": 0.88, "MXN": 17.5,
    "KRW": 1350.0, "TRY": 34.0,
}
SPOKEN_NAMES: dict[str, str] = {
    "INR": "rupees", "GBP": "pounds", "EUR": "euros", "CAD": "Canadian dollars", "AUD": "Australian dollars",
    "NZD": "New Zealand dollars", "SGD": "Singapore dollars", "AED": "dirhams", "ZAR": "rand",
    "KES": "Kenyan shillings", "PHP": "pesos", "NGN": "naira", "MYR": "ringgit", "PKR": "Pakistani rupees",
    "BDT": "taka", "LKR": "Sri Lankan rupees", "NPR": "Nepali rupees", "GHS": "cedis", "JMD": "Jamaican dollars",
    "HKD": "Hong Kong dollars", "JPY": "yen", "CNY": "yuan", "SAR": "riyals", "QAR": "Qatari riyals",
    "THB": "baht", "EGP": "Egyptian pounds", "UGX": "Ugandan shillings", "TZS": "Tanzanian shillings",
    "TTD": "Trinidad and Tobago dollars", "IDR": "rupiah", "BRL": "reais", "PLN": "zloty", "SEK": "Swedish kronor",
    "NOK": "Norwegian kroner", "DKK": "Danish kroner", "CHF": "Swiss francs", "MXN": "Mexican pesos", "KRW": "won",
    "TRY": "Turkish lira",
}
