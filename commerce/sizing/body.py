"""Rough body-measurement estimates from height and weight (when a shopper gave no tape measures).

Linear rules of thumb in BMI, fitted by eye to published adult anthropometric averages
(bust ≈ 88 cm at BMI 22 for women, chest ≈ 100 cm at BMI 24 for men; foot ≈ 15.2 % of
height).  They are deliberately given a wide uncertainty by the advisor (about one size).
"""

from __future__ import annotations

from commerce.models import BodyMeasurements
from commerce.sizing.charts import Measure

DEFAULT_HEIGHT_CM = {"women": 163.0, "men": 176.0}
FOOT_TO_HEIGHT = 0.152

# measure -> (intercept, slope per BMI unit), per gender
_BMI_RULES: dict[str, dict[Measure, tuple[float, float]]] = {
    "women": {"chest": (40.0, 2.2), "waist": (16.0, 2.5), "hips": (45.0, 2.3)},
    "men": {"chest": (45.0, 2.3), "waist": (10.0, 3.0), "hips": (50.0, 2.0)},
}


def measured(body: BodyMeasurements | None) -> dict[Measure, float]:
    """The tape measurements the shopper gave (cm)."""
    if body is None:
        return {}
    values: dict[Measure, float | None] = {
        "chest": body.chest_cm,
        "waist": body.waist_cm,
        "hips": body.hips_cm,
        "foot": body.foot_cm,
        "height": body.height_cm,
    }
    return {k: v for k, v in values.items() if v is not None}


def estimated(body: BodyMeasurements | None, gender: str | None) -> dict[Measure, float]:
    """Circumferences from BMI (needs weight), foot length from height; gender-averaged if unknown."""
    if body is None:
        return {}
    genders = [gender] if gender in _BMI_RULES else list(_BMI_RULES)
    out: dict[Measure, float] = {}
    if body.weight_kg is not None:
        per_gender: list[dict[Measure, float]] = []
        for g in genders:
            height_m = (body.height_cm or DEFAULT_HEIGHT_CM[g]) / 100
            bmi = body.weight_kg / (height_m * height_m)
            per_gender.append({m: a + b * bmi for m, (a, b) in _BMI_RULES[g].items()})
        for measure in per_gender[0]:
            out[measure] = sum(p[measure] for p in per_gender) / len(per_gender)
    if body.height_cm is not None:
        out["foot"] = FOOT_TO_HEIGHT * body.height_cm
    return out
