"""Door-to-door transit trip planning over the RAPTOR library.

`Planner(timetable, fares).plan(PlanRequest)` turns coordinates or stop ids and a traveller
`Profile` into itineraries (walk and ride segments with names, operators and fares);
`Planner.departures` lists the next departures at a stop. `Network` holds a federated feed set
compiled once for its whole calendar (each feed cached by its own digest, then linked), gives
the planner of any date as a trip mask over it, and knows the feeds' timezone; `service_time` converts instants to service-day seconds and back.
"""

from routing.plan.errors import NoService, NoStopNearby, PlanError, UnknownEndpoint
from routing.plan.itinerary import Departure, Itinerary, Place, PlanResult, Ride, Walk
from routing.plan.network import FeedSource, Network
from routing.plan.planner import Endpoint, Planner, PlanRequest
from routing.plan.profile import ELDERLY, STANDARD, Profile
from routing.plan.service_time import to_instant, to_service_time

__all__ = ["ELDERLY", "STANDARD", "Departure", "Endpoint", "FeedSource", "Itinerary", "Network",
           "NoService", "NoStopNearby", "Place", "PlanError", "PlanRequest", "PlanResult",
           "Planner", "Profile", "Ride", "UnknownEndpoint", "Walk", "to_instant",
           "to_service_time"]
