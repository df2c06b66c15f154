"""Versioned payloads: the domain objects stored whole as JSON, and how old rows are read.

Eight tables keep a domain model as JSON in their `payload` column. Every payload written here
carries a top-level `"schema_version": N`, the current version of its kind; a payload without
one is version 1 (every row written before versions existed). Reading lifts a payload through
its kind's upcasters (`{1: v1 -> v2, 2: v2 -> v3, ...}`, each a plain dict -> dict function)
to the current version before the model validates it. A payload of a version newer than this
code, one no upcaster can lift, or one the model refuses raises StoredPayloadError naming the
table and row: never a silently wrong object.

The rule (docs/guide.md, "Stored payloads"): changing the JSON shape of a stored model bumps its
kind's version here, adds the upcaster from the previous version and a golden payload of the new
version under tests/golden/payloads/; tests/unit/test_payloads.py fails until all three are done.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from maas.domain.analyses import Analysis
from maas.domain.bookings import Booking
from maas.domain.mobility import LegBooking, Offer
from maas.domain.ondemand import Ride
from maas.domain.passes import RiderPass
from maas.domain.rider_events import RiderEvent
from maas.domain.vehicle_holds import HeldBooking

M = TypeVar("M", bound=BaseModel)
Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
VERSION_KEY = "schema_version"


class StoredPayloadError(ValueError):
    """A stored payload this code cannot read: a newer version, no upcaster, or not the model."""


@dataclass(frozen=True)
class PayloadKind(Generic[M]):
    """One stored model: its table, its current version and the upcasters that reach it."""

    table: str
    model: type[M]
    version: int = 1
    upcasters: Mapping[int, Upcaster] = field(default_factory=dict)  # from version k to k + 1

    def __post_init__(self) -> None:
        if VERSION_KEY in self.model.model_fields:
            raise TypeError(f"{self.model.__name__} has a field {VERSION_KEY!r}; the payload reserves it")
        missing = [k for k in range(1, self.version) if k not in self.upcasters]
        if missing:
            raise TypeError(f"{self.table}: no upcaster from version(s) {missing} to {self.version}")


BOOKING = PayloadKind("bookings", Booking)
OFFER = PayloadKind("offers_issued", Offer)
RIDE = PayloadKind("ondemand_rides", Ride)
TRANSIT_TICKET = PayloadKind("transit_tickets", LegBooking)
RIDER_PASS = PayloadKind("rider_passes", RiderPass)
ANALYSIS = PayloadKind("analyses", Analysis)
VEHICLE_HOLD = PayloadKind("vehicle_holds", HeldBooking)
RIDER_EVENT = PayloadKind("rider_events", RiderEvent)
KINDS: tuple[PayloadKind[Any], ...] = (BOOKING, OFFER, RIDE, TRANSIT_TICKET, RIDER_PASS, ANALYSIS, VEHICLE_HOLD,
                                       RIDER_EVENT)


def dump(kind: PayloadKind[M], obj: M) -> str:
    """The model's JSON with the kind's current version first."""
    if not isinstance(obj, kind.model):
        raise TypeError(f"{kind.table} stores {kind.model.__name__}, not {type(obj).__name__}")
    text = obj.model_dump_json()
    # Spliced rather than re-serialised: the rest stays byte for byte what pydantic writes.
    return f'{{"{VERSION_KEY}":{kind.version}' + ("," + text[1:] if text != "{}" else "}")


def load(kind: PayloadKind[M], text: str, *, row: str | None = None) -> M:
    """The model from a payload of any version this code knows, lifted to the current one."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise StoredPayloadError(f"{_where(kind, row, None)}: the payload is not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise StoredPayloadError(f"{_where(kind, row, None)}: the payload is not a JSON object")
    version = data.pop(VERSION_KEY, 1)
    where = _where(kind, row, data)
    if type(version) is not int or version < 1:
        raise StoredPayloadError(f"{where}: {VERSION_KEY} {version!r} is not a version (1, 2, ...)")
    if version > kind.version:
        raise StoredPayloadError(f"{where}: payload version {version} is newer than this code reads "
                                 f"(up to {kind.version}); was it written by a newer release?")
    while version < kind.version:
        upcast = kind.upcasters.get(version)
        if upcast is None:
            raise StoredPayloadError(f"{where}: no upcaster from payload version {version}")
        try:
            data = upcast(data)
        except (KeyError, TypeError, ValueError) as exc:
            raise StoredPayloadError(f"{where}: cannot lift payload version {version}: {exc!r}") from exc
        version += 1
    try:
        # Through JSON again, so the model validates exactly as it does a payload of the current version.
        return kind.model.model_validate_json(json.dumps(data, ensure_ascii=False))
    except ValidationError as exc:
        raise StoredPayloadError(f"{where}: the payload (version {version}) is not a valid "
                                 f"{kind.model.__name__}: {exc}") from exc


def fingerprint(kind: PayloadKind[Any]) -> str:
    """A hash of the JSON shape the kind's model reads and writes (its schemas without the prose):
    recorded beside the version in tests/golden/payloads/fingerprints.json."""
    def bare(node: Any) -> Any:
        if isinstance(node, dict):
            # A string under "title"/"description" is prose; a dict there is a field of that name.
            return {k: bare(v) for k, v in node.items()
                    if not (k in ("description", "title") and isinstance(v, str))}
        if isinstance(node, list):
            return [bare(v) for v in node]
        return node
    schemas = [bare(kind.model.model_json_schema(mode=mode)) for mode in ("validation", "serialization")]
    return hashlib.sha256(json.dumps(schemas, sort_keys=True).encode()).hexdigest()


def _where(kind: PayloadKind[Any], row: str | None, data: dict[str, Any] | None) -> str:
    if row is None and data is not None:  # the id inside the payload, for rows read in bulk
        inner = data.get("booking")  # rides and vehicle holds are named by their booking
        found = data.get("id") or (inner.get("id") if isinstance(inner, dict) else None)
        row = found if isinstance(found, str) else None
    return f"{kind.table} row {row or '(unknown id)'}"
