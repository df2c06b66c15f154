"""A clock the tests move by hand: adapters and use cases read it, the conformance kit's
`wait_until` jumps it forward instead of sleeping."""

from __future__ import annotations

import datetime as dt


class SteppedClock:
    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def now(self) -> dt.datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += dt.timedelta(seconds=seconds)

    async def wait_until(self, when: dt.datetime) -> None:
        self.at = max(self.at, when)
