"""Imported GTFS feeds and what was wrong with them, for analysts and admins."""

from __future__ import annotations

from maas.api.endpoints import Call, EndpointTable
from maas.api.schemas import FeedDetail, FeedIssueOut, FeedList, FeedOut
from maas.domain.accounts import Role

routes = EndpointTable()
ANALYSTS = (Role.ANALYST, Role.ADMIN)


@routes.route("GET", "/v1/feeds", summary="Imported GTFS feeds", tags=("feeds",), roles=ANALYSTS,
              response=FeedList)
async def list_feeds(call: Call) -> FeedList:
    return FeedList(items=[FeedOut.of(f) for f in await call.container.feeds.list_feeds()])


@routes.route("GET", "/v1/feeds/{feed_id}", summary="One feed with its findings", tags=("feeds",),
              roles=ANALYSTS, response=FeedDetail, errors=(404,))
async def get_feed(call: Call) -> FeedDetail:
    """The feed's summary and up to 100 findings (file, row, column, severity) from its import."""
    feed, issues = await call.container.feeds.get_feed(call.path("feed_id"))
    return FeedDetail(feed=FeedOut.of(feed), issues=[FeedIssueOut.of(i) for i in issues])
