"""Every curl example in README.md, taken from the README itself, runs against a live server with the
demo town loaded as `make run` serves it: pasted into one shell in order, each answers 2xx with JSON."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest
from aiohttp import web

from maas.api.app import create_app
from maas.api.server import ApiRunner
from maas.bootstrap import build_container
from maas.demo.load import load_demo
from maas.settings import load_settings
from maas.storage import migrate
from operators.reference.gtfs_rt import Disruptions
from operators.reference.gtfs_rt import start as start_realtime
from routing.realtime import StaticTrips

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "fixtures" / "demo-region"
README_BASE = "http://127.0.0.1:8080"
README_REALTIME = "http://127.0.0.1:8091"  # the reference GTFS-RT server `make run` starts
_BLOCK = re.compile(r"^```sh\n(.*?)^```", re.S | re.M)

# Each curl fails the script on a 4xx/5xx and on an answer that is not JSON, and is logged.
PRELUDE = r'''set -euo pipefail
curl() {
  local out
  printf '%s\n' "$*" >> "$CURL_LOG"
  out=$(command curl --fail-with-body -sS "$@") || { printf 'FAILED: curl %s\n%s\n' "$*" "$out" >&2; return 22; }
  printf '%s\n' "$out" | python3 -c 'import json,sys; json.load(sys.stdin)' \
    || { printf 'NOT JSON: curl %s\n%s\n' "$*" "$out" >&2; return 1; }
  printf '%s\n' "$out"
}
'''


def readme_examples(readme: str) -> list[str]:
    """The README's shell blocks that call the API, in order."""
    return [block for block in _BLOCK.findall(readme) if "curl " in block]


def test_the_readme_examples_are_found_and_use_no_placeholders() -> None:
    blocks = readme_examples((ROOT / "README.md").read_text(encoding="utf-8"))
    assert len(blocks) >= 4
    text = "\n".join(blocks)
    assert "…" not in text, "a placeholder a reader cannot paste"
    assert not re.search(r"20\d\d-\d\d-\d\dT", text), "a fixed date goes stale; compute it ($DAY)"
    for url in re.findall(r"http://\S+", text):
        assert url.isascii(), f"raw non-ASCII in a URL is refused; use curl -G --data-urlencode: {url}"


@pytest.fixture
async def live_realtime(tmp_path):
    """The reference GTFS-RT server on a free port, and a real-time config polling it quickly."""
    runner, port = await start_realtime(Disruptions(StaticTrips.read(DEMO / "gtfs")), "127.0.0.1", 0)
    url = f"http://127.0.0.1:{port}"
    config = tmp_path / "realtime.json"
    config.write_text(json.dumps({"sources": [{"name": "yamabuki-realtime", "feed": "gtfs", "url": f"{url}/gtfs-rt",
                                               "interval_s": 0.2, "timeout_s": 2}]}), encoding="utf-8")
    yield url, config
    await runner.cleanup()


@pytest.fixture
async def live_demo(database_url, tmp_path, fast_hasher, live_realtime):
    settings = load_settings({}, database_url=database_url, data_dir=tmp_path, planner_warmup=False,
                             fare_rules=DEMO / "fare-rules.json", operators_config=DEMO / "maas-operators.json",
                             realtime_config=live_realtime[1],
                             osm_file=DEMO / "streets.osm",
                             webhooks_allow_loopback_http=True)  # as `make run` sets it
    container = build_container(settings, hasher=fast_hasher)
    await migrate.upgrade(container.engine)
    await load_demo(container, DEMO, password="yamabuki-demo")
    runner = ApiRunner(create_app(settings, container_factory=lambda _s: container))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    yield f"http://{host}:{port}"
    await runner.cleanup()


async def test_every_readme_curl_answers_with_json(live_demo: str, live_realtime, tmp_path: Path) -> None:
    blocks = readme_examples((ROOT / "README.md").read_text(encoding="utf-8"))
    assert "sleep 16" in "\n".join(blocks)  # waiting out make run's 15 s poll; here the poll is 0.2 s
    script = PRELUDE + "\n".join(blocks).replace(README_BASE, live_demo).replace(
        README_REALTIME, live_realtime[0]).replace("sleep 16", "sleep 1")
    log = tmp_path / "curl.log"
    process = await asyncio.create_subprocess_exec(
        "bash", "-c", script, env={"PATH": "/usr/local/bin:/usr/bin:/bin", "CURL_LOG": str(log),
                                   "HOME": str(tmp_path), "LANG": "C.UTF-8"},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), 240)
    output, errors = out.decode(), err.decode()
    assert process.returncode == 0, f"README example failed:\n{errors}\n--- output so far:\n{output[-3000:]}"
    calls = log.read_text().splitlines()
    written = sum(block.count("curl ") for block in blocks)
    assert len(calls) >= written, (calls, written)
    assert '"name": "山吹駅"' in output  # the search by kana, its answer unescaped UTF-8
    assert '"name": "Yamabuki Town Hospital"' in output  # the English search, in English
    assert '"delay_s": 720' in output and '"header": "Delays due to heavy snow"' in output  # real time, told
    answers = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    bookings = [a for a in answers if "state" in a and "legs" in a]
    assert bookings and bookings[-1]["legs"][0]["rider_price"]["amount_minor"] == 100
    assert any("token" in a and "qr_svg" in a for a in answers)
    assert any(str(a.get("secret", "")).startswith("whsec_") for a in answers)  # a webhook, its secret shown once
