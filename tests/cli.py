"""The `maas` command line run in this process, as a shell would see it: exit code, stdout, stderr.

Starting a Python process per command costs seconds of imports; `maas.cli.main` with the same
environment, arguments and stdin does the same work. Only tests where the process boundary is the
point (a server started and stopped, a process killed) start `python -m maas`.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path
from unittest import mock


@dataclass(frozen=True)
class Finished:
    """What a finished command left behind, named like subprocess.CompletedProcess."""

    returncode: int
    stdout: str
    stderr: str


def cli_env(tmp_path: Path) -> dict[str, str]:
    """This process's environment without MAAS_* settings, with a SQLite database and data folder in tmp_path."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MAAS_")}
    return {**clean, "MAAS_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}", "MAAS_DATA_DIR": str(tmp_path),
            "MAAS_DEV_MODE": "true"}


def maas(env: dict[str, str], *args: str, check: bool = True, stdin: str | None = None) -> Finished:
    """Run `maas ARGS` in-process with exactly `env` as the environment; check: fail on a non-zero exit."""
    from maas import cli as maas_cli
    from maas.security import Argon2PasswordHasher

    # Argon2id with small costs, as the container fixture has: the demo's ten accounts hash in
    # milliseconds, and a server started later still verifies them (the costs are in each hash).
    fast = Argon2PasswordHasher(time_cost=1, memory_cost_kib=1024, parallelism=1)
    build = maas_cli.build_container
    out, err = io.StringIO(), io.StringIO()
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level  # main() installs its own handler: give pytest's back
    try:
        with mock.patch.dict(os.environ, env, clear=True), mock.patch.object(sys, "stdin", io.StringIO(stdin or "")), \
                mock.patch.object(maas_cli, "build_container", lambda settings: build(settings, hasher=fast)), \
                contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = maas_cli.main(list(args))
            except SystemExit as exited:  # as the interpreter reports an uncaught SystemExit
                code = exited.code if isinstance(exited.code, int) else 0 if exited.code is None else 1
                if not isinstance(exited.code, int | None):
                    print(exited.code, file=sys.stderr)
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    result = Finished(code, out.getvalue(), err.getvalue())
    if check and result.returncode != 0:
        raise AssertionError(f"maas {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


def rows(env: dict[str, str], sql: str) -> list[tuple]:
    """Rows of a query on the command's SQLite database."""
    path = env["MAAS_DATABASE_URL"].removeprefix("sqlite:///")
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return conn.execute(sql).fetchall()
