"""The region's operators, the taxi tariff, and the のりあい号 service area and its GTFS-Flex feed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from maas.demo import gbfs_feed
from maas.demo.gtfs_feed import RAIL_AGENCY, TOWN_AGENCY
from maas.demo.output import write_csv, write_json
from maas.demo.region_data import (BBOX, CURRENCY, DEPOT, REGION_ID, ON_DEMAND_OUTLINE_M, PUBLIC_HOLIDAYS, SERVICE_END, SERVICE_START,
                                   TIMEZONE, VIRTUAL_STOPS, in_new_year_break, lat_of, lon_of)

TAXI_ID = "yamabuki-kotsu-taxi"
ON_DEMAND_ID = "noriai"
CONTRACTOR = "山吹交通株式会社"  # runs the community bus, the taxis and the vans
ZONE_ID = "noriai-zone"
NORIAI_PHONE = "0279-00-3322"
SERVICE_HOURS = ("08:00", "17:00")  # weekdays except public holidays and 12/29-1/3
# Like most town デマンド交通: book from a week ahead up to an hour before the ride (GTFS-Flex
# booking_type 1), by app at any time or by phone while the office is open.
MIN_NOTICE_MIN, MAX_NOTICE_MIN = 60, 7 * 24 * 60


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
         "kind": "on-demand", "operated_by": CONTRACTOR, "zone": "on-demand-zone.geojson", "gtfs_flex": "flex",
         "phone": NORIAI_PHONE},
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
        "id": ZONE_ID,
        "geometry": {"type": "Polygon", "coordinates": _polygon()},
        "properties": {
            "feature_type": "service_area",
            "service_id": ON_DEMAND_ID,
            "operator_id": ON_DEMAND_ID,
            "name": "のりあい号",
            "name_kana": "のりあいごう",
            "name_en": "Noriai on-demand van",
            "timezone": TIMEZONE,
            "service_hours": {day: [{"start": SERVICE_HOURS[0], "end": SERVICE_HOURS[1]}] for day in weekdays}
            | {"saturday": [], "sunday": [], "public_holiday": []},
            "closed_dates": {"start": "2026-12-29", "end": "2027-01-03"},
            "booking": {"max_advance_s": MAX_NOTICE_MIN * 60, "min_advance_s": MIN_NOTICE_MIN * 60,
                        "channels": ["app", "phone"], "phone": NORIAI_PHONE},
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


def noriai_service() -> dict:
    """The van service's settings for the `ondemand` adapter: the fleet of on-demand-zone.geojson,
    its fare and the promises made to riders; area, hours and notice come from flex/."""
    fleet = on_demand_zone()["features"][0]["properties"]["fleet"]
    return {
        "operator_id": ON_DEMAND_ID, "name": "のりあい号", "timezone": TIMEZONE, "flex": "flex",
        "vans": [{"id": van["vehicle_id"], "seats": van["seats"], "wheelchair_places": van["wheelchair_places"],
                  "shift_start": "07:45", "shift_end": "17:30", "depot": van["depot"],
                  # Over eight hours on duty: an hour's rest (Labour Standards Act, art. 34), at the depot.
                  "breaks": [{"earliest_start": "11:30", "latest_start": "13:30", "duration_s": 3600}]}
                 for van in fleet],
        # 障害者手帳 holders ride at half fare (the town's senior fares are its subsidy rules, not the operator's).
        "fare": {"per_traveller": 300, "concessions": {"disability": 150}, "currency": CURRENCY,
                 "free_cancellation_before_s": 3600,
                 "cancellation_fee": 0},
        # Riders accept a pickup up to 30 min after the time asked; the app shows a 15-minute
        # window around the van's schedule; nobody rides more than 1.5 times the direct ride (15 min at least).
        "promise": {"flexible_before_s": 0, "flexible_after_s": 1800, "before_s": 300, "after_s": 600,
                    "max_ride_factor": 1.5, "max_ride_floor_s": 900},
        "boarding_s": 60, "wheelchair_boarding_s": 240, "alighting_s": 60,
        "road_factor": 1.3, "speed_mps": 7.0, "offer_validity_s": 300, "hold_s": 600, "reoptimise_s": 2.0,
    }


def fare_rules() -> dict:
    """Yamabuki Town's fare rules (maas.domain.fare_rules): what the town pays for whom, and its passes."""
    west, south, east, north = BBOX
    town = {"min_lon": west, "min_lat": south, "max_lon": east, "max_lat": north}
    return {"municipality": REGION_ID, "rules": [
        {"id": "noriai-senior-copay", "name": "のりあい号 町民高齢者(70歳以上)自己負担100円", "kind": "subsidy",
         "modes": ["on_demand"], "operators": [ON_DEMAND_ID], "within": town,
         "eligibility": {"min_age": 70, "resident": True}, "co_payment": 100},
        {"id": "bus-senior-half", "name": "コミュニティバス 町民高齢者(70歳以上)半額", "kind": "concession",
         "modes": ["bus"], "eligibility": {"min_age": 70, "resident": True}, "percent_off": 50},
        {"id": "taxi-voucher", "name": "タクシー助成券 町民高齢者(75歳以上) 1乗車500円", "kind": "subsidy",
         "modes": ["taxi"], "within": town, "eligibility": {"min_age": 75, "resident": True},
         "amount_off": 500, "valid_until": "2027-03-31"},
    ], "passes": [
        # A monthly pass for elderly residents: the community bus and the van inside the town, free.
        {"id": "silver-30", "name": "やまぶきシルバーパス(30日) 町民70歳以上",
         "name_en": "Yamabuki Silver Pass (30 days), residents aged 70+", "price": 1000, "days": 30,
         "modes": ["bus", "on_demand"], "within": town, "eligibility": {"min_age": 70, "resident": True}},
        # A day ticket for anyone: train, bus and van, and up to 200 yen of each shared-bike ride.
        {"id": "day-1", "name": "山吹まるごと1日乗車券", "name_en": "Yamabuki All-in-One Day Ticket", "price": 800, "days": 1,
         "modes": ["rail", "bus", "on_demand", "bike"], "cap_per_leg": 200, "within": town},
    ]}


# --- GTFS-Flex v2 feed of のりあい号: the same zone, hours and booking terms as on-demand-zone.geojson ----------

FLEX_SERVICE, FLEX_RULE = "noriai-weekday", "noriai-booking"
FLEX_URL = "https://www.town.yamabuki.example/noriai/"
FLEX_FILES = {
    "agency.txt": ["agency_id", "agency_name", "agency_url", "agency_timezone", "agency_lang", "agency_phone"],
    "routes.txt": ["route_id", "agency_id", "route_short_name", "route_long_name", "route_desc", "route_type"],
    "calendar.txt": ["service_id", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
                     "start_date", "end_date"],
    "calendar_dates.txt": ["service_id", "date", "exception_type"],
    "trips.txt": ["route_id", "service_id", "trip_id", "trip_headsign"],
    "stop_times.txt": ["trip_id", "location_id", "stop_sequence", "start_pickup_drop_off_window",
                       "end_pickup_drop_off_window", "pickup_type", "drop_off_type", "pickup_booking_rule_id",
                       "drop_off_booking_rule_id"],
    "booking_rules.txt": ["booking_rule_id", "booking_type", "prior_notice_duration_min", "prior_notice_duration_max",
                          "message", "phone_number", "info_url", "booking_url"],
    "feed_info.txt": ["feed_publisher_name", "feed_publisher_url", "feed_lang", "feed_start_date", "feed_end_date",
                      "feed_version"],
}


def _flex_tables() -> dict[str, list[dict]]:
    start, end = SERVICE_START.strftime("%Y%m%d"), SERVICE_END.strftime("%Y%m%d")
    closed, day = [], SERVICE_START
    while day <= SERVICE_END:
        if day.weekday() < 5 and (day in PUBLIC_HOLIDAYS or in_new_year_break(day)):
            closed.append({"service_id": FLEX_SERVICE, "date": day.strftime("%Y%m%d"), "exception_type": 2})
        day += dt.timedelta(days=1)
    # pickup_type/drop_off_type 2: every ride is booked with the office; row 1 boards, row 2 alights.
    legs = [{"trip_id": f"{FLEX_SERVICE}-1", "location_id": ZONE_ID, "stop_sequence": sequence,
             "start_pickup_drop_off_window": f"{SERVICE_HOURS[0]}:00", "end_pickup_drop_off_window":
             f"{SERVICE_HOURS[1]}:00", "pickup_type": pickup, "drop_off_type": drop_off,
             "pickup_booking_rule_id": FLEX_RULE, "drop_off_booking_rule_id": FLEX_RULE}
            for sequence, pickup, drop_off in ((1, 2, 1), (2, 1, 2))]
    message = (f"乗車希望時刻の{MIN_NOTICE_MIN}分前まで、{MAX_NOTICE_MIN // 1440}日前から予約できます。アプリは24時間、"
               f"電話（{NORIAI_PHONE}）は平日8:00-17:00に受け付けます。")
    return {
        "agency.txt": [{"agency_id": ON_DEMAND_ID, "agency_name": "のりあい号（山吹町デマンド交通）", "agency_url": FLEX_URL,
                        "agency_timezone": TIMEZONE, "agency_lang": "ja", "agency_phone": NORIAI_PHONE}],
        "routes.txt": [{"route_id": ON_DEMAND_ID, "agency_id": ON_DEMAND_ID, "route_long_name": "のりあい号",
                        "route_desc": "予約制の乗合ワゴン。区域内の乗降ポイント間を運行", "route_type": 715}],
        "calendar.txt": [{"service_id": FLEX_SERVICE, "monday": 1, "tuesday": 1, "wednesday": 1, "thursday": 1,
                          "friday": 1, "saturday": 0, "sunday": 0, "start_date": start, "end_date": end}],
        "calendar_dates.txt": closed,
        "trips.txt": [{"route_id": ON_DEMAND_ID, "service_id": FLEX_SERVICE, "trip_id": f"{FLEX_SERVICE}-1",
                       "trip_headsign": "のりあい号"}],
        "stop_times.txt": legs,
        "booking_rules.txt": [{"booking_rule_id": FLEX_RULE, "booking_type": 1, "prior_notice_duration_min":
                               MIN_NOTICE_MIN, "prior_notice_duration_max": MAX_NOTICE_MIN, "message": message,
                               "phone_number": NORIAI_PHONE, "info_url": FLEX_URL,
                               "booking_url": FLEX_URL + "reserve/"}],
        "feed_info.txt": [{"feed_publisher_name": "山吹町地域公共交通協議会",
                           "feed_publisher_url": "https://www.town.yamabuki.example/kotsu/", "feed_lang": "ja",
                           "feed_start_date": start, "feed_end_date": end, "feed_version": "20260401_01"}],
    }


def flex_locations() -> dict:
    zone = {"type": "Feature", "id": ZONE_ID, "geometry": {"type": "Polygon", "coordinates": _polygon()},
            "properties": {"stop_name": "のりあい号 運行区域", "stop_desc": "山吹駅周辺から檜沢地区まで"}}
    return {"type": "FeatureCollection", "features": [zone]}


def write_flex(flex_dir: Path) -> list[Path]:
    tables = _flex_tables()
    written = [write_csv(flex_dir / name, columns, tables[name]) for name, columns in FLEX_FILES.items()]
    return [*written, write_json(flex_dir / "locations.geojson", flex_locations())]
