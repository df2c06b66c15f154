"""Named domain errors; the API maps each `code` to an HTTP status."""

from __future__ import annotations

from collections.abc import Mapping


class DomainError(Exception):
    code = "domain_error"

    def __init__(self, message: str, *, fields: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = dict(fields or {})


class NotFound(DomainError, LookupError):
    code = "not_found"


class Conflict(DomainError):
    code = "conflict"


class InvalidRequest(DomainError, ValueError):
    code = "invalid_request"


class AuthenticationFailed(DomainError):
    code = "unauthenticated"


class PermissionDenied(DomainError):
    code = "forbidden"


class FeedRejected(DomainError, ValueError):
    """A GTFS feed could not be imported; `fields` names the file and row."""

    code = "feed_rejected"


class UnknownStop(InvalidRequest):
    """A trip request names a stop the transit network does not have."""

    code = "unknown_stop"


class NoStopNearby(InvalidRequest):
    """No stop lies within the traveller's walking distance of an end of the trip."""

    code = "no_stop_nearby"


class OutsideRegion(InvalidRequest):
    """A coordinate falls outside the region the network serves: often latitude and longitude swapped."""

    code = "outside_region"


class NoService(InvalidRequest):
    """No transit runs on the requested service date (outside the feeds' period, or no feeds)."""

    code = "no_service"


class BookingDataRequired(InvalidRequest):
    """An operator requires personal data of the rider that the request did not give; `fields`
    names each (`booking_data.EMAIL`, ...)."""

    code = "booking_data_required"


class OfferExpired(Conflict):
    """An offer was used after its valid_until."""

    code = "offer_expired"


class TooEarlyToUnlock(Conflict):
    """A vehicle reserved for later is unlocked before it is the rider's (`fields.reserved_from`)."""

    code = "too_early_to_unlock"


class OperatorUnavailable(DomainError, ConnectionError):
    """An operator did not answer in time, or answered with something unusable."""

    code = "operator_unavailable"


class OperatorRejected(Conflict):
    """An operator refused a booking (no vehicle, outside hours, outside its area)."""

    code = "operator_rejected"
