"""Feeds' translations.txt read into name lookups (both layouts), and plans rewritten with them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from maas.domain.planning import Departure, DepartureBoard, Itinerary, LegPlace, TransitLeg, TripPlan, WalkLeg
from maas.domain.translations import Translations, translate_board, translate_plan
from maas.routing_adapter.translations import FeedTranslations, feed_translations
from routing.plan import FeedSource

DEMO_GTFS = Path(__file__).resolve().parents[2] / "fixtures" / "demo-region" / "gtfs"
T0 = dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))


def _csv(*lines: str) -> bytes:
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode()  # a BOM and CRLF, as GTFS-JP publishers write


def test_current_layout_by_record_id_and_by_field_value() -> None:
    members = {
        "translations.txt": _csv("table_name,field_name,language,translation,record_id,record_sub_id,field_value",
                                 "stops,stop_name,en,Town Hall,S1,,", "stops,stop_name,ja-Hrkt,やくば,S1,,",
                                 "trips,trip_headsign,en-US,Station,,,駅前", "routes,route_long_name,en,Loop,R1,,",
                                 "stops,stop_name,en,Ghost,NOPE,,", "stops,stop_name,en,,S1,,"),
        "stops.txt": _csv("stop_id,stop_name,stop_lat,stop_lon", "S1,役場,36.4,138.9"),
        "routes.txt": _csv("route_id,route_short_name,route_long_name,route_type", "R1,,循環線,3"),
    }
    table: dict = {}
    feed_translations(members, table)
    t = Translations(table)
    assert t.text("stop_name", "役場", "en") == "Town Hall" and t.text("stop_name", "役場", "ja-Hrkt") == "やくば"
    assert t.text("trip_headsign", "駅前", "en") == "Station"  # en-US is English
    assert t.text("route_long_name", "循環線", "en") == "Loop"
    assert t.text("stop_name", "駅前", "en") == "駅前"  # a headsign's translation is not a stop's
    assert t.text("stop_name", "病院", "en") == "病院"  # untranslated: as the feed wrote it


def test_gtfs_jp_v1_layout_translates_a_text_in_any_field() -> None:
    table: dict = {}
    feed_translations({"translations.txt": _csv("trans_id,lang,translation", "役場,en,Town Hall")}, table)
    assert Translations(table).text("trip_headsign", "役場", "en") == "Town Hall"
    feed_translations({"stops.txt": _csv("stop_id,stop_name", "S1,x")}, table)  # no translations.txt: nothing


def test_the_demo_feed_is_read_and_cached_per_feed_set() -> None:
    calls = []

    def sources() -> list[FeedSource]:
        calls.append(1)
        return [FeedSource(DEMO_GTFS, "digest-1")]

    names = FeedTranslations(sources)
    t = names.translations()
    assert t.text("stop_name", "山吹駅", "en") == "Yamabuki Station"
    assert t.text("route_long_name", "町内循環線", "en") == "Town Loop"
    assert t.text("agency_name", "山吹鉄道", "en") == "Yamabuki Railway"
    assert t.text("trip_headsign", "奥山吹", "en") == "Oku-Yamabuki"
    assert names.translations() is t and len(calls) == 2
    gone = FeedTranslations(lambda: [FeedSource(DEMO_GTFS / "missing", "x")])
    assert not gone.translations()  # a feed that vanished keeps its names; no error


def _stop(name: str, stop_id: str | None) -> LegPlace:
    return LegPlace(name=name, lat=36.4, lon=138.9, stop_id=stop_id)


def test_a_plan_and_a_board_are_rewritten_but_a_riders_own_label_is_kept() -> None:
    t = Translations({"stop_name": {"山吹駅": {"en": "Yamabuki Station"}, "病院": {"en": "Hospital"}},
                      "trip_headsign": {"病院": {"en": "to the Hospital"}}, "agency_name": {"町": {"en": "Town"}}})
    ride = TransitLeg(origin=_stop("山吹駅", "gtfs:R03"), destination=_stop("病院", "gtfs:B04"), departure=T0,
                      arrival=T0, duration_s=0, trip_id="t", route_id="r", route_short_name="", route_long_name="線",
                      route_type=3, route_color="", agency_name="町", operator_office="", headsign="病院",
                      wheelchair_accessible=None, stay_seated=False, fare=None)
    walk = WalkLeg(origin=_stop("山吹駅", None), destination=_stop("山吹駅", "gtfs:R03"), departure=T0, arrival=T0,
                   duration_s=0, distance_m=0)
    itinerary = Itinerary(departure=T0, arrival=T0, duration_s=0, transfers=0, walk_distance_m=0, legs=(walk, ride),
                          fare=None)
    plan = TripPlan(itineraries=(itinerary,), service_date=T0.date(), timezone="Asia/Tokyo")
    walked, rode = translate_plan(plan, t, "en").itineraries[0].legs
    assert walked.origin.name == "山吹駅" and walked.destination.name == "Yamabuki Station"
    assert isinstance(rode, TransitLeg)
    assert (rode.origin.name, rode.destination.name, rode.headsign, rode.agency_name, rode.route_long_name) == (
        "Yamabuki Station", "Hospital", "to the Hospital", "Town", "線")
    assert translate_plan(plan, Translations(), "en") == plan
    board = DepartureBoard(stop=_stop("山吹駅", "gtfs:R03"), service_date=T0.date(), timezone="Asia/Tokyo",
                           departures=(Departure(stop=_stop("山吹駅", "gtfs:R03"), departure=T0, trip_id="t",
                                                 route_id="r", route_short_name="", route_long_name="線", route_type=3,
                                                 route_color="", agency_name="町", headsign="病院",
                                                 wheelchair_accessible=None),))
    english = translate_board(board, t, "en")
    assert english.stop.name == "Yamabuki Station" and english.departures[0].headsign == "to the Hospital"
