"""Refused on-demand quotes, kept for the town's route-performance figures without personal data.

A refusal keeps the operator, the service date and requested pickup, why (RefusalCode), the
party size and when it was refused; where from and where to only as ~250 m cells (JIS X 0410
quarter meshes, 分割地域メッシュ 1/4, 10 digits), never a point, an account or a name.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator

from maas.domain.accounts import GeoPoint
from maas.domain.ondemand import RefusalCode

_QUARTERS_PER_DEGREE_LAT = 480  # a quarter mesh is 7.5" of latitude
_QUARTERS_PER_DEGREE_LON = 320  # and 11.25" of longitude


def quarter_mesh(point: GeoPoint) -> str:
    """The JIS quarter-mesh code (about 250 m) holding the point, e.g. "5438478211"; outside the
    mesh system's extent (longitudes 100-180 east, latitudes 0-66 north) the point rounded to 3 decimals."""
    if not (0 <= point.lat < 66.66 and 100 <= point.lon < 180):
        return f"{point.lat:.3f},{point.lon:.3f}"
    y = math.floor(point.lat * _QUARTERS_PER_DEGREE_LAT + 1e-9)
    x = math.floor((point.lon - 100) * _QUARTERS_PER_DEGREE_LON + 1e-9)
    first_y, ry = divmod(y, 320)  # first mesh: 40' x 1 degree
    first_x, rx = divmod(x, 320)
    second_y, ry = divmod(ry, 40)  # second: one eighth of it
    second_x, rx = divmod(rx, 40)
    third_y, ry = divmod(ry, 4)  # third (about 1 km): one tenth of that
    third_x, rx = divmod(rx, 4)
    half = 1 + rx // 2 + 2 * (ry // 2)  # 1 south-west, 2 south-east, 3 north-west, 4 north-east
    quarter = 1 + rx % 2 + 2 * (ry % 2)
    return f"{first_y:02d}{first_x:02d}{second_y}{second_x}{third_y}{third_x}{half}{quarter}"


def _aware(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("times need a UTC offset")
    return value


class RideRefusal(BaseModel):
    """One quote an on-demand operator refused."""

    model_config = ConfigDict(frozen=True)
    operator_id: str = Field(min_length=1, max_length=100)
    service_date: dt.date
    requested_pickup: dt.datetime
    code: RefusalCode
    travellers: int = Field(ge=1, le=9)
    refused_at: dt.datetime
    origin_cell: str = Field(max_length=32)
    destination_cell: str = Field(max_length=32)

    _times_aware = field_validator("requested_pickup", "refused_at")(_aware)


class RideRefusalLog(Protocol):
    """Durable refusals (in the unit of work's transaction)."""

    async def add(self, refusal: RideRefusal) -> None: ...

    async def list_refusals(self, operator_id: str, *, first: dt.date, last: dt.date) -> list[RideRefusal]:
        """The operator's refusals of service dates first..last (inclusive), oldest first."""
        ...


def count_by_code(refusals: Sequence[RideRefusal]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for refusal in refusals:
        counts[refusal.code.value] = counts.get(refusal.code.value, 0) + 1
    return dict(sorted(counts.items()))
