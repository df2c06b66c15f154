"""operators/tomp/spec.py over the corpus' TOMP 1.6.1 document: paths matched with literal segments
first, required headers, request and answer schemas, and error bodies where the spec declares none."""

from __future__ import annotations

from tests.tomp_spec_check import tomp_spec

HEADERS = {"Accept-Language": "ja", "Api": "TOMP", "Api-Version": "1.6", "maas-id": "m"}
LEG = {"from": {"coordinates": {"lat": 36.4, "lng": 138.9}}, "assetType": {"id": "taxi"}}


def test_literal_segments_win_over_parameters() -> None:
    spec = tomp_spec()
    assert spec.template_of("/bookings/one-stop") == "/bookings/one-stop"
    assert spec.template_of("/bookings/b-1") == "/bookings/{id}"
    assert spec.template_of("/support/") == "/support/" and spec.template_of("/support") is None
    assert spec.template_of("/legs/l-1/events?x=1") == "/legs/{id}/events"


def test_requests_need_the_spec_headers_and_bodies() -> None:
    spec = tomp_spec()
    assert spec.check_request("POST", "/legs/l/events", HEADERS, {"time": "2026-11-24T10:00:00+09:00",
                                                                   "event": "FINISH"}) == []
    problems = spec.check_request("POST", "/legs/l/events", {"Api": "TOMP"},
                                  {"time": "yesterday", "event": "TELEPORT"})
    assert "header maas-id is required" in problems and "header Api-Version is required" in problems
    assert any("time" in p and "date-time" in p for p in problems)
    assert any("event" in p and "TELEPORT" in p for p in problems)
    assert spec.check_request("DELETE", "/legs/l/events", HEADERS, None)[0].endswith("no DELETE operation in TOMP 1.6.1")
    assert spec.check_request("POST", "/nowhere", HEADERS, {}) == ["POST /nowhere: no such path in TOMP 1.6.1"]


def test_answers_follow_their_status() -> None:
    spec = tomp_spec()
    assert spec.check_response("POST", "/legs/l/events", 200, LEG) == []
    assert spec.check_response("POST", "/legs/l/events", 204, None) == []
    assert spec.check_response("POST", "/legs/l/events", 200, {"state": "IN_USE"})  # no from, no assetType
    assert "does not list" in spec.check_response("POST", "/legs/l/events", 409, None)[0]
    assert spec.check_response("GET", "/operator/ping", 200, {"status": "ok"})[0].endswith("got one")
    # 404 declares no body; an error body there must be the spec's error object.
    assert spec.check_response("GET", "/bookings/b", 404, {"errorcode": 4004, "title": "Not found"}) == []
    assert spec.check_response("GET", "/bookings/b", 404, {"errorcode": "4004"})
