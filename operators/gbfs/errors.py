"""Named errors of the GBFS adapter; each also derives from the stdlib type a caller would catch."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from operators.gbfs.validation import Finding


class GbfsError(Exception):
    """Base of every error this package raises."""


class FeedUnavailable(GbfsError, ConnectionError):
    """A feed file could not be fetched (connection refused, reset, DNS)."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url


class FeedTimeout(FeedUnavailable, TimeoutError):
    """The operator did not answer within the time budget."""


class FeedHttpError(FeedUnavailable):
    """The operator answered with a status other than 200."""

    def __init__(self, url: str, status: int) -> None:
        super().__init__(url, f"HTTP {status}")
        self.status = status


class MalformedFeed(GbfsError, ValueError):
    """A file is not a GBFS document at all: bad JSON, HTML, not an object, no `data`."""

    def __init__(self, file_name: str, reason: str) -> None:
        super().__init__(f"{file_name}: {reason}")
        self.file_name = file_name


class FeedNotListed(GbfsError, LookupError):
    """The feed does not publish the requested file."""


class SchemaNotFound(GbfsError, LookupError):
    """No official schema exists in the schema directory for this version and file."""


class InvalidFeed(GbfsError, ValueError):
    """Strict mode: one or more files failed the schema or could not be parsed."""

    def __init__(self, findings: Sequence[Finding]) -> None:
        self.findings = tuple(findings)
        first = self.findings[0] if self.findings else None
        detail = f"; first: {first.file} {first.path}: {first.message}" if first else ""
        super().__init__(f"{len(self.findings)} finding(s){detail}")


class StaleFeed(GbfsError, RuntimeError):
    """A snapshot is older than the allowed age and must not be used as live availability."""

    def __init__(self, file_names: Sequence[str]) -> None:
        self.file_names = tuple(file_names)
        super().__init__(f"stale GBFS files: {', '.join(self.file_names)}")
