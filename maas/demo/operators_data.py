"""The region's operators, the taxi tariff and the のりあい号 on-demand service area."""

from __future__ import annotations

from maas.demo import gbfs_feed
from maas.demo.gtfs_feed import RAIL_AGENCY, TOWN_AGENCY
from maas.demo.region_data import CURRENCY, DEPOT, ON_DEMAND_OUTLINE_M, TIMEZONE, VIRTUAL_STOPS, lat_of, lon_of

TAXI_ID = "yamabuki-kotsu-taxi"
ON_DEMAND_ID = "noriai"
CONTRACTOR = "山吹交通株式会社"  # runs the community bus, the taxis and the vans


def operators() -> list[dict]:
    # mode is the TOMP-API assetClass in lower case.
    return [
        {"id": "yamabuki-tetsudo", "name": "山吹鉄道", "name_en": "Yamabuki Railway", "mode": "rail",
         "kind": "transit", "gtfs_agency_id": RAIL_AGENCY, "phone": "0279-00-2100"},
        {"id": "yamabuki-community-bus", "name": "山吹町コミュニティバス", "name_en": "Yamabuki Community Bus",
         "mode": "bus", "kind": "transit", "gtfs_agency_id": TOWN_AGENCY, "operated_by": CONTRACTOR,
         "phone": "0279-00-3300"},
        {"id": gbfs_feed.SYSTEM_ID, "name": "やまぶきサイクル", "name_en": "Yamabuki Cycle", "mode": "bicycle",
         "kind": "bike-share", "gbfs": "gbfs/gbfs.json", "phone": "0279-00-4400"},
        {"id": TAXI_ID, "name": "山吹交通タクシー", "name_en": "Yamabuki Kōtsū Taxi", "mode": "taxi", "kind": "taxi",
         "operated_by": CONTRACTOR, "tariff": "taxi-tariff.json", "car_count": 9, "wheelchair_car_count": 2,
         "service_hours": {"start": "06:00", "end": "24:00"}, "phone": "0279-00-3311"},
        {"id": ON_DEMAND_ID, "name": "のりあい号", "name_en": "Noriai on-demand van", "mode": "shuttle",
         "kind": "on-demand", "operated_by": CONTRACTOR, "zone": "on-demand-zone.geojson",
         "phone": "0279-00-3322"},
    ]


def taxi_tariff() -> dict:
    """A 群馬県 rural 普通車 tariff; charges step in whole yen, so every amount is an integer."""
    return {
        "operator_id": TAXI_ID,
        "currency": CURRENCY,
        "timezone": TIMEZONE,
        "valid_from": "2026-04-01",
        "flag_fall": {"price_minor": 700, "distance_m": 1300},
        "distance_step": {"price_minor": 100, "distance_m": 280},
        # The meter counts time instead of distance while the car crawls below the threshold.
        "time_step": {"price_minor": 100, "duration_s": 105, "below_speed_kmh": 10},
        "night_surcharge": {"percent": 20, "start": "22:00", "end": "05:00"},
        "discounts": [
            {"id": "disability", "name": "障害者割引", "name_en": "Disability discount", "percent": 10,
             "requires": "障害者手帳の提示"},
        ],
        "fees": [
            {"id": "wheelchair_booking", "name": "車いす対応車両予約料", "name_en": "Wheelchair taxi booking fee",
             "price_minor": 500},
        ],
    }


def _polygon() -> list[list[list[float]]]:
    ring = [[lon_of(x), lat_of(y)] for x, y in ON_DEMAND_OUTLINE_M]
    return [ring + [ring[0]]]


def on_demand_zone() -> dict:
    weekdays = ["monday", "tuesday", "wednesday", "thursday", "friday"]
    area = {
        "type": "Feature",
        "id": "noriai-zone",
        "geometry": {"type": "Polygon", "coordinates": _polygon()},
        "properties": {
            "feature_type": "service_area",
            "service_id": ON_DEMAND_ID,
            "operator_id": ON_DEMAND_ID,
            "name": "のりあい号",
            "name_kana": "のりあいごう",
            "name_en": "Noriai on-demand van",
            "timezone": TIMEZONE,
            "service_hours": {day: [{"start": "08:00", "end": "17:00"}] for day in weekdays}
            | {"saturday": [], "sunday": [], "public_holiday": []},
            "closed_dates": {"start": "2026-12-29", "end": "2027-01-03"},
            "booking": {"max_advance_s": 7 * 86_400, "min_advance_s": 3_600, "channels": ["app", "phone"],
                        "phone": "0279-00-3322"},
            "fare": {"price_minor": 300, "currency": CURRENCY},
            "pickup_at_virtual_stops_only": True,
            "fleet": [
                {"vehicle_id": "noriai-1", "name": "のりあい1号", "seats": 8, "wheelchair_places": 1,
                 "depot": {"lat": DEPOT.lat, "lon": DEPOT.lon}},
                {"vehicle_id": "noriai-2", "name": "のりあい2号", "seats": 8, "wheelchair_places": 0,
                 "depot": {"lat": DEPOT.lat, "lon": DEPOT.lon}},
            ],
        },
    }
    stops = [
        {"type": "Feature", "id": stop.id, "geometry": {"type": "Point", "coordinates": [stop.lon, stop.lat]},
         "properties": {"feature_type": "virtual_stop", "id": stop.id, "service_id": ON_DEMAND_ID,
                        "name": stop.name, "name_kana": stop.kana, "name_en": stop.en}}
        for stop in VIRTUAL_STOPS
    ]
    return {"type": "FeatureCollection", "features": [area, *stops]}
