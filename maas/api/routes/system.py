"""Health check."""

from __future__ import annotations

import maas
from maas.api.endpoints import Call, EndpointTable
from maas.api.errors import ApiError
from maas.api.schemas import HealthResponse, RealtimeSourceOut

routes = EndpointTable()


@routes.route("GET", "/health", summary="Service and database health", tags=("system",), roles=None,
              response=HealthResponse, errors=(503,))
async def get_health(call: Call) -> HealthResponse:
    """200 when the database answers (status `degraded` when a real-time source is stale or broken, with
    each source's freshness in `realtime`); 503 with the error envelope when the database does not."""
    report = await call.container.health.check()
    if not report.healthy:
        raise ApiError(503, "service_unavailable", "the database is not reachable", {"database": report.database})
    return HealthResponse(status="degraded" if report.degraded else "ok", database=report.database,
                          database_latency_ms=report.database_latency_ms, version=maas.__version__,
                          realtime=[RealtimeSourceOut(**s.model_dump()) for s in report.realtime],
                          feeds_failed=report.feeds_failed)
