"""How many examples a hypothesis property runs: a quick count in `make test`, the full one on demand.

`HYPOTHESIS_PROFILE=thorough make test` runs every property with its thorough count (and loads
hypothesis' "thorough" profile, registered in tests/conftest.py); examples that once failed are
replayed first either way, from hypothesis' example database.
"""

from __future__ import annotations

import os

THOROUGH = os.environ.get("HYPOTHESIS_PROFILE", "") == "thorough"


def examples(quick: int, thorough: int) -> int:
    """The example count for this run."""
    return thorough if THOROUGH else quick
