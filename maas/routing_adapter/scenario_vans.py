"""A scenario's own on-demand vans: their day planned on the pooling engine, then routed as a ride mode.

For each replace_by_on_demand edit the day's demand is planned on the edit's vans (routing.scenarios):
"recorded" (the default) takes the on-demand rides booked on the date with both ends in the zone and
asked within its hours (those asked outside them are counted); "synthetic" draws trips_per_person_day
per resident inside the zone, to the destinations inside it. The result gives
- the ride service routed in the "after" network: inside the zone, for requests in [start, end), at
  speed_kmh on the straight line x 1.3 road factor, after max(wait_min, the day's median wait);
- the day's figures: requests, riders served and not served (the fleet could not fit them), the
  load (riders per van, most riders aboard at once, utilisation), waits and detours;
- the share of asking riders the vans took, which discounts the residents gaining access inside
  the zone (`residents_gained_served`): a zone too small for its demand gains less than it reaches.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from maas.domain import errors
from maas.domain.analyses import MatrixRequest, RideService
from maas.domain.scenarios import RecordedTrip, ReplaceByOnDemandEdit, clock_s
from routing.access import PointSet
from routing.scenarios import (OnDemandDayFigures, ReplaceByOnDemand, ScenarioError, TripRequest,
                               point_in_polygon, simulate_day, simulate_replacement)

ROAD_FACTOR = 1.3
SIMULATION_TIME_LIMIT_S = 2.0
# Counted stopping first, so a scenario gives the same figures on a busy server as on a quiet one;
# the time limit only caps a day too large to finish its iterations in time.
SIMULATION_MAX_ITERATIONS = 2000
SIMULATION_MAX_NO_IMPROVEMENT = 400
DEMAND_NOTE = {"synthetic": "synthetic: drawn from the population field inside the zone, to the destinations "
                            "inside it; the whole day planned in advance (a lower bound on a live dispatcher)",
               "recorded": "recorded: the on-demand rides booked on the date with both ends in the zone, asked "
                           "within the vans' hours; the whole day planned in advance"}


@dataclass(frozen=True)
class SimulatedZone:
    number: int  # 1-based, in the order of the edits
    spec: ReplaceByOnDemandEdit
    figures: OnDemandDayFigures
    requests: tuple[TripRequest, ...]
    ride: RideService
    outside_hours: int = 0  # recorded trips in the zone asked when the vans do not run

    @property
    def served_share(self) -> float:
        """Riders the vans took over riders asking (1 when nobody asked)."""
        share = self.figures.served_share
        return 1.0 if share is None else share

    def contains(self, lat: float, lon: float) -> bool:
        """Inside the zone by the even-odd rule over its rings (a hole is outside)."""
        return sum(point_in_polygon(lat, lon, ring) for ring in self.spec.zone.coordinates) % 2 == 1

    def unserved_by_origin(self) -> dict[str, int]:
        """Per origin cell, the riders whose requests the vans could not take."""
        out: dict[str, int] = {}
        for i in self.figures.unserved:
            request = self.requests[i]
            out[request.origin_id] = out.get(request.origin_id, 0) + request.party_size
        return dict(sorted(out.items()))

    def as_json(self) -> dict[str, Any]:
        figures = asdict(self.figures)
        figures.pop("unserved")
        figures["wait_s"] = {str(k): v for k, v in self.figures.wait_s.items()}
        figures["detour"] = {str(k): v for k, v in self.figures.detour.items()}
        figures["riders_per_vehicle"] = list(self.figures.riders_per_vehicle)
        spec = self.spec
        return {"name": self.ride.zone_name, "route_ids": list(spec.route_ids), "vehicles": spec.vehicles,
                "seats": spec.seats, "start": spec.start, "end": spec.end, "zone": spec.zone.model_dump(mode="json"),
                "trips_per_person_day": spec.trips_per_person_day if spec.demand == "synthetic" else None,
                "demand": spec.demand, "demand_note": DEMAND_NOTE[spec.demand],
                "recorded_outside_hours": self.outside_hours,
                "routed": {"speed_kmh": spec.speed_kmh, "wait_s": self.ride.wait_s, "road_factor": ROAD_FACTOR,
                           "booking_lead_min": spec.booking_lead_min,
                           "note": "in the 'after' network: direct rides inside the zone, and to or from its "
                                   "stops, for requests in [start, end); the wait is the larger of wait_min and "
                                   "the simulated median wait; the booking lead is not part of the trip's time"},
                "served_share": round(self.served_share, 6), "riders_not_served_by_cell": self.unserved_by_origin(),
                **figures}


def simulate_zone(request: MatrixRequest, spec: ReplaceByOnDemandEdit, number: int, seed: int,
                  recorded: Sequence[RecordedTrip] = ()) -> SimulatedZone:
    """The edit's day on its vans (its recorded or synthetic demand), and the ride service it gives "after"."""
    people = PointSet.from_arrays([o.id for o in request.origins], [o.lat for o in request.origins],
                                  [o.lon for o in request.origins], weight=[o.population for o in request.origins])
    places = PointSet.from_arrays([d.id for d in request.destinations], [d.lat for d in request.destinations],
                                  [d.lon for d in request.destinations])
    start_s, end_s = clock_s(spec.start), clock_s(spec.end)
    zone = ReplaceByOnDemand(tuple(spec.route_ids), spec.zone.outer, spec.vehicles, spec.seats, start_s, end_s)
    solver: dict[str, Any] = {"speed_mps": spec.speed_kmh / 3.6, "road_factor": ROAD_FACTOR,
                              "time_limit_s": SIMULATION_TIME_LIMIT_S, "max_iterations": SIMULATION_MAX_ITERATIONS,
                              "max_no_improvement": SIMULATION_MAX_NO_IMPROVEMENT}
    outside = 0
    try:
        if spec.demand == "synthetic":
            requests, figures = simulate_replacement(
                zone, people, places, spec.depot_point(), trips_per_person_day=spec.trips_per_person_day, seed=seed,
                **solver)
        else:
            inside = [t for t in recorded if point_in_polygon(t.origin_lat, t.origin_lon, zone.zone)
                      and point_in_polygon(t.destination_lat, t.destination_lon, zone.zone)]
            in_hours = [t for t in inside if start_s <= t.requested_s < end_s]
            outside = len(inside) - len(in_hours)
            requests = [TripRequest(t.origin_lat, t.origin_lon, t.destination_lat, t.destination_lon,
                                    t.requested_s, t.party_size, f"recorded-{i}", "")
                        for i, t in enumerate(sorted(in_hours, key=lambda t: t.requested_s))]
            figures = simulate_day(requests, spec.vehicles, spec.seats, spec.depot_point(), seed=seed,
                                   shift_s=(start_s, end_s + 3600), **solver)
    except ScenarioError as exc:
        raise errors.InvalidRequest(f"the on-demand zone of routes {', '.join(spec.route_ids)} cannot be "
                                    f"simulated: {exc}", fields={"parameters.edits": str(exc)}) from None
    median_wait = figures.wait_s.get(50)
    wait_s = max(spec.wait_min * 60, round(median_wait) if median_wait is not None else 0)
    ride = RideService(mode="on_demand", speed_mps=spec.speed_kmh / 3.6, wait_s=wait_s, road_factor=ROAD_FACTOR,
                       zone=tuple(tuple(tuple(p) for p in ring) for ring in spec.zone.coordinates),
                       hours=((start_s, end_s),), operator_id="scenario", zone_name=f"scenario zone {number}")
    return SimulatedZone(number, spec, figures, tuple(requests), ride, outside)


def after_rides(rides: tuple[RideService, ...] | list[RideService], zones: list[SimulatedZone]) -> list[RideService]:
    """The rides of the "after" network: the scenario's vans instead of today's on-demand service."""
    if not zones:
        return list(rides)
    return [r for r in rides if r.mode != "on_demand"] + [z.ride for z in zones]


def served_share_of(zones: list[SimulatedZone], lat: float, lon: float) -> float:
    """The share of riders taken by the zone holding a point (the smallest when zones overlap); 1 outside."""
    return min((z.served_share for z in zones if z.contains(lat, lon)), default=1.0)
