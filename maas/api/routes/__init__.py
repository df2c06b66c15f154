"""Route modules, each with its own endpoint table; `ALL` lists them in the order they are installed."""

from __future__ import annotations

from maas.api.endpoints import EndpointTable
from maas.api.routes import (accounts, analyses, auth, bookings, events, feeds, on_demand, operators, passes, payments,
                             places, plan, privacy, ridership, settlement, stops, system, tickets, tomp, webhooks)

ALL: tuple[EndpointTable, ...] = (system.routes, auth.routes, accounts.routes, operators.routes, feeds.routes,
                                  places.routes, stops.routes, plan.routes, on_demand.routes, bookings.routes,
                                  tickets.routes, passes.routes, payments.routes, settlement.routes,
                                  analyses.routes, tomp.routes, privacy.routes, webhooks.routes, events.routes,
                                  ridership.routes)
