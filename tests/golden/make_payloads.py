"""Writes the golden payloads of the current versions and records the models' fingerprints.

    .venv/bin/python tests/golden/make_payloads.py                 # add goldens of new versions
    .venv/bin/python tests/golden/make_payloads.py --fingerprints  # re-record fingerprints.json

A golden file, once written, is frozen: this script never overwrites one (delete it by hand if it
was wrong before it was ever released). Version 1 is written as rows were before versions existed,
without `schema_version`; later versions as maas.storage.payloads.dump writes them. The objects
are the demo region's (its operators, its pass product, Tokyo times) with every optional part
filled in, so a rename anywhere inside shows. Change `samples()` when a kind's model changes.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from maas.domain.accounts import GeoPoint  # noqa: E402
from maas.domain.analyses import Analysis, AnalysisKind, AnalysisState  # noqa: E402
from maas.domain.bookings import BookedLeg, Booking, TripState  # noqa: E402
from maas.domain.fare_rules import PassProduct  # noqa: E402
from maas.domain.mobility import BookingState, Conditions, LegBooking, Offer  # noqa: E402
from maas.domain.ondemand import Ride  # noqa: E402
from maas.domain.passes import PassState, RiderPass  # noqa: E402
from maas.domain.payments import Payment, PaymentState  # noqa: E402
from maas.domain.planning import Money  # noqa: E402
from maas.domain.rider_events import EventType, make_event  # noqa: E402
from maas.domain.vehicle_holds import HeldBooking, VehicleHold  # noqa: E402
from maas.storage.payloads import KINDS, dump, fingerprint  # noqa: E402

GOLDEN = ROOT / "tests" / "golden" / "payloads"
JST = dt.timezone(dt.timedelta(hours=9))
DAY = dt.date(2026, 12, 8)


def at(hh_mm: str) -> dt.datetime:
    hours, minutes = map(int, hh_mm.split(":"))
    return dt.datetime(DAY.year, DAY.month, DAY.day, hours, minutes, tzinfo=JST)


def yen(amount: int) -> Money:
    return Money(amount_minor=amount, currency="JPY")


TOWN_HALL = GeoPoint(lat=36.4012, lon=138.9021)
HOSPITAL = GeoPoint(lat=36.4105, lon=138.9203)
TERMS = Conditions(confirmation_required=True, free_cancellation_until=at("08:30"), cancellation_fee=yen(500),
                   notes=("車椅子のまま乗車できます",))
TAXI_LEG = LegBooking(id="taxi-bk-0001", operator_id="yamabuki-kotsu-taxi", offer_id="of-taxi-0001",
                      state=BookingState.CONDITIONAL_CONFIRMED, price=yen(1800), conditions=TERMS,
                      departure=at("09:30"), arrival=at("09:50"), expires_at=at("09:00"), reason="配車確認中")


def samples() -> dict[str, Any]:
    """One object per kind, as the current models build them."""
    offer = Offer(id="of-taxi-0001", operator_id="yamabuki-kotsu-taxi", mode="taxi", price=yen(1800),
                  valid_until=at("08:15"), departure=at("09:30"), arrival=at("09:50"), origin=TOWN_HALL,
                  destination=HOSPITAL, distance_m=4200, conditions=TERMS, vehicle_type="wheelchair_van",
                  description="役場前から山吹病院まで", route_id="R-town-loop")
    paid = Payment(id="pi_golden_0001", gateway="stripe", booking_id="bk-golden-0001",
                   state=PaymentState.CAPTURED, authorised=yen(2000), captured_minor=1900, refunded_minor=100,
                   created_at=at("08:01"))
    booking = Booking(
        id="bk-golden-0001", account_id="acc-haru", state=TripState.CONDITIONAL_CONFIRMED,
        legs=(BookedLeg(index=0, operator_id="yamabuki-kotsu-taxi", offer_id="of-taxi-0001", mode="taxi",
                        price=yen(1800), departure=at("09:30"), arrival=at("09:50"), conditions=TERMS,
                        description="役場前→山吹病院", booking=TAXI_LEG, rider_price=yen(900), subsidy=yen(900),
                        rules=("senior-taxi-half",), fee=yen(500), covered=yen(200), pass_id="ps-golden-0001",
                        route_id="R-town-loop"),
              BookedLeg(index=1, operator_id="yamabuki-community-bus", offer_id="of-bus-0002", mode="bus",
                        price=yen(200), departure=at("11:05"), arrival=at("11:25"))),
        total=yen(2000), payment=paid, payment_gateway="stripe", reason="確認待ち", idempotency_key="key-0001",
        request_digest="sha256:5f1d", created_at=at("08:00"), updated_at=at("08:05"), confirm_by=at("09:00"),
        compensate_to=TripState.CANCELLED, payment_method="pm_card_visa", customer_ref="cus_golden",
        authorise_at=at("08:00"), version=3)
    ride = Ride(booking=TAXI_LEG.model_copy(update={"id": "ride-golden-0001", "operator_id": "noriai",
                                                    "offer_id": "of-noriai-0001"}),
                service_date=DAY, origin=TOWN_HALL, destination=HOSPITAL, travellers=2, wheelchairs=1,
                needs=frozenset({"wheelchair"}), requested_pickup=at("09:30"), pickup_from=at("09:25"),
                pickup_until=at("09:45"), latest_dropoff=at("10:20"), vehicle_id="noriai-van-1",
                rider_ref="acc-shigeru", rider_name="山田 茂", picked_up_at=at("09:31"), dropped_off_at=at("09:58"),
                no_show_at=at("09:46"), book_key="ride-key-0001", direct_s=840)
    product = PassProduct.model_validate(
        json.loads((ROOT / "fixtures" / "demo-region" / "fare-rules.json").read_text(encoding="utf-8"))["passes"][0])
    rider_pass = RiderPass(id="ps-golden-0001", account_id="acc-haru", product=product, state=PassState.ACTIVE,
                           valid_from=at("00:00"), valid_until=at("00:00") + dt.timedelta(days=30), price=yen(1000),
                           payment=paid.model_copy(update={"id": "pi_pass_0001", "booking_id": "ps-golden-0001"}),
                           payment_method="pm_card_visa", refunded=yen(300), idempotency_key="pass-key-0001",
                           request_digest="sha256:9a0c", created_at=at("07:55"), updated_at=at("07:56"))
    analysis = Analysis(id="an-golden-0001", kind=AnalysisKind.ROUTE_PERFORMANCE,
                        parameters={"date": "2026-12-08", "end_date": "2026-12-14"}, state=AnalysisState.DONE,
                        progress=1.0, message="完了", created_by="acc-analyst", created_at=at("07:00"),
                        started_at=at("07:01"), finished_at=at("07:09"), error=None,
                        summary={"routes": 4, "boardings": 312})
    bike = LegBooking(id="bike-golden-0001", operator_id="yamabuki-cycle", offer_id="of-bike-0001",
                      state=BookingState.STARTED, price=yen(300), departure=at("10:00"), arrival=at("10:20"),
                      expires_at=at("10:15"))
    hold = HeldBooking(booking=bike, hold=VehicleHold(booking_id="bike-golden-0001", station_id="st-station-east",
                                                      vehicle_id="bike-17", vehicle_type_id="e-bike", count=1,
                                                      from_at=at("09:45"), started_at=at("10:01"),
                                                      finished_at=at("10:19")),
                       book_key="bike-key-0001", booked_as=bike.model_copy(update={"state": BookingState.CONFIRMED}))
    event = make_event(EventType.PICKUP_WINDOW_CHANGED, at=at("09:10"), account_id="acc-haru",
                       booking_id="bk-golden-0001", key="7:0",
                       data={"booking_id": "bk-golden-0001", "leg": 0, "departure": at("09:35").isoformat(),
                             "arrival": at("10:05").isoformat(), "previous_departure": at("09:30").isoformat()})
    return {"bookings": booking, "offers_issued": offer, "ondemand_rides": ride, "transit_tickets": TAXI_LEG,
            "rider_passes": rider_pass, "analyses": analysis, "vehicle_holds": hold, "rider_events": event}


def main(argv: list[str]) -> None:
    for table, obj in samples().items():
        kind = next(k for k in KINDS if k.table == table)
        path = GOLDEN / table / f"v{kind.version}.json"
        if path.exists():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        text = obj.model_dump_json() if kind.version == 1 else dump(kind, obj)
        path.write_text(json.dumps(json.loads(text), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    record = GOLDEN / "fingerprints.json"
    if "--fingerprints" in argv or not record.exists():
        prints = {k.table: {"version": k.version, "model": k.model.__name__, "schema_sha256": fingerprint(k)}
                  for k in KINDS}
        record.write_text(json.dumps(prints, indent=2) + "\n", encoding="utf-8")
        print(f"recorded {record.relative_to(ROOT)}")


if __name__ == "__main__":
    main(sys.argv[1:])
