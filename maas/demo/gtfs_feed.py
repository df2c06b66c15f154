"""The demo GTFS-JP feed: 山吹鉄道 山吹線 and the 山吹町 community buses, unzipped."""

from __future__ import annotations

from pathlib import Path

from maas.demo import gtfs_timetable as tt
from maas.demo.output import write_csv
from maas.demo.region_data import BUS_STOPS, MAIN_STATION, STATIONS, TIMEZONE

RAIL_AGENCY, TOWN_AGENCY, OFFICE_ID = "yamabuki_tetsudo", "yamabuki_town", "yamabuki_kotsu"
AGENCIES = [
    # (id, name, kana, en, url, phone, official name, address)
    (RAIL_AGENCY, "山吹鉄道", "やまぶきてつどう", "Yamabuki Railway", "https://www.yamabuki-tetsudo.example/",
     "0279-00-2100", "山吹鉄道株式会社", "群馬県山吹郡山吹町本町1-1"),
    (TOWN_AGENCY, "山吹町", "やまぶきまち", "Yamabuki Town", "https://www.town.yamabuki.example/bus/",
     "0279-00-1111", "山吹町役場 企画課", "群馬県山吹郡山吹町役場通り2-1"),
]
ROUTES = [
    # (id, agency, long name, kana, en, type, colour, (origin, via, destination))
    (tt.RAIL_ROUTE, RAIL_AGENCY, "山吹線", "やまぶきせん", "Yamabuki Line", 2, "C8A000", ("奥山吹", "山吹", "桐原")),
    (tt.LOOP_ROUTE, TOWN_AGENCY, "町内循環線", "ちょうないじゅんかんせん", "Town Loop", 3, "E8730C",
     ("山吹駅前", "山吹町立病院・山吹町役場", "山吹駅前")),
    (tt.BRANCH_ROUTE, TOWN_AGENCY, "檜沢線", "ひのきざわせん", "Hinokizawa Line", 3, "2E8B57",
     ("山吹駅前", "山吹町役場", "檜沢上")),
]
HEADSIGN_NAMES = {
    "桐原": ("きりはら", "Kirihara"), "奥山吹": ("おくやまぶき", "Oku-Yamabuki"),
    "町内循環 山吹駅前": ("ちょうないじゅんかん やまぶきえきまえ", "Town Loop to Yamabuki Station"),
    "檜沢上": ("ひのきざわかみ", "Upper Hinokizawa"), "山吹駅前": ("やまぶきえきまえ", "Yamabuki Station"),
}
PUBLISHER = ("山吹町地域公共交通協議会", "やまぶきまちちいきこうきょうこうつうきょうぎかい",
             "Yamabuki Town Regional Public Transport Council")
# Fare by number of station-to-station hops, the way small private railways set distance fares.
RAIL_FARE_BY_HOPS = {1: 190, 2: 260, 3: 330, 4: 400, 5: 480}
BUS_FARE_ID = "bus_flat_200"
TRANSFER_S = {("R03-1", "B01"): 240, ("R03-2", "B01"): 240, ("R03-1", "R03-2"): 180}
STATION_WHEELCHAIR = {"R01": 2, "R02": 2, "R03": 1, "R04": 1, "R05": 1, "R06": 1}
BUS_STOP_WHEELCHAIR = {"B08": 0, "B09": 2, "B10": 2}  # hamlet stops stand on narrow verges

FILES = {
    "agency.txt": ["agency_id", "agency_name", "agency_url", "agency_timezone", "agency_lang", "agency_phone",
                   "agency_fare_url", "agency_email"],
    "agency_jp.txt": ["agency_id", "agency_official_name", "agency_zip_number", "agency_address",
                      "agency_president_pos", "agency_president_name"],
    "office_jp.txt": ["office_id", "office_name", "office_url", "office_phone"],
    "stops.txt": ["stop_id", "stop_code", "stop_name", "stop_desc", "stop_lat", "stop_lon", "zone_id", "stop_url",
                  "location_type", "parent_station", "wheelchair_boarding", "platform_code"],
    "routes.txt": ["route_id", "agency_id", "route_short_name", "route_long_name", "route_desc", "route_type",
                   "route_url", "route_color", "route_text_color"],
    "routes_jp.txt": ["route_id", "route_update_date", "origin_stop", "via_stop", "destination_stop"],
    "trips.txt": ["route_id", "service_id", "trip_id", "trip_headsign", "trip_short_name", "direction_id",
                  "block_id", "shape_id", "wheelchair_accessible", "bikes_allowed", "jp_trip_desc",
                  "jp_trip_desc_symbol", "jp_office_id"],
    "stop_times.txt": ["trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence", "stop_headsign",
                       "pickup_type", "drop_off_type", "timepoint"],
    "calendar.txt": ["service_id", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
                     "start_date", "end_date"],
    "calendar_dates.txt": ["service_id", "date", "exception_type"],
    "fare_attributes.txt": ["fare_id", "price", "currency_type", "payment_method", "transfers", "agency_id",
                            "transfer_duration"],
    "fare_rules.txt": ["fare_id", "route_id", "origin_id", "destination_id", "contains_id"],
    "transfers.txt": ["from_stop_id", "to_stop_id", "transfer_type", "min_transfer_time"],
    "feed_info.txt": ["feed_publisher_name", "feed_publisher_url", "feed_lang", "feed_start_date", "feed_end_date",
                      "feed_version", "feed_contact_email"],
    "translations.txt": ["table_name", "field_name", "language", "translation", "record_id", "record_sub_id",
                         "field_value"],
}


def _zone(stop_index: int) -> str:
    return f"RZ{stop_index + 1}"


def agency_tables() -> dict[str, list[dict]]:
    agency, agency_jp = [], []
    for agency_id, name, _, _, url, phone, official, address in AGENCIES:
        agency.append({"agency_id": agency_id, "agency_name": name, "agency_url": url, "agency_timezone": TIMEZONE,
                       "agency_lang": "ja", "agency_phone": phone, "agency_fare_url": url + "fare/"})
        agency_jp.append({"agency_id": agency_id, "agency_official_name": official, "agency_zip_number": "3790000",
                          "agency_address": address})
    office = [{"office_id": OFFICE_ID, "office_name": "山吹交通 営業所", "office_url": "https://www.yamabuki-kotsu.example/",
               "office_phone": "0279-00-3300"}]
    return {"agency.txt": agency, "agency_jp.txt": agency_jp, "office_jp.txt": office}


def stop_rows() -> list[dict]:
    rows = []
    for index, station in enumerate(STATIONS):
        is_main = station is MAIN_STATION
        rows.append({"stop_id": station.id, "stop_name": station.name, "stop_lat": station.lat, "stop_lon": station.lon,
                     "zone_id": None if is_main else _zone(index), "location_type": 1 if is_main else 0,
                     "wheelchair_boarding": STATION_WHEELCHAIR[station.id]})
        if is_main:
            for code, desc, dy_m in [("1", "1番線（奥山吹方面）", 8), ("2", "2番線（桐原方面）", -8)]:
                rows.append({"stop_id": f"{station.id}-{code}", "stop_name": station.name, "stop_desc": desc,
                             "stop_lat": round(station.lat + dy_m / 110_966, 6), "stop_lon": station.lon,
                             "zone_id": _zone(index), "location_type": 0, "parent_station": station.id,
                             "wheelchair_boarding": 1, "platform_code": code})
    for stop in BUS_STOPS.values():
        rows.append({"stop_id": stop.id, "stop_name": stop.name, "stop_lat": stop.lat, "stop_lon": stop.lon,
                     "location_type": 0, "wheelchair_boarding": BUS_STOP_WHEELCHAIR.get(stop.id, 1)})
    return rows


def route_tables() -> dict[str, list[dict]]:
    routes, routes_jp = [], []
    for route_id, agency_id, name, _, _, route_type, colour, (origin, via, destination) in ROUTES:
        routes.append({"route_id": route_id, "agency_id": agency_id, "route_long_name": name, "route_type": route_type,
                       "route_color": colour, "route_text_color": "FFFFFF"})
        routes_jp.append({"route_id": route_id, "route_update_date": "20260401", "origin_stop": origin,
                          "via_stop": via, "destination_stop": destination})
    return {"routes.txt": routes, "routes_jp.txt": routes_jp}


def fare_tables() -> dict[str, list[dict]]:
    attributes = [{"fare_id": BUS_FARE_ID, "price": 200, "currency_type": "JPY", "payment_method": 0, "transfers": 0,
                   "agency_id": TOWN_AGENCY}]
    # Every station has a ticket machine, so rail fares are paid before boarding (payment_method 1).
    attributes += [{"fare_id": f"rail_{price}", "price": price, "currency_type": "JPY", "payment_method": 1,
                    "transfers": 0, "agency_id": RAIL_AGENCY} for price in RAIL_FARE_BY_HOPS.values()]
    rules = [{"fare_id": BUS_FARE_ID, "route_id": route} for route in (tt.LOOP_ROUTE, tt.BRANCH_ROUTE)]
    for i in range(len(STATIONS)):
        for j in range(len(STATIONS)):
            if i != j:
                rules.append({"fare_id": f"rail_{RAIL_FARE_BY_HOPS[abs(i - j)]}", "route_id": tt.RAIL_ROUTE,
                              "origin_id": _zone(i), "destination_id": _zone(j)})
    return {"fare_attributes.txt": attributes, "fare_rules.txt": rules}


def transfer_rows() -> list[dict]:
    rows = []
    for (a, b), seconds in TRANSFER_S.items():
        rows += [{"from_stop_id": x, "to_stop_id": y, "transfer_type": 2, "min_transfer_time": seconds}
                 for x, y in ((a, b), (b, a))]
    return rows


def feed_info_rows() -> list[dict]:
    return [{"feed_publisher_name": PUBLISHER[0], "feed_publisher_url": "https://www.town.yamabuki.example/kotsu/",
             "feed_lang": "ja", "feed_start_date": "20260401", "feed_end_date": "20270331",
             "feed_version": "20260401_01", "feed_contact_email": "kotsu@town.yamabuki.example"}]


def translation_rows() -> list[dict]:
    """ja-Hrkt readings and English names in the current GTFS (GTFS-JP v2+) translations layout."""
    rows = []

    def add(table: str, field: str, kana: str, en: str, record_id: str | None = None, value: str | None = None):
        for language, text in (("ja-Hrkt", kana), ("en", en)):
            rows.append({"table_name": table, "field_name": field, "language": language, "translation": text,
                         "record_id": record_id, "field_value": value})

    for agency_id, _, kana, en, *_ in AGENCIES:
        add("agency", "agency_name", kana, en, record_id=agency_id)
    for route_id, _, _, kana, en, *_ in ROUTES:
        add("routes", "route_long_name", kana, en, record_id=route_id)
    for stop in stop_rows():
        place = BUS_STOPS.get(stop["stop_id"]) or next(s for s in STATIONS if stop["stop_id"].startswith(s.id))
        add("stops", "stop_name", place.kana, place.en, record_id=stop["stop_id"])
    for headsign, (kana, en) in HEADSIGN_NAMES.items():
        add("trips", "trip_headsign", kana, en, value=headsign)
    add("feed_info", "feed_publisher_name", PUBLISHER[1], PUBLISHER[2])
    return rows


def write_gtfs(gtfs_dir: Path) -> list[Path]:
    trips, stop_times = tt.rail_trips()
    bus_trips, bus_stop_times = tt.bus_trips()
    tables = {
        **agency_tables(), "stops.txt": stop_rows(), **route_tables(),
        "trips.txt": trips + bus_trips, "stop_times.txt": stop_times + bus_stop_times,
        "calendar.txt": tt.calendar_rows(), "calendar_dates.txt": tt.calendar_date_rows(), **fare_tables(),
        "transfers.txt": transfer_rows(), "feed_info.txt": feed_info_rows(), "translations.txt": translation_rows(),
    }
    return [write_csv(gtfs_dir / name, columns, tables[name]) for name, columns in FILES.items()]
