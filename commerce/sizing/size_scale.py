"""One size scale for every chart: RentTheRunway's size code, reached through the size charts.

The fit model is learned on RentTheRunway (RTR), whose ``size`` column is a numeric code
(4, 8, 12, ... for most rentals).  We read it as ``code = 4 + 2 × US dress size`` (US 0 → 4,
US 2 → 8, US 8 → 20): RTR shoppers' weight and bra size rise steadily along that scale.  That is
an assumption about RTR's coding, not a published fact.

Any chart of the shop is mapped onto the same scale through body measurements: the centre of
each size's primary measure (chest; waist for bottoms) is placed among the US dress chart's
centres for that measure.  Men's charts therefore land where a woman of that chest would be —
a crude transfer that the shop's own feedback (``shepherd train fit``) corrects.  Charts whose
measure the dress chart lacks (shoes: foot length) get one dress step per size, centred on M.

A shopper's body is placed on the same scale (`body_code`): their measurement's position on
the product's chart, mapped like the sizes.  On RTR the body measurement is the full bust from
the bra size (band + cup inches).
"""

from __future__ import annotations

from commerce.models import BodyMeasurements
from commerce.sizing.body import estimated, measured
from commerce.sizing.charts import PRIMARY_MEASURE, WOMENS_DRESS, Measure, SizeChart

CODE_AT_US_0 = 4.0
CODE_PER_DRESS_STEP = 4.0
"""One step of the US dress chart (two US sizes) is four RTR code units."""
MIDDLE_DRESS_STEP = 4.0
"""Charts without a comparable measure are centred on US 8 (dress step 4)."""

CUP_INCHES: dict[str, float] = {
    "aa": 0.5,
    "a": 1,
    "b": 2,
    "c": 3,
    "d": 4,
    "dd": 5,
    "d+": 5,
    "e": 5,
    "f": 6,
    "g": 7,
    "h": 8,
    "i": 9,
    "j": 10,
}
"""Full bust ≈ band + this many inches (the usual bra-size rule)."""


def measure_position(value: float, centres: list[float]) -> float:
    """Fractional index of `value` among increasing size centres, extrapolated linearly at both ends."""
    if len(centres) == 1:
        return 0.0
    if value <= centres[0]:
        return (value - centres[0]) / (centres[1] - centres[0])
    if value >= centres[-1]:
        return len(centres) - 1 + (value - centres[-1]) / (centres[-1] - centres[-2])
    k = next(i for i in range(len(centres) - 1) if centres[i] <= value <= centres[i + 1])
    return k + (value - centres[k]) / (centres[k + 1] - centres[k])


def primary_measure(chart: SizeChart) -> Measure:
    """The measure a chart is read by: waist for bottoms, foot for shoes, chest otherwise."""
    if chart.category_group == "bottoms":
        return "waist"
    return PRIMARY_MEASURE.get(chart.size_system, "chest")


def _centres(chart: SizeChart, measure: Measure) -> list[float] | None:
    values = [s.centre(measure) for s in chart.sizes]
    return None if any(v is None for v in values) else [float(v) for v in values if v is not None]


def _dress_steps(chart: SizeChart) -> list[float]:
    measure = primary_measure(chart)
    own = _centres(chart, measure)
    reference = _centres(WOMENS_DRESS, measure)
    if own is None or reference is None:
        middle = (len(chart.sizes) - 1) / 2
        return [MIDDLE_DRESS_STEP + k - middle for k in range(len(chart.sizes))]
    return [measure_position(c, reference) for c in own]


_CODES: dict[int, tuple[SizeChart, dict[str, float]]] = {}


def size_codes(chart: SizeChart) -> dict[str, float]:
    """Every label of the chart on the RTR code scale (charts are immutable: cached per chart object)."""
    cached = _CODES.get(id(chart))
    if cached is not None and cached[0] is chart:
        return dict(cached[1])
    codes = {
        s.size_label: CODE_AT_US_0 + CODE_PER_DRESS_STEP * step
        for s, step in zip(chart.sizes, _dress_steps(chart), strict=True)
    }
    if len(_CODES) < 256:
        _CODES[id(chart)] = (chart, codes)
    return codes


def code_at(chart: SizeChart, position: float) -> float:
    """RTR code of a fractional position on the chart (linear between sizes, extrapolated)."""
    codes = list(size_codes(chart).values())
    if len(codes) == 1:
        return codes[0]
    k = min(max(int(position), 0), len(codes) - 2)
    return codes[k] + (position - k) * (codes[k + 1] - codes[k])


def body_code(chart: SizeChart, measure_cm: float | None) -> float:
    """Where a body measurement (the chart's primary measure, cm) sits on the RTR code scale; NaN if unknown."""
    centres = _centres(chart, primary_measure(chart))
    if measure_cm is None or centres is None:
        return float("nan")
    return code_at(chart, measure_position(measure_cm, centres))


def shopper_measure(body: BodyMeasurements | None, chart: SizeChart) -> tuple[float | None, str]:
    """The shopper's value of the chart's primary measure and where it came from (tape, estimate, none)."""
    measure = primary_measure(chart)
    tape = measured(body).get(measure)
    if tape is not None:
        return tape, "tape"
    guess = estimated(body, chart.gender).get(measure)
    return (guess, "estimate") if guess is not None else (None, "none")


def bust_cm(band_inches: float, cup: str) -> float:
    """Full bust (cm) from a bra size; NaN when either part is unknown."""
    extra = CUP_INCHES.get(cup.strip().lower())
    if extra is None or band_inches != band_inches:
        return float("nan")
    return (band_inches + extra) * 2.54
