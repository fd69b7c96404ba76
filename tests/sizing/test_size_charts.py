"""Standard size charts: monotone, contiguous ranges and table rows for every category."""

from __future__ import annotations

import itertools

import pytest

from commerce.sizing.charts import (
    CATEGORIES,
    GENDERS,
    MEASURES,
    chart_for,
    chart_rows,
    kids_letter_for_age,
    size_system_for,
    sizes_for,
    waist_for_letter,
)

TABLE_COLUMNS = {
    "id",
    "brand_id",
    "category",
    "gender",
    "size_system",
    "size_label",
    "sort_order",
    *(f"{m}_{end}" for m in MEASURES for end in ("min", "max")),
}


@pytest.mark.parametrize(
    ("category", "gender"),
    [
        ("tops", "women"),
        ("tops", "men"),
        ("jeans", "men"),
        ("jeans", "women"),
        ("shoes", "men"),
        ("shoes", "women"),
    ],
)
def test_chart_ranges_increase_and_touch(category: str, gender: str) -> None:
    chart = chart_for(category, gender)
    assert chart is not None
    for measure in chart.sizes[0].measures:
        bounds = [s.measures[measure] for s in chart.sizes]
        for (lo, hi), (next_lo, next_hi) in itertools.pairwise(bounds):
            assert lo < hi
            assert next_lo == pytest.approx(hi, abs=0.11)
            assert next_hi > hi


def test_demo_sizes_per_category() -> None:
    assert sizes_for("tops", "women") == ["XS", "S", "M", "L", "XL", "XXL"]
    assert sizes_for("jeans", "men") == ["28", "30", "32", "34", "36", "38"]
    assert sizes_for("shoes", "men") == ["6", "7", "8", "9", "10", "11"]
    assert sizes_for("sandals", "women") == ["3", "4", "5", "6", "7", "8"]
    for category in ("bags", "watches", "jewellery", "accessories", "sarees"):
        assert sizes_for(category, "women") == ["Onesize"]
    with pytest.raises(ValueError, match="unknown category"):
        size_system_for("spaceships", "men")


def test_every_demo_size_is_on_its_chart() -> None:
    for category in CATEGORIES:
        for gender in GENDERS:
            chart = chart_for(category, gender)
            if chart is None:
                assert sizes_for(category, gender) == ["Onesize"]
                continue
            assert set(sizes_for(category, gender)) <= set(chart.labels)


def test_shoe_chart_matches_known_foot_lengths() -> None:
    chart = chart_for("shoes", "men")
    assert chart is not None
    uk8 = next(s for s in chart.sizes if s.size_label == "8")
    lo, hi = uk8.measures["foot"]
    assert 26.0 <= lo < hi <= 27.5  # UK 8 ≈ 26.5 cm foot


def test_chart_rows_have_table_columns_and_unique_keys() -> None:
    rows = chart_rows()
    assert all(set(row) == TABLE_COLUMNS for row in rows)
    keys = [(r["category"], r["gender"], r["size_label"]) for r in rows]
    assert len(keys) == len(set(keys))
    assert len({r["id"] for r in rows}) == len(rows)
    assert {r["category"] for r in rows} == set(CATEGORIES)
    dress_systems = {r["size_system"] for r in rows if r["category"] == "dresses" and r["gender"] == "women"}
    assert dress_systems == {"alpha", "us_dress"}
    for row in rows:
        for measure in MEASURES:
            lo, hi = row[f"{measure}_min"], row[f"{measure}_max"]
            assert (lo is None) == (hi is None)
            assert lo is None or lo < hi


def test_a_letter_size_maps_to_the_nearest_stocked_waist_within_one_size() -> None:
    assert waist_for_letter("M", "men") == "32"
    assert waist_for_letter("S", "women") == "26"  # the chart's own answer
    # 26 not made: a women's S is a 28, never a 30 when 28 is sold out
    assert waist_for_letter("S", "women", among=["28", "30", "32"]) == "28"
    assert waist_for_letter("S", "women", among=["30", "32"]) is None
    assert waist_for_letter("tall", "men", among=["30", "32"]) is None


def test_kids_letter_sizes_follow_age() -> None:
    assert [kids_letter_for_age(a) for a in (2, 4, 5, 6, 7, 8, 10, 12, 13, 14, 15)] == [
        None, "XS", "XS", "S", "S", "M", "L", "XL", "XXL", "XXL", None]
