"""A Japanese taxi meter tariff (flag fall, distance and slow-running steps, night surcharge,
fees) read from the operator's JSON file, and the fare it gives for a ride, in integer yen.

How the quote follows the meter (時間距離併用制):
- The flag fall pays for the first `flag_fall.distance_m`; after that the meter adds one step
  (`distance_step.price_minor`) each time another `distance_step.distance_m` has started.
- While the car runs below `time_step.below_speed_kmh`, the meter counts time instead of
  distance: every `time_step.duration_s` of slow running is worth one distance step. A quote
  cannot know the traffic, so it estimates the slow time as whatever the ride takes beyond
  driving its whole distance at the threshold speed: 0 for any ride averaging the threshold
  or faster (the planner's 30 km/h rides), and 240 s for 1,000 m in 10 minutes at 10 km/h.
  Slow seconds become metres at the step's exchange rate, exactly (fractions, never floats).
- The night surcharge (a percent of the metered fare, rounded half up to a whole minor unit)
  applies when the pickup falls in its window; the real meter switches mid-ride, a quote does not.
- Discounts (a percent of the metered fare) are applied only when asked for by id, since the
  driver checks eligibility; fees (the wheelchair-taxi booking fee) are added last, undiscounted.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Collection
from fractions import Fraction
from pathlib import Path

from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from maas.domain.planning import Money
from operators.validation import known_time_zone
from operators.taxi.hours import DailyWindow

WHEELCHAIR_FEE_ID = "wheelchair_booking"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FlagFall(_Frozen):
    price_minor: int = Field(ge=0)
    distance_m: int = Field(ge=0)


class DistanceStep(_Frozen):
    price_minor: int = Field(ge=0)
    distance_m: int = Field(gt=0)


class TimeStep(_Frozen):
    price_minor: int = Field(ge=0)
    duration_s: int = Field(gt=0)
    below_speed_kmh: int = Field(gt=0, le=60)


class NightSurcharge(DailyWindow):
    percent: int = Field(ge=0, le=100)


class Discount(_Frozen):
    id: str = Field(min_length=1)
    name: str
    name_en: str = ""
    percent: int = Field(gt=0, le=100)
    requires: str = ""


class Fee(_Frozen):
    id: str = Field(min_length=1)
    name: str
    name_en: str = ""
    price_minor: int = Field(ge=0)


class Tariff(_Frozen):
    """One operator's approved meter tariff; all amounts in minor units of `currency`."""

    operator_id: str
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    timezone: str
    valid_from: dt.date
    flag_fall: FlagFall
    distance_step: DistanceStep
    time_step: TimeStep
    night_surcharge: NightSurcharge | None = None
    discounts: tuple[Discount, ...] = ()
    fees: tuple[Fee, ...] = ()

    _known_zone = field_validator("timezone")(known_time_zone)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @model_validator(mode="after")
    def _one_meter(self) -> Tariff:
        # The meter adds the same amount for a distance step and a time step; a tariff that
        # priced them apart could not be run by a 時間距離併用 meter.
        if self.time_step.price_minor != self.distance_step.price_minor:
            raise ValueError("time_step and distance_step must add the same price")
        for items in (self.discounts, self.fees):
            ids = [item.id for item in items]
            if len(ids) != len(set(ids)):
                raise ValueError(f"repeated ids in {ids}")
        return self

    @property
    def wheelchair_fee_minor(self) -> int:
        return next((fee.price_minor for fee in self.fees if fee.id == WHEELCHAIR_FEE_ID), 0)

    def discount(self, discount_id: str) -> Discount:
        for discount in self.discounts:
            if discount.id == discount_id:
                return discount
        raise KeyError(f"tariff {self.operator_id} has no discount {discount_id!r}")


def load_tariff(path: Path) -> Tariff:
    """The tariff in a JSON file; ValueError naming the file when it is malformed."""
    try:
        return Tariff.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (ValidationError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: not a valid taxi tariff: {exc}") from exc


def _percent(amount_minor: int, percent: int) -> int:
    """`percent` of an amount, rounded half up to a whole minor unit."""
    return (amount_minor * percent * 2 + 100) // 200


def slow_running_s(tariff: Tariff, distance_m: int, duration_s: int) -> Fraction:
    """Estimated seconds below the threshold speed: the ride's time beyond its distance at that speed."""
    at_threshold_s = Fraction(distance_m * 3600, tariff.time_step.below_speed_kmh * 1000)
    return max(Fraction(0), duration_s - at_threshold_s)


def metered_minor(tariff: Tariff, distance_m: int, duration_s: int) -> int:
    """Flag fall plus one step per started step of distance and slow running beyond it."""
    if distance_m < 0 or duration_s < 0:
        raise ValueError("distance and duration cannot be negative")
    step = tariff.distance_step
    slow_as_m = slow_running_s(tariff, distance_m, duration_s) * step.distance_m / tariff.time_step.duration_s
    beyond_flag_m = distance_m + slow_as_m - tariff.flag_fall.distance_m
    steps = math.ceil(beyond_flag_m / step.distance_m) if beyond_flag_m > 0 else 0
    return tariff.flag_fall.price_minor + steps * step.price_minor


def is_night(tariff: Tariff, local_time: dt.time) -> bool:
    return tariff.night_surcharge is not None and tariff.night_surcharge.contains(local_time)


def quote_fare(tariff: Tariff, distance_m: int, duration_s: int, pickup_local_time: dt.time,
               wheelchair: bool, *, discount_ids: Collection[str] = ()) -> Money:
    """The meter fare of a ride picked up at `pickup_local_time` (the tariff's timezone)."""
    fare = metered_minor(tariff, distance_m, duration_s)
    if tariff.night_surcharge is not None and is_night(tariff, pickup_local_time):
        fare += _percent(fare, tariff.night_surcharge.percent)
    for discount_id in discount_ids:
        fare -= _percent(fare, tariff.discount(discount_id).percent)
    if wheelchair:
        fare += tariff.wheelchair_fee_minor
    return Money(amount_minor=fare, currency=tariff.currency)
