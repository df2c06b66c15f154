"""`maas tickets rotate-key` and `maas tickets keys`: the first key is stored on first use, a
rotation adds a second that is published at once; a negative delay is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli import cli_env, maas


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    made = cli_env(tmp_path)
    maas(made, "db", "upgrade")
    return made


def test_rotating_the_ticket_key_publishes_a_second_key(env: dict[str, str]) -> None:
    before = maas(env, "tickets", "keys").stdout.split()
    assert before[:2] == ["signing", "now:"] and before[3:] == [before[2]]  # one key, the one signing
    rotated = maas(env, "tickets", "rotate-key", "--activate-in-s", "60")
    new = rotated.stdout.split()[3]
    assert new != before[2] and "signs from 60 s from now" in rotated.stdout
    after = maas(env, "tickets", "keys").stdout.split()
    assert after[2] == before[2] and sorted(after[3:]) == sorted([before[2], new])
    refused = maas(env, "tickets", "rotate-key", "--activate-in-s", "-1", check=False)
    assert refused.returncode == 2 and "--activate-in-s" in refused.stderr
