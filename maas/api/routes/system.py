"""Health check."""

from __future__ import annotations

import maas
from maas.api.endpoints import Call, EndpointTable
from maas.api.errors import ApiError
from maas.api.schemas import HealthResponse

routes = EndpointTable()


@routes.route("GET", "/health", summary="Service and database health", tags=("system",), roles=None,
              response=HealthResponse, errors=(503,))
async def get_health(call: Call) -> HealthResponse:
    """200 when the database answers; 503 with the error envelope when it does not."""
    report = await call.container.health.check()
    if not report.healthy:
        raise ApiError(503, "service_unavailable", "the database is not reachable", {"database": report.database})
    return HealthResponse(status="ok", database=report.database, database_latency_ms=report.database_latency_ms,
                          version=maas.__version__, feeds_failed=report.feeds_failed)
