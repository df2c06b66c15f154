"""Profiles: what each traveller may use of an OSM way and at what cost, from the way's tags.

A way's cost for a profile is seconds per metre in each direction (inf where forbidden) plus a
fixed penalty in seconds per traversal (a kerb to climb). Tags read: highway, access, foot,
wheelchair, bicycle, motor_vehicle, motorcar, oneway, oneway:bicycle, cycleway, junction,
maxspeed, surface, smoothness, incline, kerb, sidewalk. Turn restrictions are not read.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

PROFILES: tuple[str, ...] = ("walk", "wheelchair", "bicycle", "car")
INF = math.inf

TAG_KEYS: tuple[str, ...] = (
    "highway", "access", "foot", "wheelchair", "bicycle", "motor_vehicle", "motorcar", "vehicle",
    "oneway", "oneway:bicycle", "cycleway", "junction", "maxspeed", "surface", "smoothness",
    "incline", "kerb", "sidewalk", "area",
)


@dataclass(frozen=True)
class StreetParams:
    """Speeds and penalties of the profiles; part of the graph cache key."""

    walk_speed_mps: float = 0.8  # the planner's elderly walking speed (routing.plan.profile.ELDERLY)
    wheelchair_speed_mps: float = 0.8
    bicycle_speed_mps: float = 4.2  # 15 km/h
    steps_factor: float = 3.0  # a metre of steps costs this many metres of level walking
    avoid_steps: bool = False  # walkers too may refuse steps
    rough_surface_factor: float = 2.0  # wheelchair on gravel, cobbles, grass
    steep_incline_factor: float = 2.5  # wheelchair where incline is tagged above 6 %
    raised_kerb_penalty_s: float = 60.0  # wheelchair over a tagged raised kerb

    def __post_init__(self) -> None:
        speeds = (self.walk_speed_mps, self.wheelchair_speed_mps, self.bicycle_speed_mps)
        if not all(s > 0 for s in speeds) or self.steps_factor < 1 or self.rough_surface_factor < 1 \
                or self.steep_incline_factor < 1 or self.raised_kerb_penalty_s < 0:
            raise ValueError("speeds must be positive, factors >= 1 and penalties >= 0")


Cost = tuple[float, float, float]  # seconds per metre forward, backward; penalty seconds
Tags = Mapping[str, str]

NO = {"no", "private"}
YES = {"yes", "designated", "permissive", "official"}
ROUGH = {"gravel", "unpaved", "dirt", "grass", "sand", "ground", "earth", "mud", "pebblestone",
         "cobblestone", "sett", "unhewn_cobblestone", "fine_gravel", "compacted", "woodchips", "rock"}
BAD_SMOOTHNESS = {"bad", "very_bad", "horrible", "very_horrible", "impassable"}
PUSH_SPEED_MPS = 1.2  # walking a bicycle on a footway

FOOT_WAYS = {"footway", "path", "pedestrian", "steps", "residential", "living_street", "service",
             "unclassified", "tertiary", "tertiary_link", "secondary", "secondary_link", "primary",
             "primary_link", "track", "cycleway", "road", "corridor", "platform", "crossing", "bridleway",
             "trunk", "trunk_link"}
CAR_SPEED_KMH: dict[str, float] = {
    "motorway": 100, "motorway_link": 60, "trunk": 70, "trunk_link": 50, "primary": 50, "primary_link": 40,
    "secondary": 45, "secondary_link": 35, "tertiary": 40, "tertiary_link": 30, "unclassified": 30,
    "residential": 30, "road": 25, "living_street": 10, "service": 15, "track": 10,
}
BIKE_WAYS = {"cycleway", "path", "track", "residential", "living_street", "service", "unclassified",
             "tertiary", "tertiary_link", "secondary", "secondary_link", "primary", "primary_link", "road"}
PUSH_WAYS = {"footway", "pedestrian", "corridor", "platform", "crossing"}


def way_costs(tags: Tags, params: StreetParams) -> tuple[Cost, ...]:
    """The (forward, backward, penalty) cost of a way for each of PROFILES, in that order."""
    return tuple(_PROFILE_FUNCTIONS[p](tags, params) for p in PROFILES)


def _forbidden() -> Cost:
    return (INF, INF, 0.0)


def _general_access_denied(tags: Tags, own_key: str) -> bool:
    own = tags.get(own_key)
    if own is not None:
        return own in NO
    return tags.get("access") in NO


def _walk(tags: Tags, params: StreetParams) -> Cost:
    highway = tags.get("highway", "")
    if highway not in FOOT_WAYS and tags.get("foot") not in YES:
        return _forbidden()
    if _general_access_denied(tags, "foot") or tags.get("foot") == "use_sidepath":
        return _forbidden()
    no_sidewalk = tags.get("sidewalk") in (None, "no", "none")
    if highway in {"trunk", "trunk_link"} and tags.get("foot") not in YES and no_sidewalk:
        return _forbidden()
    spm = 1.0 / params.walk_speed_mps
    if highway == "steps":
        if params.avoid_steps:
            return _forbidden()
        spm *= params.steps_factor
    return (spm, spm, 0.0)


def _wheelchair(tags: Tags, params: StreetParams) -> Cost:
    highway = tags.get("highway", "")
    if highway == "steps" or tags.get("wheelchair") == "no":
        return _forbidden()
    if highway not in FOOT_WAYS and tags.get("foot") not in YES and tags.get("wheelchair") not in YES:
        return _forbidden()
    if _general_access_denied(tags, "foot") and tags.get("wheelchair") not in YES:
        return _forbidden()
    if highway in {"trunk", "trunk_link"} and tags.get("sidewalk") in (None, "no", "none"):
        return _forbidden()
    spm = 1.0 / params.wheelchair_speed_mps
    if tags.get("surface") in ROUGH or tags.get("smoothness") in BAD_SMOOTHNESS or highway == "track":
        spm *= params.rough_surface_factor
    forward = backward = spm
    incline = _incline_percent(tags.get("incline"))
    if incline is not None and abs(incline) > 6.0:
        # uphill is the hard way; downhill a steep slope is still hard to brake
        forward *= params.steep_incline_factor if incline > 0 else 1.5
        backward *= params.steep_incline_factor if incline < 0 else 1.5
    penalty = params.raised_kerb_penalty_s if tags.get("kerb") == "raised" else 0.0
    return (forward, backward, penalty)


def _bicycle(tags: Tags, params: StreetParams) -> Cost:
    highway = tags.get("highway", "")
    bicycle = tags.get("bicycle")
    if highway == "steps" or bicycle in NO or (bicycle is None and tags.get("access") in NO):
        return _forbidden()
    if highway in BIKE_WAYS or bicycle in YES:
        spm = 1.0 / params.bicycle_speed_mps
    elif highway in PUSH_WAYS:
        spm = 1.0 / PUSH_SPEED_MPS
    else:
        return _forbidden()
    forward, backward = _oneway(tags)
    if tags.get("oneway:bicycle") == "no" or str(tags.get("cycleway", "")).startswith("opposite"):
        forward = backward = True
    return (spm if forward else INF, spm if backward else INF, 0.0)


def _car(tags: Tags, params: StreetParams) -> Cost:
    highway = tags.get("highway", "")
    if highway not in CAR_SPEED_KMH:
        return _forbidden()
    for key in ("motorcar", "motor_vehicle", "vehicle"):
        if key in tags:
            if tags[key] in NO:
                return _forbidden()
            break
    else:
        if tags.get("access") in NO:
            return _forbidden()
    kmh = CAR_SPEED_KMH[highway]
    posted = _maxspeed_kmh(tags.get("maxspeed"))
    if posted is not None:
        kmh = 0.9 * posted  # nobody averages the limit in town
    spm = 3.6 / kmh
    forward, backward = _oneway(tags)
    return (spm if forward else INF, spm if backward else INF, 0.0)


def _oneway(tags: Tags) -> tuple[bool, bool]:
    oneway = tags.get("oneway")
    if oneway in {"yes", "1", "true"}:
        return True, False
    if oneway in {"-1", "reverse"}:
        return False, True
    if oneway == "no":
        return True, True
    implied = tags.get("junction") in {"roundabout", "circular"} or tags.get("highway") == "motorway"
    return True, not implied


_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mph|km/h|kmh)?\s*$")


def _maxspeed_kmh(value: str | None) -> float | None:
    if value is None:
        return None
    match = _NUMBER.match(value)
    if match is None:
        return None  # "JP:urban", "signals", "none": keep the class default
    speed = float(match.group(1)) * (1.609344 if match.group(2) == "mph" else 1.0)
    return speed if 5.0 <= speed <= 150.0 else None


_INCLINE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*%?\s*$")


def _incline_percent(value: str | None) -> float | None:
    if value is None:
        return None
    match = _INCLINE.match(value)
    return float(match.group(1)) if match else None  # "up"/"down" say nothing of steepness


_PROFILE_FUNCTIONS: dict[str, Callable[[Tags, StreetParams], Cost]] = {
    "walk": _walk, "wheelchair": _wheelchair, "bicycle": _bicycle, "car": _car,
}
