"""The pooling problem as an OR-Tools routing model, solved from a given or built first plan.

Pickup and drop-off are a pickup-and-delivery pair on one vehicle; a time dimension with
waiting slack carries service start times, with each pair's ride-time limit as a bound on the
difference of its cumuls; seats (and wheelchair places, when asked for) are capacity
dimensions. A driver's break is a node of its own vehicle that no one boards, with the rest as its
service time. Travel times are rounded up to integer ticks, so any plan OR-Tools accepts is also
feasible with the exact times. Costs are metres, rounded, for guidance only: the checker
recomputes them exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from routing.pooling.model import PoolingProblem, break_visit
from routing.pooling.params import PoolingParams

Visit = tuple[int, bool]  # (request, is_pickup)
COUNTED_FAILURE_LIMIT = 5000  # failed moves before a counted descent gives up (a few tens of ms)


@dataclass
class OrToolsModel:
    problem: PoolingProblem
    visits: list[Visit]  # per node before the depots: a request's stop or a break
    node_of: dict[Visit, int]  # requests' stops
    break_node: dict[tuple[int, int], int]  # (vehicle, break)
    manager: pywrapcp.RoutingIndexManager
    routing: pywrapcp.RoutingModel

    def solve(self, params: PoolingParams, time_limit_s: float,
              initial: list[list[Visit]] | None = None) -> list[list[Visit]] | None:
        """Routes as visit lists per vehicle, or None when OR-Tools found nothing."""
        search = pywrapcp.DefaultRoutingSearchParameters()
        search.first_solution_strategy = getattr(
            routing_enums_pb2.FirstSolutionStrategy,
            params.first_solution if params.first_solution != "regret" else "PARALLEL_CHEAPEST_INSERTION")
        search.local_search_metaheuristic = getattr(
            routing_enums_pb2.LocalSearchMetaheuristic, params.metaheuristic)
        search.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
        if params.max_iterations is not None or params.max_no_improvement is not None:
            # Counted stopping rules: counts, not the clock, end OR-Tools' descent too; the failure
            # count ends it where no new solution is ever found (every request left out, say).
            search.solution_limit = params.ortools_max_solutions
            self.routing.AddSearchMonitor(self.routing.solver().FailuresLimit(COUNTED_FAILURE_LIMIT))
        if initial is None:
            solution = self.routing.SolveWithParameters(search)
        else:
            routes = [[self.node_of[(r, p)] if r >= 0 else self.break_node[(v, -1 - r)] for r, p in route]
                      for v, route in enumerate(initial)]
            start = self.routing.ReadAssignmentFromRoutes(routes, True)
            if start is None:
                return None
            solution = self.routing.SolveFromAssignmentWithParameters(start, search)
        return None if solution is None else self._routes(solution)

    def _routes(self, solution: pywrapcp.Assignment) -> list[list[Visit]]:
        out = []
        for vehicle in range(len(self.problem.vehicles)):
            index, route = self.routing.Start(vehicle), []
            index = solution.Value(self.routing.NextVar(index))
            while not self.routing.IsEnd(index):
                route.append(self.visits[self.manager.IndexToNode(index)])
                index = solution.Value(self.routing.NextVar(index))
            out.append(route)
        return out


def build_model(problem: PoolingProblem, params: PoolingParams) -> OrToolsModel:
    visits: list[Visit] = []
    for i, req in enumerate(problem.requests):
        if not req.on_board:
            visits.append((i, True))
        visits.append((i, False))
    node_of = {v: k for k, v in enumerate(visits)}
    break_node = {}
    for v, car in enumerate(problem.vehicles):
        for b in range(len(car.breaks)):
            break_node[(v, b)] = len(visits)
            visits.append(break_visit(b))
    n_vehicles, m = len(problem.vehicles), len(visits)
    manager = pywrapcp.RoutingIndexManager(m + 2 * n_vehicles, n_vehicles, list(range(m, m + n_vehicles)),
                                           list(range(m + n_vehicles, m + 2 * n_vehicles)))
    routing = pywrapcp.RoutingModel(manager)
    places, service_s, seats, chairs = _node_data(problem, visits, break_node)
    dist = problem.travel.distance_m
    routing.SetArcCostEvaluatorOfAllVehicles(
        routing.RegisterTransitMatrix([[round(dist[a, b]) for b in places] for a in places]))
    time = _add_time(routing, problem, places, service_s, params.ticks_per_s)
    rests = [manager.NodeToIndex(node) for node in break_node.values()]
    _add_capacity(routing, problem, "seats", seats, [car.seats for car in problem.vehicles], rests)
    if any(chairs):
        _add_capacity(routing, problem, "wheelchairs", chairs,
                      [car.wheelchair_places for car in problem.vehicles], rests)
    _add_requests(routing, manager, time, problem, visits, node_of, params)
    _add_breaks(routing, manager, time, problem, break_node, params.ticks_per_s)
    return OrToolsModel(problem, visits, node_of, break_node, manager, routing)


def _node_data(problem: PoolingProblem, visits: list[Visit],
               break_node: dict[tuple[int, int], int]) -> tuple[list[int], ...]:
    """Place, service time and load change of every node: visits, then start and end depots."""
    places, service_s, seats, chairs = [], [], [], []
    rests = {node: problem.vehicles[v].breaks[b] for (v, b), node in break_node.items()}
    for node, (r, is_pickup) in enumerate(visits):
        if r < 0:
            places.append(rests[node].place)
            service_s.append(rests[node].duration_s)
            seats.append(0)
            chairs.append(0)
            continue
        req = problem.requests[r]
        sign = 1 if is_pickup else -1
        places.append(req.pickup_place if is_pickup else req.dropoff_place)
        service_s.append(req.boarding_s if is_pickup else req.alighting_s)
        seats.append(sign * req.party_size)
        chairs.append(sign * req.wheelchairs)
    depots = 2 * len(problem.vehicles)
    places += [car.start_place for car in problem.vehicles] + [car.end_place for car in problem.vehicles]
    return places, service_s + [0] * depots, seats + [0] * depots, chairs + [0] * depots


def _add_time(routing: pywrapcp.RoutingModel, problem: PoolingProblem, places: list[int],
              service_s: list[int], ticks: int) -> pywrapcp.RoutingDimension:
    """Service start times in ticks, with waiting, shifts and route durations."""
    dur = problem.travel.duration_s
    matrix = [[math.ceil((service_s[a] + dur[pa, pb]) * ticks - 1e-9) for pb in places]
              for a, pa in enumerate(places)]
    horizon = math.ceil(max([car.shift_s[1] for car in problem.vehicles]
                            + [rest.window_s[1] for car in problem.vehicles for rest in car.breaks]
                            + [max(r.pickup_window_s[1], r.dropoff_window_s[1]) for r in problem.requests]) * ticks)
    routing.AddDimension(routing.RegisterTransitMatrix(matrix), horizon, horizon, False, "time")
    time = routing.GetDimensionOrDie("time")
    for v, car in enumerate(problem.vehicles):
        for index in (routing.Start(v), routing.End(v)):
            time.CumulVar(index).SetRange(car.shift_s[0] * ticks, car.shift_s[1] * ticks)
        if car.max_duration_s is not None:
            time.SetSpanUpperBoundForVehicle(car.max_duration_s * ticks, v)
        routing.AddVariableMinimizedByFinalizer(time.CumulVar(routing.End(v)))
        routing.AddVariableMaximizedByFinalizer(time.CumulVar(routing.Start(v)))
    return time


def _add_requests(routing: pywrapcp.RoutingModel, manager: pywrapcp.RoutingIndexManager,
                  time: pywrapcp.RoutingDimension, problem: PoolingProblem, visits: list[Visit],
                  node_of: dict[Visit, int], params: PoolingParams) -> None:
    """Windows, pairs on one vehicle, ride-time limits, fixed vehicles and rejection penalties."""
    ticks, solver = params.ticks_per_s, routing.solver()
    for k, (r, is_pickup) in enumerate(visits):
        if r < 0:
            continue
        req = problem.requests[r]
        index = manager.NodeToIndex(k)
        lo, hi = req.pickup_window_s if is_pickup else req.dropoff_window_s
        if not is_pickup and req.picked_up_s is not None:  # on board
            lo = max(lo, req.picked_up_s + req.boarding_s)
            if req.max_ride_s is not None:
                hi = min(hi, req.picked_up_s + req.boarding_s + req.max_ride_s)
        time.CumulVar(index).SetRange(*_ticked(lo, hi, ticks))
        if req.vehicle is not None:
            routing.VehicleVar(index).SetValue(req.vehicle)  # mandatory, on its vehicle
        else:
            routing.AddDisjunction([index], params.rejection_penalty_m // 2)
        if not is_pickup:
            continue
        drop = manager.NodeToIndex(node_of[(r, False)])
        routing.AddPickupAndDelivery(index, drop)
        solver.Add(routing.VehicleVar(index) == routing.VehicleVar(drop))
        if req.max_ride_s is not None:
            limit = (req.boarding_s + req.max_ride_s) * ticks
            # The precedence (pickup >= drop - limit) lets the routing filters see the limit; the
            # constraint makes the final solution honour it whatever the filters do.
            time.AddNodePrecedence(drop, index, -limit)
            solver.Add(time.CumulVar(drop) - time.CumulVar(index) <= limit)


def _add_breaks(routing: pywrapcp.RoutingModel, manager: pywrapcp.RoutingIndexManager,
                time: pywrapcp.RoutingDimension, problem: PoolingProblem,
                break_node: dict[tuple[int, int], int], ticks: int) -> None:
    """Each break on its vehicle, mandatory, starting in its window."""
    for (v, b), node in break_node.items():
        index = manager.NodeToIndex(node)
        time.CumulVar(index).SetRange(*_ticked(*problem.vehicles[v].breaks[b].window_s, ticks))
        routing.VehicleVar(index).SetValue(v)


def _ticked(lo: float, hi: float, ticks: int) -> tuple[int, int]:
    """A window in whole ticks, rounded inwards so OR-Tools' times are inside the exact window.

    A window narrower than a tick that holds none (a promise made to the exact second) is rounded
    outwards instead; the exact re-timing of OR-Tools' routes then decides whether they hold.
    """
    inner = (math.ceil(lo * ticks - 1e-9), math.floor(hi * ticks + 1e-9))
    return inner if inner[0] <= inner[1] else (math.floor(lo * ticks), math.ceil(hi * ticks))


def _add_capacity(routing: pywrapcp.RoutingModel, problem: PoolingProblem, name: str,
                  demand: list[int], capacity: list[int], rests: list[int]) -> None:
    """A load dimension, with the vehicle empty at its drivers' breaks."""
    callback = routing.RegisterUnaryTransitVector(demand)
    routing.AddDimensionWithVehicleCapacity(callback, 0, capacity, False, name)
    dim = routing.GetDimensionOrDie(name)
    for index in rests:
        dim.CumulVar(index).SetMax(0)
    for v in range(len(problem.vehicles)):
        on_board = sum((r.party_size if name == "seats" else r.wheelchairs)
                       for r in problem.requests if r.on_board and r.vehicle == v)
        dim.CumulVar(routing.Start(v)).SetValue(on_board)
