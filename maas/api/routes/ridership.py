"""Ridership counts the town uploads (CSV) for trips not booked here, read by scenarios beside the
boardings recorded here. For the town's analysts and admins only."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from maas.api.endpoints import Call, EndpointTable
from maas.api.schemas import Request
from maas.domain.accounts import Principal, Role

routes = EndpointTable()
ANALYSTS = (Role.ANALYST, Role.ADMIN)
TAGS = ("analyses",)


class RidershipUpload(BaseModel):
    """CSV text with the columns route_id, date (YYYY-MM-DD), boardings and optionally trip_id."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: str = Field(default="csv", pattern="^csv$")
    content: str = Field(min_length=1, max_length=5_000_000,
                         examples=["route_id,date,boardings\nbus-loop,2026-11-24,58\nbus-hinokizawa,2026-11-24,11\n"])

    @field_validator("content")
    @classmethod
    def _no_nul(cls, value: str) -> str:
        if "\x00" in value:
            raise ValueError("NUL characters are not allowed")
        return value


class RidershipStored(BaseModel):
    rows: int
    routes: list[str]
    first_date: dt.date
    last_date: dt.date
    boardings: int


class RidershipQuery(Request):
    date: dt.date


class RidershipTotals(BaseModel):
    date: dt.date
    boardings: dict[str, int] = Field(description="per route id, summed over its trips")


def _principal(call: Call) -> Principal:
    assert call.principal is not None
    return call.principal


@routes.route("POST", "/v1/ridership", summary="Upload ridership counts (CSV)", tags=TAGS, roles=ANALYSTS,
              body=RidershipUpload, response=RidershipStored, status=201, errors=(403, 422))
async def upload_ridership(call: Call) -> Any:
    """Every row is checked first: a bad row refuses the whole upload, naming the rows (`row N`). A count of
    the same route, date and trip as an earlier upload replaces it."""
    body: RidershipUpload = call.body
    return RidershipStored(**await call.container.ridership.upload(_principal(call), body.content))


@routes.route("GET", "/v1/ridership", summary="Uploaded boardings per route on a date", tags=TAGS, roles=ANALYSTS,
              query=RidershipQuery, response=RidershipTotals, errors=(403, 422))
async def ridership_totals(call: Call) -> RidershipTotals:
    q: RidershipQuery = call.query
    return RidershipTotals(date=q.date, boardings=await call.container.ridership.totals(_principal(call), q.date))
