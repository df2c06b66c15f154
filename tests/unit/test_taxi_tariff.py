"""Taxi meter fares on rides a person can check by hand against the demo tariff:
700 yen for the first 1,300 m, 100 yen per started 280 m, slow running at 105 s per 100 yen
below 10 km/h, 20 % from 22:00 to 05:00, a 500 yen wheelchair booking fee."""

from __future__ import annotations

import datetime as dt
import json
from fractions import Fraction
from pathlib import Path

import pytest
from pydantic import ValidationError

from operators.taxi import DailyWindow, Tariff, load_tariff, metered_minor, quote_fare, slow_running_s

TARIFF_FILE = Path(__file__).resolve().parents[2] / "fixtures" / "demo-region" / "taxi-tariff.json"
NOON, NIGHT = dt.time(12, 0), dt.time(23, 0)


@pytest.fixture(scope="module")
def tariff() -> Tariff:
    return load_tariff(TARIFF_FILE)


def yen(tariff: Tariff, distance_m: int, duration_s: int = 0, at: dt.time = NOON,
        wheelchair: bool = False, discounts: tuple[str, ...] = ()) -> int:
    money = quote_fare(tariff, distance_m, duration_s, at, wheelchair, discount_ids=discounts)
    assert money.currency == "JPY"
    return money.amount_minor


def test_the_demo_file_is_read_as_written(tariff: Tariff) -> None:
    assert (tariff.operator_id, tariff.currency, str(tariff.zone)) == ("yamabuki-kotsu-taxi", "JPY", "Asia/Tokyo")
    assert (tariff.flag_fall.price_minor, tariff.flag_fall.distance_m) == (700, 1300)
    assert (tariff.distance_step.price_minor, tariff.distance_step.distance_m) == (100, 280)
    assert (tariff.time_step.duration_s, tariff.time_step.below_speed_kmh) == (105, 10)
    assert tariff.night_surcharge is not None and tariff.night_surcharge.percent == 20
    assert str(tariff.night_surcharge) == "22:00-05:00"
    assert tariff.wheelchair_fee_minor == 500
    assert tariff.discount("disability").percent == 10


@pytest.mark.parametrize(("distance_m", "expected_yen"), [
    (0, 700),
    (500, 700),          # a short ride is the flag fall
    (1300, 700),         # the flag fall covers exactly its distance
    (1301, 800),         # a started step is charged
    (1580, 800),         # 1300 + 280: still one step
    (1581, 900),
    (2000, 1000),        # 700 + ceil((2000 - 1300) / 280) = 700 + 3 x 100
    (10_000, 3900),      # 700 + ceil(8700 / 280) = 700 + 32 x 100 (31 x 280 = 8680)
])
def test_flag_fall_then_one_step_per_started_distance_step(tariff: Tariff, distance_m: int,
                                                            expected_yen: int) -> None:
    # 30 km/h or faster: no slow running
    assert yen(tariff, distance_m, duration_s=distance_m * 3600 // 30_000) == expected_yen


def test_slow_running_is_the_time_beyond_the_distance_at_the_threshold_speed(tariff: Tariff) -> None:
    # 1,000 m take 360 s at 10 km/h; 600 s leave 240 s of slow running, worth 240 x 280 / 105 = 640 m.
    assert slow_running_s(tariff, 1000, 600) == 240
    # 1,000 + 640 = 1,640 m metered: 340 m past the flag fall is 2 started steps.
    assert metered_minor(tariff, 1000, 600) == 900
    assert yen(tariff, 1000, 600) == 900


@pytest.mark.parametrize(("distance_m", "duration_s"), [(1000, 360), (1000, 100), (2000, 240)])
def test_no_slow_running_at_or_above_the_threshold_speed(tariff: Tariff, distance_m: int,
                                                         duration_s: int) -> None:
    assert slow_running_s(tariff, distance_m, duration_s) == 0


def test_standing_time_alone_runs_the_meter(tariff: Tariff) -> None:
    assert slow_running_s(tariff, 0, 105) == 105
    assert yen(tariff, 0, 5 * 105) == 800   # 5 x 280 = 1,400 m equivalent: one step past 1,300
    assert yen(tariff, 0, 4 * 105) == 700   # 1,120 m equivalent: still the flag fall


def test_slow_running_is_exact_not_floating(tariff: Tariff) -> None:
    # 1 m at 10 km/h takes 0.36 s: the estimate keeps the fraction rather than rounding it away.
    assert slow_running_s(tariff, 1, 1) == Fraction(16, 25)


@pytest.mark.parametrize(("at", "expected_yen"), [
    (dt.time(21, 59), 1000), (dt.time(22, 0), 1200), (dt.time(23, 59), 1200),
    (dt.time(0, 0), 1200), (dt.time(4, 59), 1200), (dt.time(5, 0), 1000), (NOON, 1000),
])
def test_night_surcharge_is_20_percent_of_the_meter_between_22_and_5(tariff: Tariff, at: dt.time,
                                                                      expected_yen: int) -> None:
    assert yen(tariff, 2000, 240, at=at) == expected_yen


def test_wheelchair_fee_is_added_after_the_surcharge(tariff: Tariff) -> None:
    assert yen(tariff, 2000, 240, wheelchair=True) == 1000 + 500
    assert yen(tariff, 2000, 240, at=NIGHT, wheelchair=True) == 1200 + 500  # the fee is not surcharged


def test_a_discount_applies_to_the_metered_fare_only_when_asked(tariff: Tariff) -> None:
    assert yen(tariff, 2000, 240, discounts=("disability",)) == 900
    assert yen(tariff, 2000, 240, at=NIGHT, wheelchair=True, discounts=("disability",)) == 1200 - 120 + 500
    with pytest.raises(KeyError, match="senior"):
        yen(tariff, 2000, 240, discounts=("senior",))


def tariff_data(**changes: object) -> dict:
    data = json.loads(TARIFF_FILE.read_text(encoding="utf-8"))
    data.update(changes)
    return data


def test_percentages_round_half_up_to_a_whole_yen() -> None:
    odd = Tariff.model_validate(tariff_data(flag_fall={"price_minor": 710, "distance_m": 1300},
                                            night_surcharge={"percent": 15, "start": "22:00", "end": "05:00"}))
    assert yen(odd, 0, at=NIGHT) == 710 + 107  # 106.5 rounds up
    assert yen(odd, 0, discounts=("disability",)) == 710 - 71


def test_negative_inputs_are_refused(tariff: Tariff) -> None:
    with pytest.raises(ValueError, match="negative"):
        quote_fare(tariff, -1, 0, NOON, False)


@pytest.mark.parametrize("changes", [
    {"time_step": {"price_minor": 90, "duration_s": 105, "below_speed_kmh": 10}},  # two meters
    {"distance_step": {"price_minor": 100, "distance_m": 0}},
    {"currency": "yen"},
    {"timezone": "Asia/Nowhere"},
    {"night_surcharge": {"percent": 20, "start": "25:00", "end": "05:00"}},
    {"fees": [{"id": "x", "name": "a", "price_minor": 1}, {"id": "x", "name": "b", "price_minor": 2}]},
    {"surprise": 1},
])
def test_malformed_tariffs_are_refused(changes: dict) -> None:
    with pytest.raises(ValidationError):
        Tariff.model_validate(tariff_data(**changes))


def test_load_tariff_names_the_bad_file(tmp_path: Path) -> None:
    bad = tmp_path / "tariff.json"
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(ValueError, match="tariff.json"):
        load_tariff(bad)


@pytest.mark.parametrize(("start", "end", "inside", "outside"), [
    ("06:00", "24:00", [dt.time(6), dt.time(23, 59)], [dt.time(5, 59), dt.time(0, 0)]),
    ("22:00", "05:00", [dt.time(22), dt.time(0, 30), dt.time(4, 59)], [dt.time(5), dt.time(21, 59)]),
    ("00:00", "24:00", [dt.time(0), dt.time(12), dt.time(23, 59)], []),
])
def test_daily_windows_may_wrap_midnight(start: str, end: str, inside: list[dt.time],
                                         outside: list[dt.time]) -> None:
    window = DailyWindow(start=start, end=end)
    assert all(window.contains(t) for t in inside)
    assert not any(window.contains(t) for t in outside)


@pytest.mark.parametrize(("start", "end"), [("06:00", "06:00"), ("00:00", "00:00"), ("6:0", "10:00"),
                                            ("10:60", "11:00"), ("10:00", "24:01")])
def test_empty_or_malformed_windows_are_refused(start: str, end: str) -> None:
    with pytest.raises(ValidationError):
        DailyWindow(start=start, end=end)
