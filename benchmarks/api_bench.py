"""`make bench-api`: the serving path under load, measured with wrk (20 concurrent connections,
warm, on loopback), against the targets of issue 16: one process on SQLite p99 <= 100 ms; two
API processes on PostgreSQL >= 400 plans/s with p99 <= 100 ms; /health p99 <= 20 ms.

Each configuration starts real `maas serve` processes on a fresh database (SQLite in a temporary
directory; PostgreSQL as a new database on MAAS_BENCH_POSTGRES_URL, default the test server),
warms them up, runs wrk for --duration-s seconds and prints plans/s and the 50th/99th
percentiles. Two processes are loaded by two wrk runs at once (10 connections each, no balancer
in between): the figure is their sum, the p99 the worse of the two. Rate limits are off: the
benchmark's one address would otherwise be refused after the first minute's budget;
--count-rate-limits keeps them counting (in the database) with a limit too high to refuse.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN = os.environ.get("MAAS_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
LUA = """wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [[%s]]
"""


@dataclass
class Figures:
    name: str
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _plan_body() -> str:
    today = dt.date.today()
    tuesday = today + dt.timedelta(days=(1 - today.weekday()) % 7 or 7)
    return json.dumps({"from": {"lat": 36.4, "lon": 138.9}, "to": {"stop_id": "B04"},
                       "depart_at": f"{tuesday.isoformat()}T08:00:00+09:00", "max_itineraries": 5})


COUNT_LIMITS = False  # --count-rate-limits


def _serve(database_url: str, data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "MAAS_DATABASE_URL": database_url, "MAAS_DATA_DIR": str(data_dir), "MAAS_PORT": str(port),
           "MAAS_RATE_LIMITS": "true" if COUNT_LIMITS else "false", "MAAS_LOG_LEVEL": "WARNING",
           "MAAS_RATE_LIMIT_EXPENSIVE": "100000000/minute"}
    return subprocess.Popen([sys.executable, "-m", "maas", "serve"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _wait_ready(port: int, body: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while True:
        try:
            request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/plan", data=body.encode(),
                                             headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=30) as answer:
                if answer.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"the server on port {port} did not start")
        time.sleep(0.5)
    for _ in range(20):  # warm: the timetable is compiled and the kernels are jitted
        request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/plan", data=body.encode(),
                                         headers={"Content-Type": "application/json"})
        urllib.request.urlopen(request, timeout=30).read()


def _wrk(url: str, connections: int, duration_s: int, script: Path | None) -> subprocess.Popen[str]:
    args = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{duration_s}s", "--latency", "--timeout", "10s"]
    if script is not None:
        args += ["-s", str(script)]
    return subprocess.Popen([*args, url], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def _parse(name: str, output: str) -> Figures:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    timeouts = re.search(r"Socket errors:.*timeout (\d+)", output)
    return Figures(name, rps, p50, p99, (int(errors.group(1)) if errors else 0)
                   + (int(timeouts.group(1)) if timeouts else 0))


def _load(name: str, ports: list[int], path: str, duration_s: int, script: Path | None) -> Figures:
    per = max(1, 20 // len(ports))
    runs = [_wrk(f"http://127.0.0.1:{port}{path}", per, duration_s, script) for port in ports]
    results = [_parse(name, run.communicate()[0]) for run in runs]
    return Figures(name, sum(r.rps for r in results), max(r.p50_ms for r in results),
                   max(r.p99_ms for r in results), sum(r.errors for r in results))


def _migrate(database_url: str, data_dir: Path) -> None:
    env = {**os.environ, "MAAS_DATABASE_URL": database_url, "MAAS_DATA_DIR": str(data_dir)}
    subprocess.run([sys.executable, "-m", "maas", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)


async def _pg(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _run(name: str, database_url: str, data_dir: Path, processes: int, duration_s: int, body: str,
         script: Path, health: bool) -> list[Figures]:
    _migrate(database_url, data_dir)
    ports = [_free_port() for _ in range(processes)]
    servers = [_serve(database_url, data_dir, port) for port in ports]
    try:
        for port, server in zip(ports, servers, strict=True):
            _wait_ready(port, body, server)
        figures = [_load(f"{name}: POST /v1/plan", ports, "/v1/plan", duration_s, script)]
        if health:
            figures.append(_load(f"{name}: GET /health", ports, "/health", duration_s, None))
        return figures
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration-s", type=int, default=10)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--count-rate-limits", action="store_true", help="plans also count their rate limit")
    args = parser.parse_args()
    global COUNT_LIMITS
    COUNT_LIMITS = args.count_rate_limits
    if shutil.which("wrk") is None:
        print("bench-api needs wrk (Debian: apt-get install -y wrk); it is not on PATH", file=sys.stderr)
        return 2
    body = _plan_body()
    load_before = os.getloadavg()[0]  # other work on the machine skews every figure
    figures: list[Figures] = []
    with tempfile.TemporaryDirectory(prefix="maas-bench-api-") as tmp:
        work = Path(tmp)
        script = work / "plan.lua"
        script.write_text(LUA % body)
        (work / "sqlite").mkdir()
        figures += _run("SQLite, 1 process", f"sqlite+aiosqlite:///{work / 'sqlite' / 'maas.sqlite3'}",
                        work / "sqlite", 1, args.duration_s, body, script, health=True)
        if not args.skip_postgres:
            name = f"maas_bench_{uuid.uuid4().hex[:8]}"
            asyncio.run(_pg(f'CREATE DATABASE "{name}"'))
            url = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1) + "/" + name
            try:
                (work / "pg").mkdir()
                figures += _run("PostgreSQL, 1 process", url, work / "pg", 1, args.duration_s, body, script,
                                health=False)
                figures += _run("PostgreSQL, 2 processes", url, work / "pg", 2, args.duration_s, body, script,
                                health=True)
            finally:
                asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    limits = "counted in the database" if COUNT_LIMITS else "off"
    print(f"\nwrk, 20 connections, {args.duration_s} s each, loopback, {os.cpu_count()} CPU(s), "
          f"load average before {load_before:.1f}, rate limits {limits}")
    print(f"{'configuration':44} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for f in figures:
        print(f"{f.name:44} {f.rps:8.1f} {f.p50_ms:8.1f} {f.p99_ms:8.1f} {f.errors:7d}")
    print("targets: SQLite 1 process plan p99 <= 100 ms; PostgreSQL 2 processes >= 400 plans/s, p99 <= 100 ms; "
          "/health p99 <= 20 ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
