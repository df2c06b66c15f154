"""Freshness of GBFS files: `last_updated` and `ttl` give expiry, a max age decides staleness."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

# Files whose content is live availability; the rest (stations, vehicle types, prices) change rarely
# and producers often leave their `last_updated` hours old while still publishing a short ttl.
REALTIME_FILES = frozenset({"station_status", "free_bike_status", "vehicle_status"})


def parse_timestamp(value: object) -> datetime:
    """A GBFS timestamp as an aware UTC datetime: POSIX seconds (v1-v2.3) or RFC 3339 (v3.0)."""
    if isinstance(value, bool):
        raise ValueError(f"not a timestamp: {value!r}")
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str):
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ValueError(f"timestamp without offset: {value!r}")
        return parsed.astimezone(UTC)
    raise ValueError(f"not a timestamp: {value!r}")


@dataclass(frozen=True, slots=True)
class FreshnessPolicy:
    """How old a file may be before it is stale; real-time and static files differ."""

    realtime_max_age_s: int = 300
    static_max_age_s: int = 7 * 24 * 3600

    def max_age_s(self, file_name: str) -> int:
        return self.realtime_max_age_s if file_name in REALTIME_FILES else self.static_max_age_s


@dataclass(frozen=True, slots=True)
class Freshness:
    """When one file was produced and fetched, when it should be refreshed, and its age limit."""

    file_name: str
    last_updated: datetime
    ttl_s: int
    fetched_at: datetime
    max_age_s: int

    @property
    def expires_at(self) -> datetime:
        """Per the spec the producer will not update before `last_updated + ttl`."""
        return self.last_updated + timedelta(seconds=self.ttl_s)

    def is_expired(self, now: datetime) -> bool:
        """Time to fetch again (a ttl of 0 means always)."""
        return now >= self.expires_at

    def age_s(self, now: datetime) -> float:
        # The earlier of the two instants, so a producer clock in the future cannot make data look new.
        produced = min(self.last_updated, self.fetched_at)
        return (now - produced).total_seconds()

    def is_stale(self, now: datetime) -> bool:
        return self.age_s(now) > self.max_age_s


def freshness_of(file_name: str, doc: dict, fetched_at: datetime, policy: FreshnessPolicy) -> Freshness:
    """Freshness from a document's header; raises ValueError when `last_updated` or `ttl` is unusable."""
    ttl = doc.get("ttl")
    if isinstance(ttl, bool) or not isinstance(ttl, int) or ttl < 0:
        raise ValueError(f"ttl must be a non-negative integer, got {ttl!r}")
    return Freshness(file_name, parse_timestamp(doc.get("last_updated")), ttl, fetched_at,
                     policy.max_age_s(file_name))
